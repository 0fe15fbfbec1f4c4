//! `reflex-django-lsp server`: the language server over stdio (SPEC §5).
//!
//! This module starts the server ([`run`] with its own [`ServerOptions`]:
//! it knows nothing of the command line) and routes each LSP method to the
//! file of its group; it holds no state and does no analysis itself.
//!
//! The layer only translates: documents and positions in, findings and
//! fixes out. Each analysis builds a `WorkspaceIndex` generation from the
//! cached files of the workspace (shared, so their parses are reused) plus
//! the open documents, and calls the same `check_file` as `check`.
//!
//! - `session`: the server's state (open documents, settings, the
//!   workspace's files) and the snapshots analyses take of it;
//! - `analysis`: a snapshot in, findings out (the shared analysis core);
//! - `lifecycle`, `sync`, `diagnostics`, `code_actions`, `hover`,
//!   `workspace`: the handlers, one file per group of methods;
//! - `conversions`, `position`: our types ↔ LSP types;
//! - `frame`: the base protocol's framing of an untrusted client stream.

mod analysis;
mod code_actions;
mod conversions;
mod diagnostics;
mod frame;
mod hover;
mod lifecycle;
mod position;
mod session;
mod sync;
mod workspace;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{LanguageServer, LspService, Server};

use crate::config::ConfigResolver;
use session::ServerHandle;

/// How the server is started (the `server` command's flags).
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// One configuration file for every file instead of discovery (editor
    /// settings still apply over it).
    pub config: Option<PathBuf>,
    /// A message larger than this many bytes is answered with an error, unread.
    pub max_message_size: u64,
}

/// Runs the server until the client says `exit`; returns the exit code, or
/// why the server could not start.
pub fn run(options: ServerOptions) -> std::result::Result<i32, String> {
    let max_message_size = options.max_message_size;
    // A `--config` file that cannot be used stops the start, with its reason
    // on stderr (editors show it in the server's output).
    let config_file = match options.config {
        Some(path) => {
            let cwd = std::env::current_dir().unwrap_or_default();
            let path = crate::workspace::absolutize(&cwd, &path);
            ConfigResolver::fixed(&path).map_err(|e| e.to_string())?;
            Some(path)
        }
        None => None,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return Err(format!("cannot start the server: {e}")),
    };
    let shut_down = Arc::new(AtomicBool::new(false));
    runtime.block_on(async {
        let (service, socket) = LspService::new(|client| LspBackend {
            shared: ServerHandle::new(client, shut_down.clone(), config_file.clone()),
        });
        // tower-lsp-server stops reading after a frame it cannot decode; the
        // guard answers those itself and forwards only frames it takes.
        let (server_in, guard_out) = tokio::io::duplex(1 << 16);
        let (server_out, writer_in) = tokio::io::duplex(1 << 16);
        let (frames_tx, frames_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
        let guard = tokio::spawn(frame::guard_input(
            tokio::io::stdin(),
            guard_out,
            frames_tx.clone(),
            max_message_size,
        ));
        let collector = tokio::spawn(frame::collect_output(writer_in, frames_tx));
        let writer = tokio::spawn(frame::write_frames(frames_rx, tokio::io::stdout()));
        Server::new(server_in, server_out, socket).serve(service).await;
        // `exit`: stop reading stdin (its task holds a sender), let the
        // server's last frames through, and the writer ends once it has
        // written them all.
        guard.abort();
        let flushed = async {
            let _ = collector.await;
            let _ = writer.await;
        };
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), flushed).await;
    });
    // The stdin reader may still be blocked in a read: do not wait for it.
    runtime.shutdown_background();
    // LSP: `exit` without a `shutdown` first ends with code 1.
    Ok(if shut_down.load(Ordering::SeqCst) { 0 } else { 1 })
}

/// The LSP service: each method is handled by the file of its group.
struct LspBackend {
    shared: ServerHandle,
}

impl LanguageServer for LspBackend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        self.shared.initialize(params).await
    }

    async fn initialized(&self, _: InitializedParams) {
        self.shared.initialized().await
    }

    async fn shutdown(&self) -> Result<()> {
        self.shared.shutdown().await
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        self.shared.did_change_workspace_folders(params).await
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        self.shared.did_change_watched_files(params).await
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        self.shared.did_change_configuration(params).await
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        self.shared.did_open(params).await
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        self.shared.did_change(params).await
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        self.shared.did_save(params).await
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.shared.did_close(params).await
    }

    async fn diagnostic(&self, params: DocumentDiagnosticParams) -> Result<DocumentDiagnosticReportResult> {
        self.shared.diagnostic(params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.shared.code_action(params).await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.shared.hover(params).await
    }
}
