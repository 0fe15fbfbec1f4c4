//! The Django projects of a workspace as their settings describe them, read
//! statically (OWNER: settings helper).
//!
//! [`discover_projects`] finds each project (a folder with `manage.py` or
//! `rxconfig.py`, or the parent of a settings package named by `asgi.py` /
//! `wsgi.py` or `DJANGO_SETTINGS_MODULE`), its settings module, the installed
//! apps found in the workspace (with their labels, models and migrations
//! files), `AUTH_USER_MODEL`, `DEFAULT_AUTO_FIELD` and the database URL.
//! A settings module is *evaluated* by a small static interpreter (see
//! `evaluator`); a value it cannot know is never guessed: a database
//! configuration that cannot be read yields nothing and the next source is
//! tried; an unreadable `INSTALLED_APPS` falls back to the folder scan (see
//! [`Project::apps_fallback`]).
//!
//! Nothing here does I/O or runs the user's Python: environment variables
//! and file existence come in through the `env` and `exists` closures, so
//! tests pass fakes.
//!
//! - `discovery`: projects, their roots and settings modules, the database
//!   source order;
//! - `apps`: `INSTALLED_APPS` entries, app configs and labels, the folder scan;
//! - `evaluator`: the interpreter, its values and the library calls it knows;
//! - `database`: [`ConfiguredDatabase`] and the URL of `DATABASES["default"]`;
//! - `trees`: a file's syntax tree, the index's or parsed here.

mod apps;
mod database;
mod discovery;
mod evaluator;
#[cfg(test)]
mod test_support;
mod trees;

use std::path::{Path, PathBuf};

use database::database_url;
pub use database::{sqlite_url, ConfiguredDatabase, DatabaseSource, SourceLocation};
use discovery::Discovery;
use evaluator::{Evaluator, Val};

use crate::index::{FileId, WorkspaceIndex};

/// The environment variables that name a database URL, in the order they
/// are tried (SPEC §4 "Live"), after the caller's own settings.
pub const DATABASE_URL_VARIABLES: [&str; 3] = ["DATABASE_URL", "RX_DATABASE_URL", "REFLEX_DJANGO_DATABASE_URL"];

/// One Django project in the workspace.
#[derive(Debug, Clone)]
pub struct Project {
    /// The folder with `manage.py` (else `rxconfig.py`, else the settings
    /// package's parent). Relative SQLite paths and the default database
    /// files are taken from here.
    pub root: PathBuf,
    pub manage_py: Option<FileId>,
    pub rxconfig: Option<FileId>,
    /// The dotted name of the settings module, as named (even when it
    /// could not be found in the workspace).
    pub settings_module: Option<String>,
    /// The settings module's file.
    pub settings: Option<FileId>,
    /// `INSTALLED_APPS` as read (empty when it could not be read).
    pub installed_apps: Vec<String>,
    /// The installed apps found in the workspace, in `INSTALLED_APPS` order
    /// (or, with [`Project::apps_fallback`], by path).
    pub apps: Vec<App>,
    /// `true` when there was no settings module or its `INSTALLED_APPS`
    /// could not be read: then every folder under the root that has both a
    /// `models.py` / `models/` package and a `migrations/` folder is an app,
    /// labelled as its `apps.py` says (else by its folder name).
    pub apps_fallback: bool,
    /// `AUTH_USER_MODEL` (`"auth.User"` when unset or unreadable).
    pub auth_user_model: String,
    /// The settings' `DEFAULT_AUTO_FIELD`; `None` when unset (the Django
    /// version's default applies).
    pub default_auto_field: Option<String>,
    /// Labels of the installed `django.contrib.*` apps (`auth`, `admin`, …).
    pub contrib_apps: Vec<String>,
    pub database: Option<ConfiguredDatabase>,
}

