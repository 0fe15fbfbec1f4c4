use tree_sitter::Node;

use crate::checker::walker::Walker;
use crate::rules::Rule;
use crate::syntax::{self, field};

declare_rule! {
    /// ## What it does
    /// Flags `with transaction.atomic(...)` in async code, and
    /// `@transaction.atomic` on an `async def`.
    ///
    /// ## Why is this bad?
    /// `atomic` is synchronous: entering it opens a transaction on the
    /// current thread's connection, which raises `SynchronousOnlyOperation`
    /// on the event loop. Even where it did not raise, the async ORM runs
    /// queries in a worker thread with its own connection, so they would not
    /// be inside the transaction. The decorator form fails when the function
    /// is called, and would never have covered the coroutine's body.
    ///
    /// ## Example
    /// ```python
    /// async def checkout(self):
    ///     with transaction.atomic():
    ///         order = await Order.objects.acreate(customer_id=self.customer_id)
    /// ```
    ///
    /// ## Fix
    /// Move the transactional block into a sync function that uses the sync
    /// ORM, and run it in a worker thread:
    /// ```python
    /// async def checkout(self):
    ///     def _checkout():
    ///         with transaction.atomic():
    ///             return Order.objects.create(customer_id=self.customer_id)
    ///     order = await sync_to_async(_checkout)()
    /// ```
    pub struct SyncAtomicInAsync;
}

pub fn is_atomic(w: &Walker<'_>, node: Node<'_>) -> bool {
    let callee = if node.kind() == "call" { field(node, "function") } else { Some(node) };
    callee
        .and_then(|c| syntax::dotted(c, w.src))
        .is_some_and(|d| w.index.is_external(w.file, &d, w.scope, &["django.db.transaction.atomic"]))
}

/// `with transaction.atomic():` (sync `with`).
pub fn check_with<'a>(w: &mut Walker<'a>, value: Node<'a>) {
    // `tx = transaction.atomic()` … `with tx:`
    let atomic_value = value.kind() == "identifier"
        && matches!(w.eval_quiet(value), crate::checker::types::Ty::External(q) if q == "django.db.transaction.Atomic");
    if (value.kind() == "call" && is_atomic(w, value)) || atomic_value {
        let what = format!("`{}` opens a transaction synchronously and blocks the event loop", w.snippet(value));
        let with_stmt = std::iter::successors(value.parent(), |n| n.parent()).find(|n| n.kind() == "with_statement");
        let fix = with_stmt.and_then(|s| crate::rules::atomic_fix::fix(w, s, None));
        w.report_blocking_fix(Rule::RDJ201, value.byte_range(), what, fix);
    }
}

/// `@transaction.atomic` on an `async def`.
pub fn check_decorators<'a>(w: &mut Walker<'a>, def: Node<'a>) {
    for d in syntax::decorators(def) {
        if is_atomic(w, d) {
            let what = format!("`@{}` on an async function enters the transaction synchronously when called", w.snippet(d));
            let fix = crate::rules::atomic_fix::decorator_fix(w, def, d);
            w.report_blocking_fix(Rule::RDJ201, d.byte_range(), what, fix);
        }
    }
}
