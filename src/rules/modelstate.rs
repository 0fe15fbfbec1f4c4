//! Shared by the RDJ6xx rules: reading a reflex-django `ModelState`'s
//! options (class attributes or its inner `Meta`) and its model.

use std::ops::Range;

use crate::index::summary::{AssignedValue, ClassSummary};
use crate::index::{ClassKind, ClassRef, FileId, ModelId, WorkspaceIndex};

pub struct ModelStateView<'a> {
    pub class: &'a ClassSummary,
    pub model: ModelId,
}

/// Every `ModelState` subclass in `file` whose model we know the fields of.
pub fn model_states(index: &WorkspaceIndex, file: FileId) -> Vec<ModelStateView<'_>> {
    let mut out = Vec::new();
    for (i, class) in index.file(file).summary().classes.iter().enumerate() {
        let c = ClassRef { file, index: i };
        if index.class_kind(c) != (ClassKind::State { model_state: true }) {
            continue;
        }
        let model_name = match class
            .attr("model")
            .or_else(|| class.meta_attr("model"))
            .map(|a| &a.value)
        {
            Some(AssignedValue::Name(n)) => Some(n.clone()),
            _ => class.base_type_args.first().cloned(),
        };
        let Some(name) = model_name else { continue };
        let Some(model) = index.model_of_symbol(&index.resolve_dotted(file, &name, None)) else {
            continue;
        };
        if index.model(model).fields_known {
            out.push(ModelStateView { class, model });
        }
    }
    out
}

/// The string items of an option, from the class body or `Meta` (the
/// class attribute wins, as in reflex-django).
pub fn option<'a>(view: &ModelStateView<'a>, name: &str) -> Vec<(String, Range<usize>)> {
    // reflex-django reads `ordering` from `Meta` first (`_resolve_ordering`),
    // every other option from the class body first.
    let attr = if name == "ordering" {
        view.class.meta_attr(name).or_else(|| view.class.attr(name))
    } else {
        view.class.attr(name).or_else(|| view.class.meta_attr(name))
    };
    match attr.map(|a| &a.value) {
        Some(AssignedValue::Strings(items)) => items.clone(),
        Some(AssignedValue::Str(s, r)) if s != "__all__" => vec![(s.clone(), r.clone())],
        _ => Vec::new(),
    }
}