/// An installed app whose package is in the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// The app label (the AppConfig's `label`, else the last component of
    /// its `name`).
    pub label: String,
    /// The app's module (the AppConfig's `name`): `catalog`, `apps.shop`.
    pub module: String,
    /// The app package's folder.
    pub dir: PathBuf,
    /// The AppConfig's `default_auto_field`, if it sets one.
    pub default_auto_field: Option<String>,
    /// `models.py`, or every file of a `models/` package (sorted by path).
    pub models: Vec<FileId>,
    /// `<dir>/migrations/*.py` except `__init__.py`, sorted by file name.
    pub migrations: Vec<FileId>,
    /// The config the package's `__init__.py` names in
    /// `default_app_config = "pkg.apps.Config"`: before Django 4.1 it takes
    /// over from the one found in `apps.py` (Django 3.2's
    /// `AppConfig.create`), from 4.1 on it is ignored.
    pub default_app_config: Option<LegacyAppConfig>,
}

/// What an app's `default_app_config` class sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyAppConfig {
    /// Its `label`, else the last component of its `name`.
    pub label: String,
    pub default_auto_field: Option<String>,
}

impl Project {
    /// The project as Django `django_version` loads it: before 4.1, an
    /// app's `default_app_config` decides its label.
    pub fn for_django(mut self, django_version: (u32, u32)) -> Project {
        if django_version < (4, 1) {
            for app in &mut self.apps {
                if let Some(legacy) = app.default_app_config.take() {
                    app.label = legacy.label;
                    app.default_auto_field = legacy.default_auto_field;
                }
            }
        }
        self
    }
}

/// Finds the Django projects of the workspace and reads their settings.
///
/// `env` answers environment variables (`DJANGO_SETTINGS_MODULE`,
/// `DATABASE_URL`, and those the settings read); `exists` answers whether a
/// file exists on disk (the default database files, `.env` files, relative
/// modules that are not indexed). Projects are sorted by root.
///
/// Projects: every folder holding `manage.py` or `rxconfig.py` (one project
/// per folder; two folders naming the same settings file are one project,
/// rooted at `manage.py`'s folder), then settings modules named by an
/// `asgi.py` / `wsgi.py` outside those folders, rooted at the settings
/// package's parent. With none of these, `DJANGO_SETTINGS_MODULE` if it
/// names a workspace module, else one project rooted at the folder common to
/// all files (no settings: apps by the folder scan).
///
/// The settings module is named by, in order: `DJANGO_SETTINGS_MODULE`
/// (only when it resolves to a file under the project's root: another
/// project's setting must not leak in), `manage.py`'s
/// `os.environ.setdefault("DJANGO_SETTINGS_MODULE", …)`, `rxconfig.py`'s
/// `settings_module=` argument, an `asgi.py` / `wsgi.py` under the root; the
/// first name that resolves to a workspace file (by path from the root, as
/// `sys.path` would, else the module map nearest to the naming file) wins.
///
/// The database URL: `DATABASE_URL`, `RX_DATABASE_URL`,
/// `REFLEX_DJANGO_DATABASE_URL` (non-empty), the settings'
/// `DATABASES["default"]`, `rxconfig.py`'s `db_url=`, `reflex.db`, then
/// `db.sqlite3` in the root. A source that cannot be read statically yields
/// nothing and the next is tried.
pub fn discover_projects(
    index: &WorkspaceIndex,
    env: &dyn Fn(&str) -> Option<String>,
    exists: &dyn Fn(&Path) -> bool,
) -> Vec<Project> {
    let mut discovery = Discovery::new(Inputs { index, env, exists });
    let candidates = discovery.candidates();
    let roots: Vec<PathBuf> = candidates.iter().map(|c| c.root.clone()).collect();
    candidates.into_iter().map(|c| discovery.project(c, &roots)).collect()
}

