//! Calls of workspace functions (helpers): placing a call's arguments on
//! the callee's parameters, what it returns (from its summary), and whether
//! it blocks (a sync helper, a constructor, a coroutine given loaded
//! values). Helpers are followed only within the depth and the context
//! allowed; what is reported and how is RDJ107's.

use tree_sitter::Node;

use super::Walker;
use crate::checker::types::{Callable, Loaded, Ty};
use crate::checker::{self, Exec};
use crate::index::FuncRef;
use crate::knowledge::django;
use crate::rules;
use crate::syntax::field;

impl<'a> Walker<'a> {
    /// Calling a function of the workspace (or a nested `def`, a lambda):
    /// RDJ107 for a sync helper that blocks, the blocking its arguments
    /// cause in a coroutine, and what it returns.
    pub(super) fn call_function(
        &mut self,
        call: Node<'a>,
        func: Node<'a>,
        callee: &Callable,
        args: &[(String, Ty)],
    ) -> Ty {
        let on_self = func.kind() == "attribute"
            && field(func, "object").is_some_and(|o| o.kind() == "identifier" && self.text(o) == "self");
        if on_self && !self.falsy_on_self.is_empty() {
            // The same object: what this method knows about `self` holds there.
            let facts = self.falsy_on_self.clone();
            let saved = std::mem::take(&mut self.facts_for_call);
            self.facts_for_call = facts;
            self.call_helper(call, func, callee, args);
            let ty = self.return_of(callee, args);
            self.facts_for_call = saved;
            self.call_coroutine(call, func, callee, args);
            return ty;
        }
        self.call_helper(call, func, callee, args);
        self.call_coroutine(call, func, callee, args);
        if self.coroutine_runs.is_some() && self.is_run_on_own_loop(call) {
            self.note_coroutine_run(call, callee, args);
        }
        self.return_of(callee, args)
    }

    /// Whether a decorator of `f` is one of `names`, however it is imported
    /// (`@property`, `@functools.cached_property`).
    pub(in crate::checker) fn decorated_as(&self, f: FuncRef, names: &[&str]) -> bool {
        self.index
            .function(f)
            .decorators
            .iter()
            .any(|d| d.rsplit('.').next().is_some_and(|last| names.contains(&last)))
    }

    /// What fills the first parameter of method `f` called on `recv`: the
    /// receiver itself, nothing for a `@staticmethod` (its first parameter
    /// is an ordinary argument), the model for a `@classmethod` ([`Self::class_of`]).
    pub(super) fn method_receiver(&self, f: FuncRef, recv: &Ty) -> Option<Ty> {
        if self.decorated_as(f, &["staticmethod"]) {
            None
        } else if self.decorated_as(f, &["classmethod"]) {
            Some(Self::class_of(recv))
        } else {
            Some(recv.carried())
        }
    }

    /// What a class method's `cls` is when called on `recv`: the model for
    /// `Model.method()` or `instance.method()` (a model subclass's `cls`
    /// has the same managers), else unknown.
    pub(super) fn class_of(recv: &Ty) -> Ty {
        match recv {
            Ty::ModelClass(m) | Ty::Instance { model: m, .. } => Ty::ModelClass(*m),
            _ => Ty::Unknown,
        }
    }

    /// How a method is called through `func`: `None` for a plain function
    /// (no implicit first argument), `Some(Some(receiver))` for a bound
    /// method or a class method, `Some(None)` when the arguments cannot be
    /// placed (`Class.method(obj, ...)`, a method called by another name).
    pub(super) fn implicit_receiver(&mut self, func: Node<'a>, callee: &Callable) -> Option<Option<Ty>> {
        let Callable::Workspace(f) = callee else {
            return None;
        };
        f.class?;
        if self.decorated_as(*f, &["staticmethod"]) {
            return None;
        }
        if self.decorated_as(*f, &["classmethod"]) {
            let cls = match field(func, "object").filter(|_| func.kind() == "attribute") {
                Some(obj) => Self::class_of(&self.eval_quiet(obj)),
                None => Ty::Unknown,
            };
            return Some(Some(cls));
        }
        let Some(obj) = field(func, "object").filter(|_| func.kind() == "attribute") else {
            return Some(None);
        };
        match self.eval_quiet(obj) {
            Ty::Class(_) | Ty::ModelClass(_) | Ty::Module(_) => Some(None),
            receiver => Some(Some(receiver.carried())),
        }
    }

