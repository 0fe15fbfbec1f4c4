//! Projects that change what `makemigrations` compares, project-wide: a
//! replaced `Field.deconstruct` (NetBox drops `verbose_name`, `help_text`
//! and `choices` from every field's deconstruction), keys removed from
//! `AlterModelOptions.ALTER_OPTION_KEYS`, a custom autodetector or
//! `makemigrations` command. RDJ503 follows a patch it can read, and says
//! nothing about what a patch it cannot read may affect.

use std::collections::BTreeSet;

use tree_sitter::Node;

use super::models::simple_assignment;
use super::settings::Project;
use super::state::Field;
use super::value::{self, Value};
use crate::index::{FileId, Symbol, WorkspaceIndex};
use crate::syntax::{self, dotted, field, named_children, text};

/// What the project's patches change in the comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationPatches {
    /// Keyword arguments a patched `deconstruct()` removes from every field.
    pub dropped_field_kwargs: BTreeSet<String>,
    /// Keyword arguments removed when their value is an instance of one of
    /// these classes (by last name: NetBox's `ConfigItem` defaults).
    pub dropped_kwarg_classes: BTreeSet<String>,
    /// `deconstruct()` patched in a way we cannot read: no field is reported altered.
    pub fields_opaque: bool,
    /// Meta options removed from `ALTER_OPTION_KEYS` (never compared).
    pub ignored_options: BTreeSet<String>,
    /// `ALTER_OPTION_KEYS` changed in a way we cannot read.
    pub options_opaque: bool,
    /// A custom autodetector or `makemigrations` we cannot read: RDJ503 says nothing.
    pub detection_opaque: bool,
}

impl MigrationPatches {
    /// A field's keyword arguments as the patched `deconstruct()` leaves them.
    pub fn apply(&self, f: &Field) -> Field {
        if self.dropped_field_kwargs.is_empty() && self.dropped_kwarg_classes.is_empty() {
            return f.clone();
        }
        let mut f = f.clone();
        f.kwargs.retain(|k, v| {
            !self.dropped_field_kwargs.contains(k)
                && !v
                    .last_name()
                    .is_some_and(|n| matches!(v, Value::Call { .. }) && self.dropped_kwarg_classes.contains(n))
        });
        f
    }
}

/// Reads the patches in the project's files: its apps' modules (Django
/// imports each app's `apps.py` and models at start-up) and its settings.
pub fn read_patches(index: &WorkspaceIndex, project: &Project) -> MigrationPatches {
    let mut out = MigrationPatches::default();
    // Any file of the project may be imported at start-up (Nautobot patches
    // from its `makemigrations` command module, outside the apps we read).
    let in_project = |path: &std::path::Path| {
        path.starts_with(&project.root)
            || project.apps.iter().any(|a| path.starts_with(&a.dir))
            || project.settings.is_some_and(|s| index.file(s).path == path)
    };
    for (id, entry) in index.files.iter().enumerate() {
        // A `makemigrations` command of the project's (the first installed
        // app's wins; any of them counts here).
        let command = entry.path.ends_with("management/commands/makemigrations.py");
        if entry.in_migrations || !in_project(&entry.path) {
            continue;
        }
        let text = &entry.text;
        let relevant = text.contains(".deconstruct")
            || text.contains("ALTER_OPTION_KEYS")
            || text.contains("MigrationAutodetector")
            || command;
        if !relevant {
            continue;
        }
        let Some(tree) = syntax::parse(text) else {
            out.detection_opaque = true;
            continue;
        };
        let root = tree.root_node();
        read_file(index, id, root, text, &mut out);
        if command && !plain_command(root, text) {
            out.detection_opaque = true;
        }
    }
    out
}

