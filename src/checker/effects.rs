//! Effects: what the inference found an expression does at run time (a
//! QuerySet evaluated by a consumer, a call of a function that queries).
//! The walker computes the types and the effect from the Django knowledge
//! (`crate::knowledge`); the rule that owns the effect decides whether and
//! how it is reported (message, fix), and the execution context decides
//! what a report means (`Walker::report_blocking_fix`).

use tree_sitter::Node;

use super::types::Ty;
use super::walker::Walker;
use crate::index::ModelId;
use crate::knowledge::django::{BlockingFunction, Consumer, ManagerMethod};
use crate::rules;

/// How a QuerySet (or a lazy iterator over one) is evaluated.
#[derive(Debug, Clone, Copy)]
pub enum Evaluation<'a> {
    /// Passed to a builtin or library function that consumes it
    /// (`list(qs)`, `itertools.groupby(qs, key)`); `positional` counts the
    /// call's positional arguments (for the fix).
    Consumer {
        consumer: &'static Consumer,
        positional: usize,
    },
    /// Passed to a consuming method of a builtin container or string
    /// (`", ".join(qs)`, `seen.update(qs)`).
    Method(&'static Consumer),
    /// Unpacked with `*` (`print(*qs)`, `[*qs]`).
    Splat,
    /// `yield from qs` in a generator drained on the event loop.
    YieldFrom,
    /// `x in qs` (`negated`: `not in`); `element` is `x` when the comparison
    /// has no other operands, `element_is_row` when it is an instance of
    /// the QuerySet's model (so `qs.acontains(x)` can replace it).
    Membership {
        negated: bool,
        element: Option<Node<'a>>,
        element_is_row: bool,
    },
    /// `qs[i]` (the value is the whole subscript).
    Index,
    /// `qs[a:b:step]` (the value is the whole subscript).
    SteppedSlice,
    /// `serializer.data` of a REST framework serializer over the QuerySet.
    SerializerData,
}

/// What a blocking method is called on (each kind is one rule's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receiver {
    /// A QuerySet or manager (RDJ101).
    QuerySet,
    /// A model instance (RDJ102; the validation methods only for models they query for).
    Model(ModelId),
    /// A related manager's writing methods (RDJ105).
    RelatedManager,
    /// A user instance (`has_perm`, `check_password`: RDJ106).
    User,
    /// A Django contrib manager's querying method (`User.objects.create_user`,
    /// `Site.objects.get_current`: RDJ106).
    ContribManager(&'static ManagerMethod),
    /// A session (`save`, `flush`, `cycle_key`: RDJ106).
    Session,
}

#[derive(Debug)]
pub enum Effect<'a> {
    /// `value` (of type `ty`) is evaluated at `at`.
    Evaluates {
        at: Node<'a>,
        value: Node<'a>,
        ty: Box<Ty>,
        how: Evaluation<'a>,
    },
    /// A `Paginator` over a QuerySet counts it (`paginator.count`,
    /// `paginator.page(n)`): the QuerySet's `count()` query runs at `at`.
    PaginatorCounts { at: Node<'a>, paginator: Node<'a> },
    /// `recv.method(args)`: a method that queries, on `on`.
    BlockingMethod {
        call: Node<'a>,
        func: Node<'a>,
        on: Receiver,
        method: &'a str,
        args: Option<Node<'a>>,
    },
    /// A django-constance setting's proxy (`value`) used as a value at `at`.
    ConfigValueUsed { at: Node<'a>, value: Node<'a> },
    /// A call of a function that queries.
    BlockingCall {
        call: Node<'a>,
        func: Node<'a>,
        api: &'static BlockingFunction,
    },
}

/// Hands an effect to the rule that reports it.
pub fn report<'a>(w: &mut Walker<'a>, effect: Effect<'a>) {
    match effect {
        Effect::Evaluates { at, value, ty, how } => {
            rules::rdj103_sync_queryset_evaluation::report_evaluation(w, at, value, &ty, how)
        }
        Effect::PaginatorCounts { at, paginator } => {
            rules::rdj101_blocking_queryset_call::report_paginator_count(w, at, paginator)
        }
        Effect::BlockingMethod {
            call,
            func,
            on,
            method,
            args,
        } => match on {
            Receiver::QuerySet => rules::rdj101_blocking_queryset_call::report(w, call, func, method),
            Receiver::Model(model) => rules::rdj102_blocking_model_method::report(w, call, func, model, method, args),
            Receiver::RelatedManager => rules::rdj105_blocking_related_manager::report(w, call, func, method),
            Receiver::User => rules::rdj106_blocking_django_api::report_user_method(w, call, func, method),
            Receiver::ContribManager(api) => {
                rules::rdj106_blocking_django_api::report_contrib_manager(w, call, func, api)
            }
            Receiver::Session => rules::rdj106_blocking_django_api::report_session_method(w, call, func, method),
        },
        Effect::ConfigValueUsed { at, value } => {
            rules::rdj106_blocking_django_api::report_config_value_use(w, at, value)
        }
        Effect::BlockingCall { call, func, api } => {
            rules::rdj106_blocking_django_api::report_blocking_function(w, call, func, api)
        }
    }
}
