//! Django's contrib models in the index's terms: the table projected from
//! their one description (`crate::knowledge::models::contrib`, generated from
//! `contrib.py`) read into `FieldInfo`s, the user model's relations
//! pointing at the project's `AUTH_USER_MODEL`.
//!
//! Never does I/O; describes no model itself.

use super::models::FieldInfo;
use super::WorkspaceIndex;
use crate::knowledge::models::contrib::ContribField;

pub use crate::knowledge::models::contrib::{contrib_base, is_contrib_model_base, CONTRIB_MODELS};

/// The qualified name Django's relations to `AUTH_USER_MODEL` name.
const AUTH_USER: &str = "django.contrib.auth.models.User";

/// A contrib model's (or abstract base's) fields, their targets resolved.
pub(super) fn contrib_fields(index: &WorkspaceIndex, fields: &[ContribField]) -> Vec<FieldInfo> {
    fields
        .iter()
        .map(|f| FieldInfo {
            name: f.name.to_owned(),
            kind: f.kind,
            target: f.target.and_then(|t| {
                if t == AUTH_USER {
                    index.auth_user()
                } else {
                    index.registry.read().unwrap().by_qualname.get(t).copied()
                }
            }),
            related_name: f.related_name.map(str::to_owned),
            decl: None,
            class_name: String::new(),
            primary_key: f.primary_key,
            unique: f.unique,
            // (No contrib relation names a `to_field`.)
            names_to_field: false,
        })
        .collect()
}
