//! `--output-format full` (default): miette-rendered source snippets, then
//! a `Found N errors.` line.
//!
//! Messages are wrapped here, not by miette: only at blanks outside
//! backtick spans, so a path, a URL or a code span is never cut in two (a
//! word longer than the line gets a line of its own).
//!
//! Each finding gets its own small snippet (the lines of its range plus one
//! line of context, line endings normalized to `\n`) so that CR-only files
//! render properly and a finding in a 5 MB file costs no more than one in a
//! 5-line file.

use std::fmt;
use std::io::{self, Write};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};

use super::{write_summary, FileReport, Report};
use crate::diagnostic::{Finding, Severity};

/// Lines of context above and below a finding.
const CONTEXT: usize = 1;
/// Ranges spanning more lines than this are underlined on their first line only.
const MAX_LABEL_LINES: usize = 6;
/// The rendered width; messages wrap within it less their gutter
/// (`  × ` before a message, `  help: ` before a fix's help).
const WIDTH: usize = 120;
const MESSAGE_WIDTH: usize = WIDTH - 2 - 4;
const HELP_WIDTH: usize = WIDTH - 2 - 8;

/// Splits a line into the words it may wrap between: runs of non-blank
/// characters, where a backtick span (blanks included) is part of its word.
fn words(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut in_code = false;
    for (i, ch) in line.char_indices() {
        if ch == '`' {
            in_code = !in_code;
        }
        if ch.is_whitespace() && !in_code {
            if let Some(s) = start.take() {
                out.push(&line[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(&line[s..]);
    }
    out
}

/// Fills `text` to `width` columns (characters), breaking only between
/// [`words`]; line breaks already in the text are kept.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let mut column = 0;
        for word in words(line) {
            let len = word.chars().count();
            if column > 0 && column + 1 + len > width {
                out.push('\n');
                column = 0;
            } else if column > 0 {
                out.push(' ');
                column += 1;
            }
            out.push_str(word);
            column += len;
        }
    }
    out
}

/// A few lines of a file, joined with `\n`, that miette reads as the file.
struct Snippet {
    name: String,
    text: String,
    /// 0-based line number of the snippet's first line in the file.
    first_line: usize,
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.as_str().read_span(span, before, after)?;
        // Columns count characters (SPEC §2), miette counts bytes.
        let column = if before == 0 {
            let at = span.offset().min(self.text.len());
            let line_start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
            self.text
                .get(line_start..at)
                .map_or(inner.column(), |s| s.chars().count())
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            column,
            inner.line_count(),
        )))
    }
}

struct FindingReport {
    code: String,
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    label: Option<LabeledSpan>,
    snippet: Option<Snippet>,
}

impl fmt::Debug for FindingReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for FindingReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingReport {}

impl Diagnostic for FindingReport {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.snippet.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label
            .clone()
            .map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

/// Builds the snippet and the label span (relative to the snippet).
fn snippet_for(file: &FileReport, finding: &Finding, name: &str) -> Option<(Snippet, SourceSpan)> {
    let text = &*file.text;
    if text.is_empty() {
        return None;
    }
    let start = finding.range.start.min(text.len());
    let end = finding.range.end.clamp(start, text.len());
    let first = file.lines.line_of(start);
    let mut last = file.lines.line_of(end);
    // A range ending right after a line break ends on the line before.
    if last > first && file.lines.line_start(last) == end {
        last -= 1;
    }
    let label_last = if last - first >= MAX_LABEL_LINES { first } else { last };
    let from = first.saturating_sub(CONTEXT);
    let to = (last + CONTEXT).min(file.lines.line_count() - 1);

    let mut snippet = String::new();
    let mut span_start = 0;
    let mut span_end = 0;
    for line in from..=to {
        if line > from {
            snippet.push('\n');
        }
        let range = file.lines.line_range(text, line);
        let base = snippet.len();
        if line == first {
            span_start = base + start.clamp(range.start, range.end) - range.start;
        }
        if line == label_last {
            let e = if label_last == last { end } else { range.end };
            span_end = base + e.clamp(range.start, range.end) - range.start;
        }
        snippet.push_str(&text[range]);
    }
    // Settings lines near the finding may hold passwords: masked.
    let (snippet, span) = crate::redact::mask_snippet(&snippet, span_start..span_end.max(span_start));
    Some((
        Snippet {
            name: name.to_owned(),
            text: snippet,
            first_line: from,
        },
        SourceSpan::new(span.start.into(), span.len()),
    ))
}

fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_urls(false)
        .with_width(WIDTH)
        .with_wrap_lines(false)
        .with_context_lines(CONTEXT)
}

