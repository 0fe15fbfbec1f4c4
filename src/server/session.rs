//! The server's session: what it knows between requests — the open
//! documents (ropes, versions, the entry last analysed of each), the
//! settings (the editor's and the config files', as one resolver), the
//! workspace's files as on disk and their [`Layout`], the client's
//! capabilities — and the [`Snapshot`] an analysis takes of it under the
//! lock. It also reports problems in the settings to the user.
//!
//! It may not analyse (that is `analysis`) nor answer a request: handlers
//! change the session and ask for analyses.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use ropey::Rope;
use tower_lsp_server::ls_types::{MessageType, Uri};
use tower_lsp_server::Client;

use super::position::Encoding;
use crate::config::editor::editor_settings;
use crate::config::settings::{CliOverrides, SettingsResolver};
use crate::config::ConfigResolver;
use crate::diagnostic::Finding;
use crate::index::{module_names, FileEntry, FileMaps};

/// An open document as the client last sent it.
pub(super) struct Document {
    pub(super) rope: Rope,
    pub(super) version: i32,
    /// Which `didOpen` this is (unique): a document closed and opened again
    /// starts its versions anew, and results for the earlier text must not
    /// be taken for the new one's.
    pub(super) opened: u64,
    /// The entry (text, tree, summary) last analysed and the version it is
    /// of: unchanged documents reuse it, edited ones re-parse from its tree.
    pub(super) last: Option<(i32, Arc<FileEntry>)>,
}

/// What the server knows between requests, behind one lock ([`ServerHandle::lock`]).
pub(super) struct State {
    /// `server --config FILE`: that file for every file, else discovery.
    pub(super) config_file: Option<PathBuf>,
    /// Counts `didOpen`s (see [`Document::opened`]).
    pub(super) opens: u64,
    /// The editor's settings as last sent, read again when the workspace
    /// folders change (their globs are anchored at the first folder).
    pub(super) settings: Option<serde_json::Value>,
    /// The workspace folders (or the root URI of a client without folders).
    pub(super) roots: Vec<PathBuf>,
    /// The client registers file watchers on request.
    pub(super) can_watch: bool,
    /// Problems in the settings of `initializationOptions`, shown once the
    /// client may be told (after `initialized`).
    pub(super) settings_problems: Vec<String>,
    pub(super) encoding: Encoding,
    /// The workspace's files as on disk (parsed lazily, shared by generations).
    pub(super) disk: HashMap<PathBuf, Arc<FileEntry>>,
    /// `disk` laid out for indexes, built on first use after `disk` changes.
    pub(super) layout: Option<Arc<Layout>>,
    pub(super) docs: HashMap<Uri, Document>,
    /// The client's settings (kept to rebuild the resolver when configs change).
    pub(super) overrides: CliOverrides,
    pub(super) resolver: Arc<SettingsResolver>,
    /// Bumped when the workspace files, the settings or the text of an open
    /// document change: a result computed before that is stale even for an
    /// unchanged document (another one's unsaved text may be its models).
    pub(super) generation: u64,
    /// The client pulls diagnostics (`textDocument/diagnostic`, offered only
    /// to clients that accept refresh requests): pushing them too would show
    /// every finding twice (clients keep pulled and pushed ones apart).
    pub(super) pull: bool,
    /// The client accepts `workspace/diagnostic/refresh`, sent instead of
    /// pushing when the workspace or the settings change.
    pub(super) refresh: bool,
    /// Schema findings (RDJ5xx) per file, as of the files last saved:
    /// computed in the background (they may need the database).
    pub(super) schema: Arc<HashMap<PathBuf, Vec<Finding>>>,
    /// A schema run is under way; `schema_again` asks it to run once more
    /// (something changed while it ran).
    pub(super) schema_running: bool,
    pub(super) schema_again: bool,
}

/// The disk files in a fixed order with their look-up maps: each analysis
/// puts the open documents into their files' slots and reuses the maps
/// instead of building them for thousands of files per keystroke.
pub(super) struct Layout {
    pub(super) files: Vec<Arc<FileEntry>>,
    pub(super) slot: HashMap<PathBuf, usize>,
    pub(super) maps: Arc<FileMaps>,
}

impl State {
    /// The disk files' layout, built now if they changed since the last one.
    pub(super) fn layout(&mut self) -> Arc<Layout> {
        match &self.layout {
            Some(l) => l.clone(),
            None => {
                let l = Arc::new(Layout::new(&self.disk));
                self.layout = Some(l.clone());
                l
            }
        }
    }
}

