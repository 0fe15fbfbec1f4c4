//! Fix builders shared by the rules: inserting `await` with the right
//! precedence, switching to a method's async twin, adding an import.

use tree_sitter::Node;

use crate::checker::walker::Walker;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::rules::import_fix;
use crate::syntax::field;

/// Does an expression at `node` need parentheses once prefixed with `await`?
/// (`(await qs.afirst()).name`, `(await qs.aget())[0]`, `(await f())()`.)
pub fn needs_parens(node: Node<'_>) -> bool {
    let Some(parent) = node.parent() else { return false };
    let is = |name: &str| field(parent, name).is_some_and(|n| n.id() == node.id());
    match parent.kind() {
        "attribute" => is("object"),
        "subscript" => is("value"),
        "call" => is("function"),
        _ => false,
    }
}

/// Edits that put `await` before `node` (with parentheses when needed).
pub fn await_edits(node: Node<'_>) -> Vec<Edit> {
    if needs_parens(node) {
        vec![
            Edit {
                range: node.start_byte()..node.start_byte(),
                content: "(await ".into(),
            },
            Edit {
                range: node.end_byte()..node.end_byte(),
                content: ")".into(),
            },
        ]
    } else {
        vec![Edit {
            range: node.start_byte()..node.start_byte(),
            content: "await ".into(),
        }]
    }
}

/// Replaces `node` by `await <text>` (parenthesized when needed).
pub fn replace_awaited(node: Node<'_>, text: &str) -> Edit {
    let content = if needs_parens(node) {
        format!("(await {text})")
    } else {
        format!("await {text}")
    };
    Edit {
        range: node.byte_range(),
        content,
    }
}

/// `recv.method(args)` → `await recv.amethod(args)`: the async twin Django
/// provides, run with the same arguments.
pub fn await_twin(
    w: &Walker<'_>,
    call: Node<'_>,
    func: Node<'_>,
    method: &str,
    applicability: Applicability,
) -> Option<Fix> {
    if !w.can_await_at(call) {
        return None;
    }
    let name = field(func, "attribute")?;
    let twin = format!("a{method}");
    let mut edits = await_edits(call);
    edits.push(Edit {
        range: name.byte_range(),
        content: twin.clone(),
    });
    let recv = field(func, "object").map(|o| w.snippet(o)).unwrap_or_default();
    Some(Fix {
        applicability,
        message: format!("Use `await {recv}.{twin}()`"),
        edits,
    })
}

/// The edit that makes `name` importable from `module` at module level, or
/// nothing if it already is; `Err` when `name` is bound to something else
/// (the fix is then not offered). See [`import_fix::add_import`] for where
/// the import goes; a module is first-party when the workspace has it.
pub fn ensure_import(w: &Walker<'_>, module: &str, name: &str) -> Result<Option<Edit>, import_fix::NameTaken> {
    let first_party = |top: &str| {
        w.index.module(top).is_some()
            || w.index
                .files
                .iter()
                .any(|f| f.modules.iter().any(|m| m.split('.').next() == Some(top)))
    };
    import_fix::add_import(w.root, w.src, module, name, &first_party)
}
