//! The Django projects of a workspace as their settings describe them, read
//! statically (OWNER: settings helper).
//!
//! [`discover_projects`] finds each project (a folder with `manage.py` or
//! `rxconfig.py`, or the parent of a settings package named by `asgi.py` /
//! `wsgi.py` or `DJANGO_SETTINGS_MODULE`), its settings module, the installed
//! apps found in the workspace (with their labels, models and migrations
//! files), `AUTH_USER_MODEL`, `DEFAULT_AUTO_FIELD` and the database URL.
//!
//! Nothing here does I/O: environment variables and file existence come in
//! through the `env` and `exists` closures, so tests pass fakes.
//!
//! # Reading settings
//!
//! A settings module is *evaluated* statement by statement, with a small
//! interpreter that knows literals, containers, `+` on lists and strings,
//! `/` on paths, `and`/`or`/`not`/comparisons, f-strings, `if` (a branch is
//! taken when its condition is known; otherwise the branches' results are
//! joined: a name they disagree on becomes unknown), `try` (a star import of
//! a missing relative module raises `ImportError` and runs the handler),
//! star imports and named imports from workspace modules (`from .base import
//! *`, each module evaluated with its own `__file__`), list mutations
//! (`append`, `extend`, `insert`, `remove`, `+=`), dict updates and
//! subscript assignments, and these calls: `Path(…)`, `.resolve()`,
//! `.absolute()`, `.parent`, `.parents[n]`, `.joinpath()`, `os.path.join` /
//! `dirname` / `abspath` / `realpath` / `normpath` / `basename`, `str`,
//! `int`, `bool`, `list`, `tuple`, `dict`, `os.environ.get`, `os.getenv`,
//! `os.environ[…]`, `os.environ.setdefault`, django-environ (`environ.Env(…)`
//! with scheme defaults, `env("K", default=…)`, `env.str/int/bool/…`,
//! `env.db()` / `env.db_url()`, `read_env`), python-decouple's `config`,
//! `dotenv.load_dotenv`, and `dj_database_url.config(default=…, env=…)` /
//! `dj_database_url.parse(…)`.
//!
//! Anything else (an unknown call, a loop, a star import from outside the
//! workspace) makes the names it may touch *unknown*. An unknown value is
//! never guessed: a database configuration that cannot be read yields
//! nothing and the next source is tried; an unreadable `INSTALLED_APPS`
//! falls back to the folder scan (see [`Project::apps_fallback`]).
//!
//! `.env` files: when the settings load one (`read_env`, `load_dotenv`,
//! decouple's `config`) and `exists` says the file is there, a variable the
//! `env` closure does not set is unknown (the file may set it; we do not
//! read it).

use std::collections::HashMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use tree_sitter::{Node, Tree};

use super::state::Origin;
use crate::config::redact_url;
use crate::index::{FileId, WorkspaceIndex};
use crate::syntax::{field, named_children, text, unparen};

/// The environment variables that name a database URL, in the order they
/// are tried (SPEC §4 "Live"), after the caller's own settings.
pub const DATABASE_URL_VARIABLES: [&str; 3] = ["DATABASE_URL", "RX_DATABASE_URL", "REFLEX_DJANGO_DATABASE_URL"];

/// Packages that are built-in knowledge (never analysed as workspace apps,
/// as in `index`).
const FRAMEWORK_PACKAGES: [&str; 5] = ["django", "asgiref", "reflex", "reflex_django", "channels"];

/// One Django project in the workspace.
#[derive(Debug, Clone)]
pub struct Project {
    /// The folder with `manage.py` (else `rxconfig.py`, else the settings
    /// package's parent). Relative SQLite paths and the default database
    /// files are taken from here.
    pub root: PathBuf,
    pub manage_py: Option<FileId>,
    pub rxconfig: Option<FileId>,
    /// The dotted name of the settings module, as named (even when it
    /// could not be found in the workspace).
    pub settings_module: Option<String>,
    /// The settings module's file.
    pub settings: Option<FileId>,
    /// `INSTALLED_APPS` as read (empty when it could not be read).
    pub installed_apps: Vec<String>,
    /// The installed apps found in the workspace, in `INSTALLED_APPS` order
    /// (or, with [`Project::apps_fallback`], by path).
    pub apps: Vec<App>,
    /// `true` when there was no settings module or its `INSTALLED_APPS`
    /// could not be read: then every folder under the root that has both a
    /// `models.py` / `models/` package and a `migrations/` folder is an app,
    /// labelled as its `apps.py` says (else by its folder name).
    pub apps_fallback: bool,
    /// `AUTH_USER_MODEL` (`"auth.User"` when unset or unreadable).
    pub auth_user_model: String,
    /// The settings' `DEFAULT_AUTO_FIELD`; `None` when unset (the Django
    /// version's default applies).
    pub default_auto_field: Option<String>,
    /// Labels of the installed `django.contrib.*` apps (`auth`, `admin`, …).
    pub contrib_apps: Vec<String>,
    pub database: Option<ConfiguredDatabase>,
}

/// An installed app whose package is in the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// The app label (the AppConfig's `label`, else the last component of
    /// its `name`).
    pub label: String,
    /// The app's module (the AppConfig's `name`): `catalog`, `apps.shop`.
    pub module: String,
    /// The app package's folder.
    pub dir: PathBuf,
    /// The AppConfig's `default_auto_field`, if it sets one.
    pub default_auto_field: Option<String>,
    /// `models.py`, or every file of a `models/` package (sorted by path).
    pub models: Vec<FileId>,
    /// `<dir>/migrations/*.py` except `__init__.py`, sorted by file name.
    pub migrations: Vec<FileId>,
    /// The config the package's `__init__.py` names in
    /// `default_app_config = "pkg.apps.Config"`: before Django 4.1 it takes
    /// over from the one found in `apps.py` (Django 3.2's
    /// `AppConfig.create`), from 4.1 on it is ignored.
    pub default_app_config: Option<LegacyAppConfig>,
}

/// What an app's `default_app_config` class sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyAppConfig {
    /// Its `label`, else the last component of its `name`.
    pub label: String,
    pub default_auto_field: Option<String>,
}

impl Project {
    /// The project as Django `django_version` loads it: before 4.1, an
    /// app's `default_app_config` decides its label.
    pub fn for_django(mut self, django_version: (u32, u32)) -> Project {
        if django_version < (4, 1) {
            for app in &mut self.apps {
                if let Some(legacy) = app.default_app_config.take() {
                    app.label = legacy.label;
                    app.default_auto_field = legacy.default_auto_field;
                }
            }
        }
        self
    }
}

/// The database a project is configured with. `Debug` redacts the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ConfiguredDatabase {
    /// `sqlite:////abs/db.sqlite3`, `postgres://u:p%40ss@host:5432/db`,
    /// `mysql://…`, or whatever URL an environment variable / dj-database-url
    /// default / `db_url=` holds (relative SQLite paths from the settings,
    /// `rxconfig.py` and the default files are made absolute against the
    /// project root; an environment variable's URL is left as it is).
    pub url: String,
    /// What configured it: the `DATABASES` assignment (or the last statement
    /// that changed it), the `db_url=` argument; `None` for a URL given from
    /// outside the project's Python files (command line, editor, config
    /// file, environment variable) or a default file.
    pub origin: Option<Origin>,
    pub source: DatabaseSource,
}

impl fmt::Debug for ConfiguredDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfiguredDatabase")
            .field("url", &redact_url(&self.url))
            .field("origin", &self.origin)
            .field("source", &self.source)
            .finish()
    }
}

/// Where a project's database URL came from (SPEC §4's order: the first
/// three are given by the user and win over the project's own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseSource {
    /// `--database-url`.
    CommandLine,
    /// The editor's `databaseUrl` setting (the language server).
    Editor,
    /// `[database] url` of this config file.
    ConfigFile(PathBuf),
    /// An environment variable, by name (`DATABASE_URL`, …).
    Environment(String),
    /// The settings module's `DATABASES["default"]`.
    Settings,
    /// `rxconfig.py`'s `db_url=`.
    Rxconfig,
    /// `reflex.db` or `db.sqlite3` found in the project root.
    DefaultFile,
}

impl DatabaseSource {
    /// Named by the user rather than read from the project: a missing
    /// SQLite file or an in-memory URL is then an error, not "no database
    /// yet".
    pub fn is_explicit(&self) -> bool {
        !matches!(
            self,
            DatabaseSource::Settings | DatabaseSource::Rxconfig | DatabaseSource::DefaultFile
        )
    }

    /// A stable key for machine-readable output: `flag`, `editor`,
    /// `config`, `env:NAME`, `settings`, `rxconfig`, `default-file`.
    pub fn key(&self) -> String {
        match self {
            DatabaseSource::CommandLine => "flag".to_owned(),
            DatabaseSource::Editor => "editor".to_owned(),
            DatabaseSource::ConfigFile(_) => "config".to_owned(),
            DatabaseSource::Environment(var) => format!("env:{var}"),
            DatabaseSource::Settings => "settings".to_owned(),
            DatabaseSource::Rxconfig => "rxconfig".to_owned(),
            DatabaseSource::DefaultFile => "default-file".to_owned(),
        }
    }
}

/// Where a database's URL was written, as a file and 1-based line (the line
/// only for a Python statement of the workspace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
    pub file: PathBuf,
    pub line: Option<usize>,
}

impl ConfiguredDatabase {
    /// The URL as it may be shown: without its password.
    pub fn shown_url(&self) -> String {
        super::url::shown(&self.url)
    }

    /// The file (and line) the URL was written in: the config file, or the
    /// `DATABASES` / `db_url=` statement; `None` for the command line, the
    /// editor, the environment and a default file.
    pub fn location(&self, index: &WorkspaceIndex) -> Option<SourceLocation> {
        if let DatabaseSource::ConfigFile(file) = &self.source {
            return Some(SourceLocation {
                file: file.clone(),
                line: None,
            });
        }
        let origin = self.origin.as_ref()?;
        let line = index
            .file_by_path(&origin.path)
            .map(|id| index.file(id).lines().line_of(origin.range.start) + 1);
        Some(SourceLocation {
            file: origin.path.clone(),
            line,
        })
    }

    /// Where the URL came from, for people: "`--database-url`", "the
    /// environment variable `DATABASE_URL`", "`DATABASES` in
    /// shop/settings.py:21", …; `show` renders a path.
    pub fn describe_source(&self, index: &WorkspaceIndex, show: &dyn Fn(&Path) -> String) -> String {
        let at = || match self.location(index) {
            Some(SourceLocation { file, line: Some(l) }) => format!(" in {}:{l}", show(&file)),
            Some(SourceLocation { file, line: None }) => format!(" in {}", show(&file)),
            None => String::new(),
        };
        match &self.source {
            DatabaseSource::CommandLine => "`--database-url`".to_owned(),
            DatabaseSource::Editor => "the editor setting `databaseUrl`".to_owned(),
            DatabaseSource::ConfigFile(file) => {
                let table = if file.file_name().is_some_and(|n| n == "pyproject.toml") {
                    "[tool.reflex-django-lsp.database]"
                } else {
                    "[database]"
                };
                format!("`{table} url`{}", at())
            }
            DatabaseSource::Environment(var) => format!("the environment variable `{var}`"),
            DatabaseSource::Settings => format!("`DATABASES`{}", at()),
            DatabaseSource::Rxconfig => format!("`db_url`{}", at()),
            DatabaseSource::DefaultFile => "the default database file in the project folder".to_owned(),
        }
    }
}

/// Finds the Django projects of the workspace and reads their settings.
///
/// `env` answers environment variables (`DJANGO_SETTINGS_MODULE`,
/// `DATABASE_URL`, and those the settings read); `exists` answers whether a
/// file exists on disk (the default database files, `.env` files, relative
/// modules that are not indexed). Projects are sorted by root.
///
/// Projects: every folder holding `manage.py` or `rxconfig.py` (one project
/// per folder; two folders naming the same settings file are one project,
/// rooted at `manage.py`'s folder), then settings modules named by an
/// `asgi.py` / `wsgi.py` outside those folders, rooted at the settings
/// package's parent. With none of these, `DJANGO_SETTINGS_MODULE` if it
/// names a workspace module, else one project rooted at the folder common to
/// all files (no settings: apps by the folder scan).
///
/// The settings module is named by, in order: `DJANGO_SETTINGS_MODULE`
/// (only when it resolves to a file under the project's root: another
/// project's setting must not leak in), `manage.py`'s
/// `os.environ.setdefault("DJANGO_SETTINGS_MODULE", …)`, `rxconfig.py`'s
/// `settings_module=` argument, an `asgi.py` / `wsgi.py` under the root; the
/// first name that resolves to a workspace file (by path from the root, as
/// `sys.path` would, else the module map nearest to the naming file) wins.
///
/// The database URL: `DATABASE_URL`, `RX_DATABASE_URL`,
/// `REFLEX_DJANGO_DATABASE_URL` (non-empty), the settings'
/// `DATABASES["default"]`, `rxconfig.py`'s `db_url=`, `reflex.db`, then
/// `db.sqlite3` in the root. A source that cannot be read statically yields
/// nothing and the next is tried.
pub fn discover_projects(
    index: &WorkspaceIndex,
    env: &dyn Fn(&str) -> Option<String>,
    exists: &dyn Fn(&Path) -> bool,
) -> Vec<Project> {
    let mut reader = Reader::new(index, env, exists);
    let candidates = reader.candidates();
    let roots: Vec<PathBuf> = candidates.iter().map(|c| c.root.clone()).collect();
    candidates.into_iter().map(|c| reader.project(c, &roots)).collect()
}

/// Reads one settings module (and what it star-imports): its
/// `INSTALLED_APPS`, `AUTH_USER_MODEL`, `DEFAULT_AUTO_FIELD` and the URL of
/// `DATABASES["default"]`. `root` is the folder Django runs in (relative
/// SQLite names are taken from there). For callers that already know the
/// settings file.
pub fn read_settings(
    index: &WorkspaceIndex,
    settings: FileId,
    root: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    exists: &dyn Fn(&Path) -> bool,
) -> SettingsValues {
    let mut reader = Reader::new(index, env, exists);
    reader.settings_values(settings, root)
}

/// What [`read_settings`] reads.
#[derive(Debug, Clone, Default)]
pub struct SettingsValues {
    /// `None` when `INSTALLED_APPS` is unset or could not be read.
    pub installed_apps: Option<Vec<String>>,
    /// `None` when unset or unreadable.
    pub auth_user_model: Option<String>,
    pub default_auto_field: Option<String>,
    /// `DATABASES["default"]` as a URL, with the statement that set it.
    pub database: Option<ConfiguredDatabase>,
}

// ---------------------------------------------------------------------------
// Values

/// A statically known Python value (or not).
#[derive(Clone, PartialEq)]
enum Val {
    Unknown,
    None,
    Bool(bool),
    Int(i64),
    Str(String),
    Path(PathBuf),
    /// `path.parents`.
    Parents(PathBuf),
    /// Lists, tuples and sets.
    List(Vec<Val>),
    /// Dicts with string keys, in insertion order.
    Dict(Vec<(String, Val)>),
    /// Something outside the workspace, by qualified name (`os.path.join`).
    Ext(String),
    /// A django-environ `Env`, with the defaults of its scheme.
    EnvReader(Vec<(String, Val)>),
    /// A method bound to a value (`env.db`, `path.resolve`).
    Bound(Box<Val>, String),
    /// A database URL as dj-database-url / `env.db()` return it (a dict of
    /// connection settings in Python).
    DbUrl(String),
}

/// The key under which a dict built by splatting a [`Val::DbUrl`] keeps it.
const URL_KEY: &str = "\0url";

impl Val {
    fn truthy(&self) -> Option<bool> {
        match self {
            Val::None => Some(false),
            Val::Bool(b) => Some(*b),
            Val::Int(i) => Some(*i != 0),
            Val::Str(s) => Some(!s.is_empty()),
            Val::List(v) => Some(!v.is_empty()),
            Val::Dict(v) => Some(!v.is_empty()),
            Val::Path(_) | Val::Parents(_) | Val::DbUrl(_) | Val::EnvReader(_) => Some(true),
            Val::Unknown | Val::Ext(_) | Val::Bound(..) => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    fn is_known(&self) -> bool {
        !matches!(self, Val::Unknown)
    }

    fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Dict(items) => items.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A path-like value as a path (`str` and `Path` alike).
    fn as_path(&self) -> Option<PathBuf> {
        match self {
            Val::Str(s) => Some(PathBuf::from(s)),
            Val::Path(p) => Some(p.clone()),
            _ => None,
        }
    }
}

fn dict_set(items: &mut Vec<(String, Val)>, key: String, val: Val) {
    match items.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = val,
        None => items.push((key, val)),
    }
}

#[derive(Clone, PartialEq)]
struct Binding {
    val: Val,
    origin: Option<Origin>,
}

type Scope = HashMap<String, Binding>;

/// Two possible outcomes of the same code: a name they disagree on is unknown.
fn join(a: &Scope, b: &Scope) -> Scope {
    let mut out = Scope::new();
    for (k, va) in a {
        match b.get(k) {
            Some(vb) if vb.val == va.val => {
                out.insert(k.clone(), va.clone());
            }
            other => {
                let origin = other.and_then(|b| b.origin.clone()).or_else(|| va.origin.clone());
                out.insert(
                    k.clone(),
                    Binding {
                        val: Val::Unknown,
                        origin,
                    },
                );
            }
        }
    }
    for (k, vb) in b {
        out.entry(k.clone()).or_insert_with(|| Binding {
            val: Val::Unknown,
            origin: vb.origin.clone(),
        });
    }
    out
}

/// A lexically normalized path (`a/./b/../c` → `a/c`); symlinks are not
/// followed (we do no I/O).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn path_string(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

// ---------------------------------------------------------------------------
// The interpreter

/// The file being evaluated.
struct Ctx<'a> {
    file: FileId,
    path: &'a Path,
    src: &'a str,
    module: String,
}

/// A module evaluated: its names, or `None` when importing it fails.
type ModuleScope = Option<Rc<Scope>>;

/// What an import names.
enum ImportTarget {
    Workspace(FileId),
    /// A relative module that does not exist: `ImportError`.
    Missing,
    /// Outside the workspace (or on disk but not indexed).
    External(String),
}

