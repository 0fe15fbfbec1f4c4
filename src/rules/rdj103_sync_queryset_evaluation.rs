use tree_sitter::Node;

use crate::checker::types::Ty;
use crate::checker::walker::Walker;
use crate::rules::Rule;
use crate::syntax::{self, field};

declare_rule! {
    /// ## What it does
    /// Flags a QuerySet evaluated synchronously in async code: `for x in qs`,
    /// `list(qs)` / `tuple` / `set` / `sorted` / `sum` / …, a comprehension
    /// over it, `len(qs)`, truthiness (`if qs`, `bool(qs)`, `not qs`,
    /// `qs and …`), `x in qs`, `qs[i]`, a slice with a step, and
    /// `repr` / `str` / `print` / f-string formatting of it.
    ///
    /// ## Why is this bad?
    /// QuerySets are lazy; each of these forces the query to run right there,
    /// synchronously, which raises `SynchronousOnlyOperation` on the event
    /// loop. (Building a QuerySet, `filter()`, or slicing without a step
    /// does not query and is fine.)
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
    matches!(ty, Ty::QuerySet { .. } | Ty::SyncIterator(_))
}

/// Evaluating a `qs.iterator()` generator is RDJ101's `iterator()` case.
fn rule_for(ty: &Ty) -> Rule {
    match ty {
        Ty::SyncIterator(_) => Rule::RDJ101,
        _ => Rule::RDJ103,
    }
}

/// Iteration or formatting of `node` (`for`, comprehension, f-string).
pub fn check_iteration<'a>(w: &mut Walker<'a>, node: Node<'a>, ty: &Ty, verb: &str) {
    if is_queryset(ty) {
        let what = format!("{verb} the QuerySet `{}` runs its query and blocks the event loop", w.snippet(node));
        w.report_blocking(rule_for(ty), node.byte_range(), what);
    }
}

pub fn check_truthiness<'a>(w: &mut Walker<'a>, node: Node<'a>, ty: &Ty) {
    if is_queryset(ty) {
        let what = format!("testing the truth of the QuerySet `{}` runs its query and blocks the event loop", w.snippet(node));
        w.report_blocking(Rule::RDJ103, node.byte_range(), what);
    }
}

/// `x in qs` / `x not in qs`.
pub fn check_membership<'a>(w: &mut Walker<'a>, node: Node<'a>) {
    let children = syntax::children(node);
    let mut operands = Vec::new();
    let mut ops = Vec::new();
    for c in &children {
        if c.is_named() {
            operands.push(*c);
        } else {
            ops.push(c.kind());
        }
    }
    let tys: Vec<Ty> = operands.iter().map(|o| w.eval(*o)).collect();
    for (i, op) in ops.iter().enumerate() {
        if matches!(*op, "in" | "not in") {
            if let (Some(right), Some(ty)) = (operands.get(i + 1), tys.get(i + 1)) {
                if is_queryset(ty) {
                    let what = format!("`in` on the QuerySet `{}` runs its query and blocks the event loop", w.snippet(*right));
                    w.report_blocking(Rule::RDJ103, node.byte_range(), what);
                }
            }
        }
    }
}

/// `qs[i]` and `qs[a:b:step]` evaluate; `qs[a:b]` stays lazy.
pub fn check_subscript<'a>(w: &mut Walker<'a>, node: Node<'a>, value_ty: &Ty, subs: &[Node<'a>]) -> Ty {
    let Ty::QuerySet { model, values, loaded } = value_ty else { return Ty::Unknown };
    let [sub] = subs else { return Ty::Unknown };
    if sub.kind() == "slice" {
        if !step_given(*sub) {
            return value_ty.clone();
        }
        let what = format!("slicing the QuerySet `{}` with a step runs its query and blocks the event loop", w.snippet(node));
        w.report_blocking(Rule::RDJ103, node.byte_range(), what);
        return Ty::Unknown;
    }
    let what = format!("indexing the QuerySet `{}` runs its query and blocks the event loop", w.snippet(node));
    w.report_blocking(Rule::RDJ103, node.byte_range(), what);
    if *values {
        Ty::Unknown
    } else {
        Ty::Instance { model: *model, loaded: loaded.clone() }
    }
}

/// Whether a slice has an expression after its second colon.
fn step_given(slice: Node<'_>) -> bool {
    let mut colons = 0;
    for c in syntax::children(slice) {
        if c.kind() == ":" {
            colons += 1;
        } else if colons >= 2 && c.is_named() {
            return true;
        }
    }
    false
}

const EVALUATING_BUILTINS: &[&str] = &[
    "list", "tuple", "set", "frozenset", "sorted", "sum", "len", "bool", "repr", "str", "print", "any", "all", "min", "max", "enumerate", "iter",
    "dict", "reversed", "zip", "map", "filter", "next",
];

/// `list(qs)`, `len(qs)`, `print(qs)`, … — builtins that evaluate a QuerySet.
pub fn check_builtin_call<'a>(w: &mut Walker<'a>, call: Node<'a>, name: &str, args: Option<Node<'a>>) -> Ty {
    if !EVALUATING_BUILTINS.contains(&name) || w.index.resolve_name(w.file, name, w.scope) != crate::index::Symbol::Unknown {
        return Ty::Unknown;
    }
    let positional = w.positional_args(args);
    let checked: &[Node<'a>] = match name {
        "print" | "zip" => &positional,
        "map" | "filter" => positional.get(1..).unwrap_or(&[]),
        _ => positional.get(..1).unwrap_or(&[]),
    };
    for &arg in checked {
        let ty = w.eval_quiet(arg);
        if is_queryset(&ty) {
            let what = format!("`{name}()` of the QuerySet `{}` runs its query and blocks the event loop", w.snippet(arg));
            w.report_blocking(rule_for(&ty), call.byte_range(), what);
            if name == "list" {
                if let Ty::QuerySet { model, values: false, loaded } = ty {
                    return Ty::List(Box::new(Ty::Instance { model, loaded }));
                }
            }
            return Ty::Unknown;
        }
    }
    Ty::Unknown
}

/// `", ".join(qs)`, `"{}".format(qs)`, `items.extend(qs)`: methods that consume an iterable argument.
pub fn check_consuming_method<'a>(w: &mut Walker<'a>, call: Node<'a>, recv_ty: &Ty, method: &str, args: Option<Node<'a>>) {
    if !matches!(recv_ty, Ty::Unknown) || !matches!(method, "join" | "format" | "extend") {
        return;
    }
    for arg in w.positional_args(args) {
        let ty = w.eval_quiet(arg);
        if is_queryset(&ty) {
            let what = format!("`.{method}()` of the QuerySet `{}` runs its query and blocks the event loop", w.snippet(arg));
            w.report_blocking(rule_for(&ty), call.byte_range(), what);
            return;
        }
    }
}

/// `"%s" % qs` formats (and so evaluates) the QuerySet.
pub fn check_percent_format<'a>(w: &mut Walker<'a>, node: Node<'a>, right: &Ty) {
    let is_percent = syntax::children(node).iter().any(|c| c.kind() == "%");
    let formats = match right {
        Ty::Tuple(items) => items.iter().any(is_queryset),
        t => is_queryset(t),
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
