//! The evaluator's values: [`Val`] (a statically known Python value, or
//! `Unknown`), the names a module binds ([`Namespace`]), and the operations on
//! values that need no evaluator (operators, container mutations, subscript
//! assignment, paths).
//!
//! Pure functions over values: no syntax tree, no environment, no I/O (a
//! path is only ever normalized lexically).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::schema::state::Origin;

/// A statically known Python value (or not).
#[derive(Clone, PartialEq)]
pub(crate) enum Val {
    Unknown,
    None,
    Bool(bool),
    Int(i64),
    Str(String),
    Path(PathBuf),
    /// `path.parents`.
    Parents(PathBuf),
    /// Lists, tuples and sets.
    List(Vec<Val>),
    /// Dicts with string keys, in insertion order.
    Dict(Vec<(String, Val)>),
    /// Something outside the workspace, by qualified name (`os.path.join`).
    Ext(String),
    /// A django-environ `Env`, with the defaults of its scheme.
    EnvReader(Vec<(String, Val)>),
    /// A method bound to a value (`env.db`, `path.resolve`).
    Bound(Box<Val>, String),
    /// A database URL as dj-database-url / `env.db()` return it (a dict of
    /// connection settings in Python).
    DbUrl(String),
}

/// The key under which a dict built by splatting a [`Val::DbUrl`] keeps it.
pub(crate) const URL_KEY: &str = "\0url";

