//! `reflex-django-lsp server`: the language server over stdio (SPEC §5).
//!
//! This layer only translates: documents and positions in, findings and
//! fixes out. Each analysis builds a [`WorkspaceIndex`] generation from the
//! cached files of the workspace (shared, so their parses are reused) plus
//! the open documents, and calls the same [`check_file`] as `check`.

mod frame;
mod position;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ropey::Rope;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use crate::checker::check_file;
use crate::config::editor::editor_settings;
use crate::config::settings::{CliOverrides, SettingsResolver};
use crate::config::ConfigResolver;
use crate::diagnostic::{Applicability, Finding, Severity};
use crate::fix::{self, FixMode};
use crate::index::{module_names, FileEntry, FileMaps, WorkspaceIndex};
use crate::rules::Rule;
use crate::source::LineIndex;
use position::Encoding;

const FIX_ALL: &str = "source.fixAll.reflex-django-lsp";

/// Runs the server until the client says `exit`.
pub fn run(args: crate::cli::ServerArgs) -> std::result::Result<i32, crate::cli::Fatal> {
    let max_message_size = args.max_message_size;
    // A `--config` file that cannot be used stops the start, with its reason
    // on stderr (editors show it in the server's output).
    let config_file = match args.config {
        Some(path) => {
            let cwd = std::env::current_dir().unwrap_or_default();
            let path = crate::workspace::absolutize(&cwd, &path);
            ConfigResolver::fixed(&path).map_err(|e| crate::cli::Fatal(e.to_string()))?;
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
        Err(e) => return Err(crate::cli::Fatal(format!("cannot start the server: {e}"))),
    };
    let shut_down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    runtime.block_on(async {
        let (service, socket) = LspService::new(|client| Backend::new(client, shut_down.clone(), config_file.clone()));
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
    Ok(if shut_down.load(std::sync::atomic::Ordering::SeqCst) {
        0
    } else {
        1
    })
}

struct Document {
    rope: Rope,
    version: i32,
    /// Which `didOpen` this is (unique): a document closed and opened again
    /// starts its versions anew, and results for the earlier text must not
    /// be taken for the new one's.
    opened: u64,
    /// The entry (text, tree, summary) last analysed and the version it is
    /// of: unchanged documents reuse it, edited ones re-parse from its tree.
    last: Option<(i32, Arc<FileEntry>)>,
}

struct State {
    /// `server --config FILE`: that file for every file, else discovery.
    config_file: Option<PathBuf>,
    /// Counts `didOpen`s (see [`Document::opened`]).
    opens: u64,
    /// The editor's settings as last sent, read again when the workspace
    /// folders change (their globs are anchored at the first folder).
    settings: Option<serde_json::Value>,
    /// The workspace folders (or the root URI of a client without folders).
    roots: Vec<PathBuf>,
    /// The client registers file watchers on request.
    can_watch: bool,
    /// Problems in the settings of `initializationOptions`, shown once the
    /// client may be told (after `initialized`).
    settings_problems: Vec<String>,
    encoding: Encoding,
    /// The workspace's files as on disk (parsed lazily, shared by generations).
    disk: HashMap<PathBuf, Arc<FileEntry>>,
    /// `disk` laid out for indexes, built on first use after `disk` changes.
    layout: Option<Arc<Layout>>,
    docs: HashMap<Uri, Document>,
    /// The client's settings (kept to rebuild the resolver when configs change).
    overrides: CliOverrides,
    resolver: Arc<SettingsResolver>,
    /// Bumped when the workspace files, the settings or the text of an open
    /// document change: a result computed before that is stale even for an
    /// unchanged document (another one's unsaved text may be its models).
    generation: u64,
    /// The client pulls diagnostics (`textDocument/diagnostic`, offered only
    /// to clients that accept refresh requests): pushing them too would show
    /// every finding twice (clients keep pulled and pushed ones apart).
    pull: bool,
    /// The client accepts `workspace/diagnostic/refresh`, sent instead of
    /// pushing when the workspace or the settings change.
    refresh: bool,
    /// Schema findings (RDJ5xx) per file, as of the files last saved:
    /// computed in the background (they may need the database).
    schema: Arc<HashMap<PathBuf, Vec<Finding>>>,
    /// A schema run is under way; `schema_again` asks it to run once more
    /// (something changed while it ran).
    schema_running: bool,
    schema_again: bool,
}

/// The disk files in a fixed order with their look-up maps: each analysis
/// puts the open documents into their files' slots and reuses the maps
/// instead of building them for thousands of files per keystroke.
struct Layout {
    files: Vec<Arc<FileEntry>>,
    slot: HashMap<PathBuf, usize>,
    maps: Arc<FileMaps>,
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
pub struct Shared {
    client: Client,
    state: Arc<Mutex<State>>,
    /// Becomes true once the workspace's files are loaded (`initialized`).
    loaded: Arc<tokio::sync::watch::Sender<bool>>,
    /// `shutdown` came before `exit` (else the exit code is 1, as LSP says).
    shut_down: Arc<std::sync::atomic::AtomicBool>,
}

struct Backend {
    shared: Shared,
}

impl std::ops::Deref for Backend {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.shared
    }
}

/// What one analysis of one document found.
struct Analysis {
    text: Arc<str>,
    lines: LineIndex,
    /// The client's text starts with a byte order mark (see [`position::Coordinates`]).
    bom: bool,
    findings: Vec<Finding>,
    /// The entries built for open documents, by URI and version, to keep.
    built: Vec<Built>,
    /// The workspace generation the analysis saw.
    generation: u64,
    /// The index the analysis used, freed off the request's path.
    index: Option<WorkspaceIndex>,
}

impl Analysis {
    /// Converts between the text's byte offsets and the client's positions.
    fn coordinates(&self, enc: Encoding) -> position::Coordinates<'_> {
        position::Coordinates::new(&self.text, &self.lines, enc, self.bom)
    }
}

/// An entry an analysis built for an open document: which document (its
/// URI and `didOpen`), which version.
type Built = (Uri, u64, i32, Arc<FileEntry>);

/// An open document as an analysis sees it.
struct OpenDoc {
    uri: Uri,
    opened: u64,
    path: PathBuf,
    /// `None` for a hypothetical text (a fix being tried), never kept.
    version: Option<i32>,
    /// The text, unless `last` is already of this version.
    text: Option<String>,
    /// The client's text starts with U+FEFF.
    bom: bool,
    last: Option<(i32, Arc<FileEntry>)>,
}

/// Everything an analysis needs, taken under the lock and used without it.
struct Snapshot {
    generation: u64,
    roots: Vec<PathBuf>,
    layout: Arc<Layout>,
    open: Vec<OpenDoc>,
    resolver: Arc<SettingsResolver>,
    schema: Arc<HashMap<PathBuf, Vec<Finding>>>,
}

impl Backend {
    fn new(client: Client, shut_down: Arc<std::sync::atomic::AtomicBool>, config_file: Option<PathBuf>) -> Backend {
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
        Backend {
            shared: Shared {
                client,
                state: Arc::new(Mutex::new(state)),
                loaded: Arc::new(tokio::sync::watch::channel(false).0),
                shut_down,
            },
        }
    }
}

impl Shared {
    /// Waits (boundedly) for the workspace load: a request answered before it
    /// would see no models, so a pull would return too few findings and a
    /// client that asked once would keep them.
    async fn ready(&self) {
        let mut loaded = self.loaded.subscribe();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(30), loaded.wait_for(|l| *l)).await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn snapshot(&self, replace: Option<(&Path, String)>) -> Snapshot {
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
        let layout = match &st.layout {
            Some(l) => l.clone(),
            None => {
                let l = Arc::new(Layout::new(&st.disk));
                st.layout = Some(l.clone());
                l
            }
        };
        Snapshot {
            generation: st.generation,
            roots: st.roots.clone(),
            layout,
            open,
            resolver: st.resolver.clone(),
            schema: st.schema.clone(),
        }
    }

    /// Analyses `uri` off the async threads; a panic is logged, never fatal.
    async fn analyse(&self, uri: &Uri, replace: Option<String>) -> Option<Analysis> {
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

    /// Keeps the entries an analysis built for open documents still at
    /// their version, for the next analysis to reuse, unless the workspace
    /// changed meanwhile (new folders rename modules: such entries are stale).
    /// Returns the entries they replace.
    fn keep(&self, generation: u64, built: &[Built]) -> Vec<Arc<FileEntry>> {
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

    async fn publish(&self, uri: Uri) {
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
    async fn publish_all(&self) {
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

    /// Recomputes the schema findings in the background (static ones and,
    /// when a database is configured, the live ones: connecting may take up
    /// to the connect timeout, and no request waits for it), then publishes.
    /// Calls while a run is under way make it run once more.
    fn refresh_schema(&self) {
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
                    let layout = match &st.layout {
                        Some(l) => l.clone(),
                        None => {
                            let l = Arc::new(Layout::new(&st.disk));
                            st.layout = Some(l.clone());
                            l
                        }
                    };
                    (layout, st.resolver.clone())
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

    /// Takes the editor's settings; returns what was wrong with them.
    fn apply_settings(&self, value: &serde_json::Value) -> Vec<String> {
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
    async fn report_settings(&self, problems: Vec<String>) {
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
    async fn report_config_errors(&self) {
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

    /// Reads every workspace folder's Python files (open documents override
    /// them), then brings every open document's diagnostics up to date.
    async fn load_workspace(&self) {
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

/// Config files: the one given with `--config` (checked at start), else
/// discovered per folder. Called again when config files change on disk;
/// if the `--config` file broke meanwhile, discovery stands in and the
/// error is recorded for [`Shared::report_config_errors`].
fn configs(config_file: &Option<PathBuf>) -> ConfigResolver {
    match config_file {
        Some(path) => ConfigResolver::fixed(path).unwrap_or_else(|e| {
            let fallback = ConfigResolver::discover();
            fallback.record_error(e);
            fallback
        }),
        None => ConfigResolver::discover(),
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

/// The folder module names start from: the innermost workspace folder
/// holding the file, else the file's own folder.
fn module_root(roots: &[PathBuf], path: &Path) -> PathBuf {
    roots
        .iter()
        .filter(|r| path.starts_with(r))
        .max_by_key(|r| r.components().count())
        .cloned()
        .unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default())
}

fn entry_from_disk(path: PathBuf, roots: &[PathBuf], bytes: Vec<u8>) -> Arc<FileEntry> {
    let root = module_root(roots, &path);
    let modules = module_names(&path, &root, |d| d.join("__init__.py").is_file());
    Arc::new(FileEntry::from_bytes(path, modules, bytes))
}

/// A pull report's result id: a hash of its items (the same items, the same
/// id, in this process and the next).
fn diagnostics_id(items: &[Diagnostic]) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    serde_json::to_string(items).unwrap_or_default().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
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
                let root = module_root(&s.roots, &doc.path);
                let modules = module_names(&doc.path, &root, |d| d.join("__init__.py").is_file());
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
    let options = settings.analysis_options(path);
    let mut findings = check_file(&index, id, &options);
    findings.retain(|f| options.rules.contains(f.rule));
    for f in &mut findings {
        f.severity = settings.severity_of(f.rule);
    }
    let entry = index.file(id);
    // Schema findings are of the saved file: shown while the text is that.
    if let Some(schema) = s.schema.get(path) {
        let saved = s.layout.slot.get(path).map(|&i| &s.layout.files[i].text);
        if saved.is_some_and(|t| *t == entry.text) {
            findings.extend(schema.iter().cloned());
            findings.sort_by_key(|f| (f.range.start, f.range.end, f.rule));
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
    let db = crate::schema::runner::DatabaseArgs::new(None, false);
    let mut found = crate::schema::runner::findings(&index, resolver, &checked, &db).by_file;
    found.retain(|_, v| !v.is_empty());
    found
}

fn to_diagnostic(a: &Analysis, f: &Finding, enc: Encoding) -> Diagnostic {
    Diagnostic {
        range: a.coordinates(enc).range(&f.range),
        severity: Some(match f.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(f.rule.code().to_owned())),
        code_description: f.rule.url().parse().ok().map(|href| CodeDescription { href }),
        source: Some("reflex-django-lsp".to_owned()),
        message: f.message.clone(),
        ..Default::default()
    }
}

fn text_edits(a: &Analysis, fix: &crate::diagnostic::Fix, enc: Encoding) -> Vec<TextEdit> {
    let coordinates = a.coordinates(enc);
    fix.edits
        .iter()
        .map(|e| TextEdit::new(coordinates.range(&e.range), e.content.clone()))
        .collect()
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

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
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

    async fn initialized(&self, _: InitializedParams) {
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

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
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

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
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

    async fn shutdown(&self) -> Result<()> {
        self.shut_down.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
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

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
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
        let shared = self.shared.clone();
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

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
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

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
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

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let problems = self.apply_settings(&params.settings);
        self.report_settings(problems).await;
        self.publish_all().await;
        self.refresh_schema();
    }

    async fn diagnostic(&self, params: DocumentDiagnosticParams) -> Result<DocumentDiagnosticReportResult> {
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

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
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

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
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
