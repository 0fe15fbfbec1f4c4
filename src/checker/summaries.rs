//! What calling a function does, for the walker: summaries of workspace
//! functions, methods, local `def`s and constructors (their return types,
//! first blocking operation and findings), per argument types, kept in the
//! index's `SummaryCache`; module-level bindings; instance attributes of
//! classes; which calls run a function in a worker thread.
//!
//! Computes and caches summaries only; a summary's findings are reported by
//! the caller's walk, never here.

use std::sync::Arc;

use rustc_hash::FxHashMap;
use tree_sitter::Node;

use super::bindings::{annotation_ty, bind_parameters, unseen};
use super::summary_cache::{self, AttrsKey, Summary, SummaryCache, SummaryKey};
use super::types::{Callable, Ty};
use super::walker::{WalkState, Walker};
use super::{dispatch, function_name, Exec};
use crate::index::{ClassKind, ClassRef, FileId, FuncRef, WorkspaceIndex};
use crate::rules::{self, RuleSet};
use crate::syntax::{self, field, named_children};

/// Module-level bindings (`qs = Product.objects.all()` at the top of a file).
fn module_bindings(
    index: &WorkspaceIndex,
    file: FileId,
    src: &str,
    root: Node<'_>,
    rules: RuleSet,
    shared: &WalkState,
) -> FxHashMap<String, Ty> {
    let empty = FxHashMap::default();
    let mut w = Walker::new(
        index,
        file,
        src,
        root,
        shared,
        &empty,
        rules,
        Exec::Deferred,
        0,
        None,
        None,
    );
    for stmt in named_children(root) {
        if stmt.kind() == "expression_statement" {
            if let Some(a) = stmt.named_child(0).filter(|a| a.kind() == "assignment") {
                if let (Some(l), Some(r)) = (field(a, "left"), field(a, "right")) {
                    if l.kind() == "identifier" {
                        let ty = w.eval(r);
                        if !matches!(ty, Ty::Unknown | Ty::External(_)) {
                            w.env.insert(syntax::text(l, src).to_owned(), ty);
                        }
                    }
                }
            }
        }
    }
    w.env
}

pub fn is_thread_wrapper_name(q: &str) -> bool {
    crate::knowledge::django::is_thread_wrapper(q)
}

/// Whether a dotted name (in `file`) is a thread wrapper such as `sync_to_async`.
pub fn is_thread_wrapper(index: &WorkspaceIndex, file: FileId, scope: Option<usize>, dotted: &str) -> bool {
    is_thread_wrapper_symbol(index, &index.resolve_dotted(file, dotted, scope))
}

/// Whether a symbol is a thread wrapper: a known one by qualified name, a
/// workspace subclass of `SyncToAsync`, or a module-level alias of either
/// (`sync_to_async = DatabaseSyncToAsync`), followed as far as aliases go.
pub fn is_thread_wrapper_symbol(index: &WorkspaceIndex, sym: &crate::index::Symbol) -> bool {
    use crate::index::Symbol;
    let mut sym = sym.clone();
    // Aliases that lead back to themselves (`a = b; b = a`) end here.
    for _ in 0..32 {
        sym = match sym {
            Symbol::External(q) => return is_thread_wrapper_name(&q),
            Symbol::Class(c) => return index.class_kind(c) == ClassKind::ThreadWrapper,
            Symbol::Assignment(f, i) => match &index.file(f).summary().assignments[i].value {
                crate::index::summary::AssignedValue::Name(n) => index.resolve_dotted(f, n, None),
                _ => return false,
            },
            _ => return false,
        };
    }
    false
}

/// Whether a workspace function is decorated with a thread wrapper
/// (`@sync_to_async`, `@database_sync_to_async`): calling it returns an
/// awaitable, and its body runs in a worker thread.
pub fn runs_in_thread(index: &WorkspaceIndex, f: FuncRef) -> bool {
    index
        .function(f)
        .decorators
        .iter()
        .any(|d| is_thread_wrapper(index, f.file, None, d))
}

