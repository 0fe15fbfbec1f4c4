//! The keys and values of a configuration: the file names and keys
//! allowed, [`Config`] and its parts, rule selectors.
//!
//! The bottom of `config`: names no sibling module, never does I/O.

use std::fmt;
use std::path::PathBuf;

use crate::diagnostic::Severity;
use crate::registry::Rule;

/// Config file names, in the order they win within one directory.
pub const CONFIG_FILE_NAMES: &[&str] = &[".reflex-django-lsp.toml", "reflex-django-lsp.toml", "pyproject.toml"];

/// The section of `pyproject.toml` that holds the options.
pub const PYPROJECT_SECTION: &str = "tool.reflex-django-lsp";

/// The keys allowed at the top of the options table.
pub const KEYS: &[&str] = &[
    "select",
    "ignore",
    "extend-select",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "unsafe-fixes",
    "django-version",
    "follow-calls-depth",
    "severity",
    "database",
];

/// The keys allowed in the `[database]` table.
pub const DATABASE_KEYS: &[&str] = &["url", "connect-timeout-ms", "statement-timeout-ms", "enabled"];

/// Default `exclude` (ruff's list, plus Reflex's build folders).
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".states",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    ".web",
    "__pycache__",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
];

pub const DEFAULT_FOLLOW_CALLS_DEPTH: u32 = 3;
pub use crate::schema::live::{DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_STATEMENT_TIMEOUT_MS};

/// A target Django version, `X.Y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DjangoVersion {
    pub major: u32,
    pub minor: u32,
}

impl DjangoVersion {
    /// The version assumed when none is configured or detected (SPEC §2).
    pub const DEFAULT: DjangoVersion = DjangoVersion { major: 5, minor: 2 };

    /// Parses `X.Y` (both parts decimal numbers).
    pub fn parse(s: &str) -> Option<DjangoVersion> {
        let (major, minor) = s.trim().split_once('.')?;
        let ok = |p: &str| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit());
        if !ok(major) || !ok(minor) {
            return None;
        }
        Some(DjangoVersion {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        })
    }
}

impl fmt::Display for DjangoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A `severity` table value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeverityLevel {
    Error,
    Warning,
    Info,
    Off,
}

impl SeverityLevel {
    pub fn parse(s: &str) -> Option<SeverityLevel> {
        match s {
            "error" => Some(SeverityLevel::Error),
            "warning" => Some(SeverityLevel::Warning),
            "info" => Some(SeverityLevel::Info),
            "off" => Some(SeverityLevel::Off),
            _ => None,
        }
    }

    pub fn severity(self) -> Option<Severity> {
        match self {
            SeverityLevel::Error => Some(Severity::Error),
            SeverityLevel::Warning => Some(Severity::Warning),
            SeverityLevel::Info => Some(Severity::Info),
            SeverityLevel::Off => None,
        }
    }
}

/// The `[database]` table. Nothing reads it yet beyond validation; the URL
/// may hold a password, so it is only ever shown through [`redact_url`].
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseConfig {
    pub url: Option<String>,
    pub connect_timeout_ms: u64,
    pub statement_timeout_ms: u64,
    pub enabled: Option<bool>,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: None,
            connect_timeout_ms: DEFAULT_CONNECT_TIMEOUT_MS,
            statement_timeout_ms: DEFAULT_STATEMENT_TIMEOUT_MS,
            enabled: None,
        }
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &self.url.as_deref().map(redact_url))
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("statement_timeout_ms", &self.statement_timeout_ms)
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// A URL with its passwords replaced by `***` (see [`crate::redact`], the
/// one place that decides what is hidden).
pub fn redact_url(url: &str) -> String {
    crate::redact::redact_url(url)
}

/// A URL query parameter or key that carries a password.
pub fn is_secret_param(key: &str) -> bool {
    crate::redact::is_secret_key(key)
}

/// One validated configuration file.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it was read from (empty for the built-in defaults).
    pub path: PathBuf,
    /// The directory globs are relative to: the file's directory.
    pub root: PathBuf,
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub extend_select: Vec<String>,
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    pub exclude: Option<Vec<String>>,
    pub extend_exclude: Vec<String>,
    pub unsafe_fixes: Option<bool>,
    pub django_version: Option<DjangoVersion>,
    pub follow_calls_depth: Option<u32>,
    pub severity: Vec<(String, SeverityLevel)>,
    pub database: DatabaseConfig,
}

/// Is `selector` a rule code or prefix that selects at least one rule?
pub fn is_valid_selector(selector: &str) -> bool {
    selector.eq_ignore_ascii_case("ALL") || Rule::matching(selector).next().is_some()
}

/// Rules a selector selects (`ALL` = every rule).
pub fn select_rules(selector: &str) -> Vec<Rule> {
    if selector.eq_ignore_ascii_case("ALL") {
        Rule::ALL.to_vec()
    } else {
        Rule::matching(selector).collect()
    }
}

/// How specific a selector is: longer prefixes win over shorter ones.
pub fn specificity(selector: &str) -> usize {
    if selector.eq_ignore_ascii_case("ALL") {
        0
    } else {
        selector.trim().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite:///x.db"), "sqlite:///x.db");
        assert_eq!(redact_url("mysql://u:p@ss@h/db"), "mysql://u:***@h/db");
        assert_eq!(redact_url("postgres://u:pa/ss@h/db"), "postgres://u:***@h/db");
        assert_eq!(
            redact_url("postgres://u:p?a#s@h:5432/db?sslmode=require"),
            "postgres://u:***@h:5432/db?sslmode=require"
        );
        assert_eq!(redact_url("postgres://h/db?user=a@b"), "postgres://h/db?user=a@b");
        assert_eq!(
            redact_url("mysql://h/db?user=a&PASSWORD=x"),
            "mysql://h/db?user=a&PASSWORD=***"
        );
    }

    #[test]
    fn django_versions() {
        assert_eq!(DjangoVersion::parse("5.2"), Some(DjangoVersion { major: 5, minor: 2 }));
        assert_eq!(
            DjangoVersion::parse("4.10"),
            Some(DjangoVersion { major: 4, minor: 10 })
        );
        for bad in ["5", "5.", ".2", "5.2.1", "x.y", "", "5,2"] {
            assert_eq!(DjangoVersion::parse(bad), None, "{bad}");
        }
    }
}
