//! The analysis core's entry point: (workspace index, file) → findings.
//! `check` and `server` both call [`check_file`]; neither holds rule logic.
//!
//! A file is analysed in three passes over its tree:
//! 1. module-level statements (`Exec::Deferred`): bindings only;
//! 2. every function body that runs on the event loop — each `async def`
//!    (`Exec::Async`), each sync event handler of a Reflex state
//!    (`Exec::SyncHandler`), each sync frontend computed var
//!    (`Exec::SyncComputedVar`) and each sync lifespan task
//!    (`Exec::SyncLifespanTask`), each sync GraphQL resolver that an async
//!    execution calls on the loop (`Exec::SyncResolver`, `frameworks`),
//!    each sync `__call__` of a middleware that marks itself a coroutine
//!    function (`Exec::SyncAwaitedMiddleware`) —
//!    with the `Walker`, which calls the rule checks;
//! 3. class- and module-level rules (state annotations, start-up imports,
//!    ModelState options) that need no flow analysis.

pub mod dispatch;
pub mod effects;
pub mod frameworks;
pub mod noqa;
pub mod runners;
pub mod summary_cache;
pub mod types;
pub mod walker;

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use tree_sitter::Node;

use crate::diagnostic::Finding;
use crate::index::{ClassKind, ClassRef, FileId, FuncRef, WorkspaceIndex};
use crate::rules::{self, Rule, RuleSet};
use crate::syntax::{self, field, named_children};
use summary_cache::{AttrsKey, Summary, SummaryCache, SummaryKey};
use types::{Callable, Loaded, Ty};
use walker::{Shared, Walker};

/// Where the code being walked runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exec {
    /// An `async def` body: blocking ORM use is reported under its own rule.
    Async,
    /// A sync Reflex event handler: runs on the loop thread, reported as RDJ108.
    SyncHandler,
    /// A sync frontend computed var (`@rx.var`) of a Reflex state: Reflex
    /// computes it on the loop thread while it builds the state delta after
    /// an event (and at hydration), reported as RDJ108.
    SyncComputedVar,
    /// A sync function registered with `app.register_lifespan_task`: Reflex
    /// calls it on the loop thread while the app starts, reported as RDJ108.
    SyncLifespanTask,
    /// A sync GraphQL resolver (Strawberry, Ariadne) of a workspace that
    /// executes its schema asynchronously: graphql-core calls it on the loop
    /// thread (`frameworks`), reported as RDJ108.
    SyncResolver,
    /// The sync `__call__` of a middleware whose `__init__` marks the
    /// instance a coroutine function (`markcoroutinefunction(self)`, Django's
    /// pattern for async-capable middleware): Django's async handler awaits
    /// `middleware(request)`, so the body runs on the loop thread before
    /// handing back the awaitable, reported as RDJ108.
    SyncAwaitedMiddleware,
    /// A sync helper being summarized for RDJ107: remember the first blocking use.
    Summary,
    /// Code that does not run on the loop (module level, thread-wrapped): nothing reported.
    Deferred,
}

impl Exec {
    /// Code that runs on the event loop's thread (an `async def` body or a
    /// sync body the framework calls there): where findings are reported.
    pub fn runs_on_loop(self) -> bool {
        matches!(
            self,
            Exec::Async
                | Exec::SyncHandler
                | Exec::SyncComputedVar
                | Exec::SyncLifespanTask
                | Exec::SyncResolver
                | Exec::SyncAwaitedMiddleware
        )
    }
}

/// What the caller decided for this file (from configuration).
#[derive(Debug, Clone)]
pub struct AnalysisOptions {
    pub rules: RuleSet,
    /// How many sync helper calls RDJ107 follows (config `follow-calls-depth`).
    pub follow_calls_depth: u32,
    /// The Django version fixes may use APIs of (`--django-version`; default 5.2).
    pub django_version: (u32, u32),
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions {
            rules: RuleSet::all(),
            follow_calls_depth: 3,
            django_version: (5, 2),
        }
    }
}

/// Can [`check_file`] report anything on this file, whatever the options?
/// Only code on the event loop, Reflex states and start-up modules are ever
/// reported, so callers may skip (and not even configure) other files; they
/// are not parsed unless resolution needs them. A module of plain functions
/// counts when another file registers one of them as a lifespan task.
pub fn can_have_findings(index: &WorkspaceIndex, file: FileId) -> bool {
    let entry = index.file(file);
    entry.decode_error.is_some()
        || crate::index::may_have_findings(entry.text.as_bytes())
        || index.defines_lifespan_task(file)
        || frameworks::may_define_resolvers(index, file)
        // A middleware awaited by Django's async handler need not say `async def`.
        || memchr::memmem::find(entry.text.as_bytes(), b"markcoroutinefunction").is_some()
}

/// All findings for one file, sorted by position, with `# noqa` applied.
/// Severity is each rule's default; configuration may override it after.
pub fn check_file(index: &WorkspaceIndex, file: FileId, options: &AnalysisOptions) -> Vec<Finding> {
    check_file_within(index, file, options, walker::ANALYSIS_BUDGET)
}