/// Modules that are always importable (a `try: import os` never fails).
const STDLIB: [&str; 24] = [
    "os",
    "sys",
    "pathlib",
    "json",
    "logging",
    "socket",
    "re",
    "datetime",
    "warnings",
    "typing",
    "ast",
    "importlib",
    "platform",
    "tempfile",
    "urllib",
    "base64",
    "secrets",
    "collections",
    "functools",
    "itertools",
    "copy",
    "contextlib",
    "string",
    "__future__",
];

const BUILTINS: [&str; 8] = ["str", "int", "bool", "list", "tuple", "dict", "set", "len"];

struct Reader<'a> {
    index: &'a WorkspaceIndex,
    env: &'a dyn Fn(&str) -> Option<String>,
    exists: &'a dyn Fn(&Path) -> bool,
    /// `os.environ` writes made by the code evaluated so far (`None`: deleted).
    overlay: HashMap<String, Option<String>>,
    /// A `.env` file was loaded: variables the environment lacks are unknown.
    env_opaque: bool,
    modules: HashMap<FileId, ModuleScope>,
    stack: Vec<FileId>,
    /// Where the project runs (absolute imports resolve from here first).
    root: PathBuf,
    /// Trees parsed here for files the index does not parse itself.
    trees: HashMap<FileId, Rc<Tree>>,
}

/// An environment lookup's answer.
enum Lookup {
    Set(String),
    Unset,
    Unknown,
}