impl Layout {
    fn new(disk: &HashMap<PathBuf, Arc<FileEntry>>) -> Layout {
        let mut files: Vec<Arc<FileEntry>> = disk.values().cloned().collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let slot = files.iter().enumerate().map(|(i, f)| (f.path.clone(), i)).collect();
        let maps = Arc::new(FileMaps::build(&files));
        Layout { files, slot, maps }
    }
}

/// What the server's handlers share; cheap to clone into detached tasks
/// (the debounced publishing).
#[derive(Clone)]
pub(super) struct ServerHandle {
    pub(super) client: Client,
    state: Arc<Mutex<State>>,
    /// Becomes true once the workspace's files are loaded (`initialized`).
    pub(super) loaded: Arc<tokio::sync::watch::Sender<bool>>,
    /// `shutdown` came before `exit` (else the exit code is 1, as LSP says).
    pub(super) shut_down: Arc<AtomicBool>,
}

/// An entry an analysis built for an open document: which document (its
/// URI and `didOpen`), which version.
pub(super) type Built = (Uri, u64, i32, Arc<FileEntry>);

/// An open document as an analysis sees it.
pub(super) struct OpenDoc {
    pub(super) uri: Uri,
    pub(super) opened: u64,
    pub(super) path: PathBuf,
    /// `None` for a hypothetical text (a fix being tried), never kept.
    pub(super) version: Option<i32>,
    /// The text, unless `last` is already of this version.
    pub(super) text: Option<String>,
    /// The client's text starts with U+FEFF.
    pub(super) bom: bool,
    pub(super) last: Option<(i32, Arc<FileEntry>)>,
}

/// Everything an analysis needs, taken under the lock and used without it.
pub(super) struct Snapshot {
    pub(super) generation: u64,
    pub(super) roots: Vec<PathBuf>,
    pub(super) layout: Arc<Layout>,
    pub(super) open: Vec<OpenDoc>,
    pub(super) resolver: Arc<SettingsResolver>,
    pub(super) schema: Arc<HashMap<PathBuf, Vec<Finding>>>,
}

impl ServerHandle {
    pub(super) fn new(client: Client, shut_down: Arc<AtomicBool>, config_file: Option<PathBuf>) -> ServerHandle {
        let resolver = Arc::new(SettingsResolver::new(configs(&config_file), CliOverrides::default()));
        let state = State {
            config_file,
            opens: 0,
            settings: None,
            roots: Vec::new(),
            can_watch: false,
            settings_problems: Vec::new(),
            encoding: Encoding::Utf16,
            disk: HashMap::new(),
            layout: None,
            docs: HashMap::new(),
            overrides: CliOverrides::default(),
            resolver,
            generation: 0,
            pull: false,
            refresh: false,
            schema: Arc::new(HashMap::new()),
            schema_running: false,
            schema_again: false,
        };
        ServerHandle {
            client,
            state: Arc::new(Mutex::new(state)),
            loaded: Arc::new(tokio::sync::watch::channel(false).0),
            shut_down,
        }
    }

    /// Waits (boundedly) for the workspace load: a request answered before it
    /// would see no models, so a pull would return too few findings and a
    /// client that asked once would keep them.
    pub(super) async fn ready(&self) {
        let mut loaded = self.loaded.subscribe();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(30), loaded.wait_for(|l| *l)).await;
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn snapshot(&self, replace: Option<(&Path, String)>) -> Snapshot {
        let mut st = self.lock();
        let mut open: Vec<OpenDoc> = Vec::with_capacity(st.docs.len());
        for (uri, d) in &st.docs {
            let Some(path) = uri.to_file_path().map(|p| p.into_owned()) else {
                continue;
            };
            let (version, text) = match replace.as_ref() {
                Some((p, text)) if *p == path => (None, Some(text.clone())),
                _ => {
                    let current = d.last.as_ref().is_some_and(|(v, _)| *v == d.version);
                    (Some(d.version), (!current).then(|| d.rope.to_string()))
                }
            };
            open.push(OpenDoc {
                uri: uri.clone(),
                opened: d.opened,
                path,
                version,
                text,
                bom: d.rope.get_char(0) == Some('\u{feff}'),
                last: d.last.clone(),
            });
        }
        let layout = st.layout();
        Snapshot {
            generation: st.generation,
            roots: st.roots.clone(),
            layout,
            open,
            resolver: st.resolver.clone(),
            schema: st.schema.clone(),
        }
    }