fn check_file_within(
    index: &WorkspaceIndex,
    file: FileId,
    options: &AnalysisOptions,
    budget: std::time::Duration,
) -> Vec<Finding> {
    let entry = index.file(file);
    if let Some(err) = &entry.decode_error {
        if options.rules.contains(Rule::RDJ000) {
            return vec![Finding::new(Rule::RDJ000, format!("cannot read source: {err}"), 0..0)];
        }
        return Vec::new();
    }
    if !can_have_findings(index, file) {
        return Vec::new();
    }
    let Some(tree) = entry.tree() else {
        return match entry.unparsable() {
            Some(why) if options.rules.contains(Rule::RDJ000) => {
                vec![Finding::new(Rule::RDJ000, format!("cannot parse source: {why}"), 0..0)]
            }
            _ => Vec::new(),
        };
    };
    let src: &str = &entry.text;
    let root = tree.root_node();
    let budget = std::sync::Arc::new(walker::Budget::new(budget));
    let shared = Shared {
        budget: budget.clone(),
        ..Shared::default()
    };

    let module_env = module_env_of(index, &shared, options.rules, file);
    let roots = collect_roots(index, file, src, root);
    // The roots of one top-level definition (a class's handlers, a function
    // and the functions inside it) are walked together, sharing what they
    // learn about helpers; different definitions are independent, so a large
    // module's are walked in parallel with the same results as in sequence.
    let groups: Vec<&[Root<'_>]> = roots.chunk_by(|a, b| a.3 == b.3).collect();
    let walk_group = |group: &[Root<'_>]| -> Vec<Finding> {
        let shared = Shared {
            budget: budget.clone(),
            ..Shared::default()
        };
        let mut findings = Vec::new();
        for &(def, exec, class, _) in group {
            let mut w = new_walker(index, file, src, root, exec, options, &shared, &module_env, def, class);
            if exec == Exec::Async {
                rules::rdj201_sync_atomic_in_async::check_decorators(&mut w, def);
            }
            if let Some(body) = field(def, "body") {
                w.walk_block(body);
            }
            if exec == Exec::Async {
                runners::report_runs(&mut w, def);
            }
            findings.append(&mut w.findings);
        }
        findings
    };
    let mut findings: Vec<Finding> = if roots.len() >= PARALLEL_ROOTS {
        use rayon::prelude::*;
        groups.par_iter().flat_map_iter(|g| walk_group(g)).collect()
    } else {
        groups.iter().flat_map(|g| walk_group(g)).collect()
    };
    rules::rdj301_model_in_state_annotation::check(index, file, root, options.rules, &mut findings);
    rules::rdj401_models_imported_before_setup::check(index, file, options.rules, &mut findings);
    rules::rdj601_unknown_model_field::check(index, file, options.rules, &mut findings);
    rules::rdj602_invalid_select_related::check(index, file, options.rules, &mut findings);
    rules::rdj603_invalid_prefetch::check(index, file, options.rules, &mut findings);
    rules::rdj604_related_field_without_join::check(index, file, options.rules, &mut findings);
    if budget.ran_out() && options.rules.contains(Rule::RDJ000) {
        let seconds = walker::ANALYSIS_BUDGET.as_secs();
        let message = format!("analysis took longer than {seconds} s: the rest of the file is unchecked");
        findings.push(Finding::new(Rule::RDJ000, message, 0..0));
    }

    findings.sort_by_key(|f| (f.range.start, f.rule));
    findings.dedup_by(|a, b| a.rule == b.rule && a.range == b.range);
    noqa::filter(src, entry.lines(), findings)
}

#[allow(clippy::too_many_arguments)]
fn new_walker<'a>(
    index: &'a WorkspaceIndex,
    file: FileId,
    src: &'a str,
    root: Node<'a>,
    exec: Exec,
    options: &AnalysisOptions,
    shared: &'a Shared,
    module_env: &'a FxHashMap<String, Ty>,
    def: Node<'a>,
    class: Option<ClassRef>,
) -> Walker<'a> {
    let mut w = Walker {
        django_version: options.django_version,
        function_name: function_name(src, def, class.map(|c| index.class(c).name.as_str())),
        computed_var: class.is_some_and(|c| matches!(index.class_kind(c), ClassKind::State { .. }))
            && is_frontend_computed_var(src, def),
        ..Walker::new(
            index,
            file,
            src,
            root,
            shared,
            module_env,
            options.rules,
            exec,
            options.follow_calls_depth,
            Some(def.start_byte()),
            class,
        )
    };
    bind_parameters(&mut w, def);
    w
}

fn function_name(src: &str, def: Node<'_>, class: Option<&str>) -> String {
    let name = field(def, "name").map(|n| syntax::text(n, src)).unwrap_or("<lambda>");
    match class {
        Some(c) => format!("{c}.{name}"),
        None => name.to_owned(),
    }
}

/// Module-level bindings (`qs = Product.objects.all()` at the top of a file).
fn module_bindings(
    index: &WorkspaceIndex,
    file: FileId,
    src: &str,
    root: Node<'_>,
    rules: RuleSet,
    shared: &Shared,
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

/// A function analysed on its own: its node, how it runs, its class, and
/// the start of the module-level statement it is in.
type Root<'a> = (Node<'a>, Exec, Option<ClassRef>, usize);

/// From this many roots on, a file's definitions are walked in parallel.
const PARALLEL_ROOTS: usize = 16;

/// Every function body that runs on the event loop: async defs anywhere,
/// and sync event handlers of Reflex states, in source order. A loop over
/// an explicit stack: definitions may nest as deeply as a file indents.
fn collect_roots<'a>(index: &WorkspaceIndex, file: FileId, src: &str, module: Node<'a>) -> Vec<Root<'a>> {
    let mut out = Vec::new();
    // (statement, its class, its module-level statement, directly in the module)
    let mut stack: Vec<(Node<'a>, Option<ClassRef>, usize, bool)> = named_children(module)
        .into_iter()
        .rev()
        .map(|c| (c, None, c.start_byte(), true))
        .collect();
    let push_children = |stack: &mut Vec<_>, node: Node<'a>, class: Option<ClassRef>, top: usize| {
        stack.extend(named_children(node).into_iter().rev().map(|c| (c, class, top, false)));
    };
    while let Some((child, class, top, at_module)) = stack.pop() {
        let def = syntax::definition_of(child);
        match def.kind() {
            "function_definition" => {
                if syntax::is_async(def) {
                    if !class.is_some_and(|c| is_dead_acall(index, src, def, c)) {
                        out.push((def, Exec::Async, class, top));
                    }
                } else if class.is_none() && is_lifespan_task(index, file, src, def) {
                    out.push((def, Exec::SyncLifespanTask, class, top));
                } else if class.is_some_and(|c| matches!(index.class_kind(c), ClassKind::State { .. })) {
                    if is_event_handler(src, def) {
                        out.push((def, Exec::SyncHandler, class, top));
                    } else if is_frontend_computed_var(src, def) {
                        out.push((def, Exec::SyncComputedVar, class, top));
                    }
                } else if frameworks::is_sync_resolver(index, file, src, def) {
                    out.push((def, Exec::SyncResolver, class, top));
                } else if class.is_some_and(|c| is_awaited_sync_call(index, src, def, c)) {
                    out.push((def, Exec::SyncAwaitedMiddleware, class, top));
                }
                if let Some(body) = field(def, "body") {
                    push_children(&mut stack, body, None, top);
                }
            }
            "class_definition" => {
                // Only module-level classes are in the index.
                let cref = if at_module {
                    index.class_at(file, def.start_byte())
                } else {
                    None
                };
                if let Some(body) = field(def, "body") {
                    push_children(&mut stack, body, cref, top);
                }
            }
            // Definitions sit in statement blocks, never in expressions (most
            // of a tree); `ERROR` nodes may hold them in broken code.
            kind if syntax::holds_statements(kind) || kind == "ERROR" => push_children(&mut stack, child, class, top),
            _ => {}
        }
    }
    out
}

