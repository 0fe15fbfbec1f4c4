//! Settings from the editor (SPEC §5): the keys of SPEC §3 in camelCase
//! (`extendSelect`, `perFileIgnores`, `databaseUrl`, …), from
//! `initializationOptions` or `workspace/didChangeConfiguration`, flat or
//! under `reflexDjangoLsp`. Each key is validated by the config file parser,
//! so the messages are the same; a bad key is reported and skipped, the
//! others still apply. Keys only the editor uses (`path`, `args`, `trace`)
//! are not ours and are skipped silently.
//!
//! The editor's keys win over the config files' (ruff's "editor first"):
//! rule selection joins the command-line layer (`settings::CliOverrides`,
//! built by `EditorSettings::overrides` there), the other keys replace (or,
//! for lists that extend, add to) the file's. Names nothing of `settings`:
//! settings resolution reads the editor's layer, not the reverse.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::parse::parse_config;
use super::types::Config;

/// camelCase setting → config key.
const KEYS: &[(&str, &str)] = &[
    ("select", "select"),
    ("ignore", "ignore"),
    ("extendSelect", "extend-select"),
    ("perFileIgnores", "per-file-ignores"),
    ("exclude", "exclude"),
    ("extendExclude", "extend-exclude"),
    ("unsafeFixes", "unsafe-fixes"),
    ("djangoVersion", "django-version"),
    ("followCallsDepth", "follow-calls-depth"),
    ("severity", "severity"),
    ("database", "database"),
];

/// `[database]` keys in camelCase.
const DATABASE_KEYS: &[(&str, &str)] = &[
    ("url", "url"),
    ("connectTimeoutMs", "connect-timeout-ms"),
    ("statementTimeoutMs", "statement-timeout-ms"),
    ("enabled", "enabled"),
];

/// Editor-only settings of our extensions, never an error.
const EDITOR_ONLY: &[&str] = &["path", "args", "trace", "enable", "logLevel"];

/// The validated editor settings: a config and which of its keys were set.
#[derive(Debug, Clone, Default)]
pub struct EditorSettings {
    pub config: Config,
    /// Config keys (kebab-case) the editor set; `database.*` for the table's.
    pub keys: BTreeSet<String>,
}

/// Reads the editor's settings. `root` anchors glob patterns (the workspace
/// folder). Returns the settings and one message per rejected key.
pub fn editor_settings(value: &Value, root: &Path) -> (EditorSettings, Vec<String>) {
    let value = value.get("reflexDjangoLsp").unwrap_or(value);
    let mut out = EditorSettings::default();
    let mut problems = Vec::new();
    let Some(object) = value.as_object() else {
        if !value.is_null() {
            problems.push("editor settings: expected an object of settings".to_owned());
        }
        return (out, problems);
    };
    for (name, v) in object {
        if v.is_null() || (name == "databaseUrl" && v.as_str().is_some_and(|s| s.trim().is_empty())) {
            continue; // unset in the editor
        }
        let (key, v) = if name == "databaseUrl" {
            ("database".to_owned(), serde_json::json!({ "url": v }))
        } else if let Some((_, key)) = KEYS.iter().find(|(camel, kebab)| name == camel || name == kebab) {
            let v = if *key == "database" {
                camel_to_kebab(v, DATABASE_KEYS)
            } else {
                v.clone()
            };
            ((*key).to_owned(), v)
        } else if EDITOR_ONLY.contains(&name.as_str()) {
            continue;
        } else {
            problems.push(format!(
                "editor settings: unknown setting \"{name}\"; expected one of {}, databaseUrl",
                KEYS.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
            ));
            continue;
        };
        match parse_one(&key, &v) {
            Ok(parsed) => {
                let set_database_keys: Vec<String> = v
                    .as_object()
                    .filter(|_| key == "database")
                    .map(|o| o.keys().map(|k| format!("database.{k}")).collect())
                    .unwrap_or_default();
                take(&mut out.config, parsed, &key);
                out.keys.insert(key);
                out.keys.extend(set_database_keys);
            }
            Err(message) => problems.push(message),
        }
    }
    anchor_globs(&mut out.config, root);
    out.config.root = root.to_path_buf();
    (out, problems)
}

