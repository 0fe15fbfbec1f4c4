//! Fix builders shared by the rules: inserting `await` with the right
//! precedence, switching to a method's async twin, adding an import.

use tree_sitter::Node;

use crate::checker::walker::Walker;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::syntax::{self, field, named_children};

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
/// nothing if it already is. Appends to an existing `from module import …`,
/// else adds a line after the module's last top-level import.
pub fn ensure_import(w: &Walker<'_>, module: &str, name: &str) -> Option<Edit> {
    let summary = w.index.file(w.file).summary();
    let present = summary.imports.iter().any(|b| {
        b.scope.is_none()
            && b.local == name
            && matches!(&b.target, crate::index::summary::ImportTarget::Member { module: m, name: n } if m == module && n == name)
    });
    if present {
        return None;
    }
    let root = w.root;
    let mut last_import: Option<Node<'_>> = None;
    for stmt in named_children(root) {
        match stmt.kind() {
            "import_from_statement" => {
                let same_module = field(stmt, "module_name")
                    .is_some_and(|m| syntax::text(m, w.src).split_whitespace().collect::<String>() == module);
                let wildcard = syntax::children(stmt).iter().any(|c| c.kind() == "wildcard_import");
                if same_module && !wildcard {
                    let mut cursor = stmt.walk();
                    let last = stmt.children_by_field_name("name", &mut cursor).last()?;
                    return Some(Edit {
                        range: last.end_byte()..last.end_byte(),
                        content: format!(", {name}"),
                    });
                }
                last_import = Some(stmt);
            }
            "import_statement" | "future_import_statement" => last_import = Some(stmt),
            "expression_statement" if last_import.is_none() => {}
            _ => {}
        }
    }
    let line = format!("from {module} import {name}");
    match last_import {
        Some(stmt) => Some(Edit {
            range: stmt.end_byte()..stmt.end_byte(),
            content: format!("\n{line}"),
        }),
        None => {
            // After a module docstring, if any; else at the top.
            let first = named_children(root).into_iter().find(|n| n.kind() != "comment");
            let docstring = first.filter(|n| {
                n.kind() == "expression_statement" && n.named_child(0).is_some_and(|s| s.kind() == "string")
            });
            match docstring {
                Some(d) => Some(Edit {
                    range: d.end_byte()..d.end_byte(),
                    content: format!("\n{line}"),
                }),
                None => Some(Edit {
                    range: 0..0,
                    content: format!("{line}\n"),
                }),
            }
        }
    }
}
