//! Well-known third-party APIs that query the database (reported under
//! RDJ106): functions and methods that query when called, and
//! django-constance's settings, which query when used (database backend). Each entry is proven by an oracle case in
//! `fixtures/oracle/cases/` (`api_third_party.py` and the files beside it),
//! run with the package installed from PyPI at the version pinned in
//! `tests/requirements.txt`.

use super::django::{BlockingFunction, Returns};

/// One function of a third-party package.
#[derive(Debug)]
pub struct ThirdPartyApi {
    /// The PyPI distribution that provides it.
    pub package: &'static str,
    /// What it does, and where its query is.
    pub does: &'static str,
    pub function: BlockingFunction,
}

const fn entry(package: &'static str, qualname: &'static str, does: &'static str) -> ThirdPartyApi {
    ThirdPartyApi {
        package,
        does,
        function: BlockingFunction {
            qualname,
            twin: None,
            returns: Returns::Unknown,
            prefetches: false,
        },
    }
}

/// Functions by qualified name; a method of a class's instances is named
/// `module.Class().method` (the instance comes from calling the class, or
/// from a workspace class deriving from it).
pub static BLOCKING_FUNCTIONS: &[ThirdPartyApi] = &[
    entry(
        "django-waffle",
        "waffle.flag_is_active",
        "is a flag active for this request: `Flag.get(name)` reads the flag from the cache and, on a miss, from the database",
    ),
    entry(
        "django-waffle",
        "waffle.switch_is_active",
        "is a switch on: `Switch.get(name)`, a cache miss reads the database",
    ),
    entry(
        "django-waffle",
        "waffle.sample_is_active",
        "is a sample active: `Sample.get(name)`, a cache miss reads the database",
    ),
    entry(
        "django-guardian",
        "guardian.shortcuts.get_objects_for_user",
        "the objects a user holds a permission on: looks up the permissions' content types and the user's groups before building the QuerySet",
    ),
    entry(
        "django-guardian",
        "guardian.shortcuts.get_perms",
        "the permission codenames a user or group has on an object: an `ObjectPermissionChecker` query",
    ),
    entry(
        "django-guardian",
        "guardian.shortcuts.assign_perm",
        "grants an object permission: reads the `Permission` row and writes a `UserObjectPermission`",
    ),
    entry(
        "django-guardian",
        "guardian.shortcuts.remove_perm",
        "revokes an object permission: a delete query",
    ),
    entry(
        "django-guardian",
        "guardian.core.ObjectPermissionChecker().has_perm",
        "does the checker's user or group hold a permission on an object: the first question per object queries its permissions (then cached on the checker)",
    ),
    entry(
        "django-tos",
        "tos.models.has_user_agreed_latest_tos",
        "did the user accept the active terms of service: reads the active `TermsOfService` and asks whether a `UserAgreement` row exists",
    ),
    entry(
        "djangorestframework",
        "rest_framework.pagination.PageNumberPagination().paginate_queryset",
        "one page of a QuerySet: Django's `Paginator` counts it and the page is listed (no query only when no page size is set)",
    ),
    entry(
        "djangorestframework",
        "rest_framework.pagination.LimitOffsetPagination().paginate_queryset",
        "`limit`/`offset` slice of a QuerySet: counts it and lists the slice (no query without a limit)",
    ),
    entry(
        "djangorestframework",
        "rest_framework.pagination.CursorPagination().paginate_queryset",
        "a cursor page of a QuerySet: lists the slice",
    ),
    entry(
        "djangorestframework",
        "rest_framework.pagination.BasePagination().paginate_queryset",
        "a generic view's `self.paginator` of a class known only at run time (the setting `DEFAULT_PAGINATION_CLASS`): REST framework's paginators list the page, and a paginator is there to do so; not when the call is awaited (an async paginator)",
    ),
    entry(
        "django-model-utils",
        "model_utils.managers.InheritanceManager().get_subclass",
        "one row as the instance of its most derived subclass: `get()` over a QuerySet joined to every subclass table",
    ),
];

/// Methods of a model manager from an installed package (and of the
/// QuerySets it hands out, so on `Model.objects.filter(...)` too) that query
/// and return one row of the model: the entry of [`BLOCKING_FUNCTIONS`]
/// named `manager().method`.
pub fn manager_method_returning_row(manager: &str, method: &str) -> Option<&'static ThirdPartyApi> {
    BLOCKING_FUNCTIONS.iter().find(|e| {
        e.function
            .qualname
            .strip_prefix(manager)
            .and_then(|rest| rest.strip_prefix("()."))
            == Some(method)
    })
}

/// Methods of such a manager that return a new QuerySet of the model
/// (django-model-utils' `InheritanceQuerySet.select_subclasses()`, whose
/// rows are subclass instances).
const MANAGER_QUERYSET_METHODS: &[(&str, &str)] = &[("model_utils.managers.InheritanceManager", "select_subclasses")];

pub fn manager_method_returns_queryset(manager: &str, method: &str) -> bool {
    MANAGER_QUERYSET_METHODS.contains(&(manager, method))
}

/// REST framework's generic views: `view.paginator` is an instance of the
/// view's `pagination_class` (`GenericAPIView.paginator`), of the setting
/// `DEFAULT_PAGINATION_CLASS` when the view names none.
const GENERIC_VIEWS: &[&str] = &[
    "rest_framework.generics.GenericAPIView",
    "rest_framework.generics.CreateAPIView",
    "rest_framework.generics.ListAPIView",
    "rest_framework.generics.RetrieveAPIView",
    "rest_framework.generics.DestroyAPIView",
    "rest_framework.generics.UpdateAPIView",
    "rest_framework.generics.ListCreateAPIView",
    "rest_framework.generics.RetrieveUpdateAPIView",
    "rest_framework.generics.RetrieveDestroyAPIView",
    "rest_framework.generics.RetrieveUpdateDestroyAPIView",
    "rest_framework.viewsets.GenericViewSet",
    "rest_framework.viewsets.ReadOnlyModelViewSet",
    "rest_framework.viewsets.ModelViewSet",
];