pub fn render(file: &FileReport, finding: &Finding, handler: &GraphicalReportHandler) -> String {
    let name = file.display();
    let (snippet, label) = match snippet_for(file, finding, &name) {
        Some((s, span)) => (
            Some(s),
            Some(LabeledSpan::new_primary_with_span(
                Some(finding.rule.name().to_owned()),
                span,
            )),
        ),
        None => (None, None),
    };
    // Without a snippet the location follows the message (one word: a
    // path with blanks is written in backticks so it stays whole).
    let location = if snippet.is_none() {
        let pos = file.position(finding.range.start);
        let place = format!("{name}:{}:{}", pos.row, pos.column);
        if place.contains(char::is_whitespace) {
            format!(" [`{place}`]")
        } else {
            format!(" [{place}]")
        }
    } else {
        String::new()
    };
    let report = FindingReport {
        code: finding.rule.code().to_owned(),
        message: wrap(&format!("{}{location}", finding.message), MESSAGE_WIDTH),
        severity: match finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        },
        help: finding
            .fix
            .as_ref()
            .map(|f| wrap_help(&fix_help(&file.text, &file.lines, f, finding.range.start))),
        label,
        snippet,
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // A snippet miette cannot lay out: fall back to one line.
        let pos = file.position(finding.range.start);
        out = format!(
            "{name}:{}:{}: {} {}\n",
            pos.row,
            pos.column,
            finding.rule.code(),
            finding.message
        );
    }
    out
}

pub fn write(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let handler = handler(color);
    for (file, finding) in report.iter() {
        let text = render(file, finding, &handler);
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            writeln!(out)?;
        }
        writeln!(out)?;
    }
    write_summary(report, out)
}

/// Wraps a fix's help: its first line is prose, the suggestion below it code.
fn wrap_help(help: &str) -> String {
    match help.split_once('\n') {
        Some((first, rest)) => format!("{}\n{rest}", wrap(first, HELP_WIDTH)),
        None => wrap(help, HELP_WIDTH),
    }
}

/// The fix's message, its applicability, and the lines it would produce
/// around the finding (an import added elsewhere is only mentioned).
fn fix_help(text: &str, lines: &crate::source::LineIndex, fix: &crate::diagnostic::Fix, at: usize) -> String {
    use crate::diagnostic::Applicability;
    let kind = match fix.applicability {
        Applicability::Safe => "safe fix",
        Applicability::Unsafe => "unsafe fix: `--unsafe-fixes`",
        Applicability::DisplayOnly => "not applied automatically",
    };
    let mut help = format!("{} ({kind})", fix.message);
    // An added import is only mentioned; so are edits far from the finding
    // (an edit a few lines up, such as a join added to the query that loaded
    // the instance, is shown).
    // Line numbers from the file's index: counting from the start of the
    // text for each finding was quadratic on a file with many findings.
    let line_of = |offset: usize| lines.line_of(offset.min(text.len()));
    let finding_line = line_of(at);
    let is_import = |e: &crate::diagnostic::Edit| {
        let added = e.content.trim_start();
        added.starts_with("from ") || added.starts_with("import ")
    };
    let near: Vec<&crate::diagnostic::Edit> = fix
        .edits
        .iter()
        .filter(|e| {
            !is_import(e) && line_of(e.range.end) + 40 >= finding_line && line_of(e.range.start) <= finding_line + 40
        })
        .collect();
    if fix.edits.iter().any(is_import) {
        help.push_str(", adding an import");
    }
    let (Some(start), Some(end)) = (
        near.iter().map(|e| e.range.start).min(),
        near.iter().map(|e| e.range.end).max(),
    ) else {
        return help;
    };
    if end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return help;
    }
    // The touched lines, rewritten: the edits applied to those lines alone
    // (not to the text before them: that was a copy of the file per finding).
    let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line_end = text[end..].find(['\n', '\r']).map_or(text.len(), |i| end + i);
    let fix = crate::diagnostic::Fix {
        edits: near
            .into_iter()
            .map(|e| crate::diagnostic::Edit {
                range: e.range.start - line_start..e.range.end - line_start,
                content: e.content.clone(),
            })
            .collect(),
        ..fix.clone()
    };
    let finding = crate::diagnostic::Finding::new(crate::registry::Rule::RDJ101, "", 0..0).with_fix(Some(fix));
    let fixed = crate::fix::apply(
        &text[line_start..line_end],
        std::slice::from_ref(&finding),
        crate::fix::FixMode::SafeAndUnsafe,
    )
    .text;
    let lines: Vec<&str> = fixed.lines().collect();
    const MAX: usize = 12;
    help.push_str("\n  suggestion:");
    for line in lines.iter().take(MAX) {
        help.push_str(&format!("\n  │ {line}"));
    }
    if lines.len() > MAX {
        help.push_str(&format!("\n  │ … ({} more lines)", lines.len() - MAX));
    }
    help
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_only_between_words_outside_code_spans() {
        let message = "The database `sqlite:///srv/app with space/very/long/path/to/the/project/data/db.sqlite3` could not be read: unable to open database file /srv/app/very/long/path/to/the/project/data/db.sqlite3; the live schema checks did not run";
        let wrapped = wrap(message, 40);
        for line in wrapped.lines() {
            // Each backtick span opens and closes on one line.
            assert_eq!(line.matches('`').count() % 2, 0, "{wrapped}");
        }
        assert!(wrapped.contains("`sqlite:///srv/app with space/very/long/path/to/the/project/data/db.sqlite3`"));
        assert!(wrapped
            .lines()
            .any(|l| l == "/srv/app/very/long/path/to/the/project/data/db.sqlite3;"));
        // Nothing lost or added but the breaks.
        assert_eq!(wrapped.replace('\n', " "), message);
        // Short lines and existing breaks stay.
        assert_eq!(wrap("a `b c` d\ne", 5), "a\n`b c`\nd\ne");
        assert_eq!(wrap("", 10), "");
    }
}
