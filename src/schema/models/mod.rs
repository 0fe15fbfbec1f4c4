//! The models as declared: each installed app's models files read into the
//! state Django's `ModelState.from_model` would build — abstract bases'
//! fields copied in, the automatic primary key and multi-table parent links
//! added, relation targets as `"app.model"`, Meta options as written.
//!
//! Django's contrib models (`AbstractUser`, `auth.User`, …) are built-in
//! knowledge: `crate::knowledge::models`'s `contrib.py` is their declarations, read by
//! this same reader (`contrib.rs`).
//! A model whose declaration we cannot fully read (a base class or a class
//! attribute from a package outside the workspace) is `uncertain`: the
//! checks say nothing about it rather than guess.
//!
//! Here: the reader's entry, `read_models` (which classes are the apps'
//! models, which are uncertain), and the types its parts share. The parts:
//! `modules.rs` (the models modules and what they import), `class.rs` (one
//! class declaration), `constants.rs` (names a class body's values use),
//! `fields.rs` (field calls), `inheritance.rs` (a declaration made a
//! `ModelState`), `contrib.rs` (the contrib declarations parsed, and read
//! whole for the index's projection). Pure: it reads the workspace index (and the bundled
//! `contrib.py`) only, never a file nor the database, and never compares
//! states (that is `autodetect.rs`).

mod class;
mod constants;
mod contrib;
mod fields;
mod inheritance;
mod modules;
#[cfg(test)]
pub(crate) mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tree_sitter::Node;

use contrib::{CONTRIB, CONTRIB_AUTO_FIELD};
use modules::{call_bound_names, class_name, imported_classes, module_classes, package_modules_reached};

use super::state::{Field, ModelKey, Origin, ProjectState};
use crate::index::{FileId, WorkspaceIndex};
use crate::knowledge::models::contrib::CONTRIB_PY;
use crate::python::value::Value;
use crate::syntax::{field, named_children, text};

pub use class::simple_assignment;
pub use contrib::{contrib_declarations, ContribDeclaration};

/// One installed app whose models are read.
#[derive(Debug, Clone)]
pub struct AppSpec {
    pub label: String,
    /// The app's folder: models in any file below it belong to the app.
    pub dir: PathBuf,
    /// Its models files (`models.py`, or every module of a `models/` package).
    pub files: Vec<FileId>,
    /// The auto field for implicit primary keys, as a dotted path
    /// (`django.db.models.BigAutoField`), already resolved from the
    /// AppConfig, the settings and the Django version.
    pub default_auto_field: String,
}

/// What the models files declare.
#[derive(Debug, Clone, Default)]
pub struct Declared {
    /// Concrete, proxy and unmanaged models of the apps (not abstract ones),
    /// and the contrib models (their `origin` is `None`).
    pub state: ProjectState,
    /// Models we could not read fully (see the module comment).
    pub uncertain: BTreeSet<ModelKey>,
    /// Other class names in the apps' files (`app`, lowercase name): a
    /// migration's model of such a name may be defined where we did not
    /// look, so it is never reported as deleted.
    pub other_classes: BTreeSet<ModelKey>,
    /// Apps whose models hold an attribute that may add models when the
    /// class is built (`history = HistoricalRecords()` makes
    /// `HistoricalX` at run time): no model of theirs is reported deleted.
    pub dynamic_apps: BTreeSet<String>,
}

/// A `default_auto_field` (AppConfig) or `DEFAULT_AUTO_FIELD` (settings)
/// set to something we cannot evaluate (`app_settings.X or "…BigAutoField"`):
/// the implicit primary key's class is unknown, and counts as unchanged.
pub const UNKNOWN_AUTO_FIELD: &str = "?";

/// An `AUTH_USER_MODEL` set where we cannot read it (or settings we could
/// not evaluate): relations to the user model have an unknown target, and
/// compare as unchanged.
pub const UNKNOWN_USER_MODEL: &str = "?";

/// Where a class was declared: a workspace file, or the built-in contrib file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum DeclScope {
    File(FileId),
    Builtin,
}

type DeclId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    /// `models.Model` (or reflex_django's `Model`).
    Model,
    Class(DeclId),
    /// Not a model (a plain mixin, `object`).
    Plain,
    /// From outside the workspace and unknown: may add fields.
    Unknown,
}

