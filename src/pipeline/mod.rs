//! What both front ends, `check` and `server`, do with one file's findings
//! around the analysis core, so that they report the same: the configured
//! rule selection and severities, and the schema findings (RDJ5xx, computed
//! for the whole workspace) merged into the file's own; and the schema
//! checks as the front ends run them (`schema.rs`: which projects, which
//! database, the findings handed to the files they sit on through the same
//! selection, `# noqa` and severities).
//!
//! No rule logic, nothing of the command line or the LSP; the one I/O is
//! the read-only database look of `schema.rs`.

pub mod schema;

use std::path::Path;

use crate::checker::AnalysisOptions;
use crate::config::Settings;
use crate::diagnostic::Finding;
use crate::index::{FileId, WorkspaceIndex};

/// One file's own findings as a front end shows them: the analysis core
/// run with the options `settings` give `path` (its selected rules, with
/// the per-file ignores), `# noqa` applied, each at its configured severity.
pub fn file_findings(index: &WorkspaceIndex, file: FileId, settings: &Settings, path: &Path) -> Vec<Finding> {
    let options = settings.analysis_options(path);
    let mut findings = crate::checker::check_file(index, file, &options);
    apply_settings(&mut findings, settings, &options);
    findings
}

/// A file that could not be read: one RDJ000 finding (`message`) at the
/// file's start, if `settings` select RDJ000 for `path`.
pub fn unreadable_file_findings(settings: &Settings, path: &Path, message: String) -> Vec<Finding> {
    let options = settings.analysis_options(path);
    let mut findings = vec![Finding::new(crate::registry::Rule::RDJ000, message, 0..0)];
    apply_settings(&mut findings, settings, &options);
    findings
}

/// Keeps the findings of the rules `options` selects (taken from
/// `settings` for this file), each at the severity `settings` give its rule.
pub fn apply_settings(findings: &mut Vec<Finding>, settings: &Settings, options: &AnalysisOptions) {
    findings.retain(|f| options.rules.contains(f.rule));
    for f in findings {
        f.severity = settings.severity_of(f.rule);
    }
}

/// Adds a file's schema findings to its own, in the report's order (by
/// range, then rule).
pub fn merge_schema_findings(findings: &mut Vec<Finding>, schema: &[Finding]) {
    findings.extend(schema.iter().cloned());
    findings.sort_by_key(|f| (f.range.start, f.range.end, f.rule));
}
