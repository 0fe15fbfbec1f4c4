//! Which workspace file a dotted module name means to a project (as
//! `sys.path` from the project's root would find it), and a file's syntax
//! tree.
//!
//! Lookups in the workspace index only: nothing here evaluates code or does
//! I/O, and nothing keeps state between calls.

use std::path::Path;

use tree_sitter::Tree;

use crate::index::{FileId, WorkspaceIndex};

/// A workspace module by dotted name: by path from the project `root` (as
/// `sys.path` would find it), else the module map nearest to `near`.
pub(super) fn resolve_module(index: &WorkspaceIndex, root: &Path, name: &str, near: Option<FileId>) -> Option<FileId> {
    if name.is_empty() {
        return None;
    }
    let under = |dir: &Path| {
        let mut base = dir.to_path_buf();
        for part in name.split('.') {
            base.push(part);
        }
        let as_file = base.with_extension("py");
        index
            .file_by_path(&as_file)
            .or_else(|| index.file_by_path(&base.join("__init__.py")))
    };
    if let Some(id) = under(root) {
        return Some(id);
    }
    if let Some(id) = index.module_near(name, near) {
        return Some(id);
    }
    // `manage.py` putting the root's parent on `sys.path`
    // (`example.project.settings` from `example/`): a module inside the
    // project, named from a folder above it.
    root.ancestors()
        .skip(1)
        .take(2)
        .filter_map(under)
        .find(|&id| !root.as_os_str().is_empty() && index.file(id).path.starts_with(root))
}

/// A tree for `file`: the index's, or parsed here (settings, `apps.py` and
/// `manage.py` may not look Django-like enough for the index to parse).
pub(super) fn file_tree(index: &WorkspaceIndex, file: FileId) -> Option<TreeRef<'_>> {
    let entry = index.file(file);
    if entry.decode_error.is_some() {
        return None;
    }
    match entry.tree() {
        Some(t) => Some(TreeRef::Borrowed(t)),
        None => crate::syntax::parse(&entry.text).map(TreeRef::Owned),
    }
}

pub(super) enum TreeRef<'a> {
    Borrowed(&'a Tree),
    Owned(Tree),
}

impl TreeRef<'_> {
    pub(super) fn get(&self) -> &Tree {
        match self {
            TreeRef::Borrowed(t) => t,
            TreeRef::Owned(t) => t,
        }
    }

    /// The tree itself (the index's copied).
    pub(super) fn into_owned(self) -> Tree {
        match self {
            TreeRef::Borrowed(t) => t.clone(),
            TreeRef::Owned(t) => t,
        }
    }
}
