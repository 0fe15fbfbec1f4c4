//! The evaluator's expressions: literals and containers, names (`__file__`,
//! `__name__`, builtins), attributes and subscripts, operators, comparisons,
//! conditional expressions, f-strings, and calls (arguments evaluated here,
//! the call itself in [`super::calls`]).
//!
//! Evaluating never changes a scope; no I/O.

use std::path::Path;

use tree_sitter::Node;

use super::value::{binop, dict_set, path_string, Args, Namespace, Val, URL_KEY};
use super::{Evaluator, Lookup, ModuleFile};
use crate::python::string_value_with;
use crate::python::value::int_value;
use crate::syntax::{children, field, named_children, text, unparen};

const BUILTINS: [&str; 8] = ["str", "int", "bool", "list", "tuple", "dict", "set", "len"];

impl Evaluator<'_> {
    pub(super) fn args(&mut self, cx: &ModuleFile, call: Node, scope: &Namespace) -> Option<Args> {
        let list = field(call, "arguments")?;
        if list.kind() != "argument_list" {
            return None;
        }
        let mut args = Args::default();
        for a in named_children(list) {
            match a.kind() {
                "comment" => {}
                "keyword_argument" => {
                    let name = field(a, "name").map(|n| text(n, cx.src).to_owned())?;
                    let v = field(a, "value")
                        .map(|v| self.eval(cx, v, scope))
                        .unwrap_or(Val::Unknown);
                    args.kw.push((name, v));
                }
                "list_splat" | "dictionary_splat" => return None,
                _ => {
                    let v = self.eval(cx, a, scope);
                    args.pos.push(v);
                }
            }
        }
        Some(args)
    }

    pub(super) fn eval(&mut self, cx: &ModuleFile, node: Node, scope: &Namespace) -> Val {
        let node = unparen(node);
        match node.kind() {
            "string" | "concatenated_string" => self.eval_string(cx, node, scope),
            "integer" => int_value(text(node, cx.src)).map(Val::Int).unwrap_or(Val::Unknown),
            "true" => Val::Bool(true),
            "false" => Val::Bool(false),
            "none" => Val::None,
            "identifier" => {
                let name = text(node, cx.src);
                match name {
                    "__file__" => Val::Str(path_string(cx.path)),
                    "__name__" => Val::Str(cx.module.clone()),
                    _ => match scope.get(name) {
                        Some(b) => b.val.clone(),
                        None if BUILTINS.contains(&name) => Val::Ext(format!("builtins.{name}")),
                        None => Val::Unknown,
                    },
                }
            }
            "attribute" => {
                let (Some(obj), Some(attr)) = (field(node, "object"), field(node, "attribute")) else {
                    return Val::Unknown;
                };
                let attr = text(attr, cx.src);
                match self.eval(cx, obj, scope) {
                    Val::Ext(q) => Val::Ext(format!("{q}.{attr}")),
                    Val::Path(p) => match attr {
                        "parent" => Val::Path(p.parent().map(Path::to_path_buf).unwrap_or(p)),
                        "parents" => Val::Parents(p),
                        "name" => Val::Str(
                            p.file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default(),
                        ),
                        _ => Val::Bound(Box::new(Val::Path(p)), attr.to_owned()),
                    },
                    Val::Unknown => Val::Unknown,
                    other => Val::Bound(Box::new(other), attr.to_owned()),
                }
            }
            "subscript" => {
                let (Some(obj), Some(key)) = (field(node, "value"), field(node, "subscript")) else {
                    return Val::Unknown;
                };
                let obj = self.eval(cx, obj, scope);
                let key = self.eval(cx, key, scope);
                subscript(self, &obj, &key)
            }
            "call" => {
                let Some(func) = field(node, "function") else {
                    return Val::Unknown;
                };
                let func = self.eval(cx, func, scope);
                if matches!(func, Val::Unknown) {
                    return Val::Unknown;
                }
                match self.args(cx, node, scope) {
                    Some(args) => self.apply(cx, func, args),
                    None => Val::Unknown,
                }
            }
            "list" | "tuple" | "set" | "expression_list" => {
                let mut items = Vec::new();
                for e in named_children(node) {
                    match e.kind() {
                        "comment" => {}
                        "list_splat" => match e.named_child(0).map(|x| self.eval(cx, x, scope)) {
                            Some(Val::List(v)) => items.extend(v),
                            _ => return Val::Unknown,
                        },
                        _ => items.push(self.eval(cx, e, scope)),
                    }
                }
                Val::List(items)
            }
            "dictionary" => {
                let mut items = Vec::new();
                for e in named_children(node) {
                    match e.kind() {
                        "comment" => {}
                        "pair" => {
                            let (Some(k), Some(v)) = (field(e, "key"), field(e, "value")) else {
                                return Val::Unknown;
                            };
                            let Val::Str(k) = self.eval(cx, k, scope) else {
                                return Val::Unknown;
                            };
                            let v = self.eval(cx, v, scope);
                            dict_set(&mut items, k, v);
                        }
                        "dictionary_splat" => match e.named_child(0).map(|x| self.eval(cx, x, scope)) {
                            Some(Val::Dict(v)) => {
                                for (k, v) in v {
                                    dict_set(&mut items, k, v);
                                }
                            }
                            Some(Val::DbUrl(u)) => dict_set(&mut items, URL_KEY.to_owned(), Val::Str(u)),
                            _ => return Val::Unknown,
                        },
                        _ => return Val::Unknown,
                    }
                }
                Val::Dict(items)
            }
            "binary_operator" => {
                let (Some(l), Some(r), Some(op)) = (field(node, "left"), field(node, "right"), field(node, "operator"))
                else {
                    return Val::Unknown;
                };
                let op = text(op, cx.src).to_owned();
                let l = self.eval(cx, l, scope);
                let r = self.eval(cx, r, scope);
                binop(&l, &op, &r)
            }
            "boolean_operator" => {
                let (Some(l), Some(r), Some(op)) = (field(node, "left"), field(node, "right"), field(node, "operator"))
                else {
                    return Val::Unknown;
                };
                let is_or = text(op, cx.src) == "or";
                let left = self.eval(cx, l, scope);
                match (left.truthy(), is_or) {
                    (Some(true), true) | (Some(false), false) => left,
                    (Some(_), _) => self.eval(cx, r, scope),
                    (None, _) => Val::Unknown,
                }
            }
            "not_operator" => match field(node, "argument").map(|a| self.eval(cx, a, scope).truthy()) {
                Some(Some(b)) => Val::Bool(!b),
                _ => Val::Unknown,
            },
            "comparison_operator" => self.eval_comparison(cx, node, scope),
            "conditional_expression" => {
                let parts = named_children(node);
                if parts.len() != 3 {
                    return Val::Unknown;
                }
                match self.eval(cx, parts[1], scope).truthy() {
                    Some(true) => self.eval(cx, parts[0], scope),
                    Some(false) => self.eval(cx, parts[2], scope),
                    None => {
                        let a = self.eval(cx, parts[0], scope);
                        let b = self.eval(cx, parts[2], scope);
                        if a == b {
                            a
                        } else {
                            Val::Unknown
                        }
                    }
                }
            }
            "unary_operator" => {
                let op = field(node, "operator").map(|o| text(o, cx.src)).unwrap_or("");
                match (op, field(node, "argument").map(|a| self.eval(cx, a, scope))) {
                    ("-", Some(Val::Int(i))) => Val::Int(-i),
                    ("+", Some(Val::Int(i))) => Val::Int(i),
                    _ => Val::Unknown,
                }
            }
            _ => Val::Unknown,
        }
    }

    /// A string literal, its f-string fields evaluated: known when every
    /// field's value is a string, number, path, bool or `None` written
    /// without conversion, format or `=` (which shows the expression too).
    fn eval_string(&mut self, cx: &ModuleFile, node: Node, scope: &Namespace) -> Val {
        let rendered = string_value_with(node, cx.src, &mut |replacement| {
            if field(replacement, "format_specifier").is_some()
                || field(replacement, "type_conversion").is_some()
                || children(replacement).iter().any(|c| c.kind() == "=")
            {
                return None;
            }
            match self.eval(cx, field(replacement, "expression")?, scope) {
                Val::Str(s) => Some(s),
                Val::Int(i) => Some(i.to_string()),
                Val::Path(p) => Some(path_string(&p)),
                Val::Bool(b) => Some(if b { "True" } else { "False" }.to_owned()),
                Val::None => Some("None".to_owned()),
                _ => None,
            }
        });
        rendered.map(Val::Str).unwrap_or(Val::Unknown)
    }

    fn eval_comparison(&mut self, cx: &ModuleFile, node: Node, scope: &Namespace) -> Val {
        let operands = named_children(node);
        let ops: Vec<String> = {
            let mut cursor = node.walk();
            node.children_by_field_name("operators", &mut cursor)
                .map(|o| text(o, cx.src).split_whitespace().collect::<Vec<_>>().join(" "))
                .collect()
        };
        if operands.len() != 2 || ops.len() != 1 {
            return Val::Unknown;
        }
        let a = self.eval(cx, operands[0], scope);
        let b = self.eval(cx, operands[1], scope);
        if !a.is_known()
            || !b.is_known()
            || matches!(a, Val::Ext(_) | Val::Bound(..))
            || matches!(b, Val::Ext(_) | Val::Bound(..))
        {
            return Val::Unknown;
        }
        let contains = |hay: &Val, needle: &Val| -> Option<bool> {
            match (hay, needle) {
                (Val::List(v), n) => Some(v.contains(n)),
                (Val::Dict(v), Val::Str(n)) => Some(v.iter().any(|(k, _)| k == n)),
                (Val::Str(h), Val::Str(n)) => Some(h.contains(n.as_str())),
                _ => None,
            }
        };
        let r = match ops[0].as_str() {
            "==" => Some(a == b),
            "!=" => Some(a != b),
            "is" => matches!((&a, &b), (Val::None, _) | (_, Val::None) | (Val::Bool(_), Val::Bool(_))).then(|| a == b),
            "is not" => {
                matches!((&a, &b), (Val::None, _) | (_, Val::None) | (Val::Bool(_), Val::Bool(_))).then(|| a != b)
            }
            "in" => contains(&b, &a),
            "not in" => contains(&b, &a).map(|x| !x),
            "<" | "<=" | ">" | ">=" => match (&a, &b) {
                (Val::Int(x), Val::Int(y)) => Some(match ops[0].as_str() {
                    "<" => x < y,
                    "<=" => x <= y,
                    ">" => x > y,
                    _ => x >= y,
                }),
                _ => None,
            },
            _ => None,
        };
        r.map(Val::Bool).unwrap_or(Val::Unknown)
    }
}

