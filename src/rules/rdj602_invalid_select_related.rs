use crate::diagnostic::Finding;
use crate::index::models::{Member, RelationKind};
use crate::index::{FieldKind, FileId, WorkspaceIndex};
use crate::rules::modelstate::{model_states, option};
use crate::rules::{Rule, RuleSet};

declare_rule! {
    /// ## What it does
    /// Flags a `queryset_select_related` entry of a reflex-django
    /// `ModelState` that is not a forward ForeignKey / OneToOne (or a reverse
    /// one-to-one) — at any step of a `a__b` path.
    ///
    /// ## Why is this bad?
    /// `select_related()` only follows single-valued relations. Django raises
    /// `FieldError: Invalid field name(s) given in select_related` when the
    /// query runs — on the first page load.
    ///
    /// ## Example
    /// ```python
    /// class OrderAdmin(ModelState):
    ///     model = Order
    ///     queryset_select_related = ("customer", "items")  # items: reverse FK
    /// ```
    ///
    /// ## Fix
    /// Move many-valued relations to `queryset_prefetch`.
    pub struct InvalidSelectRelated;
}

pub fn check(index: &WorkspaceIndex, file: FileId, rules: RuleSet, out: &mut Vec<Finding>) {
    if !rules.contains(Rule::RDJ602) {
        return;
    }
    for view in model_states(index, file) {
        for (path, range) in option(&view, "queryset_select_related") {
            let mut model = index.model(view.model);
            for step in path.split("__") {
                let next = match index.member(&model, step) {
                    Some(Member::Field(f)) if matches!(f.kind, FieldKind::ForeignKey | FieldKind::OneToOne) => f.target,
                    Some(Member::Reverse(r)) if r.kind == RelationKind::ReverseOneToOne => Some(r.model),
                    _ => {
                        out.push(Finding::new(
                            Rule::RDJ602,
                            format!("`{step}` in `queryset_select_related` is not a single-valued relation of `{}`: `FieldError` when the query runs", model.name),
                            range.clone(),
                        ));
                        break;
                    }
                };
                match next {
                    Some(m) if index.model(m).fields_known => model = index.model(m),
                    _ => break,
                }
            }
        }
    }
}
