//! Effective settings: a config file (or the defaults) with the command-line
//! flags on top, resolved into rule sets, severities and path matchers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::discovery::ConfigResolver;
use super::editor::EditorSettings;
use super::types::{
    select_rules, specificity, Config, DatabaseConfig, DjangoVersion, DEFAULT_EXCLUDES, DEFAULT_FOLLOW_CALLS_DEPTH,
};
use crate::checker::AnalysisOptions;
use crate::diagnostic::Severity;
use crate::registry::{Rule, RuleSet};

/// Command-line flags that override configuration.
#[derive(Debug, Clone, Default)]
pub struct CliOverrides {
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub extend_select: Vec<String>,
    pub unsafe_fixes: Option<bool>,
    pub django_version: Option<DjangoVersion>,
    /// The language server's editor settings: their other keys are laid
    /// over each config file's (see [`super::editor`]).
    pub editor: Option<Arc<EditorSettings>>,
}

// Here rather than in `editor`, so that `editor` stays below `settings`
// (settings resolution lays the editor's keys over each file's).
impl EditorSettings {
    /// The command-line-like layer: rule selection, unsafe fixes, version.
    pub fn overrides(&self) -> CliOverrides {
        CliOverrides {
            select: self.config.select.clone(),
            ignore: self.config.ignore.clone(),
            extend_select: self.config.extend_select.clone(),
            unsafe_fixes: self.config.unsafe_fixes,
            django_version: self.config.django_version,
            editor: Some(Arc::new(self.clone())),
        }
    }
}

/// Globs matched against a path: patterns with a `/` are anchored at the
/// config's directory; patterns without one match any file or folder name.
#[derive(Debug, Clone)]
pub struct PathMatcher {
    anchored: GlobSet,
    names: GlobSet,
}

fn glob(pattern: &str) -> Option<globset::Glob> {
    GlobBuilder::new(pattern).build().ok()
}

impl PathMatcher {
    pub fn new<'a>(root: &Path, patterns: impl IntoIterator<Item = &'a str>) -> PathMatcher {
        let mut anchored = GlobSetBuilder::new();
        let mut names = GlobSetBuilder::new();
        let root_str = globset::escape(&root.to_string_lossy());
        for pattern in patterns {
            let p = pattern.trim();
            let p = p.strip_prefix("./").unwrap_or(p);
            let p = p.strip_suffix('/').unwrap_or(p);
            if p.is_empty() {
                continue;
            }
            if p.contains('/') {
                let full = if p.starts_with('/') {
                    p.to_owned()
                } else {
                    format!("{}/{}", root_str.trim_end_matches('/'), p)
                };
                if let Some(g) = glob(&full) {
                    anchored.add(g);
                }
            } else if let Some(g) = glob(p) {
                names.add(g);
                // `name` also anchors, so `exclude = ["setup.py"]` is exact too.
            }
        }
        PathMatcher {
            anchored: anchored.build().unwrap_or_else(|_| GlobSet::empty()),
            names: names.build().unwrap_or_else(|_| GlobSet::empty()),
        }
    }

    pub fn empty() -> PathMatcher {
        PathMatcher {
            anchored: GlobSet::empty(),
            names: GlobSet::empty(),
        }
    }

    pub fn is_match(&self, path: &Path) -> bool {
        if !self.names.is_empty() && path.file_name().is_some_and(|n| self.names.is_match(Path::new(n))) {
            return true;
        }
        !self.anchored.is_empty() && self.anchored.is_match(path)
    }
}

/// `exclude` + `extend-exclude`.
pub type Exclude = PathMatcher;

/// Everything `check` needs to know for the files one config governs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Enabled rules (before per-file-ignores).
    pub rules: RuleSet,
    severity: Vec<Option<Severity>>,
    per_file_ignores: Vec<(PathMatcher, RuleSet)>,
    pub exclude: Exclude,
    pub follow_calls_depth: u32,
    pub unsafe_fixes: bool,
    pub django_version: Option<DjangoVersion>,
    pub database: DatabaseConfig,
    /// `database.url` is the editor's `databaseUrl`, not the config file's.
    pub database_url_from_editor: bool,
    /// The config file these came from, if any.
    pub config_path: Option<PathBuf>,
}

