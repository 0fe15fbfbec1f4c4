//! Reading and validating one config file's TOML.
//!
//! Parsed with spans (`toml::de::DeTable`) so every message can point at the
//! line and column of the offending key or value.

use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::suggest::{key_hint, rule_hint};
use super::types::{is_valid_selector, Config, DatabaseConfig, DjangoVersion, SeverityLevel, DATABASE_KEYS, KEYS};

/// A configuration problem: one line, naming the file (and where in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    pub fn new(message: impl Into<String>) -> ConfigError {
        let message: String = message.into();
        // A value echoed in a message (a URL under `select`, say) may hold a password.
        ConfigError {
            message: crate::redact::redact_text(&message.replace(['\n', '\r'], " ")),
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

const MAX_FOLLOW_CALLS_DEPTH: i64 = 100;

struct ConfigSource<'a> {
    text: &'a str,
    file: &'a str,
    /// How the options table is named in messages (`[tool.reflex-django-lsp]`).
    section: String,
    /// Prefix for the database table's name (`tool.reflex-django-lsp.` or ``).
    prefix: &'static str,
}

impl ConfigSource<'_> {
    fn at(&self, span: Range<usize>) -> String {
        let (line, col) = line_col(self.text, span.start);
        format!("{}:{line}:{col}", self.file)
    }

    fn err(&self, span: Range<usize>, msg: impl fmt::Display) -> ConfigError {
        ConfigError::new(format!("{}: {msg}", self.at(span)))
    }
}

/// 1-based line and character column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}

/// A value for a message. Strings go through [`super::types::redact_url`]: a
/// database URL put under the wrong key must not print its password.
fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("string {:?}", super::types::redact_url(s.as_ref())),
        DeValue::Integer(i) => format!("integer {}", i.as_str()),
        DeValue::Float(f) => format!("float {}", f.as_str()),
        DeValue::Boolean(b) => format!("boolean {b}"),
        other => other.type_str().to_owned(),
    }
}

fn sorted_entries<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(&'t Spanned<std::borrow::Cow<'i, str>>, &'t Spanned<DeValue<'i>>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    entries
}

fn find<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
    table.iter().find(|(k, _)| k.get_ref().as_ref() == key).map(|(_, v)| v)
}

/// Parses a config file's text. `display` names the file in messages.
/// `Ok(None)` for a `pyproject.toml` without our section.
pub fn parse_config(
    text: &str,
    display: &str,
    is_pyproject: bool,
    _explicit: bool,
) -> Result<Option<Config>, ConfigError> {
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let (line, col) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            return Err(ConfigError::new(format!(
                "{display}:{line}:{col}: TOML syntax error: {}",
                e.message().trim()
            )));
        }
    };
    let (ctx, table) = if is_pyproject {
        let Some(tool) = find(doc.get_ref(), "tool") else {
            return Ok(None);
        };
        let DeValue::Table(tool) = tool.get_ref() else {
            return Ok(None);
        };
        let Some(section) = find(tool, "reflex-django-lsp") else {
            return Ok(None);
        };
        let ctx = ConfigSource {
            text,
            file: display,
            section: "[tool.reflex-django-lsp]".to_owned(),
            prefix: "tool.reflex-django-lsp.",
        };
        match section.get_ref() {
            DeValue::Table(t) => (ctx, t),
            other => {
                return Err(ctx.err(
                    section.span(),
                    format_args!("tool.reflex-django-lsp must be a table, got {}", describe(other)),
                ));
            }
        }
    } else {
        let ctx = ConfigSource {
            text,
            file: display,
            section: "the top level".to_owned(),
            prefix: "",
        };
        (ctx, doc.get_ref())
    };
    parse_options(&ctx, table).map(Some)
}

