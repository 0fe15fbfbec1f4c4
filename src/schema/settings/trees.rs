//! A file's syntax tree for the settings readers: the index's, or parsed
//! here for a settings module, `apps.py` or `manage.py` the index did not
//! parse. (Which file a module name means is `WorkspaceIndex::module_from_root`.)
//!
//! Nothing here evaluates code or does I/O, and nothing keeps state between
//! calls.

use tree_sitter::Tree;

use crate::index::{FileId, WorkspaceIndex};

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
