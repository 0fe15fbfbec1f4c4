//! `--output-format json` and `json-lines`: SPEC §2's shape, exactly.

use std::io::{self, Write};

use serde::Serialize;

use super::{FileReport, Report};
use crate::diagnostic::{Applicability, Finding};
use crate::source::Position;

#[derive(Serialize)]
pub struct JsonFinding<'a> {
    pub code: &'static str,
    pub name: &'static str,
    pub message: &'a str,
    pub severity: &'static str,
    pub filename: String,
    pub location: Position,
    pub end_location: Position,
    pub fix: Option<JsonFix<'a>>,
    pub noqa_row: usize,
    pub url: String,
}

#[derive(Serialize)]
pub struct JsonFix<'a> {
    pub applicability: Applicability,
    pub message: &'a str,
    pub edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
pub struct JsonEdit<'a> {
    pub content: &'a str,
    pub location: Position,
    pub end_location: Position,
}

pub fn to_json<'a>(file: &'a FileReport, finding: &'a Finding) -> JsonFinding<'a> {
    let location = file.position(finding.range.start);
    JsonFinding {
        code: finding.rule.code(),
        name: finding.rule.name(),
        message: &finding.message,
        severity: finding.severity.as_str(),
        filename: file.path.to_string_lossy().into_owned(),
        location,
        end_location: file.position(finding.range.end),
        fix: finding.fix.as_ref().map(|fix| JsonFix {
            applicability: fix.applicability,
            message: &fix.message,
            edits: fix
                .edits
                .iter()
                .map(|e| JsonEdit {
                    content: &e.content,
                    location: file.position(e.range.start),
                    end_location: file.position(e.range.end),
                })
                .collect(),
        }),
        noqa_row: location.row,
        url: finding.rule.url(),
    }
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let all: Vec<JsonFinding<'_>> = report.iter().map(|(f, x)| to_json(f, x)).collect();
    serde_json::to_writer_pretty(&mut *out, &all).map_err(io::Error::other)?;
    writeln!(out)
}

pub fn write_lines(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for (file, finding) in report.iter() {
        serde_json::to_writer(&mut *out, &to_json(file, finding)).map_err(io::Error::other)?;
        writeln!(out)?;
    }
    Ok(())
}
