//! The models modules as modules: their top-level classes, the names they
//! bind to calls, what they import from the app's other modules, and which
//! modules of a `models/` package its `__init__.py` reaches. Knows nothing
//! of a class body (that is `class.rs`); never does I/O.

use std::collections::BTreeSet;

use tree_sitter::Node;

use crate::index::{FileId, Symbol, WorkspaceIndex};
use crate::syntax::{self, field, named_children, text};

/// The files of a `models/` package that its `__init__.py` imports,
/// directly or through each other (all of `files` for a `models.py`, or a
/// package without `__init__.py`).
pub(super) fn package_modules_reached(index: &WorkspaceIndex, files: &[FileId]) -> BTreeSet<FileId> {
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
            for t in index.imported_files(b, f) {
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
pub(super) fn imported_classes(
    index: &WorkspaceIndex,
    file: FileId,
    app_dir: &std::path::Path,
) -> Vec<(FileId, String)> {
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
pub(super) fn module_classes(root: Node<'_>) -> Vec<(Node<'_>, usize)> {
    let mut out = Vec::new();
    for (i, stmt) in named_children(root).into_iter().enumerate() {
        let def = syntax::definition_of(stmt);
        if def.kind() == "class_definition" {
            out.push((def, i));
        }
    }
    out
}

pub(super) fn class_name(node: Node<'_>, src: &str) -> String {
    field(node, "name").map(|n| text(n, src).to_owned()).unwrap_or_default()
}

/// The names a module's top-level statements bind to a call's result
/// (`X = f(...)`, `X: T = f(...)`).
pub(super) fn call_bound_names(root: Node, src: &str) -> Vec<String> {
    named_children(root)
        .into_iter()
        .filter(|s| s.kind() == "expression_statement")
        .filter_map(|s| s.named_child(0).filter(|a| a.kind() == "assignment"))
        .filter(|a| field(*a, "right").is_some_and(|r| r.kind() == "call"))
        .filter_map(|a| field(a, "left").filter(|l| l.kind() == "identifier"))
        .map(|l| text(l, src).to_owned())
        .collect()
}