/// A public method of a state that Reflex may call as an event handler
/// (not a computed var, property, static/class method or backend `_method`).
fn is_event_handler(src: &str, def: Node<'_>) -> bool {
    let name = field(def, "name").map(|n| syntax::text(n, src)).unwrap_or("");
    if name.starts_with('_') {
        return false;
    }
    !syntax::decorators(def).iter().any(|d| {
        matches!(
            decorator_name(src, *d).0,
            "var"
                | "computed_var"
                | "cached_var"
                | "property"
                | "cached_property"
                | "staticmethod"
                | "classmethod"
                | "abstractmethod"
                | "setter"
        )
    })
}

/// The name a decorator calls (`rx.var(cache=False)` → `var`) and its
/// arguments, if it is a call.
fn decorator_name<'a>(src: &'a str, decorator: Node<'a>) -> (&'a str, Option<Node<'a>>) {
    let (callee, args) = if decorator.kind() == "call" {
        (
            field(decorator, "function").unwrap_or(decorator),
            field(decorator, "arguments"),
        )
    } else {
        (decorator, None)
    };
    let n = syntax::text(callee, src);
    (n.rsplit('.').next().unwrap_or(n), args)
}

/// A method decorated `@rx.var` (or `computed_var` / `cached_var`, with any
/// options but `backend=True`): Reflex computes it for the frontend in
/// `BaseState.get_delta` (reflex/istate/delta.py `build_delta`), on the
/// loop thread, after every event that dirties it and at hydration. A
/// backend var is never computed there; whoever reads it is the context.
fn is_frontend_computed_var(src: &str, def: Node<'_>) -> bool {
    syntax::decorators(def).iter().any(|d| {
        let (name, args) = decorator_name(src, *d);
        matches!(name, "var" | "computed_var" | "cached_var")
            && !args.is_some_and(|args| {
                named_children(args).into_iter().any(|a| {
                    a.kind() == "keyword_argument"
                        && field(a, "name").is_some_and(|n| syntax::text(n, src) == "backend")
                        && field(a, "value").is_some_and(|v| syntax::text(v, src) != "False")
                })
            })
    })
}

/// A function Reflex runs as a lifespan task
/// (`reflex/app_mixins/lifespan.py::LifespanMixin._run_lifespan_tasks` calls
/// it in the loop thread): decorated `@app.register_lifespan_task`, or
/// passed to `app.register_lifespan_task(f)` somewhere in the workspace.
fn is_lifespan_task(index: &WorkspaceIndex, file: FileId, src: &str, def: Node<'_>) -> bool {
    syntax::decorators(def)
        .iter()
        .any(|d| d.kind() == "attribute" && decorator_name(src, *d).0 == "register_lifespan_task")
        || index.is_lifespan_task(file, def.start_byte())
}

fn bind_parameters<'a>(w: &mut Walker<'a>, def: Node<'a>) {
    let Some(params) = field(def, "parameters") else { return };
    let is_method = w.class.is_some()
        && def
            .parent()
            .and_then(|b| b.parent())
            .is_some_and(|c| c.kind() == "class_definition" || c.kind() == "decorated_definition");
    for (i, p) in named_children(params).into_iter().enumerate() {
        let (name, ann) = match p.kind() {
            "identifier" => (Some(p), None),
            "typed_parameter" => (p.named_child(0).filter(|n| n.kind() == "identifier"), field(p, "type")),
            "default_parameter" => (field(p, "name"), None),
            "typed_default_parameter" => (field(p, "name"), field(p, "type")),
            _ => (None, None),
        };
        let Some(name) = name else { continue };
        let name_text = syntax::text(name, w.src).to_owned();
        let ty = if i == 0 && is_method && name_text == "self" {
            match w.class.map(|c| w.index.class_kind(c)) {
                Some(ClassKind::State { .. }) => Ty::StateSelf(w.class.unwrap()),
                Some(ClassKind::Model(m)) => Ty::Instance {
                    model: m,
                    loaded: Loaded::unknown(),
                },
                Some(ClassKind::Other) => Ty::Object(w.class.unwrap(), Vec::new()),
                // A custom manager's or QuerySet's method: `self` is one, of
                // whichever model uses the class.
                Some(ClassKind::Manager) => Ty::Manager {
                    model: w.index.any_model,
                    related: false,
                    back: None,
                },
                Some(ClassKind::QuerySet) => Ty::QuerySet {
                    model: w.index.any_model,
                    values: false,
                    loaded: Loaded::unknown(),
                },
                _ => Ty::Unknown,
            }
        } else if let Some(ann) = ann {
            // No caller seen yet: what the caller loaded is unknown (a call
            // site's argument replaces it, see `apply_arguments`).
            unseen(annotation_ty(w, ann))
        } else if name_text == "request"
            && matches!(w.exec, Exec::Async | Exec::SyncAwaitedMiddleware)
            && (!is_method || w.class.is_some_and(|c| is_django_middleware(w.index, c)))
            && imports_django(w.index, w.file)
        {
            Ty::Request
        } else {
            Ty::Unknown
        };
        // The request Django's handler passes to a view went through the
        // project's `MIDDLEWARE`: if one of its middlewares puts a value of
        // its own in `request.user`, that value is not Django's lazy user.
        // A middleware's own request has been through only the middlewares
        // before it, in an order not read here: it stays Django's lazy user.
        let in_middleware = is_method && w.class.is_some_and(|c| is_django_middleware(w.index, c));
        if ty == Ty::Request && w.exec == Exec::Async && !in_middleware && user_replaced_by_middleware(w) {
            w.user_assigned = true;
        }
        w.env.insert(name_text, ty);
    }
}

