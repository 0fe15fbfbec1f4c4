//! Managers and QuerySets: which manager a model field declares
//! (`objects = ProductManager()`, `Manager.from_queryset(...)`), the
//! methods of manager and QuerySet classes, and which of them return a
//! QuerySet.
//!
//! Knows nothing of a model's fields (that is `fields`); never does I/O.

use rustc_hash::FxHashSet;

use super::returns_queryset;
use crate::index::summary::AssignedValue;
use crate::index::{ClassKind, ClassRef, FileId, Symbol, WorkspaceIndex};
use crate::syntax;

/// If `callee` (a class attribute's call) creates a manager, the workspace
/// Manager and QuerySet classes whose methods it offers (empty for a
/// manager of an installed package): `MyManager()`, `MyQuerySet.as_manager()`,
/// `Manager.from_queryset(MyQuerySet)()`, `MyManager = Manager.from_queryset(QS)`
/// at module level then `MyManager()`, `class MyManager(Manager.from_queryset(QS))`.
pub(super) fn manager_declaration(
    index: &WorkspaceIndex,
    file: FileId,
    callee: &str,
    dotted: bool,
) -> Option<Vec<ClassRef>> {
    if dotted {
        if let Some(qs_class) = callee.strip_suffix(".as_manager") {
            return Some(workspace_class(index, file, qs_class).into_iter().collect());
        }
        let named_like_manager = callee.rsplit('.').next().is_some_and(|l| l.ends_with("Manager"));
        return match index.resolve_dotted(file, callee, None) {
            Symbol::Class(m) if index.class_kind(m) == ClassKind::Manager || named_like_manager => {
                let mut classes = vec![m];
                classes.extend(from_queryset_base_classes(index, m));
                Some(classes)
            }
            Symbol::Class(m) if !from_queryset_base_classes(index, m).is_empty() => {
                let mut classes = vec![m];
                classes.extend(from_queryset_base_classes(index, m));
                Some(classes)
            }
            // `MyManager = BaseManager.from_queryset(MyQuerySet)` in some module.
            Symbol::Assignment(f, i) => match &index.files[f].summary().assignments[i].value {
                AssignedValue::Call {
                    callee: factory,
                    dotted: true,
                    args,
                    ..
                } if factory.ends_with(".from_queryset") => {
                    let manager = factory.trim_end_matches(".from_queryset");
                    let mut classes: Vec<ClassRef> = workspace_class(index, f, manager).into_iter().collect();
                    if let Some(AssignedValue::Name(qs)) = args.first().map(|a| &a.value) {
                        classes.extend(workspace_class(index, f, qs));
                    }
                    Some(classes)
                }
                _ => named_like_manager.then(Vec::new),
            },
            Symbol::External(q) if q.ends_with("Manager") => Some(Vec::new()),
            _ => named_like_manager.then(Vec::new),
        };
    }
    // `Manager.from_queryset(QS)()` / `CustomManager.from_queryset(QS)()`
    let inner = callee.split_once(".from_queryset(")?;
    let qs_class = inner.1.trim_end_matches(')').trim();
    let mut classes: Vec<ClassRef> = workspace_class(index, file, inner.0.trim()).into_iter().collect();
    classes.extend(workspace_class(index, file, qs_class));
    Some(classes)
}

fn workspace_class(index: &WorkspaceIndex, file: FileId, dotted: &str) -> Option<ClassRef> {
    match index.resolve_dotted(file, dotted, None) {
        Symbol::Class(c) => Some(c),
        _ => None,
    }
}

/// A class's `X.from_queryset(QS)` bases (`class ProductManager(models.Manager.from_queryset(ProductQuerySet))`),
/// as the dotted names `X` and `QS`, read from the syntax tree: such a base
/// is a call, which the class summary does not keep.
pub(in crate::index) fn from_queryset_bases(index: &WorkspaceIndex, c: ClassRef) -> Vec<(String, Option<String>)> {
    let cls = index.class(c);
    let file = &index.files[c.file];
    let src: &str = &file.text;
    if !src.get(cls.range.clone()).is_some_and(|t| t.contains("from_queryset")) {
        return Vec::new();
    }
    let Some(tree) = file.tree() else { return Vec::new() };
    let def = tree
        .root_node()
        .descendant_for_byte_range(cls.name_range.start, cls.name_range.end)
        .and_then(|n| n.parent())
        .filter(|n| n.kind() == "class_definition");
    let Some(superclasses) = def.and_then(|d| syntax::field(d, "superclasses")) else {
        return Vec::new();
    };
    syntax::named_children(superclasses)
        .into_iter()
        .filter(|base| base.kind() == "call")
        .filter_map(|base| {
            let factory = syntax::field(base, "function").and_then(|f| syntax::dotted(f, src))?;
            let manager = factory.strip_suffix(".from_queryset")?.to_owned();
            let qs = syntax::field(base, "arguments")
                .and_then(|a| a.named_child(0))
                .and_then(|q| syntax::dotted(q, src));
            Some((manager, qs))
        })
        .collect()
}

/// The workspace classes of a class's `X.from_queryset(QS)` bases.
fn from_queryset_base_classes(index: &WorkspaceIndex, c: ClassRef) -> Vec<ClassRef> {
    from_queryset_bases(index, c)
        .into_iter()
        .flat_map(|(manager, qs)| {
            let manager = workspace_class(index, c.file, &manager);
            let qs = qs.and_then(|qs| workspace_class(index, c.file, &qs));
            manager.into_iter().chain(qs)
        })
        .collect()
}

