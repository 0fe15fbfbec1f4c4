//! The walk over statements: a block in order, each kind of statement, an
//! expression statement, a local `def`, and what the walked function
//! returns. It computes types and bindings; the checks it calls at
//! `return` and `del` are the rules' (RDJ302, RDJ106), it decides none.

use tree_sitter::Node;

use super::Walker;
use crate::checker::types::{Callable, Ty};
use crate::checker::{self, Exec};
use crate::rules;
use crate::syntax::{self, field, named_children};

impl<'a> Walker<'a> {
    pub fn walk_block(&mut self, block: Node<'a>) {
        // What a block learned about `self` holds until its end only.
        let known = self.falsy_on_self.len();
        self.nested((), |w| {
            for stmt in named_children(block) {
                w.walk_stmt(stmt);
            }
        });
        self.falsy_on_self.truncate(known);
    }

    /// Walks `block` for its bindings only: nothing in it is reported.
    pub(super) fn walk_block_deferred(&mut self, block: Node<'a>) {
        let saved = self.exec;
        self.exec = Exec::Deferred;
        self.walk_block(block);
        self.exec = saved;
    }

    /// What the walked function returns. A model instance or QuerySet on
    /// some paths and `None` on others is the instance: using the value on
    /// a `None` path fails with or without a query (as when `afirst()`
    /// finds no row). Anything else joined with `None` is unknown.
    pub fn take_returns(&mut self) -> Ty {
        match self.returns.take() {
            Some(Ty::Maybe(_)) | None => Ty::Unknown,
            Some(t @ (Ty::Instance { .. } | Ty::QuerySet { .. })) => t,
            Some(_) if self.returns_none => Ty::Unknown,
            Some(t) => t,
        }
    }

    /// The statements at the top of `block` that always run, in order: plain
    /// statements up to the first one that may branch or leave; stops at
    /// the first blocking operation found.
    pub fn walk_unconditional_prefix(&mut self, block: Node<'a>) {
        self.nested((), |w| {
            for stmt in named_children(block) {
                let always_runs = matches!(
                    stmt.kind(),
                    "expression_statement"
                        | "comment"
                        | "pass_statement"
                        | "import_statement"
                        | "import_from_statement"
                        | "global_statement"
                        | "nonlocal_statement"
                );
                if !always_runs || w.blocking.is_some() {
                    break;
                }
                w.walk_stmt(stmt);
            }
        })
    }

    pub(super) fn walk_stmt(&mut self, stmt: Node<'a>) {
        match stmt.kind() {
            "expression_statement" => {
                for child in named_children(stmt) {
                    self.eval_statement_expr(child);
                }
            }
            "return_statement" => {
                let ty = stmt.named_child(0).map(|c| self.eval(c)).unwrap_or(Ty::Unknown);
                if let Some(value) = stmt.named_child(0) {
                    rules::rdj302_model_assigned_to_state::check_return(self, value);
                }
                if stmt.named_child(0).is_none_or(|v| v.kind() == "none") {
                    self.returns_none = true;
                    return;
                }
                self.returns = Some(match self.returns.take() {
                    None => ty,
                    Some(prev) => prev.join(ty),
                });
            }
            "delete_statement" => {
                for child in named_children(stmt) {
                    self.eval(child);
                    let targets = if child.kind() == "expression_list" {
                        named_children(child)
                    } else {
                        vec![child]
                    };
                    for target in targets.into_iter().filter(|t| t.kind() == "subscript") {
                        if self.is_session_proxy(target) {
                            rules::rdj106_blocking_django_api::report_session_proxy_write(self, target, true);
                        }
                    }
                }
            }
            "raise_statement" | "print_statement" => {
                for child in named_children(stmt) {
                    self.eval(child);
                }
            }
            "assert_statement" => {
                if let Some(first) = stmt.named_child(0) {
                    self.eval_test(first);
                }
                for child in named_children(stmt).into_iter().skip(1) {
                    self.eval(child);
                }
            }
            "if_statement" => self.walk_if(stmt),
            "while_statement" => {
                if let Some(c) = field(stmt, "condition") {
                    self.eval_test(c);
                }
                self.walk_branches(&[
                    field(stmt, "body"),
                    field(stmt, "alternative").and_then(|a| field(a, "body")),
                ]);
            }
            "for_statement" => self.walk_for(stmt),
            "with_statement" => self.walk_with(stmt),
            "try_statement" => self.walk_try(stmt),
            "match_statement" => {
                if let Some(s) = field(stmt, "subject") {
                    self.eval(s);
                }
                let mut cursor = stmt.walk();
                let cases: Vec<_> = field(stmt, "body")
                    .map(|b| b.named_children(&mut cursor).collect())
                    .unwrap_or_default();
                for case in cases {
                    if let Some(body) = field(case, "consequence") {
                        self.walk_block(body);
                    }
                }
            }
            "function_definition" => self.bind_local_def(stmt),
            "decorated_definition" => {
                let def = syntax::definition_of(stmt);
                if def.kind() == "function_definition" {
                    self.bind_local_def(def);
                }
            }
            "class_definition" => {
                if let Some(n) = field(stmt, "name") {
                    self.env.insert(self.text(n).to_owned(), Ty::Unknown);
                }
            }
            "import_statement" | "import_from_statement" => {
                // Function-local imports are resolved through the index (scoped);
                // drop any stale local binding of the same names.
                for b in &self.index.file(self.file).summary().imports {
                    if b.stmt_range == stmt.byte_range() {
                        self.env.remove(&b.local);
                    }
                }
            }
            "global_statement" | "nonlocal_statement" | "pass_statement" | "break_statement" | "continue_statement"
            | "comment" => {}
            _ => {
                for child in named_children(stmt) {
                    if child.kind() == "block" {
                        self.walk_block(child);
                    } else {
                        self.eval(child);
                    }
                }
            }
        }
    }

    pub(super) fn bind_local_def(&mut self, def: Node<'a>) {
        let Some(name) = field(def, "name") else { return };
        let name = self.text(name).to_owned();
        let decorators = syntax::decorators(def);
        let wrapped = decorators.iter().any(|d| {
            let callee = if d.kind() == "call" {
                field(*d, "function").unwrap_or(*d)
            } else {
                *d
            };
            syntax::dotted(callee, self.src)
                .is_some_and(|n| checker::is_thread_wrapper(self.index, self.file, self.scope, &n))
        });
        let ty = if syntax::is_async(def) || wrapped {
            Ty::Unknown
        } else {
            Ty::Function(Callable::Local(def.start_byte()))
        };
        self.env.insert(name, ty);
    }

    pub(super) fn eval_statement_expr(&mut self, expr: Node<'a>) {
        match expr.kind() {
            "assignment" => self.walk_assignment(expr),
            "augmented_assignment" => {
                if let Some(r) = field(expr, "right") {
                    self.eval(r);
                }
                if let Some(l) = field(expr, "left") {
                    self.eval(l);
                    if let Some(r) = field(expr, "right") {
                        rules::rdj302_model_assigned_to_state::check_augmented(self, l, r);
                    }
                }
            }
            _ => {
                self.eval(expr);
            }
        }
    }
}
