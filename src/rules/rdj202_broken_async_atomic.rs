use tree_sitter::Node;

use crate::checker::walker::Walker;
use crate::index::{ClassKind, Symbol};
use crate::rules::Rule;
use crate::syntax::{self, field};

declare_rule! {
    /// ## What it does
    /// Flags `async with` over a transaction that is not an async context
    /// manager: `async with sync_to_async(transaction.atomic)():`,
    /// `async with await sync_to_async(atomic)():`, `async with
    /// transaction.atomic():`, and an `Atomic` subclass whose `__aenter__`
    /// enters the transaction synchronously.
    ///
    /// ## Why is this bad?
    /// Django's `Atomic` has no `__aenter__`: these raise `TypeError` at
    /// runtime (the pattern is recommended in some guides, and wrong). A
    /// subclass whose `__aenter__` calls `self.__enter__()` raises
    /// `SynchronousOnlyOperation` instead.
    ///
    /// ## Example
    /// ```python
    /// async def pay(self):
    ///     async with sync_to_async(transaction.atomic)():
    ///         await order.asave()
    /// ```
    ///
    /// ## Fix
    /// As for RDJ201: run the transactional block as a sync function with
    /// `await sync_to_async(fn)()`.
    pub struct BrokenAsyncAtomic;
}

/// The value of an `async with` item.
pub fn check_async_with<'a>(w: &mut Walker<'a>, value: Node<'a>) {
    let v = syntax::unparen(value);
    let inner = if v.kind() == "await" { v.named_child(0).map(syntax::unparen).unwrap_or(v) } else { v };
    let broken = inner.kind() == "call" && {
        let callee = field(inner, "function").map(syntax::unparen);
        let wrapped_atomic = callee.is_some_and(|c| {
            c.kind() == "call"
                && field(c, "function").and_then(|f| syntax::dotted(f, w.src)).is_some_and(|d| crate::checker::is_thread_wrapper(w.index, w.file, w.scope, &d))
                && field(c, "arguments")
                    .and_then(|a| a.named_child(0))
                    .is_some_and(|first| crate::rules::rdj201_sync_atomic_in_async::is_atomic(w, first))
        });
        wrapped_atomic || (v.kind() != "await" && crate::rules::rdj201_sync_atomic_in_async::is_atomic(w, inner)) || sync_atomic_subclass(w, inner)
    };
    if broken {
        let msg = if sync_atomic_subclass(w, inner) && w.index.resolve_dotted(w.file, &field(inner, "function").and_then(|f| syntax::dotted(f, w.src)).unwrap_or_default(), w.scope) != Symbol::Unknown && has_aenter(w, inner) {
            format!("`async with {}` enters the transaction synchronously in `__aenter__`: `SynchronousOnlyOperation` on the event loop", w.snippet(value))
        } else {
            format!("`async with {}` fails at runtime: Django's `Atomic` is not an async context manager", w.snippet(value))
        };
        let fix = sync_header(w, value, inner).and_then(|header| {
            let with_stmt = std::iter::successors(value.parent(), |n| n.parent()).find(|n| n.kind() == "with_statement")?;
            crate::rules::atomic_fix::fix(w, with_stmt, Some(header))
        });
        w.report_fix(Rule::RDJ202, value.byte_range(), msg, fix);
    }
}

/// `async with MyAtomic():` where `MyAtomic(Atomic)` has no `__aenter__`,
/// or one that calls `self.__enter__()` on the loop.
fn sync_atomic_subclass(w: &Walker<'_>, call: Node<'_>) -> bool {
    let Some(name) = field(call, "function").and_then(|f| syntax::dotted(f, w.src)) else { return false };
    let Symbol::Class(c) = w.index.resolve_dotted(w.file, &name, w.scope) else { return false };
    if w.index.class_kind(c) != ClassKind::Atomic {
        return false;
    }
    match w.index.find_method(c, "__aenter__") {
        None => true,
        Some(f) => {
            let entry = w.index.file(f.file);
            let body = &entry.text[w.index.function_range(f)];
            body.contains("__enter__(") && !body.contains("sync_to_async") && !body.contains("to_thread")
        }
    }
}

fn has_aenter(w: &Walker<'_>, call: Node<'_>) -> bool {
    let Some(name) = field(call, "function").and_then(|f| syntax::dotted(f, w.src)) else { return false };
    match w.index.resolve_dotted(w.file, &name, w.scope) {
        Symbol::Class(c) => w.index.find_method(c, "__aenter__").is_some(),
        _ => false,
    }
}

/// The `with` header that enters the same transaction synchronously:
/// `async with sync_to_async(transaction.atomic)(using="x") as tx` →
/// `with transaction.atomic(using="x") as tx`. Only for a single item.
fn sync_header(w: &Walker<'_>, value: Node<'_>, call: Node<'_>) -> Option<String> {
    let item = std::iter::successors(value.parent(), |n| n.parent()).find(|n| n.kind() == "with_item")?;
    let clause = item.parent()?;
    if crate::syntax::named_children(clause).len() != 1 {
        return None;
    }
    let callee = field(call, "function").map(syntax::unparen)?;
    let expr = if callee.kind() == "call" {
        // sync_to_async(atomic)(args) → atomic(args)
        let atomic = field(callee, "arguments")?.named_child(0)?;
        format!("{}{}", w.text(atomic), w.text(field(call, "arguments")?))
    } else {
        w.text(call).to_owned()
    };
    let alias = value.parent().filter(|p| p.kind() == "as_pattern").and_then(|p| field(p, "alias")).map(|a| format!(" as {}", w.text(a)));
    Some(format!("with {expr}{}", alias.unwrap_or_default()))
}
