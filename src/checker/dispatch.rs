//! Calls that dispatch to subclass overrides: a method called on a
//! receiver typed with a workspace class, where the method found there is
//! abstract (`@abstractmethod`, a body that only raises
//! `NotImplementedError`, or one that is only `pass`, `...` or a docstring
//! in a class that is not instantiated itself), runs whichever
//! override the run-time subclass defines. The call's summary is then the
//! overrides': it blocks only when every override the workspace defines
//! blocks (whichever subclass it is, the call blocks); one unknown or clean
//! override, or more than [`MAX_OVERRIDES`], and nothing is said.

use std::sync::Arc;

use tree_sitter::Node;

use super::summary_cache::{self, Summary};
use super::types::{Callable, Ty};
use super::walker::Walker;
use super::{def_node, runs_in_thread, summary_of};
use crate::index::{ClassKind, ClassRef, FuncRef, WorkspaceIndex};
use crate::syntax::{self, field, named_children};

/// More overrides than this: too many run-time cases to say what the call does.
pub const MAX_OVERRIDES: usize = 16;

/// Whether a method only declares what subclasses implement.
pub fn is_abstract(index: &WorkspaceIndex, f: FuncRef) -> bool {
    if f.class.is_none() {
        return false;
    }
    let summary = index.function(f);
    if summary
        .decorators
        .iter()
        .any(|d| d.rsplit('.').next() == Some("abstractmethod"))
    {
        return true;
    }
    // The body's statements are in the syntax tree: walked once per method.
    summary_cache::of(index).abstract_method(f, || has_placeholder_body(index, f))
}

/// A method (not `@abstractmethod`) whose body only raises
/// `NotImplementedError`, or is only placeholders in a class that is not
/// instantiated itself.
fn has_placeholder_body(index: &WorkspaceIndex, f: FuncRef) -> bool {
    let summary = index.function(f);
    let entry = index.file(f.file);
    let Some(tree) = entry.tree() else { return false };
    let Some(body) = def_node(tree.root_node(), summary.range.clone()).and_then(|d| field(d, "body")) else {
        return false;
    };
    let statements: Vec<Node> = named_children(body)
        .into_iter()
        .filter(|s| s.kind() != "comment")
        .collect();
    if statements.is_empty() || !statements.iter().all(|s| is_placeholder(*s, &entry.text)) {
        return false;
    }
    // A body that raises is never what runs; a `pass` hook of a class that
    // can be instantiated itself may well be.
    statements.iter().any(|s| s.kind() == "raise_statement")
        || f.class.is_some_and(|class| {
            is_abstract_class(
                index,
                ClassRef {
                    file: f.file,
                    index: class,
                },
            )
        })
}

/// A class that is not instantiated itself: an abstract model
/// (`Meta.abstract = True`), or a class with `ABC` among its bases or
/// `metaclass=ABCMeta`.
fn is_abstract_class(index: &WorkspaceIndex, class: ClassRef) -> bool {
    if let Some(model) = index.model_of_class(class) {
        return index.model_identity(model).is_abstract;
    }
    let cls = index.class(class);
    if cls.bases.iter().any(|b| b.rsplit('.').next() == Some("ABC")) {
        return true;
    }
    // `metaclass=ABCMeta` is a keyword of the header, not a base.
    let entry = index.file(class.file);
    let header = entry.tree().and_then(|tree| {
        let node = tree
            .root_node()
            .descendant_for_byte_range(cls.range.start, cls.range.start)?;
        let def = std::iter::successors(Some(node), |n| n.parent()).find(|n| n.kind() == "class_definition")?;
        field(def, "superclasses")
    });
    header.is_some_and(|args| {
        named_children(args).into_iter().any(|a| {
            a.kind() == "keyword_argument"
                && field(a, "name").is_some_and(|n| syntax::text(n, &entry.text) == "metaclass")
                && field(a, "value")
                    .and_then(|v| syntax::dotted(v, &entry.text))
                    .is_some_and(|v| v.rsplit('.').next() == Some("ABCMeta"))
        })
    })
}

/// `pass`, `...`, a docstring, or `raise NotImplementedError[(…)]`.
fn is_placeholder(statement: Node, src: &str) -> bool {
    match statement.kind() {
        "pass_statement" => true,
        "expression_statement" => statement
            .named_child(0)
            .is_some_and(|e| matches!(e.kind(), "string" | "ellipsis" | "concatenated_string")),
        "raise_statement" => statement.named_child(0).is_some_and(|e| {
            let raised = if e.kind() == "call" {
                field(e, "function").unwrap_or(e)
            } else {
                e
            };
            syntax::dotted(raised, src).is_some_and(|n| n.rsplit('.').next() == Some("NotImplementedError"))
        }),
        _ => false,
    }
}

