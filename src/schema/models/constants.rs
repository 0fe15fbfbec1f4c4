//! The constants a class body's values may name: module and class-level
//! `NAME = literal` and choices classes (`Status.PENDING`, `Status.choices`),
//! read once per module. Evaluates nothing else (a call or a name stays
//! unknown).

use std::collections::HashMap;
use std::sync::Arc;

use tree_sitter::Node;

use super::class::simple_assignment;
use super::modules::class_name;
use super::{source, DeclScope, ModelReader};
use crate::python::value::Value;
use crate::schema::value;
use crate::syntax::{self, dotted, field, named_children, text};

impl ModelReader<'_> {
    /// Module constants and choices classes visible in a class body: names
    /// the value reader may resolve (`STATUS_CHOICES`, `Status.choices`,
    /// `Status.PENDING`).
    /// Returns the module's and the class body's (which come first).
    pub(super) fn constants(
        &mut self,
        scope: DeclScope,
        class: Node<'_>,
        src: &str,
    ) -> (Arc<HashMap<String, Value>>, HashMap<String, Value>) {
        let index = self.index;
        let module = self
            .module_constants
            .entry(scope)
            .or_insert_with(|| match source(index, scope) {
                Some((_, root)) => Arc::new(level_constants(named_children(root), src, &HashMap::new())),
                None => Arc::default(),
            })
            .clone();
        let class = level_constants(syntax::body_statements(class), src, &module);
        (module, class)
    }
}

/// Constants (`NAME = literal`) and choices classes (`Status.PENDING`,
/// `Status.choices`) of one level of statements; their values may use the
/// enclosing level's, `outer`.
fn level_constants(stmts: Vec<Node<'_>>, src: &str, outer: &HashMap<String, Value>) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    for stmt in stmts {
        let def = syntax::definition_of(stmt);
        if def.kind() == "class_definition" {
            if let Some(members) = choices_members(def, src) {
                let name = class_name(def, src);
                let mut list = Vec::new();
                for (member, v, label) in members {
                    out.insert(format!("{name}.{member}"), v.clone());
                    list.push(Value::List(vec![v, label]));
                }
                out.insert(format!("{name}.choices"), Value::List(list));
            }
            continue;
        }
        if let Some((k, v)) = simple_assignment(stmt) {
            let v = value::parse(v, src, &|n| out.get(n).or_else(|| outer.get(n)).cloned());
            if !matches!(v, Value::Call { .. } | Value::Name(_)) {
                out.insert(text(k, src).to_owned(), v);
            }
        }
    }
    out
}

/// Members of a `TextChoices`/`IntegerChoices` class: (name, value, label).
fn choices_members(class: Node<'_>, src: &str) -> Option<Vec<(String, Value, Value)>> {
    let supers = field(class, "superclasses")?;
    let is_choices = named_children(supers).iter().any(|b| {
        dotted(*b, src)
            .is_some_and(|d| matches!(d.rsplit('.').next(), Some("TextChoices" | "IntegerChoices" | "Choices")))
    });
    if !is_choices {
        return None;
    }
    let none = |_: &str| None;
    let mut out = Vec::new();
    for stmt in syntax::body_statements(class) {
        let Some((k, v)) = simple_assignment(stmt) else {
            continue;
        };
        let name = text(k, src).to_owned();
        if name.starts_with('_') {
            continue;
        }
        let (value, label) = match value::parse(v, src, &none) {
            Value::List(items) if syntax::unparen(v).kind() == "expression_list" || items.len() == 2 => {
                let mut it = items.into_iter();
                let value = it.next()?;
                let label = it.next().unwrap_or_else(|| Value::Str(title(&name)));
                (value, label)
            }
            other => (other, Value::Str(title(&name))),
        };
        out.push((name, value, label));
    }
    Some(out)
}

/// Python's `name.replace("_", " ").title()` (a choice's default label).
fn title(name: &str) -> String {
    let mut out = String::new();
    let mut prev_letter = false;
    for c in name.replace('_', " ").chars() {
        if c.is_alphabetic() {
            if prev_letter {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            prev_letter = true;
        } else {
            out.push(c);
            prev_letter = false;
        }
    }
    out
}
