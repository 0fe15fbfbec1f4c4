//! Django's API: what runs a query, its async twin, what each QuerySet
//! method returns, and what consumes an iterable. Each table says which
//! rule reads it.

/// A Django version, `(major, minor)`.
pub type Version = (u32, u32);

// ----- QuerySets and managers ------------------------------------------------

/// QuerySet and manager methods that run a query (RDJ101). Django 4.1 added
/// an async twin for each, named `a<method>` (`aget`, `acount`, …).
const QUERYSET_BLOCKING: &[&str] = &[
    "get",
    "create",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "bulk_update",
    "count",
    "in_bulk",
    "iterator",
    "latest",
    "earliest",
    "first",
    "last",
    "aggregate",
    "exists",
    "contains",
    "update",
    "delete",
    "explain",
];

/// Since when the QuerySet methods of [`QUERYSET_BLOCKING`] have async twins.
pub const QUERYSET_TWINS_SINCE: Version = (4, 1);

pub fn queryset_method_blocks(method: &str) -> bool {
    QUERYSET_BLOCKING.contains(&method)
}

/// `acount` → `count`: an async twin of a blocking QuerySet method.
pub fn is_async_queryset_twin(method: &str) -> bool {
    method.strip_prefix('a').is_some_and(queryset_method_blocks)
}

/// QuerySet (and manager) methods that return a new, lazy QuerySet.
const QUERYSET_RETURNING: &[&str] = &[
    "all",
    "filter",
    "exclude",
    "order_by",
    "reverse",
    "distinct",
    "select_related",
    "prefetch_related",
    "only",
    "defer",
    "annotate",
    "alias",
    "using",
    "select_for_update",
    "none",
    "union",
    "intersection",
    "difference",
    "extra",
    "values",
    "values_list",
    "dates",
    "datetimes",
    "complex_filter",
    "get_queryset",
];

pub fn returns_queryset(method: &str) -> bool {
    QUERYSET_RETURNING.contains(&method)
}

/// QuerySet methods whose rows are dicts or tuples, not instances.
pub fn returns_values(method: &str) -> bool {
    matches!(method, "values" | "values_list" | "dates" | "datetimes")
}

/// QuerySet methods that return one row (a model instance unless `values()`).
pub fn returns_one_row(method: &str) -> bool {
    matches!(method, "get" | "first" | "last" | "latest" | "earliest")
}

// ----- model instances and related managers --------------------------------

/// Model instance methods that query (RDJ102). The validation methods query
/// only for some models (RDJ102 decides with the model's fields).
const MODEL_BLOCKING: &[&str] = &[
    "save",
    "delete",
    "refresh_from_db",
    "full_clean",
    "clean_fields",
    "validate_unique",
    "validate_constraints",
];

pub fn model_method_blocks(method: &str) -> bool {
    MODEL_BLOCKING.contains(&method)
}

/// Since when a model method has its async twin `a<method>`; validation has none.
pub fn model_method_twin_since(method: &str) -> Option<Version> {
    matches!(method, "save" | "delete" | "refresh_from_db").then_some((4, 2))
}

/// The async twins of model instance methods (they return a coroutine).
pub fn is_async_model_twin(method: &str) -> bool {
    matches!(method, "asave" | "adelete" | "arefresh_from_db")
}

/// The writing methods of a related manager (RDJ105); twins since Django 4.2.
const RELATED_MANAGER_BLOCKING: &[&str] = &[
    "add",
    "remove",
    "clear",
    "set",
    "create",
    "get_or_create",
    "update_or_create",
];

pub const RELATED_MANAGER_TWINS_SINCE: Version = (4, 2);

pub fn related_manager_method_blocks(method: &str) -> bool {
    RELATED_MANAGER_BLOCKING.contains(&method)
}

/// `aadd`, `aremove`, `aclear`, `aset`: twins only a related manager has.
pub fn is_async_related_manager_twin(method: &str) -> bool {
    matches!(method, "aadd" | "aremove" | "aclear" | "aset")
}

// ----- users and sessions (RDJ106) -----------------------------------------

/// Methods of a user instance that may query (`has_perm` unless superuser,
/// `check_password` when the hash is upgraded); twins since Django 5.2.
pub fn user_method_blocks(method: &str) -> bool {
    matches!(method, "has_perm" | "has_perms" | "has_module_perms" | "check_password")
}