/// The summary of calling the abstract method `f` with `args`: the join of
/// its overrides' summaries, or `None` when `f` is not abstract or no
/// workspace subclass overrides it (the call is then `f`'s own).
pub fn overriding_summary(w: &Walker<'_>, f: FuncRef, args: &[(String, Ty)]) -> Option<Arc<Summary>> {
    let index = w.index;
    let summary = index.function(f);
    if summary.is_async || !is_abstract(index, f) {
        return None;
    }
    let declaring = ClassRef {
        file: f.file,
        index: f.class?,
    };
    // Reflex instantiates every state class itself: a state's own `self`
    // runs the base's method, not a substate's.
    if matches!(index.class_kind(declaring), ClassKind::State { .. }) {
        return None;
    }
    let receiver = receiver_param(w, f).and_then(|p| args.iter().find(|(n, _)| *n == p).map(|(_, t)| t.clone()));
    let base = receiver
        .as_ref()
        .and_then(|t| class_of(index, t))
        .filter(|c| index.find_method(*c, &summary.name) == Some(f))
        .unwrap_or(declaring);
    let overrides = index.overrides(base, &summary.name, MAX_OVERRIDES, |g| !is_abstract(index, g))?;
    join_overrides(w, &summary.name, &overrides, |sub, g| {
        arguments_for(w, f, g, args, receiver.as_ref().map(|r| retyped(index, r, sub)))
    })
}

/// Reading `attr` on a receiver of type `receiver` (of the workspace class
/// `class`, which does not define it) where workspace subclasses define it
/// as a property: the join of those properties' summaries; `None` when a
/// subclass defines it otherwise, or none does.
pub fn subclass_property(w: &Walker<'_>, class: ClassRef, attr: &str, receiver: &Ty) -> Option<Arc<Summary>> {
    let index = w.index;
    // Most attributes read here are no one's property: answered without
    // looking at any subclass.
    if !index.may_define_function(attr) {
        return None;
    }
    let overrides = index.overrides(class, attr, MAX_OVERRIDES, |_| true)?;
    let is_model = matches!(receiver, Ty::Instance { .. });
    let readable = |g: &FuncRef| {
        if is_model {
            w.is_plain_property(*g)
        } else {
            w.is_property(*g)
        }
    };
    if overrides.is_empty() || !overrides.iter().all(readable) {
        return None;
    }
    join_overrides(w, attr, &overrides, |sub, g| {
        match (index.function(g).params.first(), retyped(index, receiver, sub)) {
            (_, Ty::Unknown) | (None, _) => Vec::new(),
            (Some(p), ty) => vec![(p.name.clone(), ty)],
        }
    })
}

/// The summaries of `overrides` (each called with `args_of(its class, it)`)
/// joined: it blocks only when each of them blocks.
fn join_overrides(
    w: &Walker<'_>,
    name: &str,
    overrides: &[FuncRef],
    mut args_of: impl FnMut(ClassRef, FuncRef) -> Vec<(String, Ty)>,
) -> Option<Arc<Summary>> {
    let index = w.index;
    let mut joined: Option<Summary> = None;
    let mut all_block = true;
    for &g in overrides {
        let sub = ClassRef {
            file: g.file,
            index: g.class?,
        };
        let g_args = args_of(sub, g);
        let s = summary_of(w, &Callable::Workspace(g), &g_args);
        let blocking = if index.function(g).is_async || runs_in_thread(index, g) {
            None
        } else {
            s.blocking
                .as_ref()
                .map(|path| format!("{}.{name} → {path}", index.class(sub).name))
        };
        all_block &= blocking.is_some();
        joined = Some(match joined {
            None => Summary {
                returns: s.returns.clone(),
                blocking,
                ..Summary::default()
            },
            Some(j) => Summary {
                returns: j.returns.join(s.returns.clone()),
                blocking: j.blocking,
                ..Summary::default()
            },
        });
    }
    let mut joined = joined?;
    if !all_block {
        joined.blocking = None;
    }
    Some(Arc::new(joined))
}

/// The name of `f`'s receiver parameter (`self` / `cls`), unless it is a
/// static method.
fn receiver_param(w: &Walker<'_>, f: FuncRef) -> Option<String> {
    if w.decorated_as(f, &["staticmethod"]) {
        return None;
    }
    w.index.function(f).params.first().map(|p| p.name.clone())
}

