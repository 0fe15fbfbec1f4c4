use crate::diagnostic::Finding;
use crate::index::models::Member;
use crate::index::{FileId, WorkspaceIndex};
use crate::rules::modelstate::{model_states, option};
use crate::rules::rdj601_unknown_model_field::strip_prefix;
use crate::rules::{Rule, RuleSet};

declare_rule! {
    /// ## What it does
    /// Flags a `fields` entry of a reflex-django `ModelState` that reaches
    /// through a relation (`customer__name`) which neither
    /// `queryset_select_related` nor `queryset_prefetch` covers.
    /// (`search_fields` through a relation are not flagged: reflex-django
    /// filters with them in one joined query.)
    ///
    /// ## Why is this bad?
    /// Each row then loads the related object with its own query: a list of
    /// 50 orders runs 51 queries (the N+1 problem).
    ///
    /// ## Example
    /// ```python
    /// class OrderAdmin(ModelState):
    ///     model = Order
    ///     fields = ["id", "customer__name"]
    /// ```
    ///
    /// ## Fix
    /// Add the relation to `queryset_select_related` (single-valued) or
    /// `queryset_prefetch` (many-valued): `queryset_select_related = ("customer",)`.
    pub struct RelatedFieldWithoutJoin;
}

pub fn check(index: &WorkspaceIndex, file: FileId, rules: RuleSet, out: &mut Vec<Finding>) {
    if !rules.contains(Rule::RDJ604) {
        return;
    }
    for view in model_states(index, file) {
        let model = index.model(view.model);
        let mut joined: Vec<String> = option(&view, "queryset_select_related").into_iter().map(|(p, _)| p).collect();
        joined.extend(option(&view, "queryset_prefetch").into_iter().map(|(p, _)| p));
        for opt in ["fields"] {
            for (name, range) in option(&view, opt) {
                let name = strip_prefix(opt, &name);
                let Some((first, _)) = name.split_once("__") else { continue };
                let single = match index.member(&model, first) {
                    Some(Member::Field(f)) if f.target.is_some() => f.kind.is_single_relation(),
                    Some(Member::Reverse(r)) => r.kind == crate::index::models::RelationKind::ReverseOneToOne,
                    _ => continue,
                };
                let option_name = if single { "queryset_select_related" } else { "queryset_prefetch" };
                let covered = joined.iter().any(|j| j == first || j.starts_with(&format!("{first}__")));
                if !covered {
                    out.push(Finding::new(
                        Rule::RDJ604,
                        format!("`{name}` in `{opt}` reads `{first}` for every row: add `\"{first}\"` to `{option_name}`"),
                        range,
                    ));
                }
            }
        }
    }
}
