//! Name resolution: what a name, dotted expression or qualified name refers
//! to across the workspace's modules and imports (star imports, aliases,
//! function-local imports); names in the framework packages
//! (`python::is_framework`) stay external. The one place a module name
//! becomes a workspace file: by the module map (`module`, `module_near`),
//! from a project's root as `sys.path` finds it (`module_from_root`), and
//! for an import binding (`imported_files`).
//!
//! Only looks names up: what a class *is* (model, state, manager) is
//! `classes`; never does I/O.

use std::path::Path;

use super::summary::{self, ImportBinding, ImportTarget};
use super::{ClassRef, FileId, FuncRef, ModelId, Symbol, WorkspaceIndex};
use crate::python::is_framework;
use crate::python::modules::module_files;

impl WorkspaceIndex {
    pub fn module(&self, name: &str) -> Option<FileId> {
        self.maps.by_module.get(name).and_then(|v| v.first().copied())
    }

    /// The file named `name` nearest to `from` (longest common directory),
    /// so that two projects in one workspace can both have `catalog.models`.
    pub fn module_near(&self, name: &str, from: Option<FileId>) -> Option<FileId> {
        let files = self.maps.by_module.get(name)?;
        match (files.as_slice(), from) {
            ([only], _) => Some(*only),
            (_, None) => files.first().copied(),
            (_, Some(from)) => {
                let origin = &self.files[from].path;
                files.iter().copied().max_by_key(|f| {
                    let common = self.files[*f]
                        .path
                        .components()
                        .zip(origin.components())
                        .take_while(|(a, b)| a == b)
                        .count();
                    (common, std::cmp::Reverse(*f))
                })
            }
        }
    }

    /// A workspace module by dotted name as a project sees it: by path from
    /// the project's `root` (the first `sys.path` entry of `manage.py` or of
    /// a server started there), else the module map nearest to `near`, else
    /// a module inside the project named from a folder above it (see below).
    pub fn module_from_root(&self, root: &Path, name: &str, near: Option<FileId>) -> Option<FileId> {
        if name.is_empty() {
            return None;
        }
        let under = |dir: &Path| module_files(dir, name).iter().find_map(|f| self.file_by_path(f));
        if let Some(id) = under(root) {
            return Some(id);
        }
        if let Some(id) = self.module_near(name, near) {
            return Some(id);
        }
        // `manage.py` putting the root's parent on `sys.path`
        // (`example.project.settings` from `example/`): a module inside the
        // project, named from a folder above it.
        root.ancestors()
            .skip(1)
            .take(2)
            .filter_map(under)
            .find(|&id| !root.as_os_str().is_empty() && self.files[id].path.starts_with(root))
    }

    /// The workspace files an import in `from` names: the module, and for
    /// `from m import n` the submodule `m.n` if there is one.
    pub fn imported_files(&self, binding: &ImportBinding, from: FileId) -> Vec<FileId> {
        let (module, member) = match &binding.target {
            ImportTarget::Module(m) | ImportTarget::Star { module: m } => (m.as_str(), None),
            ImportTarget::Member { module, name } => (module.as_str(), Some(name.as_str())),
        };
        let mut out: Vec<FileId> = self.module_near(module, Some(from)).into_iter().collect();
        if let Some(name) = member {
            out.extend(self.module_near(&format!("{module}.{name}"), Some(from)));
        }
        out
    }

    /// Resolves a name as seen at `scope` (a function's start byte, for
    /// function-local imports) in `file`.
    pub fn resolve_name(&self, file: FileId, name: &str, scope: Option<usize>) -> Symbol {
        self.resolve_name_depth(file, name, scope, &Fuel::new())
    }

    fn resolve_name_depth(&self, file: FileId, name: &str, scope: Option<usize>, fuel: &Fuel) -> Symbol {
        if !fuel.burn() {
            return Symbol::Unknown;
        }
        let s = self.files[file].summary();
        if let Some(scope) = scope {
            if let Some(b) = s
                .imports
                .iter()
                .rev()
                .find(|b| b.scope == Some(scope) && b.local == name)
            {
                return self.resolve_import(&b.target, file, fuel);
            }
        }
        // Module level: the last binding in source order wins.
        match s.binding(name) {
            Some(summary::TopLevel::Class(index)) => Symbol::Class(ClassRef { file, index }),
            Some(summary::TopLevel::Function(index)) => Symbol::Function(FuncRef {
                file,
                class: None,
                index,
            }),
            Some(summary::TopLevel::Assignment(i)) => Symbol::Assignment(file, i),
            Some(summary::TopLevel::Import(i)) => self.resolve_import(&s.imports[i].target, file, fuel),
            None => {
                for b in s.imports.iter().filter(|b| b.scope.is_none()) {
                    if let ImportTarget::Star { module } = &b.target {
                        if let Some(f) = self.module_near(module, Some(file)) {
                            if f != file && self.star_exports(f, name) {
                                let sym = self.resolve_name_depth(f, name, None, fuel);
                                if sym != Symbol::Unknown {
                                    return sym;
                                }
                            }
                        }
                    }
                }
                Symbol::Unknown
            }
        }
    }

