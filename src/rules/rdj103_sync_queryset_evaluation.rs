use tree_sitter::Node;

use crate::checker::effects::Evaluation;
use crate::checker::types::Ty;
use crate::checker::walker::Walker;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::rules::{fixes, Rule};
use crate::syntax::{self, field};

declare_rule! {
    /// ## What it does
    /// Flags a QuerySet evaluated synchronously in async code: `for x in qs`,
    /// `list(qs)` / `tuple` / `set` / `sorted` / `sum` / …, a comprehension
    /// over it, `len(qs)`, truthiness (`if qs`, `bool(qs)`, `not qs`,
    /// `qs and …`), `x in qs`, `qs[i]`, a slice with a step, and
    /// `repr` / `str` / `print` / f-string formatting of it; any other
    /// consumer of an iterable: `itertools` (`groupby`, `islice`, …),
    /// `heapq.nlargest`, `collections.Counter` / `deque`, `functools.reduce`,
    /// `", ".join(qs)`, `names.extend(qs)`, `seen.update(qs)`,
    /// `dict.fromkeys(qs)`, `*qs`, `yield from qs` (in a generator Reflex
    /// drains); a lazy iterator over it (`itertools.chain(qs)`,
    /// `map(f, chain(qs))`) where it is consumed; iterating (or `len` of) a
    /// `Page` of a `Paginator` over it, and a REST framework serializer's
    /// `.data` built over it with `many=True`.
    ///
    /// ## Why is this bad?
    /// QuerySets are lazy; each of these forces the query to run right there,
    /// synchronously, which raises `SynchronousOnlyOperation` on the event
    /// loop. (Building a QuerySet, `filter()`, or slicing without a step
    /// does not query and is fine.)
    ///
    /// Not reported: the fallback of duck-typed code, `except AttributeError:`
    /// after a `try` that called an async QuerySet method on the same name
    /// (`await qs.acount()`); that handler only runs when `qs` is not a
    /// QuerySet.
    ///
    /// ## Example
    /// ```python
    /// async def load(self):
    ///     for product in Product.objects.filter(is_published=True):
    ///         self.names.append(product.name)
    /// ```
    ///
    /// ## Fix
    /// `async for product in qs:`; `[p async for p in qs]`;
    /// `await qs.acount()` for `len`; `await qs.aexists()` for truthiness;
    /// `await qs.acontains(x)` for `in`; `qs[i]` → `await qs[i:i+1].aget()`
    /// (which raises `DoesNotExist` instead of `IndexError`).
    pub struct SyncQuerysetEvaluation;
}

fn is_queryset(ty: &Ty) -> bool {
    matches!(ty, Ty::QuerySet { .. } | Ty::SyncIterator(_) | Ty::LazyIter(_) | Ty::Page(_))
}

/// Evaluating a `qs.iterator()` generator is RDJ101's `iterator()` case.
fn rule_for(ty: &Ty) -> Rule {
    match ty {
        Ty::SyncIterator(_) => Rule::RDJ101,
        _ => Rule::RDJ103,
    }
}

/// Iteration or formatting of `node` (`for`, comprehension, f-string).
pub fn check_iteration<'a>(w: &mut Walker<'a>, node: Node<'a>, ty: &Ty, verb: &str, fix: Option<Fix>) {
    if is_queryset(ty) {
        let what = format!("{verb} {} `{}` runs its query and blocks the event loop", noun(ty), w.snippet(node));
        w.report_blocking_fix(rule_for(ty), node.byte_range(), what, fix);
    }
}

/// An f-string interpolation of `node`: a QuerySet's `repr` runs its query
/// (a paginator page's or a lazy iterator's does not).
pub fn check_formatting<'a>(w: &mut Walker<'a>, node: Node<'a>, ty: &Ty) {
    if matches!(ty, Ty::QuerySet { .. } | Ty::SyncIterator(_)) {
        check_iteration(w, node, ty, "formatting", None);
    }
}

/// `for x in qs:` → `async for x in qs:` (`for_node` is the `for` statement
/// or comprehension clause); `qs.iterator()` becomes `qs.aiterator()`.
pub fn async_for_fix<'a>(w: &Walker<'a>, for_node: Node<'a>, iterable: Node<'a>, ty: &Ty) -> Option<Fix> {
    if !w.can_await_at(for_node) {
        return None;
    }
    let mut edits = vec![Edit { range: for_node.start_byte()..for_node.start_byte(), content: "async ".into() }];
    if matches!(ty, Ty::SyncIterator(_)) {
        // Only a direct `recv.iterator(...)` can be renamed.
        let func = (iterable.kind() == "call").then(|| field(iterable, "function")).flatten()?;
        let name = (func.kind() == "attribute").then(|| field(func, "attribute")).flatten()?;
        edits.push(Edit { range: name.byte_range(), content: "aiterator".into() });
    } else if !matches!(ty, Ty::QuerySet { .. }) {
        return None;
    }
    Some(Fix { applicability: Applicability::Safe, message: "Iterate with `async for`".into(), edits })
}

