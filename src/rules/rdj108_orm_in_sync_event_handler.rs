declare_rule! {
    /// ## What it does
    /// Flags ORM work (any operation the RDJ1xx rules describe) inside a
    /// sync (`def`) event handler of an `rx.State` subclass, or inside a sync
    /// computed var (`@rx.var`, cached or not, with `deps=` or `interval=`;
    /// not `backend=True`, which Reflex never computes for the browser), or
    /// inside a sync lifespan task (`app.register_lifespan_task(f)`, or
    /// decorated `@app.register_lifespan_task`). The same for any sync code
    /// another framework runs on the loop: a sync GraphQL resolver
    /// (`@strawberry.field`, `@strawberry.mutation`, `strawberry.field(resolver=f)`,
    /// Ariadne's `@query.field("name")`) in a project that executes its schema
    /// asynchronously (Strawberry's `AsyncGraphQLView`, `strawberry.asgi.GraphQL`
    /// and the other async integrations, an awaited `schema.execute(...)`,
    /// Ariadne's `graphql()`, `ariadne.asgi.GraphQL`, `GraphQLAsyncView`).
    /// And the sync `__call__` of an `async_capable` middleware whose
    /// `__init__` calls `markcoroutinefunction(self)`: Django's async handler
    /// awaits the instance, so the body runs on the loop before it returns
    /// the awaitable (no fix is offered: the same `__call__` serves the sync
    /// chain; read `await request.auser()` in an `async def __acall__` that
    /// `__call__` hands the request to instead).
    ///
    /// ## Why is this bad?
    /// Reflex calls sync event handlers directly on the event-loop thread,
    /// not in a worker thread. Django sees a running event loop and raises
    /// `SynchronousOnlyOperation`, although the code looks like plain sync
    /// Django.
    ///
    /// Computed vars run on the same thread: after each event, Reflex builds
    /// the state delta (`BaseState.get_delta`) and calls every dirty or
    /// uncached computed var there, and at hydration every computed var of
    /// the state tree. The handler may be perfectly async: the var raises,
    /// and a var that queries on every page load breaks each page's
    /// hydration.
    ///
    /// Lifespan tasks too: Reflex's Starlette lifespan calls a sync task
    /// right there, on the loop thread; its exception aborts the start-up.
    ///
    /// GraphQL resolvers too: async execution goes through graphql-core,
    /// which calls a `def` resolver directly (`resolve_fn(source, info,
    /// **args)`) and awaits only what it returns. strawberry-django's own
    /// fields (`@strawberry_django.field`, `@strawberry_django.mutation`)
    /// move a sync resolver to a thread and are not reported, nor is a
    /// resolver decorated `@sync_to_async` under the library's decorator.
    ///
    /// ## Example
    /// ```python
    /// class AdminState(rx.State):
    ///     def publish(self, product_id: int):
    ///         Product.objects.filter(pk=product_id).update(is_published=True)
    /// ```
    ///
    /// ## Fix
    /// Make the handler `async def` and use the async ORM API (unsafe: the
    /// handler's other code now runs as a coroutine):
    /// ```python
    ///     async def publish(self, product_id: int):
    ///         await Product.objects.filter(pk=product_id).aupdate(is_published=True)
    /// ```
    /// The same for a computed var (Reflex awaits an `async def` var while
    /// it resolves the delta) and a lifespan task (a coroutine function is
    /// run as a task).
    /// ```python
    ///     @rx.var
    ///     async def product_count(self) -> int:
    ///         return await Product.objects.acount()
    /// ```
    pub struct OrmInSyncEventHandler;
}

use std::ops::Range;

use crate::checker::walker::Walker;
use crate::checker::{frameworks, Exec};
use crate::diagnostic::{Applicability, Edit, Fix, Finding};
use crate::rules::Rule;

/// Which sync code a framework runs on the loop thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncContext {
    /// An event handler: `process_event` calls it.
    EventHandler,
    /// A frontend computed var: `BaseState.get_delta` computes it.
    ComputedVar,
    /// A lifespan task: `LifespanMixin._run_lifespan_tasks` calls it.
    LifespanTask,
    /// A GraphQL resolver: graphql-core's `execute_field` calls it during
    /// an async execution (`checker::frameworks`).
    GraphqlResolver,
    /// A middleware's sync `__call__` that Django's async handler awaits
    /// (its `__init__` runs `markcoroutinefunction(self)`).
    AwaitedMiddleware,
}

