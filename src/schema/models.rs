//! The models as declared: each installed app's models files read into the
//! state Django's `ModelState.from_model` would build — abstract bases'
//! fields copied in, the automatic primary key and multi-table parent links
//! added, relation targets as `"app.model"`, Meta options as written.
//!
//! Django's contrib models (`AbstractUser`, `auth.User`, …) are built-in
//! knowledge: `contrib.py` is their declarations, read by this same reader.
//! A model whose declaration we cannot fully read (a base class or a class
//! attribute from a package outside the workspace) is `uncertain`: the
//! checks say nothing about it rather than guess.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use tree_sitter::{Node, Tree};

use super::state::{Field, ModelKey, ModelState, Origin, ProjectState};
use super::value::{self, Value};
use crate::index::{ClassRef, FileId, Symbol, WorkspaceIndex};
use crate::syntax::{self, dotted, field, named_children, text};

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

/// Builtins a class body calls that are never fields.
const BUILTINS: &[&str] = &[
    "property",
    "staticmethod",
    "classmethod",
    "list",
    "dict",
    "set",
    "frozenset",
    "tuple",
    "str",
    "int",
    "float",
    "bool",
    "bytes",
    "object",
    "len",
    "sorted",
    "range",
];

/// Standard library modules whose classes and functions never hook into a
/// model class.
const STANDARD_MODULES: &[&str] = &[
    "builtins",
    "threading",
    "functools",
    "collections",
    "datetime",
    "decimal",
    "re",
    "uuid",
    "enum",
    "typing",
    "logging",
    "itertools",
    "operator",
    "weakref",
    "dataclasses",
];

/// Packages' classes named like fields that add no column and never reach
/// a migration: django-imagekit's `ImageSpecField` is a cached-file
/// descriptor computed from another field (GeoNode).
const NOT_MODEL_FIELDS: &[&str] = &[
    "imagekit.models.ImageSpecField",
    "imagekit.models.fields.ImageSpecField",
];

/// Django's field classes (the last component of their import path).
pub const DJANGO_FIELDS: &[&str] = &[
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "BigIntegerField",
    "BinaryField",
    "BooleanField",
    "CharField",
    "CommaSeparatedIntegerField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "DurationField",
    "EmailField",
    "FileField",
    "FilePathField",
    "FloatField",
    "GeneratedField",
    "GenericIPAddressField",
    "ImageField",
    "IntegerField",
    "IPAddressField",
    "JSONField",
    "NullBooleanField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "TimeField",
    "URLField",
    "UUIDField",
    "ForeignKey",
    "OneToOneField",
    "ManyToManyField",
    // django.contrib.postgres.fields
    "ArrayField",
    "HStoreField",
    "IntegerRangeField",
    "BigIntegerRangeField",
    "DecimalRangeField",
    "DateTimeRangeField",
    "DateRangeField",
    "CICharField",
    "CIEmailField",
    "CITextField",
];

/// Qualified names of the model base class.
const MODEL_ROOTS: &[&str] = &[
    "django.db.models.Model",
    "django.db.models.base.Model",
    "reflex_django.Model",
    "reflex_django.django.Model",
    "reflex_django.django.model.Model",
];

/// The names positional arguments bind to, per field class (Django's
/// `__init__` signatures).
pub fn positional_names(class: &str) -> &'static [&'static str] {
    const FIELD: &[&str] = &[
        "verbose_name",
        "name",
        "primary_key",
        "max_length",
        "unique",
        "blank",
        "null",
        "db_index",
        "rel",
        "default",
        "editable",
        "serialize",
        "unique_for_date",
        "unique_for_month",
        "unique_for_year",
        "choices",
        "help_text",
        "db_column",
        "db_tablespace",
        "auto_created",
        "validators",
        "error_messages",
    ];
    match class {
        "ForeignKey" => &[
            "to",
            "on_delete",
            "related_name",
            "related_query_name",
            "limit_choices_to",
            "parent_link",
            "to_field",
            "db_constraint",
        ],
        "OneToOneField" => &["to", "on_delete", "to_field"],
        "ManyToManyField" => &[
            "to",
            "related_name",
            "related_query_name",
            "limit_choices_to",
            "symmetrical",
            "through",
            "through_fields",
            "db_constraint",
            "db_table",
            "swappable",
        ],
        "DecimalField" => &["verbose_name", "name", "max_digits", "decimal_places"],
        "DateField" | "DateTimeField" | "TimeField" => &["verbose_name", "name", "auto_now", "auto_now_add"],
        "FileField" => &["verbose_name", "name", "upload_to", "storage"],
        "ImageField" => &["verbose_name", "name", "width_field", "height_field"],
        "FilePathField" => &[
            "verbose_name",
            "name",
            "path",
            "match",
            "recursive",
            "allow_files",
            "allow_folders",
        ],
        "GenericIPAddressField" => &["verbose_name", "name", "protocol", "unpack_ipv4"],
        "JSONField" => &["verbose_name", "name", "encoder", "decoder"],
        "URLField" | "EmailField" | "UUIDField" => &["verbose_name", "name"],
        "ArrayField" => &["base_field", "size"],
        _ => FIELD,
    }
}

/// A `default_auto_field` (AppConfig) or `DEFAULT_AUTO_FIELD` (settings)
/// set to something we cannot evaluate (`app_settings.X or "…BigAutoField"`):
/// the implicit primary key's class is unknown, and counts as unchanged.
pub const UNKNOWN_AUTO_FIELD: &str = "?";

/// An `AUTH_USER_MODEL` set where we cannot read it (or settings we could
/// not evaluate): relations to the user model have an unknown target, and
/// compare as unchanged.
pub const UNKNOWN_USER_MODEL: &str = "?";

/// The auto-created primary key Django adds to a model without one.
pub fn auto_pk(default_auto_field: &str) -> Field {
    let last = default_auto_field.rsplit('.').next().unwrap_or(default_auto_field);
    let class = matches!(last, "AutoField" | "BigAutoField" | "SmallAutoField").then(|| last.to_owned());
    let mut kwargs = BTreeMap::new();
    kwargs.insert("auto_created".to_owned(), Value::Bool(true));
    kwargs.insert("primary_key".to_owned(), Value::Bool(true));
    kwargs.insert("serialize".to_owned(), Value::Bool(false));
    kwargs.insert("verbose_name".to_owned(), Value::Str("ID".to_owned()));
    Field {
        name: "id".to_owned(),
        class,
        written_class: default_auto_field.to_owned(),
        kwargs,
        origin: None,
        opaque: false,
    }
}

