//! `--output-format github`: GitHub Actions workflow commands.
//!
//! `::error title=reflex-django-lsp (RDJ101),file=…,line=…,col=…,endLine=…,endColumn=…::RDJ101 message`

use std::io::{self, Write};

use super::Report;
use crate::diagnostic::Severity;

/// Escaping of a workflow command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escaping of a workflow command's property values.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for file in &report.files {
        let path = escape_property(&file.display());
        for finding in &file.findings {
            let start = file.position(finding.range.start);
            let end = file.position(finding.range.end);
            let command = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let code = finding.rule.code();
            writeln!(
                out,
                "::{command} title={},file={path},line={},col={},endLine={},endColumn={}::{}",
                escape_property(&format!("reflex-django-lsp ({code})")),
                start.row,
                start.column,
                end.row,
                end.column,
                escape_data(&format!("{code} {}", finding.message)),
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
