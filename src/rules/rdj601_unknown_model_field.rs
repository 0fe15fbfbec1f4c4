use crate::diagnostic::Finding;
use crate::index::{FileId, WorkspaceIndex};
use crate::rules::modelstate::{model_states, option};
use crate::rules::{Rule, RuleSet};

declare_rule! {
    /// ## What it does
    /// Flags a name in a reflex-django `ModelState`'s `fields`,
    /// `search_fields`, `ordering`, `read_only_fields`, `state_fields` or
    /// `exclude_from_row` (class attribute or inner `Meta`) that is not a
    /// field of its `model`.
    ///
    /// ## Why is this bad?
    /// reflex-django resolves these names against the model when the state
    /// class is assembled or the list is queried: a typo fails at start-up or
    /// with a `FieldError` on the first request, not in your editor.
    ///
    /// ## Example
    /// ```python
    /// class OrderAdmin(ModelState):
    ///     model = Order
    ///     fields = ["id", "status", "shipped_at"]  # Order has no shipped_at
    /// ```
    ///
    /// ## Fix
    /// Use an existing field name (see the model), or add the field (and a
    /// migration).
    pub struct UnknownModelField;
}

pub const OPTIONS: &[&str] = &["fields", "search_fields", "ordering", "read_only_fields", "state_fields", "exclude_from_row"];

/// `-name` in `ordering` → `name`. (`search_fields` names are used verbatim:
/// reflex-django builds `Q(**{f"{name}__icontains": q})`, so Django admin's
/// `^`/`=`/`@` prefixes are errors there, not syntax.)
pub fn strip_prefix(option: &str, name: &str) -> String {
    let s = match option {
        "ordering" => name.trim_start_matches(['-', '+']),
        _ => name,
    };
    s.to_owned()
}

pub fn check(index: &WorkspaceIndex, file: FileId, rules: RuleSet, out: &mut Vec<Finding>) {
    if !rules.contains(Rule::RDJ601) {
        return;
    }
    for view in model_states(index, file) {
        let model = index.model(view.model);
        for opt in OPTIONS {
            for (name, range) in option(&view, opt) {
                let name = strip_prefix(opt, &name);
                if name == "?" || name.is_empty() {
                    continue;
                }
                let first = name.split("__").next().unwrap_or(&name);
                // A lookup path may start with a reverse relation's query name.
                let known = if name.contains("__") {
                    index.starts_lookup(&model, first) != Some(false)
                } else {
                    index.member(&model, first).is_some()
                };
                if !known {
                    // `order_set__note`: the accessor where lookups take the query name.
                    let hint = first
                        .strip_suffix("_set")
                        .filter(|query| name.contains("__") && index.starts_lookup(&model, query) == Some(true))
                        .map(|query| format!(" (lookups name this reverse relation `{query}`)"))
                        .unwrap_or_default();
                    out.push(Finding::new(
                        Rule::RDJ601,
                        format!("`{first}` in `{opt}` is not a field of `{}`{hint}", model.name),
                        range,
                    ));
                }
            }
        }
    }
}
