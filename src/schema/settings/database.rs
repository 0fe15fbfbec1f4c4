//! The database a project is configured with ([`ConfiguredDatabase`]: its
//! URL and where it came from), and the URL a settings module's
//! `DATABASES["default"]` value means (engine, name, user, password, host
//! and port; a dj-database-url dict; SQLite names made absolute against the
//! project root).
//!
//! Never does I/O and never shows a password: `Debug` and
//! [`ConfiguredDatabase::shown_url`] redact it.

use std::fmt;
use std::path::{Path, PathBuf};

use super::evaluator::{path_string, Val, URL_KEY};
use crate::index::WorkspaceIndex;
use crate::paths::normalize;
use crate::redact::percent_encode;
use crate::redact::redact_url;
use crate::schema::state::Origin;

/// The database a project is configured with. `Debug` redacts the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ConfiguredDatabase {
    /// `sqlite:////abs/db.sqlite3`, `postgres://u:p%40ss@host:5432/db`,
    /// `mysql://…`, or whatever URL an environment variable / dj-database-url
    /// default / `db_url=` holds (relative SQLite paths from the settings,
    /// `rxconfig.py` and the default files are made absolute against the
    /// project root; an environment variable's URL is left as it is).
    pub url: String,
    /// What configured it: the `DATABASES` assignment (or the last statement
    /// that changed it), the `db_url=` argument; `None` for a URL given from
    /// outside the project's Python files (command line, editor, config
    /// file, environment variable) or a default file.
    pub origin: Option<Origin>,
    pub source: DatabaseSource,
}

impl fmt::Debug for ConfiguredDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfiguredDatabase")
            .field("url", &redact_url(&self.url))
            .field("origin", &self.origin)
            .field("source", &self.source)
            .finish()
    }
}

/// Where a project's database URL came from (SPEC §4's order: the first
/// three are given by the user and win over the project's own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseSource {
    /// `--database-url`.
    CommandLine,
    /// The editor's `databaseUrl` setting (the language server).
    Editor,
    /// `[database] url` of this config file.
    ConfigFile(PathBuf),
    /// An environment variable, by name (`DATABASE_URL`, …).
    Environment(String),
    /// The settings module's `DATABASES["default"]`.
    Settings,
    /// `rxconfig.py`'s `db_url=`.
    Rxconfig,
    /// `reflex.db` or `db.sqlite3` found in the project root.
    DefaultFile,
}

impl DatabaseSource {
    /// Named by the user rather than read from the project: a missing
    /// SQLite file or an in-memory URL is then an error, not "no database
    /// yet".
    pub fn is_explicit(&self) -> bool {
        !matches!(
            self,
            DatabaseSource::Settings | DatabaseSource::Rxconfig | DatabaseSource::DefaultFile
        )
    }

    /// A stable key for machine-readable output: `flag`, `editor`,
    /// `config`, `env:NAME`, `settings`, `rxconfig`, `default-file`.
    pub fn key(&self) -> String {
        match self {
            DatabaseSource::CommandLine => "flag".to_owned(),
            DatabaseSource::Editor => "editor".to_owned(),
            DatabaseSource::ConfigFile(_) => "config".to_owned(),
            DatabaseSource::Environment(var) => format!("env:{var}"),
            DatabaseSource::Settings => "settings".to_owned(),
            DatabaseSource::Rxconfig => "rxconfig".to_owned(),
            DatabaseSource::DefaultFile => "default-file".to_owned(),
        }
    }
}

/// Where a database's URL was written, as a file and 1-based line (the line
/// only for a Python statement of the workspace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
    pub file: PathBuf,
    pub line: Option<usize>,
}

impl ConfiguredDatabase {
    /// The URL as it may be shown: without its password.
    pub fn shown_url(&self) -> String {
        crate::schema::url::shown(&self.url)
    }