/// RDJ107's question: does calling this sync callable (with these argument
/// types) block? Returns the call path to the first blocking operation
/// (`helper → inner → `X.objects.get()``).
pub fn helper_blocking_path(w: &Walker<'_>, callee: &Callable, args: &[(String, Ty)]) -> Option<String> {
    if let Callable::Workspace(f) = callee {
        if w.index.function(*f).is_async || runs_in_thread(w.index, *f) {
            return None;
        }
    }
    summary_of(w, callee, args).blocking.clone()
}

/// The summary of calling `callee` from `w` with these argument types
/// (parameter name → type; empty: annotations only): shared by the whole
/// run for workspace functions, kept in the file's memo for nested `def`s
/// and lambdas (they see the caller's variables).
pub fn summary_of(w: &Walker<'_>, callee: &Callable, args: &[(String, Ty)]) -> Arc<Summary> {
    // An abstract method runs a subclass's override.
    if let Callable::Workspace(f) = callee {
        if let Some(dispatched) = dispatch::overriding_summary(w, *f, args) {
            return dispatched;
        }
    }
    let (file, start, is_async) = match callee {
        Callable::Workspace(f) => {
            let summary = w.index.function(*f);
            (f.file, summary.range.start, summary.is_async)
        }
        Callable::Local(start) => (w.file, *start, false),
    };
    let key = SummaryKey {
        file,
        start,
        args: args.to_vec(),
        depth: w.depth_left.saturating_sub(1),
        exec: if w.attrs_of.is_some() && w.exec == Exec::Deferred {
            Exec::Deferred
        } else if is_async {
            Exec::Async
        } else {
            Exec::Summary
        },
        rules: w.rules,
        django_version: w.django_version,
        falsy_on_self: w.facts_for_call.clone(),
    };
    summary_for(w, callee, key)
}

fn summary_for(w: &Walker<'_>, callee: &Callable, key: SummaryKey) -> Arc<Summary> {
    let local = matches!(callee, Callable::Local(_));
    if !local {
        if let Some(hit) = summary_cache::of(w.index).summary(&key) {
            return hit;
        }
    }
    if let Some(hit) = w.shared.local.borrow().get(&key) {
        if !local {
            // Computed with a cycle cut short: so is whatever uses it.
            w.shared.cuts.set(w.shared.cuts.get() + 1);
        }
        return hit.clone();
    }
    let function = (key.file, key.start);
    if !w.shared.in_progress.borrow_mut().insert(function) {
        // Recursion: the inner call knows nothing (and nothing built on it is shared).
        w.shared.cuts.set(w.shared.cuts.get() + 1);
        return Summary::unknown();
    }
    let computing = SummaryCache::begin(w.shared);
    let result = Arc::new(
        match callee {
            Callable::Workspace(f) => summarize_workspace_function(w, *f, &key),
            Callable::Local(start) => summarize_local(w, *start, &key),
        }
        .unwrap_or_default(),
    );
    w.shared.in_progress.borrow_mut().remove(&function);
    if !local && SummaryCache::shareable(w.shared, &computing) {
        summary_cache::of(w.index).put_summary(key, result.clone());
    } else {
        w.shared.local.borrow_mut().insert(key, result.clone());
    }
    result
}