impl<'a> Reader<'a> {
    fn new(
        index: &'a WorkspaceIndex,
        env: &'a dyn Fn(&str) -> Option<String>,
        exists: &'a dyn Fn(&Path) -> bool,
    ) -> Reader<'a> {
        Reader {
            index,
            env,
            exists,
            overlay: HashMap::new(),
            env_opaque: false,
            modules: HashMap::new(),
            stack: Vec::new(),
            root: PathBuf::new(),
            trees: HashMap::new(),
        }
    }

    /// Forgets what the last project's code did (each project is its own process).
    fn reset(&mut self, root: &Path) {
        self.overlay.clear();
        self.env_opaque = false;
        self.modules.clear();
        self.stack.clear();
        self.root = root.to_path_buf();
    }

    fn tree(&mut self, file: FileId) -> Option<Rc<Tree>> {
        if let Some(t) = self.trees.get(&file) {
            return Some(t.clone());
        }
        let entry = self.index.file(file);
        if entry.decode_error.is_some() {
            return None;
        }
        let tree = match entry.tree() {
            Some(t) => t.clone(),
            None => crate::syntax::parse(&entry.text)?,
        };
        let tree = Rc::new(tree);
        self.trees.insert(file, tree.clone());
        Some(tree)
    }

    fn getenv(&self, key: &str) -> Lookup {
        if let Some(v) = self.overlay.get(key) {
            return match v {
                Some(v) => Lookup::Set(v.clone()),
                None => Lookup::Unset,
            };
        }
        match (self.env)(key) {
            Some(v) => Lookup::Set(v),
            None if self.env_opaque => Lookup::Unknown,
            None => Lookup::Unset,
        }
    }

    // -- modules ----------------------------------------------------------

    /// A workspace module by dotted name: by path from the project root (as
    /// `sys.path` would find it), else the module map nearest to `near`.
    fn resolve_module(&self, name: &str, near: Option<FileId>) -> Option<FileId> {
        if name.is_empty() {
            return None;
        }
        let under = |dir: &Path| {
            let mut base = dir.to_path_buf();
            for part in name.split('.') {
                base.push(part);
            }
            let as_file = base.with_extension("py");
            self.index
                .file_by_path(&as_file)
                .or_else(|| self.index.file_by_path(&base.join("__init__.py")))
        };
        if let Some(id) = under(&self.root) {
            return Some(id);
        }
        if let Some(id) = self.index.module_near(name, near) {
            return Some(id);
        }
        // `manage.py` putting the root's parent on `sys.path`
        // (`example.project.settings` from `example/`): a module inside the
        // project, named from a folder above it.
        let root = self.root.clone();
        root.ancestors()
            .skip(1)
            .take(2)
            .filter_map(under)
            .find(|&id| !root.as_os_str().is_empty() && self.index.file(id).path.starts_with(&root))
    }

    /// Evaluates a workspace module (memoized per project; `None` when it
    /// cannot be imported or imports itself).
    fn module_scope(&mut self, file: FileId) -> ModuleScope {
        if let Some(s) = self.modules.get(&file) {
            return s.clone();
        }
        if self.stack.contains(&file) || self.stack.len() > 16 {
            return None;
        }
        self.stack.push(file);
        let result = self.eval_module(file).map(Rc::new);
        self.stack.pop();
        self.modules.insert(file, result.clone());
        result
    }

    fn eval_module(&mut self, file: FileId) -> Option<Scope> {
        let tree = self.tree(file)?;
        let entry = self.index.file(file);
        let text = entry.text.clone();
        let path = entry.path.clone();
        let cx = Ctx {
            file,
            path: &path,
            src: &text,
            module: entry.module().to_owned(),
        };
        let mut scope = Scope::new();
        let mut maybe = false;
        match self.exec_block(&cx, tree.root_node(), &mut scope, &mut maybe) {
            Outcome::Ok => Some(scope),
            Outcome::ImportError => None,
        }
    }

    fn resolve_import(&self, cx: &Ctx, module: Node) -> ImportTarget {
        if module.kind() == "relative_import" {
            let mut level = 0;
            let mut rest = String::new();
            for c in named_children(module) {
                match c.kind() {
                    "import_prefix" => level = text(c, cx.src).chars().filter(|c| *c == '.').count(),
                    "dotted_name" => rest = crate::syntax::dotted(c, cx.src).unwrap_or_default(),
                    _ => {}
                }
            }
            let mut dir = cx.path.parent().map(Path::to_path_buf).unwrap_or_default();
            for _ in 1..level {
                dir.pop();
            }
            let mut target = dir.clone();
            for part in rest.split('.').filter(|p| !p.is_empty()) {
                target.push(part);
            }
            let init = target.join("__init__.py");
            let file = if rest.is_empty() {
                init.clone()
            } else {
                target.with_extension("py")
            };
            if let Some(id) = self
                .index
                .file_by_path(&file)
                .or_else(|| self.index.file_by_path(&init))
            {
                return ImportTarget::Workspace(id);
            }
            if (self.exists)(&file) || (self.exists)(&init) || (!rest.is_empty() && (self.exists)(&target)) {
                // On disk but not indexed (excluded, git-ignored): unreadable.
                return ImportTarget::External(format!(".{rest}"));
            }
            return ImportTarget::Missing;
        }
        let name = crate::syntax::dotted(module, cx.src).unwrap_or_default();
        match self.resolve_module(&name, Some(cx.file)) {
            Some(id) if !is_framework(&name) => ImportTarget::Workspace(id),
            _ => ImportTarget::External(name),
        }
    }

    // -- statements -------------------------------------------------------

    fn exec_block(&mut self, cx: &Ctx, block: Node, scope: &mut Scope, maybe: &mut bool) -> Outcome {
        for stmt in named_children(block) {
            if self.exec(cx, stmt, scope, maybe) == Outcome::ImportError {
                return Outcome::ImportError;
            }
        }
        Outcome::Ok
    }

    fn origin(&self, cx: &Ctx, node: Node) -> Option<Origin> {
        Some(Origin {
            path: cx.path.to_path_buf(),
            range: node.byte_range(),
        })
    }

    fn exec(&mut self, cx: &Ctx, stmt: Node, scope: &mut Scope, maybe: &mut bool) -> Outcome {
        match stmt.kind() {
            "expression_statement" => {
                for child in named_children(stmt) {
                    self.exec_expression_statement(cx, child, stmt, scope);
                }
            }
            "import_statement" => {
                for name in named_children(stmt) {
                    let (dotted, alias) = match name.kind() {
                        "aliased_import" => (
                            field(name, "name").and_then(|n| crate::syntax::dotted(n, cx.src)),
                            field(name, "alias").map(|a| text(a, cx.src).to_owned()),
                        ),
                        _ => (crate::syntax::dotted(name, cx.src), None),
                    };
                    let Some(dotted) = dotted else { continue };
                    let top = dotted.split('.').next().unwrap_or("").to_owned();
                    if !STDLIB.contains(&top.as_str()) && self.resolve_module(&dotted, Some(cx.file)).is_none() {
                        *maybe = true;
                    }
                    let origin = self.origin(cx, stmt);
                    match alias {
                        Some(a) => scope.insert(
                            a,
                            Binding {
                                val: Val::Ext(dotted),
                                origin,
                            },
                        ),
                        None => scope.insert(
                            top.clone(),
                            Binding {
                                val: Val::Ext(top),
                                origin,
                            },
                        ),
                    };
                }
            }
            "import_from_statement" => return self.exec_import_from(cx, stmt, scope, maybe),
            "future_import_statement"
            | "pass_statement"
            | "comment"
            | "global_statement"
            | "nonlocal_statement"
            | "assert_statement"
            | "print_statement" => {}
            "if_statement" => return self.exec_if(cx, stmt, scope, maybe),
            "try_statement" => return self.exec_try(cx, stmt, scope, maybe),
            "with_statement" => {
                taint_with_targets(cx, stmt, scope);
                if let Some(body) = field(stmt, "body") {
                    return self.exec_block(cx, body, scope, maybe);
                }
            }
            "function_definition" | "class_definition" | "decorated_definition" => {
                let def = crate::syntax::definition_of(stmt);
                if let Some(name) = field(def, "name") {
                    scope.insert(
                        text(name, cx.src).to_owned(),
                        Binding {
                            val: Val::Unknown,
                            origin: self.origin(cx, stmt),
                        },
                    );
                }
            }
            "delete_statement" => {
                for target in named_children(stmt) {
                    let targets = if target.kind() == "expression_list" {
                        named_children(target)
                    } else {
                        vec![target]
                    };
                    for t in targets {
                        if t.kind() == "identifier" {
                            scope.remove(text(t, cx.src));
                        } else {
                            taint_node(cx, t, scope);
                        }
                    }
                }
            }
            // Loops, `match`, anything else: every name it may assign or
            // mutate becomes unknown.
            _ => taint_node(cx, stmt, scope),
        }
        Outcome::Ok
    }

    fn exec_import_from(&mut self, cx: &Ctx, stmt: Node, scope: &mut Scope, maybe: &mut bool) -> Outcome {
        let Some(module) = field(stmt, "module_name") else {
            return Outcome::Ok;
        };
        let star = named_children(stmt).iter().any(|c| c.kind() == "wildcard_import");
        let target = self.resolve_import(cx, module);
        let origin = self.origin(cx, stmt);
        let imported: ModuleScope = match &target {
            // A workspace module that cannot be evaluated (it fails, or imports
            // itself): its names are unknown.
            ImportTarget::Workspace(id) => self.module_scope(*id),
            ImportTarget::Missing => return Outcome::ImportError,
            ImportTarget::External(name) => {
                let top = name.split('.').next().unwrap_or("");
                if !STDLIB.contains(&top) && !is_framework(name) {
                    *maybe = true;
                }
                None
            }
        };
        if star {
            match (&target, imported) {
                (ImportTarget::Workspace(_), Some(names)) => {
                    for (k, b) in names.iter() {
                        if !k.starts_with('_') {
                            scope.insert(k.clone(), b.clone());
                        }
                    }
                }
                _ => {
                    // Any name may have been replaced (imports excepted).
                    for b in scope.values_mut() {
                        if !matches!(b.val, Val::Ext(_)) {
                            b.val = Val::Unknown;
                            b.origin = origin.clone();
                        }
                    }
                }
            }
            return Outcome::Ok;
        }
        let prefix = match &target {
            ImportTarget::External(name) => Some(name.clone()),
            _ => None,
        };
        let mut cursor = stmt.walk();
        for name in stmt.children_by_field_name("name", &mut cursor) {
            let (orig, alias) = match name.kind() {
                "aliased_import" => (
                    field(name, "name").and_then(|n| crate::syntax::dotted(n, cx.src)),
                    field(name, "alias").map(|a| text(a, cx.src).to_owned()),
                ),
                _ => (crate::syntax::dotted(name, cx.src), None),
            };
            let Some(orig) = orig else { continue };
            let bound = alias.unwrap_or_else(|| orig.clone());
            let val = match (&prefix, &imported) {
                (Some(p), _) if !p.starts_with('.') => Val::Ext(format!("{p}.{orig}")),
                (_, Some(names)) => names.get(&orig).map(|b| b.val.clone()).unwrap_or(Val::Unknown),
                _ => Val::Unknown,
            };
            scope.insert(
                bound,
                Binding {
                    val,
                    origin: origin.clone(),
                },
            );
        }
        Outcome::Ok
    }

    fn exec_if(&mut self, cx: &Ctx, stmt: Node, scope: &mut Scope, maybe: &mut bool) -> Outcome {
        // The branches in order: (condition, block); `else` has no condition.
        let mut branches: Vec<(Option<Node>, Node)> = Vec::new();
        if let (Some(c), Some(b)) = (field(stmt, "condition"), field(stmt, "consequence")) {
            branches.push((Some(c), b));
        }
        let mut cursor = stmt.walk();
        for alt in stmt.children_by_field_name("alternative", &mut cursor) {
            match alt.kind() {
                "elif_clause" => {
                    if let (Some(c), Some(b)) = (field(alt, "condition"), field(alt, "consequence")) {
                        branches.push((Some(c), b));
                    }
                }
                "else_clause" => {
                    if let Some(b) = field(alt, "body") {
                        branches.push((None, b));
                    }
                }
                _ => {}
            }
        }
        // Walk the chain while conditions are known; from the first unknown
        // one on, every remaining branch (and falling through) is possible.
        let mut possible: Vec<Node> = Vec::new();
        let mut falls_through = true;
        for (cond, block) in branches {
            match cond {
                None => {
                    possible.push(block);
                    falls_through = false;
                    break;
                }
                Some(c) => {
                    let v = self.eval(cx, c, scope);
                    match v.truthy() {
                        Some(true) if possible.is_empty() => {
                            possible.push(block);
                            falls_through = false;
                            break;
                        }
                        Some(false) => {}
                        _ => possible.push(block),
                    }
                }
            }
        }
        if possible.len() == 1 && !falls_through {
            return self.exec_block(cx, possible[0], scope, maybe);
        }
        let before = scope.clone();
        let mut outcomes: Vec<Scope> = Vec::new();
        if falls_through {
            outcomes.push(before.clone());
        }
        for block in possible {
            let mut s = before.clone();
            if self.exec_block(cx, block, &mut s, maybe) == Outcome::ImportError {
                // One possible path fails to import: everything it touched is unknown.
                taint_node(cx, block, &mut s);
            }
            outcomes.push(s);
        }
        let mut it = outcomes.into_iter();
        let mut joined = it.next().unwrap_or(before);
        for s in it {
            joined = join(&joined, &s);
        }
        *scope = joined;
        Outcome::Ok
    }

    fn exec_try(&mut self, cx: &Ctx, stmt: Node, scope: &mut Scope, maybe: &mut bool) -> Outcome {
        let before = scope.clone();
        let mut body_maybe = false;
        let body = field(stmt, "body");
        let outcome = match body {
            Some(b) => self.exec_block(cx, b, scope, &mut body_maybe),
            None => Outcome::Ok,
        };
        let clauses = named_children(stmt);
        let handler = clauses
            .iter()
            .copied()
            .filter(|c| c.kind() == "except_clause")
            .find(|c| catches_import_error(cx, *c));
        let mut result = Outcome::Ok;
        match outcome {
            Outcome::ImportError => match handler.and_then(block_of) {
                Some(h) => result = self.exec_block(cx, h, scope, maybe),
                None => result = Outcome::ImportError,
            },
            Outcome::Ok => {
                if let Some(e) = clauses
                    .iter()
                    .find(|c| c.kind() == "else_clause")
                    .and_then(|c| field(*c, "body"))
                {
                    result = self.exec_block(cx, e, scope, maybe);
                }
                if body_maybe {
                    // An import outside the workspace may fail: the handler may run.
                    match handler.and_then(block_of) {
                        Some(h) => {
                            let mut alt = before.clone();
                            if self.exec_block(cx, h, &mut alt, maybe) == Outcome::ImportError {
                                taint_node(cx, h, &mut alt);
                            }
                            *scope = join(scope, &alt);
                        }
                        None => *maybe = true,
                    }
                }
            }
        }
        if let Some(f) = clauses.iter().find(|c| c.kind() == "finally_clause") {
            if let Some(b) = named_children(*f).into_iter().find(|n| n.kind() == "block") {
                if self.exec_block(cx, b, scope, maybe) == Outcome::ImportError {
                    return Outcome::ImportError;
                }
            }
        }
        result
    }

    fn exec_expression_statement(&mut self, cx: &Ctx, node: Node, stmt: Node, scope: &mut Scope) {
        match node.kind() {
            "assignment" => {
                // `a = b = value`: every target, one value.
                let mut targets = Vec::new();
                let mut cur = node;
                loop {
                    if let Some(l) = field(cur, "left") {
                        targets.push(l);
                    }
                    match field(cur, "right") {
                        Some(r) if r.kind() == "assignment" => cur = r,
                        Some(r) => {
                            let val = self.eval(cx, r, scope);
                            for t in targets {
                                self.assign(cx, t, val.clone(), stmt, scope);
                            }
                            return;
                        }
                        None => return, // `X: int`
                    }
                }
            }
            "augmented_assignment" => {
                let (Some(left), Some(right)) = (field(node, "left"), field(node, "right")) else {
                    return;
                };
                let op = field(node, "operator").map(|o| text(o, cx.src)).unwrap_or("");
                let current = self.eval(cx, left, scope);
                let rhs = self.eval(cx, right, scope);
                let val = binop(&current, op.trim_end_matches('='), &rhs);
                self.assign(cx, left, val, stmt, scope);
            }
            "call" => self.exec_call_statement(cx, node, stmt, scope),
            _ => {
                // A docstring or an expression: evaluated for its effects
                // (`os.environ.setdefault(...)` nested in one is rare).
            }
        }
    }

    /// `X.append(...)`, `DATABASES["default"].update(...)`,
    /// `os.environ.setdefault(...)`, `load_dotenv()`: a call whose effect matters.
    fn exec_call_statement(&mut self, cx: &Ctx, call: Node, stmt: Node, scope: &mut Scope) {
        let func = field(call, "function").map(unparen);
        if let Some(f) = func.filter(|f| f.kind() == "attribute") {
            let method = field(f, "attribute").map(|a| text(a, cx.src)).unwrap_or("");
            let object = field(f, "object");
            if let Some(obj) = object.filter(|o| place_root(cx, *o).is_some_and(|r| scope.contains_key(r))) {
                let current = self.eval(cx, obj, scope);
                if matches!(current, Val::List(_) | Val::Dict(_) | Val::Unknown | Val::DbUrl(_)) {
                    let args = self.args(cx, call, scope);
                    let new = mutate(current, method, args);
                    self.assign(cx, obj, new, stmt, scope);
                    return;
                }
            }
        }
        // Not a known container: evaluate it for its side effects. Unknown
        // calls may mutate their arguments: names passed are tainted.
        let val = self.eval(cx, call, scope);
        if !val.is_known() {
            if let Some(args) = field(call, "arguments") {
                for a in named_children(args) {
                    let a = if a.kind() == "keyword_argument" {
                        field(a, "value").unwrap_or(a)
                    } else {
                        a
                    };
                    if let Some(root) = place_root(cx, unparen(a)) {
                        if let Some(b) = scope.get_mut(root) {
                            if matches!(b.val, Val::List(_) | Val::Dict(_)) {
                                b.val = Val::Unknown;
                                b.origin = self.origin(cx, stmt);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Assigns `val` to a target: a name, a subscript chain, a tuple.
    fn assign(&mut self, cx: &Ctx, target: Node, val: Val, stmt: Node, scope: &mut Scope) {
        let target = unparen(target);
        match target.kind() {
            "identifier" => {
                scope.insert(
                    text(target, cx.src).to_owned(),
                    Binding {
                        val,
                        origin: self.origin(cx, stmt),
                    },
                );
            }
            "subscript" => {
                // os.environ["K"] = v
                if let Some(obj) = field(target, "value") {
                    if let Val::Ext(q) = self.eval(cx, obj, scope) {
                        if q == "os.environ" {
                            let key = field(target, "subscript").map(|k| self.eval(cx, k, scope));
                            match (key.as_ref().and_then(Val::as_str), val.as_str()) {
                                (Some(k), Some(v)) => {
                                    self.overlay.insert(k.to_owned(), Some(v.to_owned()));
                                }
                                _ => self.env_opaque = true,
                            }
                            return;
                        }
                    }
                }
                let mut keys = Vec::new();
                let mut cur = target;
                while cur.kind() == "subscript" {
                    let Some(k) = field(cur, "subscript") else { return };
                    keys.push(self.eval(cx, k, scope));
                    match field(cur, "value").map(unparen) {
                        Some(v) => cur = v,
                        None => return,
                    }
                }
                keys.reverse();
                if cur.kind() != "identifier" {
                    taint_node(cx, cur, scope);
                    return;
                }
                let name = text(cur, cx.src).to_owned();
                let origin = self.origin(cx, stmt);
                let binding = scope.entry(name).or_insert(Binding {
                    val: Val::Unknown,
                    origin: None,
                });
                set_path(&mut binding.val, &keys, val);
                binding.origin = origin;
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "expression_list" | "tuple" | "list" => {
                let targets = named_children(target);
                match val {
                    Val::List(items) if items.len() == targets.len() => {
                        for (t, v) in targets.into_iter().zip(items) {
                            self.assign(cx, t, v, stmt, scope);
                        }
                    }
                    _ => {
                        for t in targets {
                            self.assign(cx, t, Val::Unknown, stmt, scope);
                        }
                    }
                }
            }
            // `obj.attr = …`: does not change a module-level name's value
            // for anything we read.
            _ => {}
        }
    }

    // -- expressions ------------------------------------------------------

    fn args(&mut self, cx: &Ctx, call: Node, scope: &Scope) -> Option<Args> {
        let list = field(call, "arguments")?;
        if list.kind() != "argument_list" {
            return None;
        }
        let mut args = Args::default();
        for a in named_children(list) {
            match a.kind() {
                "comment" => {}
                "keyword_argument" => {
                    let name = field(a, "name").map(|n| text(n, cx.src).to_owned())?;
                    let v = field(a, "value")
                        .map(|v| self.eval(cx, v, scope))
                        .unwrap_or(Val::Unknown);
                    args.kw.push((name, v));
                }
                "list_splat" | "dictionary_splat" => return None,
                _ => {
                    let v = self.eval(cx, a, scope);
                    args.pos.push(v);
                }
            }
        }
        Some(args)
    }

    fn eval(&mut self, cx: &Ctx, node: Node, scope: &Scope) -> Val {
        let node = unparen(node);
        match node.kind() {
            "string" => self.eval_string(cx, node, scope),
            "concatenated_string" => {
                let mut out = String::new();
                for part in named_children(node) {
                    match self.eval(cx, part, scope) {
                        Val::Str(s) => out.push_str(&s),
                        _ => return Val::Unknown,
                    }
                }
                Val::Str(out)
            }
            "integer" => text(node, cx.src)
                .replace('_', "")
                .parse()
                .map(Val::Int)
                .unwrap_or(Val::Unknown),
            "true" => Val::Bool(true),
            "false" => Val::Bool(false),
            "none" => Val::None,
            "identifier" => {
                let name = text(node, cx.src);
                match name {
                    "__file__" => Val::Str(path_string(cx.path)),
                    "__name__" => Val::Str(cx.module.clone()),
                    _ => match scope.get(name) {
                        Some(b) => b.val.clone(),
                        None if BUILTINS.contains(&name) => Val::Ext(format!("builtins.{name}")),
                        None => Val::Unknown,
                    },
                }
            }
            "attribute" => {
                let (Some(obj), Some(attr)) = (field(node, "object"), field(node, "attribute")) else {
                    return Val::Unknown;
                };
                let attr = text(attr, cx.src);
                match self.eval(cx, obj, scope) {
                    Val::Ext(q) => Val::Ext(format!("{q}.{attr}")),
                    Val::Path(p) => match attr {
                        "parent" => Val::Path(p.parent().map(Path::to_path_buf).unwrap_or(p)),
                        "parents" => Val::Parents(p),
                        "name" => Val::Str(
                            p.file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default(),
                        ),
                        _ => Val::Bound(Box::new(Val::Path(p)), attr.to_owned()),
                    },
                    Val::Unknown => Val::Unknown,
                    other => Val::Bound(Box::new(other), attr.to_owned()),
                }
            }
            "subscript" => {
                let (Some(obj), Some(key)) = (field(node, "value"), field(node, "subscript")) else {
                    return Val::Unknown;
                };
                let obj = self.eval(cx, obj, scope);
                let key = self.eval(cx, key, scope);
                subscript(self, &obj, &key)
            }
            "call" => {
                let Some(func) = field(node, "function") else {
                    return Val::Unknown;
                };
                let func = self.eval(cx, func, scope);
                if matches!(func, Val::Unknown) {
                    return Val::Unknown;
                }
                match self.args(cx, node, scope) {
                    Some(args) => self.apply(cx, func, args),
                    None => Val::Unknown,
                }
            }
            "list" | "tuple" | "set" | "expression_list" => {
                let mut items = Vec::new();
                for e in named_children(node) {
                    match e.kind() {
                        "comment" => {}
                        "list_splat" => match e.named_child(0).map(|x| self.eval(cx, x, scope)) {
                            Some(Val::List(v)) => items.extend(v),
                            _ => return Val::Unknown,
                        },
                        _ => items.push(self.eval(cx, e, scope)),
                    }
                }
                Val::List(items)
            }
            "dictionary" => {
                let mut items = Vec::new();
                for e in named_children(node) {
                    match e.kind() {
                        "comment" => {}
                        "pair" => {
                            let (Some(k), Some(v)) = (field(e, "key"), field(e, "value")) else {
                                return Val::Unknown;
                            };
                            let Val::Str(k) = self.eval(cx, k, scope) else {
                                return Val::Unknown;
                            };
                            let v = self.eval(cx, v, scope);
                            dict_set(&mut items, k, v);
                        }
                        "dictionary_splat" => match e.named_child(0).map(|x| self.eval(cx, x, scope)) {
                            Some(Val::Dict(v)) => {
                                for (k, v) in v {
                                    dict_set(&mut items, k, v);
                                }
                            }
                            Some(Val::DbUrl(u)) => dict_set(&mut items, URL_KEY.to_owned(), Val::Str(u)),
                            _ => return Val::Unknown,
                        },
                        _ => return Val::Unknown,
                    }
                }
                Val::Dict(items)
            }
            "binary_operator" => {
                let (Some(l), Some(r), Some(op)) = (field(node, "left"), field(node, "right"), field(node, "operator"))
                else {
                    return Val::Unknown;
                };
                let op = text(op, cx.src).to_owned();
                let l = self.eval(cx, l, scope);
                let r = self.eval(cx, r, scope);
                binop(&l, &op, &r)
            }
            "boolean_operator" => {
                let (Some(l), Some(r), Some(op)) = (field(node, "left"), field(node, "right"), field(node, "operator"))
                else {
                    return Val::Unknown;
                };
                let is_or = text(op, cx.src) == "or";
                let left = self.eval(cx, l, scope);
                match (left.truthy(), is_or) {
                    (Some(true), true) | (Some(false), false) => left,
                    (Some(_), _) => self.eval(cx, r, scope),
                    (None, _) => Val::Unknown,
                }
            }
            "not_operator" => match field(node, "argument").map(|a| self.eval(cx, a, scope).truthy()) {
                Some(Some(b)) => Val::Bool(!b),
                _ => Val::Unknown,
            },
            "comparison_operator" => self.eval_comparison(cx, node, scope),
            "conditional_expression" => {
                let parts = named_children(node);
                if parts.len() != 3 {
                    return Val::Unknown;
                }
                match self.eval(cx, parts[1], scope).truthy() {
                    Some(true) => self.eval(cx, parts[0], scope),
                    Some(false) => self.eval(cx, parts[2], scope),
                    None => {
                        let a = self.eval(cx, parts[0], scope);
                        let b = self.eval(cx, parts[2], scope);
                        if a == b {
                            a
                        } else {
                            Val::Unknown
                        }
                    }
                }
            }
            "unary_operator" => {
                let op = field(node, "operator").map(|o| text(o, cx.src)).unwrap_or("");
                match (op, field(node, "argument").map(|a| self.eval(cx, a, scope))) {
                    ("-", Some(Val::Int(i))) => Val::Int(-i),
                    ("+", Some(Val::Int(i))) => Val::Int(i),
                    _ => Val::Unknown,
                }
            }
            _ => Val::Unknown,
        }
    }

    fn eval_string(&mut self, cx: &Ctx, node: Node, scope: &Scope) -> Val {
        let mut out = String::new();
        let mut raw = false;
        for child in named_children(node) {
            match child.kind() {
                "string_start" => {
                    let prefix = text(child, cx.src).trim_end_matches(['"', '\'']).to_ascii_lowercase();
                    if prefix.contains('b') {
                        return Val::Unknown;
                    }
                    raw = prefix.contains('r');
                }
                "string_content" => {
                    let t = text(child, cx.src);
                    if raw {
                        out.push_str(t);
                    } else {
                        match unescape(t) {
                            Some(s) => out.push_str(&s),
                            None => return Val::Unknown,
                        }
                    }
                }
                "interpolation" => {
                    if field(child, "format_specifier").is_some() || field(child, "type_conversion").is_some() {
                        return Val::Unknown;
                    }
                    let Some(e) = field(child, "expression") else {
                        return Val::Unknown;
                    };
                    match self.eval(cx, e, scope) {
                        Val::Str(s) => out.push_str(&s),
                        Val::Int(i) => out.push_str(&i.to_string()),
                        Val::Path(p) => out.push_str(&path_string(&p)),
                        Val::Bool(b) => out.push_str(if b { "True" } else { "False" }),
                        Val::None => out.push_str("None"),
                        _ => return Val::Unknown,
                    }
                }
                _ => {}
            }
        }
        Val::Str(out)
    }

    fn eval_comparison(&mut self, cx: &Ctx, node: Node, scope: &Scope) -> Val {
        let operands = named_children(node);
        let ops: Vec<String> = {
            let mut cursor = node.walk();
            node.children_by_field_name("operators", &mut cursor)
                .map(|o| text(o, cx.src).split_whitespace().collect::<Vec<_>>().join(" "))
                .collect()
        };
        if operands.len() != 2 || ops.len() != 1 {
            return Val::Unknown;
        }
        let a = self.eval(cx, operands[0], scope);
        let b = self.eval(cx, operands[1], scope);
        if !a.is_known()
            || !b.is_known()
            || matches!(a, Val::Ext(_) | Val::Bound(..))
            || matches!(b, Val::Ext(_) | Val::Bound(..))
        {
            return Val::Unknown;
        }
        let contains = |hay: &Val, needle: &Val| -> Option<bool> {
            match (hay, needle) {
                (Val::List(v), n) => Some(v.contains(n)),
                (Val::Dict(v), Val::Str(n)) => Some(v.iter().any(|(k, _)| k == n)),
                (Val::Str(h), Val::Str(n)) => Some(h.contains(n.as_str())),
                _ => None,
            }
        };
        let r = match ops[0].as_str() {
            "==" => Some(a == b),
            "!=" => Some(a != b),
            "is" => matches!((&a, &b), (Val::None, _) | (_, Val::None) | (Val::Bool(_), Val::Bool(_))).then(|| a == b),
            "is not" => {
                matches!((&a, &b), (Val::None, _) | (_, Val::None) | (Val::Bool(_), Val::Bool(_))).then(|| a != b)
            }
            "in" => contains(&b, &a),
            "not in" => contains(&b, &a).map(|x| !x),
            "<" | "<=" | ">" | ">=" => match (&a, &b) {
                (Val::Int(x), Val::Int(y)) => Some(match ops[0].as_str() {
                    "<" => x < y,
                    "<=" => x <= y,
                    ">" => x > y,
                    _ => x >= y,
                }),
                _ => None,
            },
            _ => None,
        };
        r.map(Val::Bool).unwrap_or(Val::Unknown)
    }

    /// Calls a known function.
    fn apply(&mut self, cx: &Ctx, func: Val, args: Args) -> Val {
        match func {
            Val::Ext(q) => self.apply_external(cx, &q, args),
            Val::EnvReader(defaults) => self.env_call(&defaults, "__call__", &args),
            // django-environ's `root("db.sqlite3")` (a pathlib.Path is not callable).
            Val::Path(p) if args.kw.is_empty() => {
                let mut out = p;
                for a in &args.pos {
                    match a.as_path() {
                        Some(x) => out.push(x),
                        None => return Val::Unknown,
                    }
                }
                Val::Str(path_string(&normalize(&out)))
            }
            Val::Bound(recv, method) => match (*recv, method.as_str()) {
                (Val::EnvReader(_), "read_env") => {
                    self.dotenv(cx, args.at(0, "env_file"), DotenvStyle::SameDir);
                    Val::None
                }
                (Val::EnvReader(_), "db" | "db_url" | "database_url") => self.env_db(&args),
                (Val::EnvReader(defaults), m) => self.env_call(&defaults, m, &args),
                (Val::Path(p), "resolve" | "absolute") if p.is_absolute() => Val::Path(normalize(&p)),
                (Val::Path(p), "joinpath") => {
                    let mut out = p;
                    for a in &args.pos {
                        match a.as_path() {
                            Some(x) => out.push(x),
                            None => return Val::Unknown,
                        }
                    }
                    Val::Path(out)
                }
                (d @ Val::Dict(_), "get") => match args.pos.first() {
                    Some(Val::Str(k)) => d
                        .get(k)
                        .cloned()
                        .unwrap_or_else(|| args.pos.get(1).cloned().unwrap_or(Val::None)),
                    _ => Val::Unknown,
                },
                (d @ Val::Dict(_), "copy") => d,
                (l @ Val::List(_), "copy") => l,
                _ => Val::Unknown,
            },
            _ => Val::Unknown,
        }
    }

    fn apply_external(&mut self, cx: &Ctx, q: &str, args: Args) -> Val {
        let q = q
            .strip_prefix("builtins.")
            .map(|b| format!("builtins.{b}"))
            .unwrap_or_else(|| q.to_owned());
        match q.as_str() {
            "pathlib.Path" | "pathlib.PurePath" | "pathlib.PosixPath" | "pathlib.PurePosixPath" => {
                if args.pos.is_empty() || !args.kw.is_empty() {
                    return Val::Unknown;
                }
                let mut out = PathBuf::new();
                for a in &args.pos {
                    match a.as_path() {
                        Some(p) => out.push(p),
                        None => return Val::Unknown,
                    }
                }
                Val::Path(out)
            }
            "os.path.join" => {
                let mut out = PathBuf::new();
                for a in &args.pos {
                    match a.as_path() {
                        Some(p) => out.push(p),
                        None => return Val::Unknown,
                    }
                }
                Val::Str(path_string(&out))
            }
            "os.path.dirname" => match args.pos.first().and_then(Val::as_path) {
                Some(p) => Val::Str(p.parent().map(path_string).unwrap_or_default()),
                None => Val::Unknown,
            },
            "os.path.basename" => match args.pos.first().and_then(Val::as_path) {
                Some(p) => Val::Str(
                    p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                ),
                None => Val::Unknown,
            },
            "os.path.abspath" | "os.path.realpath" | "os.path.normpath" => {
                match args.pos.first().and_then(Val::as_path) {
                    Some(p) if p.is_absolute() || q == "os.path.normpath" => Val::Str(path_string(&normalize(&p))),
                    _ => Val::Unknown,
                }
            }
            "os.environ.get" | "os.getenv" => {
                let Some(Val::Str(k)) = args.at(0, "key") else {
                    return Val::Unknown;
                };
                let default = args.at(1, "default").cloned().unwrap_or(Val::None);
                match self.getenv(k) {
                    Lookup::Set(v) => Val::Str(v),
                    Lookup::Unset => default,
                    Lookup::Unknown => Val::Unknown,
                }
            }
            "os.environ.setdefault" => {
                let (Some(Val::Str(k)), Some(Val::Str(v))) = (args.pos.first(), args.pos.get(1)) else {
                    self.env_opaque = true;
                    return Val::Unknown;
                };
                match self.getenv(k) {
                    Lookup::Set(cur) => Val::Str(cur),
                    Lookup::Unset => {
                        self.overlay.insert(k.clone(), Some(v.clone()));
                        Val::Str(v.clone())
                    }
                    Lookup::Unknown => Val::Unknown,
                }
            }
            "builtins.str" => match args.pos.as_slice() {
                [Val::Str(s)] => Val::Str(s.clone()),
                [Val::Path(p)] => Val::Str(path_string(p)),
                [Val::Int(i)] => Val::Str(i.to_string()),
                [Val::Bool(b)] => Val::Str(if *b { "True" } else { "False" }.to_owned()),
                [Val::None] => Val::Str("None".to_owned()),
                _ => Val::Unknown,
            },
            "builtins.int" => match args.pos.as_slice() {
                [Val::Int(i)] => Val::Int(*i),
                [Val::Bool(b)] => Val::Int(*b as i64),
                [Val::Str(s)] => s.trim().parse().map(Val::Int).unwrap_or(Val::Unknown),
                _ => Val::Unknown,
            },
            "builtins.bool" => match args.pos.as_slice() {
                [v] => v.truthy().map(Val::Bool).unwrap_or(Val::Unknown),
                _ => Val::Unknown,
            },
            "builtins.list" | "builtins.tuple" | "builtins.set" => match args.pos.as_slice() {
                [] => Val::List(Vec::new()),
                [l @ Val::List(_)] => l.clone(),
                _ => Val::Unknown,
            },
            "builtins.dict" => match args.pos.as_slice() {
                [] => Val::Dict(args.kw.clone()),
                [d @ Val::Dict(_)] if args.kw.is_empty() => d.clone(),
                _ => Val::Unknown,
            },
            "environ.Env" | "environ.environ.Env" => {
                // The scheme: `Env(DEBUG=(bool, False), PORT=int)`.
                Val::EnvReader(args.kw.clone())
            }
            "environ.Path" | "environ.environ.Path" => {
                // django-environ's Path(start, *paths, is_file=False).
                let mut out = PathBuf::new();
                for a in &args.pos {
                    match a.as_path() {
                        Some(p) => out.push(p),
                        None => return Val::Unknown,
                    }
                }
                if !out.is_absolute() {
                    return Val::Unknown;
                }
                match args.kw.as_slice() {
                    [] => {}
                    [(k, Val::Bool(true))] if k == "is_file" => {
                        out.pop();
                    }
                    [(k, Val::Bool(false))] if k == "is_file" => {}
                    _ => return Val::Unknown,
                }
                Val::Path(normalize(&out))
            }
            "environ.Env.read_env" | "environ.environ.Env.read_env" => {
                self.dotenv(cx, args.at(0, "env_file"), DotenvStyle::SameDir);
                Val::None
            }
            "dotenv.load_dotenv" | "dotenv.main.load_dotenv" => {
                self.dotenv(cx, args.at(0, "dotenv_path"), DotenvStyle::Upwards);
                Val::Bool(true)
            }
            "decouple.config" => {
                // python-decouple reads `settings.ini` / `.env` found from
                // the caller's folder upwards; the environment wins. The
                // default goes through `cast` too.
                self.dotenv(cx, None, DotenvStyle::Decouple);
                let Some(Val::Str(k)) = args.at(0, "option") else {
                    return Val::Unknown;
                };
                let value = match self.getenv(k) {
                    Lookup::Set(v) => Val::Str(v),
                    Lookup::Unset => match args.at(1, "default") {
                        Some(d) => d.clone(),
                        None => return Val::Unknown,
                    },
                    Lookup::Unknown => return Val::Unknown,
                };
                match args.at(2, "cast") {
                    None => value,
                    Some(Val::Ext(c)) => py_cast(c.trim_start_matches("builtins."), value, BoolStyle::Decouple),
                    Some(_) => Val::Unknown,
                }
            }
            "dj_database_url.config" => {
                // config(env="DATABASE_URL", default=None, engine=None, …):
                // `os.environ.get(env, default)`, `{}` when empty.
                self.database_url_variable(&args, "env", false)
            }
            "dj_database_url.parse" => match args.at(0, "url") {
                Some(Val::Str(u)) if !u.is_empty() => Val::DbUrl(u.clone()),
                _ => Val::Unknown,
            },
            _ => Val::Unknown,
        }
    }

    /// django-environ's `Env.get_value`: `env("K", cast, default)`,
    /// `env.str/int/bool("K", default)`, with the scheme's casts and
    /// defaults, smart casting by the default's type, and `$OTHER` proxies
    /// (unknown).
    fn env_call(&mut self, scheme: &[(String, Val)], method: &str, args: &Args) -> Val {
        let Some(Val::Str(var)) = args.at(0, "var") else {
            return Val::Unknown;
        };
        let (mut cast, mut default): (Option<String>, Option<Val>) = match method {
            "__call__" => {
                let cast = match args.at(1, "cast") {
                    None | Some(Val::None) => None,
                    Some(Val::Ext(c)) => Some(c.trim_start_matches("builtins.").to_owned()),
                    Some(_) => return Val::Unknown,
                };
                (cast, args.at(2, "default").cloned())
            }
            "str" | "int" | "bool" => (Some(method.to_owned()), args.at(1, "default").cloned()),
            _ => return Val::Unknown,
        };
        if args.kw.iter().any(|(k, _)| k == "parse_default" || k == "multiline") {
            return Val::Unknown;
        }
        if let Some((_, info)) = scheme.iter().find(|(k, _)| k == var) {
            let (scheme_cast, scheme_default) = match info {
                Val::List(pair) if pair.len() == 2 => (Some(&pair[0]), Some(&pair[1])),
                other => (Some(other), None),
            };
            if cast.is_none() {
                match scheme_cast {
                    Some(Val::Ext(c)) => cast = Some(c.trim_start_matches("builtins.").to_owned()),
                    _ => return Val::Unknown,
                }
            }
            if default.is_none() {
                default = scheme_default.cloned();
            }
        }
        let value = match self.getenv(var) {
            Lookup::Set(v) => Val::Str(v),
            Lookup::Unset => match &default {
                Some(d) => d.clone(),
                None => return Val::Unknown, // ImproperlyConfigured
            },
            Lookup::Unknown => return Val::Unknown,
        };
        if value.as_str().is_some_and(|v| v.starts_with('$')) {
            return Val::Unknown;
        }
        if cast.is_none() {
            cast = match &default {
                Some(Val::Int(_)) => Some("int".to_owned()),
                Some(Val::Bool(_)) => Some("bool".to_owned()),
                Some(Val::Str(_)) => Some("str".to_owned()),
                Some(Val::None) | None => None,
                Some(_) => return Val::Unknown,
            };
        }
        if default == Some(Val::None) && value == Val::Str(String::new()) {
            return Val::None;
        }
        if Some(&value) == default.as_ref() {
            return value;
        }
        match cast {
            None => value,
            Some(c) => py_cast(&c, value, BoolStyle::Environ),
        }
    }

    /// `env.db("DATABASE_URL", default=…)` (a `$VAR` value is a
    /// django-environ proxy we do not follow).
    fn env_db(&mut self, args: &Args) -> Val {
        self.database_url_variable(args, "var", true)
    }

    /// A database URL read from an environment variable (named by argument
    /// 0 or `var_keyword`, default `DATABASE_URL`), else the `default`
    /// argument; unknown with an `engine` override or an empty value.
    fn database_url_variable(&mut self, args: &Args, var_keyword: &str, proxies: bool) -> Val {
        let var = match args.at(0, var_keyword) {
            Some(Val::Str(v)) => v.clone(),
            Some(_) => return Val::Unknown,
            None => "DATABASE_URL".to_owned(),
        };
        if args.at(2, "engine").is_some_and(|e| *e != Val::None) {
            return Val::Unknown;
        }
        let value = match self.getenv(&var) {
            Lookup::Set(v) => v,
            Lookup::Unset => match args.at(1, "default") {
                Some(Val::Str(d)) => d.clone(),
                _ => return Val::Unknown,
            },
            Lookup::Unknown => return Val::Unknown,
        };
        if value.is_empty() || (proxies && value.starts_with('$')) {
            Val::Unknown
        } else {
            Val::DbUrl(value)
        }
    }

    /// A call that loads a `.env` file: if the file may exist, variables the
    /// environment lacks become unknown.
    fn dotenv(&mut self, cx: &Ctx, path: Option<&Val>, style: DotenvStyle) {
        if self.env_opaque {
            return;
        }
        let dir = cx.path.parent().unwrap_or(Path::new("/")).to_path_buf();
        let found = match path {
            Some(Val::None) | None => match style {
                DotenvStyle::SameDir => (self.exists)(&dir.join(".env")),
                DotenvStyle::Upwards => dir.ancestors().any(|d| (self.exists)(&d.join(".env"))),
                DotenvStyle::Decouple => dir
                    .ancestors()
                    .any(|d| (self.exists)(&d.join("settings.ini")) || (self.exists)(&d.join(".env"))),
            },
            Some(v) => match v.as_path() {
                Some(p) => (self.exists)(&p),
                None => true,
            },
        };
        if found {
            self.env_opaque = true;
        }
    }
}

#[derive(Clone, Copy)]
enum DotenvStyle {
    SameDir,
    Upwards,
    Decouple,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    /// An `ImportError` certainly raised (a relative module that is not there).
    ImportError,
}

/// Evaluated call arguments.
#[derive(Default)]
struct Args {
    pos: Vec<Val>,
    kw: Vec<(String, Val)>,
}

impl Args {
    /// The argument at position `i` or named `name`.
    fn at(&self, i: usize, name: &str) -> Option<&Val> {
        self.pos
            .get(i)
            .or_else(|| self.kw.iter().find(|(k, _)| k == name).map(|(_, v)| v))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BoolStyle {
    /// django-environ: an integer's truth, else one of its true strings.
    Environ,
    /// python-decouple: `1/yes/true/on` or `0/no/false/off`, else an error.
    Decouple,
}

/// `int(v)`, `str(v)`, `bool`-like casts of the env libraries.
fn py_cast(cast: &str, v: Val, style: BoolStyle) -> Val {
    match (cast, v) {
        ("str", Val::Str(s)) => Val::Str(s),
        ("str", Val::Int(i)) => Val::Str(i.to_string()),
        ("int", Val::Int(i)) => Val::Int(i),
        ("int", Val::Str(s)) => s.trim().parse().map(Val::Int).unwrap_or(Val::Unknown),
        ("bool", Val::Bool(b)) => Val::Bool(b),
        ("bool", Val::Str(s)) => {
            let l = s.trim().to_ascii_lowercase();
            match style {
                BoolStyle::Environ => match l.parse::<i64>() {
                    Ok(i) => Val::Bool(i != 0),
                    Err(_) => Val::Bool(matches!(l.as_str(), "true" | "on" | "ok" | "y" | "yes" | "1")),
                },
                BoolStyle::Decouple => match l.as_str() {
                    "1" | "yes" | "true" | "on" => Val::Bool(true),
                    "0" | "no" | "false" | "off" => Val::Bool(false),
                    _ => Val::Unknown,
                },
            }
        }
        _ => Val::Unknown,
    }
}

fn block_of(c: Node<'_>) -> Option<Node<'_>> {
    named_children(c).into_iter().rev().find(|n| n.kind() == "block")
}

fn is_framework(module: &str) -> bool {
    let top = module.split('.').next().unwrap_or("");
    FRAMEWORK_PACKAGES.contains(&top)
}

fn binop(l: &Val, op: &str, r: &Val) -> Val {
    match (l, op, r) {
        (Val::Str(a), "+", Val::Str(b)) => Val::Str(format!("{a}{b}")),
        (Val::List(a), "+", Val::List(b)) => Val::List(a.iter().chain(b).cloned().collect()),
        (Val::Int(a), "+", Val::Int(b)) => a.checked_add(*b).map(Val::Int).unwrap_or(Val::Unknown),
        (Val::Int(a), "-", Val::Int(b)) => a.checked_sub(*b).map(Val::Int).unwrap_or(Val::Unknown),
        (Val::Int(a), "*", Val::Int(b)) => a.checked_mul(*b).map(Val::Int).unwrap_or(Val::Unknown),
        (Val::Path(a), "/", b) => match b.as_path() {
            Some(b) => Val::Path(a.join(b)),
            None => Val::Unknown,
        },
        (Val::Str(a), "/", Val::Path(b)) => Val::Path(Path::new(a).join(b)),
        // django-environ's `Path(__file__) - 2`: the path's n-th ancestor.
        (Val::Path(a), "-", Val::Int(n)) if *n >= 0 && a.is_absolute() => a
            .ancestors()
            .nth(*n as usize)
            .map(|p| Val::Path(p.to_path_buf()))
            .unwrap_or(Val::Unknown),
        (Val::Dict(a), "|", Val::Dict(b)) => {
            let mut out = a.clone();
            for (k, v) in b {
                dict_set(&mut out, k.clone(), v.clone());
            }
            Val::Dict(out)
        }
        _ => Val::Unknown,
    }
}

fn subscript(reader: &Reader<'_>, obj: &Val, key: &Val) -> Val {
    match (obj, key) {
        (Val::Dict(_), Val::Str(k)) => obj.get(k).cloned().unwrap_or(Val::Unknown),
        (Val::List(v), Val::Int(i)) => {
            let i = if *i < 0 { v.len() as i64 + i } else { *i };
            usize::try_from(i)
                .ok()
                .and_then(|i| v.get(i))
                .cloned()
                .unwrap_or(Val::Unknown)
        }
        (Val::Parents(p), Val::Int(n)) if *n >= 0 => p
            .ancestors()
            .nth(*n as usize + 1)
            .map(|a| Val::Path(a.to_path_buf()))
            .unwrap_or(Val::Unknown),
        (Val::Ext(q), Val::Str(k)) if q == "os.environ" => match reader.getenv(k) {
            Lookup::Set(v) => Val::Str(v),
            _ => Val::Unknown,
        },
        _ => Val::Unknown,
    }
}

/// `obj.method(args)` on a list or dict value, as a statement.
fn mutate(current: Val, method: &str, args: Option<Args>) -> Val {
    let Some(args) = args else { return Val::Unknown };
    let current = match (current, method) {
        (Val::DbUrl(u), "update" | "setdefault") => Val::Dict(vec![(URL_KEY.to_owned(), Val::Str(u))]),
        (other, _) => other,
    };
    match (current, method) {
        (Val::List(mut v), "append") if args.pos.len() == 1 => {
            v.push(args.pos[0].clone());
            Val::List(v)
        }
        (Val::List(mut v), "extend") => match args.pos.as_slice() {
            [Val::List(more)] => {
                v.extend(more.iter().cloned());
                Val::List(v)
            }
            _ => Val::Unknown,
        },
        (Val::List(mut v), "insert") => match args.pos.as_slice() {
            [Val::Int(i), x] => {
                let len = v.len() as i64;
                let i = if *i < 0 { (len + i).max(0) } else { (*i).min(len) } as usize;
                v.insert(i, x.clone());
                Val::List(v)
            }
            _ => Val::Unknown,
        },
        (Val::List(mut v), "remove") => match args.pos.as_slice() {
            [x] if x.is_known() => match v.iter().position(|y| y == x) {
                Some(i) => {
                    v.remove(i);
                    Val::List(v)
                }
                None => Val::Unknown, // ValueError
            },
            _ => Val::Unknown,
        },
        (Val::Dict(mut d), "update") => match args.pos.as_slice() {
            [Val::Dict(more)] if args.kw.is_empty() => {
                for (k, v) in more {
                    dict_set(&mut d, k.clone(), v.clone());
                }
                Val::Dict(d)
            }
            [] => {
                for (k, v) in args.kw {
                    dict_set(&mut d, k, v);
                }
                Val::Dict(d)
            }
            _ => Val::Unknown,
        },
        (Val::Dict(mut d), "setdefault") => match args.pos.as_slice() {
            [Val::Str(k), v] => {
                if d.iter().all(|(x, _)| x != k) {
                    d.push((k.clone(), v.clone()));
                }
                Val::Dict(d)
            }
            _ => Val::Unknown,
        },
        (
            v @ (Val::List(_) | Val::Dict(_) | Val::DbUrl(_)),
            "copy" | "get" | "index" | "count" | "keys" | "values" | "items",
        ) => v,
        _ => Val::Unknown,
    }
}

/// Sets `val` at `keys` inside `root` (`root[k1][k2] = val`); an unknown
/// key or container makes the container unknown.
fn set_path(root: &mut Val, keys: &[Val], val: Val) {
    let Some((first, rest)) = keys.split_first() else {
        *root = val;
        return;
    };
    if let Val::DbUrl(u) = root {
        // dj-database-url's dict, changed: keep the URL under its key.
        *root = Val::Dict(vec![(URL_KEY.to_owned(), Val::Str(std::mem::take(u)))]);
    }
    match (root, first) {
        (Val::Dict(items), Val::Str(k)) => {
            if rest.is_empty() {
                dict_set(items, k.clone(), val);
            } else {
                match items.iter_mut().rev().find(|(x, _)| x == k) {
                    Some((_, inner)) => set_path(inner, rest, val),
                    None => {
                        // KeyError in Python: the module fails; unknown.
                        dict_set(items, k.clone(), Val::Unknown);
                    }
                }
            }
        }
        (Val::List(items), Val::Int(i)) => {
            let idx = if *i < 0 { items.len() as i64 + i } else { *i };
            match usize::try_from(idx).ok().and_then(|i| items.get_mut(i)) {
                Some(slot) => set_path(slot, rest, val),
                None => *items = vec![Val::Unknown],
            }
        }
        (root, _) => *root = Val::Unknown,
    }
}

/// The name at the root of `a`, `a[k]`, `a[k].b`.
fn place_root<'s>(cx: &Ctx<'s>, node: Node) -> Option<&'s str> {
    let node = unparen(node);
    match node.kind() {
        "identifier" => Some(text(node, cx.src)),
        "subscript" => place_root(cx, field(node, "value")?),
        _ => None,
    }
}

/// Every name a statement may assign or mutate becomes unknown.
fn taint_node(cx: &Ctx, node: Node, scope: &mut Scope) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        let roots: Vec<Node> = match n.kind() {
            "assignment" | "augmented_assignment" => field(n, "left").into_iter().collect(),
            "for_statement" | "for_in_clause" => field(n, "left").into_iter().collect(),
            "named_expression" => field(n, "name").into_iter().collect(),
            "as_pattern_target" => vec![n],
            "call" => field(n, "function")
                .filter(|f| f.kind() == "attribute")
                .and_then(|f| field(f, "object"))
                .into_iter()
                .collect(),
            "import_from_statement" if named_children(n).iter().any(|c| c.kind() == "wildcard_import") => {
                for b in scope.values_mut() {
                    if !matches!(b.val, Val::Ext(_)) {
                        b.val = Val::Unknown;
                    }
                }
                Vec::new()
            }
            "import_statement" | "import_from_statement" | "function_definition" | "class_definition" => {
                let mut names = Vec::new();
                let mut cursor = n.walk();
                for c in n.children_by_field_name("name", &mut cursor) {
                    names.push(c);
                }
                names
            }
            _ => Vec::new(),
        };
        for r in roots {
            taint_target(cx, r, scope);
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
}

fn taint_target(cx: &Ctx, target: Node, scope: &mut Scope) {
    let target = unparen(target);
    match target.kind() {
        "identifier" => {
            let name = text(target, cx.src).to_owned();
            scope.insert(
                name,
                Binding {
                    val: Val::Unknown,
                    origin: None,
                },
            );
        }
        "aliased_import" => {
            if let Some(a) = field(target, "alias") {
                taint_target(cx, a, scope);
            }
        }
        "dotted_name" => {
            if let Some(first) = target.named_child(0) {
                taint_target(cx, first, scope);
            }
        }
        "subscript" | "attribute" => {
            let inner = field(
                target,
                if target.kind() == "subscript" {
                    "value"
                } else {
                    "object"
                },
            );
            if let Some(i) = inner {
                if let Some(root) = place_root(cx, i) {
                    if let Some(b) = scope.get_mut(root) {
                        if !matches!(b.val, Val::Ext(_)) {
                            b.val = Val::Unknown;
                        }
                    }
                }
            }
        }
        _ => {
            for c in named_children(target) {
                taint_target(cx, c, scope);
            }
        }
    }
}

fn taint_with_targets(cx: &Ctx, stmt: Node, scope: &mut Scope) {
    let mut stack = vec![stmt];
    while let Some(n) = stack.pop() {
        if n.kind() == "block" {
            continue;
        }
        if n.kind() == "as_pattern" {
            if let Some(alias) = field(n, "alias") {
                taint_target(cx, alias, scope);
            }
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
}

/// Does this `except` clause catch an `ImportError`?
fn catches_import_error(cx: &Ctx, clause: Node) -> bool {
    let values: Vec<Node> = {
        let mut cursor = clause.walk();
        clause.children_by_field_name("value", &mut cursor).collect()
    };
    if values.is_empty() {
        return true; // bare `except:`
    }
    let names = ["ImportError", "ModuleNotFoundError", "Exception", "BaseException"];
    values.iter().any(|v| {
        let v = unparen(*v);
        let candidates = if matches!(v.kind(), "tuple" | "expression_list") {
            named_children(v)
        } else {
            vec![v]
        };
        candidates.iter().any(|c| {
            let t = text(*c, cx.src);
            names.contains(&t.rsplit('.').next().unwrap_or(t))
        })
    })
}

/// Python string escapes in a non-raw string's content.
fn unescape(s: &str) -> Option<String> {
    if !s.contains('\\') {
        return Some(s.to_owned());
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            '\n' => {}
            other => {
                // Python keeps unknown escapes as written.
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// Database URLs

use crate::redact::percent_encode;

/// `sqlite:///` + an absolute path (four slashes), the SQLAlchemy /
/// dj-database-url convention.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite:///{}", path_string(path))
}

/// A `sqlite:///relative` URL made absolute against `base`; other URLs
/// unchanged.
fn absolutize_sqlite(url: &str, base: &Path) -> String {
    let Some(rest) = url.strip_prefix("sqlite:///") else {
        return url.to_owned();
    };
    let (path, query) = match rest.find('?') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if path.is_empty() || path.starts_with('/') || path == ":memory:" {
        return url.to_owned();
    }
    format!("{}{query}", sqlite_url(&normalize(&base.join(path))))
}

/// The scheme for a Django `ENGINE`; `None` for backends we do not read.
fn engine_scheme(engine: &str) -> Option<&'static str> {
    match engine {
        "django.db.backends.sqlite3" | "django.contrib.gis.db.backends.spatialite" => Some("sqlite"),
        "django.db.backends.postgresql"
        | "django.db.backends.postgresql_psycopg2"
        | "django.contrib.gis.db.backends.postgis" => Some("postgres"),
        "django.db.backends.mysql" | "django.contrib.gis.db.backends.mysql" => Some("mysql"),
        _ => None,
    }
}

/// A connection setting as text: strings, integers; `None`/`""` are unset.
/// `Err` when the value is unknown.
fn setting_text(v: Option<&Val>) -> Result<Option<String>, ()> {
    match v {
        None | Some(Val::None) => Ok(None),
        Some(Val::Str(s)) if s.is_empty() => Ok(None),
        Some(Val::Str(s)) => Ok(Some(s.clone())),
        Some(Val::Int(i)) => Ok(Some(i.to_string())),
        Some(Val::Path(p)) => Ok(Some(path_string(p))),
        _ => Err(()),
    }
}

/// The URL of a `DATABASES["default"]` value.
fn database_url(default: &Val, root: &Path) -> Option<String> {
    let items = match default {
        Val::DbUrl(u) => return Some(absolutize_sqlite(u, root)),
        Val::Dict(items) => items,
        _ => return None,
    };
    let connection_keys = ["ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT"];
    if let Some(Val::Str(u)) = default.get(URL_KEY) {
        // `{**dj_database_url.config(…), "CONN_MAX_AGE": 600}`: the URL,
        // unless connection settings are overridden after it.
        let pos = items.iter().position(|(k, _)| k == URL_KEY)?;
        if items[pos + 1..]
            .iter()
            .any(|(k, _)| connection_keys.contains(&k.as_str()))
        {
            return None;
        }
        return Some(absolutize_sqlite(u, root));
    }
    let engine = default.get("ENGINE")?.as_str()?;
    let scheme = engine_scheme(engine)?;
    let name = setting_text(default.get("NAME")).ok()??;
    if scheme == "sqlite" {
        if name == ":memory:" || name.starts_with("file:") {
            return None;
        }
        let path = Path::new(&name);
        let abs = if path.is_absolute() {
            normalize(path)
        } else {
            normalize(&root.join(path))
        };
        return Some(sqlite_url(&abs));
    }
    let user = setting_text(default.get("USER")).ok()?;
    let password = setting_text(default.get("PASSWORD")).ok()?;
    let host = setting_text(default.get("HOST")).ok()?;
    let port = setting_text(default.get("PORT")).ok()?;
    let mut url = format!("{scheme}://");
    if let Some(u) = &user {
        url.push_str(&percent_encode(u));
        if let Some(p) = &password {
            url.push(':');
            url.push_str(&percent_encode(p));
        }
        url.push('@');
    }
    if let Some(h) = &host {
        if h.contains('/') {
            url.push_str(&percent_encode(h)); // a socket folder
        } else if h.contains(':') {
            url.push_str(&format!("[{h}]")); // IPv6
        } else {
            url.push_str(h);
        }
    }
    if let Some(p) = &port {
        url.push(':');
        url.push_str(p);
    }
    url.push('/');
    url.push_str(&percent_encode(&name));
    Some(url)
}

// ---------------------------------------------------------------------------
// Apps

/// An `AppConfig` subclass as its class body says.
#[derive(Debug, Clone, Default)]
struct AppConfigInfo {
    class: String,
    name: Option<String>,
    label: Option<String>,
    default_auto_field: Option<String>,
    default: Option<bool>,
}

/// A tree for `file`: the index's, or parsed here (settings, `apps.py` and
/// `manage.py` may not look Django-like enough for the index to parse).
fn file_tree(index: &WorkspaceIndex, file: FileId) -> Option<TreeRef<'_>> {
    let entry = index.file(file);
    if entry.decode_error.is_some() {
        return None;
    }
    match entry.tree() {
        Some(t) => Some(TreeRef::Borrowed(t)),
        None => crate::syntax::parse(&entry.text).map(TreeRef::Owned),
    }
}

enum TreeRef<'a> {
    Borrowed(&'a Tree),
    Owned(Tree),
}

impl TreeRef<'_> {
    fn get(&self) -> &Tree {
        match self {
            TreeRef::Borrowed(t) => t,
            TreeRef::Owned(t) => t,
        }
    }
}

/// The `AppConfig` subclasses defined in a module (an `apps.py`), in order.
fn app_configs(index: &WorkspaceIndex, file: FileId) -> Vec<AppConfigInfo> {
    let Some(tree) = file_tree(index, file) else {
        return Vec::new();
    };
    let src: &str = &index.file(file).text;
    let mut out: Vec<AppConfigInfo> = Vec::new();
    // `from django.apps import AppConfig as BaseAppConfig` (GeoNode).
    let aliases: Vec<&str> = named_children(tree.get().root_node())
        .into_iter()
        .filter(|s| s.kind() == "import_from_statement")
        .flat_map(named_children)
        .filter(|n| n.kind() == "aliased_import")
        .filter(|n| field(*n, "name").is_some_and(|name| text(name, src) == "AppConfig"))
        .filter_map(|n| field(n, "alias").map(|a| text(a, src)))
        .collect();
    for stmt in named_children(tree.get().root_node()) {
        let def = crate::syntax::definition_of(stmt);
        if def.kind() != "class_definition" {
            continue;
        }
        let Some(name) = field(def, "name").map(|n| text(n, src).to_owned()) else {
            continue;
        };
        let is_config = field(def, "superclasses").is_some_and(|bases| {
            named_children(bases).iter().any(|b| {
                crate::syntax::dotted(*b, src).is_some_and(|d| {
                    let last = d.rsplit('.').next().unwrap_or(&d);
                    // (A package's config class: wagtail's search app extends
                    // `modelsearch.apps.ModelSearchAppConfig`.)
                    last.ends_with("AppConfig") || aliases.contains(&d.as_str()) || out.iter().any(|c| c.class == d)
                })
            })
        });
        if !is_config {
            continue;
        }
        let mut info = AppConfigInfo {
            class: name,
            ..Default::default()
        };
        // Inherit what a workspace config class above it in this file sets.
        if let Some(bases) = field(def, "superclasses") {
            for b in named_children(bases) {
                if let Some(parent) = crate::syntax::dotted(b, src).and_then(|d| out.iter().find(|c| c.class == d)) {
                    info.name = parent.name.clone();
                    info.label = parent.label.clone();
                    info.default_auto_field = parent.default_auto_field.clone();
                    info.default = parent.default;
                }
            }
        }
        for s in crate::syntax::body_statements(def) {
            if s.kind() != "expression_statement" {
                continue;
            }
            let Some(a) = s.named_child(0).filter(|a| a.kind() == "assignment") else {
                continue;
            };
            let (Some(l), Some(r)) = (field(a, "left"), field(a, "right")) else {
                continue;
            };
            if l.kind() != "identifier" {
                continue;
            }
            let r = unparen(r);
            let value = crate::syntax::string_value(r, src);
            match text(l, src) {
                "name" => info.name = value,
                "label" => info.label = value,
                // Set, but not to a string we can read: unknown, not unset.
                "default_auto_field" => {
                    info.default_auto_field = value.or_else(|| Some(super::models::UNKNOWN_AUTO_FIELD.to_owned()))
                }
                "default" => {
                    info.default = match r.kind() {
                        "true" => Some(true),
                        "false" => Some(false),
                        _ => None,
                    }
                }
                _ => {}
            }
        }
        out.push(info);
    }
    out
}

/// The config Django picks for an app module: the only `AppConfig`
/// subclass in `apps.py` (excluding `default = False`), else the one with
/// `default = True`.
fn default_config(configs: &[AppConfigInfo]) -> Option<&AppConfigInfo> {
    let candidates: Vec<&AppConfigInfo> = configs.iter().filter(|c| c.default != Some(false)).collect();
    if candidates.len() == 1 {
        return Some(candidates[0]);
    }
    let defaults: Vec<&AppConfigInfo> = configs.iter().filter(|c| c.default == Some(true)).collect();
    (defaults.len() == 1).then(|| defaults[0])
}

// ---------------------------------------------------------------------------
// Projects

struct Candidate {
    root: PathBuf,
    manage_py: Option<FileId>,
    rxconfig: Option<FileId>,
    /// `asgi.py` / `wsgi.py` files naming settings, under the root.
    servers: Vec<FileId>,
    settings_module: Option<String>,
    settings: Option<FileId>,
}

impl Reader<'_> {
    /// `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x")` (or
    /// `os.environ["DJANGO_SETTINGS_MODULE"] = "x"`) anywhere in a file.
    fn setdefault_settings(&self, file: FileId) -> Option<String> {
        let tree = file_tree(self.index, file)?;
        let src: &str = &self.index.file(file).text;
        let mut found = None;
        walk(tree.get().root_node(), &mut |n| {
            if found.is_some() {
                return;
            }
            match n.kind() {
                "call" => {
                    let is_setdefault = field(n, "function")
                        .and_then(|f| crate::syntax::dotted(f, src))
                        .is_some_and(|d| d.ends_with("environ.setdefault"));
                    if !is_setdefault {
                        return;
                    }
                    let Some(args) = field(n, "arguments") else { return };
                    let args = named_children(args);
                    if args.len() >= 2
                        && crate::syntax::string_value(args[0], src).as_deref() == Some("DJANGO_SETTINGS_MODULE")
                    {
                        found = crate::syntax::string_value(args[1], src);
                    }
                }
                "assignment" => {
                    let (Some(l), Some(r)) = (field(n, "left"), field(n, "right")) else {
                        return;
                    };
                    if l.kind() == "subscript"
                        && field(l, "value")
                            .and_then(|v| crate::syntax::dotted(v, src))
                            .is_some_and(|d| d.ends_with("environ"))
                        && field(l, "subscript")
                            .and_then(|s| crate::syntax::string_value(s, src))
                            .as_deref()
                            == Some("DJANGO_SETTINGS_MODULE")
                    {
                        found = crate::syntax::string_value(r, src);
                    }
                }
                _ => {}
            }
        });
        found
    }

    /// `rxconfig.py`'s `settings_module="…"` argument (any call).
    fn rxconfig_settings(&mut self, file: FileId) -> Option<String> {
        self.rxconfig_kwarg(file, "settings_module", |_| true)
            .and_then(|(v, _)| match v {
                Val::Str(s) if !s.is_empty() => Some(s),
                _ => None,
            })
    }

    /// The value of a keyword argument in `rxconfig.py`, evaluated in the
    /// module's scope, with its range.
    fn rxconfig_kwarg(&mut self, file: FileId, kwarg: &str, callee: impl Fn(&str) -> bool) -> Option<(Val, Origin)> {
        let tree = self.tree(file)?;
        let entry = self.index.file(file);
        let src = entry.text.clone();
        let path = entry.path.clone();
        let mut found: Option<Node> = None;
        walk(tree.root_node(), &mut |n| {
            if found.is_some() || n.kind() != "keyword_argument" {
                return;
            }
            if field(n, "name").map(|k| text(k, &src)) != Some(kwarg) {
                return;
            }
            let call = n.parent().and_then(|a| a.parent()).filter(|c| c.kind() == "call");
            let name = call
                .and_then(|c| field(c, "function"))
                .and_then(|f| crate::syntax::dotted(f, &src));
            if name.as_deref().is_some_and(&callee) {
                found = Some(n);
            }
        });
        let kw = found?;
        let scope = self.module_scope(file).map(|s| (*s).clone()).unwrap_or_default();
        let cx = Ctx {
            file,
            path: &path,
            src: &src,
            module: entry.module().to_owned(),
        };
        let val = self.eval(&cx, field(kw, "value")?, &scope);
        Some((
            val,
            Origin {
                path: path.clone(),
                range: kw.byte_range(),
            },
        ))
    }

    /// The root a settings module implies: its file's folder minus one
    /// folder per package component (`shop_project.settings` in
    /// `/w/shop_project/settings.py` → `/w`).
    fn settings_root(&self, name: &str, file: FileId) -> PathBuf {
        let path = &self.index.file(file).path;
        let mut dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let depth = name.split('.').count();
        let is_init = path.file_stem().is_some_and(|s| s == "__init__");
        for _ in 0..(if is_init { depth } else { depth - 1 }) {
            dir.pop();
        }
        dir
    }

    fn candidates(&mut self) -> Vec<Candidate> {
        let index = self.index;
        let mut by_dir: Vec<Candidate> = Vec::new();
        let mut servers: Vec<FileId> = Vec::new();
        for (id, f) in index.files.iter().enumerate() {
            if f.path
                .components()
                .any(|c| matches!(c.as_os_str().to_str(), Some("site-packages" | "dist-packages")))
            {
                continue;
            }
            let Some(dir) = f.path.parent() else { continue };
            let name = f.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let slot = |by_dir: &mut Vec<Candidate>| -> usize {
                match by_dir.iter().position(|c| c.root == dir) {
                    Some(i) => i,
                    None => {
                        by_dir.push(Candidate {
                            root: dir.to_path_buf(),
                            manage_py: None,
                            rxconfig: None,
                            servers: Vec::new(),
                            settings_module: None,
                            settings: None,
                        });
                        by_dir.len() - 1
                    }
                }
            };
            match name {
                "manage.py" => {
                    let i = slot(&mut by_dir);
                    by_dir[i].manage_py = Some(id);
                }
                "rxconfig.py" => {
                    let i = slot(&mut by_dir);
                    by_dir[i].rxconfig = Some(id);
                }
                "asgi.py" | "wsgi.py" if !f.in_migrations => servers.push(id),
                _ => {}
            }
        }
        // Servers naming settings, by their module name.
        let server_names: Vec<(FileId, String)> = servers
            .iter()
            .filter_map(|s| self.setdefault_settings(*s).map(|n| (*s, n)))
            .collect();
        for c in &mut by_dir {
            c.servers = server_names
                .iter()
                .filter(|(s, _)| index.file(*s).path.starts_with(&c.root))
                .map(|(s, _)| *s)
                .collect();
        }
        // Name each candidate's settings.
        let env_name = (self.env)("DJANGO_SETTINGS_MODULE").filter(|s| !s.is_empty());
        for c in &mut by_dir {
            self.root = c.root.clone();
            let anchor = c.manage_py.or(c.rxconfig);
            let mut names: Vec<(String, Option<FileId>, bool)> = Vec::new();
            if let Some(n) = &env_name {
                names.push((n.clone(), anchor, true));
            }
            if let Some(m) = c.manage_py {
                if let Some(n) = self.setdefault_settings(m) {
                    names.push((n, Some(m), false));
                }
            }
            if let Some(r) = c.rxconfig {
                self.reset(&c.root.clone());
                if let Some(n) = self.rxconfig_settings(r) {
                    names.push((n, Some(r), false));
                }
            }
            for s in &c.servers {
                if let Some((_, n)) = server_names.iter().find(|(x, _)| x == s) {
                    names.push((n.clone(), Some(*s), false));
                }
            }
            for (name, near, must_be_under_root) in &names {
                if let Some(f) = self.resolve_module(name, *near) {
                    if *must_be_under_root && !index.file(f).path.starts_with(&c.root) {
                        continue;
                    }
                    c.settings_module = Some(name.clone());
                    c.settings = Some(f);
                    break;
                }
            }
            if c.settings.is_none() {
                c.settings_module = names.iter().find(|(_, _, env)| !env).map(|(n, _, _)| n.clone());
            }
        }
        // Servers outside every candidate folder: projects of their own.
        for (s, name) in &server_names {
            if by_dir.iter().any(|c| index.file(*s).path.starts_with(&c.root)) {
                continue;
            }
            self.root = PathBuf::new();
            let Some(f) = self.index.module_near(name, Some(*s)) else {
                continue;
            };
            let root = self.settings_root(name, f);
            if by_dir.iter().any(|c| c.settings == Some(f)) {
                continue;
            }
            by_dir.push(Candidate {
                root,
                manage_py: None,
                rxconfig: None,
                servers: vec![*s],
                settings_module: Some(name.clone()),
                settings: Some(f),
            });
        }
        if by_dir.is_empty() {
            if let Some(name) = &env_name {
                self.root = PathBuf::new();
                if let Some(f) = index.module(name) {
                    by_dir.push(Candidate {
                        root: self.settings_root(name, f),
                        manage_py: None,
                        rxconfig: None,
                        servers: Vec::new(),
                        settings_module: Some(name.clone()),
                        settings: Some(f),
                    });
                }
            }
        }
        if by_dir.is_empty() && !index.files.is_empty() {
            by_dir.push(Candidate {
                root: common_dir(index.files.iter().map(|f| f.path.as_path())),
                manage_py: None,
                rxconfig: None,
                servers: Vec::new(),
                settings_module: env_name.clone(),
                settings: None,
            });
        }
        // Folders naming the same settings file are one project, rooted at
        // `manage.py`'s folder (else the shallowest).
        by_dir.sort_by(|a, b| {
            (a.manage_py.is_none(), a.root.components().count(), &a.root).cmp(&(
                b.manage_py.is_none(),
                b.root.components().count(),
                &b.root,
            ))
        });
        let mut merged: Vec<Candidate> = Vec::new();
        for c in by_dir {
            match merged
                .iter_mut()
                .find(|m| c.settings.is_some() && m.settings == c.settings)
            {
                Some(m) => {
                    m.manage_py = m.manage_py.or(c.manage_py);
                    m.rxconfig = m.rxconfig.or(c.rxconfig);
                    for s in c.servers {
                        if !m.servers.contains(&s) {
                            m.servers.push(s);
                        }
                    }
                }
                None => merged.push(c),
            }
        }
        merged.sort_by(|a, b| a.root.cmp(&b.root));
        merged
    }

    /// Reads the settings module's values.
    fn settings_values(&mut self, settings: FileId, root: &Path) -> SettingsValues {
        self.reset(root);
        let mut out = SettingsValues::default();
        let Some(scope) = self.module_scope(settings) else {
            // Not evaluated: the user model may be swapped.
            out.auth_user_model = Some(super::models::UNKNOWN_USER_MODEL.to_owned());
            return out;
        };
        let get = |name: &str| scope.get(name).map(|b| &b.val);
        out.installed_apps = match get("INSTALLED_APPS") {
            Some(Val::List(items)) => items.iter().map(|i| i.as_str().map(str::to_owned)).collect(),
            _ => None,
        };
        // Set to something we cannot read: unknown, not unset (`auth.User`).
        out.auth_user_model =
            get("AUTH_USER_MODEL").map(|v| v.as_str().unwrap_or(super::models::UNKNOWN_USER_MODEL).to_owned());
        out.default_auto_field = get("DEFAULT_AUTO_FIELD").map(|v| {
            // Set, but not to a string we can read: unknown, not unset.
            v.as_str().unwrap_or(super::models::UNKNOWN_AUTO_FIELD).to_owned()
        });
        if let Some(b) = scope.get("DATABASES") {
            if let Some(default) = b.val.get("default") {
                if let Some(url) = database_url(default, root) {
                    out.database = Some(ConfiguredDatabase {
                        url,
                        origin: b.origin.clone(),
                        source: DatabaseSource::Settings,
                    });
                }
            }
        }
        out
    }

    fn project(&mut self, c: Candidate, all_roots: &[PathBuf]) -> Project {
        let values = match c.settings {
            Some(s) => self.settings_values(s, &c.root),
            None => SettingsValues::default(),
        };
        self.reset(&c.root);
        let installed = values.installed_apps.clone();
        let near = c.settings.or(c.manage_py).or(c.rxconfig);
        let (apps, fallback) = match &installed {
            Some(entries) => (
                entries.iter().filter_map(|e| self.installed_app(e, near)).collect(),
                false,
            ),
            None => (self.fallback_apps(&c.root, all_roots), true),
        };
        let contrib_apps = installed
            .iter()
            .flatten()
            .filter_map(|e| e.strip_prefix("django.contrib."))
            .map(|rest| rest.split('.').next().unwrap_or(rest).to_owned())
            .collect();
        let database = self.database(&c, values.database);
        // Without a settings file, `DEFAULT_AUTO_FIELD` is unknown, not unset.
        let default_auto_field = match c.settings {
            Some(_) => values.default_auto_field,
            None => Some(super::models::UNKNOWN_AUTO_FIELD.to_owned()),
        };
        Project {
            root: c.root,
            manage_py: c.manage_py,
            rxconfig: c.rxconfig,
            settings_module: c.settings_module,
            settings: c.settings,
            installed_apps: installed.unwrap_or_default(),
            apps,
            apps_fallback: fallback,
            // Unset in settings we read: Django's default. Without a
            // settings module (Weblate's wheel ships only examples) the user
            // model may be anything.
            auth_user_model: values.auth_user_model.unwrap_or_else(|| match c.settings {
                Some(_) => "auth.User".to_owned(),
                None => super::models::UNKNOWN_USER_MODEL.to_owned(),
            }),
            default_auto_field,
            contrib_apps,
            database,
        }
    }

    fn database(&mut self, c: &Candidate, from_settings: Option<ConfiguredDatabase>) -> Option<ConfiguredDatabase> {
        for var in DATABASE_URL_VARIABLES {
            if let Some(url) = (self.env)(var).filter(|u| !u.trim().is_empty()) {
                return Some(ConfiguredDatabase {
                    url,
                    origin: None,
                    source: DatabaseSource::Environment(var.to_owned()),
                });
            }
        }
        if from_settings.is_some() {
            return from_settings;
        }
        if let Some(r) = c.rxconfig {
            self.reset(&c.root);
            let found = self.rxconfig_kwarg(r, "db_url", |callee| callee.rsplit('.').next() == Some("Config"));
            if let Some((Val::Str(url), origin)) = found {
                if !url.is_empty() {
                    let base = self
                        .index
                        .file(r)
                        .path
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| c.root.clone());
                    return Some(ConfiguredDatabase {
                        url: absolutize_sqlite(&url, &base),
                        origin: Some(origin),
                        source: DatabaseSource::Rxconfig,
                    });
                }
            }
        }
        for name in ["reflex.db", "db.sqlite3"] {
            let path = c.root.join(name);
            if (self.exists)(&path) {
                return Some(ConfiguredDatabase {
                    url: sqlite_url(&path),
                    origin: None,
                    source: DatabaseSource::DefaultFile,
                });
            }
        }
        None
    }

    /// The folder of a package (a regular one, or a namespace package whose
    /// files the index knows by module name).
    fn module_dir(&self, name: &str, near: Option<FileId>) -> Option<PathBuf> {
        if let Some(f) = self.resolve_module(name, near) {
            let path = &self.index.file(f).path;
            // A plain module is no app package (it has no `models` submodule).
            return path
                .file_stem()
                .is_some_and(|s| s == "__init__")
                .then(|| path.parent().map(Path::to_path_buf))
                .flatten();
        }
        let mut dir = self.root.clone();
        for part in name.split('.') {
            dir.push(part);
        }
        if self.index.files.iter().any(|f| f.path.parent() == Some(dir.as_path())) {
            return Some(dir);
        }
        // Any file `name.x` (or package `name.x`) gives the folder.
        let prefix = format!("{name}.");
        let mut dirs: Vec<PathBuf> = self
            .index
            .files
            .iter()
            .filter(|f| {
                f.modules
                    .iter()
                    .any(|m| m.strip_prefix(&prefix).is_some_and(|rest| !rest.contains('.')))
            })
            .filter_map(|f| {
                let is_init = f.path.file_stem().is_some_and(|s| s == "__init__");
                let p = f.path.parent()?;
                if is_init { p.parent() } else { Some(p) }.map(Path::to_path_buf)
            })
            .collect();
        dirs.sort();
        dirs.dedup();
        let origin = near.map(|n| self.index.file(n).path.clone());
        dirs.into_iter().max_by_key(|d| {
            origin.as_ref().map_or(0, |o| {
                d.components().zip(o.components()).take_while(|(a, b)| a == b).count()
            })
        })
    }

    /// An `INSTALLED_APPS` entry, if its package is in the workspace.
    fn installed_app(&mut self, entry: &str, near: Option<FileId>) -> Option<App> {
        if is_framework(entry) {
            return None;
        }
        let (name, config) = if self.module_dir(entry, near).is_some() || self.resolve_module(entry, near).is_some() {
            // A module: its `apps.py`'s default config, if any.
            let config = self
                .resolve_module(&format!("{entry}.apps"), near)
                .map(|f| app_configs(self.index, f))
                .and_then(|cs| default_config(&cs).cloned());
            let name = config
                .as_ref()
                .and_then(|c| c.name.clone())
                .unwrap_or_else(|| entry.to_owned());
            (name, config)
        } else {
            // `module.ConfigClass`.
            let (module, class) = entry.rsplit_once('.')?;
            let file = self.resolve_module(module, near)?;
            let config = app_configs(self.index, file).into_iter().find(|c| c.class == class)?;
            (config.name.clone()?, Some(config))
        };
        let dir = self.module_dir(&name, near)?;
        let label = config
            .as_ref()
            .and_then(|c| c.label.clone())
            .unwrap_or_else(|| name.rsplit('.').next().unwrap_or(&name).to_owned());
        Some(self.app(label, name, dir, config.and_then(|c| c.default_auto_field)))
    }

    fn app(&self, label: String, module: String, dir: PathBuf, default_auto_field: Option<String>) -> App {
        let index = self.index;
        let models_py = dir.join("models.py");
        let models_dir = dir.join("models");
        let migrations_dir = dir.join("migrations");
        let mut models: Vec<FileId> = match index.file_by_path(&models_py) {
            Some(f) => vec![f],
            None => (0..index.files.len())
                .filter(|i| index.file(*i).path.starts_with(&models_dir))
                .collect(),
        };
        models.sort_by(|a, b| index.file(*a).path.cmp(&index.file(*b).path));
        let mut migrations: Vec<FileId> = (0..index.files.len())
            .filter(|i| {
                let p = &index.file(*i).path;
                p.parent() == Some(migrations_dir.as_path())
                    && p.extension().is_some_and(|e| e == "py")
                    && p.file_stem().is_some_and(|s| s != "__init__")
            })
            .collect();
        migrations.sort_by(|a, b| index.file(*a).path.file_name().cmp(&index.file(*b).path.file_name()));
        let default_app_config = self.default_app_config(&dir);
        App {
            label,
            module,
            dir,
            default_auto_field,
            models,
            migrations,
            default_app_config,
        }
    }

    /// The config named by `default_app_config = "module.Class"` in the
    /// app package's `__init__.py`, when that class is found and read.
    fn default_app_config(&self, dir: &Path) -> Option<LegacyAppConfig> {
        let init = self.index.file_by_path(&dir.join("__init__.py"))?;
        let tree = file_tree(self.index, init)?;
        let src: &str = &self.index.file(init).text;
        let entry = named_children(tree.get().root_node())
            .into_iter()
            .filter(|s| s.kind() == "expression_statement")
            .filter_map(|s| s.named_child(0).filter(|a| a.kind() == "assignment"))
            .filter(|a| {
                field(*a, "left").is_some_and(|l| l.kind() == "identifier" && text(l, src) == "default_app_config")
            })
            .filter_map(|a| field(a, "right"))
            .next_back()
            .and_then(|r| crate::syntax::string_value(unparen(r), src))?;
        let (module, class) = entry.rsplit_once('.')?;
        let file = self.resolve_module(module, Some(init))?;
        let config = app_configs(self.index, file).into_iter().find(|c| c.class == class)?;
        let name = config.name.clone()?;
        let label = config
            .label
            .clone()
            .unwrap_or_else(|| name.rsplit('.').next().unwrap_or(&name).to_owned());
        Some(LegacyAppConfig {
            label,
            default_auto_field: config.default_auto_field,
        })
    }

    /// Every folder under `root` (not under a nested project's root) with a
    /// `models.py` / `models/` package and a `migrations/` folder.
    fn fallback_apps(&mut self, root: &Path, all_roots: &[PathBuf]) -> Vec<App> {
        let index = self.index;
        let nested: Vec<&PathBuf> = all_roots
            .iter()
            .filter(|r| r.as_path() != root && r.starts_with(root))
            .collect();
        let mut dirs: Vec<PathBuf> = index
            .files
            .iter()
            .filter(|f| f.in_migrations)
            .filter_map(|f| f.path.parent()?.parent().map(Path::to_path_buf))
            .filter(|d| d.starts_with(root) && !nested.iter().any(|n| d.starts_with(n)))
            .filter(|d| {
                !d.components()
                    .any(|c| matches!(c.as_os_str().to_str(), Some("site-packages" | "dist-packages")))
            })
            .collect();
        dirs.sort();
        dirs.dedup();
        let mut apps = Vec::new();
        for dir in dirs {
            let models_py = dir.join("models.py");
            let models_dir = dir.join("models");
            let models_file = index
                .file_by_path(&models_py)
                .or_else(|| index.file_by_path(&models_dir.join("__init__.py")))
                .or_else(|| (0..index.files.len()).find(|i| index.file(*i).path.starts_with(&models_dir)));
            let Some(models_file) = models_file else { continue };
            let folder = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // The module: the models file's name without `.models…`.
            let module = index
                .file(models_file)
                .modules
                .iter()
                .find_map(|m| {
                    m.find(".models")
                        .map(|i| m[..i].to_owned())
                        .or_else(|| (m == "models").then(String::new))
                })
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| folder.clone());
            if is_framework(&module) {
                continue;
            }
            // No settings say how the app is installed: its `apps.py`'s
            // config, else the one config class its `__init__.py` defines
            // (a Pulp plugin such as galaxy_ng is installed by that class's
            // path, from an entry point: `galaxy_ng.app`, label "galaxy").
            let config = ["apps.py", "__init__.py"].iter().find_map(|file| {
                index
                    .file_by_path(&dir.join(file))
                    .map(|f| app_configs(index, f))
                    .and_then(|cs| default_config(&cs).cloned())
            });
            let label = config.as_ref().and_then(|c| c.label.clone()).unwrap_or(folder);
            apps.push(self.app(label, module, dir, config.and_then(|c| c.default_auto_field)));
        }
        apps
    }
}

fn walk<'t>(node: Node<'t>, f: &mut impl FnMut(Node<'t>)) {
    let mut cursor = node.walk();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        f(n);
        cursor.reset(n);
        let children: Vec<Node<'t>> = n.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
}

fn common_dir<'p>(paths: impl Iterator<Item = &'p Path>) -> PathBuf {
    let mut common: Option<PathBuf> = None;
    for p in paths {
        let dir = p.parent().unwrap_or(p);
        common = Some(match common {
            None => dir.to_path_buf(),
            Some(c) => c
                .components()
                .zip(dir.components())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect(),
        });
    }
    common.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{module_names, FileEntry};
    use std::sync::Arc;

    /// An in-memory workspace rooted at `/w`.
    fn workspace(files: &[(&str, &str)]) -> WorkspaceIndex {
        let paths: Vec<PathBuf> = files.iter().map(|(p, _)| PathBuf::from(p)).collect();
        let has_init = |d: &Path| {
            paths
                .iter()
                .any(|p| p.parent() == Some(d) && p.ends_with("__init__.py"))
        };
        let entries = files
            .iter()
            .map(|(p, text)| {
                let path = PathBuf::from(p);
                let modules = module_names(&path, Path::new("/w"), has_init);
                FileEntry::new(path, modules, text.as_bytes())
            })
            .collect();
        WorkspaceIndex::new(entries)
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn nothing_exists(_: &Path) -> bool {
        false
    }

    fn discover(index: &WorkspaceIndex) -> Vec<Project> {
        discover_projects(index, &no_env, &nothing_exists)
    }

    fn only(index: &WorkspaceIndex) -> Project {
        let mut projects = discover(index);
        assert_eq!(projects.len(), 1, "{projects:#?}");
        projects.remove(0)
    }

    fn path_of(index: &WorkspaceIndex, id: Option<FileId>) -> String {
        path_string(&index.file(id.expect("a file")).path)
    }

    fn labels(p: &Project) -> Vec<&str> {
        p.apps.iter().map(|a| a.label.as_str()).collect()
    }

    #[test]
    fn a_settings_module_named_from_the_folder_above_the_root_is_found() {
        // `manage.py` appends its parent folder to sys.path (django-unicorn's
        // example project): `example.project.settings` from `example/`.
        let index = workspace(&[
            (
                "/w/example/manage.py",
                "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'example.project.settings')\n",
            ),
            ("/w/example/project/__init__.py", ""),
            (
                "/w/example/project/settings.py",
                "INSTALLED_APPS = ['example.books']\nDEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'\n",
            ),
            ("/w/example/books/__init__.py", ""),
            ("/w/example/books/models.py", ""),
        ]);
        let p = only(&index);
        assert_eq!(path_of(&index, p.settings), "/w/example/project/settings.py");
        assert_eq!(p.default_auto_field.as_deref(), Some("django.db.models.BigAutoField"));
        assert_eq!(labels(&p), ["books"]);
    }

    #[test]
    fn an_auto_field_set_to_an_expression_or_without_settings_is_unknown() {
        use crate::schema::models::UNKNOWN_AUTO_FIELD;
        let index = workspace(&[
            ("/w/manage.py", "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n"),
            ("/w/proj/__init__.py", ""),
            ("/w/proj/settings.py", "import os\nINSTALLED_APPS = ['shop']\nDEFAULT_AUTO_FIELD = os.environ['AUTO']\n"),
            ("/w/shop/__init__.py", ""),
            ("/w/shop/models.py", ""),
            ("/w/shop/apps.py", "from django.apps import AppConfig\nfrom shop import conf\n\nclass ShopConfig(AppConfig):\n    name = 'shop'\n    default_auto_field = conf.AUTO or 'django.db.models.BigAutoField'\n"),
        ]);
        let p = only(&index);
        assert_eq!(p.default_auto_field.as_deref(), Some(UNKNOWN_AUTO_FIELD));
        assert_eq!(p.apps[0].default_auto_field.as_deref(), Some(UNKNOWN_AUTO_FIELD));
        // No settings file at all: not the version's default either.
        let index = workspace(&[
            ("/w/shop/__init__.py", ""),
            ("/w/shop/models.py", ""),
            ("/w/shop/migrations/__init__.py", ""),
        ]);
        assert_eq!(only(&index).default_auto_field.as_deref(), Some(UNKNOWN_AUTO_FIELD));
    }

    fn origin_text<'i>(index: &'i WorkspaceIndex, o: &Origin) -> &'i str {
        let id = index.file_by_path(&o.path).expect("origin in the workspace");
        &index.file(id).text[o.range.clone()]
    }

    const MANAGE: &str =
        "import os\n\ndef main():\n    os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"proj.settings\")\n";

    const SHOP_APPS: &str = "from django.apps import AppConfig\n\nclass ShopConfig(AppConfig):\n    default_auto_field = \"django.db.models.BigAutoField\"\n    name = \"shop\"\n    label = \"store\"\n";

    fn settings_ws(settings: &str) -> WorkspaceIndex {
        workspace(&[
            ("/w/manage.py", MANAGE),
            ("/w/proj/__init__.py", ""),
            ("/w/proj/settings.py", settings),
            ("/w/shop/__init__.py", ""),
            ("/w/shop/apps.py", SHOP_APPS),
            ("/w/shop/models.py", "from django.db import models\n"),
            ("/w/shop/migrations/__init__.py", ""),
            (
                "/w/shop/migrations/0001_initial.py",
                "from django.db import migrations\n",
            ),
        ])
    }

    fn db_of(settings: &str, env: &[(&str, &str)], existing: &[&str]) -> Option<ConfiguredDatabase> {
        let index = settings_ws(settings);
        let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let existing: Vec<PathBuf> = existing.iter().map(PathBuf::from).collect();
        let mut projects = discover_projects(&index, &|k| env.get(k).cloned(), &|p| existing.iter().any(|e| e == p));
        assert_eq!(projects.len(), 1);
        projects.remove(0).database
    }

    fn url_of(settings: &str) -> Option<String> {
        db_of(settings, &[], &[]).map(|d| d.url)
    }

    #[test]
    fn the_shop_fixture() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shop");
        let walked = crate::workspace::walk(&dir, Arc::new(|_: &Path| false));
        let sources = walked
            .files
            .into_iter()
            .map(|path| crate::workspace::Source { path, contents: None })
            .collect();
        let loaded = crate::workspace::load(sources);
        let index = &loaded.index;
        let project = only(index);
        assert_eq!(project.root, dir);
        assert_eq!(project.settings_module.as_deref(), Some("shop_project.settings"));
        assert_eq!(
            path_of(index, project.settings),
            path_string(&dir.join("shop_project/settings.py"))
        );
        assert_eq!(path_of(index, project.manage_py), path_string(&dir.join("manage.py")));
        assert_eq!(path_of(index, project.rxconfig), path_string(&dir.join("rxconfig.py")));
        assert!(!project.apps_fallback);
        assert_eq!(project.installed_apps.len(), 9);
        assert_eq!(project.installed_apps[7], "catalog");
        assert_eq!(labels(&project), ["catalog", "reviews"]);
        assert_eq!(
            project.contrib_apps,
            ["admin", "auth", "contenttypes", "sessions", "messages", "staticfiles"]
        );
        assert_eq!(project.auth_user_model, "auth.User");
        assert_eq!(
            project.default_auto_field.as_deref(),
            Some("django.db.models.BigAutoField")
        );
        let catalog = &project.apps[0];
        assert_eq!(catalog.module, "catalog");
        assert_eq!(catalog.dir, dir.join("catalog"));
        assert_eq!(
            catalog.default_auto_field.as_deref(),
            Some("django.db.models.BigAutoField")
        );
        assert_eq!(catalog.models.len(), 1);
        assert_eq!(
            path_of(index, Some(catalog.models[0])),
            path_string(&dir.join("catalog/models.py"))
        );
        let migrations: Vec<String> = catalog
            .migrations
            .iter()
            .map(|m| index.file(*m).path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            migrations,
            ["0001_initial.py", "0002_order_paid_at_product_image_url.py"]
        );
        assert_eq!(project.apps[1].migrations.len(), 1);

        let db = project.database.expect("a database");
        assert_eq!(db.url, format!("sqlite:///{}", dir.join("db.sqlite3").display()));
        assert!(db.url.starts_with("sqlite:////"));
        assert_eq!(db.source, DatabaseSource::Settings);
        let origin = db.origin.expect("the DATABASES assignment");
        assert!(
            origin_text(index, &origin).starts_with("DATABASES = {"),
            "{}",
            origin_text(index, &origin)
        );

        // The environment comes first.
        let env = |k: &str| (k == "RX_DATABASE_URL").then(|| "postgres://u@h/shop".to_owned());
        let project = discover_projects(index, &env, &nothing_exists).remove(0);
        let db = project.database.unwrap();
        assert_eq!(db.url, "postgres://u@h/shop");
        assert_eq!(db.source, DatabaseSource::Environment("RX_DATABASE_URL".to_owned()));
        assert_eq!(db.origin, None);
    }

    #[test]
    fn split_settings_with_star_imports() {
        let base = r#"
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent.parent
DJANGO_APPS = ["django.contrib.auth", "django.contrib.contenttypes"]
LOCAL_APPS = ["shop"]
INSTALLED_APPS = DJANGO_APPS + LOCAL_APPS
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "data" / "db.sqlite3",
    }
}
_PRIVATE = 1
"#;
        let dev = r#"
from .base import *
INSTALLED_APPS += ["django.contrib.sessions"]
INSTALLED_APPS.append("django.contrib.admin")
AUTH_USER_MODEL = "shop.Customer"
try:
    from .local import *
except ImportError:
    pass
"#;
        let index = workspace(&[
            ("/w/manage.py", &MANAGE.replace("proj.settings", "proj.settings.dev")),
            ("/w/proj/__init__.py", ""),
            ("/w/proj/settings/__init__.py", ""),
            ("/w/proj/settings/base.py", base),
            ("/w/proj/settings/dev.py", dev),
            ("/w/shop/__init__.py", ""),
            ("/w/shop/apps.py", SHOP_APPS),
            ("/w/shop/models.py", "from django.db import models\n"),
            ("/w/shop/migrations/__init__.py", ""),
            ("/w/shop/migrations/0002_b.py", ""),
            ("/w/shop/migrations/0001_a.py", ""),
        ]);
        let p = only(&index);
        assert_eq!(p.root, Path::new("/w"));
        assert_eq!(path_of(&index, p.settings), "/w/proj/settings/dev.py");
        assert_eq!(
            p.installed_apps,
            [
                "django.contrib.auth",
                "django.contrib.contenttypes",
                "shop",
                "django.contrib.sessions",
                "django.contrib.admin"
            ]
        );
        assert_eq!(p.contrib_apps, ["auth", "contenttypes", "sessions", "admin"]);
        assert_eq!(p.auth_user_model, "shop.Customer");
        assert_eq!(p.default_auto_field, None);
        // `label` of the only AppConfig in shop/apps.py.
        assert_eq!(labels(&p), ["store"]);
        let app = &p.apps[0];
        assert_eq!(app.module, "shop");
        assert_eq!(app.dir, Path::new("/w/shop"));
        let names: Vec<String> = app
            .migrations
            .iter()
            .map(|m| path_string(&index.file(*m).path))
            .collect();
        assert_eq!(names, ["/w/shop/migrations/0001_a.py", "/w/shop/migrations/0002_b.py"]);
        let db = p.database.unwrap();
        assert_eq!(db.url, "sqlite:////w/data/db.sqlite3");
        let origin = db.origin.unwrap();
        assert_eq!(origin.path, Path::new("/w/proj/settings/base.py"));
        assert!(origin_text(&index, &origin).starts_with("DATABASES = {"));

        // A local module that exists on disk but is not indexed may change
        // anything: the settings' values are unknown.
        let p = discover_projects(&index, &no_env, &|p| p == Path::new("/w/proj/settings/local.py")).remove(0);
        assert!(p.apps_fallback);
        assert_eq!(labels(&p), ["store"], "the folder scan still reads apps.py");
        assert_eq!(p.database, None);
        // It may swap the user model too: unknown, not Django's default.
        assert_eq!(p.auth_user_model, crate::schema::models::UNKNOWN_USER_MODEL);
    }

    #[test]
    fn settings_package_init_star_imports() {
        let index = workspace(&[
            ("/w/manage.py", MANAGE),
            ("/w/proj/__init__.py", ""),
            ("/w/proj/settings/__init__.py", "from .base import *  # noqa\nfrom .db import DATABASES\n"),
            ("/w/proj/settings/base.py", "INSTALLED_APPS = ('shop.apps.ShopConfig',)\n"),
            (
                "/w/proj/settings/db.py",
                "import os\nDATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'x.db')}}\n",
            ),
            ("/w/shop/__init__.py", ""),
            ("/w/shop/apps.py", SHOP_APPS),
            ("/w/shop/models/__init__.py", "from .a import *\n"),
            ("/w/shop/models/a.py", ""),
            ("/w/shop/migrations/__init__.py", ""),
        ]);
        let p = only(&index);
        assert_eq!(path_of(&index, p.settings), "/w/proj/settings/__init__.py");
        assert_eq!(p.installed_apps, ["shop.apps.ShopConfig"]);
        assert_eq!(labels(&p), ["store"]);
        assert_eq!(p.apps[0].models.len(), 2);
        assert!(p.apps[0].migrations.is_empty());
        assert_eq!(p.database.unwrap().url, "sqlite:////w/x.db");
    }

    #[test]
    fn default_app_config_names_the_label_before_django_4_1() {
        // shuup 3.1 (Django 2.2): `shuup/core/__init__.py` defines its config
        // (`label = "shuup"`, base `AppConfig` imported from `shuup.apps`)
        // and names it in `default_app_config`; its models and migrations
        // are the `shuup` app's. Django 3.1: "No changes detected" on this
        // layout; Django 4.1 removed `default_app_config` (label "core").
        let index = workspace(&[
            ("/w/manage.py", MANAGE),
            ("/w/proj/__init__.py", ""),
            ("/w/proj/settings.py", "INSTALLED_APPS = ['shop.core', 'shop.blog']\n"),
            ("/w/shop/__init__.py", ""),
            ("/w/shop/apps.py", "from django.apps import AppConfig as DjangoAppConfig\n\nclass AppConfig(DjangoAppConfig):\n    pass\n"),
            (
                "/w/shop/core/__init__.py",
                "from shop.apps import AppConfig\n\n\nclass CoreConfig(AppConfig):\n    name = 'shop.core'\n    label = 'shop'\n    default_auto_field = 'django.db.models.AutoField'\n\n\ndefault_app_config = 'shop.core.CoreConfig'\n",
            ),
            ("/w/shop/core/models.py", ""),
            // Named, but not a class of that module: nothing changes.
            ("/w/shop/blog/__init__.py", "default_app_config = 'shop.blog.apps.Missing'\n"),
            ("/w/shop/blog/models.py", ""),
        ]);
        let p = only(&index);
        assert_eq!(labels(&p), ["core", "blog"], "read as Django 4.1+ does by default");
        let old = p.clone().for_django((3, 2));
        assert_eq!(labels(&old), ["shop", "blog"]);
        assert_eq!(
            old.apps[0].default_auto_field.as_deref(),
            Some("django.db.models.AutoField")
        );
        assert_eq!(labels(&p.for_django((4, 1))), ["core", "blog"]);
    }

    #[test]
    fn app_config_selection() {
        // Two configs: the one with `default = True` is used for "shop";
        // naming a class picks that class.
        let apps = "from django.apps import AppConfig\n\nclass A(AppConfig):\n    name = 'shop'\n\nclass B(AppConfig):\n    name = 'shop'\n    label = 'b_label'\n    default = True\n    default_auto_field = 'django.db.models.AutoField'\n\nclass C(B):\n    label = 'c_label'\n    default = False\n";
        let ws = |installed: &str| {
            workspace(&[
                ("/w/manage.py", MANAGE),
                ("/w/proj/__init__.py", ""),
                ("/w/proj/settings.py", &format!("INSTALLED_APPS = [{installed}]\n")),
                ("/w/shop/__init__.py", ""),
                ("/w/shop/apps.py", apps),
                ("/w/shop/models.py", ""),
            ])
        };
        let p = only(&ws("'shop'"));
        assert_eq!(labels(&p), ["b_label"]);
        assert_eq!(
            p.apps[0].default_auto_field.as_deref(),
            Some("django.db.models.AutoField")
        );
        let p = only(&ws("'shop.apps.A'"));
        assert_eq!(labels(&p), ["shop"]);
        assert_eq!(p.apps[0].default_auto_field, None);
        // C inherits B's name and default_auto_field.
        let p = only(&ws("'shop.apps.C'"));
        assert_eq!(labels(&p), ["c_label"]);
        assert_eq!(
            p.apps[0].default_auto_field.as_deref(),
            Some("django.db.models.AutoField")
        );
        // Not in the workspace: no app (contrib ones are listed by label).
        let p = only(&ws("'django.contrib.auth', 'rest_framework', 'reflex_django'"));
        assert!(p.apps.is_empty());
        assert!(!p.apps_fallback);
        assert_eq!(p.contrib_apps, ["auth"]);
        // No apps.py: the label is the module's last component.
        let index = workspace(&[
            ("/w/manage.py", MANAGE),
            ("/w/proj/__init__.py", ""),
            ("/w/proj/settings.py", "INSTALLED_APPS = ['apps.blog']\n"),
            ("/w/apps/__init__.py", ""),
            ("/w/apps/blog/__init__.py", ""),
            ("/w/apps/blog/models.py", ""),
        ]);
        let p = only(&index);
        assert_eq!(labels(&p), ["blog"]);
        assert_eq!(p.apps[0].module, "apps.blog");
        assert_eq!(p.apps[0].dir, Path::new("/w/apps/blog"));
    }

    #[test]
    fn environment_overrides_and_fallbacks() {
        let settings =
            "import os\nDATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': '/data/app.db'}}\n";
        let db = db_of(settings, &[], &[]).unwrap();
        assert_eq!(
            (db.url.as_str(), &db.source),
            ("sqlite:////data/app.db", &DatabaseSource::Settings)
        );
        let db = db_of(
            settings,
            &[("DATABASE_URL", "postgres://a@b/c"), ("RX_DATABASE_URL", "x")],
            &[],
        )
        .unwrap();
        assert_eq!(db.source, DatabaseSource::Environment("DATABASE_URL".into()));
        assert_eq!(db.url, "postgres://a@b/c");
        // An empty variable is unset.
        let db = db_of(
            settings,
            &[("DATABASE_URL", ""), ("REFLEX_DJANGO_DATABASE_URL", "mysql://m@h/d")],
            &[],
        )
        .unwrap();
        assert_eq!(
            db.source,
            DatabaseSource::Environment("REFLEX_DJANGO_DATABASE_URL".into())
        );

        // Settings that cannot be read: the default files, in order.
        let unreadable = "from somewhere import make_db\nDATABASES = {'default': make_db()}\n";
        assert_eq!(db_of(unreadable, &[], &[]), None);
        let db = db_of(unreadable, &[], &["/w/db.sqlite3"]).unwrap();
        assert_eq!(
            (db.url.as_str(), &db.source),
            ("sqlite:////w/db.sqlite3", &DatabaseSource::DefaultFile)
        );
        let db = db_of(unreadable, &[], &["/w/db.sqlite3", "/w/reflex.db"]).unwrap();
        assert_eq!(db.url, "sqlite:////w/reflex.db");
        // An unknown engine yields no URL; in-memory SQLite neither.
        assert_eq!(
            url_of("DATABASES = {'default': {'ENGINE': 'mssql', 'NAME': 'x'}}"),
            None
        );
        assert_eq!(
            url_of("DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ':memory:'}}"),
            None
        );
        // A relative NAME is taken from the root.
        assert_eq!(
            url_of("DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'var/../db.sqlite3'}}")
                .as_deref(),
            Some("sqlite:////w/db.sqlite3")
        );
    }

    #[test]
    fn environment_reads_inside_settings() {
        let settings = r#"
import os
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent
DATABASES = {
    "default": {
        "ENGINE": os.environ.get("DB_ENGINE", "django.db.backends.sqlite3"),
        "NAME": os.getenv("DB_NAME", str(BASE_DIR / "db.sqlite3")),
    }
}
if os.environ.get("USE_PG"):
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
    DATABASES["default"]["NAME"] = os.environ["PGDATABASE"]
    DATABASES["default"]["HOST"] = "localhost"
"#;
        assert_eq!(url_of(settings).as_deref(), Some("sqlite:////w/db.sqlite3"));
        let db = db_of(settings, &[("USE_PG", "1"), ("PGDATABASE", "shop")], &[]).unwrap();
        assert_eq!(db.url, "postgres://localhost/shop");
        // The last statement that changed DATABASES is the origin.
        let index = settings_ws(settings);
        assert_eq!(
            origin_text(&index, db.origin.as_ref().unwrap()),
            "DATABASES[\"default\"][\"HOST\"] = \"localhost\""
        );
        // `os.environ["K"]` of a missing variable raises: unknown.
        assert_eq!(db_of(settings, &[("USE_PG", "1")], &[]), None);
        // A condition we cannot decide: the branches disagree, unknown.
        let undecidable = format!(
            "import sys\n{}\nif 'test' in sys.argv:\n    DATABASES = {{}}\n",
            settings
        );
        assert_eq!(url_of(&undecidable), None);
        // ... unless they agree.
        let agreeing = format!("import sys\n{settings}\nif 'test' in sys.argv:\n    X = 1\n");
        assert_eq!(url_of(&agreeing).as_deref(), Some("sqlite:////w/db.sqlite3"));
    }

    #[test]
    fn dj_database_url() {
        let s = "import dj_database_url\nDATABASES = {'default': dj_database_url.config(default='postgres://u:p@db:5432/app', conn_max_age=600)}\n";
        assert_eq!(url_of(s).as_deref(), Some("postgres://u:p@db:5432/app"));
        // `env=` names the variable read first.
        let s2 = "import dj_database_url\nDATABASES = {'default': dj_database_url.config(env='PRIMARY', default='sqlite:///db.sqlite3')}\n";
        assert_eq!(url_of(s2).as_deref(), Some("sqlite:////w/db.sqlite3"));
        let db = db_of(s2, &[("PRIMARY", "mysql://r@h/x")], &[]).unwrap();
        assert_eq!(
            (db.url.as_str(), &db.source),
            ("mysql://r@h/x", &DatabaseSource::Settings)
        );
        let s3 = "import dj_database_url\nDATABASES = {}\nDATABASES['default'] = dj_database_url.parse('postgres://x@y/z')\n";
        assert_eq!(url_of(s3).as_deref(), Some("postgres://x@y/z"));
        let s4 = "from dj_database_url import config\nDATABASES = {'default': {**config(default='postgres://x@y/z'), 'CONN_MAX_AGE': 60}}\n";
        assert_eq!(url_of(s4).as_deref(), Some("postgres://x@y/z"));
        // No default and no variable: nothing.
        let s5 = "import dj_database_url\nDATABASES = {'default': dj_database_url.config()}\n";
        assert_eq!(url_of(s5), None);
    }

    #[test]
    fn django_environ() {
        let s = r#"
import environ
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env(DEBUG=(bool, False), DB_HOST=(str, "db"))
environ.Env.read_env(BASE_DIR / ".env")
DEBUG = env("DEBUG")
if DEBUG:
    DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'debug.db'}")}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env.str("DB_NAME", "shop"),
            "USER": env("DB_USER", default="app"),
            "HOST": env("DB_HOST"),
            "PORT": env.int("DB_PORT", default=5432),
        }
    }