impl Val {
    pub(crate) fn truthy(&self) -> Option<bool> {
        match self {
            Val::None => Some(false),
            Val::Bool(b) => Some(*b),
            Val::Int(i) => Some(*i != 0),
            Val::Str(s) => Some(!s.is_empty()),
            Val::List(v) => Some(!v.is_empty()),
            Val::Dict(v) => Some(!v.is_empty()),
            Val::Path(_) | Val::Parents(_) | Val::DbUrl(_) | Val::EnvReader(_) => Some(true),
            Val::Unknown | Val::Ext(_) | Val::Bound(..) => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn is_known(&self) -> bool {
        !matches!(self, Val::Unknown)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Dict(items) => items.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A path-like value as a path (`str` and `Path` alike).
    pub(crate) fn as_path(&self) -> Option<PathBuf> {
        match self {
            Val::Str(s) => Some(PathBuf::from(s)),
            Val::Path(p) => Some(p.clone()),
            _ => None,
        }
    }
}

pub(super) fn dict_set(items: &mut Vec<(String, Val)>, key: String, val: Val) {
    match items.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = val,
        None => items.push((key, val)),
    }
}

#[derive(Clone, PartialEq)]
pub(crate) struct Binding {
    pub(crate) val: Val,
    pub(crate) origin: Option<Origin>,
}

pub(crate) type Namespace = HashMap<String, Binding>;

/// Two possible outcomes of the same code: a name they disagree on is unknown.
pub(super) fn join(a: &Namespace, b: &Namespace) -> Namespace {
    let mut out = Namespace::new();
    for (k, va) in a {
        match b.get(k) {
            Some(vb) if vb.val == va.val => {
                out.insert(k.clone(), va.clone());
            }
            other => {
                let origin = other.and_then(|b| b.origin.clone()).or_else(|| va.origin.clone());
                out.insert(
                    k.clone(),
                    Binding {
                        val: Val::Unknown,
                        origin,
                    },
                );
            }
        }
    }
    for (k, vb) in b {
        out.entry(k.clone()).or_insert_with(|| Binding {
            val: Val::Unknown,
            origin: vb.origin.clone(),
        });
    }
    out
}

pub(crate) fn path_string(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Evaluated call arguments.
#[derive(Default)]
pub(super) struct Args {
    pub(super) pos: Vec<Val>,
    pub(super) kw: Vec<(String, Val)>,
}

impl Args {
    /// The argument at position `i` or named `name`.
    pub(super) fn at(&self, i: usize, name: &str) -> Option<&Val> {
        self.pos
            .get(i)
            .or_else(|| self.kw.iter().find(|(k, _)| k == name).map(|(_, v)| v))
    }
}

pub(super) fn binop(l: &Val, op: &str, r: &Val) -> Val {
    match (l, op, r) {
        (Val::Str(a), "+", Val::Str(b)) => Val::Str(format!("{a}{b}")),
        (Val::List(a), "+", Val::List(b)) => Val::List(a.iter().chain(b).cloned().collect()),
        (Val::Int(a), "+", Val::Int(b)) => a.checked_add(*b).map(Val::Int).unwrap_or(Val::Unknown),
        (Val::Int(a), "-", Val::Int(b)) => a.checked_sub(*b).map(Val::Int).unwrap_or(Val::Unknown),
        (Val::Int(a), "*", Val::Int(b)) => a.checked_mul(*b).map(Val::Int).unwrap_or(Val::Unknown),
        (Val::Path(a), "/", b) => match b.as_path() {
            Some(b) => Val::Path(a.join(b)),
            None => Val::Unknown,
        },
        (Val::Str(a), "/", Val::Path(b)) => Val::Path(Path::new(a).join(b)),
        // django-environ's `Path(__file__) - 2`: the path's n-th ancestor.
        (Val::Path(a), "-", Val::Int(n)) if *n >= 0 && a.is_absolute() => a
            .ancestors()
            .nth(*n as usize)
            .map(|p| Val::Path(p.to_path_buf()))
            .unwrap_or(Val::Unknown),
        (Val::Dict(a), "|", Val::Dict(b)) => {
            let mut out = a.clone();
            for (k, v) in b {
                dict_set(&mut out, k.clone(), v.clone());
            }
            Val::Dict(out)
        }
        _ => Val::Unknown,
    }
}

/// `obj.method(args)` on a list or dict value, as a statement.
pub(super) fn mutate(current: Val, method: &str, args: Option<Args>) -> Val {
    let Some(args) = args else { return Val::Unknown };
    let current = match (current, method) {
        (Val::DbUrl(u), "update" | "setdefault") => Val::Dict(vec![(URL_KEY.to_owned(), Val::Str(u))]),
        (other, _) => other,
    };
    match (current, method) {
        (Val::List(mut v), "append") if args.pos.len() == 1 => {
            v.push(args.pos[0].clone());
            Val::List(v)
        }
        (Val::List(mut v), "extend") => match args.pos.as_slice() {
            [Val::List(more)] => {
                v.extend(more.iter().cloned());
                Val::List(v)
            }
            _ => Val::Unknown,
        },
        (Val::List(mut v), "insert") => match args.pos.as_slice() {
            [Val::Int(i), x] => {
                let len = v.len() as i64;
                let i = if *i < 0 { (len + i).max(0) } else { (*i).min(len) } as usize;
                v.insert(i, x.clone());
                Val::List(v)
            }
            _ => Val::Unknown,
        },
        (Val::List(mut v), "remove") => match args.pos.as_slice() {
            [x] if x.is_known() => match v.iter().position(|y| y == x) {
                Some(i) => {
                    v.remove(i);
                    Val::List(v)
                }
                None => Val::Unknown, // ValueError
            },
            _ => Val::Unknown,
        },
        (Val::Dict(mut d), "update") => match args.pos.as_slice() {
            [Val::Dict(more)] if args.kw.is_empty() => {
                for (k, v) in more {
                    dict_set(&mut d, k.clone(), v.clone());
                }
                Val::Dict(d)
            }
            [] => {
                for (k, v) in args.kw {
                    dict_set(&mut d, k, v);
                }
                Val::Dict(d)
            }
            _ => Val::Unknown,
        },
        (Val::Dict(mut d), "setdefault") => match args.pos.as_slice() {
            [Val::Str(k), v] => {
                if d.iter().all(|(x, _)| x != k) {
                    d.push((k.clone(), v.clone()));
                }
                Val::Dict(d)
            }
            _ => Val::Unknown,
        },
        (
            v @ (Val::List(_) | Val::Dict(_) | Val::DbUrl(_)),
            "copy" | "get" | "index" | "count" | "keys" | "values" | "items",
        ) => v,
        _ => Val::Unknown,
    }
}

/// Sets `val` at `keys` inside `root` (`root[k1][k2] = val`); an unknown
/// key or container makes the container unknown.
pub(super) fn set_path(root: &mut Val, keys: &[Val], val: Val) {
    let Some((first, rest)) = keys.split_first() else {
        *root = val;
        return;
    };
    if let Val::DbUrl(u) = root {
        // dj-database-url's dict, changed: keep the URL under its key.
        *root = Val::Dict(vec![(URL_KEY.to_owned(), Val::Str(std::mem::take(u)))]);
    }
    match (root, first) {
        (Val::Dict(items), Val::Str(k)) => {
            if rest.is_empty() {
                dict_set(items, k.clone(), val);
            } else {
                match items.iter_mut().rev().find(|(x, _)| x == k) {
                    Some((_, inner)) => set_path(inner, rest, val),
                    None => {
                        // KeyError in Python: the module fails; unknown.
                        dict_set(items, k.clone(), Val::Unknown);
                    }
                }
            }
        }
        (Val::List(items), Val::Int(i)) => {
            let idx = if *i < 0 { items.len() as i64 + i } else { *i };
            match usize::try_from(idx).ok().and_then(|i| items.get_mut(i)) {
                Some(slot) => set_path(slot, rest, val),
                None => *items = vec![Val::Unknown],
            }
        }
        (root, _) => *root = Val::Unknown,
    }
}
