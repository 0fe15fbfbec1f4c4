//! The workspace index: every Python file's summary, and what follows from
//! all of them together (models with fields and relations, managers, Reflex
//! states). Built once per `check` run; the language server keeps one and
//! rebuilds the derived tables when a file changes.
//!
//! Invariant: the index never does I/O. Callers hand it decoded files
//! (`FileEntry::new`), so `check` and `server` share it unchanged.

pub mod builtin;
pub mod models;
pub mod subclasses;
pub mod summary;
#[cfg(test)]
mod test_support;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, OnceLock, RwLock};

use rustc_hash::{FxHashMap, FxHashSet};
use tree_sitter::Tree;

pub use models::{FieldInfo, FieldKind, ModelId, ModelInfo, Relation};
use summary::{ClassSummary, FunctionSummary, ImportTarget, ModuleSummary};

use crate::source::{DecodeError, LineIndex};

pub type FileId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClassRef {
    pub file: FileId,
    pub index: usize,
}

/// A module-level function, or a method (`class` set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FuncRef {
    pub file: FileId,
    pub class: Option<usize>,
    pub index: usize,
}

/// What a name or dotted expression refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Symbol {
    Class(ClassRef),
    Function(FuncRef),
    Module(FileId),
    /// A module-level `NAME = value` in a workspace file.
    Assignment(FileId, usize),
    /// Something outside the workspace, by its qualified name.
    External(String),
    Unknown,
}

/// A file's syntax tree and summary, made on first use.
pub struct Parsed {
    pub tree: Tree,
    pub summary: ModuleSummary,
}

/// One Python file: decoded eagerly (cheap), parsed only when the checker or
/// name resolution needs it.
pub struct FileEntry {
    pub path: PathBuf,
    /// Dotted module names the file can be imported as (package-based first).
    pub modules: Vec<String>,
    pub package: String,
    pub text: Arc<str>,
    pub decode_error: Option<DecodeError>,
    /// In a `migrations` folder (never defines models; skipped by look-ups).
    pub in_migrations: bool,
    lines: OnceLock<LineIndex>,
    parsed: OnceLock<Option<Parsed>>,
    /// Why the text was not parsed, when tree-sitter could not take it.
    unparsable: OnceLock<crate::syntax::Unparsable>,
    facts: OnceLock<ByteFacts>,
    /// Answers of [`FileEntry::mentions`], by [`ByteTest`].
    byte_tests: [OnceLock<bool>; ByteTest::COUNT],
}

/// A byte-level test that a workspace-wide scan asks of every file on every
/// analysis (the language server builds an index per change): its answer
/// is kept on the file, so an edit re-tests only the edited document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteTest {
    /// `register_lifespan_task` (see [`WorkspaceIndex::is_lifespan_task`]).
    LifespanRegistration,
    /// What `checker::frameworks` looks for first: a GraphQL library and
    /// the names of its asynchronous execution.
    GraphqlAsyncServing,
    /// Then: a GraphQL library and resolver registration or sync execution.
    GraphqlRegistration,
}

impl ByteTest {
    const COUNT: usize = 3;
}

/// Files by module name and by path: the part of an index that depends only
/// on which files are where, not on their contents.
#[derive(Debug, Default)]
pub struct FileMaps {
    by_module: FxHashMap<String, Vec<FileId>>,
    by_path: FxHashMap<PathBuf, FileId>,
}

impl FileMaps {
    pub fn build(files: &[Arc<FileEntry>]) -> FileMaps {
        let mut maps = FileMaps::default();
        for (id, f) in files.iter().enumerate() {
            for m in &f.modules {
                maps.by_module.entry(m.clone()).or_default().push(id);
            }
            maps.by_path.insert(f.path.clone(), id);
        }
        maps
    }
}

/// What workspace-wide look-ups ask of every file's bytes, computed once per
/// file: an edited document gets a new entry, every other entry (and these
/// facts) is shared by the indexes the language server builds per analysis.
#[derive(Debug, Default)]
pub struct ByteFacts {
    /// `AUTH_USER_MODEL = …` (an assignment, not a mention).
    pub sets_auth_user_model: bool,
    /// A relation field call on an indented line (a model field, likely).
    pub declares_relation_field: bool,
    /// The names after each `class ` in the text.
    pub class_names: Vec<Box<str>>,
    /// String literals that template a reverse accessor name
    /// (`"%(app_label)s_%(class)s_items"`), in a file that declares
    /// relation fields: the accessors they make depend on the model.
    pub accessor_templates: Vec<Box<str>>,
}

/// Cheap byte-level test: can this file define or use anything we analyse?
/// Files that fail it are never parsed.
pub fn may_matter(bytes: &[u8]) -> bool {
    const NEEDLES: &[&[u8]] = &[
        b"async",
        b"django",
        b"reflex",
        b"models",
        b"objects",
        b"State",
        b"Model",
        b"Manager",
        b"QuerySet",
        b"AUTH_USER_MODEL",
    ];
    NEEDLES.iter().any(|n| memchr::memmem::find(bytes, n).is_some())
}

/// [`may_matter`] for a file at `path`: a package's `__init__.py` that
/// imports anything may re-export models (`from .product import Product`
/// in `shop/models/__init__.py`) without naming anything Django-like.
fn file_may_matter(path: &Path, bytes: &[u8]) -> bool {
    may_matter(bytes)
        || (path.file_stem().is_some_and(|s| s == "__init__") && memchr::memmem::find(bytes, b"import").is_some())
}