/// `obj[key]` (`os.environ["K"]` of a variable not set raises: unknown).
fn subscript(evaluator: &Evaluator<'_>, obj: &Val, key: &Val) -> Val {
    match (obj, key) {
        (Val::Dict(_), Val::Str(k)) => obj.get(k).cloned().unwrap_or(Val::Unknown),
        (Val::List(v), Val::Int(i)) => {
            let i = if *i < 0 { v.len() as i64 + i } else { *i };
            usize::try_from(i)
                .ok()
                .and_then(|i| v.get(i))
                .cloned()
                .unwrap_or(Val::Unknown)
        }
        (Val::Parents(p), Val::Int(n)) if *n >= 0 => p
            .ancestors()
            .nth(*n as usize + 1)
            .map(|a| Val::Path(a.to_path_buf()))
            .unwrap_or(Val::Unknown),
        (Val::Ext(q), Val::Str(k)) if q == "os.environ" => match evaluator.getenv(k) {
            Lookup::Set(v) => Val::Str(v),
            _ => Val::Unknown,
        },
        _ => Val::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use crate::schema::settings::test_support::*;

    /// The database URL of settings whose SQLite `NAME` is `name`.
    fn sqlite_named(name: &str) -> Option<String> {
        url_of(&format!(
            "ROOT = '/srv'\nDATABASES = {{'default': {{'ENGINE': 'django.db.backends.sqlite3', 'NAME': {name}}}}}\n"
        ))
    }

    #[test]
    fn strings_are_decoded_as_python_decodes_them() {
        let is = |name: &str, url: &str| assert_eq!(sqlite_named(name).as_deref(), Some(url), "{name}");
        is(r"'/data/\x61pp.db'", "sqlite:////data/app.db");
        is(r"'/data/\141pp.db'", "sqlite:////data/app.db");
        is("('/data/'  # the volume\n 'app.db')", "sqlite:////data/app.db");
        is("f'{ROOT}/app.db'", "sqlite:////srv/app.db");
        is("f'{ROOT}/{{x}}.db'", "sqlite:////srv/{x}.db");
        is("f'{ROOT}' '/app.db'", "sqlite:////srv/app.db");
        // Not a str, not decoded here, or shown differently: unknown.
        for name in [
            r"b'/x.db'",
            r"'/\N{DIGIT ONE}.db'",
            "f'{ROOT=}'",
            "f'{ROOT!r}'",
            "f'{ROOT:>9}'",
        ] {
            assert_eq!(sqlite_named(name), None, "{name}");
        }
    }

    #[test]
    fn integers_are_read_in_every_base() {
        // `ROOT.parents[0b0]` is `/srv` and `0x1_0` is 16: integer literals
        // are read as Python reads them (one reader, `python::value::int_value`).
        let url = url_of(
            "from pathlib import Path\nROOT = Path('/srv/app')\nDATABASES = {'default': {'ENGINE': \
             'django.db.backends.sqlite3', 'NAME': ROOT.parents[0b0] / f'db{0x1_0}.sqlite3'}}\n",
        );
        assert_eq!(url.as_deref(), Some("sqlite:////srv/db16.sqlite3"));
    }
}
