//! The schema checks as the front ends run them (`check`, `schema`, the
//! language server): which projects to look at (those with a checked
//! models, migration or settings file and an RDJ5xx rule on), which
//! database (`--database-url`, the editor's or the config's `database.url`,
//! else the project's own), reading it (the only I/O here, with the
//! configured timeouts), and the findings handed to the files they name
//! through the same selection, `# noqa` and severity settings as any finding.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use crate::checker::noqa;
use crate::config::settings::{Settings, SettingsResolver};
use crate::diagnostic::{FileFinding, Finding, Severity};
use crate::index::WorkspaceIndex;
use crate::registry::Rule;
use crate::schema::check::{run, Environment, ProjectOptions};
use crate::schema::live::{self, LiveSchema, Timeouts};
use crate::schema::project::ProjectSchema;
use crate::schema::settings::{ConfiguredDatabase, DatabaseSource, Project};
use crate::schema::url::DatabaseUrl;

/// The live rules (those that need a database).
pub const LIVE_RULES: &[Rule] = &[
    Rule::RDJ501,
    Rule::RDJ502,
    Rule::RDJ504,
    Rule::RDJ505,
    Rule::RDJ506,
    Rule::RDJ507,
    Rule::RDJ508,
    Rule::RDJ509,
];

/// `--database-url` / `--no-database`, and the databases read so far (a
/// `--fix` run analyses several times; the database is read once).
#[derive(Default)]
pub struct DatabaseArgs {
    pub url: Option<String>,
    pub disabled: bool,
    read: Mutex<HashMap<String, Result<LiveSchema, String>>>,
}

impl DatabaseArgs {
    pub fn new(url: Option<String>, disabled: bool) -> DatabaseArgs {
        DatabaseArgs {
            url,
            disabled,
            read: Mutex::new(HashMap::new()),
        }
    }
}

/// What the schema checks found for the checked files.
#[derive(Debug, Default)]
pub struct SchemaResults {
    /// Findings per file, after selection, `# noqa` and severities.
    pub by_file: HashMap<PathBuf, Vec<Finding>>,
    /// A database was read or tried: the results can change without any
    /// file changing (not cacheable).
    pub live_attempted: bool,
    /// Configured SQLite files that do not exist yet (see `check::ProjectsRun`).
    pub absent_databases: Vec<PathBuf>,
    /// The projects analysed.
    pub projects: Vec<ProjectSchema>,
}

/// The database the user named for a project, which wins over the
/// project's own: `--database-url`, else the editor's `databaseUrl` or the
/// config file's `[database] url` (recorded as which, for `schema` and
/// RDJ509 to say).
pub fn given_database(db: &DatabaseArgs, settings: &Settings) -> Option<ConfiguredDatabase> {
    let (url, source) = match (&db.url, &settings.database.url, &settings.config_path) {
        (Some(url), _, _) => (url, DatabaseSource::CommandLine),
        (None, Some(url), Some(file)) if !settings.database_url_from_editor => {
            (url, DatabaseSource::ConfigFile(file.clone()))
        }
        (None, Some(url), _) => (url, DatabaseSource::Editor),
        (None, None, _) => return None,
    };
    Some(ConfiguredDatabase {
        url: url.clone(),
        origin: None,
        source,
    })
}

