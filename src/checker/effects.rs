//! Effects: what the inference found an expression does at run time (a
//! QuerySet evaluated by a consumer, a call of a function that queries).
//! The walker computes the types and the effect from the Django knowledge
//! (`crate::knowledge`); the rule that owns the effect decides whether and
//! how it is reported (message, fix), and the execution context decides
//! what a report means (`Walker::report_blocking_fix`).

use tree_sitter::Node;

use super::types::Ty;
use super::walker::Walker;
use crate::knowledge::django::{BlockingFunction, Consumer};
use crate::rules;

/// How a QuerySet (or a lazy iterator over one) is evaluated.
#[derive(Debug, Clone, Copy)]
pub enum Evaluation {
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
    /// `serializer.data` of a REST framework serializer over the QuerySet.
    SerializerData,
}

#[derive(Debug)]
pub enum Effect<'a> {
    /// `value` (of type `ty`) is evaluated at `at`.
    Evaluates {
        at: Node<'a>,
        value: Node<'a>,
        ty: Ty,
        how: Evaluation,
    },
    /// A `Paginator` over a QuerySet counts it (`paginator.count`,
    /// `paginator.page(n)`): the QuerySet's `count()` query runs at `at`.
    PaginatorCounts { at: Node<'a>, paginator: Node<'a> },
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
        Effect::BlockingCall { call, func, api } => {
            rules::rdj106_blocking_django_api::report_blocking_function(w, call, func, api)
        }
    }
}
