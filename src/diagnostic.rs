//! What the analysis core produces: findings, the fixes attached to them,
//! and findings with the file they sit in (the schema checks', which may
//! report on any file of a project). Plain data: no I/O, no configuration.
//!
//! Ranges are byte offsets into the decoded source text; the CLI and the LSP
//! convert them to their own coordinates (`source::LineIndex`).

use std::ops::Range;
use std::path::PathBuf;

use crate::registry::Rule;
pub use crate::registry::Severity;

/// How sure a fix is to keep behaviour (ruff's model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown to the user, never applied automatically.
    DisplayOnly,
    /// Behaviour may differ in an edge case the fix message names.
    Unsafe,
    /// Same behaviour, guaranteed.
    Safe,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    pub message: String,
    pub edits: Vec<Edit>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub message: String,
    pub range: Range<usize>,
    /// The rule's default severity (or the case's, see [`FileFinding`]) until
    /// the configuration (`severity` table) is applied, then that.
    pub severity: Severity,
    pub fix: Option<Fix>,
}

impl Finding {
    pub fn new(rule: Rule, message: impl Into<String>, range: Range<usize>) -> Self {
        Finding {
            rule,
            message: message.into(),
            range,
            severity: rule.default_severity(),
            fix: None,
        }
    }

    pub fn with_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }
}

/// A finding with the file it sits in. The schema checks (RDJ5xx) report on
/// any file of a project (a model line, a migration, the settings module);
/// the front ends hand each to the file it names, where `# noqa`, selection
/// and severity settings apply as for any finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFinding {
    pub path: PathBuf,
    /// Its range is in the decoded text of `path`.
    pub finding: Finding,
    /// `finding.severity` was decided by the case (RDJ507: `error` for a NOT
    /// NULL column without a default; RDJ503's `info` notes), not taken from
    /// the rule's default: the configuration overrides it only where it
    /// changed the rule's severity.
    pub case_severity: bool,
}

impl FileFinding {
    pub fn new(path: PathBuf, finding: Finding) -> Self {
        FileFinding {
            path,
            finding,
            case_severity: false,
        }
    }

    /// The case decides the severity (see `case_severity`).
    pub fn with_case_severity(mut self, severity: Severity) -> Self {
        self.finding.severity = severity;
        self.case_severity = true;
        self
    }
}