    /// The file (and line) the URL was written in: the config file, or the
    /// `DATABASES` / `db_url=` statement; `None` for the command line, the
    /// editor, the environment and a default file.
    pub fn location(&self, index: &WorkspaceIndex) -> Option<SourceLocation> {
        if let DatabaseSource::ConfigFile(file) = &self.source {
            return Some(SourceLocation {
                file: file.clone(),
                line: None,
            });
        }
        let origin = self.origin.as_ref()?;
        let line = index
            .file_by_path(&origin.path)
            .map(|id| index.file(id).lines().line_of(origin.range.start) + 1);
        Some(SourceLocation {
            file: origin.path.clone(),
            line,
        })
    }

    /// Where the URL came from, for people: "`--database-url`", "the
    /// environment variable `DATABASE_URL`", "`DATABASES` in
    /// shop/settings.py:21", …; `show` renders a path.
    pub fn describe_source(&self, index: &WorkspaceIndex, show: &dyn Fn(&Path) -> String) -> String {
        let at = || match self.location(index) {
            Some(SourceLocation { file, line: Some(l) }) => format!(" in {}:{l}", show(&file)),
            Some(SourceLocation { file, line: None }) => format!(" in {}", show(&file)),
            None => String::new(),
        };
        match &self.source {
            DatabaseSource::CommandLine => "`--database-url`".to_owned(),
            DatabaseSource::Editor => "the editor setting `databaseUrl`".to_owned(),
            DatabaseSource::ConfigFile(file) => {
                let table = if file.file_name().is_some_and(|n| n == "pyproject.toml") {
                    "[tool.reflex-django-lsp.database]"
                } else {
                    "[database]"
                };
                format!("`{table} url`{}", at())
            }
            DatabaseSource::Environment(var) => format!("the environment variable `{var}`"),
            DatabaseSource::Settings => format!("`DATABASES`{}", at()),
            DatabaseSource::Rxconfig => format!("`db_url`{}", at()),
            DatabaseSource::DefaultFile => "the default database file in the project folder".to_owned(),
        }
    }
}

/// `sqlite:///` + an absolute path (four slashes), the SQLAlchemy /
/// dj-database-url convention.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite:///{}", path_string(path))
}

/// A `sqlite:///relative` URL made absolute against `base`; other URLs
/// unchanged.
pub(super) fn absolutize_sqlite(url: &str, base: &Path) -> String {
    let Some(rest) = url.strip_prefix("sqlite:///") else {
        return url.to_owned();
    };
    let (path, query) = match rest.find('?') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if path.is_empty() || path.starts_with('/') || path == ":memory:" {
        return url.to_owned();
    }
    format!("{}{query}", sqlite_url(&normalize(&base.join(path))))
}

/// The scheme for a Django `ENGINE`; `None` for backends we do not read.
fn engine_scheme(engine: &str) -> Option<&'static str> {
    match engine {
        "django.db.backends.sqlite3" | "django.contrib.gis.db.backends.spatialite" => Some("sqlite"),
        "django.db.backends.postgresql"
        | "django.db.backends.postgresql_psycopg2"
        | "django.contrib.gis.db.backends.postgis" => Some("postgres"),
        "django.db.backends.mysql" | "django.contrib.gis.db.backends.mysql" => Some("mysql"),
        _ => None,
    }
}

/// A connection setting as text: strings, integers; `None`/`""` are unset.
/// `Err` when the value is unknown.
fn setting_text(v: Option<&Val>) -> Result<Option<String>, ()> {
    match v {
        None | Some(Val::None) => Ok(None),
        Some(Val::Str(s)) if s.is_empty() => Ok(None),
        Some(Val::Str(s)) => Ok(Some(s.clone())),
        Some(Val::Int(i)) => Ok(Some(i.to_string())),
        Some(Val::Path(p)) => Ok(Some(path_string(p))),
        _ => Err(()),
    }
}