/// The methods of `classes` and of their workspace bases, nearest first, one
/// per name (what `getattr` on the manager finds).
pub(in crate::index) fn methods_of_classes(index: &WorkspaceIndex, classes: &[ClassRef]) -> Vec<(ClassRef, usize)> {
    let mut out: Vec<(ClassRef, usize)> = Vec::new();
    let mut names = FxHashSet::default();
    let mut seen = FxHashSet::default();
    for &start in classes {
        let mut stack = vec![(start, 0u32)];
        while let Some((c, depth)) = stack.pop() {
            if depth > 32 || !seen.insert(c) {
                continue;
            }
            let cls = index.class(c);
            for (i, m) in cls.methods.iter().enumerate().rev() {
                if names.insert(m.name.clone()) {
                    out.push((c, i));
                }
            }
            for base in cls.bases.iter().rev() {
                if let Symbol::Class(b) = index.resolve_dotted(c.file, base, None) {
                    stack.push((b, depth + 1));
                }
            }
            for b in from_queryset_base_classes(index, c).into_iter().rev() {
                stack.push((b, depth + 1));
            }
        }
    }
    out
}

/// Methods of custom Manager/QuerySet classes (and their workspace bases)
/// whose every `return` yields a QuerySet: `return self.filter(...)`,
/// `return super().get_queryset()...`, or a call of another such method
/// (`return self.published().filter(...)` and `return self.cheap()`).
pub(in crate::index) fn queryset_methods_of_classes(index: &WorkspaceIndex, classes: &[ClassRef]) -> Vec<String> {
    // Each public sync method with the names its `return`s call last.
    let mut candidates: Vec<(String, Vec<String>)> = Vec::new();
    for (c, i) in methods_of_classes(index, classes) {
        let m = &index.class(c).methods[i];
        if m.name.starts_with('_') || m.is_async {
            continue;
        }
        let file = &index.files[c.file];
        let Some(tree) = file.tree() else { continue };
        let src: &str = &file.text;
        let Some(def) = tree.root_node().descendant_for_byte_range(m.range.start, m.range.end) else {
            continue;
        };
        let mut returns = Vec::new();
        collect_returns(def, &mut returns);
        let called: Option<Vec<String>> = returns
            .iter()
            .map(|r| {
                let e = r.named_child(0).map(syntax::unparen)?;
                let f = syntax::field(e, "function").filter(|_| e.kind() == "call")?;
                let a = syntax::field(f, "attribute").filter(|_| f.kind() == "attribute")?;
                Some(syntax::text(a, src).to_owned())
            })
            .collect();
        if let Some(called) = called.filter(|c| !c.is_empty()) {
            candidates.push((m.name.clone(), called));
        }
    }
    let mut found: FxHashSet<String> = FxHashSet::default();
    loop {
        let before = found.len();
        for (name, called) in &candidates {
            if !found.contains(name) && called.iter().all(|c| returns_queryset(c) || found.contains(c)) {
                found.insert(name.clone());
            }
        }
        if found.len() == before {
            break;
        }
    }
    candidates
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| found.contains(n))
        .collect()
}

/// A loop over an explicit stack (in source order): the body may nest
/// expressions as deeply as a file allows.
fn collect_returns<'t>(node: tree_sitter::Node<'t>, out: &mut Vec<tree_sitter::Node<'t>>) {
    let mut stack: Vec<_> = syntax::named_children(node).into_iter().rev().collect();
    while let Some(child) = stack.pop() {
        match child.kind() {
            "return_statement" => out.push(child),
            "function_definition" | "class_definition" | "lambda" => {}
            _ => stack.extend(syntax::named_children(child).into_iter().rev()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::index::test_support::{index_of, model_named};
    use crate::index::ModelInfo;

    #[test]
    fn custom_managers_and_their_querysets() {
        let models = "from django.db import models\n\
class BaseQS(models.QuerySet):\n    def named(self, n):\n        return self.filter(name=n)\n\
class ItemQS(BaseQS):\n    def live(self):\n        return self.named('x').exclude(pk=0)\n    def first_live(self):\n        return self.live().get()\n    def note(self):\n        return 'n'\n\
ItemManager = models.Manager.from_queryset(ItemQS)\n\
class BoxManager(models.Manager.from_queryset(ItemQS)):\n    def boxes(self):\n        return self.live()\n\
class Item(models.Model):\n    name = models.CharField(max_length=9)\n    objects = ItemManager()\n\
class Box(models.Model):\n    name = models.CharField(max_length=9)\n    objects = BoxManager()\n";
        let index = index_of(&[("app/__init__.py", ""), ("app/models.py", models)]);
        let item = model_named(&index, "app.models.Item").unwrap();
        let qs_methods = |m: &ModelInfo| {
            let mut v: Vec<String> = m.members().queryset_methods.iter().cloned().collect();
            v.sort();
            v
        };
        assert_eq!(qs_methods(&item), ["live", "named"]);
        let first_live = index
            .custom_manager_method(item.id, "first_live")
            .expect("a method run as a helper");
        assert_eq!(index.function(first_live).name, "first_live");
        let boxes = model_named(&index, "app.models.Box").unwrap();
        assert_eq!(qs_methods(&boxes), ["boxes", "live", "named"]);
        assert!(index.custom_manager_method(boxes.id, "note").is_some());
        assert!(index.custom_manager_method(boxes.id, "missing").is_none());
    }
}