/// Can this file have findings of its own? Only code that runs on the event
/// loop (`async def`), Reflex states and start-up modules are ever reported,
/// so other files are parsed only if resolution reaches them.
///
/// A Reflex state class is recognised by a `State` among its bases
/// (`class CartState(rx.State)`, `class Admin(BaseState)`): a state whose
/// bases and module never say `State` or `reflex` is not checked for the
/// state rules (RDJ108, RDJ3xx, RDJ6xx).
pub fn may_have_findings(bytes: &[u8]) -> bool {
    let find = |n: &[u8]| memchr::memmem::find(bytes, n).is_some();
    if find(b"reflex") || has_async_def(bytes) {
        return true;
    }
    memchr::memmem::find_iter(bytes, b"class ").any(|at| {
        let line_start = bytes[..at]
            .iter()
            .rposition(|b| *b == b'\n' || *b == b'\r')
            .map_or(0, |i| i + 1);
        let indented_header = bytes[line_start..at].iter().all(|b| *b == b' ' || *b == b'\t');
        let header_end = bytes[at..]
            .iter()
            .position(|b| *b == b':' || *b == b'\n')
            .map_or(bytes.len(), |i| at + i);
        // The bases, not the name: `class WorkflowState(models.Model)` is no state.
        let header = &bytes[at..header_end];
        let bases = header
            .iter()
            .position(|b| *b == b'(')
            .map_or(&header[..0], |i| &header[i..]);
        indented_header && memchr::memmem::find(bases, b"State").is_some()
    })
}

/// `async def` (any whitespace between the words): only such files have
/// code that runs on the event loop.
fn has_async_def(bytes: &[u8]) -> bool {
    memchr::memmem::find_iter(bytes, b"async").any(|at| {
        let rest = &bytes[at + 5..];
        let ws = rest.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
        ws > 0 && rest[ws..].starts_with(b"def")
    })
}

#[cfg(test)]
mod gate_tests {
    use super::may_have_findings;

    #[test]
    fn files_that_can_have_findings() {
        assert!(may_have_findings(b"async def f(): pass"));
        assert!(may_have_findings(b"async  def f(): pass"));
        assert!(!may_have_findings(b"import asyncio\nasyncio.run(main())"));
        assert!(may_have_findings(b"import reflex as rx"));
        assert!(may_have_findings(b"class Cart(BaseState):\n    pass"));
        assert!(!may_have_findings(
            b"from django.db.migrations.state import ProjectState\nstate = ProjectState()"
        ));
        assert!(!may_have_findings(b"class Product(models.Model):\n    name = 1"));
        assert!(!may_have_findings(b"class WorkflowState(models.Model):\n    name = 1"));
    }
}

static EMPTY_SUMMARY: LazyLock<ModuleSummary> = LazyLock::new(ModuleSummary::default);

impl FileEntry {
    /// Decodes a file. `modules` are the names it can be imported as (see [`module_names`]).
    pub fn new(path: PathBuf, modules: Vec<String>, bytes: &[u8]) -> FileEntry {
        FileEntry::from_bytes(path, modules, bytes.to_vec())
    }

    /// Like [`FileEntry::new`], taking ownership of the bytes (no copy).
    pub fn from_bytes(path: PathBuf, modules: Vec<String>, bytes: Vec<u8>) -> FileEntry {
        let is_init = path.file_stem().is_some_and(|s| s == "__init__");
        let primary = modules.first().cloned().unwrap_or_default();
        let package = if is_init {
            primary.clone()
        } else {
            primary.rsplit_once('.').map(|(p, _)| p.to_owned()).unwrap_or_default()
        };
        let (text, decode_error) = match crate::source::decode_owned(bytes) {
            Ok(t) => (t, None),
            Err(e) => (String::new(), Some(e)),
        };
        let in_migrations = path
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|n| n == "migrations");
        FileEntry {
            in_migrations,
            path,
            modules,
            package,
            text: Arc::from(text),
            decode_error,
            lines: OnceLock::new(),
            parsed: OnceLock::new(),
            unparsable: OnceLock::new(),
            facts: OnceLock::new(),
            byte_tests: Default::default(),
        }
    }

    /// A new version of `previous` (an edited document): parsed now, reusing
    /// the previous tree where the texts agree (see [`crate::syntax::reparse`]).
    pub fn reparsed(path: PathBuf, modules: Vec<String>, bytes: Vec<u8>, previous: &FileEntry) -> FileEntry {
        let entry = FileEntry::from_bytes(path, modules, bytes);
        if let Some(old) = previous.parsed.get().and_then(Option::as_ref) {
            if entry.decode_error.is_none() && file_may_matter(&entry.path, entry.text.as_bytes()) {
                if let Some(tree) = crate::syntax::reparse(&previous.text, &old.tree, &entry.text) {
                    let summary = summary::summarize(&tree, &entry.text, &entry.package);
                    let _ = entry.parsed.set(Some(Parsed { tree, summary }));
                }
            }
        }
        entry
    }

    /// `test(text)`, computed on the first call for this `which` (a
    /// `which` must always be asked with the same `test`).
    pub fn mentions(&self, which: ByteTest, test: impl FnOnce(&[u8]) -> bool) -> bool {
        *self.byte_tests[which as usize].get_or_init(|| test(self.text.as_bytes()))
    }

    /// The file's [`ByteFacts`], computed on first use.
    pub fn facts(&self) -> &ByteFacts {
        self.facts.get_or_init(|| models::byte_facts(self.text.as_bytes()))
    }

    /// Line starts, computed on first use (only files with findings need them).
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    /// The tree and summary, parsing on first use (thread-safe).
    pub fn parsed(&self) -> Option<&Parsed> {
        self.parsed
            .get_or_init(|| {
                if self.decode_error.is_some() || !file_may_matter(&self.path, self.text.as_bytes()) {
                    return None;
                }
                let tree = match crate::syntax::parse_checked(&self.text) {
                    Ok(tree) => tree,
                    Err(why) => {
                        let _ = self.unparsable.set(why);
                        return None;
                    }
                };
                let summary = summary::summarize(&tree, &self.text, &self.package);
                Some(Parsed { tree, summary })
            })
            .as_ref()
    }

    /// Why the file has no tree although it was worth parsing (see
    /// [`crate::syntax::parse_checked`]); asks for the parse first.
    pub fn unparsable(&self) -> Option<&crate::syntax::Unparsable> {
        self.parsed();
        self.unparsable.get()
    }

    pub fn tree(&self) -> Option<&Tree> {
        self.parsed().map(|p| &p.tree)
    }

    pub fn summary(&self) -> &ModuleSummary {
        self.parsed().map(|p| &p.summary).unwrap_or(&EMPTY_SUMMARY)
    }

    /// Whether it was parsed (for statistics and tests of laziness).
    pub fn is_parsed(&self) -> bool {
        self.parsed.get().is_some_and(Option::is_some)
    }

    pub fn module(&self) -> &str {
        self.modules.first().map(String::as_str).unwrap_or("")
    }

    pub fn is_rxconfig(&self) -> bool {
        self.path.file_name().is_some_and(|n| n == "rxconfig.py")
    }
}