#[derive(Debug, Clone)]
struct ClassDecl {
    name: String,
    app: Option<String>,
    bases: Vec<Base>,
    fields: Vec<Field>,
    /// Own `class Meta` attributes (`None`: no inner Meta).
    meta: Option<BTreeMap<String, Value>>,
    /// `class Meta(Parent.Meta)`: the classes whose Meta it extends.
    meta_bases: Vec<DeclId>,
    origin: Option<Origin>,
    /// Declares something we cannot read (an unknown call in its body).
    unreadable: bool,
    /// Other names its body binds (`metadata = None`, a method, a property):
    /// an abstract parent's field of such a name is not inherited
    /// (`ModelBase.__new__` skips names in the class's `__dict__`).
    other_names: Vec<String>,
    /// Holds an attribute of a class we cannot see into (see
    /// [`Declared::dynamic_apps`]).
    dynamic: bool,
}

/// Class names and the byte ranges of their definitions.
type ClassRanges = HashMap<String, (usize, usize)>;

struct ModelReader<'a> {
    index: &'a WorkspaceIndex,
    /// The apps by folder, for [`ModelReader::apps_above`].
    apps_by_dir: HashMap<&'a Path, &'a AppSpec>,
    /// `"app.model"`; `None` when unknown ([`UNKNOWN_USER_MODEL`]).
    auth_user_model: Option<String>,
    decls: Vec<ClassDecl>,
    by_class: HashMap<(DeclScope, String), DeclId>,
    /// Workspace classes resolved so far (`None`: in progress or not a class we read).
    visiting: BTreeSet<(DeclScope, String)>,
    /// Each module's constants and choices classes, read once.
    module_constants: HashMap<DeclScope, Arc<HashMap<String, Value>>>,
    /// Each module's top-level classes by name (the last definition wins,
    /// as at run time), as byte ranges of their `class_definition`s.
    module_classes: HashMap<DeclScope, Arc<ClassRanges>>,
}

impl<'a> ModelReader<'a> {
    fn new(index: &'a WorkspaceIndex, apps: &'a [AppSpec], auth_user_model: &str) -> ModelReader<'a> {
        ModelReader {
            index,
            auth_user_model: match auth_user_model {
                UNKNOWN_USER_MODEL => None,
                named => Some(
                    ModelKey::parse(named)
                        .map(|k| k.to_string())
                        .unwrap_or_else(|| "auth.user".to_owned()),
                ),
            },
            apps_by_dir: apps.iter().map(|a| (a.dir.as_path(), a)).collect(),
            decls: Vec::new(),
            by_class: HashMap::new(),
            visiting: BTreeSet::new(),
            module_constants: HashMap::new(),
            module_classes: HashMap::new(),
        }
    }
}

