//! Loops, comprehensions and `with`: what iterating yields (`for`, `async
//! for`, comprehension clauses), a QuerySet that `async for` has filled,
//! and the context managers of a `with` (a test expecting
//! `SynchronousOnlyOperation` is not reported). It computes item types;
//! the iteration and `atomic` checks it calls belong to their rules
//! (RDJ103, RDJ201, RDJ202).

use tree_sitter::Node;

use super::queries::row_of;
use super::Walker;
use crate::checker::types::Ty;
use crate::rules;
use crate::syntax::{self, field, named_children};

impl<'a> Walker<'a> {
    pub(super) fn walk_for(&mut self, stmt: Node<'a>) {
        let is_async = syntax::is_async(stmt);
        let iter_ty = field(stmt, "right").map(|r| self.eval(r)).unwrap_or(Ty::Unknown);
        let item = if is_async {
            self.async_item(&iter_ty)
        } else {
            self.sync_iteration(stmt, &iter_ty, true)
        };
        if is_async {
            if let Some(r) = field(stmt, "right") {
                self.mark_evaluated(r, &iter_ty);
            }
        }
        if let Some(left) = field(stmt, "left") {
            self.bind_target(left, item);
        }
        self.walk_branches(&[field(stmt, "body"), None]);
        if let Some(alt) = field(stmt, "alternative").and_then(|a| field(a, "body")) {
            self.walk_block(alt);
        }
    }

    /// A sync `for` statement or comprehension clause iterating a value of
    /// type `iter_ty`: the iteration check (RDJ103, offered the `async for`
    /// fix when `may_become_async`), and the item it binds.
    fn sync_iteration(&mut self, for_node: Node<'a>, iter_ty: &Ty, may_become_async: bool) -> Ty {
        if let Some(r) = field(for_node, "right") {
            let fix = may_become_async
                .then(|| rules::rdj103_sync_queryset_evaluation::async_for_fix(self, for_node, r, iter_ty))
                .flatten();
            rules::rdj103_sync_queryset_evaluation::check_iteration(self, r, iter_ty, "iterating", fix);
        }
        self.sync_item(iter_ty)
    }

    /// After `async for x in qs` (or `[... async for x in qs]`,
    /// `sync_to_async(list)(qs)`) the QuerySet in `qs` holds its results:
    /// later `len(qs)`, `qs[0]`, `for x in qs` run no query.
    pub fn mark_evaluated(&mut self, node: Node<'a>, ty: &Ty) {
        if node.kind() == "identifier" && matches!(ty, Ty::QuerySet { .. }) {
            self.env.insert(self.text(node).to_owned(), Ty::Unknown);
        }
    }

    /// What `async for x in <ty>` binds to `x`.
    pub fn async_item(&self, iter_ty: &Ty) -> Ty {
        match iter_ty {
            Ty::AsyncIter(inner) => (**inner).clone(),
            _ => row_of(iter_ty).unwrap_or(Ty::Unknown),
        }
    }

    /// An item of `for x in it` / `[... for x in it]`. A QuerySet's rows are
    /// its instances, with what it loaded, only in the sync code that runs
    /// coroutines (`checker::runners`: the loop is off, iterating is fine
    /// there); on the loop the iteration itself is the finding (RDJ103).
    pub(super) fn sync_item(&self, iter_ty: &Ty) -> Ty {
        match iter_ty {
            Ty::QuerySet { .. } if self.coroutine_runs.is_some() => self.async_item(iter_ty),
            _ => list_item(iter_ty),
        }
    }

