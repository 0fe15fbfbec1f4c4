//! Project discovery: the Django projects of a workspace (a folder with
//! `manage.py` or `rxconfig.py`, or the parent of a settings package an
//! `asgi.py` / `wsgi.py` or `DJANGO_SETTINGS_MODULE` names), the settings
//! module each one names (`os.environ.setdefault("DJANGO_SETTINGS_MODULE",
//! …)`, `rxconfig.py`'s `settings_module=`), the project root, and the
//! database in SPEC §4's order.
//!
//! Ties the pieces together: the settings evaluator reads the code, the app
//! finder the apps. It never evaluates code itself (beyond asking the
//! evaluator for a module's values) and does no I/O: the environment and
//! file existence come in through the `env` and `exists` closures.

use std::path::{Path, PathBuf};

use tree_sitter::Node;

use super::apps::AppFinder;
use super::database::{absolutize_sqlite, sqlite_url, ConfiguredDatabase, DatabaseSource};
use super::evaluator::{Evaluator, Val};
use super::trees::file_tree;
use super::{settings_values, Inputs, Project, SettingsValues, DATABASE_URL_VARIABLES};
use crate::index::{FileId, WorkspaceIndex};
use crate::schema::state::Origin;
use crate::syntax::{field, named_children, text};

/// Finds the projects of one workspace; one evaluator reads every project's
/// code (reset for each: each project is its own process).
pub(super) struct Discovery<'a> {
    inputs: Inputs<'a>,
    python: Evaluator<'a>,
}

/// A folder that holds a project, and the settings module it names.
pub(super) struct Candidate {
    pub(super) root: PathBuf,
    manage_py: Option<FileId>,
    rxconfig: Option<FileId>,
    /// `asgi.py` / `wsgi.py` files naming settings, under the root.
    servers: Vec<FileId>,
    settings_module: Option<String>,
    settings: Option<FileId>,
}