pub fn is_generic_view(qualname: &str) -> bool {
    GENERIC_VIEWS.contains(&qualname)
}

/// A generic view's paginator, and the class attribute that chooses it.
pub const VIEW_PAGINATOR: &str = "paginator";
pub const VIEW_PAGINATION_CLASS: &str = "pagination_class";

/// The paginator of a view whose pagination class is known only at run
/// time (the setting, or an expression): one of REST framework's paginators,
/// which list the page, or a custom one. A custom one may be a coroutine
/// function (adrf's async paginators), which the code then awaits.
pub const CONFIGURED_PAGINATOR: &str = "rest_framework.pagination.BasePagination";

/// A method of a class known only by its base, which may be overridden by a
/// coroutine function: awaited, the call is not the blocking one.
pub fn may_be_coroutine(qualname: &str) -> bool {
    qualname
        .strip_prefix(CONFIGURED_PAGINATOR)
        .is_some_and(|rest| rest.starts_with("()."))
}

/// Whether instances of the external class `qualname` have methods in
/// [`BLOCKING_FUNCTIONS`] (so the analysis follows its instances).
pub fn has_blocking_methods(qualname: &str) -> bool {
    BLOCKING_FUNCTIONS.iter().any(|e| {
        e.function
            .qualname
            .strip_prefix(qualname)
            .is_some_and(|rest| rest.starts_with("()."))
    })
}

/// Django REST framework's serializers: `.data` of one built over a
/// QuerySet (`many=True`) iterates it (`ListSerializer.to_representation`).
const SERIALIZERS: &[&str] = &[
    "rest_framework.serializers.BaseSerializer",
    "rest_framework.serializers.Serializer",
    "rest_framework.serializers.ModelSerializer",
    "rest_framework.serializers.HyperlinkedModelSerializer",
    "rest_framework.serializers.ListSerializer",
];

pub fn is_serializer(qualname: &str) -> bool {
    SERIALIZERS.contains(&qualname)
}

/// The serializer attribute that renders (and so evaluates) its instance.
pub const SERIALIZER_RENDERS: &str = "data";

/// django-constance's `config` (`from constance import config`). Since
/// django-constance 4.3, `config.KEY` read inside a running event loop
/// returns a lazy proxy: `await config.KEY` reads it asynchronously, while
/// using the proxy as a value (truth, comparison, arithmetic, `str()`,
/// formatting, indexing) reads the backend synchronously. With the database
/// backend that read is a query; with the default Redis backend it is no
/// ORM call, so nothing is said unless the settings name the database
/// backend.
pub const CONSTANCE_CONFIG: &str = "constance.config";

/// The setting that chooses django-constance's backend.
pub const CONSTANCE_BACKEND_SETTING: &str = "CONSTANCE_BACKEND";

pub fn is_constance_database_backend(backend: &str) -> bool {
    backend == "constance.backends.database.DatabaseBackend"
}

/// Strawberry's resolver `Info` (`info: strawberry.Info`), as the instance
/// a resolver receives.
pub fn is_strawberry_info(qualname: &str) -> bool {
    matches!(
        qualname,
        "strawberry.Info" | "strawberry.types.Info" | "strawberry.types.info.Info"
    )
}

/// Such an `Info`, in the inference.
pub const STRAWBERRY_INFO: &str = "strawberry.types.info.Info()";

/// Its `info.context`, in the inference.
pub const STRAWBERRY_INFO_CONTEXT: &str = "strawberry.types.info.Info().context";

/// Strawberry's Django views: their `get_context` returns a
/// `StrawberryDjangoContext(request=request, response=response)`
/// (strawberry/django/views.py; the dataclass types `request: HttpRequest`
/// in strawberry/django/context.py), so `info.context.request` is Django's
/// request (an `ASGIRequest` under `AsyncGraphQLView`).
pub fn is_strawberry_django_view(qualname: &str) -> bool {
    matches!(
        qualname,
        "strawberry.django.views.AsyncGraphQLView" | "strawberry.django.views.GraphQLView"
    )
}

/// Builtins that use a value (and so read a constance setting's proxy).
pub fn uses_value(builtin: &str) -> bool {
    matches!(
        builtin,
        "str" | "int" | "float" | "bool" | "len" | "repr" | "list" | "tuple" | "set" | "sorted" | "print"
    )
}

#[cfg(test)]
mod tests {
    use super::BLOCKING_FUNCTIONS;

    const REQUIREMENTS: &str = include_str!("../../tests/requirements.txt");

    /// Each entry is called on the loop in an oracle case (which real
    /// Django, with the package installed, proves raising), and its package
    /// is pinned for the tests.
    #[test]
    fn every_entry_has_an_oracle_case_and_a_pinned_package() {
        let oracle_cases = super::super::oracle_case_sources();
        for entry in BLOCKING_FUNCTIONS {
            let method = entry.function.qualname.rsplit('.').next().unwrap();
            assert!(
                oracle_cases
                    .lines()
                    .any(|l| l.contains(&format!("{method}(")) && !l.contains("sync_to_async")),
                "no oracle case calls `{}` on the loop",
                entry.function.qualname
            );
            assert!(
                REQUIREMENTS
                    .lines()
                    .any(|l| l.starts_with(&format!("{}==", entry.package))),
                "`{}` is not pinned in tests/requirements.txt",
                entry.package
            );
        }
    }
}
