//! Test helpers shared by the index's unit tests: an index built from
//! in-memory files. Compiled only for tests; never touches the disk.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{FileEntry, ModelInfo, WorkspaceIndex};

/// An index over `(path, text)` files under `/p` (module names from the
/// path, as the workspace loader gives them with `__init__.py` packages).
pub(crate) fn index_of(files: &[(&str, &str)]) -> WorkspaceIndex {
    let paths: Vec<PathBuf> = files.iter().map(|(p, _)| format!("/p/{p}").into()).collect();
    let has_init = |d: &Path| {
        paths
            .iter()
            .any(|p| p.parent() == Some(d) && p.ends_with("__init__.py"))
    };
    WorkspaceIndex::new(
        files
            .iter()
            .zip(&paths)
            .map(|((_, text), path)| {
                let modules = super::module_names(path, Path::new("/p"), has_init);
                FileEntry::new(path.clone(), modules, text.as_bytes())
            })
            .collect(),
    )
}

/// The model a qualified name resolves to, with its members.
pub(crate) fn model_named(index: &WorkspaceIndex, q: &str) -> Option<Arc<ModelInfo>> {
    index
        .model_of_symbol(&index.resolve_qualified(q))
        .map(|id| index.model(id))
}
