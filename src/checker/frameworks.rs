//! Sync code that a GraphQL library runs on the event loop
//! ([`super::Exec::SyncResolver`]).
//!
//! Strawberry's and Ariadne's async execution hand the query to graphql-core,
//! whose `ExecutionContext.execute_field` calls each resolver with a plain
//! `resolve_fn(source, info, **args)` (graphql/execution/executor.py) and
//! awaits the result only when it is awaitable: a `def` resolver runs on the
//! loop thread, where Django's ORM raises `SynchronousOnlyOperation`. The
//! same resolver is harmless under sync execution (`schema.execute_sync`, a
//! sync view that Django runs in a thread). Where each library calls user
//! code is mapped, with the library source and the oracle cases that prove
//! it, in `docs/framework-contexts.md`.
//!
//! Precision first: a resolver is a root only when the workspace serves that
//! library's schema asynchronously somewhere (an async view or ASGI app, or
//! an awaited `schema.execute(...)`), and strawberry-django's own fields
//! (`strawberry_django.field`, `strawberry_django.mutation`), which move a
//! sync resolver to a thread themselves (`django_resolver`), are not roots.

use rustc_hash::FxHashSet;
use tree_sitter::Node;

use crate::index::summary::AssignedValue;
use crate::index::{ByteTest, FileId, Symbol, WorkspaceIndex};
use crate::knowledge::third_party;
use crate::syntax::{self, field, named_children};

/// What the workspace tells about how its GraphQL schemas are executed.
#[derive(Debug, Default)]
pub struct GraphqlServing {
    /// A Strawberry schema is executed asynchronously somewhere.
    strawberry_async: bool,
    /// An Ariadne schema is executed asynchronously somewhere.
    ariadne_async: bool,
    /// A schema is also executed synchronously somewhere (a sync view,
    /// `execute_sync`, `graphql_sync`): making a resolver `async def` would
    /// break that path (its result would be a coroutine), so RDJ108 offers
    /// no fix then.
    executed_sync: bool,
    /// Functions made resolvers by a call rather than a decorator
    /// (`strawberry.field(resolver=f)`, `query.set_field("name", f)`), by
    /// (file, start of the `def`), when their library is served async.
    registered: FxHashSet<(FileId, usize)>,
    /// A Strawberry schema is served by Strawberry's Django views.
    strawberry_django_view: bool,
    /// A Strawberry schema is also served or executed some other way (the
    /// ASGI app, Channels consumers, another framework's integration, a
    /// direct `schema.execute(...)`), with a context of its own.
    strawberry_served_otherwise: bool,
}

impl GraphqlServing {
    fn any_async(&self) -> bool {
        self.strawberry_async || self.ariadne_async
    }
}

/// The workspace's GraphQL serving, found once per index.
pub fn serving(index: &WorkspaceIndex) -> &GraphqlServing {
    super::summary_cache::state(index)
        .graphql_serving
        .get_or_init(|| find_serving(index))
}

/// Is a Strawberry resolver's `info.context.request` Django's request?
/// When the workspace serves Strawberry with its Django views only, and
/// asynchronously (an async resolver's request is then an `ASGIRequest`):
/// their context is a `StrawberryDjangoContext` holding the view's request
/// (a `get_context` override is trusted to keep it there, as the
/// dataclass's `request: HttpRequest` field says).
pub fn strawberry_context_request_is_django(index: &WorkspaceIndex) -> bool {
    let serving = serving(index);
    serving.strawberry_async && serving.strawberry_django_view && !serving.strawberry_served_otherwise
}

/// May RDJ108's fix make a resolver `async def`? Not when the workspace
/// also executes a schema synchronously: graphql-core's `execute_sync` then
/// gets a coroutine from the resolver (the oracle's
/// `case_strawberry_execute_sync_in_thread` and
/// `case_ariadne_graphql_sync_in_thread` fail after that fix).
pub fn async_fix_is_safe(index: &WorkspaceIndex) -> bool {
    !serving(index).executed_sync
}