/// An `async def __acall__` that nothing runs: Django's handler calls a
/// middleware instance (`__call__`); only `MiddlewareMixin.__call__` hands
/// the request on to `__acall__`. A class without that base whose own
/// `__call__` never names `__acall__` keeps it as dead code
/// (django CMS's `ApphookReloadMiddleware`).
fn is_dead_acall(index: &WorkspaceIndex, src: &str, def: Node<'_>, class: ClassRef) -> bool {
    let named_acall = field(def, "name").is_some_and(|n| syntax::text(n, src) == "__acall__");
    if !named_acall || index.has_external_base(class, crate::knowledge::django::is_middleware_base) {
        return false;
    }
    let Some(call) = index.find_method(class, "__call__") else {
        return false;
    };
    let range = index.function_range(call);
    !index
        .file(call.file)
        .text
        .get(range)
        .is_some_and(|t| t.contains("__acall__"))
}

/// The sync `def __call__` of a middleware that Django's async handler
/// awaits (django/core/handlers/base.py `load_middleware`: an
/// `async_capable` middleware gets an async `get_response`, and
/// `convert_exception_to_response` awaits an instance that
/// `iscoroutinefunction` says is one): its class says `async_capable = True`
/// and its `__init__` calls `markcoroutinefunction(self)`. A `__call__` that
/// itself asks which mode it runs in (`iscoroutinefunction(self)`, a hand-off
/// to `__acall__`) is left alone: its sync branch is not known to run.
fn is_awaited_sync_call(index: &WorkspaceIndex, src: &str, def: Node<'_>, class: ClassRef) -> bool {
    let named_call = field(def, "name").is_some_and(|n| syntax::text(n, src) == "__call__");
    let body = syntax::text(def, src);
    named_call
        && !body.contains("iscoroutinefunction")
        && !body.contains("__acall__")
        && is_django_middleware(index, class)
        && declares_async_capable(index, class)
        && index
            .find_method(class, "__init__")
            .is_some_and(|init| marks_self_coroutine_function(index, init))
}

/// `async_capable = True` in the class or a workspace base (Django's
/// default is `False`: the middleware then gets a sync `get_response`).
fn declares_async_capable(index: &WorkspaceIndex, class: ClassRef) -> bool {
    let mut stack = vec![class];
    let mut seen = FxHashSet::default();
    while let Some(c) = stack.pop() {
        if !seen.insert(c) || seen.len() > 64 {
            continue;
        }
        if let Some(attr) = index.class(c).attr("async_capable") {
            return matches!(attr.value, crate::index::summary::Value::Bool(true));
        }
        for base in &index.class(c).bases {
            if let crate::index::Symbol::Class(b) = index.resolve_dotted(c.file, base, None) {
                stack.push(b);
            }
        }
    }
    false
}

/// Whether the method calls `markcoroutinefunction(<its first parameter>)`.
fn marks_self_coroutine_function(index: &WorkspaceIndex, init: FuncRef) -> bool {
    let entry = index.file(init.file);
    let range = index.function_range(init);
    if !entry
        .text
        .get(range.clone())
        .is_some_and(|t| t.contains("markcoroutinefunction"))
    {
        return false;
    }
    let Some(this) = index.function(init).params.first().map(|p| p.name.clone()) else {
        return false;
    };
    let Some(tree) = entry.tree() else { return false };
    let src: &str = &entry.text;
    let Some(def) = tree.root_node().descendant_for_byte_range(range.start, range.end) else {
        return false;
    };
    // An explicit stack: a body nests as deeply as a file indents.
    let mut stack = vec![def];
    while let Some(node) = stack.pop() {
        if node.kind() == "call" {
            let callee = field(node, "function").and_then(|f| syntax::dotted(f, src));
            let first_arg = field(node, "arguments")
                .and_then(|a| a.named_child(0))
                .map(|a| syntax::text(a, src));
            if first_arg == Some(this.as_str())
                && callee.is_some_and(|c| {
                    matches!(index.resolve_dotted(init.file, &c, Some(range.start)),
                        crate::index::Symbol::External(q) if crate::knowledge::django::marks_coroutine_function(&q))
                })
            {
                return true;
            }
        }
        stack.extend(named_children(node));
    }
    false
}

/// A Django middleware class: built with `get_response` (the middleware
/// protocol Django's handler follows) or a subclass of `MiddlewareMixin`.
/// Django hands its methods (`__call__`, `__acall__`, `process_request`, …)
/// the `HttpRequest`.
fn is_django_middleware(index: &WorkspaceIndex, class: ClassRef) -> bool {
    let takes_get_response = index
        .find_method(class, "__init__")
        .is_some_and(|init| index.function(init).params.iter().any(|p| p.name == "get_response"));
    takes_get_response || index.has_external_base(class, crate::knowledge::django::is_middleware_base)
}

/// An annotation's model data: what was loaded is not seen here.
fn unseen(ty: Ty) -> Ty {
    match ty {
        Ty::Instance { model, .. } => Ty::Instance {
            model,
            loaded: Loaded::unseen(),
        },
        Ty::QuerySet { model, values, .. } => Ty::QuerySet {
            model,
            values,
            loaded: Loaded::unseen(),
        },
        ty => ty,
    }
}

/// Whether a middleware listed in a `MIDDLEWARE` setting of the checked
/// file's project is a workspace class (or factory function) that assigns
/// `request.user` a value that is not a lazy object (Weblate's
/// `AuthenticationMiddleware`: `request.user = user = get_user(request)`).
/// Django's own `AuthenticationMiddleware` sets a `SimpleLazyObject`, which
/// queries on first use; another middleware's value may be loaded already
/// (precision first: then `request.user` is not reported). A project is the
/// folder above the settings' package, as for django-constance's setting.
fn user_replaced_by_middleware(w: &Walker<'_>) -> bool {
    *w.shared.user_replaced_by_middleware.get_or_init(|| {
        let found = w
            .index
            .user_replacing_middlewares
            .get_or_init(|| find_user_replacing_middlewares(w.index));
        let checked = &w.index.file(w.file).path;
        let in_project = |file: FileId| {
            let path = &w.index.file(file).path;
            let project = path.parent().and_then(|package| package.parent());
            project.is_none_or(|p| checked.starts_with(p))
        };
        found
            .iter()
            .any(|(settings, middleware)| in_project(*settings) && in_project(*middleware))
    })
}

