//! `textDocument/hover`: the documentation of the rule of the finding, or
//! of the `# noqa` code, under the cursor.
//!
//! Only translates: the text shown is the rule's own documentation.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::analysis::Analysis;
use super::session::ServerHandle;
use crate::registry::Rule;

impl ServerHandle {
    pub(super) async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.ready().await;
        let uri = params.text_document_position_params.text_document.uri;
        let encoding = self.lock().encoding;
        let Some(a) = self.analyse(&uri, None).await else {
            return Ok(None);
        };
        let at = a
            .coordinates(encoding)
            .offset(params.text_document_position_params.position);
        let rule = a
            .findings
            .iter()
            .find(|f| f.range.start <= at && at <= f.range.end)
            .map(|f| f.rule)
            .or_else(|| noqa_code_at(&a, at));
        Ok(rule.map(|rule| Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: format!("**{}** `{}`\n\n{}", rule.code(), rule.name(), rule.documentation()),
            }),
            range: None,
        }))
    }
}

/// The rule code under the cursor inside a `# noqa: …` comment.
fn noqa_code_at(a: &Analysis, at: usize) -> Option<Rule> {
    let line = a.lines.line_of(at);
    let range = a.lines.line_range(&a.text, line);
    let text = a.text.get(range.clone())?;
    let noqa = text.find("noqa")?;
    let rel = at.checked_sub(range.start)?;
    if rel < noqa {
        return None;
    }
    // Codes are ASCII: the run of ASCII alphanumeric bytes around the cursor
    // (never a byte of a wider character) ends on character boundaries.
    let (before, after) = (text.get(..rel)?, text.get(rel..)?);
    let start = rel - before.bytes().rev().take_while(u8::is_ascii_alphanumeric).count();
    let end = rel + after.bytes().take_while(u8::is_ascii_alphanumeric).count();
    Rule::from_code(text.get(start..end)?)
}
