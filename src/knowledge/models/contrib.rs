//! Django's contrib models (auth, contenttypes, sessions, admin, sites),
//! described once: `contrib.py` holds Django 5.2's declarations, which the
//! schema's model reader reads like a models file, and
//! `contrib_models.rs` is their projection for the index (fields, relation
//! targets, qualified names), generated from `contrib.py` by
//! `UPDATE_CONTRIB=1 cargo test --test contrib_models`, which fails while
//! the projection is stale.
//!
//! Tables and look-ups only: never does I/O, names no other module.

use super::FieldKind;

/// The source of Django's contrib model declarations.
pub const CONTRIB_PY: &str = include_str!("contrib.py");

/// One contrib model class, as the index knows it.
#[derive(Debug)]
pub struct ContribModel {
    /// Where Django defines it first (`django.contrib.auth.models.User`),
    /// then the modules that re-export it.
    pub qualnames: &'static [&'static str],
    pub app_label: &'static str,
    /// Every field, inherited ones included; a concrete model's automatic
    /// primary key too.
    pub fields: &'static [ContribField],
}

impl ContribModel {
    /// The qualified name where Django defines it.
    pub fn qualname(&self) -> &'static str {
        self.qualnames[0]
    }

    pub fn is_named(&self, qualname: &str) -> bool {
        self.qualnames.contains(&qualname)
    }
}

/// One field of a contrib model.
#[derive(Debug, PartialEq, Eq)]
pub struct ContribField {
    pub name: &'static str,
    pub kind: FieldKind,
    /// The related model's qualified name (`AUTH_USER_MODEL` is
    /// `django.contrib.auth.models.User`, which a project may swap).
    pub target: Option<&'static str>,
    pub related_name: Option<&'static str>,
    pub primary_key: bool,
    /// `unique=True`, or a one-to-one relation.
    pub unique: bool,
}

pub use super::contrib_models::{CONTRIB_BASES, CONTRIB_MODELS};

/// The abstract contrib base (`AbstractUser`, `PermissionsMixin`, …) a
/// qualified name is, with the fields a model inheriting it gets.
pub fn contrib_base(qualname: &str) -> Option<&'static ContribModel> {
    CONTRIB_BASES.iter().find(|m| m.is_named(qualname))
}

/// Whether a qualified name is a contrib model or abstract base, whose
/// subclasses are models.
pub fn is_contrib_model_base(qualname: &str) -> bool {
    contrib_base(qualname).is_some() || CONTRIB_MODELS.iter().any(|m| m.is_named(qualname))
}
