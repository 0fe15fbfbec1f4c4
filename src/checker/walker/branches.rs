//! Branches and narrowing: `if` / `elif` / `else`, `while` and `try`
//! clauses walked from the same environment and merged, and what a branch
//! proves for the code after it (`if self.flag: return`, duck typing under
//! `except AttributeError`, a module-level cache filled once per process).
//! Types and bindings only: nothing here reports or calls a rule.

use rustc_hash::FxHashMap;
use tree_sitter::Node;

use super::Walker;
use crate::checker::types::Ty;
use crate::checker::Exec;
use crate::knowledge::django;
use crate::syntax::{self, field, named_children, text};

impl<'a> Walker<'a> {
    pub(super) fn walk_try(&mut self, stmt: Node<'a>) {
        // Duck typing: `try: n = await qs.acount()` / `except AttributeError:
        // n = len(qs)`. The handler runs when `qs` has no async QuerySet
        // method, so there `qs` is not a QuerySet, whatever its annotation.
        let duck_typed = field(stmt, "body")
            .map(|b| async_orm_receivers(b, self.src))
            .unwrap_or_default();
        // What the body bound when it ran to its end: the path taken unless
        // it raised.
        let mut after_body: FxHashMap<String, Ty> = FxHashMap::default();
        for child in named_children(stmt) {
            match child.kind() {
                "block" => {
                    self.walk_block(child);
                    after_body = self.env.clone();
                }
                "except_clause" | "except_group_clause" => {
                    self.walk_handler(child, &duck_typed);
                    self.keep_body_values_over_unknown_fallbacks(&after_body);
                }
                "else_clause" | "finally_clause" => self.walk_handler(child, &duck_typed),
                _ => {}
            }
        }
    }

    /// A handler that rebinds a name the body bound (`try: user =
    /// request.user` / `except AttributeError: user = scope["user"]`) gives it
    /// a fallback for when the body raised; where that fallback is unknown,
    /// the name still holds the body's value on the path that did not raise,
    /// which is the one to report on. A known fallback replaces it as before.
    pub(super) fn keep_body_values_over_unknown_fallbacks(&mut self, after_body: &FxHashMap<String, Ty>) {
        for (name, body_ty) in after_body {
            if *body_ty != Ty::Unknown && self.env.get(name) == Some(&Ty::Unknown) {
                self.env.insert(name.clone(), body_ty.clone());
            }
        }
    }

    /// An `except`, `else` or `finally` clause. Under `except
    /// AttributeError`, the names whose async QuerySet method the body
    /// called are not QuerySets (duck typing).
    pub(super) fn walk_handler(&mut self, clause: Node<'a>, duck_typed: &[String]) {
        let narrowed: Vec<(String, Option<Ty>)> = if catches_attribute_error(clause, self.src) {
            duck_typed
                .iter()
                .map(|n| (n.clone(), self.env.insert(n.clone(), Ty::Unknown)))
                .collect()
        } else {
            Vec::new()
        };
        for c in named_children(clause) {
            if c.kind() == "block" {
                self.walk_block(c);
            } else {
                self.eval(c);
            }
        }
        // Past the handler the name is what it was (unless rebound).
        for (name, before) in narrowed {
            if self.env.get(&name) == Some(&Ty::Unknown) {
                match before {
                    Some(ty) => self.env.insert(name, ty),
                    None => self.env.remove(&name),
                };
            }
        }
    }

    pub(super) fn walk_if(&mut self, stmt: Node<'a>) {
        if let Some(c) = field(stmt, "condition") {
            self.eval_test(c);
        }
        let mut branches = vec![field(stmt, "consequence")];
        let mut cursor = stmt.walk();
        let alts: Vec<_> = stmt.children_by_field_name("alternative", &mut cursor).collect();
        for alt in alts {
            match alt.kind() {
                "elif_clause" => {
                    if let Some(c) = field(alt, "condition") {
                        self.eval_test(c);
                    }
                    branches.push(field(alt, "consequence"));
                }
                _ => branches.push(field(alt, "body")),
            }
        }
        // A sync helper's module cache (`global cache; if cache is None:
        // cache = query()`) runs its query once per process: nothing here
        // proves that the first call is the one on the loop.
        let run_once = self.exec == Exec::Summary && initializes_module_cache(stmt, self.src);
        // `if self.flag:` where the caller already returned when it was true.
        let tested = field(stmt, "condition").and_then(|c| self_attribute(c, self.src));
        let dead = tested.is_some_and(|attr| self.falsy_on_self.iter().any(|f| f == attr));
        self.walk_branches_first_deferred(&branches, run_once || dead);
        // `if self.flag: return …` with no other branch: false from here on.
        if let (Some(attr), [Some(body)]) = (tested, branches.as_slice()) {
            if !dead && always_leaves(*body) {
                self.falsy_on_self.push(attr.to_owned());
            }
        }
    }

