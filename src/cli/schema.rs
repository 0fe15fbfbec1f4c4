//! `schema [PATH]`: each Django project's models as derived statically —
//! tables and columns with the type Django would create on SQLite,
//! PostgreSQL and MySQL — and the drift report (the RDJ5xx findings, live
//! ones included when a database is configured).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::{Fatal, SchemaArgs, SchemaFormat, EXIT_FINDINGS, EXIT_OK};
use crate::config::settings::SettingsResolver;
use crate::config::{CliOverrides, ConfigResolver};
use crate::diagnostic::Finding;
use crate::index::WorkspaceIndex;
use crate::output::{display_folder, display_path, io_error_message, FileReport};
use crate::pipeline::schema::{self as runner, DatabaseArgs};
use crate::schema::ddl::{expected_tables, spell_type, ExpectedTable};
use crate::schema::project::{analyze, ProjectSchema};
use crate::schema::settings::{discover_projects, Project};
use crate::schema::url::DatabaseUrl;
use crate::schema::Backend;
use crate::source::LineIndex;
use crate::workspace::{self, absolutize, find_root, ExcludeFilter, Source};

pub fn schema(args: SchemaArgs) -> Result<i32, Fatal> {
    let cwd = std::env::current_dir()
        .map_err(|e| Fatal(format!("cannot read the current directory: {}", io_error_message(&e))))?;
    let path = absolutize(&cwd, args.path.as_deref().unwrap_or(Path::new(".")));
    if !path.is_dir() {
        return Err(Fatal(format!(
            "{}: not a folder",
            args.path.as_deref().unwrap_or(Path::new(".")).display()
        )));
    }
    let configs = match &args.config {
        Some(file) => ConfigResolver::fixed(&absolutize(&cwd, file)).map_err(|e| Fatal(e.to_string()))?,
        None => ConfigResolver::discover(),
    };
    let resolver = Arc::new(SettingsResolver::new(configs, CliOverrides::default()));
    resolver.configs.try_for_dir(&path).map_err(|e| Fatal(e.to_string()))?;
    let excluder: Arc<dyn ExcludeFilter> = resolver.clone();
    let root = find_root(&path).unwrap_or_else(|| path.clone());
    let mut files = workspace::walk(&root, excluder.clone()).files;
    if !path.starts_with(&root) {
        files.extend(workspace::walk(&path, excluder).files);
    }
    if let Some(e) = resolver.configs.take_error() {
        return Err(Fatal(e.to_string()));
    }
    let loaded = workspace::load(files.into_iter().map(|path| Source { path, contents: None }).collect());
    let index = &loaded.index;

    // The projects at or under PATH (a folder of plain Python files is no
    // Django project); their files are the checked ones, so each is
    // analysed once by the run, for its tables and its drift.
    let env = |k: &str| std::env::var(k).ok();
    let exists = |p: &Path| p.exists();
    let found: Vec<Project> = discover_projects(index, &env, &exists)
        .into_iter()
        .filter(|p| p.root.starts_with(&path) || path.starts_with(&p.root))
        .filter(|p| p.settings.is_some() || !p.apps.is_empty())
        .collect();
    let checked: BTreeSet<&Path> = found.iter().flat_map(|p| runner::project_files(index, p)).collect();
    let db = DatabaseArgs::new(args.database_url.clone(), args.no_database);
    let results = runner::findings(index, &resolver, &checked, &db);
    let mut projects: Vec<ProjectSchema> = results.projects;
    // Projects whose RDJ5xx rules are all off are not analysed by the run;
    // `schema` shows them all the same.
    for mut p in found {
        if !projects.iter().any(|s| s.project.root == p.root) {
            let settings = resolver.for_dir(&p.root);
            let version = settings.analysis_options(&p.root.join("settings.py")).django_version;
            if let Some(given) = runner::given_database(&db, &settings) {
                p.database = Some(given);
            }
            projects.push(analyze(index, p, version));
        }
    }
    projects.sort_by(|a, b| workspace::path_order(&a.project.root, &b.project.root));
    let not_read: Vec<Option<&str>> = projects
        .iter()
        .map(|p| why_not_read(p, &resolver, &db, &results.absent_databases))
        .collect();
    let findings = results.by_file;
    let mut reports: Vec<FileReport> = findings
        .into_iter()
        .filter(|(_, f)| !f.is_empty())
        .map(|(path, mut findings)| {
            findings.sort_by_key(|f| (f.range.start, f.rule));
            let (text, lines) = match index.file_by_path(&path) {
                Some(id) => (index.file(id).text.clone(), index.file(id).lines().clone()),
                None => (Arc::<str>::from(""), LineIndex::new("")),
            };
            FileReport {
                path,
                text,
                lines,
                findings,
            }
        })
        .collect();
    reports.sort_by(|a, b| workspace::path_order(&a.path, &b.path));

    let mut out = io::BufWriter::new(io::stdout().lock());
    let written = match args.output_format {
        SchemaFormat::Text => write_text(&mut out, index, &projects, &not_read, &reports),
        SchemaFormat::Json => write_json(&mut out, index, &projects, &not_read, &reports),
    }
    .and_then(|_| out.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(Fatal(format!("writing output: {}", io_error_message(&e)))),
    }
    let count: usize = reports.iter().map(|r| r.findings.len()).sum();
    Ok(if count > 0 { EXIT_FINDINGS } else { EXIT_OK })
}

