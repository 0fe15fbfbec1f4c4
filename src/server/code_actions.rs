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
use super::session::ServerHandle;
use crate::diagnostic::{Applicability, Finding};
use crate::fix::{self, FixMode};

/// The code action kind of fix-all.
pub(super) const FIX_ALL: &str = "source.fixAll.reflex-django-lsp";

impl ServerHandle {
    pub(super) async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.ready().await;
        let uri = &params.text_document.uri;
        let encoding = self.lock().encoding;
        let Some(a) = self.analyse(uri, None).await else {
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
            actions.extend(quick_fixes(&a, uri, &params.range, encoding));
        }
        if wants(FIX_ALL) {
            actions.extend(self.fix_all(&a, uri, encoding).await);
        }
        Ok(Some(actions.into_iter().map(CodeActionOrCommand::CodeAction).collect()))
    }

    /// The document with every allowed fix applied, as one edit: safe fixes,
    /// and unsafe ones too with `unsafeFixes` (as `check --fix`), in passes
    /// until nothing more applies; `None` when nothing would change.
    async fn fix_all(&self, a: &Analysis, uri: &Uri, encoding: Encoding) -> Option<CodeAction> {
        let mode = match uri.to_file_path() {
            Some(path) if self.lock().resolver.for_file(&path).unsafe_fixes => FixMode::SafeAndUnsafe,
            _ => FixMode::Safe,
        };
        if !a
            .findings
            .iter()
            .any(|f| f.fix.as_ref().is_some_and(|x| mode.allows(x.applicability)))
        {
            return None;
        }
        let mut text = a.text.to_string();
        for _ in 0..fix::MAX_PASSES {
            let Some(current) = self.analyse(uri, Some(text.clone())).await else {
                break;
            };
            match fix::pass(&current.text, &current.findings, mode) {
                fix::Pass::Fixed(applied) => text = applied.text,
                fix::Pass::Unchanged | fix::Pass::Dropped => break,
            }
        }
        if text == *a.text {
            return None;
        }
        // From after a byte order mark (the fixed text has none) to the end.
        let whole = a.coordinates(encoding).range(&(0..a.text.len()));
        Some(CodeAction {
            title: match mode {
                FixMode::Safe => "Fix all safely fixable reflex-django-lsp findings".to_owned(),
                _ => "Fix all fixable reflex-django-lsp findings (unsafe fixes included)".to_owned(),
            },
            kind: Some(CodeActionKind::new(FIX_ALL)),
            edit: Some(edit_of(uri, vec![TextEdit::new(whole, text)])),
            ..Default::default()
        })
    }
}

/// For each finding in `range`: its fix, if it has one, and a `# noqa`
/// comment for its line.
fn quick_fixes(a: &Analysis, uri: &Uri, range: &Range, encoding: Encoding) -> Vec<CodeAction> {
    let mut actions = Vec::new();
    for f in &a.findings {
        let diagnostic = to_diagnostic(a, f, encoding);
        if !overlaps(&diagnostic.range, range) {
            continue;
        }
        if let Some(fix) = &f.fix {
            let title = match fix.applicability {
                Applicability::Safe => fix.message.clone(),
                _ => format!("{} (unsafe)", fix.message),
            };
            actions.push(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(edit_of(uri, text_edits(a, fix, encoding))),
                is_preferred: Some(fix.applicability == Applicability::Safe),
                ..Default::default()
            });
        }
        let Some(noqa) = noqa_edit(a, f, encoding) else {
            continue;
        };
        actions.push(CodeAction {
            title: format!("Disable {} for this line", f.rule.code()),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic]),
            edit: Some(edit_of(uri, vec![noqa])),
            ..Default::default()
        });
    }
    actions
}

/// A workspace edit of one document.
fn edit_of(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..Default::default()
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
