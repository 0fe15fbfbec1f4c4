//! The workspace index: every Python file's summary, and what follows from
//! all of them together (models with fields and relations, managers, Reflex
//! states). Built once per `check` run; the language server keeps one and
//! rebuilds the derived tables when a file changes.
//!
//! Invariant: the index never does I/O. Callers hand it decoded files
//! (`FileEntry::new`), so `check` and `server` share it unchanged.
//!
//! This file holds the shared handles (`ClassRef`, `FuncRef`, `Symbol`,
//! `ClassKind`) and the `WorkspaceIndex` with its file and model look-ups;
//! `files` holds one file's entry, `bytes` what its bytes say unparsed,
//! `resolve` name resolution, `classes` what a class is and its chain of
//! bases, `models` the model registry. Knows nothing of rules or of the LSP.

pub mod builtin;
mod bytes;
mod classes;
mod files;
pub mod models;
mod resolve;
pub mod subclasses;
pub mod summary;
#[cfg(test)]
mod test_support;

use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, OnceLock, RwLock};

use rustc_hash::{FxHashMap, FxHashSet};

pub use bytes::{may_have_findings, may_matter, ByteFacts};
pub use files::{module_names, ByteTest, FileEntry, FileMaps, Parsed};
pub use models::{FieldInfo, FieldKind, ModelId, ModelInfo, Relation};
use summary::{ClassSummary, FunctionSummary};

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

/// What a workspace class is, from its bases (transitively).
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
    /// (settings file, middleware file) pairs where the settings' `MIDDLEWARE`
    /// names a middleware that replaces `request.user` (`checker`).
    pub(crate) user_replacing_middlewares: OnceLock<Vec<(FileId, FileId)>>,
    /// A stand-in model for `QuerySet` annotations without a type argument:
    /// a QuerySet of some model whose fields we do not know.
    pub any_model: ModelId,
    /// What the checker derives from the whole index and shares between the
    /// files checked against it (function summaries, the workspace's GraphQL
    /// serving): kept here, typed by the checker (see [`Derived`]).
    pub derived: Derived,
    /// Workspace subclasses per class (`subclasses.rs`), computed on first use.
    subclass_map: subclasses::SubclassMap,
}

/// A value that a layer above the index (the checker) derives from it and
/// keeps for the index's lifetime. The index sits below the checker and does
/// not know the value's type: the one layer that fills the slot names it.
#[derive(Default)]
pub struct Derived(OnceLock<Box<dyn std::any::Any + Send + Sync>>);

impl Derived {
    /// The slot's value, made by `init` on first use. Asking with another type
    /// than the one the slot holds is a bug of the layer above; it gets a value
    /// of its own (never kept) rather than a crash.
    pub fn get_or_init<T: std::any::Any + Send + Sync>(&self, init: impl Fn() -> T) -> &T {
        let kept = self.0.get_or_init(|| Box::new(init())).downcast_ref::<T>();
        kept.unwrap_or_else(|| Box::leak(Box::new(init())))
    }
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "Derived(filled)"
        } else {
            "Derived(empty)"
        })
    }
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
            user_replacing_middlewares: OnceLock::new(),
            any_model: ModelId(0),
            derived: Derived::default(),
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

    /// Can `name` start a query lookup on `m` (`filter(name__…)`, a lookup
    /// path in `ordering` or `search_fields`)? A member, or a reverse relation
    /// by its query name: Django names a reverse relation in lookups by its
    /// `related_name` when one is set (then the accessor, found as a member),
    /// else by the declaring model's name in lower case (`order` for the
    /// accessor `order_set`). `None` when the workspace sets a
    /// `related_query_name` anywhere: those names are not looked up.
    ///
    /// The default accessor itself (`order_set`) is not a query name:
    /// `filter(order_set__note=…)` raises `FieldError`.
    pub fn starts_lookup(&self, m: &ModelInfo, name: &str) -> Option<bool> {
        let renames_queries = || {
            self.files
                .iter()
                .any(|f| !f.in_migrations && f.facts().names_related_queries)
        };
        match self.member(m, name) {
            Some(models::Member::Reverse(r)) if r.default_set_accessor => {
                // Only a `related_query_name` spelling it (or a template)
                // could make the accessor a query name too.
                let spelled = |f: &FileEntry| {
                    let text = f.text.as_bytes();
                    [name.as_bytes(), b"%("]
                        .iter()
                        .any(|n| memchr::memmem::find(text, n).is_some())
                };
                let maybe_query_name = self
                    .files
                    .iter()
                    .any(|f| !f.in_migrations && f.facts().names_related_queries && spelled(f));
                return (!maybe_query_name).then_some(false);
            }
            Some(_) => return Some(true),
            None => {}
        }
        if matches!(self.member(m, &format!("{name}_set")), Some(models::Member::Reverse(_))) {
            return Some(true);
        }
        (!renames_queries()).then_some(false)
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

    /// How many files were parsed (laziness shows in this number).
    pub fn parsed_count(&self) -> usize {
        self.files.iter().filter(|f| f.is_parsed()).count()
    }

    /// The byte range of a function's definition.
    pub fn function_range(&self, f: FuncRef) -> Range<usize> {
        self.function(f).range.clone()
    }
}