impl<'a> Discovery<'a> {
    pub(super) fn new(inputs: Inputs<'a>) -> Discovery<'a> {
        Discovery {
            inputs,
            python: Evaluator::new(inputs),
        }
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
        let tree = self.python.tree(file)?;
        let index = self.inputs.index;
        let (src, path) = (&index.file(file).text, &index.file(file).path);
        let mut found: Option<Node> = None;
        walk(tree.root_node(), &mut |n| {
            if found.is_some() || n.kind() != "keyword_argument" {
                return;
            }
            if field(n, "name").map(|k| text(k, src)) != Some(kwarg) {
                return;
            }
            let call = n.parent().and_then(|a| a.parent()).filter(|c| c.kind() == "call");
            let name = call
                .and_then(|c| field(c, "function"))
                .and_then(|f| crate::syntax::dotted(f, src));
            if name.as_deref().is_some_and(&callee) {
                found = Some(n);
            }
        });
        let kw = found?;
        let val = self.python.eval_in_module(file, field(kw, "value")?);
        Some((
            val,
            Origin {
                path: path.to_path_buf(),
                range: kw.byte_range(),
            },
        ))
    }

    /// The workspace's projects, their settings named (the rules are
    /// [`super::discover_projects`]'s), sorted by root.
    pub(super) fn candidates(&mut self) -> Vec<Candidate> {
        let index = self.inputs.index;
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
            .filter_map(|s| setdefault_settings(index, *s).map(|n| (*s, n)))
            .collect();
        for c in &mut by_dir {
            c.servers = server_names
                .iter()
                .filter(|(s, _)| index.file(*s).path.starts_with(&c.root))
                .map(|(s, _)| *s)
                .collect();
        }
        // Name each candidate's settings.
        let env_name = (self.inputs.env)("DJANGO_SETTINGS_MODULE").filter(|s| !s.is_empty());
        for c in &mut by_dir {
            let anchor = c.manage_py.or(c.rxconfig);
            let mut names: Vec<(String, Option<FileId>, bool)> = Vec::new();
            if let Some(n) = &env_name {
                names.push((n.clone(), anchor, true));
            }
            if let Some(m) = c.manage_py {
                if let Some(n) = setdefault_settings(index, m) {
                    names.push((n, Some(m), false));
                }
            }
            if let Some(r) = c.rxconfig {
                self.python.reset(&c.root);
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
                if let Some(f) = index.module_from_root(&c.root, name, *near) {
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
            let Some(f) = index.module_near(name, Some(*s)) else {
                continue;
            };
            let root = settings_root(index, name, f);
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
                if let Some(f) = index.module(name) {
                    by_dir.push(Candidate {
                        root: settings_root(index, name, f),
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

    /// A candidate read: its settings' values, its apps, its database.
    pub(super) fn project(&mut self, c: Candidate, all_roots: &[PathBuf]) -> Project {
        let values = match c.settings {
            Some(s) => settings_values(&mut self.python, s, &c.root),
            None => SettingsValues::default(),
        };
        let finder = AppFinder {
            index: self.inputs.index,
            root: &c.root,
        };
        let installed = values.installed_apps.clone();
        let near = c.settings.or(c.manage_py).or(c.rxconfig);
        let (apps, fallback) = match &installed {
            Some(entries) => (
                entries.iter().filter_map(|e| finder.installed_app(e, near)).collect(),
                false,
            ),
            None => (finder.fallback_apps(all_roots), true),
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
            None => Some(crate::schema::models::UNKNOWN_AUTO_FIELD.to_owned()),
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
                None => crate::schema::models::UNKNOWN_USER_MODEL.to_owned(),
            }),
            default_auto_field,
            contrib_apps,
            database,
        }
    }

    /// The first database URL in SPEC §4's order: the environment, the
    /// settings, `rxconfig.py`'s `db_url=`, a default file in the root.
    fn database(&mut self, c: &Candidate, from_settings: Option<ConfiguredDatabase>) -> Option<ConfiguredDatabase> {
        for var in DATABASE_URL_VARIABLES {
            if let Some(url) = (self.inputs.env)(var).filter(|u| !u.trim().is_empty()) {
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
            self.python.reset(&c.root);
            let found = self.rxconfig_kwarg(r, "db_url", |callee| callee.rsplit('.').next() == Some("Config"));
            if let Some((Val::Str(url), origin)) = found {
                if !url.is_empty() {
                    let base = self
                        .inputs
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
            if (self.inputs.exists)(&path) {
                return Some(ConfiguredDatabase {
                    url: sqlite_url(&path),
                    origin: None,
                    source: DatabaseSource::DefaultFile,
                });
            }
        }
        None
    }
}

/// `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x")` (or
/// `os.environ["DJANGO_SETTINGS_MODULE"] = "x"`) anywhere in a file.
fn setdefault_settings(index: &WorkspaceIndex, file: FileId) -> Option<String> {
    let tree = file_tree(index, file)?;
    let src: &str = &index.file(file).text;
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
                    && crate::python::string_value(args[0], src).as_deref() == Some("DJANGO_SETTINGS_MODULE")
                {
                    found = crate::python::string_value(args[1], src);
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
                        .and_then(|s| crate::python::string_value(s, src))
                        .as_deref()
                        == Some("DJANGO_SETTINGS_MODULE")
                {
                    found = crate::python::string_value(r, src);
                }
            }
            _ => {}
        }
    });
    found
}

/// The root a settings module implies: its file's folder minus one
/// folder per package component (`shop_project.settings` in
/// `/w/shop_project/settings.py` → `/w`).
fn settings_root(index: &WorkspaceIndex, name: &str, file: FileId) -> PathBuf {
    let path = &index.file(file).path;
    let mut dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let depth = name.split('.').count();
    let is_init = path.file_stem().is_some_and(|s| s == "__init__");
    for _ in 0..(if is_init { depth } else { depth - 1 }) {
        dir.pop();
    }
    dir
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
    use std::path::Path;
    use std::sync::Arc;

    use crate::schema::settings::evaluator::path_string;
    use crate::schema::settings::test_support::*;
    use crate::schema::settings::{discover_projects, DatabaseSource};

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
}