/// Can `file` define a resolver that runs on the loop? (A byte-level gate
/// for [`super::can_have_findings`]: such files need not say `async def`.)
pub fn may_define_resolvers(index: &WorkspaceIndex, file: FileId) -> bool {
    let serving = serving(index);
    serving.any_async()
        && (mentions_library(index.file(file).text.as_bytes()) || serving.registered.iter().any(|&(f, _)| f == file))
}

/// Is the sync function `def` a resolver that the workspace's async GraphQL
/// execution calls on the loop thread?
pub fn is_sync_resolver(index: &WorkspaceIndex, file: FileId, src: &str, def: Node<'_>) -> bool {
    let serving = serving(index);
    if !serving.any_async() {
        return false;
    }
    let decorators = syntax::decorators(def);
    let registered_at = if serving.registered.contains(&(file, def.start_byte())) {
        // Registered by a call: every decorator was applied before.
        Some(0)
    } else {
        decorators
            .iter()
            .position(|d| match registering_decorator(index, file, src, def, *d) {
                Some(Library::Strawberry) => serving.strawberry_async,
                Some(Library::Ariadne) => serving.ariadne_async,
                None => false,
            })
            .map(|at| at + 1)
    };
    let Some(inner) = registered_at else { return false };
    // Decorators below the library's see the function first: `@sync_to_async`
    // (or `database_sync_to_async`, or a project's own wrapper of that name)
    // makes the library receive a coroutine function, run in a thread.
    !decorators[inner..].iter().any(|d| {
        let callee = if d.kind() == "call" {
            field(*d, "function").unwrap_or(*d)
        } else {
            *d
        };
        syntax::text(callee, src).ends_with("sync_to_async")
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Library {
    Strawberry,
    Ariadne,
}

fn mentions_library(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"strawberry").is_some() || memchr::memmem::find(bytes, b"ariadne").is_some()
}

/// The decorator registers `def` as a resolver whose sync body the library
/// calls as it is: `@strawberry.field` / `@strawberry.mutation` (also the
/// federation ones) on a method of a Strawberry type — strawberry-django's
/// `_process_type` keeps such a field as it is (strawberry_django/type.py) —
/// or `@obj.field("name")` of an Ariadne `ObjectType`/`QueryType`/….
fn registering_decorator(
    index: &WorkspaceIndex,
    file: FileId,
    src: &str,
    def: Node<'_>,
    d: Node<'_>,
) -> Option<Library> {
    let callee = if d.kind() == "call" { field(d, "function")? } else { d };
    let dotted = syntax::dotted(callee, src)?;
    if let Symbol::External(q) = index.resolve_dotted(file, &dotted, None) {
        return (is_strawberry_field(&q) && in_strawberry_type(index, file, src, def)).then_some(Library::Strawberry);
    }
    if d.kind() == "call" && callee.kind() == "attribute" {
        let method = field(callee, "attribute").map(|a| syntax::text(a, src));
        let object = field(callee, "object").and_then(|o| syntax::dotted(o, src))?;
        if method == Some("field") && is_ariadne_bindable(index, index.resolve_dotted(file, &object, None)) {
            return Some(Library::Ariadne);
        }
    }
    None
}

/// Strawberry's field decorators whose resolver graphql-core calls directly
/// (strawberry/types/field.py `get_result`: `self.base_resolver(*args, **kwargs)`).
/// Not strawberry-django's `field`/`mutation`: their `safe_resolver` wraps a
/// sync resolver in `django_resolver` (strawberry_django/fields/base.py).
fn is_strawberry_field(q: &str) -> bool {
    matches!(
        q,
        "strawberry.field"
            | "strawberry.mutation"
            | "strawberry.federation.field"
            | "strawberry.federation.mutation"
            | "strawberry.types.field.field"
            | "strawberry.mutation.mutation"
    )
}

/// The class around a method is decorated as a Strawberry (or
/// strawberry-django) object type or interface.
fn in_strawberry_type(index: &WorkspaceIndex, file: FileId, src: &str, def: Node<'_>) -> bool {
    let Some(class) = def
        .parent()
        .filter(|p| p.kind() == "decorated_definition")
        .or(Some(def))
        .and_then(|n| n.parent())
        .filter(|b| b.kind() == "block")
        .and_then(|b| b.parent())
        .filter(|c| c.kind() == "class_definition")
    else {
        return false;
    };
    syntax::decorators(class).iter().any(|d| {
        let callee = if d.kind() == "call" {
            field(*d, "function").unwrap_or(*d)
        } else {
            *d
        };
        syntax::dotted(callee, src).is_some_and(|dotted| match index.resolve_dotted(file, &dotted, None) {
            Symbol::External(q) => {
                (q.starts_with("strawberry.") || q.starts_with("strawberry_django."))
                    && matches!(q.rsplit('.').next(), Some("type" | "interface"))
            }
            _ => false,
        })
    })
}

/// A module-level `query = QueryType()` (or `ObjectType("User")`, …) of Ariadne.
fn is_ariadne_bindable(index: &WorkspaceIndex, sym: Symbol) -> bool {
    let Symbol::Assignment(file, i) = sym else { return false };
    let Some(assignment) = index.file(file).summary().assignments.get(i) else {
        return false;
    };
    let AssignedValue::Call {
        callee, dotted: true, ..
    } = &assignment.value
    else {
        return false;
    };
    match index.resolve_dotted(file, callee, None) {
        Symbol::External(q) => {
            q.starts_with("ariadne.")
                && matches!(
                    q.rsplit('.').next(),
                    Some("ObjectType" | "QueryType" | "MutationType" | "SubscriptionType" | "InterfaceType")
                )
        }
        _ => false,
    }
}

/// The last names of [`async_server`]'s and [`sync_server`]'s classes and
/// functions.
const SERVER_NAMES: &[&str] = &[
    "AsyncGraphQLView",
    "GraphQL",
    "GraphQLView",
    "GraphQLRouter",
    "make_graphql_controller",
    "GraphQLController",
    "GraphQLHTTPConsumer",
    "GraphQLWSConsumer",
    "GraphQLProtocolTypeRouter",
    "GraphQLAsyncView",
    "graphql",
    "graphql_sync",
];

/// Can the chain `dotted` name a server of [`async_server`] or
/// [`sync_server`]? Its last name is one of theirs, or its first name is
/// imported from the library itself (`from strawberry.asgi import GraphQL
/// as App`, `import ariadne.asgi`). Resolving every other name of a file
/// would parse the workspace modules it imports (netbox: the GraphQL
/// types of every app) for nothing.
fn may_name_a_server(index: &WorkspaceIndex, file: FileId, dotted: &str) -> bool {
    let last = dotted.rsplit('.').next().unwrap_or(dotted);
    if SERVER_NAMES.contains(&last) {
        return true;
    }
    let first = dotted.split('.').next().unwrap_or(dotted);
    index.file(file).summary().imports.iter().any(|b| {
        b.local == first
            && ["strawberry", "ariadne", "ariadne_django"]
                .iter()
                .any(|lib| b.executes == *lib || b.executes.starts_with(&format!("{lib}.")))
    })
}

/// A name that, referenced anywhere but in an import, means the library's
/// schema is executed asynchronously: an async view, ASGI app, router or
/// consumer (each awaits `schema.execute`; strawberry/http/async_base_view.py),
/// or Ariadne's async `graphql()`.
fn async_server(q: &str) -> Option<Library> {
    let last = q.rsplit('.').next().unwrap_or(q);
    if q.starts_with("strawberry.") {
        let async_one = match last {
            // strawberry.django.views / strawberry.flask.views
            "AsyncGraphQLView" => true,
            // strawberry.asgi
            "GraphQL" => q.starts_with("strawberry.asgi"),
            // the aiohttp, sanic and quart integrations are async only
            "GraphQLView" => [".aiohttp.", ".sanic.", ".quart."].iter().any(|m| q.contains(m)),
            "GraphQLRouter" | "make_graphql_controller" | "GraphQLController" => true,
            "GraphQLHTTPConsumer" | "GraphQLWSConsumer" | "GraphQLProtocolTypeRouter" => true,
            _ => false,
        };
        return async_one.then_some(Library::Strawberry);
    }
    let ariadne = matches!(
        q,
        "ariadne.graphql"
            | "ariadne.graphql.graphql"
            | "ariadne.asgi.GraphQL"
            | "ariadne.asgi.graphql.GraphQL"
            | "ariadne_django.views.GraphQLAsyncView"
            | "ariadne_django.views.async_graphql.GraphQLAsyncView"
    );
    ariadne.then_some(Library::Ariadne)
}

/// A name that, referenced anywhere but in an import, means a schema is
/// executed synchronously: a sync view or WSGI app (strawberry/http/sync_base_view.py
/// calls `schema.execute_sync`), or Ariadne's `graphql_sync()`.
fn sync_server(q: &str) -> bool {
    let last = q.rsplit('.').next().unwrap_or(q);
    if q.starts_with("strawberry.") {
        return last == "GraphQLView" && [".django.", ".flask.", ".chalice."].iter().any(|m| q.contains(m));
    }
    matches!(
        q,
        "ariadne.graphql_sync"
            | "ariadne.graphql.graphql_sync"
            | "ariadne.wsgi.GraphQL"
            | "ariadne_django.views.GraphQLView"
            | "ariadne_django.views.graphql.GraphQLView"
            | "ariadne.contrib.django.views.GraphQLView"
    )
}

/// Strawberry's schema classes (for an awaited `schema.execute(...)`).
fn is_strawberry_schema(q: &str) -> bool {
    matches!(
        q,
        "strawberry.Schema"
            | "strawberry.schema.Schema"
            | "strawberry.schema.schema.Schema"
            | "strawberry.federation.Schema"
    )
}

/// Byte patterns without which a file cannot execute a schema
/// asynchronously (the async integrations' names, Ariadne's `graphql(`, an
/// awaited `.execute(`): only such files are parsed first, so a project that
/// serves GraphQL synchronously (netbox) pays for a few files, not for every
/// module that mentions the library.
const ASYNC_HINTS: &[&[u8]] = &[
    b"AsyncGraphQLView",
    b"GraphQLAsyncView",
    b".asgi",
    b"aiohttp",
    b"sanic",
    b"quart",
    b"GraphQLRouter",
    b"GraphQLController",
    b"make_graphql_controller",
    b"Consumer",
    b"GraphQLProtocolTypeRouter",
    b"graphql(",
    b"graphql as",
    b".execute(",
];

/// Hints that count only as a word of their own: the package `quart`
/// (not `quarter`), a call of Ariadne's `graphql` (not of `test_graphql`).
const WHOLE_WORD_HINTS: &[&[u8]] = &[b"quart", b"graphql("];

fn hint_found(bytes: &[u8], hint: &[u8]) -> bool {
    if !WHOLE_WORD_HINTS.contains(&hint) {
        return memchr::memmem::find(bytes, hint).is_some();
    }
    let is_word_byte = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    memchr::memmem::find_iter(bytes, hint).any(|at| {
        let starts_word = at == 0 || !is_word_byte(&bytes[at - 1]);
        let ends_word =
            !hint.last().is_some_and(is_word_byte) || !bytes.get(at + hint.len()).is_some_and(u8::is_ascii_alphabetic);
        starts_word && ends_word
    })
}

/// Then, once a schema is known to be executed asynchronously: resolvers
/// registered by a call, and synchronous execution (which withholds fixes).
const REGISTRATION_AND_SYNC_HINTS: &[&[u8]] = &[
    b"resolver",
    b"set_field",
    b"execute_sync",
    b"GraphQLView",
    b"graphql_sync",
    b"wsgi",
];

fn find_serving(index: &WorkspaceIndex) -> GraphqlServing {
    let mut scan = Scan::default();
    // Kept on each file: the language server asks again on every change.
    let with_any = |test: ByteTest, hints: &[&[u8]], file: FileId| {
        index.file(file).mentions(test, |bytes| {
            mentions_library(bytes) && hints.iter().any(|h| hint_found(bytes, h))
        })
    };
    let first: Vec<FileId> = (0..index.files.len())
        .filter(|&f| with_any(ByteTest::GraphqlAsyncServing, ASYNC_HINTS, f))
        .collect();
    for &file in &first {
        scan.visit(index, file);
    }
    if !scan.serving.any_async() {
        return GraphqlServing::default();
    }
    for file in 0..index.files.len() {
        if with_any(ByteTest::GraphqlRegistration, REGISTRATION_AND_SYNC_HINTS, file)
            && first.binary_search(&file).is_err()
        {
            scan.visit(index, file);
        }
    }
    let Scan {
        mut serving,
        strawberry_resolvers,
        ariadne_resolvers,
    } = scan;
    if serving.strawberry_async {
        serving.registered.extend(strawberry_resolvers);
    }
    if serving.ariadne_async {
        serving.registered.extend(ariadne_resolvers);
    }
    serving
}

/// What [`find_serving`] gathers file by file.
#[derive(Default)]
struct Scan {
    serving: GraphqlServing,
    strawberry_resolvers: Vec<(FileId, usize)>,
    ariadne_resolvers: Vec<(FileId, usize)>,
}

impl Scan {
    fn visit(&mut self, index: &WorkspaceIndex, file: FileId) {
        let entry = index.file(file);
        let Some(tree) = entry.tree() else { return };
        let src: &str = &entry.text;
        let serving = &mut self.serving;
        // Each node with whether it is the name after a dot of its parent
        // `attribute` (known from the parent: `Node::parent` walks down
        // from the root every time).
        let mut stack = vec![(tree.root_node(), false)];
        while let Some((node, attribute_name)) = stack.pop() {
            match node.kind() {
                "import_statement" | "import_from_statement" | "future_import_statement" => continue,
                "identifier" | "attribute" => {
                    // Every prefix of a chain (`AsyncGraphQLView` in
                    // `AsyncGraphQLView.as_view(...)`), but not the name
                    // after a dot (`x.GraphQL` is not `GraphQL`).
                    if !attribute_name {
                        if let Some(dotted) = syntax::dotted(node, src).filter(|d| may_name_a_server(index, file, d)) {
                            if let Symbol::External(q) = index.resolve_dotted(file, &dotted, None) {
                                note_strawberry_server(serving, &q);
                                match async_server(&q) {
                                    Some(Library::Strawberry) => serving.strawberry_async = true,
                                    Some(Library::Ariadne) => serving.ariadne_async = true,
                                    None => serving.executed_sync |= sync_server(&q),
                                }
                            }
                        }
                    }
                    if node.kind() == "identifier" {
                        continue;
                    }
                }
                "call" => {
                    if let Some((library, f)) = resolver_registration(index, file, src, node) {
                        match library {
                            Library::Strawberry => self.strawberry_resolvers.push(f),
                            Library::Ariadne => self.ariadne_resolvers.push(f),
                        }
                    }
                    if awaits_strawberry_execute(index, file, src, node) {
                        serving.strawberry_async = true;
                        serving.strawberry_served_otherwise = true;
                    }
                    // Any `x.execute_sync(...)` in a file that mentions a
                    // library: erring this way only withholds a fix.
                    serving.executed_sync |= field(node, "function")
                        .and_then(|f| field(f, "attribute"))
                        .is_some_and(|a| syntax::text(a, src) == "execute_sync");
                }
                _ => {}
            }
            let name_after_dot = (node.kind() == "attribute")
                .then(|| field(node, "attribute").map(|a| a.id()))
                .flatten();
            stack.extend(
                named_children(node)
                    .into_iter()
                    .map(|child| (child, Some(child.id()) == name_after_dot)),
            );
        }
    }
}

/// Which kind of Strawberry server the name `q` is (for
/// [`strawberry_context_request_is_django`]).
fn note_strawberry_server(serving: &mut GraphqlServing, q: &str) {
    if third_party::is_strawberry_django_view(q) {
        serving.strawberry_django_view = true;
    } else if q.starts_with("strawberry.") && (async_server(q).is_some() || sync_server(q)) {
        serving.strawberry_served_otherwise = true;
    }
}

/// `strawberry.field(resolver=f)` / `strawberry.mutation(resolver=f)`, or
/// Ariadne's `query.set_field("name", f)`: the workspace function `f`.
fn resolver_registration(
    index: &WorkspaceIndex,
    file: FileId,
    src: &str,
    call: Node<'_>,
) -> Option<(Library, (FileId, usize))> {
    let callee = field(call, "function")?;
    let args = named_children(field(call, "arguments")?);
    let (library, target) = if callee.kind() == "attribute"
        && field(callee, "attribute").is_some_and(|a| syntax::text(a, src) == "set_field")
    {
        let object = syntax::dotted(field(callee, "object")?, src)?;
        if !is_ariadne_bindable(index, index.resolve_dotted(file, &object, None)) {
            return None;
        }
        (Library::Ariadne, *args.get(1)?)
    } else {
        let resolver = args.iter().find(|a| {
            a.kind() == "keyword_argument" && field(**a, "name").is_some_and(|n| syntax::text(n, src) == "resolver")
        })?;
        let dotted = syntax::dotted(callee, src)?;
        match index.resolve_dotted(file, &dotted, None) {
            Symbol::External(q) if is_strawberry_field(&q) => (Library::Strawberry, field(*resolver, "value")?),
            _ => return None,
        }
    };
    let name = syntax::dotted(target, src)?;
    match index.resolve_dotted(file, &name, None) {
        Symbol::Function(f) => Some((library, (f.file, index.function(f).range.start))),
        _ => None,
    }
}

/// `await schema.execute(...)` where `schema` is a module-level
/// `strawberry.Schema(...)` (strawberry/schema/schema.py: `async def execute`).
fn awaits_strawberry_execute(index: &WorkspaceIndex, file: FileId, src: &str, call: Node<'_>) -> bool {
    strawberry_execute_target(index, file, src, call).is_some_and(|q| is_strawberry_schema(&q))
}

/// For `await x.execute(...)`: what `x`, a module-level assignment of a call,
/// is assigned from (the qualified name of the external callee).
fn strawberry_execute_target(index: &WorkspaceIndex, file: FileId, src: &str, call: Node<'_>) -> Option<String> {
    call.parent().filter(|p| p.kind() == "await")?;
    let callee = field(call, "function").filter(|c| c.kind() == "attribute")?;
    field(callee, "attribute").filter(|a| syntax::text(*a, src) == "execute")?;
    let object = syntax::dotted(field(callee, "object")?, src)?;
    let Symbol::Assignment(at, i) = index.resolve_dotted(file, &object, None) else {
        return None;
    };
    match &index.file(at).summary().assignments.get(i)?.value {
        AssignedValue::Call {
            callee, dotted: true, ..
        } => match index.resolve_dotted(at, callee, None) {
            Symbol::External(q) => Some(q),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::checker::{check_file, AnalysisOptions};
    use crate::diagnostic::Finding;
    use crate::index::{FileEntry, WorkspaceIndex};
    use crate::registry::Rule;

    #[test]
    fn word_hints_are_words() {
        use super::hint_found;
        assert!(hint_found(b"from strawberry.quart.views import GraphQLView", b"quart"));
        assert!(hint_found(b"import quart\n", b"quart"));
        assert!(!hint_found(b"    quarter: int = strawberry.UNSET", b"quart"));
        assert!(hint_found(b"    result = await graphql(schema, data)", b"graphql("));
        assert!(hint_found(b"ariadne.graphql(schema, data)", b"graphql("));
        assert!(!hint_found(b"    def test_graphql(self):", b"graphql("));
        assert!(
            hint_found(b"class Q(AsyncConsumer):", b"Consumer"),
            "other hints are substrings"
        );
    }

    const MODELS: &str =
        "from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField(max_length=10)\n";
    const SCHEMA: &str = "import strawberry\nfrom shop.models import Product\n\n\n@strawberry.type\nclass Query:\n    @strawberry.field\n    def product_count(self) -> int:\n        return Product.objects.count()\n";

    /// RDJ108 findings of `shop/schema.py` (file 2) in a workspace with `urls`.
    fn resolver_findings(urls: &str) -> Vec<Finding> {
        let index = WorkspaceIndex::new(vec![
            FileEntry::new("shop/__init__.py".into(), vec!["shop".into()], b""),
            FileEntry::new("shop/models.py".into(), vec!["shop.models".into()], MODELS.as_bytes()),
            FileEntry::new("shop/schema.py".into(), vec!["shop.schema".into()], SCHEMA.as_bytes()),
            FileEntry::new("shop/urls.py".into(), vec!["shop.urls".into()], urls.as_bytes()),
        ]);
        check_file(&index, 2, &AnalysisOptions::default())
            .into_iter()
            .filter(|f| f.rule == Rule::RDJ108)
            .collect()
    }

    #[test]
    fn served_by_an_async_view_the_resolver_is_reported_with_a_fix() {
        let urls = "from strawberry.django.views import AsyncGraphQLView\nfrom shop.schema import Query\nimport strawberry\n\nview = AsyncGraphQLView.as_view(schema=strawberry.Schema(query=Query))\n";
        let findings = resolver_findings(urls);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0]
            .message
            .contains("sync GraphQL resolver `Query.product_count`"));
        assert!(findings[0].fix.is_some(), "only async execution: `async def` is safe");
    }

    #[test]
    fn served_only_by_the_sync_view_nothing_is_reported() {
        // netbox's layout: strawberry's sync GraphQLView runs execute_sync,
        // in a worker thread under ASGI.
        let urls = "from strawberry.django.views import GraphQLView\nfrom shop.schema import Query\nimport strawberry\n\nview = GraphQLView.as_view(schema=strawberry.Schema(query=Query))\n";
        assert!(resolver_findings(urls).is_empty());
    }

    #[test]
    fn an_import_alone_serves_nothing() {
        assert!(resolver_findings("from strawberry.asgi import GraphQL\n").is_empty());
    }

    /// The findings of `shop/resolvers.py`: an async resolver that reads
    /// a relation of `await info.context.request.auser()`.
    fn context_request_findings(urls: &str) -> Vec<Finding> {
        let models = "from django.contrib.auth.models import AbstractUser\nfrom django.db import models\n\nclass Team(models.Model):\n    name = models.CharField(max_length=10)\n\nclass User(AbstractUser):\n    team = models.ForeignKey(Team, null=True, on_delete=models.CASCADE)\n";
        let resolvers = "import strawberry\n\n@strawberry.type\nclass Query:\n    @strawberry.field\n    async def team_name(self, info: strawberry.Info) -> str:\n        user = await info.context.request.auser()\n        return user.team.name\n";
        let index = WorkspaceIndex::new(vec![
            FileEntry::new("shop/__init__.py".into(), vec!["shop".into()], b""),
            FileEntry::new("shop/models.py".into(), vec!["shop.models".into()], models.as_bytes()),
            FileEntry::new(
                "shop/resolvers.py".into(),
                vec!["shop.resolvers".into()],
                resolvers.as_bytes(),
            ),
            FileEntry::new("shop/urls.py".into(), vec!["shop.urls".into()], urls.as_bytes()),
            FileEntry::new(
                "proj/settings.py".into(),
                vec!["proj.settings".into()],
                b"AUTH_USER_MODEL = \"shop.User\"\n",
            ),
        ]);
        check_file(&index, 2, &AnalysisOptions::default())
    }

    #[test]
    fn served_by_strawberrys_django_view_the_context_request_is_djangos() {
        let urls = "from strawberry.django.views import AsyncGraphQLView\nfrom shop.resolvers import Query\nimport strawberry\n\nview = AsyncGraphQLView.as_view(schema=strawberry.Schema(query=Query))\n";
        let findings = context_request_findings(urls);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].rule, Rule::RDJ104);
    }

    #[test]
    fn served_another_way_too_the_context_request_is_unknown() {
        // strawberry.asgi's context is a dict with Starlette's request.
        let urls = "from strawberry.asgi import GraphQL\nfrom strawberry.django.views import AsyncGraphQLView\nfrom shop.resolvers import Query\nimport strawberry\n\nschema = strawberry.Schema(query=Query)\napp = GraphQL(schema)\nview = AsyncGraphQLView.as_view(schema=schema)\n";
        assert!(context_request_findings(urls).is_empty());
    }

    #[test]
    fn served_both_ways_the_finding_carries_no_fix() {
        let urls = "from strawberry.asgi import GraphQL\nfrom strawberry.django.views import GraphQLView\nfrom shop.schema import Query\nimport strawberry\n\nschema = strawberry.Schema(query=Query)\napp = GraphQL(schema)\nview = GraphQLView.as_view(schema=schema)\n";
        let findings = resolver_findings(urls);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].fix.is_none(), "an async resolver would break execute_sync");
    }
}