/// The project's own tables (contrib models are relation targets only).
fn tables(p: &ProjectSchema, backend: Backend) -> Vec<ExpectedTable> {
    let labels: BTreeSet<&str> = p.project.apps.iter().map(|a| a.label.as_str()).collect();
    expected_tables(&p.declared.state, backend)
        .into_iter()
        .filter(|t| labels.contains(t.model.app.as_str()) && t.origin.is_some())
        .collect()
}

/// Column `c` of table `i` on the `b`th backend, spelled as RDJ506 spells it.
fn column_type(per_backend: &[Vec<ExpectedTable>], b: usize, i: usize, c: usize) -> Option<String> {
    let column = per_backend.get(b)?.get(i)?.columns.get(c)?;
    Some(spell_type(column.db_type.as_deref()?, Backend::ALL[b]))
}

/// Why the project's database was not read although one is configured
/// (`schema` names the database it reads; one it skipped is said to be).
fn why_not_read(
    p: &ProjectSchema,
    resolver: &SettingsResolver,
    db: &DatabaseArgs,
    absent: &[PathBuf],
) -> Option<&'static str> {
    let database = p.project.database.as_ref()?;
    if db.disabled {
        return Some("`--no-database`");
    }
    if resolver.for_dir(&p.project.root).database.enabled == Some(false) {
        return Some("`database.enabled = false`");
    }
    let url = DatabaseUrl::parse(&database.url, &p.project.root).ok()?;
    let file = url.sqlite_path()?;
    absent
        .iter()
        .any(|a| a == file)
        .then_some("the file does not exist yet")
}

/// The database the run reads and where its URL came from.
fn describe_database(index: &WorkspaceIndex, p: &ProjectSchema, not_read: Option<&str>) -> String {
    match &p.project.database {
        Some(db) => format!(
            "{} (from {}{})",
            db.shown_url(),
            db.describe_source(index, &|f| display_path(f)),
            not_read.map(|why| format!("; not read: {why}")).unwrap_or_default()
        ),
        None => "none configured".to_owned(),
    }
}

