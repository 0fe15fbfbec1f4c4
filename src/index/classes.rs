//! Workspace classes and their chains of bases: what a class is (model,
//! Reflex state, manager, QuerySet, thread wrapper), the walk up its
//! workspace bases (methods, bases outside the workspace), and the class
//! at an offset.
//!
//! Reads class headers through name resolution only; never computes a
//! model's fields (that is `models`) and never does I/O.

use rustc_hash::FxHashSet;

use super::{builtin, models, ClassKind, ClassRef, FileId, FuncRef, Symbol, WorkspaceIndex};
use crate::python::is_framework;

/// Qualified names that make a class a Django model, and whether importing
/// them bootstraps Django (reflex_django's `Model` calls `configure_django()`).
fn external_model_root(q: &str) -> Option<bool> {
    match q {
        "django.db.models.Model" | "django.db.models.base.Model" => Some(false),
        "reflex_django.Model" | "reflex_django.django.Model" | "reflex_django.django.model.Model" => Some(true),
        _ => None,
    }
}

fn external_state_root(q: &str) -> Option<bool> {
    let (head, last) = (q.split('.').next()?, q.rsplit('.').next()?);
    if head != "reflex" && head != "reflex_django" {
        return None;
    }
    match last {
        "State" | "ComponentState" | "AppState" => Some(false),
        "ModelState" | "BaseModelState" => Some(true),
        _ => None,
    }
}

fn external_manager_root(q: &str) -> bool {
    matches!(
        q,
        "django.db.models.Manager"
            | "django.db.models.manager.Manager"
            | "django.db.models.manager.BaseManager"
            | "django.contrib.auth.models.UserManager"
            | "django.contrib.auth.base_user.BaseUserManager"
            | "django.contrib.auth.models.BaseUserManager"
    )
}

fn external_queryset_root(q: &str) -> bool {
    matches!(q, "django.db.models.QuerySet" | "django.db.models.query.QuerySet")
}

impl WorkspaceIndex {
    /// What a class is; computed on first use (may parse the modules of its bases).
    pub fn class_kind(&self, c: ClassRef) -> ClassKind {
        if let Some(k) = self.class_kinds.read().unwrap().get(&c) {
            return *k;
        }
        let (kind, unreadable) = self.raw_kind_and_unreadable(c, &mut FxHashSet::default(), 0);
        if !unreadable.is_empty() {
            self.unreadable_bases.write().unwrap().entry(c).or_insert(unreadable);
        }
        let kind = match kind {
            Some(RawKind::Model { bootstraps }) => {
                ClassKind::Model(models::register_workspace_model(self, c, bootstraps))
            }
            Some(RawKind::State { model_state }) => ClassKind::State { model_state },
            Some(RawKind::Manager) => ClassKind::Manager,
            Some(RawKind::QuerySet) => ClassKind::QuerySet,
            Some(RawKind::Atomic) => ClassKind::Atomic,
            Some(RawKind::ThreadWrapper) => ClassKind::ThreadWrapper,
            None => ClassKind::Other,
        };
        *self.class_kinds.write().unwrap().entry(c).or_insert(kind)
    }

    /// Does this state class inherit reflex-django's `AuthBridgeMixin`
    /// (`AppState`, `ModelState`, `DjangoUserState`, …), whose `session`
    /// property is a `SessionProxy`: setting or deleting a key calls the
    /// sync `session.save()` (reflex_django/state/auth_bridge.py)?
    pub fn has_session_proxy(&self, c: ClassRef) -> bool {
        self.has_external_base(c, |q| {
            q.starts_with("reflex_django.")
                && matches!(
                    q.rsplit('.').next(),
                    Some("AppState" | "ModelState" | "DjangoUserState" | "DjangoAuthState" | "AuthBridgeMixin")
                )
        })
    }

    /// Does `range` in `file` lie inside a class (for states' `self`)?
    pub fn class_at(&self, file: FileId, offset: usize) -> Option<ClassRef> {
        self.files[file]
            .summary()
            .classes
            .iter()
            .position(|c| c.range.start <= offset && offset < c.range.end)
            .map(|index| ClassRef { file, index })
    }

