//! Diagnostics, pushed (`textDocument/publishDiagnostics`, stale results
//! dropped) or pulled (`textDocument/diagnostic`, with a refresh request
//! when the workspace changes, for clients that accept one).
//!
//! Only translates findings into reports: no rule logic, no analysis of its
//! own (it asks `analysis`).

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::conversions::to_diagnostic;
use super::session::{ServerHandle, State};

impl ServerHandle {
    pub(super) async fn publish(&self, uri: Uri) {
        // Before the workspace load, results would lack the models (fewer
        // findings, then more): the load publishes every open document.
        if self.lock().pull || !*self.loaded.borrow() {
            return;
        }
        let stamp = |st: &State| st.docs.get(&uri).map(|d| (d.version, d.opened, st.generation));
        let Some(before) = stamp(&self.lock()) else {
            return;
        };
        let encoding = self.lock().encoding;
        let Some(analysis) = self.analyse(&uri, None).await else {
            return;
        };
        // Stale results are never published: a newer version of the document,
        // or of the workspace (files loaded, settings), supersedes them.
        if stamp(&self.lock()) != Some(before) {
            return;
        }
        let diagnostics = analysis
            .findings
            .iter()
            .map(|f| to_diagnostic(&analysis, f, encoding))
            .collect();
        self.client.publish_diagnostics(uri, diagnostics, Some(before.0)).await;
    }

    /// Brings every open document's diagnostics up to date: pushes them, or
    /// asks a pulling client to pull again.
    pub(super) async fn publish_all(&self) {
        let (pull, refresh) = {
            let st = self.lock();
            (st.pull, st.refresh)
        };
        if pull {
            if refresh {
                // Detached: the client's answer must not hold up this handler.
                let client = self.client.clone();
                tokio::spawn(async move {
                    let _ = client.workspace_diagnostic_refresh().await;
                });
            }
            return;
        }
        let uris: Vec<Uri> = self.lock().docs.keys().cloned().collect();
        for uri in uris {
            self.publish(uri).await;
        }
    }

    /// `textDocument/diagnostic`: the document's findings, or "unchanged".
    pub(super) async fn diagnostic(&self, params: DocumentDiagnosticParams) -> Result<DocumentDiagnosticReportResult> {
        self.ready().await;
        let encoding = self.lock().encoding;
        let items = match self.analyse(&params.text_document.uri, None).await {
            Some(a) => a.findings.iter().map(|f| to_diagnostic(&a, f, encoding)).collect(),
            None => Vec::new(),
        };
        // The result id is the items' own hash: a pull that finds what the
        // client already shows answers "unchanged", and the client leaves its
        // markers alone (VS Code re-runs its code action requests for a file
        // whose markers are set, even to the same items).
        let result_id = diagnostics_id(&items);
        if params.previous_result_id.as_deref() == Some(result_id.as_str()) {
            return Ok(DocumentDiagnosticReportResult::Report(
                DocumentDiagnosticReport::Unchanged(RelatedUnchangedDocumentDiagnosticReport {
                    related_documents: None,
                    unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport { result_id },
                }),
            ));
        }
        Ok(DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Full(
            RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: Some(result_id),
                    items,
                },
            },
        )))
    }
}

/// A pull report's result id: a hash of its items (the same items, the same
/// id, in this process and the next).
fn diagnostics_id(items: &[Diagnostic]) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    serde_json::to_string(items).unwrap_or_default().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}