fn write_text(
    out: &mut impl Write,
    index: &WorkspaceIndex,
    projects: &[ProjectSchema],
    not_read: &[Option<&str>],
    reports: &[FileReport],
) -> io::Result<()> {
    if projects.is_empty() {
        writeln!(
            out,
            "No Django project found (no manage.py, rxconfig.py or settings module)."
        )?;
    }
    for (p, not_read) in projects.iter().zip(not_read) {
        writeln!(out, "Project {}", display_folder(&p.project.root))?;
        if let Some(s) = p.project.settings {
            writeln!(out, "  settings: {}", display_path(&index.file(s).path))?;
        }
        writeln!(out, "  database: {}", describe_database(index, p, *not_read))?;
        let apps: Vec<String> = p
            .project
            .apps
            .iter()
            .map(|a| {
                format!(
                    "{} ({} migration file{})",
                    a.label,
                    a.migrations.len(),
                    if a.migrations.len() == 1 { "" } else { "s" }
                )
            })
            .collect();
        writeln!(
            out,
            "  apps: {}",
            if apps.is_empty() {
                "none found".to_owned()
            } else {
                apps.join(", ")
            }
        )?;
        let per_backend: Vec<Vec<ExpectedTable>> = Backend::ALL.iter().map(|b| tables(p, *b)).collect();
        for (i, table) in per_backend[0].iter().enumerate() {
            writeln!(out)?;
            let what = match &table.m2m_field {
                Some(f) => format!("{}.{f} (many-to-many)", table.label),
                None => table.label.clone(),
            };
            writeln!(out, "  {what} → table {}", table.name)?;
            let header = ["column", "sqlite", "postgresql", "mysql", ""];
            let mut rows: Vec<[String; 5]> = Vec::new();
            for (c, col) in table.columns.iter().enumerate() {
                let ty = |b: usize| column_type(&per_backend, b, i, c).unwrap_or_else(|| "?".to_owned());
                let mut notes = Vec::new();
                if col.primary_key {
                    notes.push("primary key".to_owned());
                }
                if col.null == Some(true) {
                    notes.push("null".to_owned());
                }
                if let Some(fk) = table.foreign_keys.iter().find(|f| f.column == col.name) {
                    if let (Some(t), Some(c)) = (&fk.to_table, &fk.to_column) {
                        notes.push(format!("→ {t}.{c}"));
                    }
                }
                rows.push([col.name.clone(), ty(0), ty(1), ty(2), notes.join(", ")]);
            }
            let widths: Vec<usize> = (0..4)
                .map(|k| {
                    rows.iter()
                        .map(|r| r[k].chars().count())
                        .chain([header[k].len()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cells: [&str; 5]| {
                let mut s = String::from("    ");
                for k in 0..4 {
                    s.push_str(&format!("{:<w$}  ", cells[k], w = widths[k]));
                }
                s.push_str(cells[4]);
                s.trim_end().to_owned()
            };
            writeln!(out, "{}", line(header))?;
            for r in &rows {
                writeln!(out, "{}", line([&r[0], &r[1], &r[2], &r[3], &r[4]]))?;
            }
            for u in &table.uniques {
                writeln!(out, "    unique ({})", u.columns.join(", "))?;
            }
            for x in &table.indexes {
                writeln!(out, "    index ({})", x.columns.join(", "))?;
            }
        }
        writeln!(out)?;
    }
    let count: usize = reports.iter().map(|r| r.findings.len()).sum();
    if count == 0 {
        writeln!(out, "Drift: none (models, migrations and database agree)")?;
    } else {
        writeln!(out, "Drift: {count} finding{}", if count == 1 { "" } else { "s" })?;
        for r in reports {
            for f in &r.findings {
                let at = r.position(f.range.start);
                writeln!(
                    out,
                    "  {}:{}:{}: {} {}",
                    display_path(&r.path),
                    at.row,
                    at.column,
                    f.rule.code(),
                    f.message
                )?;
            }
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonProject {
    root: String,
    settings: Option<String>,
    database: Option<JsonDatabase>,
    apps: Vec<JsonApp>,
    tables: Vec<JsonTable>,
}

#[derive(Serialize)]
struct JsonDatabase {
    /// Without its password.
    url: String,
    /// `flag`, `editor`, `config`, `env:NAME`, `settings`, `rxconfig`,
    /// `default-file`.
    source: String,
    /// The file that sets the URL (config file, settings module,
    /// `rxconfig.py`), and the 1-based line of the statement.
    file: Option<String>,
    line: Option<usize>,
    /// As the text output says it.
    description: String,
    /// Why the database was not read (`--no-database`, …); `null` when it
    /// was, or was tried.
    not_read: Option<String>,
}

#[derive(Serialize)]
struct JsonApp {
    label: String,
    path: String,
    migrations: usize,
}

#[derive(Serialize)]
struct JsonTable {
    model: String,
    many_to_many_field: Option<String>,
    table: BTreeMap<&'static str, String>,
    columns: Vec<JsonColumn>,
    unique: Vec<Vec<String>>,
    indexes: Vec<Vec<String>>,
    foreign_keys: Vec<JsonForeignKey>,
}

#[derive(Serialize)]
struct JsonColumn {
    name: String,
    field: String,
    types: BTreeMap<&'static str, Option<String>>,
    null: Option<bool>,
    primary_key: bool,
}

#[derive(Serialize)]
struct JsonForeignKey {
    column: String,
    to_table: Option<String>,
    to_column: Option<String>,
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    projects: Vec<JsonProject>,
    findings: Vec<crate::output::json::JsonFinding<'a>>,
}

fn write_json(
    out: &mut impl Write,
    index: &WorkspaceIndex,
    projects: &[ProjectSchema],
    not_read: &[Option<&str>],
    reports: &[FileReport],
) -> io::Result<()> {
    let mut json = Vec::new();
    for (p, not_read) in projects.iter().zip(not_read) {
        let per_backend: Vec<Vec<ExpectedTable>> = Backend::ALL.iter().map(|b| tables(p, *b)).collect();
        let tables = per_backend[0]
            .iter()
            .enumerate()
            .map(|(i, t)| JsonTable {
                model: t.label.clone(),
                many_to_many_field: t.m2m_field.clone(),
                table: Backend::ALL
                    .iter()
                    .enumerate()
                    .filter_map(|(b, backend)| Some((backend.as_str(), per_backend[b].get(i)?.name.clone())))
                    .collect(),
                columns: t
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(c, col)| JsonColumn {
                        name: col.name.clone(),
                        field: col.field.clone(),
                        types: Backend::ALL
                            .iter()
                            .enumerate()
                            .map(|(b, backend)| (backend.as_str(), column_type(&per_backend, b, i, c)))
                            .collect(),
                        null: col.null,
                        primary_key: col.primary_key,
                    })
                    .collect(),
                unique: t.uniques.iter().map(|u| u.columns.clone()).collect(),
                indexes: t.indexes.iter().map(|x| x.columns.clone()).collect(),
                foreign_keys: t
                    .foreign_keys
                    .iter()
                    .map(|f| JsonForeignKey {
                        column: f.column.clone(),
                        to_table: f.to_table.clone(),
                        to_column: f.to_column.clone(),
                    })
                    .collect(),
            })
            .collect();
        json.push(JsonProject {
            root: p.project.root.to_string_lossy().into_owned(),
            settings: p
                .project
                .settings
                .map(|s| index.file(s).path.to_string_lossy().into_owned()),
            database: p.project.database.as_ref().map(|d| {
                let location = d.location(index);
                JsonDatabase {
                    url: d.shown_url(),
                    source: d.source.key(),
                    file: location.as_ref().map(|l| l.file.to_string_lossy().into_owned()),
                    line: location.and_then(|l| l.line),
                    description: d.describe_source(index, &|f| f.display().to_string()),
                    not_read: not_read.map(str::to_owned),
                }
            }),
            apps: p
                .project
                .apps
                .iter()
                .map(|a| JsonApp {
                    label: a.label.clone(),
                    path: a.dir.to_string_lossy().into_owned(),
                    migrations: a.migrations.len(),
                })
                .collect(),
            tables,
        });
    }
    let findings: Vec<_> = reports
        .iter()
        .flat_map(|r| {
            r.findings
                .iter()
                .map(move |f: &Finding| crate::output::json::to_json(r, f))
        })
        .collect();
    serde_json::to_writer_pretty(
        &mut *out,
        &JsonOutput {
            projects: json,
            findings,
        },
    )?;
    writeln!(out)
}
