//! `check [PATH ...]`: discover, index, analyse, report.

use std::collections::BTreeSet;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::{CheckArgs, Fatal, EXIT_FINDINGS, EXIT_OK};
use crate::checker::can_have_findings;
use crate::config::settings::SettingsResolver;
use crate::config::{is_valid_selector, CliOverrides, ConfigResolver, DjangoVersion};
use crate::output::{
    self, fix_availability, io_error_message, statistics, FileReport, FixRun, FixTable, OutputFormat, Report, Summary,
};
use crate::pipeline;
use crate::pipeline::schema::{self as runner, DatabaseArgs, SchemaResults};
use crate::rules::Rule;
use crate::source::LineIndex;
use crate::workspace::{self, absolutize, find_root, ExcludeFilter, Source};

/// Validates comma-separated selectors from a flag.
fn selectors(flag: &str, values: &[String]) -> Result<Vec<String>, Fatal> {
    let mut out = Vec::new();
    for v in values {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        if !is_valid_selector(v) {
            return Err(Fatal(format!(
                "{flag}: unknown rule code or prefix \"{v}\";{} `reflex-django-lsp rule --all` lists the rules",
                crate::config::suggest::rule_hint(v)
            )));
        }
        out.push(v.to_owned());
    }
    Ok(out)
}

fn overrides(args: &CheckArgs) -> Result<CliOverrides, Fatal> {
    let django_version = match &args.django_version {
        Some(v) => Some(DjangoVersion::parse(v).ok_or_else(|| {
            Fatal(format!(
                "--django-version: invalid version \"{v}\"; expected X.Y such as 5.2"
            ))
        })?),
        None => None,
    };
    Ok(CliOverrides {
        select: args.select.as_deref().map(|s| selectors("--select", s)).transpose()?,
        ignore: selectors("--ignore", &args.ignore)?,
        extend_select: selectors("--extend-select", &args.extend_select)?,
        unsafe_fixes: args.unsafe_fixes.then_some(true),
        django_version,
        editor: None,
    })
}

/// Is this argument the stdin marker `-`?
fn is_stdin(p: &Path) -> bool {
    p.as_os_str() == "-"
}

/// Notes and warnings on stderr are for people: not with `--quiet`/`--silent`.
fn notes(args: &CheckArgs) -> bool {
    !args.quiet && !args.silent
}

/// Source read from stdin: where it pretends to live, and its bytes.
struct StdinSource {
    path: PathBuf,
    bytes: Vec<u8>,
}

