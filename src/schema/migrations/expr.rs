//! The expression of a migration file the operation reader asks about,
//! as either reader has it: [`Syntax`] over a tree-sitter node ([`Ts`]) or
//! over a fast-reader expression ([`Fast`], which marks the read `unsure`
//! where it cannot answer as tree-sitter would), and the truth of a
//! comprehension's condition. Answers questions about one expression:
//! knows no operation and reads no file.

use std::cell::Cell;
use std::ops::Range;

use tree_sitter::Node;

use super::fast;
use crate::python::value::Value;
use crate::schema::models::simple_assignment;
use crate::schema::value;
use crate::syntax::{self, field, named_children, text};

/// An expression of a migration file, as either reader has it: the few
/// questions the operation reader asks.
pub(super) trait Syntax: Copy {
    /// Without redundant parentheses.
    fn unparen(self) -> Self;
    /// A call: its function as a dotted name (`None` if it is not one) and
    /// its arguments, keyword or positional, in order.
    fn call(self) -> Option<(Option<String>, Vec<Arg<Self>>)>;
    /// The items of a list or tuple (the named children, comments aside).
    fn children(self) -> Vec<Self>;
    /// A list or tuple literal, or a name bound to one by a plain
    /// assignment in an enclosing block (the `Migration` class body, the
    /// module).
    fn literal_list(self) -> Option<Self>;
    /// The value, as `value::parse` reads it.
    fn value(self) -> Value;
    /// The value with the names `lookup` knows replaced (a comprehension's
    /// variables).
    fn value_in(self, lookup: &dyn Fn(&str) -> Option<Value>) -> Value;
    fn range(self) -> Range<usize>;
    /// `*x` in a list: `x`.
    fn splat(self) -> Option<Self> {
        None
    }
    /// A list comprehension: its body and clauses.
    fn comprehension(self) -> Option<(Self, Vec<Clause<Self>>)> {
        None
    }
    /// A condition's truth, when it compares literals (and names `lookup`
    /// knows, and names bound to literal lists) only.
    fn truth(self, _lookup: &dyn Fn(&str) -> Option<Value>) -> Option<bool> {
        None
    }
}

/// A clause of a comprehension.
pub(super) enum Clause<S> {
    /// `for a, b in items`: the target's names (`tuple`: unpacked).
    For {
        names: Vec<String>,
        tuple: bool,
        items: S,
    },
    If(S),
}

pub(super) enum Arg<S> {
    Keyword(String, Option<S>),
    Positional(S),
}

/// A tree-sitter node.
#[derive(Clone, Copy)]
pub(super) struct Ts<'t> {
    pub(super) node: Node<'t>,
    pub(super) src: &'t str,
}

impl Syntax for Ts<'_> {
    fn unparen(self) -> Self {
        Ts {
            node: syntax::unparen(self.node),
            ..self
        }
    }

    fn call(self) -> Option<(Option<String>, Vec<Arg<Self>>)> {
        if self.node.kind() != "call" {
            return None;
        }
        let func = field(self.node, "function").and_then(|f| syntax::dotted(f, self.src));
        let mut args = Vec::new();
        for a in field(self.node, "arguments").map(named_children).unwrap_or_default() {
            let at = |node| Ts { node, src: self.src };
            match a.kind() {
                "keyword_argument" => args.push(Arg::Keyword(
                    field(a, "name")
                        .map(|n| text(n, self.src).to_owned())
                        .unwrap_or_default(),
                    field(a, "value").map(at),
                )),
                "comment" => {}
                _ => args.push(Arg::Positional(at(a))),
            }
        }
        Some((func, args))
    }

    fn children(self) -> Vec<Self> {
        named_children(self.node)
            .into_iter()
            .filter(|n| n.kind() != "comment")
            .map(|node| Ts { node, src: self.src })
            .collect()
    }

    fn literal_list(self) -> Option<Self> {
        literal_list(self.node, self.src).map(|node| Ts { node, src: self.src })
    }

    fn value(self) -> Value {
        value::parse(self.node, self.src, &|_| None)
    }

    fn value_in(self, lookup: &dyn Fn(&str) -> Option<Value>) -> Value {
        value::parse(self.node, self.src, lookup)
    }

    fn range(self) -> Range<usize> {
        self.node.byte_range()
    }

    fn splat(self) -> Option<Self> {
        let node = syntax::unparen(self.node);
        if node.kind() != "list_splat" {
            return None;
        }
        let inner = named_children(node).into_iter().find(|n| n.kind() != "comment")?;
        Some(Ts { node: inner, ..self })
    }

    fn comprehension(self) -> Option<(Self, Vec<Clause<Self>>)> {
        let node = syntax::unparen(self.node);
        if node.kind() != "list_comprehension" {
            return None;
        }
        let at = |node| Ts { node, src: self.src };
        let body = field(node, "body")?;
        let mut clauses = Vec::new();
        for c in named_children(node) {
            match c.kind() {
                "for_in_clause" => {
                    // `async for`, or several iterables: not read.
                    if c.child(0).is_some_and(|t| t.kind() == "async") {
                        return None;
                    }
                    let mut cursor = c.walk();
                    let mut right = c.children_by_field_name("right", &mut cursor).filter(|n| n.is_named());
                    let items = right.next()?;
                    if right.next().is_some() {
                        return None;
                    }
                    let left = field(c, "left")?;
                    let (targets, tuple) = match left.kind() {
                        "identifier" => (vec![left], false),
                        "pattern_list" | "tuple_pattern" => (named_children(left), true),
                        _ => return None,
                    };
                    let names = targets
                        .iter()
                        .map(|t| (t.kind() == "identifier").then(|| text(*t, self.src).to_owned()))
                        .collect::<Option<Vec<_>>>()?;
                    clauses.push(Clause::For {
                        names,
                        tuple,
                        items: at(items),
                    });
                }
                "if_clause" => clauses.push(Clause::If(at(named_children(c).into_iter().next()?))),
                "comment" => {}
                _ if c == body => {}
                _ => return None,
            }
        }
        Some((at(body), clauses))
    }

    fn truth(self, lookup: &dyn Fn(&str) -> Option<Value>) -> Option<bool> {
        truth(self.node, self.src, lookup)
    }
}

