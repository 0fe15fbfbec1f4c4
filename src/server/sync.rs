//! Text document synchronisation: `didOpen`, `didChange` (incremental, in
//! the negotiated encoding, analysed after a pause in typing), `didSave`
//! (the saved text becomes the disk copy) and `didClose`.
//!
//! Only keeps the session's documents up to date and asks for diagnostics:
//! no analysis of its own, no rule logic.

use ropey::Rope;
use tower_lsp_server::ls_types::*;

use super::position;
use super::session::{entry_from_disk, Document, ServerHandle};

impl ServerHandle {
    pub(super) async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let differs_from_disk = {
            let mut st = self.lock();
            let on_disk = doc
                .uri
                .to_file_path()
                .and_then(|p| st.disk.get(p.as_ref()).map(|e| *e.text == *doc.text));
            st.opens += 1;
            let opened = st.opens;
            let differs = on_disk != Some(true);
            if differs {
                st.generation += 1;
            }
            st.docs.insert(
                doc.uri.clone(),
                Document {
                    rope: Rope::from_str(&doc.text),
                    version: doc.version,
                    opened,
                    last: None,
                },
            );
            differs
        };
        // Unsaved text (say, a models file) may change what other open
        // documents find: bring them all up to date, not only this one.
        if differs_from_disk {
            self.publish_all().await;
        } else {
            self.publish(doc.uri).await;
        }
    }

    pub(super) async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        {
            let mut st = self.lock();
            let encoding = st.encoding;
            let Some(doc) = st.docs.get_mut(&uri) else { return }; // not open: ignore (as LSP says)
            for change in params.content_changes {
                match change.range {
                    None => doc.rope = Rope::from_str(&change.text),
                    Some(range) => {
                        let start = position::rope_char(&doc.rope, range.start, encoding);
                        let end = position::rope_char(&doc.rope, range.end, encoding).max(start);
                        doc.rope.remove(start..end);
                        doc.rope.insert(start, &change.text);
                    }
                }
            }
            doc.version = params.text_document.version;
            st.generation += 1;
        }
        // Debounce in a detached task (notifications are handled in order, so
        // waiting here would queue every later change): the newest version
        // wins, and a model change re-checks the other open documents.
        let version = params.text_document.version;
        let shared = self.clone();
        tokio::spawn(async move {
            let pause = debounce();
            if !pause.is_zero() {
                tokio::time::sleep(pause).await; // (a zero sleep would still wait for the timer's next tick)
            }
            if shared.lock().docs.get(&uri).map(|d| d.version) == Some(version) {
                shared.publish_all().await;
            }
        });
    }

    pub(super) async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        if let Some(path) = uri.to_file_path().map(|p| p.into_owned()) {
            // Saved content becomes the disk version other generations see.
            let mut st = self.lock();
            if let Some(text) = st.docs.get(&uri).map(|d| d.rope.to_string()) {
                let entry = entry_from_disk(path.clone(), &st.roots, text.into_bytes());
                st.layout = None;
                st.disk.insert(path, entry);
            }
        }
        self.publish_all().await;
        self.refresh_schema();
    }

    pub(super) async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let pull = {
            let mut st = self.lock();
            if st.docs.remove(&params.text_document.uri).is_some() {
                st.generation += 1;
            }
            st.pull
        };
        if !pull {
            self.client
                .publish_diagnostics(params.text_document.uri, Vec::new(), None)
                .await;
        }
        self.publish_all().await;
    }
}

/// How long typing must pause before an edit is analysed: 30 ms, or
/// `REFLEX_DJANGO_LSP_DEBOUNCE_MS` (benchmarks set 0 to time the analysis).
fn debounce() -> std::time::Duration {
    static MS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let ms = *MS.get_or_init(|| {
        std::env::var("REFLEX_DJANGO_LSP_DEBOUNCE_MS")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(30)
    });
    std::time::Duration::from_millis(ms)
}