    /// Keeps the entries an analysis built for open documents still at
    /// their version, for the next analysis to reuse, unless the workspace
    /// changed meanwhile (new folders rename modules: such entries are stale).
    /// Returns the entries they replace.
    pub(super) fn keep(&self, generation: u64, built: &[Built]) -> Vec<Arc<FileEntry>> {
        let mut st = self.lock();
        let mut replaced = Vec::new();
        if st.generation != generation {
            return replaced;
        }
        for (uri, opened, version, entry) in built {
            if let Some(doc) = st.docs.get_mut(uri) {
                let newer = doc.last.as_ref().is_some_and(|(v, _)| v >= version);
                if doc.opened == *opened && doc.version == *version && !newer {
                    replaced.extend(doc.last.replace((*version, entry.clone())).map(|(_, e)| e));
                }
            }
        }
        replaced
    }

    /// Takes the editor's settings; returns what was wrong with them.
    pub(super) fn apply_settings(&self, value: &serde_json::Value) -> Vec<String> {
        let mut st = self.lock();
        st.settings = Some(value.clone());
        let anchor = st.roots.first().cloned().unwrap_or_default();
        let (editor, problems) = editor_settings(value, &anchor);
        let overrides = editor.overrides();
        st.resolver = Arc::new(SettingsResolver::new(configs(&st.config_file), overrides.clone()));
        st.overrides = overrides;
        st.generation += 1;
        problems
    }

    /// Tells the user what is wrong with the settings (never the values:
    /// a database URL may hold a password).
    pub(super) async fn report_settings(&self, problems: Vec<String>) {
        if problems.is_empty() {
            return;
        }
        for p in &problems {
            self.client
                .log_message(MessageType::WARNING, format!("reflex-django-lsp: {p}"))
                .await;
        }
        let summary = format!(
            "reflex-django-lsp: {} (see the output for all {} problems)",
            problems[0],
            problems.len()
        );
        self.client
            .show_message(
                MessageType::WARNING,
                if problems.len() == 1 {
                    problems[0].clone()
                } else {
                    summary
                },
            )
            .await;
    }

    /// Shows the first config file error met so far (a broken config file
    /// is read as no config, as `check` would refuse it): the user must know.
    pub(super) async fn report_config_errors(&self) {
        let (resolver, paths) = {
            let st = self.lock();
            let paths: Vec<PathBuf> = st
                .docs
                .keys()
                .filter_map(|u| u.to_file_path().map(|p| p.into_owned()))
                .collect();
            (st.resolver.clone(), paths)
        };
        for path in &paths {
            let _ = resolver.configs.for_file(path);
        }
        if let Some(e) = resolver.configs.take_error() {
            let message = format!("reflex-django-lsp: {e} (defaults apply until it is fixed)");
            self.client.log_message(MessageType::ERROR, message.clone()).await;
            self.client.show_message(MessageType::ERROR, message).await;
        }
    }
}

/// Config files: the one given with `--config` (checked at start), else
/// discovered per folder. Called again when config files change on disk;
/// if the `--config` file broke meanwhile, discovery stands in and the
/// error is recorded for [`ServerHandle::report_config_errors`].
pub(super) fn configs(config_file: &Option<PathBuf>) -> ConfigResolver {
    match config_file {
        Some(path) => ConfigResolver::fixed(path).unwrap_or_else(|e| {
            let fallback = ConfigResolver::discover();
            fallback.record_error(e);
            fallback
        }),
        None => ConfigResolver::discover(),
    }
}

/// The module names of a workspace file: from the innermost workspace
/// folder holding it, else from its own folder, up the packages on disk.
pub(super) fn module_names_of(roots: &[PathBuf], path: &Path) -> Vec<String> {
    let root = roots
        .iter()
        .filter(|r| path.starts_with(r))
        .max_by_key(|r| r.components().count())
        .cloned()
        .unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default());
    module_names(path, &root, |d| d.join("__init__.py").is_file())
}

/// A workspace file's entry from its bytes on disk.
pub(super) fn entry_from_disk(path: PathBuf, roots: &[PathBuf], bytes: Vec<u8>) -> Arc<FileEntry> {
    let modules = module_names_of(roots, &path);
    Arc::new(FileEntry::from_bytes(path, modules, bytes))
}
