//! Calls: evaluating a call's callee and arguments, what calling each kind
//! of value returns (model and workspace classes, thread wrappers,
//! external and builtin functions), the consumers that evaluate their
//! arguments, and reading argument lists. It computes types and effects;
//! never decides a rule.

use tree_sitter::Node;

use super::expressions::add_element;
use super::helpers::function_called_by;
use super::queries::row_of;
use super::Walker;
use crate::checker;
use crate::checker::effects::{self, Effect, Evaluation};
use crate::checker::types::{Callable, Loaded, Ty};
use crate::index::Symbol;
use crate::knowledge::django::{self, ConsumedArgs, Consumer, Consumes, Returns};
use crate::knowledge::third_party;
use crate::python;
use crate::rules;
use crate::syntax::{field, named_children};

impl<'a> Walker<'a> {
    pub(super) fn eval_call(&mut self, node: Node<'a>) -> Ty {
        let Some(func) = field(node, "function") else {
            return Ty::Unknown;
        };
        let args = field(node, "arguments");
        let func_ty = match func.kind() {
            "attribute" => {
                let obj = field(func, "object");
                let obj_ty = obj.map(|o| self.eval(o)).unwrap_or(Ty::Unknown);
                let method = field(func, "attribute").map(|a| self.text(a)).unwrap_or("");
                self.eval_args(args);
                if obj_ty == Ty::Unknown {
                    if let Some(consumer) = django::consuming_method(method) {
                        self.consume(node, consumer, Evaluation::Method(consumer), args);
                    }
                }
                rules::rdj302_model_assigned_to_state::check_call(self, node, func, args);
                if let Some(ty) = self.method_call(node, func, obj, &obj_ty, method, args) {
                    return ty;
                }
                if let Some(ty) = self.container_method(obj, &obj_ty, method, args) {
                    return ty;
                }
                if obj.is_some() {
                    self.attribute_of(func, &obj_ty, method)
                } else {
                    Ty::Unknown
                }
            }
            _ => {
                let t = self.eval(func);
                // Arguments of thread wrappers are still evaluated here, on the loop.
                self.eval_args(args);
                if func.kind() == "identifier" && self.text(func) == "setattr" {
                    rules::rdj302_model_assigned_to_state::check_call(self, node, func, args);
                }
                t
            }
        };
        self.call_value(node, func, &func_ty, args)
    }

    /// `items.append(inst)`, `d.get(k)`, `d.values()`: what lists and dicts
    /// of instances hold.
    pub(super) fn container_method(
        &mut self,
        obj: Option<Node<'a>>,
        obj_ty: &Ty,
        method: &str,
        args: Option<Node<'a>>,
    ) -> Option<Ty> {
        match (obj_ty, method) {
            (Ty::List(inner), "append" | "add") => {
                let name = obj
                    .filter(|o| o.kind() == "identifier")
                    .map(|o| self.text(o).to_owned())?;
                let item = self.positional_args(args).first().map(|a| self.eval_quiet(*a))?;
                let filled = add_element((**inner).clone(), &item).map_or(Ty::Unknown, |e| Ty::List(Box::new(e)));
                self.env.insert(name, filled);
                Some(Ty::Unknown)
            }
            (Ty::List(inner), "pop") | (Ty::Dict(inner), "get" | "pop" | "setdefault") => Some((**inner).clone()),
            (Ty::Dict(inner), "values") => Some(Ty::List(inner.clone())),
            (Ty::Dict(inner), "items") => Some(Ty::List(Box::new(Ty::Tuple(vec![Ty::Unknown, (**inner).clone()])))),
            _ => None,
        }
    }

    pub(super) fn eval_args(&mut self, args: Option<Node<'a>>) {
        let Some(args) = args else { return };
        if args.kind() == "generator_expression" {
            self.eval(args);
            return;
        }
        for a in named_children(args) {
            match a.kind() {
                "lambda" => {}
                "keyword_argument" => {
                    if let Some(v) = field(a, "value") {
                        if v.kind() != "lambda" {
                            self.eval(v);
                        }
                    }
                }
                _ => {
                    self.eval(a);
                }
            }
        }
    }