/// One layer of rule selection (config, then command line), ruff's way:
/// a `select` starts afresh; within a layer more specific selectors win
/// and, at equal specificity, `ignore` wins over `select`.
fn apply_layer(set: &mut RuleSet, select: Option<&[String]>, extend_select: &[String], ignore: &[String]) {
    if select.is_some() {
        *set = RuleSet::empty();
    }
    let mut entries: Vec<(usize, bool, &str)> = select
        .into_iter()
        .flatten()
        .chain(extend_select)
        .map(|s| (specificity(s), true, s.as_str()))
        .chain(ignore.iter().map(|s| (specificity(s), false, s.as_str())))
        .collect();
    entries.sort_by_key(|(spec, enable, _)| (*spec, !*enable));
    for (_, enable, selector) in entries {
        for rule in select_rules(selector) {
            if enable {
                set.insert(rule);
            } else {
                set.remove(rule);
            }
        }
    }
}

impl Settings {
    pub fn resolve(config: Option<&Config>, cli: &CliOverrides) -> Settings {
        let default = Config::default();
        let config = config.unwrap_or(&default);
        let overlaid;
        let config = match &cli.editor {
            Some(editor) => {
                overlaid = editor.overlay(config);
                &overlaid
            }
            None => config,
        };
        let mut rules = RuleSet::all();
        apply_layer(
            &mut rules,
            config.select.as_deref(),
            &config.extend_select,
            &config.ignore,
        );
        // ruff's carry-over: the config's `ignore` survives a CLI `--select`
        // when the config did not choose its own selection; it joins the CLI
        // layer, so specificity still decides against `--extend-select`.
        let mut cli_ignore = cli.ignore.clone();
        if cli.select.is_some() && config.select.is_none() {
            cli_ignore.extend(config.ignore.iter().cloned());
        }
        apply_layer(&mut rules, cli.select.as_deref(), &cli.extend_select, &cli_ignore);

        // The severity table, least specific entries first so the most
        // specific one decides; `off` disables the rule.
        let mut severity: Vec<Option<Severity>> = vec![None; Rule::ALL.len()];
        let mut off = RuleSet::empty();
        let mut levels: Vec<_> = config.severity.iter().collect();
        levels.sort_by_key(|(sel, _)| specificity(sel));
        for (selector, level) in levels {
            for rule in select_rules(selector) {
                severity[rule as usize] = level.severity();
                match level.severity() {
                    Some(_) => off.remove(rule),
                    None => off.insert(rule),
                }
            }
        }
        for rule in off.iter() {
            rules.remove(rule);
        }

        let per_file_ignores = config
            .per_file_ignores
            .iter()
            .map(|(pattern, codes)| {
                let set: RuleSet = codes.iter().flat_map(|c| select_rules(c)).collect();
                (PathMatcher::new(&config.root, [pattern.as_str()]), set)
            })
            .collect();

        let exclude_patterns: Vec<&str> = match &config.exclude {
            Some(list) => list.iter().map(String::as_str).collect(),
            None => DEFAULT_EXCLUDES.to_vec(),
        };
        let exclude = PathMatcher::new(
            &config.root,
            exclude_patterns
                .into_iter()
                .chain(config.extend_exclude.iter().map(String::as_str)),
        );

        Settings {
            rules,
            severity,
            per_file_ignores,
            exclude,
            follow_calls_depth: config.follow_calls_depth.unwrap_or(DEFAULT_FOLLOW_CALLS_DEPTH),
            unsafe_fixes: cli.unsafe_fixes.or(config.unsafe_fixes).unwrap_or(false),
            django_version: cli.django_version.or(config.django_version),
            database: config.database.clone(),
            database_url_from_editor: cli.editor.as_ref().is_some_and(|e| e.keys.contains("database.url")),
            config_path: (!config.path.as_os_str().is_empty()).then(|| config.path.clone()),
        }
    }

    /// The rules enabled for one file (`per-file-ignores` applied).
    pub fn rules_for(&self, path: &Path) -> RuleSet {
        let mut rules = self.rules;
        for (matcher, ignored) in &self.per_file_ignores {
            if matcher.is_match(path) {
                for rule in ignored.iter() {
                    rules.remove(rule);
                }
            }
        }
        rules
    }

    /// The severity a rule's findings are reported with.
    pub fn severity_of(&self, rule: Rule) -> Severity {
        self.severity[rule as usize].unwrap_or_else(|| rule.default_severity())
    }

    pub fn analysis_options(&self, path: &Path) -> AnalysisOptions {
        AnalysisOptions {
            rules: self.rules_for(path),
            follow_calls_depth: self.follow_calls_depth,
            // Flag or config, else what the project's dependency files say, else 5.2.
            django_version: self
                .django_version
                .map(|v| (v.major, v.minor))
                .or_else(|| path.parent().and_then(super::django_version::detect))
                .unwrap_or((5, 2)),
        }
    }
}

/// Config discovery + resolved settings, cached per config file.
pub struct SettingsResolver {
    pub configs: ConfigResolver,
    cli: CliOverrides,
    cache: Mutex<HashMap<Option<PathBuf>, Arc<Settings>>>,
}

