use crate::diagnostic::Finding;
use crate::index::models::Member;
use crate::index::{FieldKind, FileId, WorkspaceIndex};
use crate::rules::modelstate::{model_states, option};
use crate::rules::{Rule, RuleSet};

declare_rule! {
    /// ## What it does
    /// Flags a `queryset_prefetch` entry of a reflex-django `ModelState`
    /// that does not name a relation of the model.
    ///
    /// ## Why is this bad?
    /// `prefetch_related()` with a non-relation raises `AttributeError` /
    /// `ValueError` ("is an invalid parameter to prefetch_related()") when
    /// the query runs.
    ///
    /// ## Example
    /// ```python
    /// class OrderAdmin(ModelState):
    ///     model = Order
    ///     queryset_prefetch = ("items", "coupon_code")  # coupon_code: CharField
    /// ```
    ///
    /// ## Fix
    /// Name a relation (ForeignKey, OneToOne, ManyToMany or a reverse accessor).
    pub struct InvalidPrefetch;
}

pub fn check(index: &WorkspaceIndex, file: FileId, rules: RuleSet, out: &mut Vec<Finding>) {
    if !rules.contains(Rule::RDJ603) {
        return;
    }
    for view in model_states(index, file) {
        let model = index.model(view.model);
        for (path, range) in option(&view, "queryset_prefetch") {
            let first = path.split("__").next().unwrap_or(&path);
            let ok = match index.member(&model, first) {
                Some(Member::Field(f)) => f.kind != FieldKind::Plain,
                Some(Member::Reverse(_)) => true,
                _ => false,
            };
            if !ok {
                out.push(Finding::new(
                    Rule::RDJ603,
                    format!("`{first}` in `queryset_prefetch` is not a relation of `{}`", model.name),
                    range,
                ));
            }
        }
    }
}
