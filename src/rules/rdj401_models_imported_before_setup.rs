use crate::diagnostic::Finding;
use crate::index::summary::{ImportBinding, ImportTarget};
use crate::index::{ClassKind, ClassRef, FileId, WorkspaceIndex};
use crate::rules::{Rule, RuleSet};

declare_rule! {
    /// ## What it does
    /// Flags a module-level import of a Django models module (or of names
    /// from it) in a module that defines `rx.State` subclasses or pages, or
    /// in `rxconfig.py`, when nothing earlier bootstraps Django: no
    /// `configure_django()` / `django.setup()` call before it, no earlier
    /// import of a module that makes one, and the imported models do not
    /// inherit reflex_django's `Model` (whose import bootstraps Django).
    ///
    /// Models of installed apps outside the workspace are assumed not to
    /// bootstrap Django.
    ///
    /// ## Why is this bad?
    /// Reflex imports state and page modules while it compiles the app,
    /// before Django's app registry is ready; defining or importing models
    /// then raises `AppRegistryNotReady` and the app does not start.
    ///
    /// ## Example
    /// ```python
    /// # shop/states/admin.py
    /// import reflex as rx
    /// from catalog.models import Order
    /// ```
    ///
    /// ## Fix
    /// Move the import into the functions that use it (unsafe: import-time
    /// side effects move too), or call `configure_django()` before it.
    pub struct ModelsImportedBeforeSetup;
}

pub fn check(index: &WorkspaceIndex, file: FileId, rules: RuleSet, out: &mut Vec<Finding>) {
    if !rules.contains(Rule::RDJ401) {
        return;
    }
    let entry = index.file(file);
    let summary = entry.summary();
    let defines_states = (0..summary.classes.len()).any(|i| matches!(index.class_kind(ClassRef { file, index: i }), ClassKind::State { .. }));
    if !(defines_states || summary.defines_pages || entry.is_rxconfig()) {
        return;
    }
    let mut seen_stmts = Vec::new();
    for b in summary.imports.iter().filter(|b| b.scope.is_none()) {
        if seen_stmts.contains(&b.stmt_range.start) {
            continue;
        }
        let Some((module, bootstraps)) = models_module(index, file, b) else { continue };
        if bootstraps || bootstrapped_before(index, file, b.stmt_range.start, 0) {
            continue;
        }
        seen_stmts.push(b.stmt_range.start);
        out.push(Finding::new(
            Rule::RDJ401,
            format!("`{module}` is imported at module level before Django is set up: `AppRegistryNotReady` when Reflex loads this module"),
            b.stmt_range.clone(),
        ));
    }
}

/// If the import brings in a Django models module: its name, and whether
/// importing it bootstraps Django itself.
fn models_module(index: &WorkspaceIndex, from: FileId, b: &ImportBinding) -> Option<(String, bool)> {
    let candidates: Vec<String> = match &b.target {
        ImportTarget::Module(m) => vec![m.clone()],
        ImportTarget::Member { module, name } => vec![format!("{module}.{name}"), module.clone()],
        ImportTarget::Star { module } => vec![module.clone()],
    };
    for m in candidates {
        if let Some(f) = index.module_near(&m, Some(from)) {
            let models: Vec<_> = index.models_in(f).into_iter().map(|id| index.model_identity(id)).collect();
            if models.is_empty() {
                continue;
            }
            let boots = models.iter().any(|info| info.bootstraps) || index.file(f).summary().bootstrap_at.is_some();
            return Some((m, boots));
        }
        let is_models = m.rsplit('.').next() == Some("models") && !m.starts_with("django.db");
        if is_models && index.module_near(&m, Some(from)).is_none() && !m.starts_with("reflex") {
            return Some((m, false));
        }
    }
    None
}

/// Did something before `offset` in `file` bootstrap Django?
fn bootstrapped_before(index: &WorkspaceIndex, file: FileId, offset: usize, depth: u32) -> bool {
    let summary = index.file(file).summary();
    if summary.bootstrap_at.is_some_and(|at| at < offset) {
        return true;
    }
    if depth > 4 {
        return false;
    }
    summary.imports.iter().filter(|b| b.scope.is_none() && b.stmt_range.start < offset).any(|b| {
        if let ImportTarget::Member { module, name } = &b.target {
            if module.starts_with("reflex_django") && name == "Model" {
                return true;
            }
        }
        let module = match &b.target {
            ImportTarget::Module(m) | ImportTarget::Star { module: m } => m.clone(),
            ImportTarget::Member { module, .. } => module.clone(),
        };
        match index.module_near(&module, Some(file)) {
            Some(f) if f != file => bootstrapped_before(index, f, usize::MAX, depth + 1),
            _ => false,
        }
    })
}
