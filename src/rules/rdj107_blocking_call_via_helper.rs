use tree_sitter::Node;

use crate::checker::walker::Walker;
use crate::rules::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a call, in async code, to a sync function of the workspace (in
    /// any file, following calls up to `follow-calls-depth`, default 3) that
    /// does blocking ORM work. A nested `def` or `lambda` called directly
    /// counts too. The message shows the call path.
    ///
    /// Passing the function to `sync_to_async(...)`,
    /// `database_sync_to_async(...)`, `asyncio.to_thread(...)` or
    /// `loop.run_in_executor(...)` runs it in a worker thread and is fine.
    ///
    /// ## Why is this bad?
    /// A sync helper called from an async handler runs on the event loop, so
    /// its queries raise `SynchronousOnlyOperation` just as if they were
    /// written inline — but the problem hides in another file.
    ///
    /// ## Example
    /// ```python
    /// # services.py
    /// def recalc_totals(order_id):
    ///     return OrderItem.objects.filter(order_id=order_id).count()
    ///
    /// # states.py
    /// async def checkout(self):
    ///     recalc_totals(self.order_id)
    /// ```
    ///
    /// ## Fix
    /// `await sync_to_async(recalc_totals)(self.order_id)` (unsafe: the helper
    /// now runs in a worker thread, so thread-local state differs).
    pub struct BlockingCallViaHelper;
}

pub fn report<'a>(w: &mut Walker<'a>, call: Node<'a>, name: &str, path: &str) {
    let chain = format!("{name} → {path}");
    let what = match w.exec {
        crate::checker::Exec::Summary => chain,
        _ => format!("`{name}()` runs sync code that blocks the event loop ({chain})"),
    };
    w.report_blocking(Rule::RDJ107, call.byte_range(), what);
}
