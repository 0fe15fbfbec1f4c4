use tree_sitter::Node;

use crate::checker::walker::Walker;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::knowledge::django::{self, BlockingFunction, ManagerMethod};
use crate::rules::{fixes, Rule};
use crate::syntax::field;

declare_rule! {
    /// ## What it does
    /// Flags Django APIs that query the database, called in async code:
    /// `get_object_or_404` / `get_list_or_404`, `prefetch_related_objects`,
    /// `authenticate`, `login`, `logout`, `get_user`,
    /// `update_session_auth_hash`, the querying methods of Django's contrib
    /// managers (`knowledge::django::CONTRIB_MANAGER_METHODS`: the user
    /// manager's `create_user` / `create_superuser` / `get_by_natural_key`,
    /// `Group`'s, `Permission`'s and `Site`'s `get_by_natural_key`,
    /// `Site.objects.get_current()`, `ContentType.objects.get_for_model()` /
    /// `get_for_models()` / `get_for_id()` / `get_by_natural_key()` — the
    /// last five answer from a cache once warm, but a server's first call
    /// queries — and `Session.objects.save()`), a user's `has_perm` / `has_perms` /
    /// `has_module_perms` / `check_password`, attribute reads of
    /// `request.user` on a Django `HttpRequest` (a lazy object), a
    /// session's `save` / `flush` / `cycle_key`, and setting or deleting a
    /// key of reflex-django's `self.session` (`AppState`'s `SessionProxy`,
    /// which saves the session on each change). Also the well-known
    /// third-party functions that query (`knowledge::third_party`):
    /// django-waffle's `flag_is_active` / `switch_is_active` /
    /// `sample_is_active`, django-guardian's `get_objects_for_user`,
    /// `get_perms`, `assign_perm`, `remove_perm` and
    /// `ObjectPermissionChecker(...).has_perm`, django-tos's
    /// `has_user_agreed_latest_tos`, and REST framework's paginators'
    /// `paginate_queryset` (also a generic view's `self.paginator`, of its
    /// `pagination_class` or of one chosen at run time, unless awaited); and a django-constance setting
    /// (`config.KEY`) used as a value (truth, comparison, arithmetic,
    /// `str()`, formatting) when the project's settings choose the database
    /// backend: inside an event loop `config.KEY` is a lazy proxy that reads
    /// the database when used, and `await config.KEY` is its async form.
    ///
    /// reflex-django's `self.request.user` is not flagged: its event bridge
    /// resolves the user before the handler runs.
    ///
    /// ## Why is this bad?
    /// Each runs a synchronous query (some only with certain data: a
    /// superuser's `has_perm`, or `check_password` when the hash needs an
    /// upgrade, answer without one), which raises `SynchronousOnlyOperation`
    /// on the event loop.
    ///
    /// ## Example
    /// ```python
    /// async def order_detail(request, pk):
    ///     order = get_object_or_404(Order, pk=pk)
    ///     if request.user.is_staff:
    ///         ...
    /// ```
    ///
    /// ## Fix
    /// Use the async twin when the target Django version has it: 5.0 added
    /// `aget_object_or_404`, `aget_list_or_404`, `aprefetch_related_objects`,
    /// `aauthenticate`, `alogin`, `alogout`, `aget_user`,
    /// `aupdate_session_auth_hash` and `await request.auser()`; 5.1 the
    /// session's `asave`, `aflush`, `acycle_key`; 5.2 `acreate_user`,
    /// `acreate_superuser`, the user's and `Group`'s `aget_by_natural_key`,
    /// `ahas_perm`, `ahas_perms`, `ahas_module_perms`, `acheck_password`.
    /// Otherwise wrap the call in `sync_to_async`:
    /// `await sync_to_async(Site.objects.get_current)()`.
    ///
    /// The third-party functions have no async twin: call them through
    /// `await sync_to_async(flag_is_active)(request, "name")`.
    ///
    /// For reflex-django's session, change the request's session and save it
    /// once: `self.request.session["theme"] = "dark"`, then
    /// `await self.session.asave()`.
    pub struct BlockingDjangoApi;
}

fn short(q: &str) -> &str {
    q.rsplit('.').next().unwrap_or(q)
}

/// A call of a function that queries (Django's, or a well-known
/// third-party one from `knowledge::third_party`).
pub fn report_blocking_function<'a>(w: &mut Walker<'a>, call: Node<'a>, func: Node<'a>, api: &BlockingFunction) {
    let what = format!("`{}()` queries the database and blocks the event loop", short(api.qualname));
    let fix = match api.twin {
        Some((_, since)) if w.django_version >= since => function_twin_fix(w, call, func, api.qualname),
        _ => None,
    };
    w.report_blocking_fix(Rule::RDJ106, call.byte_range(), what, fix);
}

/// `user.has_perm(...)` and friends.
pub fn report_user_method<'a>(w: &mut Walker<'a>, call: Node<'a>, func: Node<'a>, method: &str) {
    let what = format!("`{}` may query the database and blocks the event loop", w.call_snippet(func));
    let fix = (w.django_version >= django::USER_TWINS_SINCE).then(|| fixes::await_twin(w, call, func, method, Applicability::Safe)).flatten();
    w.report_blocking_fix(Rule::RDJ106, call.byte_range(), what, fix);
}

