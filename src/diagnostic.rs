//! What the analysis core produces: findings, and the fixes attached to them.
//!
//! Ranges are byte offsets into the decoded source text; the CLI and the LSP
//! convert them to their own coordinates (`source::LineIndex`).

use std::ops::Range;

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
    /// The severity after configuration (`severity` table) was applied.
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
