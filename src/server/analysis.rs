//! Analysis: a [`Snapshot`] of the session in, one document's findings out,
//! by the same driver as `check` (`pipeline::file_findings`, the schema runner),
//! run on the analysis pool off the async threads; and the background
//! refresh of the schema findings (RDJ5xx) of the workspace as saved.
//!
//! No rule logic here, and no LSP types beyond logging a failed analysis:
//! `conversions` turns findings into diagnostics and edits.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tower_lsp_server::ls_types::{MessageType, Uri};

use super::session::{module_names_of, Built, Layout, ServerHandle, Snapshot};
use crate::config::settings::SettingsResolver;
use crate::diagnostic::Finding;
use crate::index::{FileEntry, WorkspaceIndex};
use crate::pipeline;
use crate::source::LineIndex;

/// What one analysis of one document found.
pub(super) struct Analysis {
    pub(super) text: Arc<str>,
    pub(super) lines: LineIndex,
    /// The client's text starts with a byte order mark (see [`super::position::Coordinates`]).
    pub(super) bom: bool,
    pub(super) findings: Vec<Finding>,
    /// The entries built for open documents, by URI and version, to keep.
    pub(super) built: Vec<Built>,
    /// The workspace generation the analysis saw.
    pub(super) generation: u64,
    /// The index the analysis used, freed off the request's path.
    pub(super) index: Option<WorkspaceIndex>,
}

impl ServerHandle {
    /// Analyses `uri` off the async threads; a panic is logged, never fatal.
    pub(super) async fn analyse(&self, uri: &Uri, replace: Option<String>) -> Option<Analysis> {
        let path = uri.to_file_path()?.into_owned();
        let snapshot = self.snapshot(replace.map(|t| (path.as_path(), t)));
        let task_path = path.clone();
        // On the analysis pool itself (which the checker's parallel parts
        // use too): one thread hand-off less than a blocking task.
        let (tx, rx) = tokio::sync::oneshot::channel();
        rayon::spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| analyse(&snapshot, &task_path)));
            let _ = tx.send(result);
        });
        let why = match rx.await {
            Ok(Ok(result)) => {
                let mut a = result?;
                // Freeing an index and a replaced syntax tree takes a while:
                // not while the client waits for the diagnostics.
                let garbage = (a.index.take(), self.keep(a.generation, &a.built));
                rayon::spawn(move || drop(garbage));
                return Some(a);
            }
            Ok(Err(_)) => "internal error (a panic)",
            Err(_) => "cancelled",
        };
        self.client
            .log_message(
                MessageType::ERROR,
                format!("reflex-django-lsp: checking {} failed: {why}", path.display()),
            )
            .await;
        None
    }

    /// Recomputes the schema findings in the background (static ones and,
    /// when a database is configured, the live ones: connecting may take up
    /// to the connect timeout, and no request waits for it), then publishes.
    /// Calls while a run is under way make it run once more.
    pub(super) fn refresh_schema(&self) {
        {
            let mut st = self.lock();
            if st.schema_running {
                st.schema_again = true;
                return;
            }
            st.schema_running = true;
        }
        let shared = self.clone();
        tokio::spawn(async move {
            loop {
                let (layout, resolver) = {
                    let mut st = shared.lock();
                    st.schema_again = false;
                    (st.layout(), st.resolver.clone())
                };
                let computed = tokio::task::spawn_blocking(move || {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| schema_findings(&layout, &resolver)))
                })
                .await;
                let again = {
                    let mut st = shared.lock();
                    if let Ok(Ok(found)) = computed {
                        if *st.schema != found {
                            st.schema = Arc::new(found);
                            st.generation += 1;
                        }
                    }
                    if !st.schema_again {
                        st.schema_running = false;
                    }
                    st.schema_again
                };
                if !again {
                    break;
                }
            }
            shared.publish_all().await;
        });
    }
}

fn analyse(s: &Snapshot, path: &Path) -> Option<Analysis> {
    let mut files = s.layout.files.clone();
    let mut extra = Vec::new();
    let mut maps_fit = true;
    let mut built = Vec::new();
    for doc in &s.open {
        let entry = match (&doc.text, &doc.last) {
            (None, Some((_, last))) => last.clone(),
            (Some(text), last) => {
                let modules = module_names_of(&s.roots, &doc.path);
                let bytes = text.clone().into_bytes();
                let entry = Arc::new(match last {
                    Some((_, previous)) => FileEntry::reparsed(doc.path.clone(), modules, bytes, previous),
                    None => FileEntry::from_bytes(doc.path.clone(), modules, bytes),
                });
                if let Some(version) = doc.version {
                    built.push((doc.uri.clone(), doc.opened, version, entry.clone()));
                }
                entry
            }
            (None, None) => continue,
        };
        // An open document always replaces its file on disk; if its module
        // names differ from the disk copy's, the layout's maps do not fit.
        match s.layout.slot.get(&doc.path) {
            Some(&i) => {
                maps_fit &= files[i].modules == entry.modules;
                files[i] = entry;
            }
            None => extra.push(entry),
        }
    }
    let index = if extra.is_empty() && maps_fit {
        WorkspaceIndex::with_maps(files, s.layout.maps.clone())
    } else {
        // Unsaved new files, or other module names: look-ups of their own.
        files.extend(extra);
        WorkspaceIndex::from_shared(files)
    };
    let id = index.file_by_path(path)?;
    // Debug builds only: the tests' way to make an analysis panic (a file
    // containing the marker), to prove a panic is logged and survived.
    #[cfg(debug_assertions)]
    if let Some(marker) = std::env::var_os("REFLEX_DJANGO_LSP_TEST_PANIC") {
        let marker = marker.to_string_lossy().into_owned();
        if index.file(id).text.contains(&marker) {
            panic!("test panic: {marker}");
        }
    }
    let settings = s.resolver.for_file(path);
    let mut findings = pipeline::file_findings(&index, id, &settings, path);
    let entry = index.file(id);
    // Schema findings are of the saved file: shown while the text is that.
    if let Some(schema) = s.schema.get(path) {
        let saved = s.layout.slot.get(path).map(|&i| &s.layout.files[i].text);
        if saved.is_some_and(|t| *t == entry.text) {
            pipeline::merge_schema_findings(&mut findings, schema);
        }
    }
    let (text, lines) = (entry.text.clone(), entry.lines().clone());
    let bom = s.open.iter().any(|d| d.path == path && d.bom);
    Some(Analysis {
        text,
        lines,
        bom,
        findings,
        built,
        generation: s.generation,
        index: Some(index),
    })
}

/// The schema checks of every workspace file, as saved.
fn schema_findings(layout: &Layout, resolver: &SettingsResolver) -> HashMap<PathBuf, Vec<Finding>> {
    let index = WorkspaceIndex::with_maps(layout.files.clone(), layout.maps.clone());
    let checked: std::collections::BTreeSet<&Path> = layout.files.iter().map(|f| f.path.as_path()).collect();
    let db = crate::pipeline::schema::DatabaseArgs::new(None, false);
    let mut found = crate::pipeline::schema::findings(&index, resolver, &checked, &db).by_file;
    found.retain(|_, v| !v.is_empty());
    found
}