    /// The call's arguments as the callee's parameters (by name) with the
    /// types they carry; `receiver` fills the first parameter (`self`).
    /// Parameters that get nothing worth carrying are left out, so calls
    /// carrying nothing share the callee's plain summary.
    pub fn call_arguments(
        &mut self,
        callee: &Callable,
        receiver: Option<Ty>,
        args: Option<Node<'a>>,
    ) -> Vec<(String, Ty)> {
        use crate::index::summary::ParamKind;
        let params = match callee {
            Callable::Workspace(f) => self.index.function(*f).params.clone(),
            Callable::Local(start) => {
                let node = self.root.descendant_for_byte_range(*start, *start);
                let def = node.and_then(|n| {
                    std::iter::successors(Some(n), |p| p.parent()).find(|p| {
                        p.is_named() && p.start_byte() == *start && matches!(p.kind(), "function_definition" | "lambda")
                    })
                });
                match def.and_then(|d| field(d, "parameters")) {
                    Some(ps) => crate::index::summary::params_of(ps, self.src),
                    None => Vec::new(),
                }
            }
        };
        let callee_is_async = matches!(callee, Callable::Workspace(f) if self.index.function(*f).is_async);
        let mut types: Vec<Ty> = vec![Ty::Unknown; params.len()];
        let mut next = 0;
        if let Some(receiver) = receiver {
            if params.is_empty() {
                return Vec::new();
            }
            types[0] = receiver;
            next = 1;
        }
        let mut positional_done = false;
        for arg in self.arg_nodes(args) {
            match arg.kind() {
                "keyword_argument" => {
                    let Some(name) = field(arg, "name").map(|n| self.text(n)) else {
                        continue;
                    };
                    let at = params.iter().position(|p| {
                        p.name == name && matches!(p.kind, ParamKind::Positional | ParamKind::KeywordOnly)
                    });
                    if let (Some(at), Some(value)) = (at, field(arg, "value")) {
                        types[at] = self.eval_quiet(value).carried();
                    }
                }
                "list_splat" | "dictionary_splat" => positional_done = true,
                _ if positional_done => {}
                _ => match params.get(next) {
                    Some(p) if p.kind == ParamKind::Positional => {
                        types[next] = self.eval_quiet(arg).carried();
                        next += 1;
                    }
                    _ => positional_done = true,
                },
            }
        }
        params
            .into_iter()
            .zip(types)
            // After `request.user = ...` the request's user is no longer lazy.
            // A coroutine is a root of its own: the request is for the sync
            // helpers it reaches (what a coroutine does with it, e.g. a
            // version-guarded `session.save()` fallback, is its own finding).
            .map(|(p, t)| match t {
                Ty::Request if self.user_assigned => (p, Ty::Unknown),
                Ty::Request | Ty::LazyUser | Ty::Session if callee_is_async => (p, Ty::Unknown),
                t => (p, t),
            })
            .filter(|(_, t)| *t != Ty::Unknown)
            .map(|(p, t)| (p.name, t))
            .collect()
    }

    /// What calling a workspace function returns (a coroutine for `async def`).
    pub(super) fn return_of(&mut self, callee: &Callable, args: &[(String, Ty)]) -> Ty {
        // A `@sync_to_async` function returns an awaitable of what its body
        // returns: `await get_job(pk)` is the instance `get_job` fetched.
        let is_async = match callee {
            Callable::Workspace(f) => self.index.function(*f).is_async || checker::runs_in_thread(self.index, *f),
            Callable::Local(_) => false,
        };
        let ty = checker::summary_of(self, callee, args).returns.clone();
        if is_async {
            Ty::Awaitable(Box::new(ty))
        } else {
            ty
        }
    }