/// The text of `node` usable before `.method()`: parenthesized unless primary.
fn receiver(w: &Walker<'_>, node: Node<'_>) -> String {
    let text = w.text(node);
    match node.kind() {
        "identifier" | "attribute" | "call" | "subscript" | "parenthesized_expression" => text.to_owned(),
        _ => format!("({text})"),
    }
}

pub fn check_truthiness<'a>(w: &mut Walker<'a>, node: Node<'a>, ty: &Ty, only_truth: bool) {
    if matches!(ty, Ty::QuerySet { .. } | Ty::Page(_)) {
        let what = format!("testing the truth of {} `{}` runs its query and blocks the event loop", noun(ty), w.snippet(node));
        let can_rewrite = only_truth && matches!(ty, Ty::QuerySet { .. }) && w.can_await_at(node);
        let fix = can_rewrite.then(|| Fix {
            applicability: Applicability::Safe,
            message: "Use `await qs.aexists()`".into(),
            edits: vec![fixes::replace_awaited(node, &format!("{}.aexists()", receiver(w, node)))],
        });
        w.report_blocking_fix(Rule::RDJ103, node.byte_range(), what, fix);
    }
}

/// `x in qs` / `x not in qs`: `element` is `x` when the comparison has no
/// other operands; `element_is_row`: `x` is an instance of the QuerySet's model.
fn membership_fix<'a>(w: &Walker<'a>, at: Node<'a>, right: Node<'a>, negated: bool, element: Node<'a>, element_is_row: bool) -> Fix {
    if element_is_row {
        let call = format!("{}.acontains({})", receiver(w, right), w.text(element));
        let edit = if negated {
            Edit { range: at.byte_range(), content: format!("not await {call}") }
        } else {
            fixes::replace_awaited(at, &call)
        };
        Fix { applicability: Applicability::Safe, message: "Use `await qs.acontains(obj)`".into(), edits: vec![edit] }
    } else {
        // `acontains` rejects non-instances and `values()` QuerySets:
        // compare against the collected rows.
        Fix {
            applicability: Applicability::Safe,
            message: "Compare against rows collected with an async comprehension".into(),
            edits: vec![Edit { range: right.byte_range(), content: format!("[obj async for obj in {}]", w.text(right)) }],
        }
    }
}

/// `qs[i]` → `await qs[i:i+1].aget()`: `DoesNotExist` instead of `IndexError`.
fn index_fix<'a>(w: &Walker<'a>, at: Node<'a>) -> Option<Fix> {
    let mut cursor = at.walk();
    let subs: Vec<_> = at.children_by_field_name("subscript", &mut cursor).collect();
    let [sub] = subs[..] else { return None };
    if !w.can_await_at(at) || sub.kind() != "integer" {
        return None;
    }
    let value = field(at, "value").map(|v| receiver(w, v)).unwrap_or_default();
    let index = w.text(sub);
    let end = index.parse::<i64>().map(|i| (i + 1).to_string()).unwrap_or_else(|_| format!("{index} + 1"));
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: format!("Use `await {value}[{index}:{end}].aget()` (raises `DoesNotExist` instead of `IndexError`)"),
        edits: vec![fixes::replace_awaited(at, &format!("{value}[{index}:{end}].aget()"))],
    })
}