impl SyncContext {
    /// The sync code that the execution context `exec` walks, when a
    /// framework runs it on the loop thread: there a blocking operation of
    /// any rule is this rule's finding. `None` for an `async def` body (the
    /// operation's own rule), a summarized helper and deferred code.
    pub fn of(exec: Exec) -> Option<SyncContext> {
        match exec {
            Exec::SyncHandler => Some(SyncContext::EventHandler),
            Exec::SyncComputedVar => Some(SyncContext::ComputedVar),
            Exec::SyncLifespanTask => Some(SyncContext::LifespanTask),
            Exec::SyncResolver => Some(SyncContext::GraphqlResolver),
            Exec::SyncAwaitedMiddleware => Some(SyncContext::AwaitedMiddleware),
            Exec::Async | Exec::Summary | Exec::Deferred => None,
        }
    }
}

/// The finding for a blocking operation (`what` it does, at `range`) in
/// sync code of `context`, the function `w` walks. `fix` is the
/// operation's own async rewrite: kept, with `async def`, where making
/// the function a coroutine is safe.
pub fn finding(w: &Walker<'_>, context: SyncContext, what: &str, range: Range<usize>, fix: Option<Fix>) -> Finding {
    let msg = message(what, context, &w.function_name);
    let fix = fix
        .filter(|_| async_def_is_a_fix(w, context))
        .and_then(|f| make_async(w.scope?, context, f));
    Finding::new(Rule::RDJ108, msg, range).with_fix(fix)
}

/// Whether `async def` fixes sync code of `context`. Not a middleware's
/// `__call__`: it serves the sync chain too. Nor a resolver of a workspace
/// that also executes its schema synchronously
/// ([`frameworks::async_fix_is_safe`]).
fn async_def_is_a_fix(w: &Walker<'_>, context: SyncContext) -> bool {
    match context {
        SyncContext::AwaitedMiddleware => false,
        SyncContext::GraphqlResolver => frameworks::async_fix_is_safe(w.index),
        SyncContext::EventHandler | SyncContext::ComputedVar | SyncContext::LifespanTask => true,
    }
}

/// The fix of the blocking operation, plus `async` before the handler's
/// (or computed var's) `def`. Unsafe: code that calls it directly (or reads
/// the var's value in Python) now gets a coroutine.
fn make_async(def_start: usize, context: SyncContext, mut fix: Fix) -> Option<Fix> {
    fix.edits.push(Edit { range: def_start..def_start, content: "async ".into() });
    fix.applicability = Applicability::Unsafe;
    let what = match context {
        SyncContext::EventHandler => "handler",
        SyncContext::ComputedVar => "computed var",
        SyncContext::LifespanTask => "lifespan task",
        SyncContext::GraphqlResolver => "resolver",
        SyncContext::AwaitedMiddleware => "middleware call",
    };
    fix.message = format!("Make the {what} `async def`; {}", fix.message);
    Some(fix)
}

fn message(what: &str, context: SyncContext, name: &str) -> String {
    match context {
        SyncContext::EventHandler => format!("{what}: sync event handler `{name}` runs on the event-loop thread"),
        SyncContext::ComputedVar => format!(
            "{what}: sync computed var `{name}` runs on the event-loop thread when Reflex builds the state delta (`BaseState.get_delta`)"
        ),
        SyncContext::LifespanTask => format!(
            "{what}: sync lifespan task `{name}` runs on the event-loop thread while the app starts (`LifespanMixin._run_lifespan_tasks`)"
        ),
        SyncContext::GraphqlResolver => format!(
            "{what}: sync GraphQL resolver `{name}` runs on the event-loop thread, as the project executes its schema asynchronously"
        ),
        SyncContext::AwaitedMiddleware => format!(
            "{what}: sync `{name}` runs on the event-loop thread, as its `__init__` marks the middleware a coroutine function (`markcoroutinefunction(self)`) and Django's async handler awaits it"
        ),
    }
}