    pub(super) fn eval_comprehension(&mut self, node: Node<'a>) -> Ty {
        let saved = self.env.clone();
        let mut evaluated = Vec::new();
        let mut item_ty = Ty::Unknown;
        let mut bound_name: Option<String> = None;
        for clause in named_children(node) {
            match clause.kind() {
                "for_in_clause" => {
                    let iter_ty = field(clause, "right").map(|r| self.eval(r)).unwrap_or(Ty::Unknown);
                    let item = if syntax::is_async(clause) {
                        if let Some(r) = field(clause, "right") {
                            evaluated.push((r, iter_ty.clone()));
                        }
                        self.async_item(&iter_ty)
                    } else {
                        // Only list/set/dict comprehensions may become async ones.
                        self.sync_iteration(clause, &iter_ty, node.kind() != "generator_expression")
                    };
                    if let Some(left) = field(clause, "left") {
                        if left.kind() == "identifier" {
                            bound_name = Some(self.text(left).to_owned());
                            item_ty = item.clone();
                        }
                        self.bind_target(left, item);
                    }
                }
                "if_clause" => {
                    for c in named_children(clause) {
                        self.eval_test(c);
                    }
                }
                _ => {}
            }
        }
        // A dict comprehension's body is a `key: value` pair: its value is the element.
        let body = field(node, "body").map(|b| match b.kind() {
            "pair" => {
                if let Some(k) = field(b, "key") {
                    self.eval(k);
                }
                field(b, "value").unwrap_or(b)
            }
            _ => b,
        });
        let body_ty = body.map(|b| self.eval(b)).unwrap_or(Ty::Unknown);
        self.env = saved;
        for (r, ty) in evaluated {
            self.mark_evaluated(r, &ty);
        }
        let is_item = body.is_some_and(|b| Some(self.text(b)) == bound_name.as_deref());
        let element = if is_item { item_ty } else { body_ty };
        match node.kind() {
            "list_comprehension" | "set_comprehension" if matches!(element, Ty::Instance { .. }) => {
                Ty::List(Box::new(element))
            }
            // `{p.pk: p async for p in qs}`: the body is the pair's value.
            "dictionary_comprehension" if matches!(element, Ty::Instance { .. }) => Ty::Dict(Box::new(element)),
            _ => Ty::Unknown,
        }
    }

    pub(super) fn walk_with(&mut self, stmt: Node<'a>) {
        let is_async = syntax::is_async(stmt);
        let mut items = Vec::new();
        for child in named_children(stmt) {
            if child.kind() == "with_clause" {
                items.extend(named_children(child).into_iter().filter(|i| i.kind() == "with_item"));
            }
        }
        for item in items {
            let Some(mut value) = field(item, "value") else {
                continue;
            };
            let mut alias = None;
            if value.kind() == "as_pattern" {
                alias = field(value, "alias");
                value = value.named_child(0).unwrap_or(value);
            }
            if is_async {
                rules::rdj202_broken_async_atomic::check_async_with(self, value);
            } else {
                rules::rdj201_sync_atomic_in_async::check_with(self, value);
            }
            let ty = self.eval(value);
            if let Some(a) = alias {
                let target = a.named_child(0).unwrap_or(a);
                self.bind_target(target, if is_async { Ty::Unknown } else { ty });
            }
        }
        if let Some(body) = field(stmt, "body") {
            if !is_async && expects_sync_only_error(self, stmt) {
                // `with self.assertRaises(SynchronousOnlyOperation):` — a test
                // that runs the blocking call on purpose, to prove it raises.
                self.walk_block_deferred(body);
            } else {
                self.walk_block(body);
            }
        }
    }
}

/// What iterating a list yields (instances collected earlier with `async for`).
fn list_item(ty: &Ty) -> Ty {
    match ty {
        Ty::List(inner) => (**inner).clone(),
        // Filled on some paths only: its elements are still these.
        Ty::Maybe(inner) => match &**inner {
            Ty::List(item) => (**item).clone(),
            _ => Ty::Unknown,
        },
        _ => Ty::Unknown,
    }
}

/// `with self.assertRaises(SynchronousOnlyOperation)` / `pytest.raises(...)`.
fn expects_sync_only_error(w: &Walker<'_>, with_stmt: Node<'_>) -> bool {
    let mut items = Vec::new();
    for child in named_children(with_stmt) {
        if child.kind() == "with_clause" {
            items.extend(named_children(child));
        }
    }
    items.into_iter().any(|item| {
        let Some(mut value) = field(item, "value") else {
            return false;
        };
        if value.kind() == "as_pattern" {
            value = value.named_child(0).unwrap_or(value);
        }
        if value.kind() != "call" {
            return false;
        }
        let callee = field(value, "function").map(|f| w.text(f)).unwrap_or("");
        let last = callee.rsplit('.').next().unwrap_or(callee);
        let expecting = matches!(
            last,
            "assertRaises" | "assertRaisesMessage" | "assertRaisesRegex" | "raises"
        );
        expecting
            && field(value, "arguments")
                .and_then(|a| a.named_child(0))
                .is_some_and(|first| w.text(first).ends_with("SynchronousOnlyOperation"))
    })
}