    pub fn arg_nodes(&self, args: Option<Node<'a>>) -> Vec<Node<'a>> {
        args.map(|a| {
            named_children(a)
                .into_iter()
                .filter(|c| c.kind() != "comment")
                .collect()
        })
        .unwrap_or_default()
    }

    pub fn positional_args(&self, args: Option<Node<'a>>) -> Vec<Node<'a>> {
        self.arg_nodes(args)
            .into_iter()
            .filter(|a| !matches!(a.kind(), "keyword_argument" | "dictionary_splat" | "list_splat"))
            .collect()
    }

    pub fn keyword_names(&self, args: Option<Node<'a>>) -> Vec<String> {
        self.arg_nodes(args)
            .into_iter()
            .filter(|a| a.kind() == "keyword_argument")
            .filter_map(|a| field(a, "name").map(|n| self.text(n).to_owned()))
            .collect()
    }

    /// String literal arguments, or `None` if any argument is not one.
    pub fn string_args(&self, args: Option<Node<'a>>) -> Option<Vec<String>> {
        self.positional_args(args)
            .into_iter()
            .map(|a| python::string_value(a, self.src))
            .collect()
    }

    /// The value of keyword argument `name`, if given.
    pub(super) fn keyword_value(&self, args: Option<Node<'a>>, name: &str) -> Option<Node<'a>> {
        self.arg_nodes(args).into_iter().find_map(|a| {
            (a.kind() == "keyword_argument" && field(a, "name").is_some_and(|n| self.text(n) == name))
                .then(|| field(a, "value"))
                .flatten()
        })
    }

    /// Calling a value: helpers (RDJ107), thread wrappers, constructors,
    /// evaluating builtins (RDJ103), Django functions (RDJ106).
    pub(super) fn call_value(&mut self, call: Node<'a>, func: Node<'a>, func_ty: &Ty, args: Option<Node<'a>>) -> Ty {
        if self.coroutine_runs.is_some() && func.kind() == "call" {
            self.note_wrapped_coroutine_run(call, func, args);
        }
        match func_ty {
            Ty::ModelClass(m) => {
                let mut l = Loaded::fresh();
                l.cached = self.keyword_names(args);
                Ty::Instance { model: *m, loaded: l }
            }
            Ty::Class(c) => {
                if let Some(base) = self.known_external_base(*c) {
                    if third_party::is_serializer(&base) {
                        return self.serializer_over(*c, args);
                    }
                }
                // `Cls(...)` runs `__init__` with the arguments: what it stores
                // on `self` is typed from them (`attribute_of_class`). Its blocking
                // is not reported: `__init__` often queries only with
                // arguments the call leaves out (`if request: ...`), and
                // which branch runs is not known here (precision first).
                let ctor = match self.index.find_method(*c, "__init__") {
                    Some(init) => {
                        let ctor = self.call_arguments(&Callable::Workspace(init), Some(Ty::Unknown), args);
                        self.construct_helper(call, func, init, &ctor);
                        ctor
                    }
                    None => Vec::new(),
                };
                Ty::Object(*c, ctor)
            }
            // `obj(...)` runs `__call__`.
            Ty::Object(c, _) => match self.index.find_method(*c, "__call__") {
                Some(f) => {
                    let callee = Callable::Workspace(f);
                    let args = self.call_arguments(&callee, Some(func_ty.carried()), args);
                    self.call_function(call, func, &callee, &args)
                }
                None => Ty::Unknown,
            },
            Ty::ThreadWrapped(inner) => {
                let evaluating = matches!(&**inner, Ty::External(q) if matches!(q.as_str(), "builtins.list" | "list"))
                    || self.is_builtin_wrapped(func);
                let mut first_ty = None;
                if evaluating {
                    if let Some(first) = self.positional_args(args).first().copied() {
                        let ty = self.eval_quiet(first);
                        self.mark_evaluated(first, &ty);
                        first_ty = Some(ty);
                    }
                }
                // `await sync_to_async(list)(qs)`: the instances, with what `qs` loaded.
                if let Some(row) = first_ty.as_ref().and_then(row_of) {
                    return Ty::Awaitable(Box::new(Ty::List(Box::new(row))));
                }
                // `await sync_to_async(helper)(args)`: what the helper returns.
                if let Some(c) = function_called_by(inner).cloned() {
                    let args = self.call_arguments(&c, None, args);
                    return Ty::Awaitable(Box::new(checker::summary_of(self, &c, &args).returns.clone()));
                }
                Ty::Awaitable(Box::new(self.return_of_wrapped(inner)))
            }
            Ty::BoundMethod(recv, name) => match &**recv {
                Ty::Function(c) => {
                    let c = c.clone();
                    // A model method: `self` is the instance it is called on
                    // (`cls` the model, for a class method).
                    let receiver = field(func, "object").map(|o| self.eval_quiet(o));
                    let receiver = match (&c, receiver) {
                        (Callable::Workspace(f), Some(recv)) => self.method_receiver(*f, &recv),
                        (_, recv) => recv.map(|r| r.carried()),
                    };
                    let args = self.call_arguments(&c, receiver, args);
                    self.call_function(call, func, &c, &args)
                }
                // A custom manager/QuerySet method: a function run with the manager as `self`.
                Ty::Manager { model, .. } | Ty::QuerySet { model, .. } => match self.custom_method(*model, name) {
                    Some(f) => {
                        let c = Callable::Workspace(f);
                        let receiver = self.method_receiver(f, recv);
                        let args = self.call_arguments(&c, receiver, args);
                        let ty = self.call_function(call, func, &c, &args);
                        self.for_model(ty, *model)
                    }
                    None => Ty::Unknown,
                },
                _ => Ty::Unknown,
            },
            Ty::Function(c) => {
                let c = c.clone();
                let receiver = self.implicit_receiver(func, &c);
                let args = match receiver {
                    Some(None) => Vec::new(),
                    Some(Some(r)) => self.call_arguments(&c, Some(r), args),
                    None => self.call_arguments(&c, None, args),
                };
                self.call_function(call, func, &c, &args)
            }
            Ty::External(q) => self.call_external(call, func, q.clone(), args),
            Ty::Unknown => {
                if func.kind() == "identifier" {
                    let name = self.text(func);
                    if matches!(name, "hasattr" | "getattr")
                        && self.index.resolve_name(self.file, name, self.scope) == Symbol::Unknown
                    {
                        if let [obj, attr, ..] = self.positional_args(args)[..] {
                            if let Some(attr_name) = python::string_value(attr, self.src) {
                                let obj_ty = self.eval_quiet(obj);
                                return self.attribute_of(call, &obj_ty, &attr_name);
                            }
                        }
                    }
                    return self.call_builtin(call, name, args);
                }
                Ty::Unknown
            }
            _ => Ty::Unknown,
        }
    }

    pub(super) fn call_external(&mut self, call: Node<'a>, func: Node<'a>, q: String, args: Option<Node<'a>>) -> Ty {
        if django::is_thread_wrapper(&q) {
            let first = self.positional_args(args).first().copied();
            let inner = first.map(|a| self.eval_quiet(a)).unwrap_or(Ty::Unknown);
            if django::thread_wrapper_calls_at_once(&q) {
                return Ty::Awaitable(Box::new(self.return_of_wrapped(&inner)));
            }
            return Ty::ThreadWrapped(Box::new(inner));
        }
        if q == "functools.partial" {
            let first = self.positional_args(args).first().copied();
            return first.map(|a| self.eval_quiet(a)).unwrap_or(Ty::Unknown);
        }
        if q.ends_with("RequestFactory") || q.ends_with("RequestFactory.client") {
            return Ty::External(format!("{q}()"));
        }
        if q.contains("RequestFactory().") {
            return Ty::Request;
        }
        if let Some(consumer) = django::library_consumer(&q) {
            let positional = self.positional_args(args).len();
            return self.consume(call, consumer, Evaluation::Consumer { consumer, positional }, args);
        }
        if third_party::may_be_coroutine(&q) && call.parent().is_some_and(|p| p.kind() == "await") {
            return Ty::Unknown;
        }
        if let Some(api) = django::blocking_function(&q) {
            let ty = self.api_return(api.returns, args);
            if api.prefetches {
                self.note_prefetch_objects(args);
            }
            effects::report(self, Effect::BlockingCall { call, func, api });
            return ty;
        }
        if let Some(api) = django::twin_of(&q) {
            if api.prefetches {
                self.note_prefetch_objects(args);
            }
            return Ty::Awaitable(Box::new(self.api_return(api.returns, args)));
        }
        if q == django::ATOMIC {
            return Ty::External(django::ATOMIC_CLASS.into());
        }
        if matches!(
            q.as_str(),
            "django.apps.apps.get_model" | "django.apps.registry.apps.get_model"
        ) {
            // `apps.get_model("shop", "product")` / `apps.get_model("shop.Product")`
            let strings: Vec<String> = self
                .positional_args(args)
                .iter()
                .map_while(|a| python::string_value(*a, self.src))
                .collect();
            let model = match strings.as_slice() {
                [reference] => self.index.model_by_reference(reference),
                [app_label, model_name] => self.index.model_by_label(app_label, model_name),
                _ => None,
            };
            if let Some(m) = model {
                return Ty::ModelClass(m);
            }
        }
        if q.ends_with("get_user_model") {
            if let Some(u) = self.index.auth_user() {
                return Ty::ModelClass(u);
            }
        }
        if django::is_db_session_store(&q) {
            return Ty::Session;
        }
        if third_party::has_blocking_methods(&q) {
            return Ty::External(format!("{q}()"));
        }
        if q == django::PAGINATOR {
            let object_list = self
                .positional_args(args)
                .first()
                .copied()
                .or_else(|| self.keyword_value(args, "object_list"));
            if let Some(qs @ Ty::QuerySet { .. }) = object_list.map(|a| self.eval_quiet(a)) {
                return Ty::Paginator(Box::new(qs));
            }
        }
        Ty::Unknown
    }

    /// `Serializer(qs, many=True)`: its `.data` will evaluate `qs`.
    pub(super) fn serializer_over(&mut self, class: crate::index::ClassRef, args: Option<Node<'a>>) -> Ty {
        let many = self.keyword_value(args, "many").is_some_and(|v| v.kind() == "true");
        let instance = self
            .positional_args(args)
            .first()
            .copied()
            .or_else(|| self.keyword_value(args, "instance"));
        match instance.map(|i| self.eval_quiet(i)) {
            Some(qs @ Ty::QuerySet { .. }) if many => Ty::SerializerOver(Box::new(qs)),
            _ => Ty::Object(class, Vec::new()),
        }
    }

    /// What a known function returns.
    pub(super) fn api_return(&mut self, returns: Returns, args: Option<Node<'a>>) -> Ty {
        match returns {
            Returns::Unknown => Ty::Unknown,
            Returns::AuthUser => self
                .index
                .auth_user()
                .map(|m| Ty::Instance {
                    model: m,
                    loaded: Loaded::unknown(),
                })
                .unwrap_or(Ty::Unknown),
            // `get_object_or_404(Model | manager | queryset, ...)`.
            Returns::InstanceOfFirstArgument => {
                let Some(first) = self.positional_args(args).first().copied() else {
                    return Ty::Unknown;
                };
                match self.eval_quiet(first) {
                    Ty::ModelClass(m) | Ty::Manager { model: m, .. } => Ty::Instance {
                        model: m,
                        loaded: Loaded::fresh(),
                    },
                    ty => row_of(&ty).unwrap_or(Ty::Unknown),
                }
            }
        }
    }

    /// `list(qs)`, `len(qs)`, `zip(a, qs)`: a builtin (not shadowed) that consumes its arguments.
    pub(super) fn call_builtin(&mut self, call: Node<'a>, name: &str, args: Option<Node<'a>>) -> Ty {
        if third_party::uses_value(name) && self.index.resolve_name(self.file, name, self.scope) == Symbol::Unknown {
            for arg in self.positional_args(args) {
                let ty = self.eval_quiet(arg);
                self.use_value(call, arg, &ty);
            }
        }
        let Some(consumer) = django::builtin_consumer(name) else {
            return Ty::Unknown;
        };
        if self.index.resolve_name(self.file, name, self.scope) != Symbol::Unknown {
            return Ty::Unknown;
        }
        let positional = self.positional_args(args).len();
        self.consume(call, consumer, Evaluation::Consumer { consumer, positional }, args)
    }

    /// A consumer called with `args`: the first argument it evaluates is
    /// reported as evaluated at `call`. What it returns: a list of instances
    /// for `list(qs)`, a lazy iterator for a consumer that iterates later
    /// (`itertools.chain(qs)`) or over an iterator that has not run yet
    /// (`map(f, qs.iterator())`), otherwise unknown.
    pub(super) fn consume(
        &mut self,
        call: Node<'a>,
        consumer: &'static Consumer,
        how: Evaluation<'a>,
        args: Option<Node<'a>>,
    ) -> Ty {
        let positional = self.positional_args(args);
        let consumed: &[Node<'a>] = match consumer.args {
            ConsumedArgs::First => positional.get(..1),
            ConsumedArgs::Second => positional.get(1..2),
            ConsumedArgs::AfterFirst => positional.get(1..),
            ConsumedArgs::All => Some(&positional[..]),
        }
        .unwrap_or(&[]);
        let mut lazy = None;
        for &arg in consumed {
            let ty = self.eval_quiet(arg);
            let evaluates = match (&ty, consumer.consumes) {
                (Ty::QuerySet { .. }, Consumes::Defers) => {
                    lazy.get_or_insert_with(|| Ty::LazyIter(Box::new(ty.clone())));
                    false
                }
                (Ty::QuerySet { .. }, _) => true,
                // A page has `__len__` (and so a truth value) but its `repr` runs no query.
                (Ty::Page(_), Consumes::Protocol) => matches!(consumer.name, "len" | "bool"),
                (Ty::Page(_), Consumes::Defers) => {
                    lazy.get_or_insert_with(|| Ty::LazyIter(Box::new(ty.clone())));
                    false
                }
                (Ty::Page(_), _) => true,
                (Ty::SyncIterator(_) | Ty::LazyIter(_), Consumes::Exhausts) => true,
                (Ty::SyncIterator(_) | Ty::LazyIter(_), Consumes::IteratesAtOnce | Consumes::Defers) => {
                    lazy.get_or_insert_with(|| ty.clone());
                    false
                }
                _ => false,
            };
            if evaluates {
                self.evaluates(call, arg, ty.clone(), how);
                return match row_of(&ty) {
                    Some(row) if consumer.name == "list" => Ty::List(Box::new(row)),
                    _ => Ty::Unknown,
                };
            }
        }
        lazy.unwrap_or(Ty::Unknown)
    }

    /// `sync_to_async(list)` and friends: the wrapped callable is an evaluating builtin.
    pub(super) fn is_builtin_wrapped(&self, func: Node<'a>) -> bool {
        func.kind() == "call"
            && field(func, "arguments")
                .and_then(|a| a.named_child(0))
                .is_some_and(|a| {
                    a.kind() == "identifier"
                        && django::fills_result_cache(self.text(a))
                        && self.index.resolve_name(self.file, self.text(a), self.scope) == Symbol::Unknown
                })
    }
}