/// RDJ107's question for a construction `Cls(...)`: does `__init__` block
/// in a statement that every construction runs, whatever the arguments?
/// Only the plain statements at the top of its body count, up to the first
/// branch, loop, `try`, `with`, `return`, `raise` or `assert`: a query
/// behind `if request:` depends on arguments the call may leave out
/// (django-eventstream's `EventRequest()`), so it is not reported; nor is
/// a query reached through a plain helper function (see
/// `Walker::constructor_prefix`).
pub fn constructor_blocking_path(w: &Walker<'_>, init: FuncRef, args: &[(String, Ty)]) -> Option<String> {
    if w.index.function(init).is_async {
        return None;
    }
    let entry = w.index.file(init.file);
    let tree = entry.tree()?;
    let src: &str = &entry.text;
    let root = tree.root_node();
    let def = def_node(root, w.index.function_range(init))?;
    let body = field(def, "body")?;
    let function = (init.file, def.start_byte());
    if !w.shared.in_progress.borrow_mut().insert(function) {
        w.shared.cuts.set(w.shared.cuts.get() + 1);
        return None;
    }
    let key = SummaryKey {
        file: init.file,
        start: def.start_byte(),
        args: args.to_vec(),
        depth: w.depth_left.saturating_sub(1),
        exec: Exec::Summary,
        rules: w.rules,
        django_version: w.django_version,
        // A new object: no fact about its attributes holds yet.
        falsy_on_self: Vec::new(),
    };
    let class = init.class.map(|index| ClassRef { file: init.file, index });
    let module_env = module_env_of(w.index, w.shared, w.rules, init.file);
    let mut sub = sub_walker(w, init.file, src, root, &module_env, def, class, &key);
    sub.function_name = function_name(src, def, class.map(|c| w.index.class(c).name.as_str()));
    bind_parameters(&mut sub, def);
    apply_arguments(&mut sub, args);
    sub.constructor_prefix = true;
    sub.walk_unconditional_prefix(body);
    w.shared.in_progress.borrow_mut().remove(&function);
    sub.blocking
}

/// The `def` node a workspace function's range covers.
pub(super) fn def_node<'t>(root: Node<'t>, range: std::ops::Range<usize>) -> Option<Node<'t>> {
    let node = root.descendant_for_byte_range(range.start, range.end)?;
    std::iter::successors(Some(node), |n| n.parent()).find(|n| n.kind() == "function_definition")
}

fn summarize_workspace_function(w: &Walker<'_>, f: FuncRef, key: &SummaryKey) -> Option<Summary> {
    let entry = w.index.file(f.file);
    let tree = entry.tree()?;
    let src: &str = &entry.text;
    let root = tree.root_node();
    let def = def_node(root, w.index.function_range(f))?;
    let class = f.class.map(|index| ClassRef { file: f.file, index });
    let module_env = module_env_of(w.index, w.shared, w.rules, f.file);
    let mut sub = sub_walker(w, f.file, src, root, &module_env, def, class, key);
    sub.function_name = function_name(src, def, class.map(|c| w.index.class(c).name.as_str()));
    bind_parameters(&mut sub, def);
    apply_arguments(&mut sub, &key.args);
    if key.exec == Exec::Summary
        && syntax::decorators(def).iter().any(|d| {
            let callee = if d.kind() == "call" {
                field(*d, "function").unwrap_or(*d)
            } else {
                *d
            };
            syntax::dotted(callee, src).is_some_and(|n| {
                sub.index
                    .is_external(f.file, &n, None, &["django.db.transaction.atomic"])
            })
        })
    {
        sub.blocking = Some(rules::rdj107_blocking_call_via_helper::atomic_decorator_step());
    }
    if key.exec == Exec::Async {
        rules::rdj201_sync_atomic_in_async::check_decorators(&mut sub, def);
    }
    sub.walk_block(field(def, "body")?);
    let returns = sub.take_returns();
    // An annotation `-> Product` / `-> QuerySet[Product]` says what the body did not show.
    let returns = match (returns, field(def, "return_type")) {
        (Ty::Unknown, Some(ann)) => unseen(annotation_ty(&mut sub, ann)),
        (t, _) => t,
    };
    Some(Summary {
        returns,
        blocking: sub.blocking,
        findings: sub.findings,
        self_attrs: sub.self_attrs,
    })
}

#[allow(clippy::too_many_arguments)]
fn sub_walker<'a>(
    w: &Walker<'a>,
    file: FileId,
    src: &'a str,
    root: Node<'a>,
    module_env: &'a FxHashMap<String, Ty>,
    def: Node<'a>,
    class: Option<ClassRef>,
    key: &SummaryKey,
) -> Walker<'a> {
    Walker {
        // The sub-walk runs on top of the caller's stack.
        nesting: w.nesting,
        django_version: key.django_version,
        attrs_of: if key.exec == Exec::Deferred { class } else { None },
        falsy_on_self: key.falsy_on_self.clone(),
        ..Walker::new(
            w.index,
            file,
            src,
            root,
            w.shared,
            module_env,
            w.rules,
            key.exec,
            key.depth,
            Some(def.start_byte()),
            class,
        )
    }
}