/// The schema findings of the checked files.
pub fn findings(
    index: &WorkspaceIndex,
    resolver: &SettingsResolver,
    checked: &BTreeSet<&Path>,
    db: &DatabaseArgs,
) -> SchemaResults {
    let env = |k: &str| std::env::var(k).ok();
    let exists = |p: &Path| p.exists();
    let environment = Environment {
        env: &env,
        exists: &exists,
    };
    let timeouts: Mutex<HashMap<PathBuf, Timeouts>> = Mutex::new(HashMap::new());
    let options = |project: &Project| -> Option<ProjectOptions> {
        let files: Vec<&Path> = project_files(index, project)
            .into_iter()
            .filter(|p| checked.contains(p))
            .collect();
        let enabled = |rules: &[Rule]| {
            files.iter().any(|p| {
                let rules_here = resolver.for_file(p).rules_for(p);
                rules.iter().any(|r| rules_here.contains(*r))
            })
        };
        if !enabled(&[Rule::RDJ503]) && !enabled(LIVE_RULES) {
            return None;
        }
        let settings = resolver.for_dir(&project.root);
        let version = settings
            .analysis_options(&project.root.join("settings.py"))
            .django_version;
        let config = &settings.database;
        timeouts.lock().unwrap_or_else(|e| e.into_inner()).insert(
            project.root.clone(),
            Timeouts {
                connect: Duration::from_millis(config.connect_timeout_ms),
                statement: Duration::from_millis(config.statement_timeout_ms),
            },
        );
        Some(ProjectOptions {
            django_version: version,
            live: !db.disabled && config.enabled != Some(false) && enabled(LIVE_RULES),
            given_database: given_database(db, &settings),
        })
    };
    let connect = |url: &DatabaseUrl, project: &Project| -> Result<LiveSchema, String> {
        let key = url.redacted();
        if let Some(r) = db.read.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return r.clone();
        }
        let t = timeouts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&project.root)
            .cloned()
            .unwrap_or_default();
        let result = live::introspect_blocking(url, t).map_err(|e| e.to_string());
        db.read
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, result.clone());
        result
    };
    let outcome = run(index, &environment, &options, &connect);

    // What RDJ503 could not read of a project's patches, said once per kind.
    let notes: Vec<_> = outcome
        .projects
        .iter()
        .flat_map(|p| p.patches.notes(&p.project.root))
        .collect();
    let mut by_file: HashMap<PathBuf, Vec<Finding>> = HashMap::new();
    for found in outcome.findings.into_iter().chain(notes) {
        let FileFinding {
            path,
            mut finding,
            case_severity,
        } = found;
        if !checked.contains(path.as_path()) {
            continue;
        }
        let settings = resolver.for_file(&path);
        if !settings.rules_for(&path).contains(finding.rule) {
            continue;
        }
        let configured = settings.severity_of(finding.rule);
        finding.severity = match finding.severity {
            // A note reports no problem, whatever the rule's severity (RDJ503's
            // unread patches): it stays one.
            Severity::Info if case_severity && finding.rule == Rule::RDJ503 => Severity::Info,
            // The case decides (RDJ507) unless the config changed the rule's severity.
            s if case_severity && configured == finding.rule.default_severity() => s,
            _ => configured,
        };
        by_file.entry(path).or_default().push(finding);
    }
    for (path, findings) in by_file.iter_mut() {
        // Two projects sharing an app (a test project and an example, say)
        // find the same thing once.
        findings.sort_by(|a, b| {
            (a.range.start, a.range.end, a.rule, &a.message).cmp(&(b.range.start, b.range.end, b.rule, &b.message))
        });
        findings.dedup_by(|a, b| a.range == b.range && a.rule == b.rule && a.message == b.message);
        if let Some(id) = index.file_by_path(path) {
            let entry = index.file(id);
            let kept = noqa::filter(&entry.text, entry.lines(), std::mem::take(findings));
            *findings = kept;
        }
    }
    SchemaResults {
        by_file,
        live_attempted: outcome.live_attempted,
        absent_databases: outcome.absent_databases,
        projects: outcome.projects,
    }
}

/// The files schema findings of `project` can sit on.
pub fn project_files<'i>(index: &'i WorkspaceIndex, project: &Project) -> Vec<&'i Path> {
    project
        .apps
        .iter()
        .flat_map(|a| a.models.iter().chain(&a.migrations))
        .chain(project.settings.iter())
        .chain(project.manage_py.iter())
        .chain(project.rxconfig.iter())
        .map(|&f| index.file(f).path.as_path())
        .collect()
}
