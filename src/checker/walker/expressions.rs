//! Expressions: the type of each kind of expression (remembered per node),
//! truth tests, names and symbols, literals and their element types,
//! subscripts and comparisons, and the evaluations they cause (`qs[0]`,
//! `x in qs`, `*qs`) as effects. It computes types and effects; RDJ103's
//! truthiness and formatting hooks are called from here, but never is a
//! rule, a message or a severity decided here.

use tree_sitter::Node;

use super::queries::item_ty;
use super::Walker;
use crate::checker::effects::{self, Effect, Evaluation};
use crate::checker::types::{Callable, Ty};
use crate::checker::{self, Exec};
use crate::index::{ClassKind, Symbol};
use crate::python::value::int_value;
use crate::rules;
use crate::syntax::{self, field, named_children};

/// How many expression types one walker remembers (see `Walker::evaluated`).
const MAX_REMEMBERED: usize = 1 << 18;

impl<'a> Walker<'a> {
    /// Evaluates an expression used as a truth value (`if qs:`).
    pub fn eval_test(&mut self, node: Node<'a>) -> Ty {
        self.eval_truth(node, true)
    }

    /// `only_truth`: the expression's value is used only as a truth value, so
    /// `qs` may become `await qs.aexists()` (not so for the left operand of
    /// `x = qs or default`, whose value is the QuerySet itself).
    pub(super) fn eval_truth(&mut self, node: Node<'a>, only_truth: bool) -> Ty {
        self.nested(Ty::Unknown, |w| w.eval_truth_here(node, only_truth))
    }

    pub(super) fn eval_truth_here(&mut self, node: Node<'a>, only_truth: bool) -> Ty {
        let node = syntax::unparen(node);
        match node.kind() {
            "boolean_operator" => {
                if let Some(l) = field(node, "left") {
                    self.eval_truth(l, only_truth);
                }
                if let Some(r) = field(node, "right") {
                    self.eval_truth(r, only_truth);
                }
                Ty::Unknown
            }
            "not_operator" => {
                if let Some(a) = field(node, "argument") {
                    self.eval_truth(a, true);
                }
                Ty::Unknown
            }
            "named_expression" => {
                let ty = self.eval(node);
                if let Some(v) = field(node, "value") {
                    rules::rdj103_sync_queryset_evaluation::check_truthiness(self, v, &ty, false);
                }
                ty
            }
            _ => {
                let ty = self.eval(node);
                self.use_value(node, node, &ty);
                rules::rdj103_sync_queryset_evaluation::check_truthiness(self, node, &ty, only_truth);
                ty
            }
        }
    }

    /// Evaluates without reporting anything (for look-ahead questions).
    pub fn eval_quiet(&mut self, node: Node<'a>) -> Ty {
        let saved_exec = self.exec;
        let saved_blocking = self.blocking.take();
        self.exec = Exec::Deferred;
        let ty = self.eval(node);
        self.exec = saved_exec;
        self.blocking = saved_blocking;
        ty
    }

    /// The type of an expression, calling the rule checks inside it.
    pub fn eval(&mut self, node: Node<'a>) -> Ty {
        // Only a walk that reports nothing may reuse an earlier answer: a
        // reporting walk must visit the nodes to report them.
        let compound = node.named_child_count() > 0;
        if compound && self.exec == Exec::Deferred {
            if let Some(ty) = self.evaluated.get(&node.id()) {
                return ty.clone();
            }
        }
        let ty = self.nested(Ty::Unknown, |w| w.eval_here(node).bounded());
        if compound && self.evaluated.len() < MAX_REMEMBERED {
            self.evaluated.insert(node.id(), ty.clone());
        }
        ty
    }