/// A nested `def` or a `lambda` of the caller's file, run with the
/// caller's variables (it closes over them) and the call's arguments.
fn summarize_local(w: &Walker<'_>, start: usize, key: &SummaryKey) -> Option<Summary> {
    let node = w.root.descendant_for_byte_range(start, start)?;
    let def = std::iter::successors(Some(node), |n| n.parent())
        .find(|n| n.is_named() && n.start_byte() == start && matches!(n.kind(), "function_definition" | "lambda"))?;
    let mut sub = Walker {
        env: w.env.clone(),
        ..sub_walker(w, w.file, w.src, w.root, w.module_env, def, w.class, key)
    };
    sub.function_name = w.function_name.clone();
    if def.kind() == "lambda" {
        if let Some(params) = field(def, "parameters") {
            for p in crate::index::summary::params_of(params, w.src) {
                sub.env.insert(p.name, Ty::Unknown);
            }
        }
        apply_arguments(&mut sub, &key.args);
        let returns = field(def, "body").map(|b| sub.eval(b)).unwrap_or(Ty::Unknown);
        return Some(Summary {
            returns,
            blocking: sub.blocking,
            findings: Vec::new(),
            self_attrs: Vec::new(),
        });
    }
    bind_parameters(&mut sub, def);
    apply_arguments(&mut sub, &key.args);
    sub.walk_block(field(def, "body")?);
    let returns = sub.take_returns();
    Some(Summary {
        returns,
        blocking: sub.blocking,
        findings: Vec::new(),
        self_attrs: sub.self_attrs,
    })
}

/// Parameters get the types the call gave them. An annotation wins, but
/// for the same model the argument says more (what the caller loaded).
fn apply_arguments(w: &mut Walker<'_>, args: &[(String, Ty)]) {
    for (name, arg) in args {
        let declared = w.env.get(name).cloned().unwrap_or(Ty::Unknown);
        let ty = match (&declared, arg) {
            (Ty::Unknown, _) => arg.clone(),
            (Ty::Instance { model: a, .. }, Ty::Instance { model: b, .. }) if a == b => arg.clone(),
            (Ty::QuerySet { model: a, .. }, Ty::QuerySet { model: b, .. }) if a == b || *a == w.index.any_model => {
                arg.clone()
            }
            (Ty::Object(a, _), Ty::Object(b, _)) if a == b => arg.clone(),
            _ => declared,
        };
        w.env.insert(name.clone(), ty);
    }
}

/// The module-level bindings of `file` (its own walk, once per run).
pub fn module_env_of(
    index: &WorkspaceIndex,
    shared: &WalkState,
    rules: RuleSet,
    file: FileId,
) -> Arc<FxHashMap<String, Ty>> {
    if let Some(hit) = summary_cache::of(index).module_env(file) {
        return hit;
    }
    if let Some(hit) = shared.local_envs.borrow().get(&file) {
        shared.cuts.set(shared.cuts.get() + 1);
        return hit.clone();
    }
    if !shared.envs_in_progress.borrow_mut().insert(file) {
        shared.cuts.set(shared.cuts.get() + 1);
        return Arc::new(FxHashMap::default());
    }
    let computing = SummaryCache::begin(shared);
    let env = Arc::new(match index.file(file).tree() {
        Some(tree) => module_bindings(index, file, &index.file(file).text, tree.root_node(), rules, shared),
        None => FxHashMap::default(),
    });
    shared.envs_in_progress.borrow_mut().remove(&file);
    if SummaryCache::shareable(shared, &computing) {
        summary_cache::of(index).put_module_env(file, env.clone());
    } else {
        shared.local_envs.borrow_mut().insert(file, env.clone());
    }
    env
}

