use rustc_hash::FxHashMap;

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
    /// State and page modules are not reported where Django is set up before
    /// Reflex imports them (`rxconfig.py` itself always is):
    /// - the project's `rxconfig.py` lists reflex-django's
    ///   `ReflexDjangoPlugin`: the package's `.pth` hook wraps Reflex's
    ///   `get_config`, which runs `django.setup()` before Reflex imports the
    ///   app module;
    /// - Django-first: the nearest project folder has `manage.py` and no
    ///   `rxconfig.py` (in it or below), so Django's entry points import the
    ///   Reflex app after `django.setup()`;
    /// - every module that imports it does so after bootstrapping Django (or
    ///   is itself imported only that way).
    ///
    /// ## Why is this bad?
    /// Without the plugin, Reflex imports state and page modules while it
    /// loads the app, before Django's app registry is ready; defining or
    /// importing models then raises `AppRegistryNotReady` and the app does
    /// not start.
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
    if !entry.is_rxconfig() && django_ready_before_import(index, file) {
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

/// Is Django set up before anything imports this (state or page) module?
/// Decided by the project's layout (the nearest folder with `rxconfig.py` or
/// `manage.py`), else by the modules that import it.
fn django_ready_before_import(index: &WorkspaceIndex, file: FileId) -> bool {
    match project_layout(index, file) {
        Layout::ReflexWithPlugin | Layout::DjangoFirst => true,
        Layout::ReflexWithoutPlugin | Layout::Unknown => imported_only_after_setup(index, file, 0, &mut FxHashMap::default()),
    }
}

/// Who imports a project's Reflex modules first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `rxconfig.py` lists `ReflexDjangoPlugin`: reflex-django's `.pth` hook
    /// (`reflex_django/runtime/get_config_patch.py`) sets Django up inside
    /// Reflex's `get_config()`, which its loader (`prerequisites.get_app`)
    /// calls before importing the app module.
    ReflexWithPlugin,
    /// `rxconfig.py` without the plugin: nothing sets Django up for Reflex.
    ReflexWithoutPlugin,
    /// `manage.py` and no `rxconfig.py` above or below it: the Reflex app is
    /// mounted from Django (a management command, the URLconf), after
    /// `django.setup()`.
    DjangoFirst,
    /// Neither file in the folders above the module.
    Unknown,
}

/// The layout of the nearest folder above `file` holding `rxconfig.py` or
/// `manage.py` (`rxconfig.py` decides when a folder has both, or when one is
/// in a subfolder of the `manage.py` folder).
fn project_layout(index: &WorkspaceIndex, file: FileId) -> Layout {
    let path = &index.file(file).path;
    for dir in path.ancestors().skip(1) {
        if let Some(rxconfig) = index.file_by_path(&dir.join("rxconfig.py")) {
            return if lists_django_plugin(index, rxconfig) {
                Layout::ReflexWithPlugin
            } else {
                Layout::ReflexWithoutPlugin
            };
        }
        if index.file_by_path(&dir.join("manage.py")).is_some() {
            // An `rxconfig.py` in a subfolder (`frontend/rxconfig.py`) is a
            // Reflex entry point into the same code: it decides.
            let nested: Vec<FileId> = (0..index.files.len())
                .filter(|&f| index.file(f).is_rxconfig() && index.file(f).path.starts_with(dir))
                .collect();
            return match nested.as_slice() {
                [] => Layout::DjangoFirst,
                configs if configs.iter().all(|&c| lists_django_plugin(index, c)) => Layout::ReflexWithPlugin,
                _ => Layout::ReflexWithoutPlugin,
            };
        }
    }
    Layout::Unknown
}

/// Does `rxconfig.py` call reflex-django's `ReflexDjangoPlugin(...)`
/// (imported by name, or through its module)?
fn lists_django_plugin(index: &WorkspaceIndex, rxconfig: FileId) -> bool {
    let entry = index.file(rxconfig);
    let text = &*entry.text;
    entry.summary().imports.iter().any(|b| match &b.target {
        ImportTarget::Member { module, name } if module.starts_with("reflex_django") && name == "ReflexDjangoPlugin" => {
            calls(text, &b.local)
        }
        ImportTarget::Module(m) if m.starts_with("reflex_django") => calls(text, &format!("{}.", b.local)) && text.contains("ReflexDjangoPlugin("),
        ImportTarget::Member { module, .. } if module == "reflex_django" => {
            calls(text, &format!("{}.ReflexDjangoPlugin", b.local))
        }
        _ => false,
    })
}

/// Does `text` call `name(` (as a whole name, not the tail of another)?
fn calls(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let before_ok = at == 0 || !text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '.');
        let rest = text[at + name.len()..].trim_start();
        before_ok && (name.ends_with('.') || rest.starts_with('('))
    })
}

/// Is every module-level import of `file` in the workspace made after
/// Django is set up — bootstrapped earlier in the importing module, or the
/// importer itself imported only that way? False when nothing imports it
/// (Reflex, or a script, may load it first). `decided` memoizes each
/// module's answer; a module in progress counts as unsafe (an import cycle).
fn imported_only_after_setup(
    index: &WorkspaceIndex,
    file: FileId,
    depth: u32,
    decided: &mut FxHashMap<FileId, bool>,
) -> bool {
    if depth > 4 {
        return false;
    }
    if let Some(&known) = decided.get(&file) {
        return known;
    }
    decided.insert(file, false);
    let safe = importers_all_after_setup(index, file, depth, decided);
    decided.insert(file, safe);
    safe
}

fn importers_all_after_setup(
    index: &WorkspaceIndex,
    file: FileId,
    depth: u32,
    decided: &mut FxHashMap<FileId, bool>,
) -> bool {
    let names = &index.file(file).modules;
    let Some(tail) = index.file(file).module().rsplit('.').next().filter(|t| !t.is_empty()) else {
        return false;
    };
    let mut importers = 0;
    for other in (0..index.files.len()).filter(|&f| f != file) {
        // Only files that name the module can import it: skip parsing the rest.
        if !index.file(other).text.contains(tail) {
            continue;
        }
        for b in index.file(other).summary().imports.iter().filter(|b| b.scope.is_none()) {
            let imports_it = b
                .executed_modules()
                .iter()
                .any(|m| names.contains(m) && index.module_near(m, Some(other)) == Some(file));
            if !imports_it {
                continue;
            }
            importers += 1;
            let safe = bootstrapped_before(index, other, b.stmt_range.start, 0)
                || imported_only_after_setup(index, other, depth + 1, decided);
            if !safe {
                return false;
            }
        }
    }
    importers > 0
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
