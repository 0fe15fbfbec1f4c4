//! Lifecycle: `initialize` (the client's capabilities in, ours out),
//! `initialized` (the workspace load, file watchers) and `shutdown`.
//!
//! Only negotiates and starts: no analysis of its own, no rule logic.

use std::path::PathBuf;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::code_actions::FIX_ALL;
use super::position::Encoding;
use super::session::ServerHandle;

impl ServerHandle {
    pub(super) async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let utf8 = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|encs| encs.contains(&PositionEncodingKind::UTF8));
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        #[allow(deprecated)]
        if roots.is_empty() {
            roots.extend(
                params
                    .root_uri
                    .as_ref()
                    .and_then(|u| u.to_file_path().map(|p| p.into_owned())),
            );
        }
        {
            let mut st = self.lock();
            st.roots = roots;
            st.can_watch = params
                .capabilities
                .workspace
                .as_ref()
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false);
            st.encoding = if utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
            // Pull only with clients that can be told to pull again: a change
            // in another file (a model) must reach every open document. Others
            // (Neovim 0.10/0.11 pull only on their own edits) are pushed to,
            // and not offered pulls, so nothing shows twice.
            let caps = &params.capabilities;
            let refresh = caps
                .workspace
                .as_ref()
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(false);
            st.pull = refresh && caps.text_document.as_ref().is_some_and(|t| t.diagnostic.is_some());
            st.refresh = refresh;
        }
        if let Some(options) = &params.initialization_options {
            let problems = self.apply_settings(options);
            self.lock().settings_problems = problems;
        }
        let pull = self.lock().pull;
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(if utf8 {
                    PositionEncodingKind::UTF8
                } else {
                    PositionEncodingKind::UTF16
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..Default::default()
                })),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                    code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, CodeActionKind::new(FIX_ALL)]),
                    ..Default::default()
                })),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                diagnostic_provider: pull.then(|| {
                    DiagnosticServerCapabilities::Options(DiagnosticOptions {
                        identifier: Some("reflex-django-lsp".to_owned()),
                        inter_file_dependencies: true,
                        workspace_diagnostics: false,
                        ..Default::default()
                    })
                }),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "reflex-django-lsp".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
            offset_encoding: None,
        })
    }

    pub(super) async fn initialized(&self) {
        let problems = std::mem::take(&mut self.lock().settings_problems);
        self.report_settings(problems).await;
        self.load_workspace().await;
        if !self.lock().can_watch {
            return;
        }
        // Python files and config files changed outside the editor.
        let watchers: Vec<FileSystemWatcher> = [
            "**/*.py",
            "**/pyproject.toml",
            "**/reflex-django-lsp.toml",
            "**/.reflex-django-lsp.toml",
        ]
        .into_iter()
        .map(|glob| FileSystemWatcher {
            glob_pattern: GlobPattern::String(glob.to_owned()),
            kind: None,
        })
        .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = Registration {
            id: "reflex-django-lsp-watch".to_owned(),
            method: "workspace/didChangeWatchedFiles".to_owned(),
            register_options: serde_json::to_value(options).ok(),
        };
        // Detached: an `exit` must not wait for the client's answer.
        let client = self.client.clone();
        tokio::spawn(async move {
            let _ = client.register_capability(vec![registration]).await;
        });
    }

    pub(super) async fn shutdown(&self) -> Result<()> {
        self.shut_down.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}
