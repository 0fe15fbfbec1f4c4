//! Django's managers and QuerySets: what a method called on a manager, a
//! QuerySet, an instance, a session, a paginator or a request returns,
//! which of those calls query (handed on as an `Effect`), and custom
//! manager methods for the model they were called on. The facts about
//! Django's API live in `knowledge::django`; this file applies them and
//! never decides a rule.

use tree_sitter::Node;

use super::Walker;
use crate::checker::effects::{self, Effect, Receiver};
use crate::checker::types::{Loaded, Ty};
use crate::index::{ClassKind, FuncRef};
use crate::knowledge::django;
use crate::knowledge::third_party;
use crate::python;
use crate::syntax::{field, named_children};

impl<'a> Walker<'a> {
    /// `recv.method(...)` on a receiver whose type we know.
    pub(super) fn method_call(
        &mut self,
        call: Node<'a>,
        func: Node<'a>,
        obj: Option<Node<'a>>,
        obj_ty: &Ty,
        method: &'a str,
        args: Option<Node<'a>>,
    ) -> Option<Ty> {
        match obj_ty {
            Ty::Manager { model, related, back } => {
                // Rows of `order.items` have `item.order` cached by Django.
                let mut loaded = Loaded::fresh();
                loaded.cached.extend(back.iter().cloned());
                loaded.origin = obj.map(|o| (self.file, o.end_byte(), String::new()));
                self.queryset_method(call, func, *model, false, &loaded, *related, method, args)
            }
            Ty::QuerySet { model, values, loaded } => {
                let loaded = loaded.clone();
                self.queryset_method(call, func, *model, *values, &loaded, false, method, args)
            }
            // `obj.rel.all()` is served from the prefetch cache; `obj.rel.filter(...)`
            // is a new query of the related model (what the prefetch loaded
            // on its rows is not known here).
            Ty::PrefetchedRelated(model) => Some(match method {
                "all" | "get_queryset" => obj_ty.clone(),
                m if django::returns_queryset(m) && m != "none" => Ty::QuerySet {
                    model: *model,
                    values: django::returns_values(m),
                    loaded: Loaded::unknown(),
                },
                _ => Ty::Unknown,
            }),
            Ty::Instance { model, .. } => {
                if django::model_method_blocks(method) {
                    let on = Receiver::Model(*model);
                    self.report_blocking_method(call, func, on, method, args);
                    return Some(Ty::Unknown);
                }
                if method == "arefresh_from_db" {
                    self.refresh_instance(obj, args);
                    return Some(Ty::Awaitable(Box::new(Ty::Unknown)));
                }
                // A user model that defines the method itself runs its own
                // code (Weblate's `has_perm` reads permission caches): that
                // code is followed as any model method, not Django's.
                if django::user_method_blocks(method)
                    && self.is_user_model(*model)
                    && !self.model_defines_method(*model, method)
                {
                    let on = Receiver::User;
                    self.report_blocking_method(call, func, on, method, args);
                    return Some(Ty::Unknown);
                }
                if django::is_async_model_twin(method) {
                    return Some(Ty::Awaitable(Box::new(Ty::Unknown)));
                }
                None
            }
            Ty::Session => {
                if django::session_method_blocks(method) {
                    let on = Receiver::Session;
                    self.report_blocking_method(call, func, on, method, args);
                }
                Some(Ty::Unknown)
            }
            Ty::Paginator(qs) if django::paginator_method_counts(method) => {
                if let Some(paginator) = obj {
                    effects::report(self, Effect::PaginatorCounts { at: call, paginator });
                }
                Some(if django::paginator_method_returns_page(method) {
                    Ty::Page(qs.clone())
                } else {
                    Ty::Unknown
                })
            }
            Ty::Request if method == "auser" => {
                // A row with nothing loaded when the backend's `aget_user`
                // is `ModelBackend`'s; another backend (or a middleware of
                // the project that sets the user) may return anything.
                let loaded = if !self.user_assigned && self.auth_backends_get_plain_rows() {
                    Loaded::fresh()
                } else {
                    Loaded::unknown()
                };
                let user = self.index.auth_user().map(|m| Ty::Instance { model: m, loaded });
                Some(Ty::Awaitable(Box::new(user.unwrap_or(Ty::Unknown))))
            }
            _ => {
                let _ = obj;
                None
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn queryset_method(
        &mut self,
        call: Node<'a>,
        func: Node<'a>,
        model: crate::index::ModelId,
        values: bool,
        loaded: &Loaded,
        related: bool,
        method: &'a str,
        args: Option<Node<'a>>,
    ) -> Option<Ty> {
        // A contrib manager's querying method (`Site.objects.get_current()`,
        // `User.objects.create_user()`) or its async twin.
        if let Some(manager) = self.contrib_manager_for(model, method) {
            let row = || Ty::Instance {
                model,
                loaded: Loaded::fresh(),
            };
            if let Some(api) = django::contrib_manager_method(manager, method) {
                self.report_blocking_method(call, func, Receiver::ContribManager(api), method, args);
                return Some(if api.returns_row { row() } else { Ty::Unknown });
            }
            if let Some(api) = django::contrib_manager_twin_of(manager, method) {
                return Some(Ty::Awaitable(Box::new(if api.returns_row {
                    row()
                } else {
                    Ty::Unknown
                })));
            }
        }
        if method == "none" || self.empty_input(method, args) {
            // Django answers these without a query.
            return Some(Ty::Unknown);
        }
        if method == "iterator" {
            return Some(Ty::SyncIterator(Box::new(Ty::QuerySet {
                model,
                values,
                loaded: loaded.clone(),
            })));
        }
        if related && django::related_manager_method_blocks(method) {
            let on = Receiver::RelatedManager;
            self.report_blocking_method(call, func, on, method, args);
            return Some(self.query_result(model, values, loaded, method, args));
        }
        if let Some(api) = self.external_manager_method(model, |m| third_party::manager_method_returning_row(m, method))
        {
            effects::report(
                self,
                Effect::BlockingCall {
                    call,
                    func,
                    api: &api.function,
                },
            );
            return Some(Ty::Instance {
                model,
                loaded: Loaded::fresh(),
            });
        }
        if django::queryset_method_blocks(method) {
            let on = Receiver::QuerySet;
            self.report_blocking_method(call, func, on, method, args);
            return Some(self.query_result(model, values, loaded, method, args));
        }
        if let Some(sync) = method.strip_prefix('a') {
            if django::is_async_queryset_twin(method) || django::is_async_related_manager_twin(method) {
                if sync == "iterator" {
                    return Some(Ty::AsyncIter(Box::new(item_ty(model, values, loaded))));
                }
                return Some(Ty::Awaitable(Box::new(
                    self.query_result(model, values, loaded, sync, args),
                )));
            }
        }
        let custom = self.index.model(model).members().queryset_methods.contains(method)
            || (model == self.index.any_model
                && self
                    .index
                    .queryset_methods_of(&self.own_manager_class())
                    .iter()
                    .any(|m| m == method))
            || self
                .external_manager_method(model, |m| {
                    third_party::manager_method_returns_queryset(m, method).then_some(())
                })
                .is_some();
        if django::returns_queryset(method) || custom {
            let mut loaded = loaded.clone();
            let mut values = values;
            match method {
                "select_related" => loaded
                    .select_related
                    .add(self.string_args(args).filter(|a| !a.is_empty())),
                "prefetch_related" => self.note_prefetches(&mut loaded, args),
                "only" => {
                    loaded.only = self.string_args(args).or_else(|| Some(Vec::new())).map(|mut v| {
                        if let Some(prev) = &loaded.only {
                            v.extend(prev.iter().cloned());
                        }
                        v
                    })
                }
                "defer" => match self.string_args(args) {
                    Some(a) => loaded.deferred.extend(a),
                    None => loaded.known = false,
                },
                m if django::returns_values(m) => values = true,
                _ => {}
            }
            if self.string_args(args).is_none() && matches!(method, "only") {
                loaded.known = false;
            }
            loaded.origin = Some((self.file, call.end_byte(), String::new()));
            return Some(Ty::QuerySet { model, values, loaded });
        }
        None
    }

    /// `bulk_create([])`, `in_bulk([])`, `filter(pk__in=[])`: literal empty
    /// input, which Django short-circuits without a query.
    pub(super) fn empty_input(&self, method: &str, args: Option<Node<'a>>) -> bool {
        let is_empty_list = |n: Node<'_>| matches!(n.kind(), "list" | "tuple" | "set") && n.named_child_count() == 0;
        match method {
            "bulk_create" | "in_bulk" | "bulk_update" => {
                self.positional_args(args).first().is_some_and(|a| is_empty_list(*a))
            }
            "filter" => self.arg_nodes(args).iter().any(|a| {
                a.kind() == "keyword_argument"
                    && field(*a, "name").is_some_and(|n| self.text(n).ends_with("__in"))
                    && field(*a, "value").is_some_and(is_empty_list)
            }),
            _ => false,
        }
    }

    /// What a query method returns (its sync form).
    pub(super) fn query_result(
        &self,
        model: crate::index::ModelId,
        values: bool,
        loaded: &Loaded,
        method: &str,
        args: Option<Node<'a>>,
    ) -> Ty {
        match method {
            m if django::returns_one_row(m) => item_ty(model, values, loaded),
            "create" => {
                let mut l = Loaded::fresh();
                l.cached = self.keyword_names(args);
                Ty::Instance { model, loaded: l }
            }
            "get_or_create" | "update_or_create" => {
                // Either fetched by `get(**kwargs)` (with what the query loads,
                // and a related manager's back relation) or created. A created
                // row has every relation it was given cached, and those it was
                // not given are empty (no query), so the fetched row decides:
                // its lookup keywords are not cached on it.
                let (set_on_fetched, created_with) = self.or_create_keys(method, args);
                // A relation created by its `<name>_id` is loaded on first
                // use: `select_related` on the query cannot help that row.
                let origin = if created_with.iter().any(|k| k.ends_with("_id")) {
                    None
                } else {
                    loaded.origin.clone()
                };
                let mut cached = loaded.cached.clone();
                cached.extend(
                    set_on_fetched
                        .into_iter()
                        .filter(|k| !created_with.contains(&format!("{k}_id"))),
                );
                let l = Loaded {
                    known: true,
                    select_related: loaded.select_related.clone(),
                    cached,
                    origin,
                    ..Loaded::default()
                };
                Ty::Tuple(vec![Ty::Instance { model, loaded: l }, Ty::Unknown])
            }
            _ => Ty::Unknown,
        }
    }

    /// The field names `get_or_create` / `update_or_create` (Django 5.2) set
    /// on the row they return: (set on a fetched row, given to `create` on
    /// the other path). A fetched row gets `setattr(obj, key, value)` for
    /// every key of `update_or_create`'s `defaults` (nothing for
    /// `get_or_create`); a created one is `create(**kwargs, **defaults)`, with
    /// `create_defaults` instead of `defaults` when given. Only literal
    /// `{"key": ...}` keys are known.
    pub(super) fn or_create_keys(&self, method: &str, args: Option<Node<'a>>) -> (Vec<String>, Vec<String>) {
        let positional = self.positional_args(args);
        let dict_keys = |value: Option<Node<'a>>| -> Vec<String> {
            value
                .filter(|v| v.kind() == "dictionary")
                .map(|v| {
                    named_children(v)
                        .into_iter()
                        .filter(|p| p.kind() == "pair")
                        .filter_map(|p| field(p, "key").and_then(|k| python::string_value(k, self.src)))
                        .collect()
                })
                .unwrap_or_default()
        };
        let defaults = dict_keys(
            self.keyword_value(args, "defaults")
                .or_else(|| positional.first().copied()),
        );
        let create_defaults = match self
            .keyword_value(args, "create_defaults")
            .or_else(|| positional.get(1).copied())
        {
            Some(given) if method == "update_or_create" => dict_keys(Some(given)),
            _ => defaults.clone(),
        };
        let created_with = self
            .keyword_names(args)
            .into_iter()
            .filter(|k| !k.contains("__") && k != "defaults" && k != "create_defaults")
            .chain(create_defaults)
            .collect();
        let set_on_fetched = if method == "update_or_create" {
            defaults
        } else {
            Vec::new()
        };
        (set_on_fetched, created_with)
    }

    /// The user model (`AUTH_USER_MODEL`), or a model shaped like Django's
    /// `AbstractBaseUser` + `PermissionsMixin` (a password and `is_superuser`).
    pub(super) fn is_user_model(&self, model: crate::index::ModelId) -> bool {
        self.index.auth_user() == Some(model) || {
            let m = self.index.model(model);
            m.fields_known && m.field("password").is_some() && m.field("is_superuser").is_some()
        }
    }

    /// The Django contrib manager behind `model`'s managers, asked only when
    /// some contrib manager has `method` (or its twin): the user manager
    /// for the user model, the contrib model's own manager, or a contrib
    /// manager class a workspace model declares (`objects = SiteManager()`).
    pub(super) fn contrib_manager_for(&self, model: crate::index::ModelId, method: &str) -> Option<&'static str> {
        if !django::may_be_contrib_manager_method(method) {
            return None;
        }
        if self.is_user_model(model) {
            return Some(django::USER_MANAGER);
        }
        let info = self.index.model(model);
        django::contrib_model_manager(&info.qualname).or_else(|| {
            info.members()
                .external_managers
                .iter()
                .find_map(|m| django::contrib_manager(m))
        })
    }

    /// What `find` says of the first of `model`'s managers from an installed
    /// package that it knows.
    pub(super) fn external_manager_method<T>(
        &self,
        model: crate::index::ModelId,
        find: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let info = self.index.model(model);
        info.members().external_managers.iter().find_map(|m| find(m))
    }

    /// A method of the workspace Manager/QuerySet classes behind `model`'s
    /// managers; for a manager of any model (`self` in such a class), of the
    /// class being walked.
    pub(super) fn custom_method(&self, model: crate::index::ModelId, name: &str) -> Option<FuncRef> {
        if model == self.index.any_model {
            self.index.manager_class_method(&self.own_manager_class(), name)
        } else {
            self.index.custom_manager_method(model, name)
        }
    }

    /// A custom manager method's result, inferred with `self` a manager of
    /// any model, for the model whose manager it was called on.
    pub(super) fn for_model(&self, ty: Ty, model: crate::index::ModelId) -> Ty {
        let any = self.index.any_model;
        match ty {
            Ty::Instance { model: m, loaded } if m == any => Ty::Instance { model, loaded },
            Ty::QuerySet {
                model: m,
                values,
                loaded,
            } if m == any => Ty::QuerySet { model, values, loaded },
            Ty::List(inner) => Ty::List(Box::new(self.for_model(*inner, model))),
            Ty::Maybe(inner) => Ty::Maybe(Box::new(self.for_model(*inner, model))),
            Ty::Awaitable(inner) => Ty::Awaitable(Box::new(self.for_model(*inner, model))),
            ty => ty,
        }
    }

    /// The Manager or QuerySet class whose method is being walked (its
    /// `self` is a manager of any model), to find its other methods.
    pub(super) fn own_manager_class(&self) -> Vec<crate::index::ClassRef> {
        self.class
            .filter(|c| matches!(self.index.class_kind(*c), ClassKind::Manager | ClassKind::QuerySet))
            .into_iter()
            .collect()
    }
}

/// What a row of a QuerySet of `model` is: an instance, with what the
/// QuerySet loads; the dicts or tuples of a `values()` QuerySet are not
/// typed.
pub(super) fn item_ty(model: crate::index::ModelId, values: bool, loaded: &Loaded) -> Ty {
    if values {
        Ty::Unknown
    } else {
        Ty::Instance {
            model,
            loaded: loaded.clone(),
        }
    }
}

/// A row of `ty` when it is a QuerySet of model instances ([`item_ty`]);
/// `None` for anything else, a `values()` QuerySet included.
pub(super) fn row_of(ty: &Ty) -> Option<Ty> {
    match ty {
        Ty::QuerySet {
            model,
            values: false,
            loaded,
        } => Some(item_ty(*model, false, loaded)),
        _ => None,
    }
}
