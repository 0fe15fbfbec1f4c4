//! A file's analysis roots: every function body that runs on the event
//! loop (async defs, sync event handlers and computed vars of Reflex
//! states, lifespan tasks, sync `__call__`s of middlewares that mark
//! themselves coroutine functions) and the execution context (`Exec`) each
//! runs in, read from definitions, decorators and class headers.
//!
//! Decides only *what* is walked and how it runs; never walks a body and
//! never reports a finding.

use rustc_hash::FxHashSet;
use tree_sitter::Node;

use super::{frameworks, Exec};
use crate::index::{ClassKind, ClassRef, FileId, FuncRef, WorkspaceIndex};
use crate::syntax::{self, field, named_children};

/// A function analysed on its own: its node, how it runs, its class, and
/// the start of the module-level statement it is in.
pub(super) type Root<'a> = (Node<'a>, Exec, Option<ClassRef>, usize);

/// From this many roots on, a file's definitions are walked in parallel.
pub(super) const PARALLEL_ROOTS: usize = 16;

/// Every function body that runs on the event loop: async defs anywhere,
/// and sync event handlers of Reflex states, in source order. A loop over
/// an explicit stack: definitions may nest as deeply as a file indents.
pub(super) fn collect_roots<'a>(index: &WorkspaceIndex, file: FileId, src: &str, module: Node<'a>) -> Vec<Root<'a>> {
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
pub(super) fn is_frontend_computed_var(src: &str, def: Node<'_>) -> bool {
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
            return matches!(attr.value, crate::index::summary::AssignedValue::Bool(true));
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
pub(super) fn is_django_middleware(index: &WorkspaceIndex, class: ClassRef) -> bool {
    let takes_get_response = index
        .find_method(class, "__init__")
        .is_some_and(|init| index.function(init).params.iter().any(|p| p.name == "get_response"));
    takes_get_response || index.has_external_base(class, crate::knowledge::django::is_middleware_base)
}

#[cfg(test)]
mod awaited_middleware_tests {
    use crate::checker::{check_file, AnalysisOptions};
    use crate::diagnostic::Finding;
    use crate::index::{FileEntry, WorkspaceIndex};
    use crate::rules::Rule;

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