fn read_file(index: &WorkspaceIndex, file: FileId, root: Node<'_>, src: &str, out: &mut MigrationPatches) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "class_definition" => {
                // A subclass of the autodetector (used by a command we may
                // not see): what it detects is unknown.
                let bases = field(node, "superclasses").map(named_children).unwrap_or_default();
                if bases
                    .iter()
                    .any(|b| dotted(*b, src).is_some_and(|d| d.ends_with("MigrationAutodetector")))
                {
                    out.detection_opaque = true;
                }
            }
            "assignment" | "augmented_assignment" => {
                let Some(left) = field(node, "left") else { continue };
                let target = dotted(left, src).unwrap_or_default();
                if target.ends_with(".deconstruct") {
                    let owner = target.trim_end_matches(".deconstruct");
                    if owner.rsplit('.').next().is_some_and(|c| c.ends_with("Field")) {
                        let right = field(node, "right").and_then(|r| dotted(r, src));
                        match right.and_then(|r| readable_deconstruct(index, file, &r)) {
                            Some((dropped, classes)) => {
                                out.dropped_field_kwargs.extend(dropped);
                                out.dropped_kwarg_classes.extend(classes);
                            }
                            None => out.fields_opaque = true,
                        }
                    }
                } else if target.ends_with("ALTER_OPTION_KEYS") {
                    out.options_opaque = true;
                } else if target.contains("MigrationAutodetector.") {
                    out.detection_opaque = true;
                }
            }
            "call" => {
                let func = field(node, "function").and_then(|f| dotted(f, src)).unwrap_or_default();
                if let Some((owner, method)) = func.rsplit_once('.') {
                    if owner.ends_with("ALTER_OPTION_KEYS") {
                        let arg = field(node, "arguments")
                            .map(named_children)
                            .unwrap_or_default()
                            .into_iter()
                            .find(|a| a.kind() != "comment");
                        let key = arg.map(|a| value::parse(a, src, &|_| None));
                        match (method, key) {
                            ("remove" | "discard", Some(Value::Str(k))) => {
                                out.ignored_options.insert(k);
                            }
                            // Adding keys makes Django compare more: we miss those, no more.
                            ("append" | "add", _) => {}
                            _ => out.options_opaque = true,
                        }
                    }
                }
            }
            _ => {}
        }
        stack.extend(named_children(node));
    }
}

/// A replacement `deconstruct` we can follow: the keyword arguments it
/// pops, and the classes whose instances it filters out. `None` when it
/// does anything else.
fn readable_deconstruct(index: &WorkspaceIndex, file: FileId, name: &str) -> Option<(Vec<String>, Vec<String>)> {
    let Symbol::Function(f) = index.resolve_dotted(file, name, None) else {
        return None;
    };
    if f.class.is_some() {
        return None;
    }
    let entry = index.file(f.file);
    let src: &str = &entry.text;
    let tree = syntax::parse(src)?;
    let root = tree.root_node();
    let range = index.function(f).range.clone();
    let def = root.descendant_for_byte_range(range.start, range.end)?;
    let def = syntax::definition_of(def);
    if def.kind() != "function_definition" {
        return None;
    }
    let constants = module_lists(root, src);
    let lookup = |n: &str| constants.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    // The tuple the original returns, by the names it is unpacked into.
    let mut kwargs_name: Option<String> = None;
    let (mut dropped, mut classes) = (Vec::new(), Vec::new());
    for stmt in syntax::body_statements(def) {
        match stmt.kind() {
            "comment" => continue,
            "return_statement" => continue,
            "for_statement" => {
                // `for attr in EXEMPT_ATTRS: kwargs.pop(attr, None)`
                let var = field(stmt, "left").map(|l| text(l, src).to_owned())?;
                let items = value::parse(field(stmt, "right")?, src, &lookup);
                let names: Vec<String> = items
                    .as_list()?
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<_>>()?;
                let body = syntax::body_statements(stmt);
                let pops = body.iter().filter(|s| s.kind() != "comment").all(|s| {
                    pop_of(*s, src, kwargs_name.as_deref()).is_some_and(|(arg, literal)| !literal && arg == var)
                });
                if !pops {
                    return None;
                }
                dropped.extend(names);
            }
            "expression_statement" => {
                let inner = stmt.named_child(0)?;
                if inner.kind() == "string" {
                    continue; // the docstring
                }
                if inner.kind() == "assignment" {
                    let left = field(inner, "left")?;
                    let right = syntax::unparen(field(inner, "right")?);
                    if left.kind() == "pattern_list" || left.kind() == "tuple_pattern" {
                        // `name, path, args, kwargs = _deconstruct(field)`
                        let parts = named_children(left);
                        if parts.len() != 4 || right.kind() != "call" {
                            return None;
                        }
                        kwargs_name = Some(text(parts[3], src).to_owned());
                        continue;
                    }
                    // `kwargs = {k: v for k, v in kwargs.items() if not isinstance(v, C)}`
                    if Some(text(left, src)) == kwargs_name.as_deref() && right.kind() == "dictionary_comprehension" {
                        classes.push(isinstance_filter(right, src)?);
                        continue;
                    }
                    return None;
                }
                match pop_of(stmt, src, kwargs_name.as_deref()) {
                    Some((arg, true)) => dropped.push(arg),
                    _ => return None,
                }
            }
            "delete_statement" => {
                // `del kwargs["help_text"]`
                let target = stmt.named_child(0)?;
                let target = (target.kind() == "subscript").then_some(target)?;
                if Some(text(field(target, "value")?, src)) != kwargs_name.as_deref() {
                    return None;
                }
                dropped.push(
                    value::parse(field(target, "subscript")?, src, &|_| None)
                        .as_str()?
                        .to_owned(),
                );
            }
            _ => return None,
        }
    }
    kwargs_name.map(|_| (dropped, classes))
}