impl EditorSettings {
    /// A file's config with the editor's other keys applied over it.
    pub fn overlay(&self, file: &Config) -> Config {
        let ed = &self.config;
        let set = |k: &str| self.keys.contains(k);
        let mut c = file.clone();
        if set("per-file-ignores") {
            c.per_file_ignores.extend(ed.per_file_ignores.iter().cloned());
        }
        if set("exclude") {
            c.exclude = ed.exclude.clone();
        }
        c.extend_exclude.extend(ed.extend_exclude.iter().cloned());
        if set("follow-calls-depth") {
            c.follow_calls_depth = ed.follow_calls_depth;
        }
        // Later entries win at equal specificity (the severity table is
        // applied least specific first, in order).
        c.severity.extend(ed.severity.iter().cloned());
        if set("database.url") {
            c.database.url = ed.database.url.clone();
        }
        if set("database.connect-timeout-ms") {
            c.database.connect_timeout_ms = ed.database.connect_timeout_ms;
        }
        if set("database.statement-timeout-ms") {
            c.database.statement_timeout_ms = ed.database.statement_timeout_ms;
        }
        if set("database.enabled") {
            c.database.enabled = ed.database.enabled;
        }
        c
    }
}

/// Validates one key with the config file parser (as a one-key TOML file).
fn parse_one(key: &str, value: &Value) -> Result<Config, String> {
    let mut table = toml::Table::new();
    let v = toml::Value::try_from(value)
        .map_err(|_| format!("editor settings: invalid value for \"{key}\": not representable in a config file"))?;
    table.insert(key.to_owned(), v);
    let text = toml::to_string(&table).map_err(|e| format!("editor settings: \"{key}\": {e}"))?;
    match parse_config(&text, "editor settings", false, true) {
        Ok(Some(config)) => Ok(config),
        Ok(None) => Ok(Config::default()),
        // The parser names a line and column of the generated file: keep
        // only what it says about the key.
        Err(e) => Err(format!(
            "editor settings: {}",
            e.message().split_once(": ").map_or(e.message(), |(_, m)| m)
        )),
    }
}

fn camel_to_kebab(value: &Value, keys: &[(&str, &str)]) -> Value {
    match value.as_object() {
        Some(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let key = keys.iter().find(|(c, _)| c == k).map_or(k.as_str(), |(_, kebab)| kebab);
                    (key.to_owned(), v.clone())
                })
                .collect(),
        ),
        None => value.clone(),
    }
}

/// Moves the one key `parse_one` read into `into`.
fn take(into: &mut Config, from: Config, key: &str) {
    match key {
        "select" => into.select = from.select,
        "ignore" => into.ignore = from.ignore,
        "extend-select" => into.extend_select = from.extend_select,
        "per-file-ignores" => into.per_file_ignores = from.per_file_ignores,
        "exclude" => into.exclude = from.exclude,
        "extend-exclude" => into.extend_exclude = from.extend_exclude,
        "unsafe-fixes" => into.unsafe_fixes = from.unsafe_fixes,
        "django-version" => into.django_version = from.django_version,
        "follow-calls-depth" => into.follow_calls_depth = from.follow_calls_depth,
        "severity" => into.severity = from.severity,
        "database" => into.database = from.database,
        _ => {}
    }
}

