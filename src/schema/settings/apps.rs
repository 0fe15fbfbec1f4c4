//! A project's apps: which workspace package an `INSTALLED_APPS` entry
//! names (a module, or a module's `AppConfig` class), the `AppConfig`
//! subclasses an `apps.py` defines (read from their class bodies: `name`,
//! `label`, `default_auto_field`, `default`), the config a package's
//! `default_app_config` names, each app's models and migrations files, and
//! the folder scan used when `INSTALLED_APPS` cannot be read.
//!
//! Reads syntax only: it never evaluates code (the settings evaluator reads
//! `INSTALLED_APPS` itself) and does no I/O.

use std::path::{Path, PathBuf};

use super::trees::file_tree;
use super::{App, LegacyAppConfig};
use crate::index::{FileId, WorkspaceIndex};
use crate::python::is_framework;
use crate::python::modules::module_path;
use crate::syntax::{field, named_children, text, unparen};

/// An `AppConfig` subclass as its class body says.
#[derive(Debug, Clone, Default)]
struct AppConfigInfo {
    class: String,
    name: Option<String>,
    label: Option<String>,
    default_auto_field: Option<String>,
    default: Option<bool>,
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
            let value = crate::python::string_value(r, src);
            match text(l, src) {
                "name" => info.name = value,
                "label" => info.label = value,
                // Set, but not to a string we can read: unknown, not unset.
                "default_auto_field" => {
                    info.default_auto_field =
                        value.or_else(|| Some(crate::schema::models::UNKNOWN_AUTO_FIELD.to_owned()))
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

/// Finds one project's apps: module names resolve from its root.
pub(super) struct AppFinder<'a> {
    pub(super) index: &'a WorkspaceIndex,
    pub(super) root: &'a Path,
}

impl AppFinder<'_> {
    fn resolve_module(&self, name: &str, near: Option<FileId>) -> Option<FileId> {
        self.index.module_from_root(self.root, name, near)
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
        let dir = module_path(self.root, name);
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
    pub(super) fn installed_app(&self, entry: &str, near: Option<FileId>) -> Option<App> {
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
            .and_then(|r| crate::python::string_value(unparen(r), src))?;
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

    /// Every folder under the root (not under a nested project's root) with
    /// a `models.py` / `models/` package and a `migrations/` folder.
    pub(super) fn fallback_apps(&self, all_roots: &[PathBuf]) -> Vec<App> {
        let (index, root) = (self.index, self.root);
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::schema::settings::test_support::*;

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
}
