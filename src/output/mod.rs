//! Output formats (SPEC §2): one file per format, all reading a [`Report`].

pub mod concise;
pub mod full;
pub mod github;
pub mod json;
pub mod sarif;
pub mod statistics;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::diagnostic::Finding;
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
        Report { files }
    }

    pub fn count(&self) -> usize {
        self.files.iter().map(|f| f.findings.len()).sum()
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

/// The `Found N errors.` / `All checks passed!` line of the text formats.
pub fn write_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    match report.count() {
        0 => writeln!(out, "All checks passed!"),
        1 => writeln!(out, "Found 1 error."),
        n => writeln!(out, "Found {n} errors."),
    }
}

fn cwd() -> Option<&'static Path> {
    static CWD: OnceLock<Option<PathBuf>> = OnceLock::new();
    CWD.get_or_init(|| std::env::current_dir().ok()).as_deref()
}

/// A rule's documentation as markdown: the doc comment's one-space
/// indentation removed.
pub fn rule_doc(rule: crate::rules::Rule) -> String {
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

/// An I/O error's text without the trailing ` (os error N)`.
pub fn io_error_message(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => text[..i].to_owned(),
        _ => text,
    }
}