    /// Methods of a workspace class and its workspace bases, nearest first.
    pub fn find_method(&self, class: ClassRef, name: &str) -> Option<FuncRef> {
        self.nearest_in_class_chain(class, |c| {
            let cls = self.class(c);
            cls.methods.iter().rposition(|m| m.name == name).map(|i| FuncRef {
                file: c.file,
                class: Some(c.index),
                index: i,
            })
        })
    }

    /// The first answer `find` gives for a workspace class or its workspace
    /// bases, nearest first (each class asked once; an explicit stack, since
    /// class hierarchies are user input).
    pub fn nearest_in_class_chain<T>(&self, class: ClassRef, find: impl FnMut(ClassRef) -> Option<T>) -> Option<T> {
        self.search_class_chain(class, find, |_| None)
    }

    /// Whether a workspace class, or one of its workspace bases, names a
    /// base outside the workspace whose qualified name `is` accepts
    /// (`django.utils.deprecation.MiddlewareMixin`,
    /// `configurations.Configuration`).
    pub fn has_external_base(&self, class: ClassRef, is: impl Fn(&str) -> bool) -> bool {
        self.search_class_chain(class, |_| None, |qualname| is(qualname).then_some(()))
            .is_some()
    }

    /// The walk behind [`Self::nearest_in_class_chain`] and
    /// [`Self::has_external_base`]: `find` is asked of each workspace class,
    /// `external` of each base outside the workspace, as it is met (each
    /// base resolved once).
    fn search_class_chain<T>(
        &self,
        class: ClassRef,
        mut find: impl FnMut(ClassRef) -> Option<T>,
        mut external: impl FnMut(&str) -> Option<T>,
    ) -> Option<T> {
        let mut seen = FxHashSet::default();
        let mut stack = vec![class];
        while let Some(c) = stack.pop() {
            if !seen.insert(c) {
                continue;
            }
            if let Some(found) = find(c) {
                return Some(found);
            }
            for base in self.class(c).bases.iter().rev() {
                match self.resolve_dotted(c.file, base, None) {
                    Symbol::Class(b) => stack.push(b),
                    Symbol::External(qualname) => {
                        if let Some(found) = external(&qualname) {
                            return Some(found);
                        }
                    }
                    _ => {}
                }
            }
        }
        None
    }