pub fn check(args: CheckArgs) -> Result<i32, Fatal> {
    let cli = overrides(&args)?;
    let db = DatabaseArgs::new(args.database_url.clone(), args.no_database);
    let cwd = std::env::current_dir()
        .map_err(|e| Fatal(format!("cannot read the current directory: {}", io_error_message(&e))))?;

    let configs = match &args.config {
        Some(path) => ConfigResolver::fixed(&absolutize(&cwd, path)).map_err(|e| Fatal(e.to_string()))?,
        None => ConfigResolver::discover(),
    };
    let resolver = Arc::new(SettingsResolver::new(configs, cli));
    let excluder: Arc<dyn ExcludeFilter> = resolver.clone();

    // What the user asked for.
    let read_stdin = args.paths.iter().any(|p| is_stdin(p)) || (args.paths.is_empty() && args.stdin_filename.is_some());
    // Source from stdin is never written back, to its name or anywhere
    // (ruff's behaviour): `--fix` prints the fixed text on stdout instead.
    if read_stdin && args.add_noqa {
        return Err(Fatal(
            "--add-noqa edits files in place: it cannot take source from stdin (`-`)".to_owned(),
        ));
    }
    if read_stdin && args.fix && !args.diff && args.paths.iter().any(|p| !is_stdin(p)) {
        return Err(Fatal(
            "--fix with `-` prints the fixed source on stdout, so it cannot fix other paths in the same run".to_owned(),
        ));
    }
    let inputs: Vec<PathBuf> = if args.paths.is_empty() && !read_stdin {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };

    let mut checked: Vec<PathBuf> = Vec::new();
    // Folders the index must cover (inputs and their project roots).
    let mut index_dirs: BTreeSet<PathBuf> = BTreeSet::new();
    let mut walked_dirs: BTreeSet<PathBuf> = BTreeSet::new();
    let mut walked_files: Vec<PathBuf> = Vec::new();

    for input in inputs.iter().filter(|p| !is_stdin(p)) {
        let path = absolutize(&cwd, input);
        if let Err(e) = std::fs::symlink_metadata(&path) {
            let reason = if e.kind() == io::ErrorKind::NotFound {
                "No such file or directory".to_owned()
            } else {
                io_error_message(&e)
            };
            return Err(Fatal(format!("{}: {reason}", input.display())));
        }
        if path.is_dir() {
            let walked = workspace::walk(&path, excluder.clone());
            if notes(&args) {
                for err in &walked.errors {
                    eprintln!("warning: {err}");
                }
            }
            checked.extend(walked.files.iter().cloned());
            walked_files.extend(walked.files);
            walked_dirs.insert(path.clone());
            if let Some(root) = find_root(&path) {
                index_dirs.insert(root);
            }
        } else {
            // Named explicitly: always checked, whatever `exclude` says.
            checked.push(path.clone());
            if let Some(root) = path.parent().and_then(find_root) {
                index_dirs.insert(root);
            }
        }
    }

    let mut stdin_source = None;
    let mut stdin_input = None;
    if read_stdin {
        let mut bytes = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| Fatal(format!("reading stdin: {}", io_error_message(&e))))?;
        let path = match &args.stdin_filename {
            Some(name) => absolutize(&cwd, name),
            None => cwd.join("-"),
        };
        if let Some(root) = path.parent().and_then(find_root) {
            index_dirs.insert(root);
        }
        checked.push(path.clone());
        stdin_source = Some(Source {
            path: path.clone(),
            contents: Some(bytes.clone()),
        });
        stdin_input = Some(StdinSource { path, bytes });
    }

    // Surface config errors for every checked file's folder now.
    let dirs: BTreeSet<&Path> = checked.iter().filter_map(|p| p.parent()).collect();
    for dir in dirs {
        resolver.configs.try_for_dir(dir).map_err(|e| Fatal(e.to_string()))?;
    }
    if let Some(e) = resolver.configs.take_error() {
        return Err(Fatal(e.to_string()));
    }

    let mut seen = std::collections::HashSet::new();
    checked.retain(|p| seen.insert(p.clone()));

    if checked.is_empty() && notes(&args) {
        eprintln!("warning: No Python files found under the given path(s)");
    }

    // Everything the index needs: the checked files plus the project roots.
    let mut sources: Vec<Source> = Vec::new();
    if let Some(s) = stdin_source {
        sources.push(s);
    }
    sources.extend(checked.iter().map(|p| Source {
        path: p.clone(),
        contents: None,
    }));
    if !checked.is_empty() {
        for dir in &index_dirs {
            if walked_dirs.contains(dir) {
                continue;
            }
            let walked = workspace::walk(dir, excluder.clone());
            sources.extend(walked.files.into_iter().map(|path| Source { path, contents: None }));
        }
    }
    if let Some(e) = resolver.configs.take_error() {
        return Err(Fatal(e.to_string()));
    }

    if args.add_noqa {
        let (files, _) = analyse(&resolver, sources, &checked, &db);
        return super::add_noqa::run(&args, files);
    }
    if args.fix || args.diff {
        return fix_and_report(&args, &resolver, sources, &checked, &db, stdin_input.as_ref());
    }

    // The result cache: a whole-run entry keyed by every indexed file's
    // stamp and every checked file's options (see `cache.rs`).
    let cache = (!args.no_cache && !read_stdin).then(|| {
        let dir = args
            .cache_dir
            .as_ref()
            .map(|d| absolutize(&cwd, d))
            .unwrap_or_else(|| default_cache_dir(&cwd, &inputs));
        crate::cache::Cache::at(dir)
    });
    let cache_key = cache.as_ref().and_then(|_| {
        let indexed: Vec<PathBuf> = sources.iter().map(|s| s.path.clone()).collect();
        let mut options: Vec<(PathBuf, u64)> = checked
            .iter()
            .map(|p| (p.clone(), options_fingerprint(&resolver.for_file(p), p)))
            .collect();
        // Which database the schema checks would read is part of the key.
        options.push((PathBuf::from("<database>"), database_fingerprint(&args)));
        crate::cache::key(&indexed, &options)
    });
    let cached = match (&cache, cache_key) {
        (Some(c), Some(k)) => c.load(k).and_then(|files| reports_from_cache(&checked, files)),
        _ => None,
    };
    let files = match cached {
        Some(files) => files,
        None => {
            let (files, schema) = analyse(&resolver, sources, &checked, &db);
            // A database can change without any file changing: results
            // that read one are not cached.
            if let (Some(c), Some(k), false) = (&cache, cache_key, schema.live_attempted) {
                c.store(
                    k,
                    files
                        .iter()
                        .map(|f| crate::cache::CachedFile::new(&f.path, &f.findings))
                        .collect(),
                    schema.absent_databases,
                );
            }
            files
        }
    };
    let report = Report::new(files);
    let (applicable, hidden_unsafe) = available_fixes(&report, &resolver, args.unsafe_fixes);
    let report = report.with_summary(Summary {
        run: FixRun::Report,
        fixed: FixTable::new(),
        applicable,
        hidden_unsafe,
        show_fixes: args.show_fixes,
        quiet: args.quiet,
    });

    if !args.silent {
        write_output(&args, &report, &mut io::stdout().lock(), io::stdout().is_terminal())?;
    }
    Ok(exit_code(&args, &report))
}

