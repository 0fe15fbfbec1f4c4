//! Output formats (SPEC §2): one file per format, all reading a [`Report`].

pub mod concise;
pub mod full;
pub mod github;
pub mod json;
pub mod sarif;
pub mod statistics;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::diagnostic::{Applicability, Finding, Severity};
use crate::registry::Rule;
use crate::source::{LineIndex, Position};

/// `check --output-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Rich source snippets (default).
    Full,
    /// One line per finding: `path:row:col: CODE message`.
    Concise,
    /// A JSON array.
    Json,
    /// One JSON object per line.
    JsonLines,
    /// GitHub Actions workflow annotations.
    Github,
    /// SARIF 2.1.0.
    Sarif,
}

/// The findings of one file, with what is needed to place them.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// Absolute path.
    pub path: PathBuf,
    pub text: Arc<str>,
    pub lines: LineIndex,
    /// Sorted by position.
    pub findings: Vec<Finding>,
}

impl FileReport {
    pub fn position(&self, offset: usize) -> Position {
        self.lines.position(&self.text, offset)
    }

    /// The path as shown to people: relative to the current directory.
    pub fn display(&self) -> String {
        display_path(&self.path)
    }
}

/// Everything `check` found, sorted by file then position.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Only files with findings.
    pub files: Vec<FileReport>,
    /// What the closing lines of the text formats say besides the count.
    pub summary: Summary,
}

/// Whether the run only reported, or fixed (`--fix`), or showed (`--diff`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FixRun {
    #[default]
    Report,
    Apply,
    Diff,
}

/// Fix counts per file and rule (`--show-fixes`).
pub type FixTable = BTreeMap<PathBuf, BTreeMap<Rule, usize>>;

/// The closing lines of the text formats (ruff's wording): the count by
/// severity, what `--fix` did, and what it could do.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub run: FixRun,
    /// Fixes applied (`--fix`) or that would be (`--diff`).
    pub fixed: FixTable,
    /// Remaining findings whose fix `--fix` applies with the file's settings.
    pub applicable: FixTable,
    /// Remaining findings whose fix is unsafe while unsafe fixes are off.
    pub hidden_unsafe: FixTable,
    /// `--show-fixes`: list the fixes per file and rule.
    pub show_fixes: bool,
    /// `--quiet`: findings only, no closing lines.
    pub quiet: bool,
}

/// The sum of a [`FixTable`].
pub fn total(table: &FixTable) -> usize {
    table.values().flat_map(BTreeMap::values).sum()
}

/// Severity counts of the findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeverityCounts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl SeverityCounts {
    /// `6 errors, 1 warning and 2 info findings`; `0` when there are none.
    pub fn phrase(self) -> String {
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts = Vec::new();
        if self.errors > 0 {
            parts.push(plural(self.errors, "error", "errors"));
        }
        if self.warnings > 0 {
            parts.push(plural(self.warnings, "warning", "warnings"));
        }
        if self.infos > 0 {
            parts.push(plural(self.infos, "info finding", "info findings"));
        }
        match parts.len() {
            0 => "0".to_owned(),
            1 => parts.remove(0),
            _ => {
                let last = parts.pop().unwrap_or_default();
                format!("{} and {last}", parts.join(", "))
            }
        }
    }
}

impl Report {
    pub fn new(mut files: Vec<FileReport>) -> Report {
        files.retain(|f| !f.findings.is_empty());
        files.sort_by(|a, b| a.path.cmp(&b.path));
        for f in &mut files {
            f.findings.sort_by(|a, b| {
                (a.range.start, a.range.end, a.rule.code(), &a.message).cmp(&(
                    b.range.start,
                    b.range.end,
                    b.rule.code(),
                    &b.message,
                ))
            });
        }
        Report {
            files,
            summary: Summary::default(),
        }
    }

    pub fn with_summary(mut self, summary: Summary) -> Report {
        self.summary = summary;
        self
    }

    pub fn count(&self) -> usize {
        self.files.iter().map(|f| f.findings.len()).sum()
    }

    pub fn severity_counts(&self) -> SeverityCounts {
        let mut counts = SeverityCounts::default();
        for (_, finding) in self.iter() {
            match finding.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Info => counts.infos += 1,
            }
        }
        counts
    }

    /// Whether the run fails (exit code 1): an error or a warning remains.
    /// Info findings are shown but do not fail a run.
    pub fn fails(&self) -> bool {
        self.iter().any(|(_, f)| f.severity >= Severity::Warning)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&FileReport, &Finding)> {
        self.files.iter().flat_map(|f| f.findings.iter().map(move |x| (f, x)))
    }
}

/// Writes a report in a format. `color`: ANSI colors are allowed.
pub fn write_report(report: &Report, format: OutputFormat, out: &mut dyn Write, color: bool) -> io::Result<()> {
    match format {
        OutputFormat::Full => full::write(report, out, color),
        OutputFormat::Concise => concise::write(report, out),
        OutputFormat::Json => json::write(report, out),
        OutputFormat::JsonLines => json::write_lines(report, out),
        OutputFormat::Github => github::write(report, out),
        OutputFormat::Sarif => sarif::write(report, out),
    }
}

