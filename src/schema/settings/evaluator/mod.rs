//! The settings evaluator: a small static Python interpreter that runs a
//! settings module (and the workspace modules it imports) statement by
//! statement and keeps the names it binds, as [`Val`]ues.
//!
//! It knows literals, containers, `+` on lists and strings, `/` on paths,
//! `and`/`or`/`not`/comparisons, f-strings, `if` (a branch is taken when its
//! condition is known; otherwise the branches' results are joined: a name
//! they disagree on becomes unknown), `try` (a star import of a missing
//! relative module raises `ImportError` and runs the handler), star imports
//! and named imports from workspace modules (`from .base import *`, each
//! module evaluated with its own `__file__`), list mutations (`append`,
//! `extend`, `insert`, `remove`, `+=`), dict updates and subscript
//! assignments, and the calls of `calls`. Anything else (an unknown call,
//! a loop, a star import from outside the workspace) makes the names it may
//! touch *unknown*; an unknown value is never guessed.
//!
//! It knows nothing of projects or apps (discovery asks it for a module's
//! names), never imports or runs the user's Python, and does no I/O: the
//! environment and file existence come in through the `env` and `exists`
//! closures. `.env` files: when the code loads one and `exists` says it is
//! there, a variable `env` does not set is unknown (we do not read it).
//!
//! Its parts: `statements` (statements, assignments, what a statement may
//! change), `expressions`, `calls` (the calls it knows: pathlib, `os.path`,
//! `os.environ`, django-environ, python-decouple, dj-database-url,
//! python-dotenv) and `value` (the values and the operations on them).

mod calls;
mod expressions;
mod statements;
mod value;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use tree_sitter::{Node, Tree};

use super::trees::file_tree;
use super::Inputs;
use crate::index::FileId;
use crate::python::is_framework;
use crate::python::modules::{module_files, module_path};
use crate::syntax::{named_children, text};

pub(crate) use value::{path_string, Namespace, Val, URL_KEY};

/// The file being evaluated.
struct ModuleFile<'a> {
    file: FileId,
    path: &'a Path,
    src: &'a str,
    module: String,
}

/// A module evaluated: its names, or `None` when importing it fails.
type ModuleScope = Option<Rc<Namespace>>;

/// What an import names.
enum ImportedModule {
    Workspace(FileId),
    /// A relative module that does not exist: `ImportError`.
    Missing,
    /// Outside the workspace (or on disk but not indexed).
    External(String),
}

/// The interpreter's state: what the code evaluated so far for one project
/// did, and the modules it evaluated.
pub(super) struct Evaluator<'a> {
    inputs: Inputs<'a>,
    /// `os.environ` writes made by the code evaluated so far (`None`: deleted).
    overlay: HashMap<String, Option<String>>,
    /// A `.env` file was loaded: variables the environment lacks are unknown.
    env_opaque: bool,
    modules: HashMap<FileId, ModuleScope>,
    stack: Vec<FileId>,
    /// Where the project runs (absolute imports resolve from here first).
    root: PathBuf,
    /// The trees of the files evaluated (the index's, or parsed here for
    /// files it does not parse itself); kept across projects.
    trees: HashMap<FileId, Rc<Tree>>,
}

/// An environment lookup's answer.
enum Lookup {
    Set(String),
    Unset,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImportOutcome {
    Ok,
    /// An `ImportError` certainly raised (a relative module that is not there).
    ImportError,
}

impl<'a> Evaluator<'a> {
    pub(super) fn new(inputs: Inputs<'a>) -> Evaluator<'a> {
        Evaluator {
            inputs,
            overlay: HashMap::new(),
            env_opaque: false,
            modules: HashMap::new(),
            stack: Vec::new(),
            root: PathBuf::new(),
            trees: HashMap::new(),
        }
    }

    /// Forgets what the last project's code did (each project is its own process).
    pub(super) fn reset(&mut self, root: &Path) {
        self.overlay.clear();
        self.env_opaque = false;
        self.modules.clear();
        self.stack.clear();
        self.root = root.to_path_buf();
    }

    /// The tree of `file` (the index's, or parsed here), kept for the
    /// evaluator's lifetime.
    pub(super) fn tree(&mut self, file: FileId) -> Option<Rc<Tree>> {
        if let Some(t) = self.trees.get(&file) {
            return Some(t.clone());
        }
        let tree = Rc::new(file_tree(self.inputs.index, file)?.into_owned());
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
        match (self.inputs.env)(key) {
            Some(v) => Lookup::Set(v),
            None if self.env_opaque => Lookup::Unknown,
            None => Lookup::Unset,
        }
    }

    /// A workspace module by dotted name, from the project's root (see
    /// [`WorkspaceIndex::module_from_root`](crate::index::WorkspaceIndex::module_from_root)).
    fn resolve_module(&self, name: &str, near: Option<FileId>) -> Option<FileId> {
        self.inputs.index.module_from_root(&self.root, name, near)
    }

    /// Evaluates a workspace module (memoized per project; `None` when it
    /// cannot be imported or imports itself).
    pub(super) fn module_scope(&mut self, file: FileId) -> ModuleScope {
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

    fn eval_module(&mut self, file: FileId) -> Option<Namespace> {
        let tree = self.tree(file)?;
        let entry = self.inputs.index.file(file);
        let text = entry.text.clone();
        let path = entry.path.clone();
        let cx = ModuleFile {
            file,
            path: &path,
            src: &text,
            module: entry.module().to_owned(),
        };
        let mut scope = Namespace::new();
        let mut maybe = false;
        match self.exec_block(&cx, tree.root_node(), &mut scope, &mut maybe) {
            ImportOutcome::Ok => Some(scope),
            ImportOutcome::ImportError => None,
        }
    }

    fn resolve_import(&self, cx: &ModuleFile, module: Node) -> ImportedModule {
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
            // `from . import x` names the package itself.
            let candidates: Vec<PathBuf> = if rest.is_empty() {
                vec![dir.join("__init__.py")]
            } else {
                module_files(&dir, &rest).into()
            };
            if let Some(id) = candidates.iter().find_map(|f| self.inputs.index.file_by_path(f)) {
                return ImportedModule::Workspace(id);
            }
            // (A folder without `__init__.py` is a namespace package.)
            if candidates.iter().any(|f| (self.inputs.exists)(f))
                || (!rest.is_empty() && (self.inputs.exists)(&module_path(&dir, &rest)))
            {
                // On disk but not indexed (excluded, git-ignored): unreadable.
                return ImportedModule::External(format!(".{rest}"));
            }
            return ImportedModule::Missing;
        }
        let name = crate::syntax::dotted(module, cx.src).unwrap_or_default();
        match self.resolve_module(&name, Some(cx.file)) {
            Some(id) if !is_framework(&name) => ImportedModule::Workspace(id),
            _ => ImportedModule::External(name),
        }
    }

    /// The value of `expr`, an expression of `file`, in the scope the module
    /// ends with (empty when it cannot be evaluated).
    pub(super) fn eval_in_module(&mut self, file: FileId, expr: Node) -> Val {
        let scope = self.module_scope(file).map(|s| (*s).clone()).unwrap_or_default();
        let index = self.inputs.index;
        let entry = index.file(file);
        let cx = ModuleFile {
            file,
            path: &entry.path,
            src: &entry.text,
            module: entry.module().to_owned(),
        };
        self.eval(&cx, expr, &scope)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::schema::settings::discover_projects;
    use crate::schema::settings::evaluator::path_string;
    use crate::schema::settings::test_support::*;

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
}