    /// Does `from module import *` bind `name`? Python binds the names of
    /// the module's `__all__` when it is a literal list (or tuple) of
    /// strings, else every public name; an `__all__` built some other way
    /// (`[...] + other.__all__`) is taken to allow any name.
    fn star_exports(&self, module: FileId, name: &str) -> bool {
        let summary = self.files[module].summary();
        match summary.binding("__all__") {
            Some(summary::TopLevel::Assignment(i)) => match &summary.assignments[i].value {
                summary::AssignedValue::Strings(names) => names.iter().any(|(n, _)| n == name),
                _ => true,
            },
            Some(_) => true,
            None => !name.starts_with('_'),
        }
    }

    fn resolve_import(&self, target: &ImportTarget, from: FileId, fuel: &Fuel) -> Symbol {
        match target {
            ImportTarget::Module(m) if is_framework(m) => Symbol::External(m.clone()),
            ImportTarget::Module(m) => match self.module_near(m, Some(from)) {
                Some(f) => Symbol::Module(f),
                None => Symbol::External(m.clone()),
            },
            ImportTarget::Member { module, name } => {
                self.resolve_qualified_depth(&format!("{module}.{name}"), fuel, Some(from))
            }
            ImportTarget::Star { .. } => Symbol::Unknown,
        }
    }

    /// Resolves a fully qualified name such as `shop.models.Product`.
    pub fn resolve_qualified(&self, q: &str) -> Symbol {
        self.resolve_qualified_depth(q, &Fuel::new(), None)
    }

    /// Like [`Self::resolve_qualified`], preferring modules near `from`.
    pub fn resolve_qualified_from(&self, q: &str, from: FileId) -> Symbol {
        self.resolve_qualified_depth(q, &Fuel::new(), Some(from))
    }

    fn resolve_qualified_depth(&self, q: &str, fuel: &Fuel, from: Option<FileId>) -> Symbol {
        if is_framework(q) {
            return Symbol::External(q.to_owned());
        }
        if let Some(f) = self.module_near(q, from) {
            return Symbol::Module(f);
        }
        // The longest workspace-module prefix, then members from there.
        let parts: Vec<&str> = q.split('.').collect();
        for cut in (1..parts.len()).rev() {
            let prefix = parts[..cut].join(".");
            if let Some(f) = self.module_near(&prefix, from) {
                let mut sym = self.module_member(f, parts[cut], fuel);
                for attr in &parts[cut + 1..] {
                    sym = self.attribute(sym, attr, fuel);
                }
                return sym;
            }
        }
        Symbol::External(q.to_owned())
    }

    fn module_member(&self, module: FileId, name: &str, fuel: &Fuel) -> Symbol {
        match self.resolve_name_depth(module, name, None, fuel) {
            Symbol::Unknown => {
                let sub = format!("{}.{name}", self.files[module].module());
                match self.module_near(&sub, Some(module)) {
                    Some(f) => Symbol::Module(f),
                    None => Symbol::Unknown,
                }
            }
            sym => sym,
        }
    }

    fn attribute(&self, sym: Symbol, attr: &str, fuel: &Fuel) -> Symbol {
        match sym {
            Symbol::Module(f) => self.module_member(f, attr, fuel),
            Symbol::External(q) => Symbol::External(format!("{q}.{attr}")),
            _ => Symbol::Unknown,
        }
    }

    /// Resolves `a.b.c` as written in `file` at `scope`.
    pub fn resolve_dotted(&self, file: FileId, dotted: &str, scope: Option<usize>) -> Symbol {
        let mut parts = dotted.split('.');
        let Some(first) = parts.next() else {
            return Symbol::Unknown;
        };
        let fuel = Fuel::new();
        let mut sym = self.resolve_name_depth(file, first, scope, &fuel);
        for attr in parts {
            sym = self.attribute(sym, attr, &fuel);
        }
        sym
    }

    /// The qualified name of a resolved symbol, when it is outside the workspace.
    pub fn external_name(sym: &Symbol) -> Option<&str> {
        match sym {
            Symbol::External(q) => Some(q),
            _ => None,
        }
    }

    /// Whether `dotted` (in `file`) names the external `qualified`, e.g.
    /// `transaction.atomic` → `django.db.transaction.atomic`.
    pub fn is_external(&self, file: FileId, dotted: &str, scope: Option<usize>, qualified: &[&str]) -> bool {
        match self.resolve_dotted(file, dotted, scope) {
            Symbol::External(q) => qualified.contains(&q.as_str()),
            _ => false,
        }
    }

