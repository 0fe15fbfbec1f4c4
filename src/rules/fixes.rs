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

/// The fix builders run on hostile user code: the depth of what they walk
/// must cost heap, never stack, and their time must stay linear.
#[cfg(test)]
pub(crate) mod depth_tests {
    use std::time::{Duration, Instant};

    use crate::checker::{check_file, AnalysisOptions};
    use crate::diagnostic::Finding;
    use crate::fix::{apply, FixMode};
    use crate::index::{FileEntry, WorkspaceIndex};
    use crate::rules::Rule;

    const MODELS: &str =
        "from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField(max_length=10)\n";

    /// How deep the generated expressions nest.
    pub const DEEP: usize = 100_000;

    /// Runs `f` on a 2 MiB stack (a rayon worker's default, and the server's
    /// threads'), returning what it returns.
    pub fn on_small_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn_scoped(scope, f)
                .expect("a thread")
                .join()
                .expect("no panic")
        })
    }

    /// Checks `shop/state.py` (next to `shop/models.py`) on a 2 MiB stack,
    /// with a time limit generous for a debug build (a quadratic walk over
    /// 100,000 levels takes minutes).
    pub fn check_state(state: &str) -> Vec<Finding> {
        let index = WorkspaceIndex::new(vec![
            FileEntry::new("shop/__init__.py".into(), vec!["shop".into()], b""),
            FileEntry::new("shop/models.py".into(), vec!["shop.models".into()], MODELS.as_bytes()),
            FileEntry::new("shop/state.py".into(), vec!["shop.state".into()], state.as_bytes()),
        ]);
        let started = Instant::now();
        let findings = on_small_stack(|| check_file(&index, 2, &AnalysisOptions::default()));
        assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
        findings
    }

    /// `state` with the fix of its `rule` finding applied (`None`: no fix).
    pub fn fixed(state: &str, rule: Rule) -> Option<String> {
        let findings = check_state(state);
        let finding = findings
            .into_iter()
            .find(|f| f.rule == rule)
            .unwrap_or_else(|| panic!("no {rule:?}"));
        finding.fix.as_ref()?;
        let applied = apply(state, std::slice::from_ref(&finding), FixMode::SafeAndUnsafe);
        assert_eq!(applied.count, 1);
        Some(applied.text)
    }
}