/// The workspace class a receiver type stands for.
fn class_of(index: &WorkspaceIndex, ty: &Ty) -> Option<ClassRef> {
    match ty {
        Ty::Instance { model, .. } | Ty::ModelClass(model) => index.model(*model).class,
        Ty::Object(c, _) | Ty::StateSelf(c) | Ty::Class(c) => Some(*c),
        _ => None,
    }
}

/// The receiver's type as an instance (or class) of the subclass `sub`.
fn retyped(index: &WorkspaceIndex, ty: &Ty, sub: ClassRef) -> Ty {
    match ty {
        Ty::Instance { loaded, .. } => match index.model_of_class(sub) {
            Some(model) => Ty::Instance {
                model,
                loaded: loaded.clone(),
            },
            None => Ty::Unknown,
        },
        Ty::ModelClass(_) => index.model_of_class(sub).map_or(Ty::Unknown, Ty::ModelClass),
        // Another `__init__` stored other attributes.
        Ty::Object(..) => Ty::Object(sub, Vec::new()),
        Ty::Class(_) => Ty::Class(sub),
        _ => Ty::Unknown,
    }
}

/// `f`'s argument types placed on the override `g`'s parameters (by
/// position: an override may rename them), with `receiver` for the first.
fn arguments_for(
    w: &Walker<'_>,
    f: FuncRef,
    g: FuncRef,
    args: &[(String, Ty)],
    receiver: Option<Ty>,
) -> Vec<(String, Ty)> {
    let (from, to) = (&w.index.function(f).params, &w.index.function(g).params);
    let receiver_name = receiver_param(w, f);
    args.iter()
        .filter_map(|(name, ty)| {
            let at = from.iter().position(|p| p.name == *name)?;
            let target = to.get(at).filter(|p| p.kind == from[at].kind)?;
            let ty = match &receiver {
                Some(r) if receiver_name.as_deref() == Some(name.as_str()) => r.clone(),
                _ => ty.clone(),
            };
            Some((target.name.clone(), ty))
        })
        .filter(|(_, ty)| *ty != Ty::Unknown)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::checker::{check_file, AnalysisOptions};
    use crate::index::{FileEntry, WorkspaceIndex};

    const MODELS: &str =
        "from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField(max_length=10)\n";

    /// `shop/base.py` declares `Base.load` abstract; `subclasses` bodies of
    /// `load` become subclasses in `shop/impl.py`; `shop/views.py` calls it
    /// on a parameter annotated `Base`. Returns the rule codes found there.
    fn findings(subclasses: &[&str]) -> Vec<&'static str> {
        // (A file that mentions nothing Django-like is never parsed.)
        let base = "from abc import ABC, abstractmethod\nfrom shop.models import Product\n\nclass Base(ABC):\n    @abstractmethod\n    def load(self):\n        ...\n";
        let mut impls = String::from("from shop.base import Base\nfrom shop.models import Product\n");
        for (i, body) in subclasses.iter().enumerate() {
            impls.push_str(&format!(
                "\nclass Impl{i}(Base):\n    def load(self):\n        {body}\n"
            ));
        }
        let views = "from shop.base import Base\n\nasync def view(source: Base):\n    return source.load()\n";
        let index = WorkspaceIndex::new(vec![
            FileEntry::new("shop/__init__.py".into(), vec!["shop".into()], b""),
            FileEntry::new("shop/models.py".into(), vec!["shop.models".into()], MODELS.as_bytes()),
            FileEntry::new("shop/base.py".into(), vec!["shop.base".into()], base.as_bytes()),
            FileEntry::new("shop/impl.py".into(), vec!["shop.impl".into()], impls.as_bytes()),
            FileEntry::new("shop/views.py".into(), vec!["shop.views".into()], views.as_bytes()),
        ]);
        check_file(&index, 4, &AnalysisOptions::default())
            .iter()
            .map(|f| f.rule.code())
            .collect()
    }

    const QUERIES: &str = "return Product.objects.get(pk=1)";

    #[test]
    fn every_override_queries() {
        assert_eq!(findings(&[QUERIES, QUERIES]), ["RDJ107"]);
    }

    #[test]
    fn one_override_is_clean() {
        assert!(findings(&[QUERIES, "return None"]).is_empty());
    }

    #[test]
    fn no_override_is_the_method_itself() {
        assert!(findings(&[]).is_empty());
    }

    #[test]
    fn too_many_overrides_say_nothing() {
        assert_eq!(findings(&[QUERIES; super::MAX_OVERRIDES]), ["RDJ107"]);
        assert!(findings(&[QUERIES; super::MAX_OVERRIDES + 1]).is_empty());
    }
}