    /// Walks alternative blocks from the same starting environment and keeps
    /// only the bindings they agree on.
    pub(super) fn walk_branches(&mut self, blocks: &[Option<Node<'a>>]) {
        self.walk_branches_first_deferred(blocks, false);
    }

    /// [`Self::walk_branches`]; with `first_deferred`, the first block is
    /// walked for its bindings only (nothing in it is reported).
    pub(super) fn walk_branches_first_deferred(&mut self, blocks: &[Option<Node<'a>>], first_deferred: bool) {
        let before = self.env.clone();
        let mut results: Vec<FxHashMap<String, Ty>> = Vec::new();
        for (i, b) in blocks.iter().enumerate() {
            let Some(b) = b else { continue };
            self.env = before.clone();
            if i == 0 && first_deferred {
                self.walk_block_deferred(*b);
            } else {
                self.walk_block(*b);
            }
            results.push(std::mem::take(&mut self.env));
        }
        let mut merged = before.clone();
        for env in &results {
            for (k, v) in env {
                let cur = merged.get(k).cloned();
                let joined = match cur {
                    Some(c) if before.contains_key(k) || results.len() > 1 => c.join(v.clone()),
                    Some(c) => c.join(v.clone()),
                    None => {
                        // Bound only in some branches: known only if bound alike in all.
                        if results.iter().all(|e| e.get(k) == Some(v))
                            && results.len() == blocks.iter().flatten().count()
                        {
                            v.clone()
                        } else {
                            Ty::Unknown
                        }
                    }
                };
                merged.insert(k.clone(), joined);
            }
        }
        self.env = merged;
    }
}

/// `attr` of a test that is exactly `self.attr`.
fn self_attribute<'s>(test: Node<'_>, src: &'s str) -> Option<&'s str> {
    let test = syntax::unparen(test);
    if test.kind() != "attribute" {
        return None;
    }
    let object = field(test, "object")?;
    (object.kind() == "identifier" && text(object, src) == "self")
        .then(|| field(test, "attribute").map(|a| text(a, src)))
        .flatten()
}

/// A block whose last statement returns or raises: what follows it runs
/// only when the block did not.
fn always_leaves(block: Node<'_>) -> bool {
    let mut cursor = block.walk();
    let last = block
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .last();
    last.is_some_and(|n| matches!(n.kind(), "return_statement" | "raise_statement"))
}

/// `if` whose test reads a name the enclosing function declares `global`
/// and whose first block assigns it: a module-level cache filled on first
/// use (`global default; if default is None: default = Model.objects.get()`).
fn initializes_module_cache(stmt: Node<'_>, src: &str) -> bool {
    let (Some(test), Some(body)) = (field(stmt, "condition"), field(stmt, "consequence")) else {
        return false;
    };
    let Some(function) =
        std::iter::successors(stmt.parent(), |n| n.parent()).find(|n| n.kind() == "function_definition")
    else {
        return false;
    };
    let globals = declared_globals(function, src);
    let tested = identifiers_in(test, src);
    let assigned = assigned_names(body, src);
    tested
        .iter()
        .any(|name| globals.contains(name) && assigned.contains(name))
}

/// Names of `global` statements directly in `function`'s body (not in nested defs).
fn declared_globals<'s>(function: Node<'_>, src: &'s str) -> Vec<&'s str> {
    field(function, "body")
        .into_iter()
        .flat_map(|body| subtree(body, true))
        .filter(|n| n.kind() == "global_statement")
        .flat_map(named_children)
        .filter(|n| n.kind() == "identifier")
        .map(|n| text(n, src))
        .collect()
}

/// Every identifier inside `node`.
fn identifiers_in<'s>(node: Node<'_>, src: &'s str) -> Vec<&'s str> {
    subtree(node, false)
        .filter(|n| n.kind() == "identifier")
        .map(|n| text(n, src))
        .collect()
}

/// Names bound by a plain assignment (`name = …`, `name: T = …`) anywhere in `block`.
fn assigned_names<'s>(block: Node<'_>, src: &'s str) -> Vec<&'s str> {
    subtree(block, true)
        .filter(|n| n.kind() == "assignment")
        .filter_map(|n| field(n, "left").filter(|l| l.kind() == "identifier"))
        .map(|left| text(left, src))
        .collect()
}

/// The nodes of `node`'s subtree (named ones, `node` first); with
/// `own_scope_only`, without the nested `def`s, classes and lambdas, which
/// are scopes of their own. An explicit stack: the tree is user input.
fn subtree<'t>(node: Node<'t>, own_scope_only: bool) -> impl Iterator<Item = Node<'t>> {
    let mut stack = vec![node];
    std::iter::from_fn(move || loop {
        let n = stack.pop()?;
        if own_scope_only && matches!(n.kind(), "function_definition" | "class_definition" | "lambda") {
            continue;
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
        return Some(n);
    })
}

/// Names whose async QuerySet methods a block calls (`qs.all().acount()`
/// names `qs`): an `AttributeError` from the block may mean they are not
/// QuerySets.
fn async_orm_receivers(block: Node<'_>, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for node in subtree(block, true) {
        if node.kind() == "attribute" {
            let is_async_twin = field(node, "attribute").is_some_and(|a| {
                text(a, src)
                    .strip_prefix('a')
                    .is_some_and(django::queryset_method_blocks)
            });
            if is_async_twin {
                let mut recv = field(node, "object");
                while let Some(r) = recv {
                    recv = match r.kind() {
                        "identifier" => {
                            let name = text(r, src).to_owned();
                            if !out.contains(&name) {
                                out.push(name);
                            }
                            None
                        }
                        "call" => field(r, "function"),
                        "attribute" => field(r, "object"),
                        "subscript" => field(r, "value"),
                        "parenthesized_expression" => r.named_child(0),
                        _ => None,
                    };
                }
            }
        }
    }
    out
}

/// `except AttributeError:` (also in a tuple, or `as e`).
fn catches_attribute_error(clause: Node<'_>, src: &str) -> bool {
    let mut stack: Vec<Node<'_>> = named_children(clause)
        .into_iter()
        .filter(|c| c.kind() != "block")
        .collect();
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier" && text(node, src) == "AttributeError" {
            return true;
        }
        if matches!(
            node.kind(),
            "tuple" | "as_pattern" | "parenthesized_expression" | "expression_list"
        ) {
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
    }
    false
}
