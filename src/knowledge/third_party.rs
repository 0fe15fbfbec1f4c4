//! Well-known third-party functions that query the database when called
//! (reported under RDJ106). Each entry is proven by an oracle case in
//! `fixtures/oracle/cases/api_third_party.py`, run with the package
//! installed from PyPI at the version pinned in `tests/requirements.txt`.

use super::django::{BlockingFunction, Returns};

/// One function of a third-party package.
#[derive(Debug)]
pub struct ThirdPartyApi {
    /// The PyPI distribution that provides it.
    pub package: &'static str,
    /// What it does, and where its query is.
    pub does: &'static str,
    pub function: BlockingFunction,
}

const fn entry(package: &'static str, qualname: &'static str, does: &'static str) -> ThirdPartyApi {
    ThirdPartyApi {
        package,
        does,
        function: BlockingFunction {
            qualname,
            twin: None,
            returns: Returns::Unknown,
            prefetches: false,
        },
    }
}

pub static BLOCKING_FUNCTIONS: &[ThirdPartyApi] = &[
    entry(
        "django-waffle",
        "waffle.flag_is_active",
        "is a flag active for this request: `Flag.get(name)` reads the flag from the cache and, on a miss, from the database",
    ),
    entry(
        "django-waffle",
        "waffle.switch_is_active",
        "is a switch on: `Switch.get(name)`, a cache miss reads the database",
    ),
    entry(
        "django-waffle",
        "waffle.sample_is_active",
        "is a sample active: `Sample.get(name)`, a cache miss reads the database",
    ),
    entry(
        "django-guardian",
        "guardian.shortcuts.get_objects_for_user",
        "the objects a user holds a permission on: looks up the permissions' content types and the user's groups before building the QuerySet",
    ),
    entry(
        "django-guardian",
        "guardian.shortcuts.get_perms",
        "the permission codenames a user or group has on an object: an `ObjectPermissionChecker` query",
    ),
    entry(
        "django-guardian",
        "guardian.shortcuts.assign_perm",
        "grants an object permission: reads the `Permission` row and writes a `UserObjectPermission`",
    ),
    entry(
        "django-guardian",
        "guardian.shortcuts.remove_perm",
        "revokes an object permission: a delete query",
    ),
];