impl SettingsResolver {
    pub fn new(configs: ConfigResolver, cli: CliOverrides) -> SettingsResolver {
        SettingsResolver {
            configs,
            cli,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn settings(&self, config: Option<Arc<Config>>) -> Arc<Settings> {
        let key = config.as_ref().map(|c| c.path.clone());
        if let Some(s) = self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return s.clone();
        }
        let settings = Arc::new(Settings::resolve(config.as_deref(), &self.cli));
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, settings.clone());
        settings
    }

    /// Settings for files in a directory.
    pub fn for_dir(&self, dir: &Path) -> Arc<Settings> {
        self.settings(self.configs.for_dir(dir))
    }

    /// Settings for one file.
    pub fn for_file(&self, path: &Path) -> Arc<Settings> {
        self.settings(self.configs.for_file(path))
    }

    /// Is a walked path excluded by the config that governs it?
    pub fn is_excluded(&self, path: &Path) -> bool {
        let dir = path.parent().unwrap_or(path);
        self.for_dir(dir).exclude.is_match(path)
    }
}

/// The walk (of `check` and of the server's workspace load) excludes what
/// the governing config says.
impl crate::workspace::ExcludeFilter for SettingsResolver {
    fn is_excluded(&self, path: &Path) -> bool {
        SettingsResolver::is_excluded(self, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SeverityLevel;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn specific_selectors_win() {
        let config = Config {
            select: Some(s(&["RDJ1"])),
            ignore: s(&["RDJ10"]),
            extend_select: s(&["RDJ101"]),
            ..Config::default()
        };
        let st = Settings::resolve(Some(&config), &CliOverrides::default());
        let rules: Vec<_> = st.rules.iter().collect();
        assert_eq!(rules, vec![Rule::RDJ101]);
    }

    #[test]
    fn cli_select_replaces_config_select() {
        let config = Config {
            select: Some(s(&["RDJ1"])),
            ..Config::default()
        };
        let cli = CliOverrides {
            select: Some(s(&["RDJ201"])),
            ..CliOverrides::default()
        };
        let st = Settings::resolve(Some(&config), &cli);
        assert_eq!(st.rules.iter().collect::<Vec<_>>(), vec![Rule::RDJ201]);
    }

    #[test]
    fn config_ignore_carries_over_cli_select() {
        let config = Config {
            ignore: s(&["RDJ101"]),
            ..Config::default()
        };
        let cli = CliOverrides {
            select: Some(s(&["RDJ10"])),
            ..CliOverrides::default()
        };
        let st = Settings::resolve(Some(&config), &cli);
        assert!(!st.rules.contains(Rule::RDJ101));
        assert!(st.rules.contains(Rule::RDJ102));
    }

    #[test]
    fn carried_over_ignores_compete_by_specificity() {
        let config = Config {
            ignore: s(&["RDJ1"]),
            ..Config::default()
        };
        let cli = CliOverrides {
            select: Some(s(&["RDJ2"])),
            extend_select: s(&["RDJ101"]),
            ..CliOverrides::default()
        };
        let st = Settings::resolve(Some(&config), &cli);
        assert!(st.rules.contains(Rule::RDJ101));
        assert!(!st.rules.contains(Rule::RDJ102));
        assert!(st.rules.contains(Rule::RDJ201));
    }

    #[test]
    fn severity_table() {
        let config = Config {
            severity: vec![
                ("RDJ1".into(), SeverityLevel::Off),
                ("RDJ101".into(), SeverityLevel::Warning),
                ("RDJ2".into(), SeverityLevel::Info),
            ],
            ..Config::default()
        };
        let st = Settings::resolve(Some(&config), &CliOverrides::default());
        assert!(st.rules.contains(Rule::RDJ101));
        assert!(!st.rules.contains(Rule::RDJ102));
        assert_eq!(st.severity_of(Rule::RDJ101), Severity::Warning);
        assert_eq!(st.severity_of(Rule::RDJ201), Severity::Info);
        assert_eq!(st.severity_of(Rule::RDJ301), Severity::Error);
    }

    #[test]
    fn path_matchers() {
        let m = PathMatcher::new(Path::new("/p"), ["tests/*.py", "legacy", "gen_*.py"]);
        assert!(m.is_match(Path::new("/p/tests/a.py")));
        assert!(!m.is_match(Path::new("/q/tests/a.py")));
        assert!(m.is_match(Path::new("/p/x/legacy")));
        assert!(m.is_match(Path::new("/p/x/gen_a.py")));
        assert!(!m.is_match(Path::new("/p/x/a.py")));
    }
}
