//! The fix of RDJ401: move a module-level models import into the functions
//! that use it, so it runs when they are called, after Django is set up.
//! Only when every use of the imported names is inside a function body
//! (class bodies, annotations, defaults and decorators run at import time).

use tree_sitter::Node;

use crate::diagnostic::{Applicability, Edit, Fix};
use crate::index::summary::ImportBinding;
use crate::syntax::{self, field, named_children};

pub fn fix(root: Node<'_>, src: &str, stmt_range: std::ops::Range<usize>, bindings: &[&ImportBinding]) -> Option<Fix> {
    let stmt = root.descendant_for_byte_range(stmt_range.start, stmt_range.end)?;
    let stmt = std::iter::successors(Some(stmt), |n| n.parent()).find(|n| n.byte_range() == stmt_range)?;
    if stmt.parent()?.kind() != "module" {
        return None;
    }
    let names: Vec<&str> = bindings.iter().map(|b| b.local.as_str()).collect();
    let future_annotations = src.contains("from __future__ import annotations");

    // The outermost functions whose bodies use the names; any other use: no fix.
    let mut functions: Vec<Node<'_>> = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.id() == stmt.id() {
            continue;
        }
        if n.kind() == "identifier" && names.contains(&syntax::text(n, src)) && !is_attribute_name(n) {
            match body_owner(n, future_annotations) {
                Some(f) => {
                    if !functions.iter().any(|g| g.id() == f.id()) {
                        functions.push(f);
                    }
                }
                None => return None,
            }
        }
        stack.extend(named_children(n));
    }
    if functions.is_empty() {
        return None;
    }
    let text = syntax::text(stmt, src);
    if text.contains(['\n', '\r']) {
        return None; // a parenthesized multi-line import: keep it simple
    }
    let nl = if src.contains("\r\n") { "\r\n" } else { "\n" };
    // Delete the line (with its line ending).
    let line_start = src[..stmt.start_byte()].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let mut line_end = stmt.end_byte();
    let rest = &src[line_end..];
    let trailing = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if rest[trailing..].starts_with('#') {
        return None; // a comment on the line (`# noqa`, a marker): leave it to the user
    }
    line_end += trailing;
    line_end += if src[line_end..].starts_with("\r\n") {
        2
    } else {
        usize::from(src[line_end..].starts_with(['\n', '\r']))
    };
    let mut edits = vec![Edit {
        range: line_start..line_end,
        content: String::new(),
    }];
    for f in functions {
        let body = field(f, "body")?;
        let first = named_children(body).into_iter().find(|c| c.kind() != "comment")?;
        // After a docstring, before the first statement.
        let docstring =
            first.kind() == "expression_statement" && first.named_child(0).is_some_and(|s| s.kind() == "string");
        let anchor = if docstring {
            named_children(body)
                .into_iter()
                .find(|c| c.start_byte() > first.start_byte() && c.kind() != "comment")
        } else {
            Some(first)
        };
        let indent = {
            let s = src[..first.start_byte()].rfind(['\n', '\r']).map_or(0, |i| i + 1);
            src[s..first.start_byte()].to_owned()
        };
        match anchor {
            Some(a) => edits.push(Edit {
                range: a.start_byte()..a.start_byte(),
                content: format!("{text}{nl}{indent}"),
            }),
            None => edits.push(Edit {
                range: first.end_byte()..first.end_byte(),
                content: format!("{nl}{indent}{text}"),
            }),
        }
    }
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: "Import the models inside the functions that use them".into(),
        edits,
    })
}

fn is_attribute_name(n: Node<'_>) -> bool {
    n.parent()
        .is_some_and(|p| p.kind() == "attribute" && field(p, "attribute").is_some_and(|a| a.id() == n.id()))
        || n.parent()
            .is_some_and(|p| p.kind() == "keyword_argument" && field(p, "name").is_some_and(|a| a.id() == n.id()))
}

/// The outermost function whose *body* contains `n`, or `None` when `n` runs
/// at import time (module or class level, a signature, a decorator).
fn body_owner(n: Node<'_>, future_annotations: bool) -> Option<Node<'_>> {
    let mut owner = None;
    let mut cur = n;
    while let Some(p) = cur.parent() {
        if p.kind() == "function_definition" {
            let in_body = field(p, "body").is_some_and(|b| b.id() == cur.id());
            let in_annotation =
                matches!(cur.kind(), "type") || field(p, "return_type").is_some_and(|r| r.id() == cur.id());
            if in_body || (future_annotations && in_annotation) {
                owner = Some(p);
            } else if owner.is_none() {
                // Signature (defaults, annotations without the future import).
                let parameters = field(p, "parameters").is_some_and(|ps| ps.id() == cur.id());
                if parameters && !future_annotations {
                    return None;
                }
                if parameters {
                    owner = Some(p);
                }
            }
        }
        if p.kind() == "decorator" && owner.is_none() {
            return None;
        }
        cur = p;
    }
    owner
}