/// 1 when an error or a warning remains (info findings never fail a run),
/// unless `--exit-zero`.
fn exit_code(args: &CheckArgs, report: &Report) -> i32 {
    if report.fails() && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// The findings' fixes that `--fix` would apply with each file's settings,
/// and those that need `--unsafe-fixes`, per file and rule.
fn available_fixes(report: &Report, resolver: &SettingsResolver, cli_unsafe: bool) -> (FixTable, FixTable) {
    let mut applicable = FixTable::new();
    let mut hidden = FixTable::new();
    for file in &report.files {
        let unsafe_fixes = cli_unsafe || resolver.for_file(&file.path).unsafe_fixes;
        for finding in &file.findings {
            let table = match fix_availability(finding, unsafe_fixes) {
                Some(true) => &mut applicable,
                Some(false) => &mut hidden,
                None => continue,
            };
            *table
                .entry(file.path.clone())
                .or_default()
                .entry(finding.rule)
                .or_default() += 1;
        }
    }
    (applicable, hidden)
}

/// Loads the workspace and checks every file (the cache's miss path); also
/// tells what the schema checks depended on (a database read, or absent).
fn analyse(
    resolver: &SettingsResolver,
    sources: Vec<Source>,
    checked: &[PathBuf],
    db: &DatabaseArgs,
) -> (Vec<FileReport>, SchemaResults) {
    let loaded = workspace::load(sources);
    let index = &loaded.index;

    // Schema findings (RDJ5xx) sit on models, migrations and settings files;
    // they are computed alongside the per-file checks (mostly sequential
    // work that the per-file checks' threads fill around).
    let checked_set: BTreeSet<&Path> = checked.iter().map(PathBuf::as_path).collect();
    let per_file = || {
        checked
            .par_iter()
            .map(|path| {
                let id = loaded.file_id(path);
                if id.is_some_and(|id| !can_have_findings(index, id)) {
                    return FileReport {
                        path: path.clone(),
                        text: Arc::from(""),
                        lines: LineIndex::new(""),
                        findings: Vec::new(),
                    };
                }
                let settings = resolver.for_file(path);
                let (findings, text, lines) = if let Some(err) = loaded.unreadable.get(path) {
                    let message = format!("cannot read source: {}", io_error_message(err));
                    let findings = pipeline::unreadable_file_findings(&settings, path, message);
                    (findings, Arc::<str>::from(""), LineIndex::new(""))
                } else if let Some(id) = id {
                    let entry = index.file(id);
                    let findings = pipeline::file_findings(index, id, &settings, path);
                    // Only reported files need their text (for snippets and rows).
                    if findings.is_empty() {
                        (findings, Arc::<str>::from(""), LineIndex::new(""))
                    } else {
                        (findings, entry.text.clone(), entry.lines().clone())
                    }
                } else {
                    (Vec::new(), Arc::<str>::from(""), LineIndex::new(""))
                };
                FileReport {
                    path: path.clone(),
                    text,
                    lines,
                    findings,
                }
            })
            .collect::<Vec<_>>()
    };
    let (mut reports, mut schema) = rayon::join(per_file, || runner::findings(index, resolver, &checked_set, db));
    for report in &mut reports {
        let Some(found) = schema.by_file.get(&report.path) else {
            continue;
        };
        if found.is_empty() {
            continue;
        }
        if report.findings.is_empty() {
            if let Some(id) = index.file_by_path(&report.path) {
                report.text = index.file(id).text.clone();
                report.lines = index.file(id).lines().clone();
            }
        }
        pipeline::merge_schema_findings(&mut report.findings, found);
    }
    // What the run read, for the benchmarks (`benches/compare_ruff.py`).
    if std::env::var_os("REFLEX_DJANGO_LSP_STATS").is_some() {
        eprintln!(
            "reflex-django-lsp stats: {} files indexed, {} parsed by tree-sitter, {} migration files read without it ({} expressions of theirs parsed alone)",
            index.files.len(),
            crate::syntax::full_parses() - crate::schema::migrations::snippet_parses(),
            crate::schema::migrations::fast_reads(),
            crate::schema::migrations::snippet_parses(),
        );
        // `REFLEX_DJANGO_LSP_STATS=files`: which indexed files were parsed.
        if std::env::var_os("REFLEX_DJANGO_LSP_STATS").is_some_and(|v| v == "files") {
            for entry in index.files.iter().filter(|e| e.is_parsed()) {
                eprintln!("reflex-django-lsp stats: parsed {}", entry.path.display());
            }
        }
    }
    // The process ends after the report: freeing thousands of syntax trees
    // and texts one by one would cost more than analysing many files, and
    // the OS reclaims the memory at exit anyway.
    std::mem::forget(loaded);
    std::mem::forget(std::mem::take(&mut schema.projects));
    schema.by_file.clear();
    (reports, schema)
}

/// The environment and flags that choose the schema checks' database.
fn database_fingerprint(args: &CheckArgs) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (&args.database_url, args.no_database).hash(&mut h);
    for var in crate::schema::settings::DATABASE_URL_VARIABLES
        .iter()
        .chain(&["DJANGO_SETTINGS_MODULE"])
    {
        std::env::var_os(var).hash(&mut h);
    }
    h.finish()
}

