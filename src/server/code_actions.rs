//! `textDocument/codeAction`: a finding's fix as a quick fix, a `# noqa`
//! comment for its line, and fix-all (`source.fixAll.reflex-django-lsp`,
//! the fixes applied in passes as `check --fix` does).
//!
//! Only translates the findings' fixes into workspace edits: no rule logic,
//! and no fix of its own (the `# noqa` syntax is the checker's).

use std::collections::HashMap;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::analysis::Analysis;
use super::conversions::{text_edits, to_diagnostic};
use super::position::Encoding;
use super::session::Shared;
use crate::diagnostic::{Applicability, Finding};
use crate::fix::{self, FixMode};

/// The code action kind of fix-all.
pub(super) const FIX_ALL: &str = "source.fixAll.reflex-django-lsp";

impl Shared {
    pub(super) async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.ready().await;
        let uri = params.text_document.uri.clone();
        let encoding = self.lock().encoding;
        let Some(a) = self.analyse(&uri, None).await else {
            return Ok(None);
        };
        let wants = |kind: &str| {
            params
                .context
                .only
                .as_ref()
                .is_none_or(|only| only.iter().any(|k| kind.starts_with(k.as_str())))
        };
        let mut actions = Vec::new();
        if wants(CodeActionKind::QUICKFIX.as_str()) {
            for f in &a.findings {
                let diagnostic = to_diagnostic(&a, f, encoding);
                if !overlaps(&diagnostic.range, &params.range) {
                    continue;
                }
                if let Some(fix) = &f.fix {
                    let title = match fix.applicability {
                        Applicability::Safe => fix.message.clone(),
                        _ => format!("{} (unsafe)", fix.message),
                    };
                    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title,
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![diagnostic.clone()]),
                        edit: Some(WorkspaceEdit {
                            changes: Some(HashMap::from([(uri.clone(), text_edits(&a, fix, encoding))])),
                            ..Default::default()
                        }),
                        is_preferred: Some(fix.applicability == Applicability::Safe),
                        ..Default::default()
                    }));
                }
                let Some(noqa) = noqa_edit(&a, f, encoding) else {
                    continue;
                };
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: format!("Disable {} for this line", f.rule.code()),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostic]),
                    edit: Some(WorkspaceEdit {
                        changes: Some(HashMap::from([(uri.clone(), vec![noqa])])),
                        ..Default::default()
                    }),
                    ..Default::default()
                }));
            }
        }
        // Safe fixes, and unsafe ones too with `unsafeFixes` (as `check --fix`).
        let mode = match uri.to_file_path() {
            Some(path) if self.lock().resolver.for_file(&path).unsafe_fixes => FixMode::SafeAndUnsafe,
            _ => FixMode::Safe,
        };
        if wants(FIX_ALL)
            && a.findings
                .iter()
                .any(|f| f.fix.as_ref().is_some_and(|x| mode.allows(x.applicability)))
        {
            // In passes until nothing more applies.
            let mut text = a.text.to_string();
            for _ in 0..fix::MAX_PASSES {
                let Some(current) = self.analyse(&uri, Some(text.clone())).await else {
                    break;
                };
                match fix::pass(&current.text, &current.findings, mode) {
                    fix::Pass::Fixed(applied) => text = applied.text,
                    fix::Pass::Unchanged | fix::Pass::Dropped => break,
                }
            }
            if text != *a.text {
                // From after a byte order mark (the fixed text has none) to the end.
                let coordinates = a.coordinates(encoding);
                let whole = coordinates.range(&(0..a.text.len()));
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: match mode {
                        FixMode::Safe => "Fix all safely fixable reflex-django-lsp findings".to_owned(),
                        _ => "Fix all fixable reflex-django-lsp findings (unsafe fixes included)".to_owned(),
                    },
                    kind: Some(CodeActionKind::new(FIX_ALL)),
                    edit: Some(WorkspaceEdit {
                        changes: Some(HashMap::from([(uri.clone(), vec![TextEdit::new(whole, text)])])),
                        ..Default::default()
                    }),
                    ..Default::default()
                }));
            }
        }
        Ok(Some(actions))
    }
}

/// `# noqa: CODE` for the finding's line (added to an existing list); the
/// comment's syntax is the checker's (`checker::noqa`).
fn noqa_edit(a: &Analysis, f: &Finding, enc: Encoding) -> Option<TextEdit> {
    let line = a.lines.line_of(f.range.start);
    let range = a.lines.line_range(&a.text, line);
    let (at, insert) = crate::checker::noqa::add_code(&a.text[range.clone()], f.rule.code())?;
    let pos = a.coordinates(enc).position(range.start + at);
    Some(TextEdit::new(Range::new(pos, pos), insert))
}

fn overlaps(a: &Range, b: &Range) -> bool {
    !(a.end < b.start || b.end < a.start)
}
