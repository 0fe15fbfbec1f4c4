use tree_sitter::Node;

use crate::checker::walker::Walker;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::rules::{fixes, Rule};
use crate::syntax::field;

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
    let fix = wrap_fix(w, call);
    w.report_blocking_fix(Rule::RDJ107, call.byte_range(), what, fix);
}

/// `helper(args)` → `await sync_to_async(helper)(args)`. Unsafe: the helper
/// now runs in a worker thread (thread-locals and the caller's transaction
/// differ), which is exactly what makes it stop blocking.
fn wrap_fix<'a>(w: &Walker<'a>, call: Node<'a>) -> Option<Fix> {
    if !w.can_await_at(call) {
        return None;
    }
    let func = field(call, "function")?;
    let mut edits = fixes::await_edits(call);
    edits.push(Edit { range: func.byte_range(), content: format!("sync_to_async({})", w.text(func)) });
    edits.extend(fixes::ensure_import(w, "asgiref.sync", "sync_to_async").ok()?);
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: format!("Run it in a worker thread: `await sync_to_async({})(...)`", w.snippet(func)),
        edits,
    })
}

/// The last step of a summarized helper's call path, which this rule's
/// message shows (``stock_for → `Product.objects.get()` ``): the call path
/// of a helper it calls in turn (what this rule's reports say in
/// `Exec::Summary`), or the blocking code itself, quoted.
pub fn call_path_step(rule: Rule, what: String, blocking_code: impl FnOnce() -> String) -> String {
    if rule == Rule::RDJ107 {
        what
    } else {
        format!("`{}`", blocking_code())
    }
}

/// The call-path step of a helper decorated with `@transaction.atomic`:
/// calling it opens a transaction, which blocks before its body runs.
pub fn atomic_decorator_step() -> String {
    "`@transaction.atomic`".to_owned()
}

/// Reading a `@property` / `cached_property` whose body blocks (`obj.total`
/// runs `total`'s queries). No fix: an attribute read cannot be awaited.
pub fn report_property<'a>(w: &mut Walker<'a>, node: Node<'a>, name: &str, path: &str) {
    let chain = format!("{name} → {path}");
    let what = match w.exec {
        crate::checker::Exec::Summary => chain,
        _ => format!("reading the property `{name}` runs sync code that blocks the event loop ({chain})"),
    };
    w.report_blocking(Rule::RDJ107, node.byte_range(), what);
}

/// A coroutine that blocks only with the arguments this call gives it (an
/// instance whose query did not load the relation it reads): reported at
/// the call, under the rule of what it does, since the caller's query is
/// where the fix goes.
pub fn report_in_coroutine<'a>(w: &mut Walker<'a>, call: Node<'a>, name: &str, inner: &crate::diagnostic::Finding) {
    let what = format!("with the arguments given here, `{name}()` blocks the event loop: {}", inner.message);
    w.report_blocking(inner.rule, call.byte_range(), what);
}