/// The parent link of a multi-table child (`<parent>_ptr`).
fn parent_link(parent: &ModelKey) -> Field {
    let mut kwargs = BTreeMap::new();
    kwargs.insert("auto_created".to_owned(), Value::Bool(true));
    kwargs.insert(
        "on_delete".to_owned(),
        Value::Name("django.db.models.deletion.CASCADE".to_owned()),
    );
    kwargs.insert("parent_link".to_owned(), Value::Bool(true));
    kwargs.insert("primary_key".to_owned(), Value::Bool(true));
    kwargs.insert("serialize".to_owned(), Value::Bool(false));
    kwargs.insert("to".to_owned(), Value::Str(parent.to_string()));
    Field {
        name: format!("{}_ptr", parent.model),
        class: Some("OneToOneField".to_owned()),
        written_class: "django.db.models.OneToOneField".to_owned(),
        kwargs,
        origin: None,
        opaque: false,
    }
}

/// Where a class was declared: a workspace file, or the built-in contrib file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Scope {
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

/// The built-in contrib declarations, parsed once.
static CONTRIB: LazyLock<(String, Option<Tree>)> = LazyLock::new(|| {
    let src = include_str!("contrib.py").to_owned();
    let tree = syntax::parse(&src);
    (src, tree)
});

/// Class names and the byte ranges of their definitions.
type ClassRanges = HashMap<String, (usize, usize)>;

struct Reader<'a> {
    index: &'a WorkspaceIndex,
    /// The apps by folder, for [`Reader::apps_above`].
    apps_by_dir: HashMap<&'a Path, &'a AppSpec>,
    /// `"app.model"`; `None` when unknown ([`UNKNOWN_USER_MODEL`]).
    auth_user_model: Option<String>,
    decls: Vec<ClassDecl>,
    by_class: HashMap<(Scope, String), DeclId>,
    /// Workspace classes resolved so far (`None`: in progress or not a class we read).
    visiting: BTreeSet<(Scope, String)>,
    /// Each module's constants and choices classes, read once.
    module_constants: HashMap<Scope, Arc<HashMap<String, Value>>>,
    /// Each module's top-level classes by name (the last definition wins,
    /// as at run time), as byte ranges of their `class_definition`s.
    module_classes: HashMap<Scope, Arc<ClassRanges>>,
}

