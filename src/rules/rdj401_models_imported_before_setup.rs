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
    /// import of a module that makes one (packages' `__init__.py` included,
    /// since Python runs them first), and the imported models do not inherit
    /// reflex_django's `Model` (whose import bootstraps Django).
    ///
    /// A models module of an installed app (outside the workspace) counts
    /// when its names are used as models (`Product.objects`), or when it is a
    /// `django.contrib` app's; it is assumed not to bootstrap Django.
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
    let defines_states =
        (0..summary.classes.len()).any(|i| matches!(index.class_kind(ClassRef { file, index: i }), ClassKind::State { .. }));
    if !(defines_states || summary.defines_pages || entry.is_rxconfig()) {
        return;
    }
    // Python runs the packages' `__init__.py` before this module.
    if enclosing_packages(index, file).into_iter().any(|f| bootstrapped_before(index, f, usize::MAX, 1)) {
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
        let bindings: Vec<&ImportBinding> = summary.imports.iter().filter(|o| o.stmt_range == b.stmt_range).collect();
        let fix = entry.tree().and_then(|t| crate::rules::import_fix::fix(t.root_node(), &entry.text, b.stmt_range.clone(), &bindings));
        out.push(
            Finding::new(
                Rule::RDJ401,
                format!("`{module}` is imported at module level before Django is set up: `AppRegistryNotReady` when Reflex loads this module"),
                b.stmt_range.clone(),
            )
            .with_fix(fix),
        );
    }
}

/// The `__init__.py` files of the packages containing `file`, outermost first.
fn enclosing_packages(index: &WorkspaceIndex, file: FileId) -> Vec<FileId> {
    let entry = index.file(file);
    let mut out = Vec::new();
    let mut acc = String::new();
    for part in entry.package.split('.').filter(|p| !p.is_empty()) {
        if !acc.is_empty() {
            acc.push('.');
        }
        acc.push_str(part);
        if let Some(f) = index.module_near(&acc, Some(file)).filter(|f| *f != file) {
            out.push(f);
        }
    }
    out
}

/// If the import brings in a Django models module: its name, and whether
/// importing it bootstraps Django itself.
fn models_module(index: &WorkspaceIndex, from: FileId, b: &ImportBinding) -> Option<(String, bool)> {
    let candidates: Vec<String> = match &b.target {
        ImportTarget::Module(_) => vec![b.executes.clone()],
        ImportTarget::Member { module, name } => vec![format!("{module}.{name}"), module.clone()],
        ImportTarget::Star { module } => vec![module.clone()],
    };
    for m in candidates {
        if let Some(f) = index.module_near(&m, Some(from)) {
            if index.models_in(f).is_empty() {
                continue;
            }
            let boots = index.models_in(f).into_iter().any(|id| index.model_identity(id).bootstraps)
                || bootstrapped_before(index, f, usize::MAX, 1)
                || enclosing_packages(index, f).into_iter().any(|p| bootstrapped_before(index, p, usize::MAX, 1));
            return Some((m, boots));
        }
        if m.rsplit('.').next() == Some("models") && index.module_near(&m, Some(from)).is_none() && uses_as_models(index, from, &m, b) {
            return Some((m, false));
        }
    }
    None
}

/// An installed app's models module: Django's contrib apps', or one whose
/// imported names this file uses as models (`Name.objects`, `Name._default_manager`).
fn uses_as_models(index: &WorkspaceIndex, file: FileId, module: &str, b: &ImportBinding) -> bool {
    if module.starts_with("django.") {
        return module.starts_with("django.contrib.");
    }
    if module.starts_with("reflex") {
        return false;
    }
    let text = &*index.file(file).text;
    let used = |prefix: &str| {
        text.match_indices(prefix).any(|(at, _)| {
            let before_ok = at == 0 || !text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '.');
            let rest = &text[at + prefix.len()..];
            let name_len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).unwrap_or(rest.len());
            let name = &rest[..name_len];
            before_ok && (name.starts_with("objects") || name.starts_with("_default_manager") || name.contains(".objects") || name.contains("._default_manager"))
        })
    };
    match &b.target {
        ImportTarget::Member { .. } | ImportTarget::Module(_) => used(&format!("{}.", b.local)),
        ImportTarget::Star { .. } => text.contains(".objects.") || text.contains("._default_manager"),
    }
}

/// Did something before `offset` in `file` bootstrap Django?
fn bootstrapped_before(index: &WorkspaceIndex, file: FileId, offset: usize, depth: u32) -> bool {
    bootstrapped_before_seen(index, file, offset, depth, &mut Vec::new())
}

/// `seen`: the modules already followed (and found not to bootstrap) and at
/// which depth, so a web of modules importing each other is followed once
/// per depth, not once per path.
fn bootstrapped_before_seen(
    index: &WorkspaceIndex,
    file: FileId,
    offset: usize,
    depth: u32,
    seen: &mut Vec<(FileId, u32)>,
) -> bool {
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
        b.executed_modules().iter().any(|m| match index.module_near(m, Some(file)) {
            Some(f) if f != file && !seen.iter().any(|&(s, d)| s == f && d <= depth + 1) => {
                seen.push((f, depth + 1));
                bootstrapped_before_seen(index, f, usize::MAX, depth + 1, seen)
            }
            _ => false,
        })
    })
}
