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

pub const USER_TWINS_SINCE: Version = (5, 2);

// ----- Django's contrib managers (RDJ106) ---------------------------------

/// A method of one of Django's contrib managers that runs a query, as
/// Django 5.2 defines it. Each is proven by an oracle case in
/// `fixtures/oracle/cases/contrib_*.py`.
#[derive(Debug, PartialEq, Eq)]
pub struct ManagerMethod {
    /// The manager class that defines it (its subclasses in
    /// [`CONTRIB_MANAGERS`] inherit it).
    pub manager: &'static str,
    pub method: &'static str,
    /// The Django version that added its async twin `a<method>`; without
    /// one the call goes through `sync_to_async`.
    pub twin_since: Option<Version>,
    /// The process-wide cache it answers from once warm. A freshly started
    /// server's first call queries (the oracle empties these caches before
    /// each case), and the linter cannot know which call is the first.
    pub cache: Option<&'static str>,
    /// It returns one row of the manager's model.
    pub returns_row: bool,
}

const fn manager_method(
    manager: &'static str,
    method: &'static str,
    twin_since: Option<Version>,
    cache: Option<&'static str>,
    returns_row: bool,
) -> ManagerMethod {
    ManagerMethod {
        manager,
        method,
        twin_since,
        cache,
        returns_row,
    }
}

const BASE_USER_MANAGER: &str = "django.contrib.auth.base_user.BaseUserManager";
/// The manager every user model is taken to have (`AbstractUser.objects`;
/// a custom user model's manager extends `BaseUserManager` and defines
/// `create_user` / `create_superuser` that save the user).
pub const USER_MANAGER: &str = "django.contrib.auth.models.UserManager";
const GROUP_MANAGER: &str = "django.contrib.auth.models.GroupManager";
const PERMISSION_MANAGER: &str = "django.contrib.auth.models.PermissionManager";
const CONTENT_TYPE_MANAGER: &str = "django.contrib.contenttypes.models.ContentTypeManager";
const SITE_MANAGER: &str = "django.contrib.sites.models.SiteManager";
const BASE_SESSION_MANAGER: &str = "django.contrib.sessions.base_session.BaseSessionManager";
const SESSION_MANAGER: &str = "django.contrib.sessions.models.SessionManager";

const CONTENT_TYPE_CACHE: Option<&str> = Some("the manager's content-type cache");

/// The querying methods of Django's contrib managers. Left out: the ones
/// that do not query (`clear_cache`, `normalize_email`, `encode`;
/// `UserManager.with_perm` returns a lazy QuerySet) and `LogEntryManager`'s
/// `log_action` / `log_actions` (the admin writes its log; the oracle does
/// not install the admin).
pub static CONTRIB_MANAGER_METHODS: &[ManagerMethod] = &[
    manager_method(USER_MANAGER, "create_user", Some(USER_TWINS_SINCE), None, true),
    manager_method(USER_MANAGER, "create_superuser", Some(USER_TWINS_SINCE), None, true),
    // `get(**{USERNAME_FIELD: username})`.
    manager_method(
        BASE_USER_MANAGER,
        "get_by_natural_key",
        Some(USER_TWINS_SINCE),
        None,
        true,
    ),
    // `get(name=name)`; its twin came with the user manager's (5.2).
    manager_method(GROUP_MANAGER, "get_by_natural_key", Some((5, 2)), None, true),
    // The content type (cached), then `get()` of the permission.
    manager_method(PERMISSION_MANAGER, "get_by_natural_key", None, None, true),
    // Each reads the manager's cache, then queries (`get_for_model` and
    // `get_for_models` create a missing row).
    manager_method(CONTENT_TYPE_MANAGER, "get_for_model", None, CONTENT_TYPE_CACHE, true),
    manager_method(CONTENT_TYPE_MANAGER, "get_for_models", None, CONTENT_TYPE_CACHE, false),
    manager_method(CONTENT_TYPE_MANAGER, "get_for_id", None, CONTENT_TYPE_CACHE, true),
    manager_method(
        CONTENT_TYPE_MANAGER,
        "get_by_natural_key",
        None,
        CONTENT_TYPE_CACHE,
        true,
    ),
    // `get(pk=SITE_ID)` (or by the request's host), kept in `SITE_CACHE`.
    manager_method(SITE_MANAGER, "get_current", None, Some("`SITE_CACHE`"), true),
    manager_method(SITE_MANAGER, "get_by_natural_key", None, None, true),
    // `save(session_key, data, expire_date)`: saves the row, or deletes it
    // when `data` is empty.
    manager_method(BASE_SESSION_MANAGER, "save", None, None, true),
];