fn parse_options(ctx: &ConfigSource<'_>, table: &DeTable<'_>) -> Result<Config, ConfigError> {
    let mut config = Config::default();
    for (key, value) in sorted_entries(table) {
        let name = key.get_ref().as_ref();
        let span = value.span();
        let v = value.get_ref();
        let quoted = format!("\"{name}\"");
        match name {
            "select" => config.select = Some(selectors(ctx, &quoted, value)?),
            "ignore" => config.ignore = selectors(ctx, &quoted, value)?,
            "extend-select" => config.extend_select = selectors(ctx, &quoted, value)?,
            "exclude" => config.exclude = Some(globs(ctx, &quoted, value)?),
            "extend-exclude" => config.extend_exclude = globs(ctx, &quoted, value)?,
            "per-file-ignores" => {
                let DeValue::Table(t) = v else {
                    return Err(ctx.err(
                        span,
                        format_args!(
                            "\"per-file-ignores\" must be a table of glob = [codes], got {}",
                            describe(v)
                        ),
                    ));
                };
                for (pattern, codes) in sorted_entries(t) {
                    let pattern_str = pattern.get_ref().as_ref();
                    check_glob(ctx, "\"per-file-ignores\"", pattern_str, pattern.span())?;
                    let label = format!("\"per-file-ignores\" (pattern \"{pattern_str}\")");
                    let codes = selectors(ctx, &label, codes)?;
                    config.per_file_ignores.push((pattern_str.to_owned(), codes));
                }
            }
            "unsafe-fixes" => config.unsafe_fixes = Some(boolean(ctx, name, value)?),
            "django-version" => {
                let parsed = match v {
                    DeValue::String(s) => DjangoVersion::parse(s),
                    _ => None,
                };
                match parsed {
                    Some(version) => config.django_version = Some(version),
                    None => {
                        return Err(ctx.err(span, format_args!("invalid value for \"django-version\": expected a string \"X.Y\" such as \"5.2\", got {}", describe(v))));
                    }
                }
            }
            "follow-calls-depth" => {
                let n = integer(v).filter(|n| (0..=MAX_FOLLOW_CALLS_DEPTH).contains(n));
                match n {
                    Some(n) => config.follow_calls_depth = Some(n as u32),
                    None => {
                        return Err(ctx.err(span, format_args!("invalid value for \"follow-calls-depth\": expected a whole number from 0 to {MAX_FOLLOW_CALLS_DEPTH}, got {}", describe(v))));
                    }
                }
            }
            "severity" => {
                let DeValue::Table(t) = v else {
                    return Err(ctx.err(
                        span,
                        format_args!(
                            "\"severity\" must be a table of code = \"error|warning|info|off\", got {}",
                            describe(v)
                        ),
                    ));
                };
                for (code, level) in sorted_entries(t) {
                    let code_str = code.get_ref().as_ref();
                    if !is_valid_selector(code_str) {
                        return Err(ctx.err(code.span(), format_args!("unknown rule code or prefix \"{code_str}\" in \"severity\";{} expected a code like RDJ101 or a prefix like RDJ1", rule_hint(code_str))));
                    }
                    let parsed = match level.get_ref() {
                        DeValue::String(s) => SeverityLevel::parse(s),
                        _ => None,
                    };
                    match parsed {
                        Some(l) => config.severity.push((code_str.to_owned(), l)),
                        None => {
                            return Err(ctx.err(level.span(), format_args!("invalid value for \"severity.{code_str}\": expected one of \"error\", \"warning\", \"info\", \"off\", got {}", describe(level.get_ref()))));
                        }
                    }
                }
            }
            "database" => config.database = database(ctx, value)?,
            _ => {
                return Err(ctx.err(
                    key.span(),
                    format_args!(
                        "unknown key \"{name}\" in {};{} expected one of: {}",
                        ctx.section,
                        key_hint(name, KEYS.iter().copied()),
                        KEYS.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(config)
}

fn integer(v: &DeValue<'_>) -> Option<i64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

fn boolean(ctx: &ConfigSource<'_>, name: &str, value: &Spanned<DeValue<'_>>) -> Result<bool, ConfigError> {
    match value.get_ref() {
        DeValue::Boolean(b) => Ok(*b),
        other => Err(ctx.err(
            value.span(),
            format_args!(
                "invalid value for \"{name}\": expected true or false, got {}",
                describe(other)
            ),
        )),
    }
}

fn strings(
    ctx: &ConfigSource<'_>,
    name: &str,
    value: &Spanned<DeValue<'_>>,
    what: &str,
) -> Result<Vec<(String, Range<usize>)>, ConfigError> {
    let DeValue::Array(items) = value.get_ref() else {
        return Err(ctx.err(
            value.span(),
            format_args!(
                "invalid value for {name}: expected a list of {what}, got {}",
                describe(value.get_ref())
            ),
        ));
    };
    let mut out = Vec::new();
    for item in items {
        match item.get_ref() {
            DeValue::String(s) => out.push((s.to_string(), item.span())),
            other => {
                return Err(ctx.err(
                    item.span(),
                    format_args!(
                        "invalid value in {name}: expected a list of {what}, got {}",
                        describe(other)
                    ),
                ));
            }
        }
    }
    Ok(out)
}

fn selectors(ctx: &ConfigSource<'_>, name: &str, value: &Spanned<DeValue<'_>>) -> Result<Vec<String>, ConfigError> {
    let items = strings(ctx, name, value, "rule codes or prefixes (strings)")?;
    let mut out = Vec::new();
    for (s, span) in items {
        let s = s.trim().to_owned();
        if !is_valid_selector(&s) {
            return Err(ctx.err(
                span,
                format_args!(
                    "unknown rule code or prefix \"{s}\" in {name};{} expected a code like RDJ101 or a prefix like RDJ1",
                    rule_hint(&s)
                ),
            ));
        }
        out.push(s);
    }
    Ok(out)
}

fn check_glob(ctx: &ConfigSource<'_>, name: &str, pattern: &str, span: Range<usize>) -> Result<(), ConfigError> {
    match globset::Glob::new(pattern) {
        Ok(_) => Ok(()),
        Err(e) => Err(ctx.err(span, format_args!("invalid glob \"{pattern}\" in {name}: {}", e.kind()))),
    }
}

fn globs(ctx: &ConfigSource<'_>, name: &str, value: &Spanned<DeValue<'_>>) -> Result<Vec<String>, ConfigError> {
    let items = strings(ctx, name, value, "glob patterns (strings)")?;
    for (s, span) in &items {
        check_glob(ctx, name, s, span.clone())?;
    }
    Ok(items.into_iter().map(|(s, _)| s).collect())
}

fn database(ctx: &ConfigSource<'_>, value: &Spanned<DeValue<'_>>) -> Result<DatabaseConfig, ConfigError> {
    let section = format!("[{}database]", ctx.prefix);
    let DeValue::Table(t) = value.get_ref() else {
        return Err(ctx.err(
            value.span(),
            format_args!(
                "\"database\" must be a table ({section}), got {}",
                value.get_ref().type_str()
            ),
        ));
    };
    let mut db = DatabaseConfig::default();
    for (key, value) in sorted_entries(t) {
        let name = key.get_ref().as_ref();
        let v = value.get_ref();
        match name {
            // Never echo the value: it may hold a password.
            "url" => match v {
                DeValue::String(s) => db.url = Some(s.to_string()),
                other => {
                    return Err(ctx.err(
                        value.span(),
                        format_args!(
                            "invalid value for \"database.url\": expected a string, got {}",
                            other.type_str()
                        ),
                    ));
                }
            },
            "connect-timeout-ms" | "statement-timeout-ms" => match integer(v).filter(|n| *n > 0) {
                Some(n) => {
                    if name == "connect-timeout-ms" {
                        db.connect_timeout_ms = n as u64;
                    } else {
                        db.statement_timeout_ms = n as u64;
                    }
                }
                None => {
                    return Err(ctx.err(value.span(), format_args!("invalid value for \"database.{name}\": expected a positive whole number of milliseconds, got {}", describe(v))));
                }
            },
            "enabled" => db.enabled = Some(boolean(ctx, "database.enabled", value)?),
            _ => {
                return Err(ctx.err(
                    key.span(),
                    format_args!(
                        "unknown key \"{name}\" in {section};{} expected one of: {}",
                        key_hint(name, DATABASE_KEYS.iter().copied()),
                        DATABASE_KEYS.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str, pyproject: bool) -> String {
        parse_config(text, "f.toml", pyproject, false).unwrap_err().to_string()
    }

    #[test]
    fn pyproject_without_section_is_not_a_config() {
        assert!(parse_config("[project]\nname = 'x'\n", "pyproject.toml", true, false)
            .unwrap()
            .is_none());
    }

    #[test]
    fn parses_every_key() {
        let text = r#"
select = ["RDJ1", "RDJ201"]
ignore = ["RDJ104"]
extend-select = ["RDJ3"]
exclude = ["legacy"]
extend-exclude = ["gen/*.py"]
unsafe-fixes = true
django-version = "5.1"
follow-calls-depth = 2
[per-file-ignores]
"tests/*" = ["RDJ1"]
[severity]
RDJ604 = "off"
RDJ1 = "warning"
[database]
url = "postgres://u:p@h/db"
connect-timeout-ms = 100
statement-timeout-ms = 200
enabled = false
"#;
        let c = parse_config(text, "f.toml", false, false).unwrap().unwrap();
        assert_eq!(c.select.as_deref(), Some(&["RDJ1".to_owned(), "RDJ201".to_owned()][..]));
        assert_eq!(c.follow_calls_depth, Some(2));
        assert_eq!(c.django_version, Some(DjangoVersion { major: 5, minor: 1 }));
        assert_eq!(c.per_file_ignores.len(), 1);
        assert_eq!(c.severity.len(), 2);
        assert_eq!(c.database.connect_timeout_ms, 100);
        assert_eq!(c.database.enabled, Some(false));
    }

    #[test]
    fn messages() {
        let e = err("[tool.reflex-django-lsp]\nselct = []\n", true);
        assert!(
            e.starts_with(
                "f.toml:2:1: unknown key \"selct\" in [tool.reflex-django-lsp]; did you mean \"select\"? expected one of: select, ignore"
            ),
            "{e}"
        );
        let e = err("colour = 1\n", false);
        assert!(
            e.starts_with("f.toml:1:1: unknown key \"colour\" in the top level; expected one of: select,"),
            "{e}"
        );
        let e = err("[database]\nconect-timeout-ms = 1\n", false);
        assert!(e.contains("did you mean \"connect-timeout-ms\"?"), "{e}");
        let e = err("ignore = [\"RDJ1O4\"]\n", false);
        assert!(
            e.contains("unknown rule code or prefix \"RDJ1O4\" in \"ignore\"; did you mean \"RDJ104\""),
            "{e}"
        );
        let e = err("[severity]\nblocking-queryset-call = \"off\"\n", false);
        assert!(e.contains("did you mean \"RDJ101\" (blocking-queryset-call)?"), "{e}");
        let e = err("follow-calls-depth = \"three\"\n", false);
        assert!(
            e.contains("\"follow-calls-depth\"") && e.contains("0 to 100") && e.contains("\"three\""),
            "{e}"
        );
        let e = err("select = [\"XYZ\"]\n", false);
        assert!(e.contains("unknown rule code or prefix \"XYZ\""), "{e}");
        let e = err("select = [\n", false);
        assert!(e.starts_with("f.toml:") && e.contains("TOML syntax error"), "{e}");
        let e = err("[database]\nurl = 1\npassword = 'x'\n", false);
        assert!(e.contains("database.url"), "{e}");
        let e = err("[database]\npassword = 'x'\n", false);
        assert!(e.contains("unknown key \"password\" in [database]"), "{e}");
        let e = err("[severity]\nRDJ101 = \"loud\"\n", false);
        assert!(e.contains("\"loud\"") && e.contains("\"off\""), "{e}");
        let e = err("django-version = 5.2\n", false);
        assert!(e.contains("float 5.2"), "{e}");
    }
}