/// A QuerySet (or a lazy iterator over one, or a `Page` of one) consumed
/// where the walker found it evaluated (`checker::effects::Evaluation`).
pub fn report_evaluation<'a>(w: &mut Walker<'a>, at: Node<'a>, value: Node<'a>, ty: &Ty, how: Evaluation<'a>) {
    // (`[*qs.all()]` parses with the star inside the chain.)
    let subject = format!("{} `{}`", noun(ty), w.snippet(value).trim_start_matches('*'));
    let (what, fix) = match how {
        Evaluation::Consumer { consumer, positional } => {
            // `itertools.groupby` → `groupby()`; a builtin is its own name.
            let name = consumer.name.split_once('.').map_or(consumer.name, |(_, n)| n);
            let fix = if consumer.name.contains('.') { None } else { builtin_fix(w, at, name, value, ty, positional) };
            (format!("`{name}()` of {subject} runs its query and blocks the event loop"), fix)
        }
        Evaluation::Method(consumer) => {
            (format!("`.{}()` of {subject} runs its query and blocks the event loop", consumer.name), None)
        }
        Evaluation::Splat => (format!("unpacking {subject} with `*` runs its query and blocks the event loop"), None),
        Evaluation::YieldFrom => (format!("`yield from` {subject} runs its query and blocks the event loop"), None),
        Evaluation::Membership { negated, element, element_is_row } => {
            // A page or a lazy iterator has no async iteration to rewrite to.
            let rewritable = matches!(ty, Ty::QuerySet { .. } | Ty::SyncIterator(_)) && w.can_await_at(at);
            let fix = element.filter(|_| rewritable).map(|e| membership_fix(w, at, value, negated, e, element_is_row));
            (format!("`in` on {subject} runs its query and blocks the event loop"), fix)
        }
        Evaluation::Index => {
            // A page is a list once fetched: no `aget()` on it.
            let fix = if matches!(ty, Ty::QuerySet { .. }) { index_fix(w, at) } else { None };
            (format!("indexing {subject} runs its query and blocks the event loop"), fix)
        }
        Evaluation::SteppedSlice => (format!("slicing {subject} with a step runs its query and blocks the event loop"), None),
        Evaluation::SerializerData => (
            format!("`{}` renders the serializer's rows of {subject}: its query blocks the event loop", w.snippet(at)),
            None,
        ),
    };
    w.report_blocking_fix(rule_for(ty), at.byte_range(), what, fix);
}

/// What the evaluated value is, for messages.
fn noun(ty: &Ty) -> &'static str {
    match ty {
        Ty::LazyIter(_) => "the iterator over a QuerySet",
        Ty::Page(_) => "the paginator page",
        _ => "the QuerySet",
    }
}

/// `"%s" % qs` formats (and so evaluates) the QuerySet.
pub fn check_percent_format<'a>(w: &mut Walker<'a>, node: Node<'a>, right: &Ty) {
    let is_percent = syntax::children(node).iter().any(|c| c.kind() == "%");
    let formats_query = |t: &Ty| matches!(t, Ty::QuerySet { .. } | Ty::SyncIterator(_));
    let formats = match right {
        Ty::Tuple(items) => items.iter().any(formats_query),
        t => formats_query(t),
    };
    if is_percent && formats && field(node, "left").is_some_and(|l| l.kind() == "string") {
        let what = format!("`%` formatting of a QuerySet in `{}` runs its query and blocks the event loop", w.snippet(node));
        w.report_blocking(Rule::RDJ103, node.byte_range(), what);
    }
}

/// `a, b = qs` / `first, *rest = qs` iterate the QuerySet.
pub fn check_unpacking<'a>(w: &mut Walker<'a>, left: Node<'a>, right: Node<'a>, ty: &Ty) {
    if matches!(left.kind(), "pattern_list" | "tuple_pattern" | "list_pattern") && is_queryset(ty) {
        let what = format!("unpacking the QuerySet `{}` runs its query and blocks the event loop", w.snippet(right));
        w.report_blocking(rule_for(ty), right.byte_range(), what);
    }
}

/// `list(qs)` → `[obj async for obj in qs]`; other consumers of an iterable
/// get the async comprehension as their argument; `len` → `acount`, `bool`
/// → `aexists`. `print`/`str`/`repr` have no equal rewrite.
fn builtin_fix<'a>(w: &Walker<'a>, call: Node<'a>, name: &str, arg: Node<'a>, ty: &Ty, args: usize) -> Option<Fix> {
    if !w.can_await_at(call) || !matches!(ty, Ty::QuerySet { .. }) {
        return None;
    }
    let qs = w.text(arg);
    let comprehension = format!("[obj async for obj in {qs}]");
    let (message, edit) = match name {
        "list" if args == 1 => ("Collect with an async comprehension", Edit { range: call.byte_range(), content: comprehension }),
        "tuple" | "set" | "frozenset" | "sorted" | "sum" | "any" | "all" | "min" | "max" | "enumerate" | "zip" | "map" | "filter" | "reversed" => {
            ("Collect with an async comprehension first", Edit { range: arg.byte_range(), content: comprehension })
        }
        "len" if args == 1 => ("Use `await qs.acount()`", fixes::replace_awaited(call, &format!("{}.acount()", receiver(w, arg)))),
        "bool" if args == 1 => ("Use `await qs.aexists()`", fixes::replace_awaited(call, &format!("{}.aexists()", receiver(w, arg)))),
        _ => return None,
    };
    Some(Fix { applicability: Applicability::Safe, message: message.into(), edits: vec![edit] })
}