/// Django's contrib manager classes, with the one each extends.
const CONTRIB_MANAGERS: &[(&str, Option<&str>)] = &[
    (BASE_USER_MANAGER, None),
    // `django.contrib.auth.models` imports it from `base_user`.
    ("django.contrib.auth.models.BaseUserManager", Some(BASE_USER_MANAGER)),
    (USER_MANAGER, Some(BASE_USER_MANAGER)),
    (GROUP_MANAGER, None),
    (PERMISSION_MANAGER, None),
    (CONTENT_TYPE_MANAGER, None),
    (SITE_MANAGER, None),
    (BASE_SESSION_MANAGER, None),
    (SESSION_MANAGER, Some(BASE_SESSION_MANAGER)),
];

/// The manager behind `objects` of each contrib model (the user model's is
/// [`USER_MANAGER`], whichever model `AUTH_USER_MODEL` names).
const CONTRIB_MODEL_MANAGERS: &[(&str, &str)] = &[
    ("django.contrib.auth.models.Group", GROUP_MANAGER),
    ("django.contrib.auth.models.Permission", PERMISSION_MANAGER),
    ("django.contrib.contenttypes.models.ContentType", CONTENT_TYPE_MANAGER),
    ("django.contrib.sites.models.Site", SITE_MANAGER),
    ("django.contrib.sessions.models.Session", SESSION_MANAGER),
];

/// The contrib manager of the contrib model `model`.
pub fn contrib_model_manager(model: &str) -> Option<&'static str> {
    CONTRIB_MODEL_MANAGERS
        .iter()
        .find(|(m, _)| *m == model)
        .map(|(_, manager)| *manager)
}

/// `qualname` names one of Django's contrib manager classes (a model that
/// declares `objects = SiteManager()` has its methods).
pub fn contrib_manager(qualname: &str) -> Option<&'static str> {
    CONTRIB_MANAGERS.iter().find(|(c, _)| *c == qualname).map(|(c, _)| *c)
}

/// Whether some contrib manager has a querying method `method`, or its
/// async twin: asked before looking up the receiver's manager.
pub fn may_be_contrib_manager_method(method: &str) -> bool {
    CONTRIB_MANAGER_METHODS
        .iter()
        .any(|m| m.method == method || (m.twin_since.is_some() && method.strip_prefix('a') == Some(m.method)))
}

/// The querying method `method` of `manager` (defined there or inherited).
pub fn contrib_manager_method(manager: &str, method: &str) -> Option<&'static ManagerMethod> {
    let mut class = Some(manager);
    // The chain is at most two classes deep; the bound keeps a bad table finite.
    for _ in 0..CONTRIB_MANAGERS.len() {
        let current = class?;
        if let Some(found) = CONTRIB_MANAGER_METHODS
            .iter()
            .find(|m| m.manager == current && m.method == method)
        {
            return Some(found);
        }
        class = CONTRIB_MANAGERS
            .iter()
            .find(|(c, _)| *c == current)
            .and_then(|(_, extends)| *extends);
    }
    None
}

/// The method of `manager` whose async twin `twin` is (`aget_by_natural_key`).
pub fn contrib_manager_twin_of(manager: &str, twin: &str) -> Option<&'static ManagerMethod> {
    let sync = twin.strip_prefix('a')?;
    contrib_manager_method(manager, sync).filter(|m| m.twin_since.is_some())
}

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

/// django-configurations' settings base class: its subclasses' class
/// attributes are the settings.
pub fn is_configurations_settings_class(qualname: &str) -> bool {
    matches!(
        qualname,
        "configurations.Configuration" | "configurations.base.Configuration"
    )
}

/// The setting that lists the authentication backends (default: only
/// `ModelBackend`).
pub const AUTHENTICATION_BACKENDS_SETTING: &str = "AUTHENTICATION_BACKENDS";

