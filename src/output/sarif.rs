//! `--output-format sarif`: SARIF 2.1.0, one run, every rule described in
//! `tool.driver.rules`, results located relative to the current directory.

use std::io::{self, Write};
use std::path::Path;

use serde_json::{json, Value};

use super::{FileReport, Report};
use crate::diagnostic::{Finding, Severity};
use crate::registry::Rule;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The first paragraph of a rule doc's "What it does" section, on one line.
pub fn short_description(rule: Rule) -> String {
    let doc = rule.doc();
    let body = doc.split("## What it does").nth(1).unwrap_or(doc);
    let mut para = Vec::new();
    for line in body.lines() {
        let line = line.trim();
        if line.starts_with("## ") || (line.is_empty() && !para.is_empty()) {
            break;
        }
        if !line.is_empty() {
            para.push(line);
        }
    }
    if para.is_empty() {
        rule.name().to_owned()
    } else {
        para.join(" ")
    }
}

/// Percent-encodes what may not appear in a URI path.
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b':'
            | b'@' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn file_uri(path: &Path) -> String {
    let p = path.to_string_lossy().replace('\\', "/");
    let p = if p.starts_with('/') { p } else { format!("/{p}") };
    format!("file://{}", encode_uri_path(&p))
}

/// `{"uri": …, "uriBaseId": "%SRCROOT%"}` when under the current directory,
/// else an absolute `file://` URI.
fn artifact_location(file: &FileReport, cwd: Option<&Path>) -> Value {
    if let Some(rel) = cwd.and_then(|c| file.path.strip_prefix(c).ok()) {
        let rel = rel.to_string_lossy().replace('\\', "/");
        json!({"uri": encode_uri_path(&rel), "uriBaseId": SRCROOT})
    } else {
        json!({"uri": file_uri(&file.path)})
    }
}

fn region(file: &FileReport, range: &std::ops::Range<usize>) -> Value {
    let start = file.position(range.start);
    let end = file.position(range.end);
    json!({
        "startLine": start.row,
        "startColumn": start.column,
        "endLine": end.row,
        "endColumn": end.column,
    })
}

fn result(file: &FileReport, finding: &Finding, cwd: Option<&Path>) -> Value {
    let location = artifact_location(file, cwd);
    let mut result = json!({
        "ruleId": finding.rule.code(),
        "ruleIndex": Rule::ALL.iter().position(|r| *r == finding.rule).unwrap_or(0),
        "level": level(finding.severity),
        "message": {"text": finding.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": location.clone(),
                "region": region(file, &finding.range),
            }
        }],
    });
    if let Some(fix) = &finding.fix {
        let replacements: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| json!({"deletedRegion": region(file, &e.range), "insertedContent": {"text": e.content}}))
            .collect();
        result["fixes"] = json!([{
            "description": {"text": fix.message},
            "artifactChanges": [{"artifactLocation": location, "replacements": replacements}],
        }]);
        result["properties"] = json!({"applicability": fix.applicability});
    }
    result
}

pub fn to_sarif(report: &Report) -> Value {
    let cwd = std::env::current_dir().ok();
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|r| {
            let doc = super::rule_doc(*r);
            json!({
                "id": r.code(),
                "name": r.name(),
                "shortDescription": {"text": short_description(*r)},
                "fullDescription": {"text": doc},
                "help": {"text": doc, "markdown": doc},
                "helpUri": r.url(),
                "defaultConfiguration": {"level": level(r.default_severity())},
            })
        })
        .collect();
    let results: Vec<Value> = report.iter().map(|(f, x)| result(f, x, cwd.as_deref())).collect();
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "reflex-django-lsp",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/reflex-django-lsp/reflex-django-lsp",
                "rules": rules,
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let Some(cwd) = &cwd {
        let mut base = file_uri(cwd);
        if !base.ends_with('/') {
            base.push('/');
        }
        run["originalUriBaseIds"] = json!({SRCROOT: {"uri": base}});
    }
    json!({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]})
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_sarif(report)).map_err(io::Error::other)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_descriptions_are_one_paragraph() {
        for r in Rule::ALL {
            let s = short_description(*r);
            assert!(
                !s.is_empty() && !s.contains('\n') && !s.contains("##"),
                "{}: {s}",
                r.code()
            );
        }
    }

    #[test]
    fn uris() {
        assert_eq!(encode_uri_path("a b/c%.py"), "a%20b/c%25.py");
        assert_eq!(file_uri(Path::new("/x y/z.py")), "file:///x%20y/z.py");
    }
}