"#;
        assert_eq!(url_of(s).as_deref(), Some("postgres://app@db:5432/shop"));
        assert_eq!(db_of(s, &[("DEBUG", "yes")], &[]).unwrap().url, "sqlite:////w/debug.db");
        assert_eq!(
            db_of(s, &[("DB_PORT", "6543"), ("DB_HOST", "pg")], &[]).unwrap().url,
            "postgres://app@pg:6543/shop"
        );
        // The .env file exists: unset variables could come from it.
        assert_eq!(db_of(s, &[], &["/w/.env"]), None);
        let db = db_of(s, &[], &["/w/.env", "/w/db.sqlite3"]).unwrap();
        assert_eq!(db.source, DatabaseSource::DefaultFile);
        // load_dotenv() without a file anywhere changes nothing.
        let d = "from dotenv import load_dotenv\nimport os\nload_dotenv()\nDATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': os.getenv('DB', '/x.db')}}\n";
        assert_eq!(url_of(d).as_deref(), Some("sqlite:////x.db"));
        assert_eq!(db_of(d, &[], &["/.env"]), None);
        // python-decouple
        let c = "from decouple import config\nDATABASES = {'default': {'ENGINE': 'django.db.backends.mysql', 'NAME': config('DB_NAME', default='m'), 'PORT': config('DB_PORT', default=3306, cast=int)}}\n";
        assert_eq!(url_of(c).as_deref(), Some("mysql://:3306/m"));
        assert_eq!(db_of(c, &[("DB_PORT", "3307")], &[]).unwrap().url, "mysql://:3307/m");
        assert_eq!(db_of(c, &[], &["/w/settings.ini"]), None);
    }

    #[test]
    fn environ_casts_paths_and_changed_url_dicts() {
        // environ.Path arithmetic and calls.
        let s = "import environ\nroot = environ.Path(__file__) - 2\nDATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': root('var', 'db.sqlite3')}}\n";
        assert_eq!(url_of(s).as_deref(), Some("sqlite:////w/var/db.sqlite3"));
        // Smart casting by the default's type; a `$` proxy is unknown.
        let s = "import environ\nenv = environ.Env()\nDATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'n', 'PORT': env('PORT', default=5432), 'PASSWORD': env('PW', default='')}}\n";
        assert_eq!(url_of(s).as_deref(), Some("postgres://:5432/n"));
        assert_eq!(db_of(s, &[("PORT", "15432")], &[]).unwrap().url, "postgres://:15432/n");
        assert_eq!(db_of(s, &[("PORT", "x")], &[]), None, "int('x') raises");
        assert_eq!(db_of(s, &[("PW", "$OTHER")], &[]), None);
        // A dj-database-url dict changed afterwards keeps its URL unless a
        // connection setting is replaced.
        let base =
            "import dj_database_url\nDATABASES = {'default': dj_database_url.config(default='postgres://u@h/d')}\n";
        let kept = format!("{base}DATABASES['default']['CONN_MAX_AGE'] = 60\nDATABASES['default'].update({{'ATOMIC_REQUESTS': True}})\n");
        assert_eq!(url_of(&kept).as_deref(), Some("postgres://u@h/d"));
        let replaced = format!("{base}DATABASES['default']['NAME'] = 'other'\n");
        assert_eq!(url_of(&replaced), None);
        // An empty variable gives dj-database-url an empty dict: nothing.
        let s = "import dj_database_url\nDATABASES = {'default': dj_database_url.config('MY_DB', default='postgres://u@h/d')}\n";
        assert_eq!(db_of(s, &[("MY_DB", "")], &[]), None);
        assert_eq!(
            db_of(s, &[("MY_DB", "mysql://m@h/x")], &[]).unwrap().url,
            "mysql://m@h/x"
        );
    }

    #[test]
    fn postgres_url_is_percent_encoded_and_never_printed() {
        let s = r#"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql_psycopg2",
        "NAME": "shop db",
        "USER": "app@corp",
        "PASSWORD": "p@ss:w/rd",
        "HOST": "db.example",
        "PORT": "5432",
    }
}
"#;
        let db = db_of(s, &[], &[]).unwrap();
        assert_eq!(
            db.url,
            "postgres://app%40corp:p%40ss%3Aw%2Frd@db.example:5432/shop%20db"
        );
        let printed = format!("{db:?}");
        assert!(
            !printed.contains("p%40ss") && !printed.contains("p@ss") && !printed.contains("w%2Frd"),
            "{printed}"
        );
        assert!(
            printed.contains("postgres://app%40corp:***@db.example:5432/shop%20db"),
            "{printed}"
        );
        let project = only(&settings_ws(s));
        let printed = format!("{project:?} {project:#?}");
        assert!(!printed.contains("p%40ss") && !printed.contains("p@ss"), "{printed}");
        // A socket folder as host, and GIS/MySQL engines.
        let socket = s.replace("db.example", "/var/run/postgresql").replace(
            "django.db.backends.postgresql_psycopg2",
            "django.contrib.gis.db.backends.postgis",
        );
        assert_eq!(
            url_of(&socket).unwrap(),
            "postgres://app%40corp:p%40ss%3Aw%2Frd@%2Fvar%2Frun%2Fpostgresql:5432/shop%20db"
        );
        let mysql = "DATABASES = {'default': {'ENGINE': 'django.db.backends.mysql', 'NAME': 'm', 'USER': 'root', 'PASSWORD': '', 'HOST': '127.0.0.1', 'PORT': 3306}}";
        assert_eq!(url_of(mysql).unwrap(), "mysql://root@127.0.0.1:3306/m");
        // Without a NAME Django refuses to connect: no URL.
        assert_eq!(
            url_of("DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'HOST': 'h'}}"),
            None
        );
    }

    #[test]
    fn rxconfig_names_settings_and_database() {
        let rx = |extra: &str| {
            format!(
                "import reflex as rx\nfrom reflex_django.plugins import ReflexDjangoPlugin\nconfig = rx.Config(\n    app_name='shop',\n    {extra}\n    plugins=[ReflexDjangoPlugin(settings_module='proj.settings')],\n)\n"
            )
        };
        let files = |rxconfig: String, settings: &'static str| {
            workspace(&[
                ("/w/rxconfig.py", Box::leak(rxconfig.into_boxed_str())),
                ("/w/proj/__init__.py", ""),
                ("/w/proj/settings.py", settings),
            ])
        };
        let index = files(rx(""), "INSTALLED_APPS = []\n");
        let p = only(&index);
        assert_eq!(p.settings_module.as_deref(), Some("proj.settings"));
        assert_eq!(path_of(&index, p.settings), "/w/proj/settings.py");
        assert_eq!(p.manage_py, None);
        assert_eq!(p.database, None);
        let index = files(rx("db_url='sqlite:///reflex.db',"), "INSTALLED_APPS = []\n");
        let db = only(&index).database.unwrap();
        assert_eq!(
            (db.url.as_str(), &db.source),
            ("sqlite:////w/reflex.db", &DatabaseSource::Rxconfig)
        );
        assert_eq!(
            origin_text(&index, db.origin.as_ref().unwrap()),
            "db_url='sqlite:///reflex.db'"
        );
        // The settings come before rxconfig's db_url.
        let index = files(
            rx("db_url='sqlite:///reflex.db',"),
            "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': '/s.db'}}\n",
        );
        assert_eq!(only(&index).database.unwrap().url, "sqlite:////s.db");
        // DJANGO_SETTINGS_MODULE wins over the files' names.
        let index = workspace(&[
            ("/w/rxconfig.py", Box::leak(rx("").into_boxed_str())),
            ("/w/proj/__init__.py", ""),
            ("/w/proj/settings.py", "AUTH_USER_MODEL = 'a.B'\n"),
            ("/w/proj/test_settings.py", "AUTH_USER_MODEL = 'c.D'\n"),
        ]);
        let env = |k: &str| (k == "DJANGO_SETTINGS_MODULE").then(|| "proj.test_settings".to_owned());
        let p = discover_projects(&index, &env, &nothing_exists).remove(0);
        assert_eq!(p.auth_user_model, "c.D");
        assert_eq!(only(&index).auth_user_model, "a.B");
        // An env name that does not resolve under the root is ignored.
        let env = |k: &str| (k == "DJANGO_SETTINGS_MODULE").then(|| "elsewhere.settings".to_owned());
        let p = discover_projects(&index, &env, &nothing_exists).remove(0);
        assert_eq!(p.settings_module.as_deref(), Some("proj.settings"));
    }

    #[test]
    fn folder_scan_without_settings() {
        let index = workspace(&[
            ("/w/catalog/__init__.py", ""),
            ("/w/catalog/models.py", ""),
            ("/w/catalog/migrations/__init__.py", ""),
            ("/w/catalog/migrations/0001_initial.py", ""),
            ("/w/orders/__init__.py", ""),
            ("/w/orders/apps.py", "from django.apps import AppConfig\nclass OrdersConfig(AppConfig):\n    name = 'orders'\n    label = 'shop_orders'\n"),
            ("/w/orders/models/__init__.py", ""),
            ("/w/orders/models/order.py", ""),
            ("/w/orders/migrations/__init__.py", ""),
            // No migrations folder: not an app.
            ("/w/utils/__init__.py", ""),
            ("/w/utils/models.py", ""),
            // A virtualenv copy of Django is never an app.
            ("/w/venv/lib/python3.12/site-packages/django/contrib/auth/models.py", ""),
            ("/w/venv/lib/python3.12/site-packages/django/contrib/auth/migrations/0001_initial.py", ""),
        ]);
        let p = only(&index);
        assert_eq!(p.root, Path::new("/w"));
        assert_eq!(p.settings, None);
        assert!(p.apps_fallback);
        assert_eq!(labels(&p), ["catalog", "shop_orders"]);
        assert_eq!(p.apps[0].migrations.len(), 1);
        // galaxy_ng 4.9.2 (a Pulp plugin, installed by the path of the config
        // class its `galaxy_ng/app/__init__.py` defines; its migrations name
        // `galaxy.ContainerRegistryRemote`): labelled "galaxy", not "app".
        let plugin = workspace(&[
            ("/w/galaxy_ng/__init__.py", "default_app_config = 'galaxy_ng.app.PulpGalaxyPluginAppConfig'\n"),
            (
                "/w/galaxy_ng/app/__init__.py",
                "from pulpcore.plugin import PulpPluginAppConfig\n\n\nclass PulpGalaxyPluginAppConfig(PulpPluginAppConfig):\n    name = 'galaxy_ng.app'\n    label = 'galaxy'\n",
            ),
            ("/w/galaxy_ng/app/models/__init__.py", ""),
            ("/w/galaxy_ng/app/migrations/__init__.py", ""),
        ]);
        assert_eq!(labels(&only(&plugin)), ["galaxy"]);
        assert_eq!(p.apps[1].models.len(), 2);
        assert_eq!(p.apps[1].module, "orders");
        assert!(p.installed_apps.is_empty() && p.contrib_apps.is_empty());

        // INSTALLED_APPS unreadable: the same scan.
        let p = only(&settings_ws("from elsewhere import APPS\nINSTALLED_APPS = APPS\n"));
        assert!(p.apps_fallback);
        assert_eq!(labels(&p), ["store"]);
    }

    #[test]
    fn two_projects_in_one_workspace() {
        let settings = |name: &str| {
            format!("INSTALLED_APPS = ['{name}']\nDATABASES = {{'default': {{'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'db.sqlite3'}}}}\n")
        };
        let a = settings("catalog");
        let b = settings("catalog");
        let index = workspace(&[
            ("/w/a/manage.py", MANAGE),
            ("/w/a/proj/__init__.py", ""),
            ("/w/a/proj/settings.py", &a),
            ("/w/a/catalog/__init__.py", ""),
            ("/w/a/catalog/models.py", ""),
            ("/w/b/manage.py", MANAGE),
            ("/w/b/proj/__init__.py", ""),
            ("/w/b/proj/settings.py", &b),
            ("/w/b/catalog/__init__.py", ""),
            ("/w/b/catalog/models.py", ""),
        ]);
        let projects = discover(&index);
        assert_eq!(projects.len(), 2);
        for (p, root) in projects.iter().zip(["/w/a", "/w/b"]) {
            assert_eq!(p.root, Path::new(root));
            assert_eq!(path_of(&index, p.settings), format!("{root}/proj/settings.py"));
            assert_eq!(p.apps[0].dir, Path::new(root).join("catalog"));
            assert_eq!(p.database.as_ref().unwrap().url, format!("sqlite:///{root}/db.sqlite3"));
        }
    }

    #[test]
    fn asgi_names_settings_without_manage_py() {
        let index = workspace(&[
            ("/w/src/proj/__init__.py", ""),
            (
                "/w/src/proj/asgi.py",
                "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n",
            ),
            (
                "/w/src/proj/settings.py",
                "DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'\n",
            ),
        ]);
        let p = only(&index);
        assert_eq!(p.root, Path::new("/w/src"));
        assert_eq!(path_of(&index, p.settings), "/w/src/proj/settings.py");
        assert_eq!(p.default_auto_field.as_deref(), Some("django.db.models.AutoField"));
    }

    #[test]
    fn evaluator_details() {
        // Loops taint, f-strings, parents[n], list splats, conditional expressions, try/else.
        let s = r#"
import os
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]
APPS = ["a"]
for x in ["b"]:
    APPS.append(x)