/// Reads every app's models. `auth_user_model` is the `AUTH_USER_MODEL`
/// setting (`"auth.User"` by default).
pub fn read_models(index: &WorkspaceIndex, apps: &[AppSpec], auth_user_model: &str) -> Declared {
    let mut r = ModelReader::new(index, apps, auth_user_model);
    // Contrib first: workspace models refer to them.
    let mut roots: Vec<DeclId> = Vec::new();
    if let Some(tree) = &*CONTRIB {
        for (node, _) in module_classes(tree.root_node()) {
            let name = class_name(node, CONTRIB_PY);
            if let Some(id) = r.decl(DeclScope::Builtin, &name) {
                roots.push(id);
            }
        }
    }
    // Classes of a `models/` package's modules that its `__init__.py` never
    // imports (Django registers them only if something else imports them),
    // and classes changed through `_meta` afterwards: not reported.
    let mut unfollowed: BTreeSet<DeclId> = BTreeSet::new();
    for app in apps {
        let reached = package_modules_reached(index, &app.files);
        for &file in &app.files {
            let entry = index.file(file);
            let Some(tree) = entry.tree() else { continue };
            for (node, _) in module_classes(tree.root_node()) {
                let name = class_name(node, &entry.text);
                if let Some(id) = r.decl(DeclScope::File(file), &name) {
                    roots.push(id);
                    if !reached.contains(&file) {
                        unfollowed.insert(id);
                    }
                }
            }
            // `Node._meta.get_field("path").max_length = 4` after the class
            // (django-treebeard's tests): changed where we do not follow.
            for stmt in named_children(tree.root_node()) {
                let assignment = (stmt.kind() == "expression_statement")
                    .then(|| stmt.named_child(0))
                    .flatten()
                    .filter(|a| a.kind() == "assignment");
                let Some(target) = assignment.and_then(|a| field(a, "left")) else {
                    continue;
                };
                let written = text(target, &entry.text);
                if let Some((class, _)) = written.split_once("._meta") {
                    if let Some(id) = r.decl(DeclScope::File(file), class) {
                        unfollowed.insert(id);
                    }
                }
            }
            // Models defined in other modules of the app and imported into
            // the models module are the app's models too.
            for (class_file, name) in imported_classes(index, file, &app.dir) {
                if let Some(id) = r.decl(DeclScope::File(class_file), &name) {
                    roots.push(id);
                }
            }
        }
    }
    roots.sort_unstable();
    roots.dedup();
    let mut out = Declared::default();
    for id in roots {
        let Some(key) = r.key_of(id) else { continue };
        let app = key.app.clone();
        let kind = r.model_kind(id);
        if kind != ModelKind::NotAModel && r.decls[id].dynamic {
            // Even a model we do not compare (an unknown base, abstract)
            // adds models when built (kiwitcms: `TestPlan(TreeNode)` with
            // `history = KiwiHistoricalRecords()`).
            out.dynamic_apps.insert(app.clone());
        }
        match kind {
            ModelKind::NotAModel => continue,
            ModelKind::Unknown => {
                // Perhaps a model (a base from a package outside the
                // workspace): never reported, never reported as deleted.
                out.uncertain.insert(key);
                continue;
            }
            ModelKind::Model => {}
        }
        let meta = r.meta_of(id);
        if matches!(meta.get("abstract"), Some(Value::Bool(true))) {
            continue;
        }
        // `proxy = 'rest_framework.authtoken' in settings.INSTALLED_APPS`:
        // what kind of model this is depends on something we cannot read.
        let kind_unknown = ["abstract", "proxy", "managed"]
            .iter()
            .any(|k| meta.get(*k).is_some_and(|v| !matches!(v, Value::Bool(_))));
        if kind_unknown {
            out.uncertain.insert(key.clone());
        }
        let auto_field = apps
            .iter()
            .find(|a| a.label == app)
            .map(|a| a.default_auto_field.clone())
            .unwrap_or_else(|| CONTRIB_AUTO_FIELD.to_owned());
        let state = r.model_state(id, &app, meta, &auto_field);
        if r.unreadable(id) || unfollowed.contains(&id) {
            out.uncertain.insert(key.clone());
        }
        out.state.models.insert(key, state);
    }
    // A class of the app we did not read as a model (defined in a module the
    // models module imports in a way we do not follow) may still be one: a
    // migration's model of that name is not reported as deleted.
    // (One pass over the files, each looking up its folders: a workspace
    // has thousands of files and a project dozens of apps.)
    for entry in index.files.iter().filter(|f| !f.in_migrations) {
        for app in r.apps_above(&entry.path) {
            for name in &entry.facts().class_names {
                let key = ModelKey::new(&app.label, name);
                if !out.state.models.contains_key(&key) {
                    out.other_classes.insert(key);
                }
            }
        }
    }
    // A name a models module binds to a call's result (shuup:
    // `ScriptLogEntry = define_log_model(Script)`, a factory that builds the
    // class with `type()`) may be a model made at run time: a migration's
    // model of that name is not reported as deleted either.
    for app in apps {
        for &file in &app.files {
            let entry = index.file(file);
            let Some(tree) = entry.tree() else { continue };
            for name in call_bound_names(tree.root_node(), &entry.text) {
                let key = ModelKey::new(&app.label, &name);
                if !out.state.models.contains_key(&key) {
                    out.other_classes.insert(key);
                }
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ModelKind {
    Model,
    NotAModel,
    Unknown,
}

fn source(index: &WorkspaceIndex, scope: DeclScope) -> Option<(&str, Node<'_>)> {
    match scope {
        DeclScope::File(f) => {
            let entry = index.file(f);
            Some((&entry.text, entry.tree()?.root_node()))
        }
        DeclScope::Builtin => Some((CONTRIB_PY, CONTRIB.as_ref()?.root_node())),
    }
}

/// Django before 4.0 deconstructed `related_name="%(class)ss"` (meant for
/// abstract bases) as filled in for the concrete model by
/// `RelatedField.contribute_to_class` (`exams`); from 4.0 on, as written.
/// Fills them in, for projects on the older versions.
pub fn fill_related_name_placeholders(state: &mut ProjectState) {
    for model in state.models.values_mut() {
        let (class, app) = (model.name.to_lowercase(), model.app_label.to_lowercase());
        for f in &mut model.fields {
            for k in ["related_name", "related_query_name"] {
                if let Some(Value::Str(name)) = f.kwargs.get_mut(k) {
                    if name.contains("%(") {
                        *name = name
                            .replace("%(class)s", &class)
                            .replace("%(model_name)s", &class)
                            .replace("%(app_label)s", &app);
                    }
                }
            }
        }
    }
}

/// Resolves `"?.model"` placeholders (a bare model name in a relation,
/// meaning the declaring app) once the app is known; used by migrations too.
pub fn qualify_bare(target: &str, app: &str) -> String {
    match target.strip_prefix("?.") {
        Some(model) => format!("{app}.{model}"),
        None => target.to_owned(),
    }
}
