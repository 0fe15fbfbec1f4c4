//! The analysis core's entry point: (workspace index, file) → findings.
//! `check` and `server` both call [`check_file`]; neither holds rule logic.

use crate::diagnostic::Finding;
use crate::index::{FileId, WorkspaceIndex};
use crate::rules::{Rule, RuleSet};

/// What the caller decided for this file (from configuration).
#[derive(Debug, Clone)]
pub struct AnalysisOptions {
    pub rules: RuleSet,
    /// How many sync helper calls RDJ107 follows (config `follow-calls-depth`).
    pub follow_calls_depth: u32,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions { rules: RuleSet::all(), follow_calls_depth: 3 }
    }
}

/// All findings for one file, sorted by position, with `# noqa` applied.
/// Severity is each rule's default; configuration may override it after.
pub fn check_file(index: &WorkspaceIndex, file: FileId, options: &AnalysisOptions) -> Vec<Finding> {
    let entry = index.file(file);
    if let Some(err) = &entry.decode_error {
        if options.rules.contains(Rule::RDJ000) {
            return vec![Finding::new(Rule::RDJ000, format!("cannot read source: {err}"), 0..0)];
        }
        return Vec::new();
    }
    Vec::new()
}