/// The URL of a `DATABASES["default"]` value.
pub(super) fn database_url(default: &Val, root: &Path) -> Option<String> {
    let items = match default {
        Val::DbUrl(u) => return Some(absolutize_sqlite(u, root)),
        Val::Dict(items) => items,
        _ => return None,
    };
    let connection_keys = ["ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT"];
    if let Some(Val::Str(u)) = default.get(URL_KEY) {
        // `{**dj_database_url.config(…), "CONN_MAX_AGE": 600}`: the URL,
        // unless connection settings are overridden after it.
        let pos = items.iter().position(|(k, _)| k == URL_KEY)?;
        if items[pos + 1..]
            .iter()
            .any(|(k, _)| connection_keys.contains(&k.as_str()))
        {
            return None;
        }
        return Some(absolutize_sqlite(u, root));
    }
    let engine = default.get("ENGINE")?.as_str()?;
    let scheme = engine_scheme(engine)?;
    let name = setting_text(default.get("NAME")).ok()??;
    if scheme == "sqlite" {
        if name == ":memory:" || name.starts_with("file:") {
            return None;
        }
        let path = Path::new(&name);
        let abs = if path.is_absolute() {
            normalize(path)
        } else {
            normalize(&root.join(path))
        };
        return Some(sqlite_url(&abs));
    }
    let user = setting_text(default.get("USER")).ok()?;
    let password = setting_text(default.get("PASSWORD")).ok()?;
    let host = setting_text(default.get("HOST")).ok()?;
    let port = setting_text(default.get("PORT")).ok()?;
    let mut url = format!("{scheme}://");
    if let Some(u) = &user {
        url.push_str(&percent_encode(u));
        if let Some(p) = &password {
            url.push(':');
            url.push_str(&percent_encode(p));
        }
        url.push('@');
    }
    if let Some(h) = &host {
        if h.contains('/') {
            url.push_str(&percent_encode(h)); // a socket folder
        } else if h.contains(':') {
            url.push_str(&format!("[{h}]")); // IPv6
        } else {
            url.push_str(h);
        }
    }
    if let Some(p) = &port {
        url.push(':');
        url.push_str(p);
    }
    url.push('/');
    url.push_str(&percent_encode(&name));
    Some(url)
}

#[cfg(test)]
mod tests {
    use crate::schema::settings::test_support::*;

    #[test]
    fn postgres_url_is_percent_encoded_and_never_printed() {
        let s = r#"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql_psycopg2",
        "NAME": "shop db",
        "USER": "app@corp",
        "PASSWORD": "p@ss:w/rd",
        "HOST": "db.example",
        "PORT": "5432",
    }
}
"#;
        let db = db_of(s, &[], &[]).unwrap();
        assert_eq!(
            db.url,
            "postgres://app%40corp:p%40ss%3Aw%2Frd@db.example:5432/shop%20db"
        );
        let printed = format!("{db:?}");
        assert!(
            !printed.contains("p%40ss") && !printed.contains("p@ss") && !printed.contains("w%2Frd"),
            "{printed}"
        );
        assert!(
            printed.contains("postgres://app%40corp:***@db.example:5432/shop%20db"),
            "{printed}"
        );
        let project = only(&settings_ws(s));
        let printed = format!("{project:?} {project:#?}");
        assert!(!printed.contains("p%40ss") && !printed.contains("p@ss"), "{printed}");
        // A socket folder as host, and GIS/MySQL engines.
        let socket = s.replace("db.example", "/var/run/postgresql").replace(
            "django.db.backends.postgresql_psycopg2",
            "django.contrib.gis.db.backends.postgis",
        );
        assert_eq!(
            url_of(&socket).unwrap(),
            "postgres://app%40corp:p%40ss%3Aw%2Frd@%2Fvar%2Frun%2Fpostgresql:5432/shop%20db"
        );
        let mysql = "DATABASES = {'default': {'ENGINE': 'django.db.backends.mysql', 'NAME': 'm', 'USER': 'root', 'PASSWORD': '', 'HOST': '127.0.0.1', 'PORT': 3306}}";
        assert_eq!(url_of(mysql).unwrap(), "mysql://root@127.0.0.1:3306/m");
        // Without a NAME Django refuses to connect: no URL.
        assert_eq!(
            url_of("DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'HOST': 'h'}}"),
            None
        );
    }
}