/// The user manager's creating methods; twins since Django 5.2.
pub fn user_manager_method_blocks(method: &str) -> bool {
    matches!(method, "create_user" | "create_superuser")
}

pub fn is_async_user_manager_twin(method: &str) -> bool {
    matches!(method, "acreate_user" | "acreate_superuser")
}

pub const USER_TWINS_SINCE: Version = (5, 2);

/// Session methods that reach the session store; twins since Django 5.1.
pub fn session_method_blocks(method: &str) -> bool {
    matches!(method, "save" | "flush" | "cycle_key")
}

pub const SESSION_TWINS_SINCE: Version = (5, 1);

/// Base classes of Django's own middleware: their methods get the request.
pub fn is_middleware_base(qualname: &str) -> bool {
    qualname == "django.utils.deprecation.MiddlewareMixin"
}

/// `request.user.x` → `(await request.auser()).x`: Django 5.0.
pub const AUSER_SINCE: Version = (5, 0);

// ----- functions --------------------------------------------------------------

/// What a known function returns, for the inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// Nothing the analysis follows.
    Unknown,
    /// An instance of the model its first argument names (a model class, a
    /// manager, or a QuerySet whose loaded relations it keeps).
    InstanceOfFirstArgument,
    /// An instance of the `AUTH_USER_MODEL`.
    AuthUser,
}

/// A function that runs a query when called.
#[derive(Debug)]
pub struct BlockingFunction {
    /// The qualified name the call resolves to.
    pub qualname: &'static str,
    /// Its async twin (same module, `a` + name) and the Django version that added it.
    pub twin: Option<(&'static str, Version)>,
    pub returns: Returns,
    /// `prefetch_related_objects(objs, ...)`: caches relations on `objs`.
    pub prefetches: bool,
}

const fn blocking(qualname: &'static str, twin: &'static str, since: Version, returns: Returns) -> BlockingFunction {
    BlockingFunction {
        qualname,
        twin: Some((twin, since)),
        returns,
        prefetches: false,
    }
}

/// Django's functions that query (RDJ106), with the async twin each has.
pub static BLOCKING_FUNCTIONS: &[BlockingFunction] = &[
    blocking(
        "django.shortcuts.get_object_or_404",
        "django.shortcuts.aget_object_or_404",
        (5, 0),
        Returns::InstanceOfFirstArgument,
    ),
    blocking(
        "django.shortcuts.get_list_or_404",
        "django.shortcuts.aget_list_or_404",
        (5, 0),
        Returns::Unknown,
    ),
    BlockingFunction {
        prefetches: true,
        ..blocking(
            "django.db.models.prefetch_related_objects",
            "django.db.models.aprefetch_related_objects",
            (5, 0),
            Returns::Unknown,
        )
    },
    BlockingFunction {
        prefetches: true,
        ..blocking(
            "django.db.models.query.prefetch_related_objects",
            "django.db.models.query.aprefetch_related_objects",
            (5, 0),
            Returns::Unknown,
        )
    },
    blocking(
        "django.contrib.auth.authenticate",
        "django.contrib.auth.aauthenticate",
        (5, 0),
        Returns::AuthUser,
    ),
    blocking(
        "django.contrib.auth.login",
        "django.contrib.auth.alogin",
        (5, 0),
        Returns::Unknown,
    ),
    blocking(
        "django.contrib.auth.logout",
        "django.contrib.auth.alogout",
        (5, 0),
        Returns::Unknown,
    ),
    blocking(
        "django.contrib.auth.get_user",
        "django.contrib.auth.aget_user",
        (5, 0),
        Returns::AuthUser,
    ),
    blocking(
        "django.contrib.auth.update_session_auth_hash",
        "django.contrib.auth.aupdate_session_auth_hash",
        (5, 0),
        Returns::Unknown,
    ),
];

/// The blocking function `qualname` names: Django's, or a third-party one
/// from [`super::third_party`].
pub fn blocking_function(qualname: &str) -> Option<&'static BlockingFunction> {
    BLOCKING_FUNCTIONS
        .iter()
        .chain(super::third_party::BLOCKING_FUNCTIONS.iter().map(|e| &e.function))
        .find(|f| f.qualname == qualname)
}

/// The blocking function whose async twin `qualname` is.
pub fn twin_of(qualname: &str) -> Option<&'static BlockingFunction> {
    BLOCKING_FUNCTIONS
        .iter()
        .find(|f| f.twin.is_some_and(|(t, _)| t == qualname))
}