    /// The model a symbol denotes, if any (workspace class, contrib or external model).
    ///
    /// Aliases (`Product = models.Product`) are followed in a loop; one that
    /// comes back to an assignment already seen (`Product = Product`, or
    /// `a = b; b = a`, also across modules) denotes nothing.
    pub fn model_of_symbol(&self, sym: &Symbol) -> Option<ModelId> {
        let mut sym = sym.clone();
        let mut seen: Vec<(FileId, usize)> = Vec::new();
        loop {
            return match sym {
                Symbol::Class(c) => self.model_of_class(c),
                Symbol::External(q) => self.model_by_qualname(&q),
                Symbol::Assignment(f, i) => {
                    if seen.contains(&(f, i)) || seen.len() >= MAX_ALIAS_CHAIN {
                        return None;
                    }
                    seen.push((f, i));
                    let a = &self.files[f].summary().assignments[i];
                    match &a.value {
                        summary::AssignedValue::Call { callee, args, .. }
                            if callee.ends_with("get_user_model") && args.is_empty() =>
                        {
                            self.auth_user()
                        }
                        summary::AssignedValue::Name(n) => {
                            sym = self.resolve_dotted(f, n, None);
                            continue;
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
        }
    }
}

/// The steps one name resolution may take: imports that import each other
/// (`from a import x` in `b`, `from b import x` in `a`) or star imports
/// fanning out through many modules end as `Unknown` instead of looping.
struct Fuel(std::cell::Cell<u32>);

impl Fuel {
    fn new() -> Fuel {
        Fuel(std::cell::Cell::new(256))
    }

    /// Takes one step; `false` once the budget is spent.
    fn burn(&self) -> bool {
        let left = self.0.get();
        self.0.set(left.saturating_sub(1));
        left > 0
    }
}

/// How many aliases (`A = B`) [`WorkspaceIndex::model_of_symbol`] follows.
const MAX_ALIAS_CHAIN: usize = 32;

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::index::test_support::index_of;

    #[test]
    fn a_project_finds_modules_from_its_root_first() {
        let index = index_of(&[
            ("a/proj/settings.py", ""),
            ("b/proj/settings.py", ""),
            ("b/shop/__init__.py", ""),
            ("x/example/proj/settings.py", ""),
            ("x/other/mod.py", ""),
        ]);
        let cases = [
            // Both files are `proj.settings` to the module map; the root decides.
            ("/p/b", "proj.settings", Some("/p/b/proj/settings.py")),
            ("/p/a", "proj.settings", Some("/p/a/proj/settings.py")),
            // A package, by its `__init__.py`.
            ("/p/b", "shop", Some("/p/b/shop/__init__.py")),
            // Not under the root: the module map.
            ("/p/elsewhere", "b.shop", Some("/p/b/shop/__init__.py")),
            // `manage.py` in `x/example/` puts `x/` on `sys.path` too ...
            (
                "/p/x/example",
                "example.proj.settings",
                Some("/p/x/example/proj/settings.py"),
            ),
            // ... but only for a module inside the project.
            ("/p/x/example", "other.mod", None),
            ("/p/b", "", None),
            ("/p/b", "missing", None),
        ];
        for (root, name, expected) in cases {
            let found = index.module_from_root(Path::new(root), name, None);
            let found = found.map(|f| index.file(f).path.clone());
            assert_eq!(found.as_deref(), expected.map(Path::new), "{name} from {root}");
        }
    }

    #[test]
    fn an_import_names_its_module_and_a_submodule_member() {
        let index = index_of(&[
            ("shop/__init__.py", ""),
            (
                "shop/models/__init__.py",
                "from . import orders\nfrom .orders import Order\nimport shop.models\n",
            ),
            ("shop/models/orders.py", "class Order: pass\n"),
        ]);
        let init = index.file_by_path(Path::new("/p/shop/models/__init__.py")).unwrap();
        let orders = index.file_by_path(Path::new("/p/shop/models/orders.py")).unwrap();
        let imports = &index.file(init).summary().imports;
        let files: Vec<Vec<usize>> = imports.iter().map(|b| index.imported_files(b, init)).collect();
        // `from . import orders`: the package, and its submodule `orders`.
        assert_eq!(files[0], vec![init, orders]);
        // `from .orders import Order`: the module (`Order` is no submodule).
        assert_eq!(files[1], vec![orders]);
        // `import shop.models` binds `shop`: the package `shop`.
        let shop = index.file_by_path(Path::new("/p/shop/__init__.py")).unwrap();
        assert_eq!(files[2], vec![shop]);
    }
}