/// Whether a finding's fix is applied by `--fix` (`Some(true)`), needs
/// `--unsafe-fixes` (`Some(false)`), or there is no automatic fix (`None`).
pub fn fix_availability(finding: &Finding, unsafe_fixes: bool) -> Option<bool> {
    let fix = finding.fix.as_ref().filter(|f| !f.edits.is_empty())?;
    match fix.applicability {
        Applicability::Safe => Some(true),
        Applicability::Unsafe => Some(unsafe_fixes),
        Applicability::DisplayOnly => None,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The closing lines of the text formats, ruff's wording:
/// `Found 6 errors and 1 warning.` (or `All checks passed!`), after `--fix`
/// `Found 3 findings (2 fixed, 1 error remaining).`, then
/// `[*] 2 fixable with the `--fix` option (1 hidden fix can be enabled with
/// the `--unsafe-fixes` option).`; with `--show-fixes` the fixes per file
/// and rule first. Nothing with `--quiet`.
pub fn write_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let summary = &report.summary;
    if summary.quiet {
        return Ok(());
    }
    let fixed = total(&summary.fixed);
    if summary.show_fixes {
        write_fix_table(summary, out)?;
    }
    let remaining = report.count();
    let counts = report.severity_counts();
    if fixed > 0 {
        writeln!(
            out,
            "Found {} ({fixed} fixed, {} remaining).",
            plural(fixed + remaining, "finding", "findings"),
            counts.phrase()
        )?;
    } else if remaining > 0 {
        writeln!(out, "Found {}.", counts.phrase())?;
    } else {
        writeln!(out, "All checks passed!")?;
    }
    write_fixable_hint(summary, out)
}

/// `[*] N fixable with the `--fix` option (M hidden fixes can be enabled
/// with the `--unsafe-fixes` option).`, or nothing when nothing is fixable.
pub fn write_fixable_hint(summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    let applicable = total(&summary.applicable);
    let hidden = total(&summary.hidden_unsafe);
    let hidden_text = || {
        format!(
            "{} can be enabled with the `--unsafe-fixes` option",
            plural(hidden, "hidden fix", "hidden fixes")
        )
    };
    match (applicable, hidden) {
        (0, 0) => Ok(()),
        (n, 0) => writeln!(out, "[*] {n} fixable with the `--fix` option."),
        (0, _) => writeln!(out, "No fixes available ({}).", hidden_text()),
        (n, _) => writeln!(out, "[*] {n} fixable with the `--fix` option ({}).", hidden_text()),
    }
}

/// `--show-fixes`: `Fixed 2 findings:` (or `Would fix` with `--diff`, or
/// the fixes available without `--fix`), then `- path:` and
/// `    2 × RDJ101 (blocking-queryset-call)` per rule, and a blank line.
pub fn write_fix_table(summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    let (table, title) = match summary.run {
        FixRun::Apply => (&summary.fixed, "Fixed {}:"),
        FixRun::Diff => (&summary.fixed, "Would fix {}:"),
        FixRun::Report => (&summary.applicable, "{} fixable with the `--fix` option:"),
    };
    let n = total(table);
    if n > 0 {
        writeln!(out, "{}", title.replace("{}", &plural(n, "finding", "findings")))?;
        write_table_rows(table, out)?;
        writeln!(out)?;
    }
    let hidden = total(&summary.hidden_unsafe);
    if hidden > 0 {
        writeln!(
            out,
            "{} fixable with the `--fix --unsafe-fixes` options:",
            plural(hidden, "finding", "findings")
        )?;
        write_table_rows(&summary.hidden_unsafe, out)?;
        writeln!(out)?;
    }
    Ok(())
}

fn write_table_rows(table: &FixTable, out: &mut dyn Write) -> io::Result<()> {
    for (path, rules) in table {
        if rules.is_empty() {
            continue;
        }
        writeln!(out, "- {}:", display_path(path))?;
        let mut rows: Vec<(&Rule, &usize)> = rules.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let width = rows.iter().map(|(_, n)| n.to_string().len()).max().unwrap_or(1);
        for (rule, count) in rows {
            writeln!(out, "    {count:>width$} × {} ({})", rule.code(), rule.name())?;
        }
    }
    Ok(())
}

fn cwd() -> Option<&'static Path> {
    static CWD: OnceLock<Option<PathBuf>> = OnceLock::new();
    CWD.get_or_init(|| std::env::current_dir().ok()).as_deref()
}

/// A rule's documentation as markdown: the doc comment's one-space
/// indentation removed.
pub fn rule_doc(rule: crate::registry::Rule) -> String {
    rule.documentation()
}

/// A path relative to the current directory when it is under it, else as is.
pub fn display_path(path: &Path) -> String {
    if let Some(cwd) = cwd() {
        if let Ok(rel) = path.strip_prefix(cwd) {
            if !rel.as_os_str().is_empty() {
                return rel.to_string_lossy().into_owned();
            }
        }
    }
    path.to_string_lossy().into_owned()
}

/// A folder as `display_path` shows it, the current one as `.` (not its
/// absolute path, while the folders under it print relative).
pub fn display_folder(path: &Path) -> String {
    if cwd() == Some(path) {
        ".".to_owned()
    } else {
        display_path(path)
    }
}

/// An I/O error's text without the trailing ` (os error N)`.
pub fn io_error_message(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_owned(),
        _ => text,
    }
}
