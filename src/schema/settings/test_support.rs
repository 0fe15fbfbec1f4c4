//! Test fixtures for the settings reader: in-memory workspaces, fake
//! environments, and the helpers the tests of every part share.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::evaluator::path_string;
use super::{discover_projects, ConfiguredDatabase, Project};
use crate::index::{module_names, FileEntry, FileId, WorkspaceIndex};
use crate::schema::state::Origin;

/// An in-memory workspace rooted at `/w`.
pub(super) fn workspace(files: &[(&str, &str)]) -> WorkspaceIndex {
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

pub(super) fn no_env(_: &str) -> Option<String> {
    None
}

pub(super) fn nothing_exists(_: &Path) -> bool {
    false
}

pub(super) fn discover(index: &WorkspaceIndex) -> Vec<Project> {
    discover_projects(index, &no_env, &nothing_exists)
}

pub(super) fn only(index: &WorkspaceIndex) -> Project {
    let mut projects = discover(index);
    assert_eq!(projects.len(), 1, "{projects:#?}");
    projects.remove(0)
}

pub(super) fn path_of(index: &WorkspaceIndex, id: Option<FileId>) -> String {
    path_string(&index.file(id.expect("a file")).path)
}

pub(super) fn labels(p: &Project) -> Vec<&str> {
    p.apps.iter().map(|a| a.label.as_str()).collect()
}

pub(super) fn origin_text<'i>(index: &'i WorkspaceIndex, o: &Origin) -> &'i str {
    let id = index.file_by_path(&o.path).expect("origin in the workspace");
    &index.file(id).text[o.range.clone()]
}

pub(super) const MANAGE: &str =
    "import os\n\ndef main():\n    os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"proj.settings\")\n";

pub(super) const SHOP_APPS: &str = "from django.apps import AppConfig\n\nclass ShopConfig(AppConfig):\n    default_auto_field = \"django.db.models.BigAutoField\"\n    name = \"shop\"\n    label = \"store\"\n";

pub(super) fn settings_ws(settings: &str) -> WorkspaceIndex {
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

pub(super) fn db_of(settings: &str, env: &[(&str, &str)], existing: &[&str]) -> Option<ConfiguredDatabase> {
    let index = settings_ws(settings);
    let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let existing: Vec<PathBuf> = existing.iter().map(PathBuf::from).collect();
    let mut projects = discover_projects(&index, &|k| env.get(k).cloned(), &|p| existing.iter().any(|e| e == p));
    assert_eq!(projects.len(), 1);
    projects.remove(0).database
}

pub(super) fn url_of(settings: &str) -> Option<String> {
    db_of(settings, &[], &[]).map(|d| d.url)
}
