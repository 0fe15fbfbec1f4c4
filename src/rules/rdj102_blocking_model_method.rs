use tree_sitter::Node;

use crate::checker::walker::Walker;
use crate::index::ModelId;
use crate::diagnostic::Applicability;
use crate::knowledge::django;
use crate::rules::{fixes, Rule};
use crate::python;
use crate::syntax::field;

declare_rule! {
    /// ## What it does
    /// Flags model instance methods that query the database — `save`,
    /// `delete`, `refresh_from_db`, and `full_clean`, `validate_unique`,
    /// `validate_constraints`, `clean_fields` — called in async code. The
    /// validation methods are flagged only when they query for that model
    /// (unique fields, `Meta.constraints`, relations to check).
    ///
    /// ## Why is this bad?
    /// They run SQL synchronously; on the event loop Django raises
    /// `SynchronousOnlyOperation`.
    ///
    /// ## Example
    /// ```python
    /// async def rename(self, order_id: int, name: str):
    ///     order = await Order.objects.aget(pk=order_id)
    ///     order.note = name
    ///     order.save()
    /// ```
    ///
    /// ## Fix
    /// `await order.asave()`, `await order.adelete()`,
    /// `await order.arefresh_from_db()`. The validation methods have no async
    /// twin: call them through `await sync_to_async(order.full_clean)()`.
    pub struct BlockingModelMethod;
}

/// Whether a validation method queries for this model: `validate_unique`
/// only with unique fields, `validate_constraints` only with
/// `Meta.constraints`, `clean_fields` only with relations to check: Django's
/// `clean_fields(exclude)` skips the fields named in `exclude`, and only a
/// `ForeignKey`'s `validate()` queries (the target must exist).
fn validation_queries(w: &Walker<'_>, model: ModelId, method: &str, args: Option<Node<'_>>) -> bool {
    let m = w.index.model(model);
    if !m.fields_known {
        return true;
    }
    let excluded = excluded_fields(w, method, args);
    let has_relations = m
        .fields()
        .iter()
        .any(|f| f.kind.is_single_relation() && !excluded.contains(&f.name));
    let has_unique = m.members().has_unique_together || m.fields().iter().any(|f| f.unique && !f.primary_key);
    let disabled = |key: &str| {
        w.arg_nodes(args).iter().any(|a| {
            a.kind() == "keyword_argument"
                && field(*a, "name").is_some_and(|n| w.text(n) == key)
                && field(*a, "value").is_some_and(|v| v.kind() == "false")
        })
    };
    match method {
        "validate_unique" => has_unique,
        "validate_constraints" => m.members().has_constraints,
        "clean_fields" => has_relations,
        "full_clean" => has_relations || (has_unique && !disabled("validate_unique")) || (m.members().has_constraints && !disabled("validate_constraints")),
        _ => true,
    }
}

/// The field names a literal `exclude` of `full_clean`/`clean_fields` names
/// (keyword or first positional argument: `exclude={"user", "project"}`);
/// anything else (a variable, a computed set) excludes nothing we can see.
fn excluded_fields(w: &Walker<'_>, method: &str, args: Option<Node<'_>>) -> Vec<String> {
    if !matches!(method, "full_clean" | "clean_fields") {
        return Vec::new();
    }
    let keyword = w.arg_nodes(args).into_iter().find_map(|a| {
        (a.kind() == "keyword_argument" && field(a, "name").is_some_and(|n| w.text(n) == "exclude"))
            .then(|| field(a, "value"))
            .flatten()
    });
    let Some(value) = keyword.or_else(|| w.positional_args(args).first().copied()) else {
        return Vec::new();
    };
    if !matches!(value.kind(), "set" | "list" | "tuple") {
        return Vec::new();
    }
    let mut cursor = value.walk();
    let elements: Vec<Node<'_>> = value.named_children(&mut cursor).collect();
    // Every element a string literal, or nothing is known to be excluded.
    let names: Vec<String> = elements.iter().filter_map(|e| python::string_value(*e, w.src)).collect();
    if names.len() == elements.len() {
        names
    } else {
        Vec::new()
    }
}

/// A model instance method that may query; reported when it queries for this model.
pub fn report<'a>(w: &mut Walker<'a>, call: Node<'a>, func: Node<'a>, model: ModelId, method: &str, args: Option<Node<'a>>) {
    if !validation_queries(w, model, method, args) {
        return;
    }
    let what = format!("`{}` queries the database and blocks the event loop", w.call_snippet(func));
    // Validation has no twin.
    let has_twin = django::model_method_twin_since(method).is_some_and(|since| w.django_version >= since);
    let fix = if has_twin { fixes::await_twin(w, call, func, method, Applicability::Safe) } else { None };
    w.report_blocking_fix(Rule::RDJ102, call.byte_range(), what, fix);
}