/// `User.objects.create_user(...)`, `Site.objects.get_current()`: a Django
/// contrib manager's method that queries. Without an async twin (or before
/// the Django version that added it) there is no automatic fix: the call
/// goes through `sync_to_async`.
pub fn report_contrib_manager<'a>(w: &mut Walker<'a>, call: Node<'a>, func: Node<'a>, api: &ManagerMethod) {
    let what = match api.cache {
        None => format!("`{}` queries the database and blocks the event loop", w.call_snippet(func)),
        Some(cache) => format!(
            "`{}` queries the database (unless {cache} already holds the answer) and blocks the event loop",
            w.call_snippet(func)
        ),
    };
    let fix = api
        .twin_since
        .filter(|since| w.django_version >= *since)
        .and_then(|_| fixes::await_twin(w, call, func, api.method, Applicability::Safe));
    w.report_blocking_fix(Rule::RDJ106, call.byte_range(), what, fix);
}

/// `request.session.save()` / `flush()` / `cycle_key()`.
pub fn report_session_method<'a>(w: &mut Walker<'a>, call: Node<'a>, func: Node<'a>, method: &str) {
    let what = format!("`{}` queries the session store and blocks the event loop", w.call_snippet(func));
    let fix = (w.django_version >= django::SESSION_TWINS_SINCE).then(|| fixes::await_twin(w, call, func, method, Applicability::Safe)).flatten();
    w.report_blocking_fix(Rule::RDJ106, call.byte_range(), what, fix);
}

/// `self.session[k] = v` / `del self.session[k]` on reflex-django's
/// `SessionProxy`: its `__setitem__` / `__delitem__` call the sync
/// `session.save()`. No automatic fix: the async form is two statements
/// (`self.request.session[k] = v`, then `await self.session.asave()`).
pub fn report_session_proxy_write<'a>(w: &mut Walker<'a>, target: Node<'a>, deleting: bool) {
    let verb = if deleting { "deleting" } else { "setting" };
    let what = format!(
        "{verb} `{}` saves the session (reflex-django's `SessionProxy` calls the sync `session.save()`) and blocks the event loop",
        w.snippet(target)
    );
    w.report_blocking(Rule::RDJ106, target.byte_range(), what);
}

/// `request.user.<attr>`: the lazy user resolves with a query on first read.
pub fn check_lazy_user_read<'a>(w: &mut Walker<'a>, node: Node<'a>) {
    let what = format!("`{}` resolves the lazy `request.user` with a query that blocks the event loop", w.snippet(node));
    // `request.user.x` → `(await request.auser()).x` (Django 5.0); both cache the user.
    let user = field(node, "object").filter(|u| u.kind() == "attribute");
    let request = user.and_then(|u| field(u, "object"));
    let fix = match (user, request) {
        (Some(user), Some(request)) if w.django_version >= django::AUSER_SINCE && w.can_await_at(node) => Some(Fix {
            applicability: Applicability::Safe,
            message: "Use `(await request.auser())`".into(),
            edits: vec![Edit { range: user.byte_range(), content: format!("(await {}.auser())", w.text(request)) }],
        }),
        _ => None,
    };
    w.report_blocking_fix(Rule::RDJ106, node.byte_range(), what, fix);
}

/// `get_object_or_404(...)` → `await aget_object_or_404(...)`, importing the
/// twin from the module the original came from when it was imported by name.
fn function_twin_fix<'a>(w: &Walker<'a>, call: Node<'a>, func: Node<'a>, q: &str) -> Option<Fix> {
    if !w.can_await_at(call) {
        return None;
    }
    let twin = format!("a{}", short(q));
    let mut edits = fixes::await_edits(call);
    match func.kind() {
        "identifier" => {
            let local = w.text(func);
            let module = w.index.file(w.file).summary().imports.iter().rev().find_map(|b| match &b.target {
                crate::index::summary::ImportTarget::Member { module, name } if b.local == local && b.scope.is_none() => {
                    Some((module.clone(), name.clone()))
                }
                _ => None,
            });
            let (module, _) = module?;
            edits.push(Edit { range: func.byte_range(), content: twin.clone() });
            edits.extend(fixes::ensure_import(w, &module, &twin).ok()?);
        }
        "attribute" => {
            let name = field(func, "attribute")?;
            edits.push(Edit { range: name.byte_range(), content: twin.clone() });
        }
        _ => return None,
    }
    Some(Fix { applicability: Applicability::Safe, message: format!("Use `await {twin}()`"), edits })
}

/// `if config.KEY:`, `config.KEY + 1`, `f"{config.KEY}"`: django-constance's
/// proxy reads the database backend synchronously when used as a value.
pub fn report_config_value_use<'a>(w: &mut Walker<'a>, at: Node<'a>, value: Node<'a>) {
    let what = format!(
        "using the constance setting `{}` reads it from the database (`await {}` reads it asynchronously) and blocks the event loop",
        w.snippet(value),
        w.snippet(value)
    );
    w.report_blocking(Rule::RDJ106, at.byte_range(), what);
}