    /// Whether a workspace class is a model (and if so whether its chain
    /// includes reflex_django's bootstrapping `Model`), and for a class that is nothing we know, the
    /// bases outside the workspace we cannot read, reached from it through
    /// workspace classes that are nothing we know either (a
    /// `django_extensions.db.models.TimeStampedModel`, or a workspace
    /// `class Base(TimeStampedModel)` in between). Such a class is a model
    /// when it shows it itself ([`models::looks_like_model`]).
    fn raw_kind_and_unreadable(
        &self,
        c: ClassRef,
        visiting: &mut FxHashSet<ClassRef>,
        depth: u32,
    ) -> (Option<RawKind>, Vec<String>) {
        if let Some(k) = self.class_kinds.read().unwrap().get(&c).copied() {
            let kind = match k {
                ClassKind::Model(id) => Some(RawKind::Model {
                    bootstraps: self.model_identity(id).bootstraps,
                }),
                ClassKind::State { model_state } => Some(RawKind::State { model_state }),
                ClassKind::Manager => Some(RawKind::Manager),
                ClassKind::QuerySet => Some(RawKind::QuerySet),
                ClassKind::Atomic => Some(RawKind::Atomic),
                ClassKind::ThreadWrapper => Some(RawKind::ThreadWrapper),
                ClassKind::Other => None,
            };
            if kind.is_none() {
                if let Some(u) = self.unreadable_bases.read().unwrap().get(&c) {
                    return (None, u.clone());
                }
            }
            return (kind, Vec::new());
        }
        if depth > 32 || !visiting.insert(c) {
            return (None, Vec::new()); // inheritance cycle or absurd depth
        }
        // A workspace copy of a known base (a vendored or stubbed `reflex.State`,
        // Django's own `django.db.models.base.Model`) is that base.
        let name = &self.class(c).name;
        if let Some(kind) = self.files[c.file]
            .modules
            .iter()
            .find_map(|m| external_kind(&format!("{m}.{name}")))
        {
            return (Some(kind), Vec::new());
        }
        let mut result = None;
        let mut unreadable = Vec::new();
        for base in &self.class(c).bases {
            let kind = match self.resolve_dotted(c.file, base, None) {
                Symbol::Class(b) => {
                    let (kind, behind) = self.raw_kind_and_unreadable(b, visiting, depth + 1);
                    unreadable.extend(behind);
                    kind
                }
                Symbol::External(q) => {
                    let kind = external_kind(&q);
                    if kind.is_none() && is_unreadable_base(&q) {
                        unreadable.push(q);
                    }
                    kind
                }
                _ => None,
            };
            if let Some(k) = kind {
                result = Some(match (result, k) {
                    (Some(RawKind::Model { bootstraps: a }), RawKind::Model { bootstraps: b }) => {
                        RawKind::Model { bootstraps: a || b }
                    }
                    (Some(prev @ RawKind::Model { .. }), _) => prev,
                    (_, k) => k,
                });
            }
        }
        // `class ProductManager(models.Manager.from_queryset(ProductQuerySet))`
        if result.is_none() && !models::from_queryset_bases(self, c).is_empty() {
            result = Some(RawKind::Manager);
        }
        if result.is_none() && !unreadable.is_empty() && models::looks_like_model(self, c, &unreadable) {
            result = Some(RawKind::Model { bootstraps: false });
        }
        (result, if result.is_none() { unreadable } else { Vec::new() })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawKind {
    Model { bootstraps: bool },
    State { model_state: bool },
    Manager,
    QuerySet,
    Atomic,
    ThreadWrapper,
}

/// A base class outside the workspace whose source we do not read and that
/// is none of the frameworks' classes we know (Django's own are all known:
/// a Django class that is no model, manager or QuerySet is no model).
fn is_unreadable_base(q: &str) -> bool {
    const NOT_MODELS: &[&str] = &[
        "builtins",
        "typing",
        "typing_extensions",
        "abc",
        "collections",
        "enum",
        "dataclasses",
        "object",
    ];
    let top = q.split('.').next().unwrap_or(q);
    !is_framework(q) && !NOT_MODELS.contains(&top) && external_kind(q).is_none()
}

fn external_kind(q: &str) -> Option<RawKind> {
    if let Some(bootstraps) = external_model_root(q) {
        return Some(RawKind::Model { bootstraps });
    }
    if builtin::is_contrib_model_base(q) {
        return Some(RawKind::Model { bootstraps: false });
    }
    if let Some(model_state) = external_state_root(q) {
        return Some(RawKind::State { model_state });
    }
    if external_manager_root(q) {
        return Some(RawKind::Manager);
    }
    if external_queryset_root(q) {
        return Some(RawKind::QuerySet);
    }
    if q == "django.db.transaction.Atomic" {
        return Some(RawKind::Atomic);
    }
    if matches!(q, "asgiref.sync.SyncToAsync" | "channels.db.DatabaseSyncToAsync") {
        return Some(RawKind::ThreadWrapper);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::test_support::index_of;
    use super::Symbol;

    #[test]
    fn external_bases_through_workspace_classes() {
        let index = index_of(&[
            (
                "mw.py",
                "from django.utils.deprecation import MiddlewareMixin as Mixin\n\
                 class Base(Mixin):\n    pass\n\
                 class Loop(Loop):\n    pass\n\
                 class Own(Loop, Base):\n    pass\n\
                 class Plain(object):\n    pass\n",
            ),
            // (Files that name nothing Django-like are never parsed.)
            (
                "other.py",
                "from mw import Own\nclass Far(Own):  # a django middleware\n    pass\n",
            ),
        ]);
        let class = |q: &str| match index.resolve_qualified(q) {
            Symbol::Class(c) => c,
            other => panic!("{q}: {other:?}"),
        };
        let is_mixin = |q: &str| q == "django.utils.deprecation.MiddlewareMixin";
        assert!(index.has_external_base(class("mw.Base"), is_mixin));
        // Through a cycle and another file's import, the base is still found.
        assert!(index.has_external_base(class("other.Far"), is_mixin));
        assert!(!index.has_external_base(class("mw.Plain"), is_mixin));
        assert!(!index.has_external_base(class("mw.Loop"), is_mixin));
    }
}
