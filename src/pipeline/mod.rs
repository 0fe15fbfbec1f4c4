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

use crate::checker::AnalysisOptions;
use crate::config::Settings;
use crate::diagnostic::Finding;

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