    pub(super) fn eval_here(&mut self, node: Node<'a>) -> Ty {
        match node.kind() {
            "parenthesized_expression" => node.named_child(0).map(|n| self.eval(n)).unwrap_or(Ty::Unknown),
            "identifier" => self.lookup(self.text(node)),
            "attribute" => self.eval_attribute(node),
            "call" => self.eval_call(node),
            "await" => {
                let inner = node.named_child(0).map(|n| self.eval(n)).unwrap_or(Ty::Unknown);
                match inner {
                    Ty::Awaitable(t) => *t,
                    _ => Ty::Unknown,
                }
            }
            "subscript" => self.eval_subscript(node),
            "boolean_operator" => {
                if let Some(l) = field(node, "left") {
                    self.eval_truth(l, false);
                }
                let is_and = syntax::children(node).iter().any(|c| c.kind() == "and");
                let r = field(node, "right").map(|r| self.eval(r)).unwrap_or(Ty::Unknown);
                if is_and {
                    r
                } else {
                    Ty::Unknown
                }
            }
            "binary_operator" => {
                if let Some(l) = field(node, "left") {
                    let ty = self.eval(l);
                    self.use_value(node, l, &ty);
                }
                let r = field(node, "right").map(|r| self.eval(r)).unwrap_or(Ty::Unknown);
                if let Some(r_node) = field(node, "right") {
                    self.use_value(node, r_node, &r);
                }
                rules::rdj103_sync_queryset_evaluation::check_percent_format(self, node, &r);
                Ty::Unknown
            }
            "not_operator" => {
                if let Some(a) = field(node, "argument") {
                    self.eval_test(a);
                }
                Ty::Unknown
            }
            "conditional_expression" => {
                let parts = named_children(node);
                if let Some(cond) = parts.get(1) {
                    self.eval_test(*cond);
                }
                let a = parts.first().map(|p| self.eval(*p)).unwrap_or(Ty::Unknown);
                let b = parts.get(2).map(|p| self.eval(*p)).unwrap_or(Ty::Unknown);
                a.join(b)
            }
            "comparison_operator" => {
                self.eval_comparison(node);
                Ty::Unknown
            }
            "list_comprehension" | "set_comprehension" | "generator_expression" | "dictionary_comprehension" => {
                self.eval_comprehension(node)
            }
            "string" => {
                for child in named_children(node) {
                    if child.kind() == "interpolation" {
                        if let Some(e) = field(child, "expression").or_else(|| child.named_child(0)) {
                            let ty = self.eval(e);
                            self.use_value(e, e, &ty);
                            rules::rdj103_sync_queryset_evaluation::check_formatting(self, e, &ty);
                        }
                    }
                }
                Ty::Unknown
            }
            "lambda" => Ty::Function(Callable::Local(node.start_byte())),
            "named_expression" => {
                let ty = field(node, "value").map(|v| self.eval(v)).unwrap_or(Ty::Unknown);
                if let Some(n) = field(node, "name") {
                    self.env.insert(self.text(n).to_owned(), ty.clone());
                }
                ty
            }
            // `return product, 1` is an `expression_list`: a tuple.
            "list" | "tuple" | "set" | "expression_list" => {
                let mut items = Vec::new();
                for c in named_children(node).into_iter().filter(|c| c.kind() != "comment") {
                    let ty = self.eval(c);
                    if splatted_chain(c) {
                        self.consume_operand(c, c, ty.clone(), Evaluation::Splat);
                    }
                    items.push(ty);
                }
                if matches!(node.kind(), "tuple" | "expression_list") {
                    Ty::Tuple(items)
                } else {
                    // `[]` is a list to fill (`.append(inst)`): `List(Unknown)`.
                    let element = items.iter().try_fold(Ty::Unknown, add_element);
                    element.map_or(Ty::Unknown, |e| Ty::List(Box::new(e)))
                }
            }
            "dictionary" => {
                let mut values = Some(Ty::Unknown);
                for pair in named_children(node) {
                    if pair.kind() == "pair" {
                        if let Some(k) = field(pair, "key") {
                            self.eval(k);
                        }
                        let v = field(pair, "value").map(|v| self.eval(v)).unwrap_or(Ty::Unknown);
                        values = values.and_then(|e| add_element(e, &v));
                    } else if pair.kind() != "comment" {
                        self.eval(pair);
                        values = None;
                    }
                }
                values.map_or(Ty::Unknown, |e| Ty::Dict(Box::new(e)))
            }
            "keyword_argument" => field(node, "value").map(|v| self.eval(v)).unwrap_or(Ty::Unknown),
            "list_splat" => {
                let Some(value) = node.named_child(0) else {
                    return Ty::Unknown;
                };
                let ty = self.eval(value);
                if splat_binds_head_only(node) {
                    // The element holding this chain is what is unpacked.
                    return ty;
                }
                self.consume_operand(node, value, ty, Evaluation::Splat);
                Ty::Unknown
            }
            "yield" => {
                let delegates = syntax::children(node).iter().any(|c| c.kind() == "from");
                if let Some(value) = node.named_child(0) {
                    let ty = self.eval(value);
                    // A summarized helper is being called, and calling a
                    // generator function runs none of its body.
                    if delegates && self.exec != Exec::Summary {
                        self.consume_operand(node, value, ty, Evaluation::YieldFrom);
                    }
                }
                Ty::Unknown
            }
            "true" | "false" | "none" | "integer" | "float" | "comment" | "ellipsis" => Ty::Unknown,
            _ => {
                for child in named_children(node) {
                    self.eval(child);
                }
                Ty::Unknown
            }
        }
    }

