//! Python expressions as the schema readers understand them: literals,
//! containers, dotted names and calls, normalized so that a models file and
//! a migration that say the same thing compare equal (`"SKU"` and `'SKU'`,
//! `(a, b)` and `[a, b]`, `models.CASCADE` and
//! `django.db.models.deletion.CASCADE`).

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    /// Any other number, as written (`1.5`, `1e3`, `0x10`).
    Number(String),
    Str(String),
    /// Lists and tuples alike: migrations write both for the same thing.
    List(Vec<Value>),
    Set(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    /// A dotted name (`models.CASCADE`, `catalog.models.new_order_number`).
    Name(String),
    /// A call (`models.Index(fields=["a"], name="x")`).
    Call { func: String, args: Vec<Value>, kwargs: Vec<(String, Value)> },
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

    /// Do two values mean the same thing to Django's autodetector? Names and
    /// calls compare by their last component (`models.CASCADE` ==
    /// `django.db.models.deletion.CASCADE`); opaque expressions equal
    /// anything opaque or named (we cannot tell them apart statically, and a
    /// false "changed" is worse than a missed one). Sets ignore order.
    pub fn same(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Opaque(_), Opaque(_) | Name(_) | Call { .. }) | (Name(_) | Call { .. }, Opaque(_)) => true,
            (Name(a), Name(b)) => last(a) == last(b),
            (
                Call { func: fa, args: aa, kwargs: ka },
                Call { func: fb, args: ab, kwargs: kb },
            ) => {
                last(fa) == last(fb)
                    && aa.len() == ab.len()
                    && aa.iter().zip(ab).all(|(x, y)| x.same(y))
                    && ka.len() == kb.len()
                    && ka.iter().all(|(k, v)| kb.iter().any(|(k2, v2)| k == k2 && v.same(v2)))
            }
            (List(a), List(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y)),
            (Set(a), Set(b)) | (Set(a), List(b)) | (List(a), Set(b)) => {
                a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| x.same(y)))
            }
            (Dict(a), Dict(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.iter().any(|(k2, v2)| k.same(k2) && v.same(v2)))
            }
            (Int(a), Number(b)) | (Number(b), Int(a)) => b.parse::<f64>().ok() == Some(*a as f64),
            _ => self == other,
        }
    }
}

fn last(dotted: &str) -> &str {
    dotted.rsplit('.').next().unwrap_or(dotted)
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