/// Reads every app's models. `auth_user_model` is the `AUTH_USER_MODEL`
/// setting (`"auth.User"` by default).
pub fn read_models(index: &WorkspaceIndex, apps: &[AppSpec], auth_user_model: &str) -> Declared {
    let mut r = Reader {
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
    };
    // Contrib first: workspace models refer to them.
    let mut roots: Vec<DeclId> = Vec::new();
    if let (src, Some(tree)) = &*CONTRIB {
        for (node, _) in module_classes(tree.root_node()) {
            let name = class_name(node, src);
            if let Some(id) = r.decl(Scope::Builtin, &name) {
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
                if let Some(id) = r.decl(Scope::File(file), &name) {
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
                    if let Some(id) = r.decl(Scope::File(file), class) {
                        unfollowed.insert(id);
                    }
                }
            }
            // Models defined in other modules of the app and imported into
            // the models module are the app's models too.
            for (class_file, name) in imported_classes(index, file, &app.dir) {
                if let Some(id) = r.decl(Scope::File(class_file), &name) {
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
            .unwrap_or_else(|| "django.db.models.AutoField".to_owned());
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

/// The names a module's top-level statements bind to a call's result
/// (`X = f(...)`, `X: T = f(...)`).
fn call_bound_names(root: Node, src: &str) -> Vec<String> {
    named_children(root)
        .into_iter()
        .filter(|s| s.kind() == "expression_statement")
        .filter_map(|s| s.named_child(0).filter(|a| a.kind() == "assignment"))
        .filter(|a| field(*a, "right").is_some_and(|r| r.kind() == "call"))
        .filter_map(|a| field(a, "left").filter(|l| l.kind() == "identifier"))
        .map(|l| text(l, src).to_owned())
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ModelKind {
    Model,
    NotAModel,
    Unknown,
}

/// The workspace files an import in `from` names: the module, and for
/// `from m import n` the submodule `m.n` if there is one.
pub fn imported_files(index: &WorkspaceIndex, b: &crate::index::summary::ImportBinding, from: FileId) -> Vec<FileId> {
    use crate::index::summary::ImportTarget;
    let (module, member) = match &b.target {
        ImportTarget::Module(m) | ImportTarget::Star { module: m } => (m.as_str(), None),
        ImportTarget::Member { module, name } => (module.as_str(), Some(name.as_str())),
    };
    let mut out: Vec<FileId> = index.module_near(module, Some(from)).into_iter().collect();
    if let Some(name) = member {
        out.extend(index.module_near(&format!("{module}.{name}"), Some(from)));
    }
    out
}

/// The files of a `models/` package that its `__init__.py` imports,
/// directly or through each other (all of `files` for a `models.py`, or a
/// package without `__init__.py`).
fn package_modules_reached(index: &WorkspaceIndex, files: &[FileId]) -> BTreeSet<FileId> {
    let init = files
        .iter()
        .copied()
        .find(|&f| index.file(f).path.file_name().is_some_and(|n| n == "__init__.py"));
    let Some(init) = init.filter(|_| files.len() > 1) else {
        return files.iter().copied().collect();
    };
    let mut reached = BTreeSet::from([init]);
    let mut todo = vec![init];
    while let Some(f) = todo.pop() {
        // (A short `__init__.py` of `from .x import Y` lines names nothing
        // the index parses files for: parsed here.)
        let entry = index.file(f);
        let parsed_here;
        let summary = match entry.parsed() {
            Some(p) => &p.summary,
            None => match crate::syntax::parse(&entry.text) {
                Some(tree) if entry.decode_error.is_none() => {
                    parsed_here = crate::index::summary::summarize(&tree, &entry.text, &entry.package);
                    &parsed_here
                }
                // Unreadable: we cannot tell what it imports.
                _ => return files.iter().copied().collect(),
            },
        };
        for b in summary.imports.iter() {
            for t in imported_files(index, b, f) {
                if files.contains(&t) && reached.insert(t) {
                    todo.push(t);
                }
            }
        }
    }
    reached
}

/// Classes a models module imports from other modules of its app (`from
/// .shapes import Circle`, `from .shapes import *`), as (file, name).
fn imported_classes(index: &WorkspaceIndex, file: FileId, app_dir: &std::path::Path) -> Vec<(FileId, String)> {
    use crate::index::summary::ImportTarget;
    let mut out = Vec::new();
    for b in index.file(file).summary().imports.iter().filter(|b| b.scope.is_none()) {
        match &b.target {
            ImportTarget::Member { module, .. } => {
                // Only an import from a module of the app can bring one of
                // its classes (Django gives a class the app of the module
                // that defines it); resolving others would parse every
                // module the models import (and all they re-export).
                let near_app = index
                    .module_near(module, Some(file))
                    .is_some_and(|m| index.file(m).path.starts_with(app_dir));
                if !near_app {
                    continue;
                }
                if let Symbol::Class(c) = index.resolve_name(file, &b.local, None) {
                    if c.file != file && index.file(c.file).path.starts_with(app_dir) {
                        out.push((c.file, index.class(c).name.clone()));
                    }
                }
            }
            ImportTarget::Star { module } => {
                if let Some(f) = index.module_near(module, Some(file)) {
                    if f != file && index.file(f).path.starts_with(app_dir) && !index.file(f).in_migrations {
                        out.extend(index.file(f).summary().classes.iter().map(|c| (f, c.name.clone())));
                    }
                }
            }
            ImportTarget::Module(_) => {}
        }
    }
    out
}

/// Module-level class definitions (also decorated ones), with their index.
fn module_classes(root: Node<'_>) -> Vec<(Node<'_>, usize)> {
    let mut out = Vec::new();
    for (i, stmt) in named_children(root).into_iter().enumerate() {
        let def = syntax::definition_of(stmt);
        if def.kind() == "class_definition" {
            out.push((def, i));
        }
    }
    out
}

fn class_name(node: Node<'_>, src: &str) -> String {
    field(node, "name").map(|n| text(n, src).to_owned()).unwrap_or_default()
}

fn source(index: &WorkspaceIndex, scope: Scope) -> Option<(&str, Node<'_>)> {
    match scope {
        Scope::File(f) => {
            let entry = index.file(f);
            Some((&entry.text, entry.tree()?.root_node()))
        }
        Scope::Builtin => {
            let (src, tree) = &*CONTRIB;
            Some((src.as_str(), tree.as_ref()?.root_node()))
        }
    }
}

impl<'a> Reader<'a> {
    /// The apps whose folders hold `path`, innermost first.
    fn apps_above<'p>(&'p self, path: &'p Path) -> impl Iterator<Item = &'a AppSpec> + 'p {
        path.ancestors().filter_map(|dir| self.apps_by_dir.get(dir).copied())
    }

    /// The app label of a class in `scope` (before `Meta.app_label`).
    fn app_of(&self, scope: Scope, node: Node<'_>, src: &str) -> Option<String> {
        match scope {
            Scope::Builtin => {
                // The nearest `# app: label` comment above the class.
                let before = &src[..node.start_byte()];
                let at = before.rfind("# app: ")?;
                Some(before[at + 7..].lines().next()?.trim().to_owned())
            }
            Scope::File(f) => self
                .apps_above(&self.index.file(f).path)
                .next()
                .map(|a| a.label.clone()),
        }
    }

    /// The declaration of class `name` at module level of `scope`, read on first use.
    fn decl(&mut self, scope: Scope, name: &str) -> Option<DeclId> {
        let key = (scope, name.to_owned());
        if let Some(&id) = self.by_class.get(&key) {
            return Some(id);
        }
        if !self.visiting.insert(key.clone()) {
            return None; // a cycle in the bases
        }
        let decl = self.read_class(scope, name);
        self.visiting.remove(&key);
        let decl = decl?;
        let id = self.decls.len();
        self.decls.push(decl);
        self.by_class.insert(key, id);
        Some(id)
    }

    fn read_class(&mut self, scope: Scope, name: &str) -> Option<ClassDecl> {
        let index: &'a WorkspaceIndex = self.index;
        let (src, root) = source(index, scope)?;
        let classes = self
            .module_classes
            .entry(scope)
            .or_insert_with(|| {
                let by_name = module_classes(root)
                    .into_iter()
                    .map(|(n, _)| (class_name(n, src), (n.start_byte(), n.end_byte())));
                Arc::new(by_name.collect())
            })
            .clone();
        let &(start, end) = classes.get(name)?;
        let node = root.descendant_for_byte_range(start, end)?;
        if node.kind() != "class_definition" {
            return None;
        }
        let mut bases = Vec::new();
        // A metaclass of the project's own (Mayan EDMS rewrites a field's
        // `help_text` in one) may change any field as the class is built.
        let mut own_metaclass = false;
        if let Some(supers) = field(node, "superclasses") {
            for b in named_children(supers) {
                if b.kind() == "keyword_argument" {
                    let is_metaclass = field(b, "name").is_some_and(|n| text(n, src) == "metaclass");
                    let value = field(b, "value").and_then(|v| dotted(v, src)).unwrap_or_default();
                    own_metaclass |= is_metaclass && !value.ends_with("ModelBase");
                    continue;
                }
                if b.kind() == "comment" {
                    continue;
                }
                bases.push(self.base(scope, b, src));
            }
        }
        let name_node = field(node, "name")?;
        let origin = match scope {
            Scope::File(f) => Some(Origin {
                path: self.index.file(f).path.clone(),
                range: name_node.byte_range(),
            }),
            Scope::Builtin => None,
        };
        let mut decl = ClassDecl {
            name: name.to_owned(),
            app: self.app_of(scope, node, src),
            bases,
            fields: Vec::new(),
            meta: None,
            meta_bases: Vec::new(),
            origin,
            unreadable: own_metaclass,
            other_names: Vec::new(),
            dynamic: false,
        };
        // `guid = name = models.CharField(…)`: one field instance bound to
        // several names. Django contributes it once per name still bound
        // at the end of the body, and it ends up named after the last one:
        // (chain, name) for each name, to see which remain.
        let mut chained: HashMap<String, usize> = HashMap::new();
        let mut chain_count = 0;
        let lookup_scope = scope;
        let (module_consts, class_consts) = self.constants(scope, node, src);
        let lookup = |n: &str| class_consts.get(n).or_else(|| module_consts.get(n)).cloned();
        for stmt in syntax::body_statements(node) {
            let def = syntax::definition_of(stmt);
            if def.kind() == "class_definition" && class_name(def, src) == "Meta" {
                let mut meta = BTreeMap::new();
                for m in syntax::body_statements(def) {
                    if let Some((k, v)) = simple_assignment(m) {
                        meta.insert(text(k, src).to_owned(), value::parse(v, src, &lookup));
                    }
                }
                if let Some(supers) = field(def, "superclasses") {
                    for b in named_children(supers) {
                        if let Some(d) = dotted(b, src) {
                            if let Some(owner) = d.strip_suffix(".Meta") {
                                if let Base::Class(id) = self.base_named(lookup_scope, owner) {
                                    decl.meta_bases.push(id);
                                }
                            }
                        }
                    }
                }
                decl.meta = Some(meta);
                continue;
            }
            if def.kind() == "function_definition" {
                if let Some(name) = field(def, "name") {
                    decl.other_names.push(text(name, src).to_owned());
                }
                continue;
            }
            let Some((target, mut value_node)) = simple_assignment(stmt) else {
                continue;
            };
            // The names of a chained assignment, and the value they all get.
            let mut targets = vec![target];
            while value_node.kind() == "assignment" {
                match (field(value_node, "left"), field(value_node, "right")) {
                    (Some(l), Some(r)) if l.kind() == "identifier" => {
                        targets.push(l);
                        value_node = r;
                    }
                    _ => break,
                }
            }
            if value_node.kind() == "assignment" {
                decl.unreadable = true;
                continue;
            }
            for t in &targets {
                chained.remove(text(*t, src));
            }
            if targets.len() > 1 {
                chain_count += 1;
                for t in &targets {
                    chained.insert(text(*t, src).to_owned(), chain_count);
                }
            }
            let other = |decl: &mut ClassDecl| {
                for t in &targets {
                    decl.other_names.push(text(*t, src).to_owned());
                }
            };
            let value_node = syntax::unparen(value_node);
            if value_node.kind() != "call" {
                other(&mut decl);
                continue;
            }
            let Some(func) = field(value_node, "function").and_then(|f| dotted(f, src)) else {
                other(&mut decl);
                continue;
            };
            match self.callee(scope, &func) {
                Callee::Field(class, opaque) => {
                    for t in &targets {
                        let mut f = self.read_field(
                            scope,
                            text(*t, src),
                            class.clone(),
                            &func,
                            value_node,
                            stmt,
                            src,
                            &lookup,
                        );
                        f.opaque = opaque;
                        decl.fields.retain(|x| x.name != f.name);
                        decl.fields.push(f);
                    }
                }
                Callee::NotAField => other(&mut decl),
                Callee::Unknown => {
                    decl.unreadable = true;
                    decl.dynamic = true;
                }
            }
        }
        // One instance still bound to two names: Django's result (one
        // field, named after the last, contributed twice) is not modelled.
        let mut chains: Vec<usize> = chained.into_values().collect();
        chains.sort_unstable();
        if chains.windows(2).any(|w| w[0] == w[1]) {
            decl.unreadable = true;
        }
        Some(decl)
    }

    /// Module constants and choices classes visible in a class body: names
    /// the value reader may resolve (`STATUS_CHOICES`, `Status.choices`,
    /// `Status.PENDING`).
    /// Returns the module's and the class body's (which come first).
    fn constants(
        &mut self,
        scope: Scope,
        class: Node<'_>,
        src: &str,
    ) -> (Arc<HashMap<String, Value>>, HashMap<String, Value>) {
        let index = self.index;
        let module = self
            .module_constants
            .entry(scope)
            .or_insert_with(|| match source(index, scope) {
                Some((_, root)) => Arc::new(level_constants(named_children(root), src, &HashMap::new())),
                None => Arc::default(),
            })
            .clone();
        let class = level_constants(syntax::body_statements(class), src, &module);
        (module, class)
    }

    /// What a base class expression is.
    fn base(&mut self, scope: Scope, node: Node<'_>, src: &str) -> Base {
        let node = if node.kind() == "subscript" {
            field(node, "value").unwrap_or(node)
        } else {
            node
        };
        match dotted(node, src) {
            Some(d) => self.base_named(scope, &d),
            None => Base::Unknown,
        }
    }

    fn base_named(&mut self, scope: Scope, dotted_name: &str) -> Base {
        match scope {
            Scope::Builtin => {
                if dotted_name == "models.Model" {
                    return Base::Model;
                }
                match self.decl(Scope::Builtin, dotted_name) {
                    Some(id) => Base::Class(id),
                    None => Base::Unknown,
                }
            }
            Scope::File(f) => match self.index.resolve_dotted(f, dotted_name, None) {
                Symbol::Class(ClassRef { file, index }) => {
                    let name = self.index.file(file).summary().classes[index].name.clone();
                    match self.decl(Scope::File(file), &name) {
                        Some(id) => Base::Class(id),
                        None => Base::Unknown,
                    }
                }
                Symbol::External(q) => self.external_base(&q),
                _ if matches!(dotted_name, "object" | "Generic" | "ABC") => Base::Plain,
                _ => Base::Unknown,
            },
        }
    }

    fn external_base(&mut self, q: &str) -> Base {
        if MODEL_ROOTS.contains(&q) {
            return Base::Model;
        }
        if q.starts_with("django.contrib.") {
            let last = q.rsplit('.').next().unwrap_or(q);
            return match self.decl(Scope::Builtin, last) {
                Some(id) => Base::Class(id),
                // `ModelAdmin`, `AppConfig`, forms: Django's, not models.
                None => Base::Plain,
            };
        }
        // Django's own classes other than the model base are not models
        // (managers, QuerySets, choices, forms); nor are the stdlib's.
        if q.starts_with("django.") || q.starts_with("typing.") || q.starts_with("abc.") || q == "object" {
            return Base::Plain;
        }
        Base::Unknown
    }

    fn callee(&mut self, scope: Scope, func: &str) -> Callee {
        let last = func.rsplit('.').next().unwrap_or(func);
        // django-taggit's `TaggableManager` is a related field (a
        // many-to-many through its tag model), migrated as one (GeoNode).
        if last == "TaggableManager" {
            return Callee::Field(None, false);
        }
        if matches!(last, "as_manager" | "from_queryset") || last.ends_with("Manager") {
            return Callee::NotAField;
        }
        if matches!(last, "GenericForeignKey" | "GenericRelation") {
            return Callee::NotAField; // private fields: no column, not in migrations
        }
        let resolved = match scope {
            Scope::Builtin => Symbol::External(format!("django.db.{func}")),
            Scope::File(f) => self.index.resolve_dotted(f, func, None),
        };
        match resolved {
            Symbol::External(q) => {
                let last = q.rsplit('.').next().unwrap_or(&q);
                if NOT_MODEL_FIELDS.contains(&q.as_str()) {
                    Callee::NotAField
                } else if DJANGO_FIELDS.contains(&last) && q.starts_with("django.") {
                    Callee::Field(Some(last.to_owned()), false)
                } else if last.ends_with("Field") || matches!(last, "ForeignKey" | "OneToOneField") {
                    Callee::Field(None, false)
                } else if q.starts_with("django.") || STANDARD_MODULES.contains(&q.split('.').next().unwrap_or("")) {
                    // (The standard library's classes do not hook into a
                    // model class: `threading.local()`.)
                    Callee::NotAField
                } else {
                    Callee::Unknown
                }
            }
            Symbol::Class(c) => match self.field_class_of(c, 0) {
                // A virtual field (`private_only=True`, like Django's
                // GenericForeignKey): no column, never in a migration.
                Some(_) if self.registers_private(c, 0) => Callee::NotAField,
                // Its own `deconstruct()` (NetBox's
                // `NetBoxTaggableManagerField` writes taggit's path and drops
                // `related_name`): see `Field::opaque`.
                Some(class) => Callee::Field(class, self.defines(c, "deconstruct", 0)),
                // A subclass of Django's `GenericForeignKey` that lets it
                // register itself (NetBox's `RestrictedGenericForeignKey`).
                None if self.extends_generic_relation(c, 0) => Callee::NotAField,
                // Not a field, but hooks into the model class as it is
                // built (`contribute_to_class`): it may add anything.
                None if self.defines(c, "contribute_to_class", 0) => Callee::Unknown,
                // A subclass of a package's class we cannot see (Nautobot's
                // `TagsField(TaggableManager)`): perhaps a field, as the
                // package's class itself would be.
                None if self.extends_unknown(c, 0) => Callee::Unknown,
                None => Callee::NotAField,
            },
            Symbol::Function(_) | Symbol::Module(_) | Symbol::Assignment(..) => Callee::NotAField,
            Symbol::Unknown => {
                if last.ends_with("Field") {
                    Callee::Field(None, false)
                } else if BUILTINS.contains(&func) {
                    // `prefix_length = property(fset=…)` (NetBox).
                    Callee::NotAField
                } else {
                    Callee::Unknown
                }
            }
        }
    }

    /// Whether a workspace class (or a workspace base of it) registers
    /// itself as a private field in `contribute_to_class`
    /// (`super().contribute_to_class(cls, name, private_only=True)`,
    /// `cls._meta.add_field(self, private=True)`).
    fn registers_private(&self, c: ClassRef, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        let cls = self.index.class(c);
        let text = &self.index.file(c.file).text;
        let private = cls.methods.iter().any(|m| {
            m.name == "contribute_to_class"
                && text.get(m.range.clone()).is_some_and(|body| {
                    let body: String = body.chars().filter(|ch| !ch.is_whitespace()).collect();
                    body.contains("private_only=True") || body.contains("private=True")
                })
        });
        if private {
            return true;
        }
        if cls.methods.iter().any(|m| m.name == "contribute_to_class") {
            return false; // its own, registering it as a concrete field
        }
        cls.bases
            .iter()
            .any(|b| match self.index.resolve_dotted(c.file, b, None) {
                Symbol::Class(p) => self.registers_private(p, depth + 1),
                _ => false,
            })
    }

    /// Whether a workspace class derives from Django's `GenericForeignKey`
    /// or `GenericRelation` (private fields: no column, never migrated),
    /// each class on the way either keeping `contribute_to_class` or
    /// calling the parent's.
    fn extends_generic_relation(&self, c: ClassRef, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        let cls = self.index.class(c);
        let text = &self.index.file(c.file).text;
        if let Some(m) = cls.method("contribute_to_class") {
            let calls_parent = text.get(m.range.clone()).is_some_and(|body| {
                let body: String = body.chars().filter(|ch| !ch.is_whitespace()).collect();
                body.contains("super().contribute_to_class(cls,name")
            });
            if !calls_parent {
                return false;
            }
        }
        cls.bases
            .iter()
            .any(|b| match self.index.resolve_dotted(c.file, b, None) {
                Symbol::Class(p) => self.extends_generic_relation(p, depth + 1),
                Symbol::External(q) => matches!(
                    q.as_str(),
                    "django.contrib.contenttypes.fields.GenericForeignKey"
                        | "django.contrib.contenttypes.fields.GenericRelation"
                ),
                _ => false,
            })
    }

    /// Whether a workspace class derives (directly or through workspace
    /// classes) from a class outside the workspace that is neither Django's
    /// nor the standard library's.
    fn extends_unknown(&self, c: ClassRef, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        let cls = self.index.class(c);
        cls.bases
            .iter()
            .any(|b| match self.index.resolve_dotted(c.file, b, None) {
                Symbol::Class(p) => self.extends_unknown(p, depth + 1),
                Symbol::External(q) => {
                    let top = q.split('.').next().unwrap_or("");
                    !matches!(
                        top,
                        "django" | "typing" | "abc" | "enum" | "collections" | "dataclasses" | "object" | "builtins"
                    ) && q != "object"
                }
                Symbol::Unknown => !matches!(b.as_str(), "object" | "Generic" | "ABC"),
                _ => false,
            })
    }

    /// Whether a workspace class (or a workspace base of it) defines the
    /// method `name`.
    fn defines(&self, c: ClassRef, name: &str, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        let cls = self.index.class(c);
        if cls.methods.iter().any(|m| m.name == name) {
            return true;
        }
        cls.bases
            .iter()
            .any(|b| match self.index.resolve_dotted(c.file, b, None) {
                Symbol::Class(p) => self.defines(p, name, depth + 1),
                _ => false,
            })
    }

    /// For a workspace class: `Some(Some(django_class))` when it derives from a
    /// Django field, `Some(None)` for a field of unknown kind, `None` if it is
    /// not a field.
    fn field_class_of(&self, c: ClassRef, depth: u32) -> Option<Option<String>> {
        if depth > 8 {
            return None;
        }
        let cls = self.index.class(c);
        for b in &cls.bases {
            match self.index.resolve_dotted(c.file, b, None) {
                Symbol::External(q) => {
                    let last = q.rsplit('.').next().unwrap_or(&q);
                    if DJANGO_FIELDS.contains(&last) && q.starts_with("django.") {
                        return Some(Some(last.to_owned()));
                    }
                    // (django-taggit's `TaggableManager` is a related field.)
                    if q == "django.db.models.Field"
                        || q == "django.db.models.fields.Field"
                        || last.ends_with("Field")
                        || last == "TaggableManager"
                    {
                        return Some(None);
                    }
                }
                Symbol::Class(parent) => {
                    if let Some(found) = self.field_class_of(parent, depth + 1) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn read_field(
        &mut self,
        scope: Scope,
        name: &str,
        class: Option<String>,
        written: &str,
        call: Node<'_>,
        stmt: Node<'_>,
        src: &str,
        lookup: &dyn Fn(&str) -> Option<Value>,
    ) -> Field {
        let mut kwargs = BTreeMap::new();
        let names = positional_names(class.as_deref().unwrap_or(""));
        if let Value::Call { args, kwargs: kw, .. } = value::parse(call, src, lookup) {
            for (i, a) in args.into_iter().enumerate() {
                match names.get(i) {
                    Some(n) => {
                        kwargs.insert((*n).to_owned(), a);
                    }
                    None => {
                        kwargs.insert(format!("#{i}"), a);
                    }
                }
            }
            kwargs.extend(kw);
        }
        for key in ["to", "through"] {
            if let Some(v) = kwargs.get(key).cloned() {
                if let Some(target) = self.relation_target(scope, &v) {
                    kwargs.insert(key.to_owned(), Value::Str(target));
                }
            }
        }
        let written_class = match scope {
            Scope::Builtin => format!("django.db.{written}"),
            Scope::File(_) => written.to_owned(),
        };
        let origin = match scope {
            Scope::File(f) => Some(Origin {
                path: self.index.file(f).path.clone(),
                range: stmt.byte_range(),
            }),
            Scope::Builtin => None,
        };
        Field {
            name: name.to_owned(),
            class,
            written_class,
            kwargs,
            origin,
            opaque: false,
        }
    }

    /// A relation's target as `"app.model"`; `"self"` and bare names are
    /// resolved against the declaring class by [`Reader::resolve_self`].
    fn relation_target(&mut self, scope: Scope, v: &Value) -> Option<String> {
        match v {
            Value::Str(s) if s == "self" => Some("self".to_owned()),
            Value::Str(s) if s.contains('.') => ModelKey::parse(s).map(|k| k.to_string()),
            Value::Str(s) => Some(format!("?.{}", s.to_ascii_lowercase())),
            Value::Name(n) if n.ends_with("AUTH_USER_MODEL") => self.auth_user_model.clone(),
            Value::Call { func, .. } if func.ends_with("get_user_model") => self.auth_user_model.clone(),
            // `getattr(settings, "AUTH_USER_MODEL", "auth.User")` (django-filer, django-otp).
            Value::Call { func, args, .. }
                if func == "getattr"
                    && args.get(1).and_then(Value::as_str) == Some("AUTH_USER_MODEL")
                    && matches!(args.first(), Some(Value::Name(n)) if n.ends_with("settings")) =>
            {
                self.auth_user_model.clone()
            }
            Value::Name(n) => {
                let id = match self.base_named(scope, n) {
                    Base::Class(id) => id,
                    _ => return None,
                };
                self.key_of(id).map(|k| k.to_string())
            }
            _ => None,
        }
    }

    fn model_kind(&self, id: DeclId) -> ModelKind {
        self.model_kind_depth(id, 0)
    }

    fn model_kind_depth(&self, id: DeclId, depth: u32) -> ModelKind {
        if depth > 16 {
            return ModelKind::Unknown;
        }
        let mut unknown = false;
        for b in &self.decls[id].bases {
            match *b {
                Base::Model => return ModelKind::Model,
                Base::Class(p) => match self.model_kind_depth(p, depth + 1) {
                    ModelKind::Model => return ModelKind::Model,
                    ModelKind::Unknown => unknown = true,
                    ModelKind::NotAModel => {}
                },
                Base::Unknown => unknown = true,
                Base::Plain => {}
            }
        }
        if unknown {
            ModelKind::Unknown
        } else {
            ModelKind::NotAModel
        }
    }

    fn is_abstract(&self, id: DeclId) -> bool {
        matches!(
            self.decls[id].meta.as_ref().and_then(|m| m.get("abstract")),
            Some(Value::Bool(true))
        )
    }

    /// Does this model (or an abstract base) declare something we cannot read?
    fn unreadable(&self, id: DeclId) -> bool {
        let d = &self.decls[id];
        d.unreadable
            || d.bases.iter().any(|b| match *b {
                Base::Unknown => true,
                Base::Class(p) => match self.model_kind(p) {
                    ModelKind::Model => self.is_abstract(p) && self.unreadable(p),
                    // A mixin that may be a model from a package we cannot
                    // see (Kolibri's `AbstractFacilityDataModel` over
                    // morango's `SyncableModel`): it may add fields.
                    ModelKind::Unknown => true,
                    ModelKind::NotAModel => false,
                },
                _ => false,
            })
    }

    /// The Meta options Django records (`original_attrs`): the class's own
    /// Meta (extending `Parent.Meta` when it subclasses it), or else the Meta
    /// inherited from the nearest abstract base, with `abstract` reset.
    fn meta_of(&self, id: DeclId) -> BTreeMap<String, Value> {
        self.meta_depth(id, 0)
    }

    fn meta_depth(&self, id: DeclId, depth: u32) -> BTreeMap<String, Value> {
        if depth > 16 {
            return BTreeMap::new();
        }
        let d = &self.decls[id];
        if let Some(own) = &d.meta {
            let mut out = BTreeMap::new();
            for &p in &d.meta_bases {
                let mut inherited = self.meta_depth(p, depth + 1);
                if inherited.contains_key("abstract") {
                    inherited.insert("abstract".to_owned(), Value::Bool(false));
                }
                out.extend(inherited);
            }
            out.extend(own.clone());
            return out;
        }
        for b in &d.bases {
            if let Base::Class(p) = *b {
                if self.model_kind(p) == ModelKind::Model && self.is_abstract(p) {
                    let mut inherited = self.meta_depth(p, depth + 1);
                    if inherited.contains_key("abstract") {
                        inherited.insert("abstract".to_owned(), Value::Bool(false));
                    }
                    return inherited;
                }
                if self.model_kind(p) == ModelKind::Model && self.decls[p].meta.is_none() {
                    // A concrete parent has no `Meta` attribute; look further up.
                    let inherited = self.meta_depth(p, depth + 1);
                    if !inherited.is_empty() {
                        return inherited;
                    }
                }
            }
        }
        BTreeMap::new()
    }

    /// Fields from abstract bases (in base order, each base's own bases first).
    fn abstract_fields(&self, id: DeclId, out: &mut Vec<Field>, depth: u32) {
        if depth > 16 {
            return;
        }
        for b in &self.decls[id].bases {
            if let Base::Class(p) = *b {
                if self.model_kind(p) == ModelKind::Model && self.is_abstract(p) {
                    self.abstract_fields(p, out, depth + 1);
                    out.retain(|x| !self.decls[p].other_names.contains(&x.name));
                    for f in &self.decls[p].fields {
                        out.retain(|x| x.name != f.name);
                        out.push(self.bind_relation(f, p));
                    }
                }
            }
        }
    }

    /// Concrete model parents (multi-table inheritance), through abstract ones.
    fn concrete_parents(&self, id: DeclId, out: &mut Vec<DeclId>, depth: u32) {
        if depth > 16 {
            return;
        }
        for b in &self.decls[id].bases {
            if let Base::Class(p) = *b {
                if self.model_kind(p) != ModelKind::Model {
                    continue;
                }
                if self.is_abstract(p) {
                    self.concrete_parents(p, out, depth + 1);
                } else if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
    }

    fn key_of(&self, id: DeclId) -> Option<ModelKey> {
        let d = &self.decls[id];
        let app = d
            .meta
            .as_ref()
            .and_then(|m| m.get("app_label"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| d.app.clone())?;
        Some(ModelKey::new(&app, &d.name))
    }

    /// Resolves `"self"` and same-app bare names in a field's relation
    /// targets against the model that owns the field (for inherited fields:
    /// the abstract base's app for bare names, the child for `"self"` —
    /// Django resolves both lazily on the concrete model).
    fn bind_relation(&self, f: &Field, declared_in: DeclId) -> Field {
        let mut f = f.clone();
        for key in ["to", "through"] {
            if let Some(Value::Str(s)) = f.kwargs.get(key).cloned() {
                if let Some(model) = s.strip_prefix("?.") {
                    if let Some(app) = self.key_of(declared_in).map(|k| k.app) {
                        f.kwargs.insert(key.to_owned(), Value::Str(format!("{app}.{model}")));
                    }
                }
            }
        }
        f
    }

    fn model_state(&self, id: DeclId, app: &str, meta: BTreeMap<String, Value>, auto_field: &str) -> ModelState {
        let d = &self.decls[id];
        let key = ModelKey::new(app, &d.name);
        let proxy = matches!(meta.get("proxy"), Some(Value::Bool(true)));
        let mut parents = Vec::new();
        self.concrete_parents(id, &mut parents, 0);
        let bases: Vec<ModelKey> = parents.iter().filter_map(|&p| self.key_of(p)).collect();

        let mut fields = Vec::new();
        if !proxy {
            self.abstract_fields(id, &mut fields, 0);
            fields.retain(|x: &Field| !d.other_names.contains(&x.name));
            for f in &d.fields {
                fields.retain(|x: &Field| x.name != f.name);
                fields.push(self.bind_relation(f, id));
            }
            for f in &mut fields {
                for k in ["to", "through"] {
                    if matches!(f.kwargs.get(k), Some(Value::Str(s)) if s == "self") {
                        f.kwargs.insert(k.to_owned(), Value::Str(key.to_string()));
                    }
                }
            }
            let mut links = Vec::new();
            for parent in &bases {
                let declared = fields.iter().any(|f| {
                    f.kwarg("parent_link").and_then(Value::as_bool) == Some(true) && f.target().as_ref() == Some(parent)
                });
                if !declared {
                    links.push(parent_link(parent));
                }
            }
            if links.is_empty() && bases.is_empty() && !fields.iter().any(Field::primary_key) {
                fields.insert(0, auto_pk(auto_field));
            } else if let Some(first) = links.first_mut() {
                if fields.iter().any(Field::primary_key) {
                    first.kwargs.remove("primary_key");
                    first.kwargs.remove("serialize");
                }
            }
            for (i, l) in links.into_iter().enumerate() {
                fields.insert(i, l);
            }
            // A declared link to the first parent becomes the primary key
            // when nothing else is (`Options._prepare`, then `setup_pk`).
            if !fields.iter().any(Field::primary_key) {
                if let Some(first) = bases.first() {
                    let link = fields.iter_mut().find(|f| {
                        f.kwarg("parent_link").and_then(Value::as_bool) == Some(true)
                            && f.target().as_ref() == Some(first)
                    });
                    if let Some(link) = link {
                        link.kwargs.insert("primary_key".to_owned(), Value::Bool(true));
                        link.kwargs.insert("serialize".to_owned(), Value::Bool(false));
                    }
                }
            }
        }
        // Fields without a line of their own (the automatic primary key, a
        // parent link, fields inherited from Django's contrib bases) are
        // reported on the class.
        if d.origin.is_some() {
            for f in &mut fields {
                if f.origin.is_none() {
                    f.origin = d.origin.clone();
                }
            }
        }
        let mut options = meta;
        options.remove("app_label");
        options.remove("apps");
        // `name="%(app_label)s_%(class)s_…"` (from an abstract base's Meta)
        // is filled in for the concrete model (`Options._format_names`).
        for key in ["indexes", "constraints"] {
            if let Some(Value::List(items)) = options.get_mut(key) {
                for item in items {
                    if let Value::Call { kwargs, .. } = item {
                        for (k, v) in kwargs.iter_mut() {
                            if let (true, Value::Str(name)) = (k == "name", &mut *v) {
                                *name = name
                                    .replace("%(app_label)s", &app.to_lowercase())
                                    .replace("%(class)s", &d.name.to_lowercase());
                            }
                        }
                    }
                }
            }
        }
        ModelState {
            app_label: app.to_owned(),
            name: d.name.clone(),
            fields,
            options,
            bases,
            origin: d.origin.clone(),
        }
    }
}

enum Callee {
    /// A field: the Django class it is or derives from, and whether its
    /// class overrides `deconstruct()` (see [`Field::opaque`]).
    Field(Option<String>, bool),
    NotAField,
    Unknown,
}

/// `name = value` as a statement: the name and value nodes.
pub fn simple_assignment(stmt: Node<'_>) -> Option<(Node<'_>, Node<'_>)> {
    if stmt.kind() != "expression_statement" {
        return None;
    }
    let assign = stmt.named_child(0)?;
    if assign.kind() != "assignment" {
        return None;
    }
    let left = field(assign, "left")?;
    if left.kind() != "identifier" {
        return None;
    }
    Some((left, field(assign, "right")?))
}

/// Constants (`NAME = literal`) and choices classes (`Status.PENDING`,
/// `Status.choices`) of one level of statements; their values may use the
/// enclosing level's, `outer`.
fn level_constants(stmts: Vec<Node<'_>>, src: &str, outer: &HashMap<String, Value>) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    for stmt in stmts {
        let def = syntax::definition_of(stmt);
        if def.kind() == "class_definition" {
            if let Some(members) = choices_members(def, src) {
                let name = class_name(def, src);
                let mut list = Vec::new();
                for (member, v, label) in members {
                    out.insert(format!("{name}.{member}"), v.clone());
                    list.push(Value::List(vec![v, label]));
                }
                out.insert(format!("{name}.choices"), Value::List(list));
            }
            continue;
        }
        if let Some((k, v)) = simple_assignment(stmt) {
            let v = value::parse(v, src, &|n| out.get(n).or_else(|| outer.get(n)).cloned());
            if !matches!(v, Value::Call { .. } | Value::Name(_)) {
                out.insert(text(k, src).to_owned(), v);
            }
        }
    }
    out
}

/// Members of a `TextChoices`/`IntegerChoices` class: (name, value, label).
fn choices_members(class: Node<'_>, src: &str) -> Option<Vec<(String, Value, Value)>> {
    let supers = field(class, "superclasses")?;
    let is_choices = named_children(supers).iter().any(|b| {
        dotted(*b, src)
            .is_some_and(|d| matches!(d.rsplit('.').next(), Some("TextChoices" | "IntegerChoices" | "Choices")))
    });
    if !is_choices {
        return None;
    }
    let none = |_: &str| None;
    let mut out = Vec::new();
    for stmt in syntax::body_statements(class) {
        let Some((k, v)) = simple_assignment(stmt) else {
            continue;
        };
        let name = text(k, src).to_owned();
        if name.starts_with('_') {
            continue;
        }
        let (value, label) = match value::parse(v, src, &none) {
            Value::List(items) if syntax::unparen(v).kind() == "expression_list" || items.len() == 2 => {
                let mut it = items.into_iter();
                let value = it.next()?;
                let label = it.next().unwrap_or_else(|| Value::Str(title(&name)));
                (value, label)
            }
            other => (other, Value::Str(title(&name))),
        };
        out.push((name, value, label));
    }
    Some(out)
}

/// Python's `name.replace("_", " ").title()` (a choice's default label).
fn title(name: &str) -> String {
    let mut out = String::new();
    let mut prev_letter = false;
    for c in name.replace('_', " ").chars() {
        if c.is_alphabetic() {
            if prev_letter {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            prev_letter = true;
        } else {
            out.push(c);
            prev_letter = false;
        }
    }
    out
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::Path;

    /// Loads a folder into an index (tests only: the core never reads files).
    pub(crate) fn load_dir(dir: &Path) -> WorkspaceIndex {
        let walked = crate::workspace::walk(dir, std::sync::Arc::new(|_: &Path| false));
        let sources = walked
            .files
            .into_iter()
            .map(|path| crate::workspace::Source { path, contents: None })
            .collect();
        crate::workspace::load(sources).index
    }

    pub(crate) fn shop_apps(index: &WorkspaceIndex, root: &Path) -> Vec<AppSpec> {
        ["catalog", "reviews"]
            .iter()
            .map(|label| AppSpec {
                label: (*label).to_owned(),
                dir: root.join(label),
                files: vec![index.file_by_path(&root.join(label).join("models.py")).unwrap()],
                default_auto_field: "django.db.models.BigAutoField".to_owned(),
            })
            .collect()
    }

    #[test]
    fn reads_the_shop_models() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shop");
        let index = load_dir(&root);
        let apps = shop_apps(&index, &root);
        let declared = read_models(&index, &apps, "auth.User");
        assert!(declared.uncertain.is_empty(), "{:?}", declared.uncertain);
        let product = declared.state.get(&ModelKey::new("catalog", "Product")).unwrap();
        let names: Vec<&str> = product.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "id",
                "created_at",
                "updated_at",
                "category",
                "name",
                "slug",
                "sku",
                "description",
                "price",
                "stock",
                "is_published",
                "image_url",
                "tags"
            ]
        );
        assert_eq!(product.fields[0].class.as_deref(), Some("BigAutoField"));
        let sku = product.field("sku").unwrap();
        assert_eq!(sku.kwarg("verbose_name"), Some(&Value::Str("SKU".into())));
        assert_eq!(sku.max_length(), Some(32));
        assert_eq!(
            product.field("category").unwrap().kwarg("to"),
            Some(&Value::Str("catalog.category".into()))
        );
        assert_eq!(
            product.field("tags").unwrap().kwarg("to"),
            Some(&Value::Str("catalog.tag".into()))
        );
        let category = declared.state.get(&ModelKey::new("catalog", "category")).unwrap();
        assert_eq!(
            category.field("parent").unwrap().kwarg("to"),
            Some(&Value::Str("catalog.category".into()))
        );
        let customer = declared.state.get(&ModelKey::new("catalog", "customer")).unwrap();
        assert_eq!(
            customer.field("user").unwrap().kwarg("to"),
            Some(&Value::Str("auth.user".into()))
        );
        let order = declared.state.get(&ModelKey::new("catalog", "order")).unwrap();
        let status = order.field("status").unwrap();
        assert_eq!(status.kwarg("default"), Some(&Value::Str("pending".into())));
        let choices = status.kwarg("choices").unwrap().as_list().unwrap();
        assert_eq!(
            choices[0],
            Value::List(vec![Value::Str("pending".into()), Value::Str("Pending payment".into())])
        );
        assert!(declared
            .state
            .get(&ModelKey::new("catalog", "timestampedmodel"))
            .is_none());
        let review = declared.state.get(&ModelKey::new("reviews", "review")).unwrap();
        assert_eq!(
            review.field("product").unwrap().kwarg("to"),
            Some(&Value::Str("catalog.product".into()))
        );
        // Contrib models are known, without origin.
        let user = declared.state.get(&ModelKey::new("auth", "user")).unwrap();
        assert!(user.origin.is_none());
        assert!(user.field("username").is_some() && user.field("groups").is_some());
        assert_eq!(user.pk().unwrap().class.as_deref(), Some("AutoField"));
    }
}