    pub fn lookup(&mut self, name: &str) -> Ty {
        if let Some(t) = self.env.get(name) {
            return t.clone();
        }
        // Function-local imports shadow module bindings.
        let local_import = self.scope.is_some_and(|s| {
            self.index
                .file(self.file)
                .summary()
                .imports
                .iter()
                .any(|b| b.scope == Some(s) && b.local == name)
        });
        if !local_import {
            if let Some(t) = self.module_env.get(name) {
                return t.clone();
            }
        }
        let sym = self.index.resolve_name(self.file, name, self.scope);
        self.ty_of_symbol(&sym)
    }

    pub fn ty_of_symbol(&self, sym: &Symbol) -> Ty {
        if let Some(m) = self.index.model_of_symbol(sym) {
            return Ty::ModelClass(m);
        }
        // A workspace `SyncToAsync` subclass, or an alias of one: called as `sync_to_async` is.
        if matches!(sym, Symbol::Class(_) | Symbol::Assignment(..))
            && checker::is_thread_wrapper_symbol(self.index, sym)
        {
            return Ty::External("asgiref.sync.SyncToAsync".into());
        }
        match sym {
            Symbol::Function(f) => Ty::Function(Callable::Workspace(*f)),
            Symbol::Module(f) => Ty::Module(*f),
            Symbol::Class(c) if self.index.class_kind(*c) == ClassKind::Other => Ty::Class(*c),
            // `orders = OrderRepository()` at the top of another module.
            Symbol::Assignment(f, i) => match &self.index.file(*f).summary().assignments[*i].value {
                crate::index::summary::AssignedValue::Call {
                    callee, dotted: true, ..
                } => match self.index.resolve_dotted(*f, callee, None) {
                    Symbol::Class(c) if self.index.class_kind(c) == ClassKind::Other => Ty::Object(c, Vec::new()),
                    _ => Ty::Unknown,
                },
                _ => Ty::Unknown,
            },
            Symbol::External(q) => Ty::External(q.clone()),
            _ => Ty::Unknown,
        }
    }

    pub(super) fn eval_subscript(&mut self, node: Node<'a>) -> Ty {
        let value_ty = field(node, "value").map(|v| self.eval(v)).unwrap_or(Ty::Unknown);
        let single = {
            let mut cursor = node.walk();
            let subs: Vec<_> = node.children_by_field_name("subscript", &mut cursor).collect();
            (subs.len() == 1 && subs[0].kind() != "slice").then(|| subs[0])
        };
        if let Some(index) = single {
            match &value_ty {
                Ty::List(inner) | Ty::Dict(inner) => {
                    self.eval(index);
                    return (**inner).clone();
                }
                // `pair[0]` of a returned tuple.
                Ty::Tuple(items) if index.kind() == "integer" => {
                    let at = int_value(self.text(index)).and_then(|i| usize::try_from(i).ok());
                    return at.and_then(|i| items.get(i)).cloned().unwrap_or(Ty::Unknown);
                }
                _ => {}
            }
        }
        let mut cursor = node.walk();
        let subs: Vec<_> = node.children_by_field_name("subscript", &mut cursor).collect();
        for s in &subs {
            if s.kind() != "slice" {
                self.eval(*s);
            } else {
                for c in named_children(*s) {
                    self.eval(c);
                }
            }
        }
        self.subscript_of(node, &value_ty, &subs)
    }

