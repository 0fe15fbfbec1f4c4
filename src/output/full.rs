//! `--output-format full` (default): miette-rendered source snippets, then
//! a `Found N errors.` line.
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
        .with_width(120)
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
    let location = if snippet.is_none() {
        let pos = file.position(finding.range.start);
        format!(" [{name}:{}:{}]", pos.row, pos.column)
    } else {
        String::new()
    };
    let report = FindingReport {
        code: finding.rule.code().to_owned(),
        message: format!("{}{location}", finding.message),
        severity: match finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        },
        help: finding
            .fix
            .as_ref()
            .map(|f| fix_help(&file.text, f, finding.range.start)),
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

/// The fix's message, its applicability, and the lines it would produce
/// around the finding (an import added elsewhere is only mentioned).
fn fix_help(text: &str, fix: &crate::diagnostic::Fix, at: usize) -> String {
    use crate::diagnostic::Applicability;
    let kind = match fix.applicability {
        Applicability::Safe => "safe fix",
        Applicability::Unsafe => "unsafe fix: `--unsafe-fixes`",
        Applicability::DisplayOnly => "not applied automatically",
    };
    let mut help = format!("{} ({kind})", fix.message);
    // Edits on lines far from the finding (an added import) are left out.
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count();
    let finding_line = line_of(at);
    let near: Vec<&crate::diagnostic::Edit> = fix
        .edits
        .iter()
        .filter(|e| line_of(e.range.end) + 1 >= finding_line && line_of(e.range.start) <= finding_line + 40)
        .collect();
    if near.len() < fix.edits.len() {
        help.push_str(", adding an import");
    }
    let (Some(start), Some(end)) = (
        near.iter().map(|e| e.range.start).min(),
        near.iter().map(|e| e.range.end).max(),
    ) else {
        return help;
    };
    let fix = &crate::diagnostic::Fix {
        edits: near.into_iter().cloned().collect(),
        ..fix.clone()
    };
    if end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return help;
    }
    // The touched lines, rewritten.
    let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line_end = text[end..].find(['\n', '\r']).map_or(text.len(), |i| end + i);
    let finding = crate::diagnostic::Finding::new(crate::rules::Rule::RDJ101, "", 0..0).with_fix(Some(fix.clone()));
    let fixed = crate::fix::apply(
        &text[..line_end],
        std::slice::from_ref(&finding),
        crate::fix::FixMode::SafeAndUnsafe,
    )
    .text;
    let suggestion = &fixed[line_start..];
    let lines: Vec<&str> = suggestion.lines().collect();
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