BASE = ["django.contrib.auth"]
INSTALLED_APPS = [*BASE, "django.contrib.admin"] if True else []
NAME = f"{ROOT}/f.db"
try:
    import psycopg
except ImportError:
    ENGINE = "django.db.backends.sqlite3"
else:
    ENGINE = "django.db.backends.sqlite3"
DATABASES = {"default": {"ENGINE": ENGINE, "NAME": NAME}}
"#;
        let index = settings_ws(s);
        let p = only(&index);
        assert_eq!(p.installed_apps, ["django.contrib.auth", "django.contrib.admin"]);
        assert_eq!(p.database.unwrap().url, "sqlite:////w/f.db");
        let mut reader = Reader::new(&index, &no_env, &nothing_exists);
        let settings = index.file_by_path(Path::new("/w/proj/settings.py")).unwrap();
        reader.reset(Path::new("/w"));
        let scope = reader.module_scope(settings).unwrap();
        assert!(scope.get("APPS").unwrap().val == Val::Unknown);
        // An import that may fail with different handler values: unknown.
        let s2 = "try:\n    import psycopg\n    E = 'pg'\nexcept ImportError:\n    E = 'sqlite'\nDATABASES = {'default': {'ENGINE': E, 'NAME': '/x'}}\n";
        assert_eq!(url_of(s2), None);
    }
}