    /// A coroutine given arguments that carry what their query loaded: what
    /// it then reports beyond what it reports on its own (a relation the
    /// caller did not load, a QuerySet it evaluates) is reported here, at
    /// the call, where the caller's query can be fixed.
    pub(super) fn call_coroutine(&mut self, call: Node<'a>, func: Node<'a>, callee: &Callable, args: &[(String, Ty)]) {
        if self.exec != Exec::Async || args.is_empty() || self.depth_left == 0 {
            return;
        }
        let Callable::Workspace(f) = callee else { return };
        if !self.index.function(*f).is_async {
            return;
        }
        let given = checker::summary_of(self, callee, args);
        if given.findings.is_empty() {
            return;
        }
        let plain = checker::summary_of(self, callee, &[]);
        let new = given
            .findings
            .iter()
            .find(|g| !plain.findings.iter().any(|p| p.rule == g.rule && p.range == g.range));
        if let Some(inner) = new {
            let name = self.snippet(func);
            rules::rdj107_blocking_call_via_helper::report_in_coroutine(self, call, &name, inner);
        }
    }

    /// The result of a callable run in a worker thread: nothing blocks here.
    pub(super) fn return_of_wrapped(&mut self, inner: &Ty) -> Ty {
        match inner {
            Ty::BoundMethod(recv, method) => match &**recv {
                Ty::Paginator(qs) if django::paginator_method_returns_page(method) => Ty::Page(qs.clone()),
                Ty::Manager { model, .. } | Ty::QuerySet { model, .. } if django::returns_queryset(method) => {
                    let (values, loaded) = match &**recv {
                        Ty::QuerySet { values, loaded, .. } => (*values, loaded.clone()),
                        _ => (false, Loaded::fresh()),
                    };
                    Ty::QuerySet {
                        model: *model,
                        values: values || django::returns_values(method),
                        loaded,
                    }
                }
                Ty::Manager { model, .. } | Ty::QuerySet { model, .. } if django::returns_one_row(method) => {
                    Ty::Instance {
                        model: *model,
                        loaded: Loaded::fresh(),
                    }
                }
                Ty::Manager { model, .. } | Ty::QuerySet { model, .. } => match self.custom_method(*model, method) {
                    Some(f) if !self.index.function(f).is_async => {
                        let c = Callable::Workspace(f);
                        let receiver = self.method_receiver(f, recv);
                        let args = self.call_arguments(&c, receiver, None);
                        let ty = checker::summary_of(self, &c, &args).returns.clone();
                        self.for_model(ty, *model)
                    }
                    _ => Ty::Unknown,
                },
                _ => Ty::Unknown,
            },
            _ => Ty::Unknown,
        }
    }

    /// Whether the blocking of the helpers called from here is looked for:
    /// never in deferred code (nothing there is reported), in a summary only
    /// while its depth allows following another level.
    pub(super) fn follows_helpers(&self) -> bool {
        match self.exec {
            Exec::Deferred => false,
            Exec::Summary => self.depth_left > 0,
            _ => true,
        }
    }

    /// `Cls(...)` from here: RDJ107 if `__init__` always does blocking ORM
    /// work (`checker::constructor_blocking_path`).
    pub(super) fn construct_helper(&mut self, call: Node<'a>, func: Node<'a>, init: FuncRef, args: &[(String, Ty)]) {
        if !self.follows_helpers() {
            return;
        }
        let Some(path) = checker::constructor_blocking_path(self, init, args) else {
            return;
        };
        let name = self.snippet(func);
        rules::rdj107_blocking_call_via_helper::report(self, call, &name, &path);
    }

    /// A direct call of a sync helper from here: RDJ107 if it does blocking ORM work.
    pub(super) fn call_helper(&mut self, call: Node<'a>, func: Node<'a>, callee: &Callable, args: &[(String, Ty)]) {
        if !self.follows_helpers() {
            return;
        }
        if self.constructor_prefix && matches!(callee, Callable::Workspace(f) if f.class.is_none()) {
            return;
        }
        let Some(path) = checker::helper_blocking_path(self, callee, args) else {
            return;
        };
        let name = self.snippet(func);
        rules::rdj107_blocking_call_via_helper::report(self, call, &name, &path);
    }

    pub fn is_func_ref_async(&self, f: FuncRef) -> bool {
        self.index.function(f).is_async
    }
}

/// The function a value passed to a wrapper (`sync_to_async(f)`,
/// `async_to_sync(obj.method)`) runs: a function, or a bound method of one.
pub(super) fn function_called_by(ty: &Ty) -> Option<&Callable> {
    match ty {
        Ty::Function(c) => Some(c),
        Ty::BoundMethod(recv, _) => match &**recv {
            Ty::Function(c) => Some(c),
            _ => None,
        },
        _ => None,
    }
}
