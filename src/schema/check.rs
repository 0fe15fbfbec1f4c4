//! The schema checks of a workspace, as `check` and the language server run
//! them: every Django project found, its static findings (RDJ503), and —
//! when a database is configured and the live checks are on — what the
//! database holds (RDJ501/502, RDJ504–508) or why it could not be read
//! (RDJ509). Reading the database is the caller's `connect` (the only I/O),
//! so this stays testable without one.

use std::path::Path;

use super::live::LiveSchema;
use super::project::{analyze, ProjectSchema};
use super::settings::{discover_projects, ConfiguredDatabase, Project};
use super::url::{DatabaseUrl, UrlError};
use super::Backend;
use crate::diagnostic::FileFinding;
use crate::index::WorkspaceIndex;

/// How one project is checked.
#[derive(Debug, Clone)]
pub struct ProjectOptions {
    /// The Django version (for the default `DEFAULT_AUTO_FIELD`).
    pub django_version: (u32, u32),
    /// Run the live checks at all (`--no-database`, `database.enabled`).
    pub live: bool,
    /// The database the user named (`--database-url`, the editor setting,
    /// config `database.url`): it replaces the project's own (so `schema`
    /// shows it and RDJ509 names it), and a missing SQLite file is then an
    /// error, not "no database yet".
    pub given_database: Option<ConfiguredDatabase>,
}

/// What a run found.
#[derive(Debug, Default)]
pub struct ProjectsRun {
    pub findings: Vec<FileFinding>,
    /// Some database was read or tried (its results can change without any
    /// file changing: not cacheable).
    pub live_attempted: bool,
    /// The projects analysed (for `schema`, which shows them).
    pub projects: Vec<ProjectSchema>,
    /// SQLite files the projects name that did not exist (so no live checks
    /// ran): once one appears, a cached result is stale.
    pub absent_databases: Vec<std::path::PathBuf>,
}

/// The environment the run sees (never read here directly: the core does no I/O).
pub struct Environment<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub exists: &'a dyn Fn(&Path) -> bool,
}

/// Checks every project for which `options` answers (`None` skips it: none
/// of its files is being checked). `connect` reads a database; its error is
/// a reason without the password.
pub fn run(
    index: &WorkspaceIndex,
    environment: &Environment<'_>,
    options: &dyn Fn(&Project) -> Option<ProjectOptions>,
    connect: &dyn Fn(&DatabaseUrl, &Project) -> Result<LiveSchema, String>,
) -> ProjectsRun {
    let mut outcome = ProjectsRun::default();
    for mut project in discover_projects(index, environment.env, environment.exists) {
        let Some(opts) = options(&project) else { continue };
        if let Some(given) = &opts.given_database {
            project.database = Some(given.clone());
        }
        let schema = analyze(index, project, opts.django_version);
        outcome.findings.extend(schema.static_findings());
        if opts.live {
            live(index, &schema, environment, connect, &mut outcome);
        }
        outcome.projects.push(schema);
    }
    outcome
}

fn live(
    index: &WorkspaceIndex,
    schema: &ProjectSchema,
    environment: &Environment<'_>,
    connect: &dyn Fn(&DatabaseUrl, &Project) -> Result<LiveSchema, String>,
    outcome: &mut ProjectsRun,
) {
    let project = &schema.project;
    let Some(database) = &project.database else { return };
    let explicit = database.source.is_explicit();
    // RDJ509 names where the URL came from: a URL from outside the project
    // has no line of its own to sit on.
    let from = database.describe_source(index, &|file| {
        file.strip_prefix(&project.root).unwrap_or(file).display().to_string()
    });
    let parsed = match DatabaseUrl::parse(&database.url, &project.root) {
        Ok(p) => p,
        // Test settings often use an in-memory database: nothing persists
        // to compare with (an error only when asked for explicitly).
        Err(UrlError::InMemory) if !explicit => return,
        Err(e) => {
            outcome.live_attempted = true;
            outcome
                .findings
                .extend(schema.unavailable(&database.shown_url(), &from, &e.to_string()));
            return;
        }
    };
    // A SQLite file the settings name but nobody created yet: no database
    // to compare with (a fresh checkout), not an error.
    if let (Backend::Sqlite, Some(path), false) = (parsed.backend(), parsed.sqlite_path(), explicit) {
        if !(environment.exists)(path) {
            outcome.absent_databases.push(path.to_path_buf());
            return;
        }
    }
    outcome.live_attempted = true;
    match connect(&parsed, project) {
        Ok(db) => outcome.findings.extend(schema.live_findings(&db, parsed.backend())),
        Err(reason) => outcome
            .findings
            .extend(schema.unavailable(&parsed.redacted(), &from, &reason)),
    }
}