/// The dotted names a file can be imported as: by its package chain
/// (directories with `__init__.py`), and relative to the workspace root.
pub fn module_names(path: &Path, root: &Path, has_init: impl Fn(&Path) -> bool) -> Vec<String> {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let mut names = Vec::new();
    let mut parts = if stem == "__init__" {
        Vec::new()
    } else {
        vec![stem.to_owned()]
    };
    let mut dir = path.parent();
    while let Some(d) = dir {
        if !has_init(d) {
            break;
        }
        match d.file_name().and_then(|n| n.to_str()) {
            Some(n) => parts.push(n.to_owned()),
            None => break,
        }
        dir = d.parent();
    }
    parts.reverse();
    if !parts.is_empty() {
        names.push(parts.join("."));
    }
    // The root-relative name is wrong when the root lies inside a package
    // (checking `pkg/sub/`): it would make `pkg/sub/django/` the module `django`.
    let root_inside_package = dir.is_some_and(|top| root != top && root.starts_with(top));
    if root_inside_package {
        return names;
    }
    if let Ok(rel) = path.strip_prefix(root) {
        let mut comps: Vec<String> = rel
            .components()
            .filter_map(|c| c.as_os_str().to_str().map(str::to_owned))
            .collect();
        if let Some(last) = comps.pop() {
            let last = last.trim_end_matches(".py").to_owned();
            if last != "__init__" {
                comps.push(last);
            }
            let name = comps.join(".");
            if !name.is_empty() && !names.contains(&name) && comps.iter().all(|c| is_identifier(c)) {
                names.push(name);
            }
        }
    }
    names
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic()) && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// What a workspace class is, from its bases (transitively).
#[cfg(test)]
mod tests {
    use super::test_support::index_of;
    use super::{module_names, Symbol};
    use std::path::Path;

    #[test]
    fn external_bases_through_workspace_classes() {
        let index = index_of(&[
            (
                "mw.py",
                "from django.utils.deprecation import MiddlewareMixin as Mixin\n\
                 class Base(Mixin):\n    pass\n\
                 class Loop(Loop):\n    pass\n\
                 class Own(Loop, Base):\n    pass\n\
                 class Plain(object):\n    pass\n",
            ),
            // (Files that name nothing Django-like are never parsed.)
            (
                "other.py",
                "from mw import Own\nclass Far(Own):  # a django middleware\n    pass\n",
            ),
        ]);
        let class = |q: &str| match index.resolve_qualified(q) {
            Symbol::Class(c) => c,
            other => panic!("{q}: {other:?}"),
        };
        let is_mixin = |q: &str| q == "django.utils.deprecation.MiddlewareMixin";
        assert!(index.has_external_base(class("mw.Base"), is_mixin));
        // Through a cycle and another file's import, the base is still found.
        assert!(index.has_external_base(class("other.Far"), is_mixin));
        assert!(!index.has_external_base(class("mw.Plain"), is_mixin));
        assert!(!index.has_external_base(class("mw.Loop"), is_mixin));
    }

