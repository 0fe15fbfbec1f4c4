use tree_sitter::Node;

use crate::checker::walker::Walker;
use crate::diagnostic::Applicability;
use crate::knowledge::django;
use crate::rules::{fixes, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a QuerySet or manager method that runs a database query —
    /// `get`, `create`, `get_or_create`, `update_or_create`, `bulk_create`,
    /// `bulk_update`, `count`, `in_bulk`, `iterator`, `latest`, `earliest`,
    /// `first`, `last`, `aggregate`, `exists`, `contains`, `update`, `delete`,
    /// `explain` — called in async code; also a `Paginator` over a QuerySet
    /// asked for its `count`, `num_pages`, `page_range` or a `page(n)` /
    /// `get_page(n)` (each runs `qs.count()`).
    ///
    /// ## Why is this bad?
    /// Reflex runs event handlers on an asyncio event loop. Django's ORM is
    /// synchronous: called from a thread with a running event loop, these
    /// methods raise `SynchronousOnlyOperation` instead of blocking every
    /// other user's events while the query runs.
    ///
    /// ## Example
    /// ```python
    /// class CatalogState(rx.State):
    ///     async def search_catalog(self, sku: str):
    ///         product = Product.objects.get(sku=sku)
    /// ```
    ///
    /// ## Fix
    /// Use the async twin Django provides for each of these methods:
    /// ```python
    ///         product = await Product.objects.aget(sku=sku)
    /// ```
    /// `iterator()` becomes `async for … in qs.aiterator()`, and a manager's
    /// `delete()` becomes `await Model.objects.all().adelete()`.
    pub struct BlockingQuerysetCall;
}

/// `recv.method(...)` on a manager or QuerySet, a method that queries.
pub fn report<'a>(w: &mut Walker<'a>, call: Node<'a>, func: Node<'a>, method: &str) {
    let what = format!("`{}` blocks the event loop", w.call_snippet(func));
    let fix = (w.django_version >= django::QUERYSET_TWINS_SINCE).then(|| fixes::await_twin(w, call, func, method, Applicability::Safe)).flatten();
    w.report_blocking_fix(Rule::RDJ101, call.byte_range(), what, fix);
}

/// `paginator.count`, `paginator.page(n)`: a `Paginator` over a QuerySet
/// counts it with `qs.count()` (cached on the paginator afterwards).
pub fn report_paginator_count<'a>(w: &mut Walker<'a>, at: Node<'a>, paginator: Node<'a>) {
    let what = format!(
        "`{}` counts the QuerySet of the paginator `{}` with a query that blocks the event loop",
        w.snippet(at),
        w.snippet(paginator)
    );
    w.report_blocking(Rule::RDJ101, at.byte_range(), what);
}
