//! The one value type for the WRITTEN form of Python values: [`Value`], an
//! expression as its source states it (literals, containers, dotted names,
//! calls of dotted names, anything else by its text), and [`read`], which
//! reads one from a syntax tree. Readers give meaning to names and calls
//! through a [`Reading`]: the models and migration readers use it through
//! `schema::value` (Django's deconstruction: translation wrappers, `Q`,
//! `timedelta`; `Value::same`, the autodetector's equality).
//!
//! Not the EVALUATED form: the settings evaluator's `Val` is what running
//! statements gives (paths, environment readers, bound methods, unknown),
//! and no conversion between the two exists or is needed. Not the index's
//! `summary::AssignedValue` either, which stays apart on purpose: it is built for
//! every class attribute and module assignment of every parsed file, so it
//! keeps only what name resolution and the rules need (a call's callee
//! even when not a dotted name, its arguments in order with splats, the
//! byte ranges of strings and calls that findings point at) and allocates
//! nothing for what it does not read (`Other`, where this type copies the
//! source text into `Opaque`, and a list of anything but strings); reading
//! it as this type would add work per file and lose the ranges.
//!
//! Pure: reads syntax, never evaluates, looks at no workspace, no I/O.

use std::fmt;

use tree_sitter::Node;

use crate::python::string_value;
use crate::syntax::{dotted, field, named_children, text, unparen};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    /// Any other number, as written (`1.5`, `1e3`, an integer past `i64`).
    Number(String),
    Str(String),
    /// Lists and tuples alike: migrations write both for the same thing.
    List(Vec<Value>),
    Set(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    /// A dotted name (`models.CASCADE`, `catalog.models.new_order_number`).
    Name(String),
    /// A call (`models.Index(fields=["a"], name="x")`).
    Call {
        func: String,
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
    },
    /// Anything else, by its source text (compared leniently, see [`Value::same`]).
    Opaque(String),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) => Some(v),
            _ => None,
        }
    }

    /// A keyword argument of a call value.
    pub fn call_kwarg(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Call { kwargs, .. } => kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The last component of a name or called function (`CASCADE`, `Index`).
    pub fn last_name(&self) -> Option<&str> {
        match self {
            Value::Name(n) | Value::Call { func: n, .. } => n.rsplit('.').next(),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    /// Python-like source (for messages and `schema` output).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn seq(f: &mut fmt::Formatter<'_>, items: &[Value]) -> fmt::Result {
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{v}")?;
            }
            Ok(())
        }
        match self {
            Value::None => f.write_str("None"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Number(n) | Value::Name(n) | Value::Opaque(n) => f.write_str(n),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::List(v) => {
                f.write_str("[")?;
                seq(f, v)?;
                f.write_str("]")
            }
            Value::Set(v) => {
                f.write_str("{")?;
                seq(f, v)?;
                f.write_str("}")
            }
            Value::Dict(v) => {
                f.write_str("{")?;
                for (i, (k, x)) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {x}")?;
                }
                f.write_str("}")
            }
            Value::Call { func, args, kwargs } => {
                write!(f, "{func}(")?;
                seq(f, args)?;
                for (i, (k, v)) in kwargs.iter().enumerate() {
                    if i > 0 || !args.is_empty() {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}={v}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// How a reader gives meaning to what [`read`] cannot know alone.
pub struct Reading<'r> {
    /// A dotted name's value when the reader knows it (a module constant, a
    /// `TextChoices` member); otherwise the name stays a [`Value::Name`].
    pub lookup: &'r dyn Fn(&str) -> Option<Value>,
    /// What a call is, given its parts read (`Value::Call` of them when the
    /// reader knows nothing more of it).
    pub call: &'r dyn Fn(CallRead<'_>, &str) -> Value,
}

/// A call read by [`read`], before its [`Reading`] decides what it is.
pub struct CallRead<'t> {
    pub node: Node<'t>,
    /// The dotted name called.
    pub func: String,
    pub args: Vec<Value>,
    pub kwargs: Vec<(String, Value)>,
}

/// Reads an expression as written: literals (strings decoded by
/// [`string_value`], integers of any base, other numbers as written),
/// containers, dotted names (through `reading.lookup`) and calls of a
/// dotted name (through `reading.call`); anything else, and a call with a
/// splat, is [`Value::Opaque`].
///
/// Values nest at most [`MAX_NESTING`] deep: a deeper part is
/// [`Value::Opaque`] (CPython itself refuses 200 nested parentheses, so no
/// importable module has one; reading it would overflow the stack).
pub fn read(node: Node<'_>, src: &str, reading: &Reading<'_>) -> Value {
    read_nested(node, src, reading, 0)
}

/// How deeply [`read`] nests values (containers, calls, unary operators).
pub const MAX_NESTING: u32 = 100;

fn read_nested(node: Node<'_>, src: &str, reading: &Reading<'_>, depth: u32) -> Value {
    let node = unparen(node);
    if depth >= MAX_NESTING {
        return Value::Opaque(text(node, src).to_owned());
    }
    // A part of this value, one level deeper.
    let inner = |n: Node<'_>| read_nested(n, src, reading, depth + 1);
    match node.kind() {
        "none" => Value::None,
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "integer" => int_literal(text(node, src)),
        "float" => Value::Number(text(node, src).replace('_', "")),
        "string" | "concatenated_string" => match string_value(node, src) {
            Some(s) => Value::Str(s),
            None => Value::Opaque(text(node, src).to_owned()),
        },
        "unary_operator" => {
            let arg = field(node, "argument").map(inner);
            let op = field(node, "operator").map(|o| text(o, src)).unwrap_or("");
            match (op, arg) {
                ("-", Some(Value::Int(i))) => Value::Int(-i),
                ("-", Some(Value::Number(n))) => Value::Number(format!("-{n}")),
                ("+", Some(v @ (Value::Int(_) | Value::Number(_)))) => v,
                _ => Value::Opaque(text(node, src).to_owned()),
            }
        }
        "list" | "tuple" | "expression_list" => Value::List(items(node, src, reading, depth + 1)),
        "set" => Value::Set(items(node, src, reading, depth + 1)),
        "dictionary" => {
            let mut pairs = Vec::new();
            for child in named_children(node) {
                match child.kind() {
                    "pair" => {
                        let (Some(k), Some(v)) = (field(child, "key"), field(child, "value")) else {
                            return Value::Opaque(text(node, src).to_owned());
                        };
                        pairs.push((inner(k), inner(v)));
                    }
                    "comment" => {}
                    _ => return Value::Opaque(text(node, src).to_owned()),
                }
            }
            Value::Dict(pairs)
        }
        "identifier" | "attribute" => match dotted(node, src) {
            Some(name) => (reading.lookup)(&name).unwrap_or(Value::Name(name)),
            None => Value::Opaque(text(node, src).to_owned()),
        },
        "call" => {
            let Some(func) = field(node, "function").and_then(|f| dotted(f, src)) else {
                return Value::Opaque(text(node, src).to_owned());
            };
            let mut args = Vec::new();
            let mut kwargs = Vec::new();
            if let Some(list) = field(node, "arguments") {
                for arg in named_children(list) {
                    match arg.kind() {
                        "keyword_argument" => {
                            let (Some(k), Some(v)) = (field(arg, "name"), field(arg, "value")) else {
                                return Value::Opaque(text(node, src).to_owned());
                            };
                            kwargs.push((text(k, src).to_owned(), inner(v)));
                        }
                        "comment" => {}
                        "list_splat" | "dictionary_splat" => return Value::Opaque(text(node, src).to_owned()),
                        _ => args.push(inner(arg)),
                    }
                }
            }
            (reading.call)(
                CallRead {
                    node,
                    func,
                    args,
                    kwargs,
                },
                src,
            )
        }
        _ => Value::Opaque(text(node, src).to_owned()),
    }
}

fn items(node: Node<'_>, src: &str, reading: &Reading<'_>, depth: u32) -> Vec<Value> {
    named_children(node)
        .into_iter()
        .filter(|c| c.kind() != "comment")
        .map(|c| read_nested(c, src, reading, depth))
        .collect()
}

fn int_literal(raw: &str) -> Value {
    int_value(raw)
        .map(Value::Int)
        .unwrap_or(Value::Number(raw.replace('_', "")))
}

/// The value of a Python integer literal (`0x1F`, `0o17`, `1_000`), when it
/// fits an `i64`.
pub(crate) fn int_value(raw: &str) -> Option<i64> {
    let lower = raw.replace('_', "").to_ascii_lowercase();
    if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()
    } else {
        lower.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of `x = <expr>`, read with no knowledge of names or calls.
    fn value(expr: &str) -> Value {
        let src = format!("x = {expr}\n");
        let tree = crate::syntax::parse(&src).unwrap();
        let assign = tree.root_node().named_child(0).unwrap().named_child(0).unwrap();
        let plain = Reading {
            lookup: &|_| None,
            call: &|c, _| Value::Call {
                func: c.func,
                args: c.args,
                kwargs: c.kwargs,
            },
        };
        read(field(assign, "right").unwrap(), &src, &plain)
    }

    #[test]
    fn literals_and_containers_are_read_as_written() {
        assert_eq!(value("None"), Value::None);
        assert_eq!(value("(True)"), Value::Bool(true));
        assert_eq!(value("0x1F"), Value::Int(31));
        assert_eq!(value("0o17"), Value::Int(15));
        assert_eq!(value("-1_000"), Value::Int(-1000));
        assert_eq!(value("1_0.5"), Value::Number("10.5".into()));
        assert_eq!(
            value("99999999999999999999"),
            Value::Number("99999999999999999999".into())
        );
        assert_eq!(
            value("('a', 1)"),
            Value::List(vec![Value::Str("a".into()), Value::Int(1)])
        );
        assert_eq!(value("{'a'}"), Value::Set(vec![Value::Str("a".into())]));
        assert_eq!(
            value("{'k': models.CASCADE}"),
            Value::Dict(vec![(Value::Str("k".into()), Value::Name("models.CASCADE".into()))])
        );
        assert_eq!(
            value("_('label', max_length=3)"),
            Value::Call {
                func: "_".into(),
                args: vec![Value::Str("label".into())],
                kwargs: vec![("max_length".into(), Value::Int(3))],
            }
        );
        for opaque in ["f(*args)", "a[0]", "lambda: 1", "x if y else z"] {
            assert!(matches!(value(opaque), Value::Opaque(_)), "{opaque}");
        }
        assert_eq!(
            value("models.Index(fields=['a'])").to_string(),
            "models.Index(fields=[\"a\"])"
        );
    }

    #[test]
    fn strings_are_decoded_as_python_decodes_them() {
        assert_eq!(value(r"'\x41\101\u00e9'"), Value::Str("AAé".into()));
        assert_eq!(value("('a'  # why\n 'b')"), Value::Str("ab".into()));
        assert_eq!(value("f'{{a}}'"), Value::Str("{a}".into()));
        // Not a `str`, or not decoded: compared leniently.
        for opaque in ["b'a'", r"'\N{EM DASH}'", r"'\x4'"] {
            assert!(matches!(value(opaque), Value::Opaque(_)), "{opaque}");
        }
    }
}