/// Patterns with a `/` are anchored at the workspace folder: written as
/// absolute globs, they stay anchored there whichever config they join.
fn anchor_globs(config: &mut Config, root: &Path) {
    let anchor = |p: &mut String| {
        // As `PathMatcher` reads patterns: `node_modules/` names a folder
        // anywhere, `app/tests` is anchored.
        let trimmed = p.trim().trim_start_matches("./");
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        if trimmed.contains('/') && !trimmed.starts_with('/') {
            let root = globset::escape(&root.to_string_lossy());
            *p = format!("{}/{}", root.trim_end_matches('/'), trimmed);
        }
    };
    for (pattern, _) in &mut config.per_file_ignores {
        anchor(pattern);
    }
    for p in config.exclude.iter_mut().flatten() {
        anchor(p);
    }
    for p in &mut config.extend_exclude {
        anchor(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn camel_case_keys_are_validated_like_config_files() {
        let (s, problems) = editor_settings(
            &json!({"reflexDjangoLsp": {
                "select": ["RDJ1"], "extendSelect": ["RDJ601"], "followCallsDepth": 1,
                "severity": {"RDJ101": "warning"}, "perFileIgnores": {"tests/*.py": ["RDJ101"]},
                "databaseUrl": "postgres://u:secret@h/db", "path": "/bin/x", "args": []
            }}),
            Path::new("/ws"),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(s.config.select, Some(vec!["RDJ1".to_owned()]));
        assert_eq!(s.config.extend_select, vec!["RDJ601".to_owned()]);
        assert_eq!(s.config.follow_calls_depth, Some(1));
        assert_eq!(s.config.per_file_ignores[0].0, "/ws/tests/*.py");
        assert_eq!(s.config.database.url.as_deref(), Some("postgres://u:secret@h/db"));
        assert!(s.keys.contains("database.url"));
    }

    #[test]
    fn a_bad_key_is_reported_and_the_others_apply() {
        let (s, problems) = editor_settings(
            &json!({"select": ["BOGUS"], "ignore": ["RDJ101"], "followCallsDepth": -3, "colour": 1}),
            Path::new("/ws"),
        );
        assert_eq!(s.config.ignore, vec!["RDJ101".to_owned()]);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems.iter().any(|p| p.contains("\"select\"") && p.contains("BOGUS")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("follow-calls-depth")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("unknown setting \"colour\"")),
            "{problems:?}"
        );
        assert!(
            !problems.iter().any(|p| p.contains("editor settings:1:")),
            "{problems:?}"
        );
    }

    #[test]
    fn no_message_shows_a_password() {
        let url = "postgres://app:s3cret@db:5432/shop";
        let (_, problems) = editor_settings(
            &json!({"database": url, "select": url, "exclude": 3, "database.url": url,
                    "djangoVersion": url, "severity": {"RDJ1": url}}),
            Path::new("/ws"),
        );
        assert!(problems.len() >= 4, "{problems:?}");
        assert!(!problems.iter().any(|p| p.contains("s3cret")), "{problems:?}");
    }

    #[test]
    fn folder_patterns_name_folders_anywhere() {
        let (s, _) = editor_settings(&json!({"exclude": ["node_modules/", "app/tests/"]}), Path::new("/ws"));
        assert_eq!(
            s.config.exclude,
            Some(vec!["node_modules/".to_owned(), "/ws/app/tests".to_owned()])
        );
    }

    #[test]
    fn the_editor_wins_over_the_file() {
        let (s, _) = editor_settings(
            &json!({"severity": {"RDJ1": "info"}, "followCallsDepth": 0, "database": {"connectTimeoutMs": 10}}),
            Path::new("/ws"),
        );
        let file = Config {
            follow_calls_depth: Some(5),
            severity: vec![("RDJ1".to_owned(), crate::config::SeverityLevel::Error)],
            ..Config::default()
        };
        let merged = s.overlay(&file);
        assert_eq!(merged.follow_calls_depth, Some(0));
        assert_eq!(merged.severity.last().map(|(s, _)| s.as_str()), Some("RDJ1"));
        assert_eq!(merged.database.connect_timeout_ms, 10);
        assert_eq!(merged.database.statement_timeout_ms, file.database.statement_timeout_ms);
    }
}