    #[test]
    fn module_names_by_package_and_root() {
        let inits = ["/p/shop", "/p/shop/states", "/p/lib/pkg", "/p/lib/pkg/django"];
        let has_init = |d: &Path| inits.iter().any(|i| Path::new(i) == d);
        let names = |f: &str, root: &str| module_names(Path::new(f), Path::new(root), has_init);
        assert_eq!(names("/p/shop/states/cart.py", "/p"), vec!["shop.states.cart"]);
        assert_eq!(names("/p/shop/__init__.py", "/p"), vec!["shop"]);
        // A namespace app (no __init__.py) is importable from the root.
        assert_eq!(names("/p/catalog/models.py", "/p"), vec!["models", "catalog.models"]);
        // Checking inside a package must not invent a top-level `django` module.
        assert_eq!(
            names("/p/lib/pkg/django/model.py", "/p/lib/pkg"),
            vec!["pkg.django.model"]
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassKind {
    Model(ModelId),
    State {
        model_state: bool,
    },
    Manager,
    QuerySet,
    Atomic,
    /// A subclass of asgiref's `SyncToAsync` (channels' `DatabaseSyncToAsync`,
    /// a project's own): calling it or decorating with it runs the function
    /// in a worker thread, as `sync_to_async` does.
    ThreadWrapper,
    Other,
}

/// Models known so far: built-in ones from the start, workspace and
/// installed-app models as resolution meets them.
#[derive(Default)]
pub(crate) struct Registry {
    pub models: Vec<Arc<ModelInfo>>,
    pub by_class: FxHashMap<ClassRef, ModelId>,
    pub by_qualname: FxHashMap<String, ModelId>,
    /// `(app_label, name)` look-ups already answered.
    pub by_label: FxHashMap<(String, String), Option<ModelId>>,
}

pub struct WorkspaceIndex {
    /// Shared between index generations (the language server rebuilds the
    /// index per change and keeps unchanged files, parses included).
    pub files: Vec<Arc<FileEntry>>,
    /// Module name → files (several when projects in one workspace share names).
    maps: Arc<FileMaps>,
    pub(crate) registry: RwLock<Registry>,
    class_kinds: RwLock<FxHashMap<ClassRef, ClassKind>>,
    /// For classes that are nothing we know: the unreadable bases behind
    /// them (see [`WorkspaceIndex::raw_kind_and_unreadable`]).
    unreadable_bases: RwLock<FxHashMap<ClassRef, Vec<String>>>,
    auth_user: OnceLock<Option<ModelId>>,
    /// Module-level functions passed to `app.register_lifespan_task(...)`
    /// anywhere in the workspace: (file, start of the `def`).
    lifespan_tasks: OnceLock<FxHashSet<(FileId, usize)>>,
    /// How the workspace executes its GraphQL schemas (`checker::frameworks`).
    pub(crate) graphql_serving: OnceLock<crate::checker::frameworks::GraphqlServing>,
    /// (settings file, middleware file) pairs where the settings' `MIDDLEWARE`
    /// names a middleware that replaces `request.user` (`checker`).
    pub(crate) user_replacing_middlewares: OnceLock<Vec<(FileId, FileId)>>,
    /// A stand-in model for `QuerySet` annotations without a type argument:
    /// a QuerySet of some model whose fields we do not know.
    pub any_model: ModelId,
    /// Function summaries, class attributes and module bindings computed
    /// by the checker, shared by every file checked against this index.
    pub summaries: crate::checker::summary_cache::SummaryCache,
    /// Workspace subclasses per class (`subclasses.rs`), computed on first use.
    subclass_map: subclasses::SubclassMap,
}

/// Packages whose behaviour is built-in knowledge (SPEC §4): names in them
/// resolve as external even when a copy of the package is in the workspace
/// (checking Django's own source, a vendored or stubbed `reflex`), so their
/// internals are never parsed or analysed as user code.
const FRAMEWORKS: &[&str] = &["django", "asgiref", "reflex", "reflex_django", "channels"];

fn is_framework(qualified: &str) -> bool {
    let top = qualified.split('.').next().unwrap_or(qualified);
    FRAMEWORKS.contains(&top)
}

/// Qualified names that make a class a Django model, and whether importing
/// them bootstraps Django (reflex_django's `Model` calls `configure_django()`).
fn external_model_root(q: &str) -> Option<bool> {
    match q {
        "django.db.models.Model" | "django.db.models.base.Model" => Some(false),
        "reflex_django.Model" | "reflex_django.django.Model" | "reflex_django.django.model.Model" => Some(true),
        _ => None,
    }
}

fn external_state_root(q: &str) -> Option<bool> {
    let (head, last) = (q.split('.').next()?, q.rsplit('.').next()?);
    if head != "reflex" && head != "reflex_django" {
        return None;
    }
    match last {
        "State" | "ComponentState" | "AppState" => Some(false),
        "ModelState" | "BaseModelState" => Some(true),
        _ => None,
    }
}

fn external_manager_root(q: &str) -> bool {
    matches!(
        q,
        "django.db.models.Manager"
            | "django.db.models.manager.Manager"
            | "django.db.models.manager.BaseManager"
            | "django.contrib.auth.models.UserManager"
            | "django.contrib.auth.base_user.BaseUserManager"
            | "django.contrib.auth.models.BaseUserManager"
    )
}

fn external_queryset_root(q: &str) -> bool {
    matches!(q, "django.db.models.QuerySet" | "django.db.models.query.QuerySet")
}

impl WorkspaceIndex {
    /// Builds the index. Nothing is parsed here: files are parsed when the
    /// checker or name resolution first needs them.
    pub fn new(files: Vec<FileEntry>) -> WorkspaceIndex {
        WorkspaceIndex::from_shared(files.into_iter().map(Arc::new).collect())
    }

    /// An index over files that other indexes may share.
    pub fn from_shared(files: Vec<Arc<FileEntry>>) -> WorkspaceIndex {
        let maps = Arc::new(FileMaps::build(&files));
        WorkspaceIndex::with_maps(files, maps)
    }

    /// An index over `files` with look-ups built earlier by [`FileMaps::build`]
    /// from files with the same paths and module names at the same positions
    /// (the language server swaps edited documents in place, keeping them).
    pub fn with_maps(files: Vec<Arc<FileEntry>>, maps: Arc<FileMaps>) -> WorkspaceIndex {
        debug_assert!(maps.by_path.len() <= files.len());
        let mut index = WorkspaceIndex {
            files,
            maps,
            registry: RwLock::new(Registry::default()),
            class_kinds: RwLock::new(FxHashMap::default()),
            unreadable_bases: RwLock::new(FxHashMap::default()),
            auth_user: OnceLock::new(),
            lifespan_tasks: OnceLock::new(),
            graphql_serving: OnceLock::new(),
            user_replacing_middlewares: OnceLock::new(),
            any_model: ModelId(0),
            summaries: Default::default(),
            subclass_map: Default::default(),
        };
        index.any_model = models::register_builtins(&index);
        index
    }

    pub fn file(&self, id: FileId) -> &FileEntry {
        &self.files[id]
    }

    pub fn file_by_path(&self, path: &Path) -> Option<FileId> {
        self.maps.by_path.get(path).copied()
    }

    pub fn module(&self, name: &str) -> Option<FileId> {
        self.maps.by_module.get(name).and_then(|v| v.first().copied())
    }

    /// The file named `name` nearest to `from` (longest common directory),
    /// so that two projects in one workspace can both have `catalog.models`.
    pub fn module_near(&self, name: &str, from: Option<FileId>) -> Option<FileId> {
        let files = self.maps.by_module.get(name)?;
        match (files.as_slice(), from) {
            ([only], _) => Some(*only),
            (_, None) => files.first().copied(),
            (_, Some(from)) => {
                let origin = &self.files[from].path;
                files.iter().copied().max_by_key(|f| {
                    let common = self.files[*f]
                        .path
                        .components()
                        .zip(origin.components())
                        .take_while(|(a, b)| a == b)
                        .count();
                    (common, std::cmp::Reverse(*f))
                })
            }
        }
    }

    pub fn class(&self, c: ClassRef) -> &ClassSummary {
        &self.files[c.file].summary().classes[c.index]
    }

    pub fn function(&self, f: FuncRef) -> &FunctionSummary {
        let s = self.files[f.file].summary();
        match f.class {
            Some(c) => &s.classes[c].methods[f.index],
            None => &s.functions[f.index],
        }
    }

    /// A model with its fields and managers computed.
    pub fn model(&self, id: ModelId) -> Arc<ModelInfo> {
        let m = self.model_identity(id);
        models::ensure_members(self, &m);
        m
    }

    /// What `name` is on an instance of `m`: a field, `<fk>_id`, `pk`, or a
    /// reverse relation (looked up lazily, by name).
    pub fn member<'m>(&self, m: &'m ModelInfo, name: &str) -> Option<models::Member<'m>> {
        m.own_member(name)
            .or_else(|| models::reverse_relation(self, m, name).map(models::Member::Reverse))
    }

    /// A model with its fields and managers (not its reverse relations).
    pub(crate) fn model_members(&self, id: ModelId) -> Arc<ModelInfo> {
        let m = self.model_identity(id);
        models::ensure_members(self, &m);
        m
    }

    pub(crate) fn model_identity(&self, id: ModelId) -> Arc<ModelInfo> {
        self.registry.read().unwrap().models[id.0 as usize].clone()
    }

    pub fn model_of_class(&self, c: ClassRef) -> Option<ModelId> {
        match self.class_kind(c) {
            ClassKind::Model(id) => Some(id),
            _ => None,
        }
    }

    /// A model by qualified name: built in, seen already, or a model of an
    /// installed app imported as `from shop.models import Product`.
    pub fn model_by_qualname(&self, q: &str) -> Option<ModelId> {
        if let Some(id) = self.registry.read().unwrap().by_qualname.get(q) {
            return Some(*id);
        }
        models::external_model(self, q)
    }

    /// The model a lazy reference names, as Django's app registry finds it
    /// (`apps.get_model("shop", "product")`, `ForeignKey("shop.Product")`):
    /// `app_label` is the app's label exactly, `model_name` in any letter
    /// case. Abstract models are not found.
    pub fn model_by_label(&self, app_label: &str, model_name: &str) -> Option<ModelId> {
        if app_label.is_empty() || model_name.is_empty() {
            return None;
        }
        models::find_model(self, app_label, model_name)
    }

    /// `"app_label.ModelName"` (one dot), as `apps.get_model("shop.Product")`
    /// and `AUTH_USER_MODEL` spell it.
    pub fn model_by_reference(&self, reference: &str) -> Option<ModelId> {
        let (app_label, model_name) = reference.split_once('.')?;
        if model_name.contains('.') {
            return None;
        }
        self.model_by_label(app_label, model_name)
    }

    /// A method of the workspace Manager/QuerySet classes behind `model`'s
    /// managers (`Product.objects.first_cheap()`): an ordinary function
    /// run with the manager as `self`.
    pub fn custom_manager_method(&self, model: ModelId, name: &str) -> Option<FuncRef> {
        let m = self.model(model);
        self.manager_class_method(&m.members().manager_classes, name)
    }

    /// A method `name` of the Manager/QuerySet `classes` or their workspace bases.
    pub fn manager_class_method(&self, classes: &[ClassRef], name: &str) -> Option<FuncRef> {
        models::methods_of_classes(self, classes)
            .into_iter()
            .find(|(c, i)| self.class(*c).methods[*i].name == name)
            .map(|(c, index)| FuncRef {
                file: c.file,
                class: Some(c.index),
                index,
            })
    }

    /// The methods of the Manager/QuerySet `classes` (and their workspace
    /// bases) that return a QuerySet (see `Members::queryset_methods`).
    pub fn queryset_methods_of(&self, classes: &[ClassRef]) -> Vec<String> {
        models::queryset_methods_of_classes(self, classes)
    }

    /// `settings.AUTH_USER_MODEL` (read statically), else `auth.User`.
    pub fn auth_user(&self) -> Option<ModelId> {
        *self.auth_user.get_or_init(|| models::auth_user_model(self))
    }

    /// Models defined in one file.
    pub fn models_in(&self, file: FileId) -> Vec<ModelId> {
        (0..self.files[file].summary().classes.len())
            .filter_map(|index| self.model_of_class(ClassRef { file, index }))
            .collect()
    }

    /// What a class is; computed on first use (may parse the modules of its bases).
    pub fn class_kind(&self, c: ClassRef) -> ClassKind {
        if let Some(k) = self.class_kinds.read().unwrap().get(&c) {
            return *k;
        }
        let (kind, unreadable) = self.raw_kind_and_unreadable(c, &mut FxHashSet::default(), 0);
        if !unreadable.is_empty() {
            self.unreadable_bases.write().unwrap().entry(c).or_insert(unreadable);
        }
        let kind = match kind {
            Some(RawKind::Model { bootstraps }) => {
                ClassKind::Model(models::register_workspace_model(self, c, bootstraps))
            }
            Some(RawKind::State { model_state }) => ClassKind::State { model_state },
            Some(RawKind::Manager) => ClassKind::Manager,
            Some(RawKind::QuerySet) => ClassKind::QuerySet,
            Some(RawKind::Atomic) => ClassKind::Atomic,
            Some(RawKind::ThreadWrapper) => ClassKind::ThreadWrapper,
            None => ClassKind::Other,
        };
        *self.class_kinds.write().unwrap().entry(c).or_insert(kind)
    }

    /// Is the function defined at `def_start` in `file` registered as a
    /// Reflex lifespan task by a call `app.register_lifespan_task(f)` in
    /// some workspace file? (The decorator form is seen on the definition.)
    pub fn is_lifespan_task(&self, file: FileId, def_start: usize) -> bool {
        self.lifespan_tasks
            .get_or_init(|| self.find_lifespan_tasks())
            .contains(&(file, def_start))
    }

    /// Does `file` define a function some workspace file registers as a
    /// lifespan task (so it has code on the loop without saying `reflex`)?
    pub fn defines_lifespan_task(&self, file: FileId) -> bool {
        self.lifespan_tasks
            .get_or_init(|| self.find_lifespan_tasks())
            .iter()
            .any(|&(f, _)| f == file)
    }

    fn find_lifespan_tasks(&self) -> FxHashSet<(FileId, usize)> {
        const METHOD: &str = "register_lifespan_task";
        let mut out = FxHashSet::default();
        for file in 0..self.files.len() {
            let entry = &self.files[file];
            if !entry.mentions(ByteTest::LifespanRegistration, |text| {
                memchr::memmem::find(text, METHOD.as_bytes()).is_some()
            }) {
                continue;
            }
            let Some(tree) = entry.tree() else { continue };
            let src: &str = &entry.text;
            let mut stack = vec![tree.root_node()];
            while let Some(node) = stack.pop() {
                let mut cursor = node.walk();
                stack.extend(node.named_children(&mut cursor));
                if node.kind() != "call" {
                    continue;
                }
                let registers = crate::syntax::field(node, "function").is_some_and(|f| {
                    f.kind() == "attribute"
                        && crate::syntax::field(f, "attribute").is_some_and(|a| crate::syntax::text(a, src) == METHOD)
                });
                let task = crate::syntax::field(node, "arguments").and_then(|a| a.named_child(0));
                let Some(task) = task.filter(|_| registers) else {
                    continue;
                };
                let Some(name) = crate::syntax::dotted(task, src) else {
                    continue;
                };
                if let Symbol::Function(f) = self.resolve_dotted(file, &name, None) {
                    if f.class.is_none() {
                        out.insert((f.file, self.function(f).range.start));
                    }
                }
            }
        }
        out
    }

    /// Does this state class inherit reflex-django's `AuthBridgeMixin`
    /// (`AppState`, `ModelState`, `DjangoUserState`, …), whose `session`
    /// property is a `SessionProxy`: setting or deleting a key calls the
    /// sync `session.save()` (reflex_django/state/auth_bridge.py)?
    pub fn has_session_proxy(&self, c: ClassRef) -> bool {
        self.inherits_session_proxy(c, &mut FxHashSet::default(), 0)
    }

    fn inherits_session_proxy(&self, c: ClassRef, visiting: &mut FxHashSet<ClassRef>, depth: u32) -> bool {
        if depth > 32 || !visiting.insert(c) {
            return false;
        }
        self.class(c)
            .bases
            .iter()
            .any(|base| match self.resolve_dotted(c.file, base, None) {
                Symbol::Class(b) => self.inherits_session_proxy(b, visiting, depth + 1),
                Symbol::External(q) => {
                    q.starts_with("reflex_django.")
                        && matches!(
                            q.rsplit('.').next(),
                            Some("AppState" | "ModelState" | "DjangoUserState" | "DjangoAuthState" | "AuthBridgeMixin")
                        )
                }
                _ => false,
            })
    }

    /// How many files were parsed (laziness shows in this number).
    pub fn parsed_count(&self) -> usize {
        self.files.iter().filter(|f| f.is_parsed()).count()
    }

    /// Resolves a name as seen at `scope` (a function's start byte, for
    /// function-local imports) in `file`.
    pub fn resolve_name(&self, file: FileId, name: &str, scope: Option<usize>) -> Symbol {
        self.resolve_name_depth(file, name, scope, &Fuel::new())
    }

    fn resolve_name_depth(&self, file: FileId, name: &str, scope: Option<usize>, fuel: &Fuel) -> Symbol {
        if !fuel.burn() {
            return Symbol::Unknown;
        }
        let s = self.files[file].summary();
        if let Some(scope) = scope {
            if let Some(b) = s
                .imports
                .iter()
                .rev()
                .find(|b| b.scope == Some(scope) && b.local == name)
            {
                return self.resolve_import(&b.target, file, fuel);
            }
        }
        // Module level: the last binding in source order wins.
        match s.binding(name) {
            Some(summary::TopLevel::Class(index)) => Symbol::Class(ClassRef { file, index }),
            Some(summary::TopLevel::Function(index)) => Symbol::Function(FuncRef {
                file,
                class: None,
                index,
            }),
            Some(summary::TopLevel::Assignment(i)) => Symbol::Assignment(file, i),
            Some(summary::TopLevel::Import(i)) => self.resolve_import(&s.imports[i].target, file, fuel),
            None => {
                for b in s.imports.iter().filter(|b| b.scope.is_none()) {
                    if let ImportTarget::Star { module } = &b.target {
                        if let Some(f) = self.module_near(module, Some(file)) {
                            if f != file && self.star_exports(f, name) {
                                let sym = self.resolve_name_depth(f, name, None, fuel);
                                if sym != Symbol::Unknown {
                                    return sym;
                                }
                            }
                        }
                    }
                }
                Symbol::Unknown
            }
        }
    }

    /// Does `from module import *` bind `name`? Python binds the names of
    /// the module's `__all__` when it is a literal list (or tuple) of
    /// strings, else every public name; an `__all__` built some other way
    /// (`[...] + other.__all__`) is taken to allow any name.
    fn star_exports(&self, module: FileId, name: &str) -> bool {
        let summary = self.files[module].summary();
        match summary.binding("__all__") {
            Some(summary::TopLevel::Assignment(i)) => match &summary.assignments[i].value {
                summary::Value::Strings(names) => names.iter().any(|(n, _)| n == name),
                _ => true,
            },
            Some(_) => true,
            None => !name.starts_with('_'),
        }
    }

    fn resolve_import(&self, target: &ImportTarget, from: FileId, fuel: &Fuel) -> Symbol {
        match target {
            ImportTarget::Module(m) if is_framework(m) => Symbol::External(m.clone()),
            ImportTarget::Module(m) => match self.module_near(m, Some(from)) {
                Some(f) => Symbol::Module(f),
                None => Symbol::External(m.clone()),
            },
            ImportTarget::Member { module, name } => {
                self.resolve_qualified_depth(&format!("{module}.{name}"), fuel, Some(from))
            }
            ImportTarget::Star { .. } => Symbol::Unknown,
        }
    }

    /// Resolves a fully qualified name such as `shop.models.Product`.
    pub fn resolve_qualified(&self, q: &str) -> Symbol {
        self.resolve_qualified_depth(q, &Fuel::new(), None)
    }

    /// Like [`Self::resolve_qualified`], preferring modules near `from`.
    pub fn resolve_qualified_from(&self, q: &str, from: FileId) -> Symbol {
        self.resolve_qualified_depth(q, &Fuel::new(), Some(from))
    }

    fn resolve_qualified_depth(&self, q: &str, fuel: &Fuel, from: Option<FileId>) -> Symbol {
        if is_framework(q) {
            return Symbol::External(q.to_owned());
        }
        if let Some(f) = self.module_near(q, from) {
            return Symbol::Module(f);
        }
        // The longest workspace-module prefix, then members from there.
        let parts: Vec<&str> = q.split('.').collect();
        for cut in (1..parts.len()).rev() {
            let prefix = parts[..cut].join(".");
            if let Some(f) = self.module_near(&prefix, from) {
                let mut sym = self.module_member(f, parts[cut], fuel);
                for attr in &parts[cut + 1..] {
                    sym = self.attribute(sym, attr, fuel);
                }
                return sym;
            }
        }
        Symbol::External(q.to_owned())
    }

    fn module_member(&self, module: FileId, name: &str, fuel: &Fuel) -> Symbol {
        match self.resolve_name_depth(module, name, None, fuel) {
            Symbol::Unknown => {
                let sub = format!("{}.{name}", self.files[module].module());
                match self.module_near(&sub, Some(module)) {
                    Some(f) => Symbol::Module(f),
                    None => Symbol::Unknown,
                }
            }
            sym => sym,
        }
    }

    fn attribute(&self, sym: Symbol, attr: &str, fuel: &Fuel) -> Symbol {
        match sym {
            Symbol::Module(f) => self.module_member(f, attr, fuel),
            Symbol::External(q) => Symbol::External(format!("{q}.{attr}")),
            _ => Symbol::Unknown,
        }
    }

    /// Resolves `a.b.c` as written in `file` at `scope`.
    pub fn resolve_dotted(&self, file: FileId, dotted: &str, scope: Option<usize>) -> Symbol {
        let mut parts = dotted.split('.');
        let Some(first) = parts.next() else {
            return Symbol::Unknown;
        };
        let fuel = Fuel::new();
        let mut sym = self.resolve_name_depth(file, first, scope, &fuel);
        for attr in parts {
            sym = self.attribute(sym, attr, &fuel);
        }
        sym
    }

    /// The qualified name of a resolved symbol, when it is outside the workspace.
    pub fn external_name(sym: &Symbol) -> Option<&str> {
        match sym {
            Symbol::External(q) => Some(q),
            _ => None,
        }
    }

    /// Whether `dotted` (in `file`) names the external `qualified`, e.g.
    /// `transaction.atomic` → `django.db.transaction.atomic`.
    pub fn is_external(&self, file: FileId, dotted: &str, scope: Option<usize>, qualified: &[&str]) -> bool {
        match self.resolve_dotted(file, dotted, scope) {
            Symbol::External(q) => qualified.contains(&q.as_str()),
            _ => false,
        }
    }

    /// The model a symbol denotes, if any (workspace class, contrib or external model).
    ///
    /// Aliases (`Product = models.Product`) are followed in a loop; one that
    /// comes back to an assignment already seen (`Product = Product`, or
    /// `a = b; b = a`, also across modules) denotes nothing.
    pub fn model_of_symbol(&self, sym: &Symbol) -> Option<ModelId> {
        let mut sym = sym.clone();
        let mut seen: Vec<(FileId, usize)> = Vec::new();
        loop {
            return match sym {
                Symbol::Class(c) => self.model_of_class(c),
                Symbol::External(q) => self.model_by_qualname(&q),
                Symbol::Assignment(f, i) => {
                    if seen.contains(&(f, i)) || seen.len() >= MAX_ALIAS_CHAIN {
                        return None;
                    }
                    seen.push((f, i));
                    let a = &self.files[f].summary().assignments[i];
                    match &a.value {
                        summary::Value::Call { callee, args, .. }
                            if callee.ends_with("get_user_model") && args.is_empty() =>
                        {
                            self.auth_user()
                        }
                        summary::Value::Name(n) => {
                            sym = self.resolve_dotted(f, n, None);
                            continue;
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
        }
    }

    /// Does `range` in `file` lie inside a class (for states' `self`)?
    pub fn class_at(&self, file: FileId, offset: usize) -> Option<ClassRef> {
        self.files[file]
            .summary()
            .classes
            .iter()
            .position(|c| c.range.start <= offset && offset < c.range.end)
            .map(|index| ClassRef { file, index })
    }

    /// Methods of a workspace class and its workspace bases, nearest first.
    pub fn find_method(&self, class: ClassRef, name: &str) -> Option<FuncRef> {
        self.nearest_in_class_chain(class, |c| {
            let cls = self.class(c);
            cls.methods.iter().rposition(|m| m.name == name).map(|i| FuncRef {
                file: c.file,
                class: Some(c.index),
                index: i,
            })
        })
    }

    /// The first answer `find` gives for a workspace class or its workspace
    /// bases, nearest first (each class asked once; an explicit stack, since
    /// class hierarchies are user input).
    pub fn nearest_in_class_chain<T>(&self, class: ClassRef, find: impl FnMut(ClassRef) -> Option<T>) -> Option<T> {
        self.search_class_chain(class, find, |_| None)
    }

    /// Whether a workspace class, or one of its workspace bases, names a
    /// base outside the workspace whose qualified name `is` accepts
    /// (`django.utils.deprecation.MiddlewareMixin`,
    /// `configurations.Configuration`).
    pub fn has_external_base(&self, class: ClassRef, is: impl Fn(&str) -> bool) -> bool {
        self.search_class_chain(class, |_| None, |qualname| is(qualname).then_some(()))
            .is_some()
    }

    /// The walk behind [`Self::nearest_in_class_chain`] and
    /// [`Self::has_external_base`]: `find` is asked of each workspace class,
    /// `external` of each base outside the workspace, as it is met (each
    /// base resolved once).
    fn search_class_chain<T>(
        &self,
        class: ClassRef,
        mut find: impl FnMut(ClassRef) -> Option<T>,
        mut external: impl FnMut(&str) -> Option<T>,
    ) -> Option<T> {
        let mut seen = FxHashSet::default();
        let mut stack = vec![class];
        while let Some(c) = stack.pop() {
            if !seen.insert(c) {
                continue;
            }
            if let Some(found) = find(c) {
                return Some(found);
            }
            for base in self.class(c).bases.iter().rev() {
                match self.resolve_dotted(c.file, base, None) {
                    Symbol::Class(b) => stack.push(b),
                    Symbol::External(qualname) => {
                        if let Some(found) = external(&qualname) {
                            return Some(found);
                        }
                    }
                    _ => {}
                }
            }
        }
        None
    }

    /// The byte range of a function's definition.
    pub fn function_range(&self, f: FuncRef) -> Range<usize> {
        self.function(f).range.clone()
    }

    /// Whether a workspace class is a model (and if so whether its chain
    /// includes reflex_django's bootstrapping `Model`), and for a class that is nothing we know, the
    /// bases outside the workspace we cannot read, reached from it through
    /// workspace classes that are nothing we know either (a
    /// `django_extensions.db.models.TimeStampedModel`, or a workspace
    /// `class Base(TimeStampedModel)` in between). Such a class is a model
    /// when it shows it itself ([`models::looks_like_model`]).
    fn raw_kind_and_unreadable(
        &self,
        c: ClassRef,
        visiting: &mut FxHashSet<ClassRef>,
        depth: u32,
    ) -> (Option<RawKind>, Vec<String>) {
        if let Some(k) = self.class_kinds.read().unwrap().get(&c).copied() {
            let kind = match k {
                ClassKind::Model(id) => Some(RawKind::Model {
                    bootstraps: self.model_identity(id).bootstraps,
                }),
                ClassKind::State { model_state } => Some(RawKind::State { model_state }),
                ClassKind::Manager => Some(RawKind::Manager),
                ClassKind::QuerySet => Some(RawKind::QuerySet),
                ClassKind::Atomic => Some(RawKind::Atomic),
                ClassKind::ThreadWrapper => Some(RawKind::ThreadWrapper),
                ClassKind::Other => None,
            };
            if kind.is_none() {
                if let Some(u) = self.unreadable_bases.read().unwrap().get(&c) {
                    return (None, u.clone());
                }
            }
            return (kind, Vec::new());
        }
        if depth > 32 || !visiting.insert(c) {
            return (None, Vec::new()); // inheritance cycle or absurd depth
        }
        // A workspace copy of a known base (a vendored or stubbed `reflex.State`,
        // Django's own `django.db.models.base.Model`) is that base.
        let name = &self.class(c).name;
        if let Some(kind) = self.files[c.file]
            .modules
            .iter()
            .find_map(|m| external_kind(&format!("{m}.{name}")))
        {
            return (Some(kind), Vec::new());
        }
        let mut result = None;
        let mut unreadable = Vec::new();
        for base in &self.class(c).bases {
            let kind = match self.resolve_dotted(c.file, base, None) {
                Symbol::Class(b) => {
                    let (kind, behind) = self.raw_kind_and_unreadable(b, visiting, depth + 1);
                    unreadable.extend(behind);
                    kind
                }
                Symbol::External(q) => {
                    let kind = external_kind(&q);
                    if kind.is_none() && is_unreadable_base(&q) {
                        unreadable.push(q);
                    }
                    kind
                }
                _ => None,
            };
            if let Some(k) = kind {
                result = Some(match (result, k) {
                    (Some(RawKind::Model { bootstraps: a }), RawKind::Model { bootstraps: b }) => {
                        RawKind::Model { bootstraps: a || b }
                    }
                    (Some(prev @ RawKind::Model { .. }), _) => prev,
                    (_, k) => k,
                });
            }
        }
        // `class ProductManager(models.Manager.from_queryset(ProductQuerySet))`
        if result.is_none() && !models::from_queryset_bases(self, c).is_empty() {
            result = Some(RawKind::Manager);
        }
        if result.is_none() && !unreadable.is_empty() && models::looks_like_model(self, c, &unreadable) {
            result = Some(RawKind::Model { bootstraps: false });
        }
        (result, if result.is_none() { unreadable } else { Vec::new() })
    }
}

/// The steps one name resolution may take: imports that import each other
/// (`from a import x` in `b`, `from b import x` in `a`) or star imports
/// fanning out through many modules end as `Unknown` instead of looping.
struct Fuel(std::cell::Cell<u32>);

impl Fuel {
    fn new() -> Fuel {
        Fuel(std::cell::Cell::new(256))
    }

    /// Takes one step; `false` once the budget is spent.
    fn burn(&self) -> bool {
        let left = self.0.get();
        self.0.set(left.saturating_sub(1));
        left > 0
    }
}

/// How many aliases (`A = B`) [`WorkspaceIndex::model_of_symbol`] follows.
const MAX_ALIAS_CHAIN: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawKind {
    Model { bootstraps: bool },
    State { model_state: bool },
    Manager,
    QuerySet,
    Atomic,
    ThreadWrapper,
}

/// A base class outside the workspace whose source we do not read and that
/// is none of the frameworks' classes we know (Django's own are all known:
/// a Django class that is no model, manager or QuerySet is no model).
fn is_unreadable_base(q: &str) -> bool {
    const NOT_MODELS: &[&str] = &[
        "builtins",
        "typing",
        "typing_extensions",
        "abc",
        "collections",
        "enum",
        "dataclasses",
        "object",
    ];
    let top = q.split('.').next().unwrap_or(q);
    !is_framework(q) && !NOT_MODELS.contains(&top) && external_kind(q).is_none()
}

fn external_kind(q: &str) -> Option<RawKind> {
    if let Some(bootstraps) = external_model_root(q) {
        return Some(RawKind::Model { bootstraps });
    }
    if builtin::is_contrib_model_base(q) {
        return Some(RawKind::Model { bootstraps: false });
    }
    if let Some(model_state) = external_state_root(q) {
        return Some(RawKind::State { model_state });
    }
    if external_manager_root(q) {
        return Some(RawKind::Manager);
    }
    if external_queryset_root(q) {
        return Some(RawKind::QuerySet);
    }
    if q == "django.db.transaction.Atomic" {
        return Some(RawKind::Atomic);
    }
    if matches!(q, "asgiref.sync.SyncToAsync" | "channels.db.DatabaseSyncToAsync") {
        return Some(RawKind::ThreadWrapper);
    }
    None
}