/// A condition's truth (see [`Syntax::truth`]).
fn truth(node: Node<'_>, src: &str, lookup: &dyn Fn(&str) -> Option<Value>) -> Option<bool> {
    let node = syntax::unparen(node);
    match node.kind() {
        "true" => Some(true),
        "false" => Some(false),
        "not_operator" => truth(field(node, "argument")?, src, lookup).map(|b| !b),
        "boolean_operator" => {
            let left = truth(field(node, "left")?, src, lookup);
            let right = || truth(field(node, "right")?, src, lookup);
            match (field(node, "operator")?.kind(), left) {
                ("and", Some(false)) => Some(false),
                ("or", Some(true)) => Some(true),
                (_, Some(_)) => right(),
                _ => None,
            }
        }
        "comparison_operator" => {
            let operands: Vec<Node<'_>> = named_children(node)
                .into_iter()
                .filter(|n| n.kind() != "comment")
                .collect();
            let mut cursor = node.walk();
            let mut ops = node.children_by_field_name("operators", &mut cursor);
            let op = ops.next()?;
            if ops.next().is_some() || operands.len() != 2 {
                return None; // a chained comparison
            }
            let operand = |n: Node<'_>| {
                let v = value::parse(n, src, lookup);
                match (&v, literal_list(n, src)) {
                    // A module-level name bound to a tuple (`t in SORT_TABLES`).
                    (Value::Name(_), Some(list)) => value::parse(list, src, lookup),
                    _ => v,
                }
            };
            let (a, b) = (operand(operands[0]), operand(operands[1]));
            let plain = |v: &Value| matches!(v, Value::Str(_) | Value::Int(_) | Value::Bool(_) | Value::None);
            let within = |a: &Value, b: &Value| match b {
                Value::List(items) | Value::Set(items) if plain(a) && items.iter().all(plain) => {
                    Some(items.contains(a))
                }
                _ => None,
            };
            let equal = || (plain(&a) && plain(&b)).then(|| a == b);
            match text(op, src).split_whitespace().collect::<Vec<_>>().as_slice() {
                ["=="] => equal(),
                ["!="] => equal().map(|e| !e),
                ["in"] => within(&a, &b),
                ["not", "in"] => within(&a, &b).map(|e| !e),
                _ => None,
            }
        }
        _ => None,
    }
}

/// An expression of the fast reader. What it cannot answer as tree-sitter
/// would (a name bound elsewhere, the children of a call) marks the read
/// `unsure`, and the file is read again with tree-sitter.
#[derive(Clone, Copy)]
pub(super) struct Fast<'a> {
    pub(super) expr: &'a fast::Expr,
    pub(super) unsure: &'a Cell<bool>,
}

impl Syntax for Fast<'_> {
    fn unparen(self) -> Self {
        self
    }

    fn call(self) -> Option<(Option<String>, Vec<Arg<Self>>)> {
        let fast::Kind::Call { func, args } = &self.expr.kind else {
            return None;
        };
        let at = |expr| Fast { expr, ..self };
        let args = args
            .iter()
            .map(|(k, v)| match k {
                Some(k) => Arg::Keyword(k.clone(), Some(at(v))),
                None => Arg::Positional(at(v)),
            })
            .collect();
        Some((Some(func.clone()), args))
    }

    fn children(self) -> Vec<Self> {
        match &self.expr.kind {
            fast::Kind::Seq { items, set: false } => items.iter().map(|expr| Fast { expr, ..self }).collect(),
            _ => {
                self.unsure.set(true);
                Vec::new()
            }
        }
    }

    fn literal_list(self) -> Option<Self> {
        match &self.expr.kind {
            fast::Kind::Seq { set: false, .. } => Some(self),
            _ => {
                self.unsure.set(true);
                None
            }
        }
    }

    fn value(self) -> Value {
        self.expr.value()
    }

    fn value_in(self, _lookup: &dyn Fn(&str) -> Option<Value>) -> Value {
        // The fast reader reads no comprehension: nothing is ever bound.
        self.expr.value()
    }

    fn range(self) -> Range<usize> {
        self.expr.range.clone()
    }
}

/// A list or tuple literal, or a name bound to one by a plain assignment in
/// an enclosing block (the `Migration` class body, the module).
fn literal_list<'t>(node: Node<'t>, src: &str) -> Option<Node<'t>> {
    let node = syntax::unparen(node);
    if matches!(node.kind(), "list" | "tuple") {
        return Some(node);
    }
    if node.kind() != "identifier" {
        return None;
    }
    let name = text(node, src);
    let mut scope = node.parent();
    while let Some(s) = scope {
        if matches!(s.kind(), "block" | "module") {
            let bound = named_children(s)
                .into_iter()
                .filter(|stmt| stmt.start_byte() < node.start_byte())
                .filter_map(simple_assignment)
                .rfind(|(k, _)| k.kind() == "identifier" && text(*k, src) == name);
            if let Some((_, value)) = bound {
                let value = syntax::unparen(value);
                return matches!(value.kind(), "list" | "tuple").then_some(value);
            }
        }
        scope = s.parent();
    }
    None
}
