//! Django's contrib models, known without the Django source: enough fields
//! and relations for the rules (relations, and which names are fields).

use super::FieldKind;

/// (name, kind, target qualname, related_name)
pub type BuiltinField = (&'static str, FieldKind, Option<&'static str>, Option<&'static str>);

pub struct BuiltinModel {
    pub qualname: &'static str,
    pub app_label: &'static str,
    /// (name, kind, target qualname, related_name)
    pub fields: &'static [BuiltinField],
}

use FieldKind::{ForeignKey as Fk, ManyToMany as M2m, Plain as P};

const USER_FIELDS: &[BuiltinField] = &[
    ("id", P, None, None),
    ("password", P, None, None),
    ("last_login", P, None, None),
    ("is_superuser", P, None, None),
    ("username", P, None, None),
    ("first_name", P, None, None),
    ("last_name", P, None, None),
    ("email", P, None, None),
    ("is_staff", P, None, None),
    ("is_active", P, None, None),
    ("date_joined", P, None, None),
    (
        "groups",
        M2m,
        Some("django.contrib.auth.models.Group"),
        Some("user_set"),
    ),
    (
        "user_permissions",
        M2m,
        Some("django.contrib.auth.models.Permission"),
        Some("user_set"),
    ),
];

/// No relation here hides its reverse side (`related_name="+"`): Django gives
/// `permission.group_set`, `content_type.permission_set`,
/// `user.logentry_set` and `content_type.logentry_set`, and the query names
/// `group`, `permission` and `logentry` (fixtures/oracle/cases/contrib_reverse_relations.py).
pub const CONTRIB_MODELS: &[BuiltinModel] = &[
    BuiltinModel {
        qualname: "django.contrib.auth.models.User",
        app_label: "auth",
        fields: USER_FIELDS,
    },
    BuiltinModel {
        qualname: "django.contrib.auth.models.Group",
        app_label: "auth",
        fields: &[
            ("id", P, None, None),
            ("name", P, None, None),
            ("permissions", M2m, Some("django.contrib.auth.models.Permission"), None),
        ],
    },
    BuiltinModel {
        qualname: "django.contrib.auth.models.Permission",
        app_label: "auth",
        fields: &[
            ("id", P, None, None),
            ("name", P, None, None),
            (
                "content_type",
                Fk,
                Some("django.contrib.contenttypes.models.ContentType"),
                None,
            ),
            ("codename", P, None, None),
        ],
    },
    BuiltinModel {
        qualname: "django.contrib.contenttypes.models.ContentType",
        app_label: "contenttypes",
        fields: &[
            ("id", P, None, None),
            ("app_label", P, None, None),
            ("model", P, None, None),
        ],
    },
    BuiltinModel {
        qualname: "django.contrib.sessions.models.Session",
        app_label: "sessions",
        fields: &[
            ("session_key", P, None, None),
            ("session_data", P, None, None),
            ("expire_date", P, None, None),
        ],
    },
    BuiltinModel {
        qualname: "django.contrib.admin.models.LogEntry",
        app_label: "admin",
        fields: &[
            ("id", P, None, None),
            ("action_time", P, None, None),
            ("user", Fk, Some("django.contrib.auth.models.User"), None),
            (
                "content_type",
                Fk,
                Some("django.contrib.contenttypes.models.ContentType"),
                None,
            ),
            ("object_id", P, None, None),
            ("object_repr", P, None, None),
            ("action_flag", P, None, None),
            ("change_message", P, None, None),
        ],
    },
    BuiltinModel {
        qualname: "django.contrib.sites.models.Site",
        app_label: "sites",
        fields: &[
            ("id", P, None, None),
            ("domain", P, None, None),
            ("name", P, None, None),
        ],
    },
];

/// Abstract contrib bases a user model may inherit, with the fields they add.
pub fn contrib_base_fields(q: &str) -> Option<&'static [BuiltinField]> {
    match q {
        "django.contrib.auth.models.AbstractUser" => Some(&USER_FIELDS[1..]),
        "django.contrib.auth.base_user.AbstractBaseUser" | "django.contrib.auth.models.AbstractBaseUser" => {
            Some(&USER_FIELDS[1..3])
        }
        "django.contrib.auth.models.PermissionsMixin" => Some(&[
            ("is_superuser", P, None, None),
            (
                "groups",
                M2m,
                Some("django.contrib.auth.models.Group"),
                Some("user_set"),
            ),
            (
                "user_permissions",
                M2m,
                Some("django.contrib.auth.models.Permission"),
                Some("user_set"),
            ),
        ]),
        _ => None,
    }
}

pub fn is_contrib_model_base(q: &str) -> bool {
    contrib_base_fields(q).is_some() || CONTRIB_MODELS.iter().any(|m| m.qualname == q)
}