/// `transaction.atomic()` returns an `Atomic` (RDJ201/202 look for it).
pub const ATOMIC: &str = "django.db.transaction.atomic";
pub const ATOMIC_CLASS: &str = "django.db.transaction.Atomic";

/// The database session store (its `SessionStore()` is a session).
pub fn is_db_session_store(qualname: &str) -> bool {
    qualname == "django.contrib.sessions.backends.db.SessionStore" || qualname.ends_with("backends.db.SessionStore")
}

/// Functions that run their argument in a worker thread, where the ORM may
/// block. `asyncio.to_thread(f, ...)` calls at once (a coroutine); the
/// others wrap `f` in an async callable.
const THREAD_WRAPPERS: &[&str] = &[
    "asgiref.sync.sync_to_async",
    "asgiref.sync.SyncToAsync",
    "channels.db.database_sync_to_async",
    "asyncio.to_thread",
    "starlette.concurrency.run_in_threadpool",
];

pub fn is_thread_wrapper(qualname: &str) -> bool {
    THREAD_WRAPPERS.contains(&qualname)
}

/// The wrapper calls at once and returns a coroutine of the result.
pub fn thread_wrapper_calls_at_once(qualname: &str) -> bool {
    qualname.ends_with("to_thread")
}

// ----- consumers of iterables ---------------------------------------------------

/// How a callable treats an iterable argument. A QuerySet runs its query on
/// `__iter__`, `__len__`, `__bool__` and `__repr__`; a lazy iterator over
/// one (`qs.iterator()`, `itertools.chain(qs)`) only when advanced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumes {
    /// Iterates it right away (to the end, or to its answer): `list`,
    /// `sorted`, `collections.Counter`, `functools.reduce`.
    Exhausts,
    /// Takes an iterator of it right away (`iter(arg)`: a QuerySet runs its
    /// query there) and returns a lazy iterator over that: `map`, `zip`,
    /// `enumerate`, `itertools.islice`, `itertools.groupby`.
    IteratesAtOnce,
    /// Keeps the iterable and iterates it only when its own result is
    /// consumed: `itertools.chain`, `heapq.merge`.
    Defers,
    /// Uses the QuerySet protocol (`len`, truth, `repr`): evaluates a
    /// QuerySet, but not a lazy iterator (`bool(gen)` is always true).
    Protocol,
}

/// Which positional arguments a consumer iterates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumedArgs {
    First,
    Second,
    /// All but the first (`map(f, a, b)`).
    AfterFirst,
    All,
}

#[derive(Debug)]
pub struct Consumer {
    /// The builtin's name, or the qualified name of a library function.
    pub name: &'static str,
    pub consumes: Consumes,
    pub args: ConsumedArgs,
}

const fn consumer(name: &'static str, consumes: Consumes, args: ConsumedArgs) -> Consumer {
    Consumer { name, consumes, args }
}

use ConsumedArgs::{AfterFirst, All, First, Second};
use Consumes::{Defers, Exhausts, IteratesAtOnce, Protocol};

/// Builtins that consume an iterable (RDJ103), when not shadowed.
static BUILTIN_CONSUMERS: &[Consumer] = &[
    consumer("list", Exhausts, First),
    consumer("tuple", Exhausts, First),
    consumer("set", Exhausts, First),
    consumer("frozenset", Exhausts, First),
    consumer("sorted", Exhausts, First),
    consumer("sum", Exhausts, First),
    consumer("any", Exhausts, First),
    consumer("all", Exhausts, First),
    consumer("min", Exhausts, First),
    consumer("max", Exhausts, First),
    consumer("dict", Exhausts, First),
    consumer("next", Exhausts, First),
    consumer("len", Protocol, First),
    consumer("bool", Protocol, First),
    consumer("repr", Protocol, First),
    consumer("str", Protocol, First),
    consumer("print", Protocol, All),
    consumer("enumerate", IteratesAtOnce, First),
    consumer("iter", IteratesAtOnce, First),
    consumer("reversed", IteratesAtOnce, First),
    consumer("zip", IteratesAtOnce, All),
    consumer("map", IteratesAtOnce, AfterFirst),
    consumer("filter", IteratesAtOnce, Second),
];

pub fn builtin_consumer(name: &str) -> Option<&'static Consumer> {
    BUILTIN_CONSUMERS.iter().find(|c| c.name == name)
}