/// Every (settings file, middleware file) pair of the workspace where the
/// settings file names, quoted, a middleware of the other file that
/// replaces `request.user` (see [`user_replaced_by_middleware`]). Computed
/// once per index: the per-file question then only compares paths.
pub(crate) fn find_user_replacing_middlewares(index: &WorkspaceIndex) -> Vec<(FileId, FileId)> {
    let settings: Vec<FileId> = (0..index.files.len())
        .filter(|&id| {
            let e = index.file(id);
            !e.in_migrations && memchr::memmem::find(e.text.as_bytes(), b"MIDDLEWARE").is_some()
        })
        .collect();
    if settings.is_empty() {
        return Vec::new();
    }
    let mut pairs = Vec::new();
    for id in 0..index.files.len() {
        let entry = index.file(id);
        let module = entry.modules.first().map(String::as_str).unwrap_or_default();
        // Only a module a settings file names, that assigns `request.user`,
        // is parsed.
        let named = format!("{module}.");
        if !assigns_request_user(&entry.text) {
            continue;
        }
        let naming: Vec<FileId> = settings
            .iter()
            .copied()
            .filter(|&s| memchr::memmem::find(index.file(s).text.as_bytes(), named.as_bytes()).is_some())
            .collect();
        if naming.is_empty() {
            continue;
        }
        let Some(tree) = entry.tree() else { continue };
        for name in middlewares_replacing_user(tree.root_node(), &entry.text) {
            let dotted = format!("{module}.{name}");
            let quoted = [format!("\"{dotted}\""), format!("'{dotted}'")];
            for &s in &naming {
                let text = index.file(s).text.as_bytes();
                if quoted
                    .iter()
                    .any(|q| memchr::memmem::find(text, q.as_bytes()).is_some())
                {
                    pairs.push((s, id));
                }
            }
        }
    }
    pairs
}

/// Whether the text has `request.user = …` (not `==`).
fn assigns_request_user(text: &str) -> bool {
    memchr::memmem::find_iter(text.as_bytes(), b"request.user").any(|at| {
        let rest = text[at + "request.user".len()..].trim_start_matches([' ', '\t']);
        rest.starts_with('=') && !rest.starts_with("==")
    })
}

/// The top-level classes and functions of a module whose code assigns
/// `request.user = <value>` with a value that is not a lazy object.
fn middlewares_replacing_user<'s>(module: Node<'_>, src: &'s str) -> Vec<&'s str> {
    let mut names = Vec::new();
    for def in named_children(module) {
        let def = if def.kind() == "decorated_definition" {
            field(def, "definition").unwrap_or(def)
        } else {
            def
        };
        if !matches!(def.kind(), "class_definition" | "function_definition") {
            continue;
        }
        let Some(name) = field(def, "name") else { continue };
        let mut stack = vec![def];
        let mut replaces = false;
        while let Some(node) = stack.pop() {
            if node.kind() == "assignment" {
                let left = field(node, "left").map(|l| syntax::text(l, src));
                let right = field(node, "right").map(|r| syntax::text(r, src)).unwrap_or_default();
                if left == Some("request.user") && !right.contains("LazyObject") {
                    replaces = true;
                    break;
                }
            }
            stack.extend(named_children(node));
        }
        if replaces {
            names.push(syntax::text(name, src));
        }
    }
    names
}

pub(crate) fn imports_django(index: &WorkspaceIndex, file: FileId) -> bool {
    index.file(file).summary().imports.iter().any(|b| match &b.target {
        crate::index::summary::ImportTarget::Module(m) => m.starts_with("django"),
        crate::index::summary::ImportTarget::Member { module, .. } => module.starts_with("django"),
        _ => false,
    })
}