    /// `qs[i]` and `qs[a:b:step]` evaluate; `qs[a:b]` stays lazy. `page[i]`
    /// lists the page.
    pub(super) fn subscript_of(&mut self, node: Node<'a>, value_ty: &Ty, subs: &[Node<'a>]) -> Ty {
        if let Some(value) = field(node, "value") {
            self.use_value(node, value, value_ty);
        }
        let [sub] = subs else { return Ty::Unknown };
        match value_ty {
            Ty::QuerySet { model, values, loaded } => {
                if sub.kind() == "slice" {
                    if !step_given(*sub) {
                        return value_ty.clone();
                    }
                    self.evaluates(node, node, value_ty.clone(), Evaluation::SteppedSlice);
                    return Ty::Unknown;
                }
                self.evaluates(node, node, value_ty.clone(), Evaluation::Index);
                item_ty(*model, *values, loaded)
            }
            Ty::Page(_) if sub.kind() != "slice" => {
                self.evaluates(node, node, value_ty.clone(), Evaluation::Index);
                Ty::Unknown
            }
            _ => Ty::Unknown,
        }
    }

    /// A comparison: `x in qs` / `x not in qs` iterate `qs` (a QuerySet, a
    /// lazy iterator over one, a page).
    pub(super) fn eval_comparison(&mut self, node: Node<'a>) {
        let mut operands = Vec::new();
        let mut ops = Vec::new();
        for c in syntax::children(node) {
            if c.is_named() {
                operands.push(c);
            } else {
                ops.push(c.kind());
            }
        }
        let tys: Vec<Ty> = operands.iter().map(|o| self.eval(*o)).collect();
        for (operand, ty) in operands.iter().zip(&tys) {
            self.use_value(node, *operand, ty);
        }
        for (i, op) in ops.iter().enumerate() {
            let (Some(right), Some(ty)) = (operands.get(i + 1), tys.get(i + 1)) else {
                continue;
            };
            if !matches!(*op, "in" | "not in") || !evaluated_by_iteration(ty) {
                continue;
            }
            let element = (operands.len() == 2).then_some(operands[0]);
            let element_is_row = matches!(
                (&tys[0], ty),
                (Ty::Instance { model: a, .. }, Ty::QuerySet { model: b, values: false, .. }) if a == b
            );
            let how = Evaluation::Membership {
                negated: *op == "not in",
                element,
                element_is_row,
            };
            self.evaluates(node, *right, ty.clone(), how);
        }
    }

    /// `value` (of type `ty`) is used as a value at `at`: a django-constance
    /// proxy reads its setting there.
    pub(super) fn use_value(&mut self, at: Node<'a>, value: Node<'a>, ty: &Ty) {
        if *ty == Ty::ConfigValue {
            effects::report(self, Effect::ConfigValueUsed { at, value });
        }
    }

    /// `value` (of type `ty`) is evaluated at `at` the way `how` says: the
    /// effect RDJ103 reports.
    pub(super) fn evaluates(&mut self, at: Node<'a>, value: Node<'a>, ty: Ty, how: Evaluation<'a>) {
        effects::report(
            self,
            Effect::Evaluates {
                at,
                value,
                ty: Box::new(ty),
                how,
            },
        );
    }

    /// `*qs`, `yield from qs`: the operand is iterated right here.
    pub(super) fn consume_operand(&mut self, at: Node<'a>, value: Node<'a>, ty: Ty, how: Evaluation<'a>) {
        if evaluated_by_iteration(&ty) {
            self.evaluates(at, value, ty, how);
        }
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

/// A value whose iteration runs a query: a QuerySet, a `qs.iterator()`
/// generator or a lazy iterator over a QuerySet, a paginator's page.
fn evaluated_by_iteration(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::QuerySet { .. } | Ty::SyncIterator(_) | Ty::LazyIter(_) | Ty::Page(_)
    )
}

/// tree-sitter-python parses `[*qs.all()]` (a list starting with a splat)
/// as `[(*qs).all()]`: the splat binds to the head of the chain only.
fn splat_binds_head_only(splat: Node<'_>) -> bool {
    splat.parent().is_some_and(|p| {
        let head = match p.kind() {
            "attribute" => field(p, "object"),
            "call" => field(p, "function"),
            "subscript" => field(p, "value"),
            _ => None,
        };
        head.is_some_and(|h| h.id() == splat.id())
    })
}

/// Whether `element` is a chain whose head is such a misplaced splat: the
/// whole element is what is unpacked.
fn splatted_chain(element: Node<'_>) -> bool {
    let mut node = element;
    loop {
        let head = match node.kind() {
            "attribute" => field(node, "object"),
            "call" => field(node, "function"),
            "subscript" => field(node, "value"),
            "list_splat" => return node.id() != element.id(),
            _ => None,
        };
        match head {
            Some(h) => node = h,
            None => return false,
        }
    }
}

/// A container's element type once `item` is added to elements of type
/// `element` (`Unknown`: none yet), or `None` when they are not alike
/// model data (the container is then unknown: precision first).
pub(super) fn add_element(element: Ty, item: &Ty) -> Option<Ty> {
    if !matches!(item, Ty::Instance { .. } | Ty::QuerySet { .. }) {
        return None;
    }
    match element {
        Ty::Unknown => Some(item.clone()),
        e if e == *item => Some(e),
        e => match e.join(item.clone()) {
            joined @ (Ty::Instance { .. } | Ty::QuerySet { .. }) => Some(joined),
            _ => None,
        },
    }
}
