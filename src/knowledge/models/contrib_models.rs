//! Django's contrib models as the index knows them: every model class of
//! `contrib.py` with its fields (inherited ones and the automatic primary
//! key included), relation targets as qualified names. Data only.
//!
//! Generated from contrib.py by `UPDATE_CONTRIB=1 cargo test --test contrib_models`; do not edit.

use super::contrib::{ContribField, ContribModel};
use super::FieldKind;

/// The concrete models, in the order `contrib.py` declares them.
pub const CONTRIB_MODELS: &[ContribModel] = &[
    ContribModel {
        qualnames: &["django.contrib.auth.models.Permission"],
        app_label: "auth",
        fields: &[
            ContribField { name: "id", kind: FieldKind::Plain, target: None, related_name: None, primary_key: true, unique: false },
            ContribField { name: "name", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "content_type", kind: FieldKind::ForeignKey, target: Some("django.contrib.contenttypes.models.ContentType"), related_name: None, primary_key: false, unique: false },
            ContribField { name: "codename", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
        ],
    },
    ContribModel {
        qualnames: &["django.contrib.auth.models.Group"],
        app_label: "auth",
        fields: &[
            ContribField { name: "id", kind: FieldKind::Plain, target: None, related_name: None, primary_key: true, unique: false },
            ContribField { name: "name", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: true },
            ContribField { name: "permissions", kind: FieldKind::ManyToMany, target: Some("django.contrib.auth.models.Permission"), related_name: None, primary_key: false, unique: false },
        ],
    },
    ContribModel {
        qualnames: &["django.contrib.auth.models.User"],
        app_label: "auth",
        fields: &[
            ContribField { name: "id", kind: FieldKind::Plain, target: None, related_name: None, primary_key: true, unique: false },
            ContribField { name: "password", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "last_login", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "is_superuser", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "username", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: true },
            ContribField { name: "first_name", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "last_name", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "email", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "is_staff", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "is_active", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "date_joined", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "groups", kind: FieldKind::ManyToMany, target: Some("django.contrib.auth.models.Group"), related_name: Some("user_set"), primary_key: false, unique: false },
            ContribField { name: "user_permissions", kind: FieldKind::ManyToMany, target: Some("django.contrib.auth.models.Permission"), related_name: Some("user_set"), primary_key: false, unique: false },
        ],
    },
    ContribModel {
        qualnames: &["django.contrib.contenttypes.models.ContentType"],
        app_label: "contenttypes",
        fields: &[
            ContribField { name: "id", kind: FieldKind::Plain, target: None, related_name: None, primary_key: true, unique: false },
            ContribField { name: "app_label", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "model", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
        ],
    },
    ContribModel {
        qualnames: &["django.contrib.sessions.models.Session"],
        app_label: "sessions",
        fields: &[
            ContribField { name: "session_key", kind: FieldKind::Plain, target: None, related_name: None, primary_key: true, unique: false },
            ContribField { name: "session_data", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "expire_date", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
        ],
    },
    ContribModel {
        qualnames: &["django.contrib.admin.models.LogEntry"],
        app_label: "admin",
        fields: &[
            ContribField { name: "id", kind: FieldKind::Plain, target: None, related_name: None, primary_key: true, unique: false },
            ContribField { name: "action_time", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "user", kind: FieldKind::ForeignKey, target: Some("django.contrib.auth.models.User"), related_name: None, primary_key: false, unique: false },
            ContribField { name: "content_type", kind: FieldKind::ForeignKey, target: Some("django.contrib.contenttypes.models.ContentType"), related_name: None, primary_key: false, unique: false },
            ContribField { name: "object_id", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "object_repr", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "action_flag", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "change_message", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
        ],
    },
    ContribModel {
        qualnames: &["django.contrib.sites.models.Site"],
        app_label: "sites",
        fields: &[
            ContribField { name: "id", kind: FieldKind::Plain, target: None, related_name: None, primary_key: true, unique: false },
            ContribField { name: "domain", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: true },
            ContribField { name: "name", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
        ],
    },
];

/// The abstract bases a project's model may inherit.
pub const CONTRIB_BASES: &[ContribModel] = &[
    ContribModel {
        qualnames: &["django.contrib.auth.base_user.AbstractBaseUser", "django.contrib.auth.models.AbstractBaseUser"],
        app_label: "auth",
        fields: &[
            ContribField { name: "password", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "last_login", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
        ],
    },
    ContribModel {
        qualnames: &["django.contrib.auth.models.PermissionsMixin"],
        app_label: "auth",
        fields: &[
            ContribField { name: "is_superuser", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "groups", kind: FieldKind::ManyToMany, target: Some("django.contrib.auth.models.Group"), related_name: Some("user_set"), primary_key: false, unique: false },
            ContribField { name: "user_permissions", kind: FieldKind::ManyToMany, target: Some("django.contrib.auth.models.Permission"), related_name: Some("user_set"), primary_key: false, unique: false },
        ],
    },
    ContribModel {
        qualnames: &["django.contrib.auth.models.AbstractUser"],
        app_label: "auth",
        fields: &[
            ContribField { name: "password", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "last_login", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "is_superuser", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "username", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: true },
            ContribField { name: "first_name", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "last_name", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "email", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "is_staff", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "is_active", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "date_joined", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "groups", kind: FieldKind::ManyToMany, target: Some("django.contrib.auth.models.Group"), related_name: Some("user_set"), primary_key: false, unique: false },
            ContribField { name: "user_permissions", kind: FieldKind::ManyToMany, target: Some("django.contrib.auth.models.Permission"), related_name: Some("user_set"), primary_key: false, unique: false },
        ],
    },
    ContribModel {
        qualnames: &["django.contrib.sessions.base_session.AbstractBaseSession"],
        app_label: "sessions",
        fields: &[
            ContribField { name: "session_key", kind: FieldKind::Plain, target: None, related_name: None, primary_key: true, unique: false },
            ContribField { name: "session_data", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
            ContribField { name: "expire_date", kind: FieldKind::Plain, target: None, related_name: None, primary_key: false, unique: false },
        ],
    },
];
