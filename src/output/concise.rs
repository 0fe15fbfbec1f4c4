//! `--output-format concise`: `path:row:col: CODE message`, one per line.

use std::io::{self, Write};

use super::{write_summary, Report};

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for file in &report.files {
        let path = file.display();
        for finding in &file.findings {
            let pos = file.position(finding.range.start);
            writeln!(
                out,
                "{path}:{}:{}: {} {}",
                pos.row,
                pos.column,
                finding.rule.code(),
                one_line(&finding.message)
            )?;
        }
    }
    write_summary(report, out)
}

/// Messages are one line in line-oriented formats.
pub(crate) fn one_line(message: &str) -> String {
    if message.contains(['\n', '\r']) {
        message
            .split(['\n', '\r'])
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        message.to_owned()
    }
}