/// Django's backends whose `aget_user` (what `await request.auser()` runs
/// for a logged-in user, django/contrib/auth/__init__.py `aget_user`) is
/// `ModelBackend.aget_user`: `UserModel._default_manager.aget(pk=user_id)`,
/// a row fetched with none of its relations. The remote-user backends
/// subclass `ModelBackend` without overriding it.
pub fn backend_gets_plain_user_row(backend: &str) -> bool {
    matches!(
        backend,
        "django.contrib.auth.backends.ModelBackend"
            | "django.contrib.auth.backends.AllowAllUsersModelBackend"
            | "django.contrib.auth.backends.RemoteUserBackend"
            | "django.contrib.auth.backends.AllowAllUsersRemoteUserBackend"
    )
}

/// The function a middleware's `__init__` calls on `self` to tell Django's
/// handler that the instance is a coroutine function (`markcoroutinefunction(self)`,
/// the documented pattern for async-capable middleware): the handler then
/// awaits `middleware(request)`, so a sync `__call__` runs on the loop.
pub fn marks_coroutine_function(qualname: &str) -> bool {
    matches!(qualname, "asgiref.sync.markcoroutinefunction")
}

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

/// Functions that run a coroutine to its end on an event loop they start in
/// the calling sync thread (a Celery task, a management command): the
/// coroutine's ORM use is on that loop, where Django raises
/// `SynchronousOnlyOperation`. `asyncio.run(coro)` takes the coroutine;
/// `async_to_sync(f)` wraps the coroutine function (called at once after).
pub const COROUTINE_RUNNER: &str = "asyncio.run";
pub const COROUTINE_FUNCTION_RUNNER: &str = "asgiref.sync.async_to_sync";
/// The event-loop method that runs a coroutine to its end
/// (`asyncio.get_event_loop().run_until_complete(coro)`).
pub const LOOP_RUN_METHOD: &str = "run_until_complete";

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inherited_methods_and_twins_of_contrib_managers() {
        let by_key =
            contrib_manager_method(USER_MANAGER, "get_by_natural_key").expect("inherited from BaseUserManager");
        assert_eq!(by_key.manager, BASE_USER_MANAGER);
        assert_eq!(
            contrib_manager_twin_of(USER_MANAGER, "aget_by_natural_key"),
            Some(by_key)
        );
        let session_save = contrib_manager_method(SESSION_MANAGER, "save").expect("inherited from BaseSessionManager");
        assert_eq!(session_save.manager, BASE_SESSION_MANAGER);
        // `get_current` has no twin, and what does not query is not listed.
        assert_eq!(contrib_manager_twin_of(SITE_MANAGER, "aget_current"), None);
        assert!(contrib_manager_method(SITE_MANAGER, "get_current").is_some());
        for (manager, method) in [
            (SITE_MANAGER, "clear_cache"),
            (CONTENT_TYPE_MANAGER, "clear_cache"),
            (USER_MANAGER, "with_perm"),
        ] {
            assert_eq!(contrib_manager_method(manager, method), None, "{manager}.{method}");
        }
        assert_eq!(
            contrib_model_manager("django.contrib.sites.models.Site"),
            Some(SITE_MANAGER)
        );
        assert_eq!(
            contrib_manager("django.contrib.auth.models.BaseUserManager"),
            Some("django.contrib.auth.models.BaseUserManager")
        );
        assert!(!may_be_contrib_manager_method("get"));
        assert!(may_be_contrib_manager_method("acreate_user"));
    }

    /// Each entry is called on the loop in an oracle case (`contrib_*.py`,
    /// and `rdj106_auth.py` for `create_user`), which real Django proves raising.
    #[test]
    fn every_contrib_manager_method_has_an_oracle_case() {
        let oracle_cases = super::super::oracle_case_sources();
        for entry in CONTRIB_MANAGER_METHODS {
            assert!(
                oracle_cases
                    .lines()
                    .any(|l| l.contains(&format!(".objects.{}(", entry.method))
                        && !l.contains("sync_to_async")
                        && !l.trim_start().starts_with("await ")),
                "no oracle case calls `{}.{}` on the loop",
                entry.manager,
                entry.method
            );
        }
    }
}