/// Standard-library (and Django) functions and classes that consume an
/// iterable (RDJ103).
/// Every `itertools` constructor but `chain` calls `iter()` on its input
/// at once; `heapq.merge` is a generator function.
static LIBRARY_CONSUMERS: &[Consumer] = &[
    consumer("itertools.chain", Defers, All),
    consumer("itertools.chain.from_iterable", Defers, First),
    consumer("itertools.groupby", IteratesAtOnce, First),
    consumer("itertools.islice", IteratesAtOnce, First),
    consumer("itertools.accumulate", IteratesAtOnce, First),
    consumer("itertools.batched", IteratesAtOnce, First),
    consumer("itertools.compress", IteratesAtOnce, All),
    consumer("itertools.cycle", IteratesAtOnce, First),
    consumer("itertools.dropwhile", IteratesAtOnce, Second),
    consumer("itertools.takewhile", IteratesAtOnce, Second),
    consumer("itertools.filterfalse", IteratesAtOnce, Second),
    consumer("itertools.starmap", IteratesAtOnce, Second),
    consumer("itertools.pairwise", IteratesAtOnce, First),
    consumer("itertools.tee", IteratesAtOnce, First),
    consumer("itertools.zip_longest", IteratesAtOnce, All),
    consumer("itertools.product", Exhausts, All),
    consumer("itertools.permutations", Exhausts, First),
    consumer("itertools.combinations", Exhausts, First),
    consumer("itertools.combinations_with_replacement", Exhausts, First),
    consumer("heapq.nlargest", Exhausts, Second),
    consumer("heapq.nsmallest", Exhausts, Second),
    consumer("heapq.merge", Defers, All),
    consumer("collections.Counter", Exhausts, First),
    consumer("collections.deque", Exhausts, First),
    consumer("collections.OrderedDict", Exhausts, First),
    consumer("functools.reduce", Exhausts, Second),
    consumer("statistics.mean", Exhausts, First),
    consumer("statistics.median", Exhausts, First),
    // `serialize("json", qs)` iterates its second argument to write each row.
    consumer("django.core.serializers.serialize", Exhausts, Second),
];

pub fn library_consumer(qualname: &str) -> Option<&'static Consumer> {
    LIBRARY_CONSUMERS.iter().find(|c| c.name == qualname)
}

/// Methods of builtin containers and strings that iterate their positional
/// arguments (`", ".join(qs)`, `names.extend(qs)`, `seen.update(qs)`,
/// `dict.fromkeys(qs)`), asked only when the receiver is not a Django
/// object (`qs.update(...)` is RDJ101's). `union`/`intersection`/
/// `difference` are left out: on a QuerySet they are lazy.
static CONSUMING_METHODS: &[Consumer] = &[
    consumer("join", Exhausts, First),
    consumer("format", Protocol, All),
    consumer("extend", Exhausts, First),
    consumer("update", Exhausts, All),
    consumer("fromkeys", Exhausts, First),
    consumer("issubset", Exhausts, First),
    consumer("issuperset", Exhausts, First),
    consumer("isdisjoint", Exhausts, First),
    consumer("difference_update", Exhausts, All),
    consumer("intersection_update", Exhausts, All),
    consumer("symmetric_difference_update", Exhausts, First),
];

pub fn consuming_method(method: &str) -> Option<&'static Consumer> {
    CONSUMING_METHODS.iter().find(|c| c.name == method)
}

/// Builtins that fill a QuerySet's result cache when run in a thread
/// (`await sync_to_async(list)(qs)`): later reads of `qs` run no query.
pub fn fills_result_cache(builtin: &str) -> bool {
    matches!(builtin, "list" | "tuple" | "set" | "len" | "sorted")
}

// ----- classes that query when used -------------------------------------------

/// `django.core.paginator.Paginator(qs, n)`: lazy until it needs the count.
pub const PAGINATOR: &str = "django.core.paginator.Paginator";

/// Paginator attributes (cached properties) that run `qs.count()`.
pub fn paginator_attribute_counts(attr: &str) -> bool {
    matches!(attr, "count" | "num_pages" | "page_range")
}

/// Paginator methods that validate the page number against `num_pages`
/// (a count query); `page`/`get_page` return a `Page`.
pub fn paginator_method_counts(method: &str) -> bool {
    matches!(
        method,
        "page" | "get_page" | "validate_number" | "get_elided_page_range"
    )
}

/// Paginator methods that return a `Page` over a slice of the QuerySet.
pub fn paginator_method_returns_page(method: &str) -> bool {
    matches!(method, "page" | "get_page")
}