/// A hashable summary of what affects a file's findings: its rules, the
/// helper depth and the severities.
fn options_fingerprint(settings: &crate::config::Settings, path: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let options = settings.analysis_options(path);
    (options.rules, options.follow_calls_depth).hash(&mut h);
    for rule in Rule::ALL {
        settings.severity_of(*rule).hash(&mut h);
    }
    h.finish()
}

/// The reports of a cache hit: files with findings are read again for their
/// source (unchanged, as their stamps say). `None` falls back to a real run.
fn reports_from_cache(checked: &[PathBuf], files: Vec<crate::cache::CachedFile>) -> Option<Vec<FileReport>> {
    if files.len() != checked.len() || files.iter().zip(checked).any(|(f, p)| &f.path != p) {
        return None;
    }
    files
        .into_iter()
        .map(|f| {
            let findings = f.findings()?;
            let (text, lines) = if f.is_clean() {
                (Arc::<str>::from(""), LineIndex::new(""))
            } else {
                let text = crate::source::decode_owned(std::fs::read(&f.path).ok()?).unwrap_or_default();
                let lines = LineIndex::new(&text);
                (Arc::<str>::from(text), lines)
            };
            Some(FileReport {
                path: f.path,
                text,
                lines,
                findings,
            })
        })
        .collect()
}

/// `.reflex-django-lsp-cache` in the project root of the first input.
fn default_cache_dir(cwd: &Path, inputs: &[PathBuf]) -> PathBuf {
    let first = inputs
        .iter()
        .find(|p| !is_stdin(p))
        .map(|p| absolutize(cwd, p))
        .unwrap_or_else(|| cwd.to_path_buf());
    let dir = if first.is_dir() {
        first
    } else {
        first
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| cwd.to_path_buf())
    };
    find_root(&dir).unwrap_or(dir).join(".reflex-django-lsp-cache")
}