/// `kwargs.pop(X, None)` as a statement: `X` as a string literal's value
/// (`true`) or a name (`false`).
fn pop_of(stmt: Node<'_>, src: &str, kwargs_name: Option<&str>) -> Option<(String, bool)> {
    let call = (stmt.kind() == "expression_statement")
        .then(|| stmt.named_child(0))
        .flatten()?;
    if call.kind() != "call" {
        return None;
    }
    let func = dotted(field(call, "function")?, src)?;
    let (owner, method) = func.rsplit_once('.')?;
    if Some(owner) != kwargs_name || method != "pop" {
        return None;
    }
    let first = named_children(field(call, "arguments")?)
        .into_iter()
        .find(|a| a.kind() != "comment")?;
    match first.kind() {
        "identifier" => Some((text(first, src).to_owned(), false)),
        _ => value::string_literal(first, src).map(|s| (s, true)),
    }
}

/// `{k: v for k, v in kwargs.items() if not isinstance(v, C)}`: `C`'s last name.
fn isinstance_filter(comp: Node<'_>, src: &str) -> Option<String> {
    let clauses: Vec<Node<'_>> = named_children(comp)
        .into_iter()
        .filter(|c| c.kind() == "if_clause")
        .collect();
    let [clause] = clauses.as_slice() else { return None };
    let cond = clause.named_child(0)?;
    let cond = (cond.kind() == "not_operator")
        .then(|| field(cond, "argument"))
        .flatten()?;
    if cond.kind() != "call" || field(cond, "function").map(|f| text(f, src)) != Some("isinstance") {
        return None;
    }
    let args: Vec<Node<'_>> = named_children(field(cond, "arguments")?)
        .into_iter()
        .filter(|a| a.kind() != "comment")
        .collect();
    let class = dotted(*args.get(1)?, src)?;
    Some(class.rsplit('.').next().unwrap_or(&class).to_owned())
}

/// Module-level `NAME = (literal, …)` assignments.
fn module_lists(root: Node<'_>, src: &str) -> Vec<(String, Value)> {
    named_children(root)
        .into_iter()
        .filter_map(simple_assignment)
        .map(|(k, v)| (text(k, src).to_owned(), value::parse(v, src, &|_| None)))
        .filter(|(_, v)| v.as_list().is_some())
        .collect()
}

/// A `makemigrations` command that only guards or extends `handle` (NetBox
/// refuses to write migrations unless `--check` or DEVELOPER): detection is
/// Django's. One that sets `autodetector` or overrides anything else is not.
fn plain_command(root: Node<'_>, src: &str) -> bool {
    let command = named_children(root)
        .into_iter()
        .map(syntax::definition_of)
        .find(|n| n.kind() == "class_definition" && field(*n, "name").is_some_and(|x| text(x, src) == "Command"));
    let Some(command) = command else {
        return true; // no command class: Django's is used
    };
    syntax::body_statements(command).into_iter().all(|stmt| {
        let def = syntax::definition_of(stmt);
        match def.kind() {
            "function_definition" => {
                let name = field(def, "name").map(|n| text(n, src)).unwrap_or("");
                match name {
                    "add_arguments" => true,
                    "handle" => text(def, src).contains("super().handle("),
                    _ => false,
                }
            }
            "expression_statement" => match stmt.named_child(0) {
                Some(n) if n.kind() == "string" => true,
                // `help = "…"`
                Some(n) => {
                    simple_assignment(stmt).is_some_and(|(k, _)| text(k, src) == "help") && n.kind() == "assignment"
                }
                None => true,
            },
            "comment" | "pass_statement" => true,
            _ => false,
        }
    })
}
