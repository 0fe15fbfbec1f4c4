use tree_sitter::Node;

use crate::checker::walker::Walker;
use crate::diagnostic::Applicability;
use crate::knowledge::django;
use crate::rules::{fixes, Rule};

declare_rule! {
    /// ## What it does
    /// Flags the writing methods of a related manager — `add`, `remove`,
    /// `clear`, `set`, `create`, `get_or_create`, `update_or_create` — on a
    /// reverse ForeignKey (`order.items`, `customer.order_set`) or a
    /// ManyToMany (`product.tags`), called in async code.
    ///
    /// ## Why is this bad?
    /// Each runs SQL synchronously and raises `SynchronousOnlyOperation` on
    /// the event loop.
    ///
    /// ## Example
    /// ```python
    /// async def tag(self, product_id: int, tag_id: int):
    ///     product = await Product.objects.aget(pk=product_id)
    ///     product.tags.add(tag_id)
    /// ```
    ///
    /// ## Fix
    /// Django 4.2+ has async twins: `await product.tags.aadd(tag_id)`,
    /// `aremove`, `aclear`, `aset`, `acreate`, `aget_or_create`, `aupdate_or_create`.
    pub struct BlockingRelatedManager;
}

/// A related manager's writing method.
pub fn report<'a>(w: &mut Walker<'a>, call: Node<'a>, func: Node<'a>, method: &str) {
    let what = format!("related manager call `{}` blocks the event loop", w.call_snippet(func));
    let fix = (w.django_version >= django::RELATED_MANAGER_TWINS_SINCE).then(|| fixes::await_twin(w, call, func, method, Applicability::Safe)).flatten();
    w.report_blocking_fix(Rule::RDJ105, call.byte_range(), what, fix);
}
