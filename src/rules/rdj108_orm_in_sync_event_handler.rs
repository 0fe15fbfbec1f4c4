declare_rule! {
    /// ## What it does
    /// Flags ORM work (any operation the RDJ1xx rules describe) inside a
    /// sync (`def`) event handler of an `rx.State` subclass.
    ///
    /// ## Why is this bad?
    /// Reflex calls sync event handlers directly on the event-loop thread,
    /// not in a worker thread. Django sees a running event loop and raises
    /// `SynchronousOnlyOperation`, although the code looks like plain sync
    /// Django.
    ///
    /// ## Example
    /// ```python
    /// class AdminState(rx.State):
    ///     def publish(self, product_id: int):
    ///         Product.objects.filter(pk=product_id).update(is_published=True)
    /// ```
    ///
    /// ## Fix
    /// Make the handler `async def` and use the async ORM API (unsafe: the
    /// handler's other code now runs as a coroutine):
    /// ```python
    ///     async def publish(self, product_id: int):
    ///         await Product.objects.filter(pk=product_id).aupdate(is_published=True)
    /// ```
    pub struct OrmInSyncEventHandler;
}

use crate::diagnostic::{Applicability, Edit, Fix};

/// The fix of the blocking operation, plus `async` before the handler's
/// `def`. Unsafe: code that calls the handler directly now gets a coroutine.
pub fn make_async(def_start: usize, mut fix: Fix) -> Option<Fix> {
    fix.edits.push(Edit { range: def_start..def_start, content: "async ".into() });
    fix.applicability = Applicability::Unsafe;
    fix.message = format!("Make the handler `async def`; {}", fix.message);
    Some(fix)
}

pub fn message(what: &str, handler: &str) -> String {
    format!("{what}: sync event handler `{handler}` runs on the event-loop thread")
}
