//! Migration operations a project defines itself (NetBox's
//! `InstallDenormalizationTrigger(migrations.operations.base.Operation)`,
//! a `RunPython` wrapper, a renamed `AddField`): what its class does to the
//! migration state, read from the class body and its bases where they are
//! in the workspace. Only `state_forwards` matters to the state
//! `makemigrations` compares; anything we cannot follow is `None` (the
//! caller treats the operation as unreadable).
//!
//! It reads class bodies from the workspace index only: it never runs the
//! project's code and never changes a state itself.

use tree_sitter::Node;

use crate::index::{ClassRef, FileId, Symbol, WorkspaceIndex};
use crate::syntax::{self, named_children};

/// What a project's operation class does to the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectOperation {
    /// Its `state_forwards` does nothing (a trigger, SQL, data), or it is
    /// one of Django's operations that change no state (`RunPython`, …).
    NoStateChange,
    /// It is Django's operation of this name, with the same arguments: it
    /// inherits `__init__` and `state_forwards` unchanged.
    Like(&'static str),
}

/// Django's operations that change no model state.
const NO_STATE: &[&str] = &[
    "RunPython",
    "RunSQL",
    "AlterModelManagers",
    "CreateExtension",
    "HStoreExtension",
    "TrigramExtension",
    "UnaccentExtension",
    "BtreeGinExtension",
    "BtreeGistExtension",
    "CITextExtension",
    "CryptoExtension",
    "BloomExtension",
    "CreateCollation",
    "RemoveCollation",
    "ValidateConstraint",
];

/// Django's operations that change the state from their arguments (read
/// by `MigrationContext::operation` under the same names).
const STATE: &[&str] = &[
    "CreateModel",
    "DeleteModel",
    "RenameModel",
    "AlterModelTable",
    "AlterModelTableComment",
    "AlterModelOptions",
    "AlterUniqueTogether",
    "AlterIndexTogether",
    "AlterOrderWithRespectTo",
    "AddField",
    "AlterField",
    "RemoveField",
    "RenameField",
    "AddIndex",
    "RemoveIndex",
    "RenameIndex",
    "AddConstraint",
    "RemoveConstraint",
    "AlterConstraint",
    "AddIndexConcurrently",
    "RemoveIndexConcurrently",
];

/// Where Django's operation classes live.
const DJANGO_MODULES: &[&str] = &["django.db.migrations", "django.contrib.postgres.operations"];

/// Inheritance followed at most this deep.
const MAX_DEPTH: u32 = 8;

/// The operation `dotted` (a call's function, as written in the migration
/// `file`) when it names a class of the workspace we can read.
pub fn resolve(index: &WorkspaceIndex, file: FileId, dotted: &str) -> Option<ProjectOperation> {
    match index.resolve_dotted(file, dotted, None) {
        Symbol::Class(c) => class_operation(index, c, 0),
        _ => None,
    }
}

fn class_operation(index: &WorkspaceIndex, c: ClassRef, depth: u32) -> Option<ProjectOperation> {
    if depth > MAX_DEPTH {
        return None;
    }
    let class = index.class(c);
    // `__new__` may return any object.
    if class.method("__new__").is_some() {
        return None;
    }
    if let Some(method) = class.method("state_forwards") {
        return does_nothing(index, c.file, method.range.clone()).then_some(ProjectOperation::NoStateChange);
    }
    // The inherited `state_forwards`: with several bases the MRO decides,
    // which is not modelled.
    let [base] = class.bases.as_slice() else {
        return None;
    };
    let inherited = match index.resolve_dotted(c.file, base, None) {
        Symbol::Class(parent) => class_operation(index, parent, depth + 1)?,
        Symbol::External(q) => django_operation(&q)?,
        _ => return None,
    };
    match inherited {
        // Its own `__init__` maps the arguments differently.
        ProjectOperation::Like(_) if class.method("__init__").is_some() => None,
        op => Some(op),
    }
}

/// One of Django's operation classes, by qualified name.
fn django_operation(qualified: &str) -> Option<ProjectOperation> {
    let (module, name) = qualified.rsplit_once('.')?;
    if !DJANGO_MODULES.iter().any(|m| module.starts_with(m)) {
        return None;
    }
    if NO_STATE.contains(&name) {
        return Some(ProjectOperation::NoStateChange);
    }
    // (`Operation` itself raises NotImplementedError in `state_forwards`.)
    STATE.iter().find(|s| **s == name).map(|s| ProjectOperation::Like(s))
}

/// Whether the function at `range` of `file` has a body that does nothing:
/// `pass`, a docstring, `...`, a bare `return`.
fn does_nothing(index: &WorkspaceIndex, file: FileId, range: std::ops::Range<usize>) -> bool {
    let entry = index.file(file);
    let Some(tree) = entry.tree() else {
        return false;
    };
    let Some(mut node) = tree.root_node().descendant_for_byte_range(range.start, range.end) else {
        return false;
    };
    while node.kind() != "function_definition" {
        match node.parent() {
            Some(p) => node = p,
            None => return false,
        }
    }
    let body = syntax::body_statements(node);
    !body.is_empty() && body.iter().all(|s| inert(*s))
}

fn inert(stmt: Node<'_>) -> bool {
    match stmt.kind() {
        "pass_statement" | "comment" => true,
        "return_statement" => named_children(stmt)
            .iter()
            .all(|c| matches!(c.kind(), "none" | "comment")),
        "expression_statement" => named_children(stmt)
            .iter()
            .all(|e| matches!(e.kind(), "string" | "concatenated_string" | "ellipsis" | "comment")),
        _ => false,
    }
}
