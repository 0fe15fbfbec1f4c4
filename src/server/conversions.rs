//! Our types → LSP types: findings as diagnostics, fixes as text edits,
//! byte offsets as positions of the negotiated encoding (via `position`).
//!
//! Only translates: no rule logic, no analysis, no state.

use tower_lsp_server::ls_types::*;

use super::analysis::Analysis;
use super::position::{self, Encoding};
use crate::diagnostic::{Finding, Severity};

impl Analysis {
    /// Converts between the text's byte offsets and the client's positions.
    pub(super) fn coordinates(&self, enc: Encoding) -> position::Coordinates<'_> {
        position::Coordinates::new(&self.text, &self.lines, enc, self.bom)
    }
}

pub(super) fn to_diagnostic(a: &Analysis, f: &Finding, enc: Encoding) -> Diagnostic {
    Diagnostic {
        range: a.coordinates(enc).range(&f.range),
        severity: Some(match f.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(f.rule.code().to_owned())),
        code_description: f.rule.url().parse().ok().map(|href| CodeDescription { href }),
        source: Some("reflex-django-lsp".to_owned()),
        message: f.message.clone(),
        ..Default::default()
    }
}

pub(super) fn text_edits(a: &Analysis, fix: &crate::diagnostic::Fix, enc: Encoding) -> Vec<TextEdit> {
    let coordinates = a.coordinates(enc);
    fix.edits
        .iter()
        .map(|e| TextEdit::new(coordinates.range(&e.range), e.content.clone()))
        .collect()
}