/// `--fix` (write the fixed files, report what remains) and `--diff` (print
/// what would change, write nothing; exit 1 when there is a change).
///
/// Source from stdin is never written: with `--fix` its fixed text (or the
/// text unchanged) goes to stdout and the report to stderr, as ruff does.
fn fix_and_report(
    args: &CheckArgs,
    resolver: &Arc<SettingsResolver>,
    sources: Vec<Source>,
    checked: &[PathBuf],
    db: &DatabaseArgs,
    stdin: Option<&StdinSource>,
) -> Result<i32, Fatal> {
    let outcome = super::fix::run(resolver, &sources, args.unsafe_fixes, |s| {
        analyse(resolver, s, checked, db).0
    });
    if notes(args) {
        for path in &outcome.dropped {
            eprintln!(
                "warning: {}: fixes dropped: the result would not parse",
                output::display_path(path)
            );
        }
    }
    let remaining = Report::new(outcome.remaining);
    let (applicable, hidden_unsafe) = available_fixes(&remaining, resolver, args.unsafe_fixes);
    let summary = Summary {
        run: if args.diff { FixRun::Diff } else { FixRun::Apply },
        fixed: outcome.fixed,
        applicable,
        hidden_unsafe,
        show_fixes: args.show_fixes,
        quiet: args.quiet,
    };
    if args.diff {
        let mut stdout = io::BufWriter::new(io::stdout().lock());
        for (path, (original, fixed)) in &outcome.changed {
            let shown = output::display_path(path);
            let _ = write!(stdout, "{}", super::fix::unified_diff(&shown, original, fixed));
        }
        let _ = stdout.flush();
        if notes(args) {
            let mut stderr = io::stderr().lock();
            if args.show_fixes {
                let _ = output::write_fix_table(&summary, &mut stderr);
            }
            let _ = write_diff_summary(&summary, &mut stderr);
        }
        return Ok(if outcome.changed.is_empty() || args.exit_zero {
            EXIT_OK
        } else {
            EXIT_FINDINGS
        });
    }
    for (path, (_, fixed)) in &outcome.changed {
        if stdin.is_some_and(|s| &s.path == path) {
            continue;
        }
        super::fix::write(path, fixed).map_err(|e| {
            Fatal(format!(
                "{}: cannot write the fix: {}",
                output::display_path(path),
                io_error_message(&e)
            ))
        })?;
    }
    let report = remaining.with_summary(summary);
    match stdin {
        Some(stdin) => {
            let fixed = outcome.changed.get(&stdin.path).map(|(_, fixed)| fixed);
            write_stdin_result(&stdin.bytes, fixed)?;
            if !args.silent {
                write_output(args, &report, &mut io::stderr().lock(), io::stderr().is_terminal())?;
            }
        }
        None if !args.silent => {
            write_output(args, &report, &mut io::stdout().lock(), io::stdout().is_terminal())?;
        }
        None => {}
    }
    Ok(exit_code(args, &report))
}

/// `--diff`'s closing line on stderr (ruff's wording): `Would fix 2
/// findings.`, with `(1 additional fix available with `--unsafe-fixes`)`,
/// or `No findings would be fixed (…)`; nothing when there is nothing to fix.
fn write_diff_summary(summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    let fixed = output::total(&summary.fixed);
    let hidden = output::total(&summary.hidden_unsafe);
    let findings = if fixed == 1 { "finding" } else { "findings" };
    let fixes = if hidden == 1 { "fix" } else { "fixes" };
    match (fixed, hidden) {
        (0, 0) => Ok(()),
        (0, h) => writeln!(
            out,
            "No findings would be fixed ({h} {fixes} available with `--unsafe-fixes`)."
        ),
        (n, 0) => writeln!(out, "Would fix {n} {findings}."),
        (n, h) => writeln!(
            out,
            "Would fix {n} {findings} ({h} additional {fixes} available with `--unsafe-fixes`)."
        ),
    }
}

/// `check - --fix`: the fixed source on stdout, byte for byte the input when
/// nothing changed (a UTF-8 BOM the input had is kept).
fn write_stdin_result(original: &[u8], fixed: Option<&String>) -> Result<(), Fatal> {
    let mut stdout = io::stdout().lock();
    let written = match fixed {
        None => stdout.write_all(original),
        Some(text) => {
            let bom: &[u8] = if original.starts_with(&[0xEF, 0xBB, 0xBF]) {
                &[0xEF, 0xBB, 0xBF]
            } else {
                &[]
            };
            stdout.write_all(bom).and_then(|_| stdout.write_all(text.as_bytes()))
        }
    }
    .and_then(|_| stdout.flush());
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Fatal(format!("writing output: {}", io_error_message(&e)))),
    }
}

/// Writes the report (or its statistics); a closed pipe is no error.
fn write_output(args: &CheckArgs, report: &Report, out: &mut dyn Write, terminal: bool) -> Result<(), Fatal> {
    let color = terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut out = io::BufWriter::new(out);
    let written = if args.statistics {
        if matches!(args.output_format, OutputFormat::Json | OutputFormat::JsonLines) {
            statistics::write_json(report, &mut out)
        } else {
            statistics::write_text(report, &mut out)
        }
    } else {
        output::write_report(report, args.output_format, &mut out, color)
    }
    .and_then(|_| out.flush());
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Fatal(format!("writing output: {}", io_error_message(&e)))),
    }
}