/// What reading settings is given: the workspace, and the only two ways the
/// world outside it comes in (tests pass fakes).
#[derive(Clone, Copy)]
struct Inputs<'a> {
    index: &'a WorkspaceIndex,
    /// Environment variables.
    env: &'a dyn Fn(&str) -> Option<String>,
    /// Whether a file exists on disk.
    exists: &'a dyn Fn(&Path) -> bool,
}

/// What one settings module (and what it star-imports) sets that the
/// schema needs: read by [`settings_values`].
#[derive(Debug, Clone, Default)]
pub struct SettingsValues {
    /// `None` when `INSTALLED_APPS` is unset or could not be read.
    pub installed_apps: Option<Vec<String>>,
    /// `None` when unset or unreadable.
    pub auth_user_model: Option<String>,
    pub default_auto_field: Option<String>,
    /// `DATABASES["default"]` as a URL, with the statement that set it.
    pub database: Option<ConfiguredDatabase>,
}

/// Evaluates the settings module (a fresh process in `root`) and reads its
/// values.
fn settings_values(python: &mut Evaluator, settings: FileId, root: &Path) -> SettingsValues {
    python.reset(root);
    let mut out = SettingsValues::default();
    let Some(scope) = python.module_scope(settings) else {
        // Not evaluated: the user model may be swapped.
        out.auth_user_model = Some(crate::schema::models::UNKNOWN_USER_MODEL.to_owned());
        return out;
    };
    let get = |name: &str| scope.get(name).map(|b| &b.val);
    out.installed_apps = match get("INSTALLED_APPS") {
        Some(Val::List(items)) => items.iter().map(|i| i.as_str().map(str::to_owned)).collect(),
        _ => None,
    };
    // Set to something we cannot read: unknown, not unset (`auth.User`).
    out.auth_user_model = get("AUTH_USER_MODEL").map(|v| {
        v.as_str()
            .unwrap_or(crate::schema::models::UNKNOWN_USER_MODEL)
            .to_owned()
    });
    out.default_auto_field = get("DEFAULT_AUTO_FIELD").map(|v| {
        // Set, but not to a string we can read: unknown, not unset.
        v.as_str()
            .unwrap_or(crate::schema::models::UNKNOWN_AUTO_FIELD)
            .to_owned()
    });
    if let Some(b) = scope.get("DATABASES") {
        if let Some(default) = b.val.get("default") {
            if let Some(url) = database_url(default, root) {
                out.database = Some(ConfiguredDatabase {
                    url,
                    origin: b.origin.clone(),
                    source: DatabaseSource::Settings,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::schema::settings::test_support::*;

    #[test]
    fn an_auto_field_set_to_an_expression_or_without_settings_is_unknown() {
        use crate::schema::models::UNKNOWN_AUTO_FIELD;
        let index = workspace(&[
            ("/w/manage.py", "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n"),
            ("/w/proj/__init__.py", ""),
            ("/w/proj/settings.py", "import os\nINSTALLED_APPS = ['shop']\nDEFAULT_AUTO_FIELD = os.environ['AUTO']\n"),
            ("/w/shop/__init__.py", ""),
            ("/w/shop/models.py", ""),
            ("/w/shop/apps.py", "from django.apps import AppConfig\nfrom shop import conf\n\nclass ShopConfig(AppConfig):\n    name = 'shop'\n    default_auto_field = conf.AUTO or 'django.db.models.BigAutoField'\n"),
        ]);
        let p = only(&index);
        assert_eq!(p.default_auto_field.as_deref(), Some(UNKNOWN_AUTO_FIELD));
        assert_eq!(p.apps[0].default_auto_field.as_deref(), Some(UNKNOWN_AUTO_FIELD));
        // No settings file at all: not the version's default either.
        let index = workspace(&[
            ("/w/shop/__init__.py", ""),
            ("/w/shop/models.py", ""),
            ("/w/shop/migrations/__init__.py", ""),
        ]);
        assert_eq!(only(&index).default_auto_field.as_deref(), Some(UNKNOWN_AUTO_FIELD));
    }
}