/// The type a parameter annotation promises: a model instance (unknown
/// loading), a QuerySet, or a Django request.
pub fn annotation_ty<'a>(w: &mut Walker<'a>, ann: Node<'a>) -> Ty {
    let node = if ann.kind() == "type" {
        ann.named_child(0).unwrap_or(ann)
    } else {
        ann
    };
    match node.kind() {
        "identifier" | "attribute" => match w.eval_quiet(node) {
            Ty::ModelClass(m) => Ty::Instance {
                model: m,
                loaded: Loaded::unknown(),
            },
            // An instance of a workspace class (or of a subclass: see `dispatch`).
            Ty::Class(c) => Ty::Object(c, Vec::new()),
            Ty::External(q) if q == "django.db.models.QuerySet" || q == "django.db.models.query.QuerySet" => {
                match Some(w.index.any_model) {
                    Some(m) => Ty::QuerySet {
                        model: m,
                        values: false,
                        loaded: Loaded::unknown(),
                    },
                    None => Ty::Unknown,
                }
            }
            Ty::External(q)
                if matches!(
                    q.as_str(),
                    "django.http.HttpRequest"
                        | "django.http.request.HttpRequest"
                        | "django.core.handlers.asgi.ASGIRequest"
                ) =>
            {
                Ty::Request
            }
            // `info: strawberry.Info`: its `context.request` may be Django's
            // request (see `frameworks::strawberry_context_request_is_django`).
            Ty::External(q) if crate::knowledge::third_party::is_strawberry_info(&q) => {
                Ty::External(crate::knowledge::third_party::STRAWBERRY_INFO.into())
            }
            _ => Ty::Unknown,
        },
        "generic_type" | "subscript" => {
            let base = node.named_child(0).map(|b| syntax::text(b, w.src)).unwrap_or("");
            let last = base.rsplit('.').next().unwrap_or(base);
            if last == "QuerySet" || last == "Manager" {
                let arg = named_children(node).into_iter().nth(1).and_then(|t| {
                    let t = if t.kind() == "type_parameter" {
                        t.named_child(0)
                    } else {
                        Some(t)
                    }?;
                    let t = if t.kind() == "type" { t.named_child(0)? } else { t };
                    Some(t)
                });
                if let Some(arg) = arg {
                    if let Ty::ModelClass(m) = w.eval_quiet(arg) {
                        return Ty::QuerySet {
                            model: m,
                            values: false,
                            loaded: Loaded::unknown(),
                        };
                    }
                }
            }
            Ty::Unknown
        }
        _ => Ty::Unknown,
    }
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
                crate::index::summary::Value::Name(n) => index.resolve_dotted(f, n, None),
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
        if let Some(hit) = w.index.summaries.summary(&key) {
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
        w.index.summaries.put_summary(key, result.clone());
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
fn def_node<'t>(root: Node<'t>, range: std::ops::Range<usize>) -> Option<Node<'t>> {
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
        sub.blocking = Some("`@transaction.atomic`".to_owned());
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
    shared: &Shared,
    rules: RuleSet,
    file: FileId,
) -> Arc<FxHashMap<String, Ty>> {
    if let Some(hit) = index.summaries.module_env(file) {
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
        index.summaries.put_module_env(file, env.clone());
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
    if let Some(hit) = w.index.summaries.attrs(&key) {
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
        w.index.summaries.put_attrs(key, ty.clone());
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
    let crate::index::summary::Value::Call { range, .. } = &summary.attr(attr)?.value else {
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

/// The analysis on hostile shapes of code, on a 2 MiB stack (a rayon
/// worker's default, and the server's threads'): depth must cost heap or be
/// cut off, never overflow the stack.
#[cfg(test)]
mod depth_tests {
    use super::*;
    use crate::index::FileEntry;

    const MODELS: &str =
        "from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField(max_length=10)\n";
    const DEEP: usize = 100_000;

    /// Checks `shop/state.py` (with `shop/models.py`) on a 2 MiB stack.
    fn check_on_small_stack(state: &str, extra: &[(&str, &str)]) -> Vec<Finding> {
        let mut entries = vec![
            FileEntry::new("shop/__init__.py".into(), vec!["shop".into()], b""),
            FileEntry::new("shop/models.py".into(), vec!["shop.models".into()], MODELS.as_bytes()),
            FileEntry::new("shop/state.py".into(), vec!["shop.state".into()], state.as_bytes()),
        ];
        for (name, text) in extra {
            entries.push(FileEntry::new(
                format!("shop/{name}.py").into(),
                vec![format!("shop.{name}")],
                text.as_bytes(),
            ));
        }
        let index = WorkspaceIndex::new(entries);
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn_scoped(scope, || check_file(&index, 2, &AnalysisOptions::default()))
                .expect("a thread")
                .join()
                .expect("no panic")
        })
    }

    fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.rule.code()).collect()
    }

    const HEAD: &str = "import reflex as rx\nfrom asgiref.sync import sync_to_async\nfrom shop.models import Product\n";

    /// Deep expressions of every kind, in a function and at module level:
    /// nothing in them is reported, and the rest of the file still is.
    #[test]
    fn deep_expressions_are_unknown_and_the_rest_is_checked() {
        let n = DEEP;
        let kinds: Vec<(&str, String)> = vec![
            ("parentheses", format!("{}1{}", "(".repeat(n), ")".repeat(n))),
            ("attributes", format!("a{}", ".b".repeat(n))),
            ("additions", format!("1{}", " + 1".repeat(n))),
            ("calls", format!("{}{}", "f(".repeat(n), ")".repeat(n))),
            ("keyword calls", format!("{}1{}", "f(x=".repeat(n), ")".repeat(n))),
            ("subscripts", format!("a{}", "[0]".repeat(n))),
            ("awaits", format!("{}a", "await ".repeat(n))),
            ("conditionals", format!("{}c", "a if b else ".repeat(n))),
            ("QuerySet chains", format!("Product.objects{}", ".filter()".repeat(n))),
            (
                "thread wrappers",
                format!("{}f{}", "sync_to_async(".repeat(n), ")".repeat(n)),
            ),
            ("lists", format!("{}{}", "[".repeat(n), "]".repeat(n))),
            ("dicts", format!("{}1{}", "{1: ".repeat(n), "}".repeat(n))),
            ("nots", format!("{}a", "not ".repeat(n))),
            ("ands", format!("a{}", " and a".repeat(n))),
            ("negations", format!("{}a", "-".repeat(n))),
            ("lambdas", format!("{}1", "lambda: ".repeat(n))),
            (
                "comprehensions",
                format!("{}x for x in y{}", "[".repeat(n), "]".repeat(n)),
            ),
            ("walruses", format!("{}1{}", "(y := ".repeat(n), ")".repeat(n))),
            ("string concatenations", "\"a\" ".repeat(n)),
        ];
        for (kind, expr) in kinds {
            let state =
                format!("{HEAD}x = {expr}\n\nasync def g():\n    y = {expr}\n    return Product.objects.get()\n");
            let findings = check_on_small_stack(&state, &[]);
            assert_eq!(codes(&findings), ["RDJ101"], "{kind}");
            assert_eq!(&state[findings[0].range.clone()], "Product.objects.get()", "{kind}");
        }
    }

    #[test]
    fn deep_statements_and_targets() {
        let n = DEEP;
        let cases = [
            ("chained assignment", format!("    {}1\n", "a = ".repeat(n))),
            (
                "nested target",
                format!("    {}a{} = 1\n", "(".repeat(n), ")".repeat(n)),
            ),
            (
                "nested tuple target",
                format!("    {}a{} = 1\n", "(".repeat(n), ",)".repeat(n)),
            ),
            (
                "tuples of themselves",
                format!("    x = Product.objects.get()\n{}", "    x = (x,)\n".repeat(n / 10)),
            ),
            (
                "wrappers of themselves",
                format!(
                    "    x = Product.objects.get\n{}",
                    "    x = sync_to_async(x)\n".repeat(n / 10)
                ),
            ),
            (
                "joins in a row",
                format!(
                    "    x = Product.objects.first()\n{}",
                    "    if c:\n        x = f\n".repeat(n / 20)
                ),
            ),
        ];
        for (kind, body) in cases {
            let state = format!("{HEAD}async def g():\n{body}    return Product.objects.get()\n");
            let findings = check_on_small_stack(&state, &[]);
            assert_eq!(codes(&findings).last(), Some(&"RDJ101"), "{kind}");
        }
    }

    /// Helpers returning each other's results: each return type nests one
    /// level deeper; the walk follows them on its own (bounded) depth.
    #[test]
    fn long_helper_chains() {
        let n = 20_000;
        let mut state = HEAD.to_owned();
        for i in 0..n {
            state.push_str(&format!("def h{i}():\n    return (h{}(),)\n", i + 1));
        }
        state.push_str(&format!("def h{n}():\n    return Product.objects.get()\n"));
        state.push_str("async def g():\n    x = h0()\n    return Product.objects.get()\n");
        assert_eq!(codes(&check_on_small_stack(&state, &[])).last(), Some(&"RDJ101"));
    }

    #[test]
    fn self_referencing_names_are_unknown() {
        let cases = [
            "Product = Product\n",
            "total = total\nlines = lines\n",
            "a = b\nb = a\n",
            "a = b\nb = c\nc = a\n",
        ];
        for aliases in cases {
            let state = format!(
                "{HEAD}{aliases}\nasync def g():\n    x = total\n    y = a\n    return Product.objects.get()\n"
            );
            let findings = check_on_small_stack(&state, &[]);
            let expected: &[&str] = if aliases.starts_with("Product") {
                &[]
            } else {
                &["RDJ101"]
            };
            assert_eq!(codes(&findings), expected, "{aliases}");
        }
        // A chain of 20,000 aliases that comes back to its start.
        let mut chain = String::new();
        for i in 0..20_000 {
            chain.push_str(&format!("a{i} = a{}\n", i + 1));
        }
        chain.push_str("a20000 = a0\n");
        let state =
            format!("{HEAD}{chain}async def g():\n    x = a0.objects.get()\n    return Product.objects.get()\n");
        assert_eq!(codes(&check_on_small_stack(&state, &[])), ["RDJ101"]);
    }

    /// Values that flow through functions into themselves: recursion with
    /// growing argument types, classes whose attributes hold themselves,
    /// properties and lambdas that read themselves, long constructor chains.
    #[test]
    fn values_flowing_into_themselves_end_as_unknown() {
        let cases = [
            "def grow(x):\n    return grow((x, x))\n\nasync def g():\n    p = await Product.objects.aget()\n    grow(p)\n",
            "class Node:\n    def __init__(self, parent):\n        self.parent = Node(self)\n        self.me = self.parent.me\n\nasync def g():\n    n = Node(await Product.objects.aget())\n    n.parent.me\n",
            "class Loop:\n    @property\n    def me(self):\n        return self.me\n\n    def __call__(self, x):\n        return self(x)\n\nasync def g():\n    Loop().me\n    Loop()(1)\n",
            "async def g():\n    f = lambda x: f(x)\n    f(await Product.objects.aget())\n",
            "def a(x):\n    return b([x])\n\ndef b(y):\n    return a({1: y})\n\nasync def g():\n    a(await Product.objects.aget())\n",
        ];
        for body in cases {
            let state = format!("{HEAD}{body}\nasync def h():\n    return Product.objects.get()\n");
            let findings = check_on_small_stack(&state, &[]);
            assert_eq!(codes(&findings), ["RDJ101"], "{body}");
        }
        // 2,000 classes, each storing the next one in `__init__`.
        let n = 2_000;
        let mut state = HEAD.to_owned();
        for i in 0..n {
            state.push_str(&format!(
                "class C{i}:\n    def __init__(self, x):\n        self.x = C{}(x)\n",
                i + 1
            ));
        }
        state.push_str(&format!(
            "class C{n}:\n    def __init__(self, x):\n        self.x = x\n"
        ));
        state.push_str(
            "async def g():\n    c = C0(await Product.objects.aget())\n    c.x.x.x\n    return Product.objects.get()\n",
        );
        assert_eq!(codes(&check_on_small_stack(&state, &[])), ["RDJ101"]);
    }

    #[test]
    fn import_cycles_across_modules_are_unknown() {
        let state = format!(
            "{HEAD}from shop.a import y\nfrom shop.c import *\n\nasync def g():\n    y.objects.get()\n    z.objects.get()\n    return Product.objects.get()\n"
        );
        let extra = [
            ("a", "from shop.b import y\n"),
            ("b", "from shop.a import y\n"),
            ("c", "from shop.d import *\nfrom shop.c import *\n"),
            ("d", "from shop.c import *\nfrom shop.d import *\n"),
        ];
        assert_eq!(codes(&check_on_small_stack(&state, &extra)), ["RDJ101"]);
    }

    #[test]
    fn deeply_nested_functions() {
        // As deep as tree-sitter can parse: every level is an `async def`.
        let levels = crate::syntax::MAX_INDENTATION_WIDTHS;
        let mut state = HEAD.to_owned();
        for depth in 0..levels {
            state.push_str(&format!("{}async def f{depth}():\n", " ".repeat(depth)));
        }
        state.push_str(&format!("{}return Product.objects.get()\n", " ".repeat(levels)));
        let started = std::time::Instant::now();
        assert_eq!(codes(&check_on_small_stack(&state, &[])), ["RDJ101"]);
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    #[test]
    fn an_analysis_over_its_budget_stops_and_says_so() {
        let state = format!("{HEAD}async def g():\n    return Product.objects.get()\n");
        let entries = vec![
            FileEntry::new("shop/__init__.py".into(), vec!["shop".into()], b""),
            FileEntry::new("shop/models.py".into(), vec!["shop.models".into()], MODELS.as_bytes()),
            FileEntry::new("shop/state.py".into(), vec!["shop.state".into()], state.as_bytes()),
        ];
        let index = WorkspaceIndex::new(entries);
        let options = AnalysisOptions::default();
        let findings = check_file_within(&index, 2, &options, std::time::Duration::ZERO);
        assert_eq!(codes(&findings), ["RDJ000"]);
        assert_eq!(
            findings[0].message,
            "analysis took longer than 10 s: the rest of the file is unchecked"
        );
        assert_eq!(codes(&check_file(&index, 2, &options)), ["RDJ101"]);
    }

    #[test]
    fn unparsable_source_is_reported_as_unreadable() {
        let mut state = HEAD.to_owned();
        for depth in 0..512 {
            state.push_str(&format!("{}if x:\n", " ".repeat(depth)));
        }
        state.push_str(&format!("{}y = \"s\"\n", " ".repeat(512)));
        state.push_str("async def g():\n    return Product.objects.get()\n");
        let findings = check_on_small_stack(&state, &[]);
        assert_eq!(codes(&findings), ["RDJ000"]);
        assert!(
            findings[0].message.contains("indentation nested too deeply"),
            "{}",
            findings[0].message
        );
    }
}

#[cfg(test)]
mod auth_tests {
    use super::*;
    use crate::index::FileEntry;

    const MODELS: &str = "from django.contrib.auth.models import AbstractUser\nfrom django.db import models\n\nclass Team(models.Model):\n    name = models.CharField(max_length=10)\n\nclass User(AbstractUser):\n    team = models.ForeignKey(Team, null=True, on_delete=models.CASCADE)\n";
    const VIEWS: &str = "from django.http import HttpRequest\n\nasync def home(request: HttpRequest):\n    user = await request.auser()\n    return user.team\n";

    /// The findings on `accounts/views.py` of a project whose settings end with `settings`.
    fn view_findings(settings: &str, views: &str) -> Vec<Finding> {
        let settings = format!("AUTH_USER_MODEL = \"accounts.User\"\n{settings}");
        let index = WorkspaceIndex::new(vec![
            FileEntry::new("manage.py".into(), vec!["manage".into()], b""),
            FileEntry::new("accounts/__init__.py".into(), vec!["accounts".into()], b""),
            FileEntry::new(
                "accounts/models.py".into(),
                vec!["accounts.models".into()],
                MODELS.as_bytes(),
            ),
            FileEntry::new(
                "accounts/views.py".into(),
                vec!["accounts.views".into()],
                views.as_bytes(),
            ),
            FileEntry::new(
                "proj/settings.py".into(),
                vec!["proj.settings".into()],
                settings.as_bytes(),
            ),
        ]);
        check_file(&index, 3, &AnalysisOptions::default())
    }

    fn lines_with(findings: &[Finding], rule: Rule) -> usize {
        findings.iter().filter(|f| f.rule == rule).count()
    }

    #[test]
    fn under_the_default_backend_the_auser_row_has_nothing_loaded() {
        assert_eq!(lines_with(&view_findings("", VIEWS), Rule::RDJ104), 1);
    }

    #[test]
    fn model_backends_named_in_settings_fetch_a_plain_row() {
        let settings = "AUTHENTICATION_BACKENDS = [\n    \"django.contrib.auth.backends.ModelBackend\",\n    \"django.contrib.auth.backends.AllowAllUsersModelBackend\",\n]\n";
        assert_eq!(lines_with(&view_findings(settings, VIEWS), Rule::RDJ104), 1);
    }

    #[test]
    fn another_backend_may_return_a_loaded_user() {
        let settings = "AUTHENTICATION_BACKENDS = [\"accounts.backends.TeamBackend\"]\n";
        assert!(view_findings(settings, VIEWS).is_empty());
    }

    #[test]
    fn backends_not_written_out_are_unknown() {
        for settings in [
            "AUTHENTICATION_BACKENDS = [\"django.contrib.auth.backends.ModelBackend\"]\nAUTHENTICATION_BACKENDS += [\"accounts.backends.TeamBackend\"]\n",
            "import os\nAUTHENTICATION_BACKENDS = os.environ[\"BACKENDS\"].split(\",\")\n",
            "class Base:\n    AUTHENTICATION_BACKENDS = [\"accounts.backends.TeamBackend\"]\n",
        ] {
            assert!(view_findings(settings, VIEWS).is_empty(), "{settings}");
        }
    }

    #[test]
    fn a_read_of_the_setting_leaves_the_default() {
        let views = format!("from django.conf import settings\n{VIEWS}\nBACKENDS = settings.AUTHENTICATION_BACKENDS\n");
        assert_eq!(lines_with(&view_findings("", &views), Rule::RDJ104), 1);
    }

    #[test]
    fn own_fields_of_the_auser_row_run_no_query() {
        let views = VIEWS.replace("user.team", "user.username");
        assert!(view_findings("", &views).is_empty());
    }
}

#[cfg(test)]
mod awaited_middleware_tests {
    use super::*;
    use crate::index::FileEntry;

    const MODELS: &str =
        "from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField(max_length=10)\n";

    /// RDJ108 findings of `shop/middleware.py` with one middleware class of `body`.
    fn middleware_findings(class_attrs: &str, call_body: &str) -> Vec<Finding> {
        let middleware = format!(
            "from asgiref.sync import iscoroutinefunction, markcoroutinefunction\nfrom shop.models import Product\n\n\nclass CountingMiddleware:\n{class_attrs}\n    def __init__(self, get_response):\n        self.get_response = get_response\n        if iscoroutinefunction(self.get_response):\n            markcoroutinefunction(self)\n\n    def __call__(self, request):\n{call_body}\n        return self.get_response(request)\n\n    async def __acall__(self, request):\n        return await self.get_response(request)\n"
        );
        let index = WorkspaceIndex::new(vec![
            FileEntry::new("shop/__init__.py".into(), vec!["shop".into()], b""),
            FileEntry::new("shop/models.py".into(), vec!["shop.models".into()], MODELS.as_bytes()),
            FileEntry::new(
                "shop/middleware.py".into(),
                vec!["shop.middleware".into()],
                middleware.as_bytes(),
            ),
        ]);
        check_file(&index, 2, &AnalysisOptions::default())
            .into_iter()
            .filter(|f| f.rule == Rule::RDJ108)
            .collect()
    }

    const ASYNC_CAPABLE: &str = "    async_capable = True\n";
    const COUNTS: &str = "        request.product_count = Product.objects.count()";

    #[test]
    fn a_sync_call_of_a_marked_async_capable_middleware_runs_on_the_loop() {
        let findings = middleware_findings(ASYNC_CAPABLE, COUNTS);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].message.contains("markcoroutinefunction(self)"));
        assert!(findings[0].fix.is_none(), "the same __call__ serves the sync chain");
    }

    #[test]
    fn without_async_capable_django_hands_it_a_sync_get_response() {
        assert!(middleware_findings("", COUNTS).is_empty());
    }

    #[test]
    fn a_call_that_asks_its_mode_is_left_alone() {
        let body =
            format!("        if iscoroutinefunction(self):\n            return self.__acall__(request)\n{COUNTS}");
        assert!(middleware_findings(ASYNC_CAPABLE, &body).is_empty());
    }
}
