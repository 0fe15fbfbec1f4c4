use tree_sitter::Node;

use crate::diagnostic::Finding;
use crate::index::{ClassKind, ClassRef, FileId, Symbol, WorkspaceIndex};
use crate::rules::{Rule, RuleSet};
use crate::python;
use crate::syntax::{self, named_children};

declare_rule! {
    /// ## What it does
    /// Flags a public state var — a class-level annotation on an `rx.State`
    /// subclass — whose type mentions a Django model or `QuerySet`:
    /// `Product`, `list[Product]`, `Product | None`, `dict[str, Product]`.
    /// Backend vars (`_name`) never leave the server and are exempt, as are
    /// `ClassVar[...]` and `type[...]` annotations.
    ///
    /// ## Why is this bad?
    /// Reflex sends public vars to the browser as JSON and tracks them for
    /// changes; a model instance or QuerySet is not serializable state (and a
    /// QuerySet would query on every serialization).
    ///
    /// ## Example
    /// ```python
    /// class CatalogState(rx.State):
    ///     selected: Product | None = None
    /// ```
    ///
    /// ## Fix
    /// Store plain data: `selected: dict | None = None` (built with
    /// `model_to_dict` or `.values()`), or a `list[dict]` for many rows.
    pub struct ModelInStateAnnotation;
}

pub fn check(index: &WorkspaceIndex, file: FileId, root: Node<'_>, rules: RuleSet, out: &mut Vec<Finding>) {
    if !rules.contains(Rule::RDJ301) {
        return;
    }
    let entry = index.file(file);
    let src: &str = &entry.text;
    for (i, class) in entry.summary().classes.iter().enumerate() {
        let c = ClassRef { file, index: i };
        if !matches!(index.class_kind(c), ClassKind::State { .. }) {
            continue;
        }
        for ann in &class.annotations {
            if ann.name.starts_with('_') {
                continue;
            }
            let Some(ty) = root.descendant_for_byte_range(ann.type_range.start, ann.type_range.end) else { continue };
            if let Some(what) = mentioned_model(index, file, src, ty) {
                out.push(Finding::new(
                    Rule::RDJ301,
                    format!("state var `{}` holds `{what}`: Reflex cannot send Django model data to the browser", ann.name),
                    ann.name_range.start..ann.type_range.end,
                ));
            }
        }
    }
}

/// The first model or QuerySet named in a type expression.
fn mentioned_model(index: &WorkspaceIndex, file: FileId, src: &str, node: Node<'_>) -> Option<String> {
    // Depth first in source order, over an explicit stack: an annotation
    // may nest as deeply as a file allows.
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        let found = match node.kind() {
            "identifier" | "attribute" => model_name(index, file, src, node),
            "generic_type" | "subscript" => {
                let head = node.named_child(0).map(|h| syntax::text(h, src)).unwrap_or("");
                let last = head.rsplit('.').next().unwrap_or(head);
                if !matches!(last, "ClassVar" | "type" | "Type") {
                    stack.extend(named_children(node).into_iter().rev());
                }
                None
            }
            "string" => python::string_value(node, src).and_then(|value| {
                value
                    .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                    .filter(|w| !w.is_empty())
                    .find(|w| index.model_of_symbol(&index.resolve_dotted(file, w, None)).is_some())
                    .map(str::to_owned)
            }),
            _ => {
                stack.extend(named_children(node).into_iter().rev());
                None
            }
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// A name that denotes a model or a QuerySet.
fn model_name(index: &WorkspaceIndex, file: FileId, src: &str, node: Node<'_>) -> Option<String> {
    let name = syntax::dotted(node, src)?;
    if name.rsplit('.').next() == Some("QuerySet") {
        return Some(name);
    }
    let sym = index.resolve_dotted(file, &name, None);
    if index.model_of_symbol(&sym).is_some() {
        return Some(name);
    }
    if let Symbol::External(q) = sym {
        if q.ends_with(".QuerySet") {
            return Some(name);
        }
    }
    None
}