/// What an attribute of a workspace class's instances holds: what its
/// methods store in `self.<attr>` (`__init__` run with the constructor's
/// argument types) and its class-level assignment. Stores that disagree
/// make it unknown; a store of something unknown (`self.qs = None` before
/// `connect` fills it) does not count. Only the methods whose text stores
/// the attribute are walked.
pub fn attribute_of_class(w: &Walker<'_>, class: ClassRef, ctor: &[(String, Ty)], attr: &str) -> Ty {
    let key: AttrsKey = (class, ctor.to_vec(), attr.to_owned());
    if let Some(hit) = summary_cache::of(w.index).attrs(&key) {
        return hit;
    }
    if let Some(hit) = w.shared.local_attrs.borrow().get(&key) {
        w.shared.cuts.set(w.shared.cuts.get() + 1);
        return hit.clone();
    }
    if !w.shared.attrs_in_progress.borrow_mut().insert(class) {
        w.shared.cuts.set(w.shared.cuts.get() + 1);
        return Ty::Unknown;
    }
    let computing = SummaryCache::begin(w.shared);
    let mut stored: Option<Ty> = None;
    let mut note = |ty: Ty| {
        if ty == Ty::Unknown {
            return;
        }
        let ty = ty.carried();
        stored = match stored.take() {
            None => Some(ty),
            Some(prev) if prev == ty => Some(prev),
            Some(_) => Some(Ty::Unknown),
        };
    };
    let summary = w.index.class(class);
    let text = &w.index.file(class.file).text;
    for (i, method) in summary.methods.iter().enumerate() {
        let body = text.get(method.range.clone()).unwrap_or("");
        if !stores_self_attribute(body, attr) {
            continue;
        }
        let f = FuncRef {
            file: class.file,
            class: Some(class.index),
            index: i,
        };
        let args: &[(String, Ty)] = if method.name == "__init__" { ctor } else { &[] };
        let key = SummaryKey {
            file: class.file,
            start: method.range.start,
            args: args.to_vec(),
            depth: 0,
            exec: Exec::Deferred,
            rules: w.rules,
            django_version: w.django_version,
            falsy_on_self: Vec::new(),
        };
        for (name, ty) in summary_for(w, &Callable::Workspace(f), key).self_attrs.iter() {
            if name == attr {
                note(ty.clone());
            }
        }
    }
    if let Some(ty) = class_level_attribute(w, class, attr) {
        note(ty);
    }
    let ty = stored.unwrap_or(Ty::Unknown);
    w.shared.attrs_in_progress.borrow_mut().remove(&class);
    if SummaryCache::shareable(w.shared, &computing) {
        summary_cache::of(w.index).put_attrs(key, ty.clone());
    } else {
        w.shared.local_attrs.borrow_mut().insert(key, ty.clone());
    }
    ty
}

/// Whether a method's text assigns `self.<attr>` (`self.qs = ...`,
/// `self.qs: QuerySet = ...`), not only compares or reads it.
fn stores_self_attribute(body: &str, attr: &str) -> bool {
    let needle = format!("self.{attr}");
    body.match_indices(&needle).any(|(at, _)| {
        let rest = &body[at + needle.len()..];
        let next = rest.chars().next();
        if next.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return false;
        }
        let rest = rest.trim_start_matches([' ', '\t']);
        (rest.starts_with('=') && !rest.starts_with("==")) || rest.starts_with(':')
    })
}

fn class_level_attribute(w: &Walker<'_>, class: ClassRef, attr: &str) -> Option<Ty> {
    let summary = w.index.class(class);
    let crate::index::summary::AssignedValue::Call { range, .. } = &summary.attr(attr)?.value else {
        return None;
    };
    let entry = w.index.file(class.file);
    let tree = entry.tree()?;
    let src: &str = &entry.text;
    let root = tree.root_node();
    let node = root
        .descendant_for_byte_range(range.start, range.end)
        .filter(|n| n.kind() == "call" && n.byte_range() == *range)?;
    let module_env = module_env_of(w.index, w.shared, w.rules, class.file);
    let mut sub = Walker {
        nesting: w.nesting,
        ..Walker::new(
            w.index,
            class.file,
            src,
            root,
            w.shared,
            &module_env,
            w.rules,
            Exec::Deferred,
            0,
            None,
            None,
        )
    };
    Some(sub.eval(node))
}
