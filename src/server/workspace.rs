//! Workspace notifications (`workspace/didChangeWorkspaceFolders`,
//! `didChangeWatchedFiles`, `didChangeConfiguration`) and the load of the
//! workspace folders' Python files they and `initialized` trigger.
//!
//! Only keeps the session up to date and asks for diagnostics: no analysis
//! of its own, no rule logic. Source files are found by `crate::workspace`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use tower_lsp_server::ls_types::*;

use super::session::{configs, entry_from_disk, ServerHandle};
use crate::config::settings::SettingsResolver;

impl ServerHandle {
    pub(super) async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        {
            let mut st = self.lock();
            let path = |f: &WorkspaceFolder| f.uri.to_file_path().map(|p| p.into_owned());
            let removed: Vec<PathBuf> = params.event.removed.iter().filter_map(path).collect();
            st.roots.retain(|r| !removed.contains(r));
            for added in params.event.added.iter().filter_map(path) {
                if !st.roots.contains(&added) {
                    st.roots.push(added);
                }
            }
            // Module names start from the folders: entries built before are stale.
            for doc in st.docs.values_mut() {
                doc.last = None;
            }
        }
        let settings = self.lock().settings.clone();
        if let Some(settings) = settings {
            let problems = self.apply_settings(&settings);
            self.report_settings(problems).await;
        }
        self.load_workspace().await;
    }

    pub(super) async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let mut config_changed = false;
        // A package appearing or going away renames modules of every file
        // under it: read the workspace again.
        let packages_changed = params.changes.iter().any(|c| {
            c.typ != FileChangeType::CHANGED
                && c.uri
                    .to_file_path()
                    .is_some_and(|p| p.file_name().is_some_and(|n| n == "__init__.py"))
        });
        {
            let mut st = self.lock();
            let roots = st.roots.clone();
            for change in params.changes {
                let Some(path) = change.uri.to_file_path().map(|p| p.into_owned()) else {
                    continue;
                };
                if path.extension().is_some_and(|e| e == "py") {
                    st.layout = None;
                    st.disk.remove(&path);
                    if change.typ != FileChangeType::DELETED {
                        if let Ok(bytes) = std::fs::read(&path) {
                            st.disk.insert(path.clone(), entry_from_disk(path, &roots, bytes));
                        }
                    }
                } else {
                    config_changed = true;
                }
            }
            if config_changed {
                // Re-read config files: a fresh resolver with the client's settings.
                let overrides = st.overrides.clone();
                st.resolver = Arc::new(SettingsResolver::new(configs(&st.config_file), overrides));
            }
            st.generation += 1;
        }
        if config_changed {
            self.report_config_errors().await;
        }
        if packages_changed {
            for doc in self.lock().docs.values_mut() {
                doc.last = None;
            }
            self.load_workspace().await; // publishes
            return;
        }
        self.publish_all().await;
        self.refresh_schema();
    }

    pub(super) async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let problems = self.apply_settings(&params.settings);
        self.report_settings(problems).await;
        self.publish_all().await;
        self.refresh_schema();
    }

    /// Reads every workspace folder's Python files (open documents override
    /// them), then brings every open document's diagnostics up to date.
    pub(super) async fn load_workspace(&self) {
        let (roots, resolver) = {
            let st = self.lock();
            (st.roots.clone(), st.resolver.clone())
        };
        let loaded = tokio::task::spawn_blocking(move || {
            let exclude: Arc<dyn crate::workspace::ExcludeFilter> = resolver;
            let mut disk = HashMap::new();
            for root in &roots {
                for p in crate::workspace::walk(root, exclude.clone()).files {
                    if disk.contains_key(&p) {
                        continue; // nested folders: read once
                    }
                    if let Ok(bytes) = std::fs::read(&p) {
                        disk.insert(p.clone(), entry_from_disk(p, &roots, bytes));
                    }
                }
            }
            disk
        })
        .await;
        if let Ok(disk) = loaded {
            let mut st = self.lock();
            st.disk = disk;
            st.layout = None;
            st.generation += 1;
        }
        self.loaded.send_replace(true);
        self.report_config_errors().await;
        self.publish_all().await;
        self.refresh_schema();
    }
}
