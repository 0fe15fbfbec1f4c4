//! Written Python values as Django's migration machinery sees them:
//! [`parse`] reads an expression (`python::value::read`) with what
//! `deconstruct()` and the migration writer make of a call (translation
//! wrappers to their message, `Q` keywords to children, `timedelta` to
//! days/seconds/microseconds, `set([...])` to a set), so that a models file
//! and a migration that say the same thing compare equal (`"SKU"` and
//! `'SKU'`, `(a, b)` and `[a, b]`); [`Value::same`] is the autodetector's
//! equality (`models.CASCADE` and `django.db.models.deletion.CASCADE`).
//!
//! Pure: no workspace, no evaluation, no I/O.

use tree_sitter::Node;

use crate::python::value::{read, CallRead, Reading, Value};
use crate::syntax::{field, named_children, text};

/// Reads an expression as a migration would write it. `lookup` resolves a
/// dotted name to a value when the reader knows it (a module constant, a
/// `TextChoices` member); otherwise the name stays a [`Value::Name`].
pub fn parse(node: Node<'_>, src: &str, lookup: &dyn Fn(&str) -> Option<Value>) -> Value {
    read(
        node,
        src,
        &Reading {
            lookup,
            call: &deconstructed_call,
        },
    )
}

/// A call as `deconstruct()` gives it (see the module comment).
fn deconstructed_call(call: CallRead<'_>, src: &str) -> Value {
    let CallRead {
        node,
        func,
        mut args,
        mut kwargs,
    } = call;
    // Translation wrappers deconstruct to the plain string (the
    // message; `pgettext` takes a context first). Mayan EDMS names
    // it: `_(message='Label')`.
    let last = func.rsplit('.').next().unwrap_or(&func);
    let translation = matches!(
        last,
        "_" | "gettext"
            | "gettext_lazy"
            | "ugettext_lazy"
            | "ugettext"
            | "gettext_noop"
            | "pgettext"
            | "pgettext_lazy"
            | "pgettext_noop"
    );
    // Not lazy, the call runs when the models module is imported
    // and returns the message translated into `LANGUAGE_CODE`
    // (ephios: `pgettext("shift label", "label")` is "Label" in its
    // German catalog, and so in its migration): not known here.
    // (`_` is most often `gettext_lazy`: taken as its message.)
    if matches!(last, "gettext" | "ugettext" | "pgettext" | "ngettext" | "npgettext") {
        return Value::Opaque(text(node, src).to_owned());
    }
    if translation {
        for name in ["context", "message"] {
            if let Some(at) = kwargs.iter().position(|(k, _)| k == name) {
                args.push(kwargs.remove(at).1);
            }
        }
    }
    if matches!(
        last,
        "_" | "gettext" | "gettext_lazy" | "ugettext_lazy" | "ugettext" | "gettext_noop"
    ) && args.len() == 1
        && kwargs.is_empty()
    {
        if let Value::Str(_) = &args[0] {
            return args.pop().unwrap_or(Value::None);
        }
    }
    if matches!(last, "pgettext" | "pgettext_lazy" | "pgettext_noop") && args.len() == 2 && kwargs.is_empty() {
        if let (Value::Str(_), Value::Str(_)) = (&args[0], &args[1]) {
            return args.pop().unwrap_or(Value::None);
        }
    }
    // `set([...])`, `tuple([...])` (older migrations write these).
    if func == last && kwargs.is_empty() && args.len() <= 1 {
        let items = match args.first() {
            None => Some(Vec::new()),
            Some(Value::List(v) | Value::Set(v)) => Some(v.clone()),
            Some(_) => None,
        };
        if let Some(items) = items {
            match last {
                "set" | "frozenset" => return Value::Set(items),
                "list" | "tuple" => return Value::List(items),
                _ => {}
            }
        }
    }
    // `Q(a=1, b=2)` deconstructs to `Q(("a", 1), ("b", 2))`: children
    // are the positional arguments, then the keywords sorted.
    if last == "Q" {
        // (Only these two are flags: `_config__isnull=True` is a lookup.)
        let (flags, mut rest): (Vec<_>, Vec<_>) = kwargs
            .into_iter()
            .partition(|(k, _)| matches!(k.as_str(), "_connector" | "_negated"));
        rest.sort_by(|a, b| a.0.cmp(&b.0));
        args.extend(rest.into_iter().map(|(k, v)| Value::List(vec![Value::Str(k), v])));
        return Value::Call {
            func,
            args,
            kwargs: flags,
        };
    }
    if last == "timedelta" || (func == last && imports_as(node, src, "timedelta", last)) {
        if let Some(v) = timedelta(&func, &args, &kwargs) {
            return v;
        }
    }
    Value::Call { func, args, kwargs }
}

impl Value {
    /// Do two values mean the same thing to Django's autodetector? Names and
    /// calls compare by their last component (`models.CASCADE` ==
    /// `django.db.models.deletion.CASCADE`); an opaque expression, or a name
    /// against anything but a name, counts as the same (we cannot evaluate
    /// it statically, and a false "changed" is worse than a missed one).
    /// Sets ignore order.
    pub fn same(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Opaque(_), _) | (_, Opaque(_)) => true,
            (Name(a), Name(b)) => last(a) == last(b),
            // A name against a literal or call (`Status.PENDING` against
            // `'pending'`, `dict` against `{}`): unknown, so not a change.
            (Name(_), _) | (_, Name(_)) => true,
            // `Decimal("1.0")` against `Decimal("1.00")` or `1`: equal values.
            (Call { func, .. }, _) | (_, Call { func, .. }) if last(func) == "Decimal" => {
                match (decimal(self), decimal(other)) {
                    (Some(a), Some(b)) => a == b,
                    // `Decimal(PRICE)`, `Decimal(1.5)`: not evaluated.
                    _ => [self, other]
                        .iter()
                        .any(|v| v.last_name() == Some("Decimal") && decimal(v).is_none()),
                }
            }
            // A function's result (`choices=get_language_choices()`,
            // `validators=email_validators()`) against a literal: unknown.
            // (A class's instance deconstructs to a call of it: compared below.)
            (Call { func, .. }, _) | (_, Call { func, .. }) if is_function_result(func) => true,
            (
                Call {
                    func: fa,
                    args: aa,
                    kwargs: ka,
                },
                Call {
                    func: fb,
                    args: ab,
                    kwargs: kb,
                },
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

/// A decimal number's digits without insignificant zeros (`1.50` → `1.5`).
fn decimal(v: &Value) -> Option<String> {
    let raw = match v {
        Value::Int(i) => i.to_string(),
        Value::Number(n) => n.clone(),
        Value::Call { func, args, kwargs } if last(func) == "Decimal" && args.len() == 1 && kwargs.is_empty() => {
            match &args[0] {
                Value::Str(s) => s.trim().to_owned(),
                Value::Int(i) => i.to_string(),
                _ => return None,
            }
        }
        _ => return None,
    };
    let (sign, digits) = match raw.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", raw.strip_prefix('+').unwrap_or(&raw)),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') || digits.matches('.').count() > 1 {
        return None;
    }
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let body = match (int.is_empty(), frac.is_empty()) {
        (true, true) => return Some("0".to_owned()),
        (_, true) => int.to_owned(),
        (true, false) => format!("0.{frac}"),
        (false, false) => format!("{int}.{frac}"),
    };
    Some(format!("{sign}{body}"))
}

/// A call of a function (by Python's naming: lowercase), whose result we
/// do not evaluate; not the lowercase value classes a migration writes
/// (`datetime.timedelta(…)`, `datetime.date(…)`).
fn is_function_result(func: &str) -> bool {
    let name = last(func);
    !name.chars().next().is_some_and(char::is_uppercase) && !matches!(name, "timedelta" | "datetime" | "date" | "time")
}

fn last(dotted: &str) -> &str {
    dotted.rsplit('.').next().unwrap_or(dotted)
}

/// Whether the module of `node` binds `alias` to `name` by an aliased
/// import (`from datetime import timedelta as td`, as Healthchecks does).
fn imports_as(node: Node<'_>, src: &str, name: &str, alias: &str) -> bool {
    if !src.contains(&format!("{name} as {alias}")) {
        return false;
    }
    let mut root = node;
    while let Some(p) = root.parent() {
        root = p;
    }
    named_children(root)
        .into_iter()
        .filter(|stmt| stmt.kind() == "import_from_statement")
        .flat_map(named_children)
        .filter(|n| n.kind() == "aliased_import")
        .any(|n| {
            field(n, "name").is_some_and(|x| text(x, src) == name)
                && field(n, "alias").is_some_and(|x| text(x, src) == alias)
        })
}

/// `timedelta(hours=6)` as the migration writer writes its value:
/// `datetime.timedelta(seconds=21600)` (days, seconds and microseconds,
/// normalized; `timedelta(0)` for zero). `None` when an argument is not an
/// integer literal.
fn timedelta(func: &str, args: &[Value], kwargs: &[(String, Value)]) -> Option<Value> {
    const UNITS: [(&str, i128); 7] = [
        ("days", 86_400_000_000),
        ("seconds", 1_000_000),
        ("microseconds", 1),
        ("milliseconds", 1_000),
        ("minutes", 60_000_000),
        ("hours", 3_600_000_000),
        ("weeks", 604_800_000_000),
    ];
    if args.len() > UNITS.len() {
        return None;
    }
    let mut total: i128 = 0;
    let named = args.iter().zip(UNITS.iter().map(|u| u.0));
    for (v, unit) in named.chain(kwargs.iter().map(|(k, v)| (v, k.as_str()))) {
        let per = UNITS.iter().find(|u| u.0 == unit)?.1;
        total = total.checked_add(i128::from(v.as_int()?).checked_mul(per)?)?;
    }
    let day = UNITS[0].1;
    let days = total.div_euclid(day);
    let rest = total.rem_euclid(day);
    let (seconds, micros) = (rest / 1_000_000, rest % 1_000_000);
    let mut out = Vec::new();
    for (name, n) in [("days", days), ("seconds", seconds), ("microseconds", micros)] {
        if n != 0 {
            out.push((name.to_owned(), Value::Int(i64::try_from(n).ok()?)));
        }
    }
    let func = match func.rsplit_once('.') {
        Some(_) => func.to_owned(),
        None => "datetime.timedelta".to_owned(),
    };
    Some(Value::Call {
        func,
        args: if out.is_empty() {
            vec![Value::Int(0)]
        } else {
            Vec::new()
        },
        kwargs: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(expr: &str) -> Value {
        value_after("", expr)
    }

    /// An expression after these statements (imports).
    fn value_after(prelude: &str, expr: &str) -> Value {
        let src = format!("{prelude}x = {expr}\n");
        let tree = crate::syntax::parse(&src).unwrap();
        let last = tree.root_node().named_child_count() - 1;
        let assign = tree.root_node().named_child(last).unwrap().named_child(0).unwrap();
        parse(field(assign, "right").unwrap(), &src, &|_| None)
    }

    #[test]
    fn literals_normalize() {
        assert_eq!(value("'SKU'"), Value::Str("SKU".into()));
        assert_eq!(value(r#""it's" ' ok'"#), Value::Str("it's ok".into()));
        assert_eq!(value(r"'a\'b\n'"), Value::Str("a'b\n".into()));
        assert_eq!(value(r"r'a\d'"), Value::Str(r"a\d".into()));
        assert_eq!(value("_('label')"), Value::Str("label".into()));
        assert_eq!(value("_(message='label')"), Value::Str("label".into()));
        assert_eq!(value("pgettext_lazy(context='c', message='m')"), Value::Str("m".into()));
        assert_eq!(value("-3"), Value::Int(-3));
        assert_eq!(value("1_000"), Value::Int(1000));
        assert!(matches!(value("f'{x}'"), Value::Opaque(_)));
        assert!(value("('a', 'b')").same(&value("['a', 'b']")));
        assert!(value("{('a', 'b'), ('c', 'd')}").same(&value("{('c', 'd'), ('a', 'b')}")));
        assert!(value("models.CASCADE").same(&value("django.db.models.deletion.CASCADE")));
        assert!(!value("models.CASCADE").same(&value("models.PROTECT")));
        assert!(value("[MinValueValidator(1)]").same(&value("[django.core.validators.MinValueValidator(1)]")));
        assert!(!value("[MinValueValidator(1)]").same(&value("[django.core.validators.MinValueValidator(2)]")));
        assert!(!value("'a'").same(&value("'b'")));
        assert!(value("Status.PENDING").same(&value("'pending'")));
        assert!(value("get_choices()").same(&value("[('a', 'A')]")));
        assert!(value("timedelta(hours=6)").same(&value("datetime.timedelta(seconds=21600)")));
        assert!(value("timedelta()").same(&value("datetime.timedelta(0)")));
        let td = "from datetime import timedelta as td\n";
        assert!(value_after(td, "td(hours=1)").same(&value_after(td, "td(0, 3600)")));
        assert!(!value_after(td, "td(hours=1)").same(&value_after(td, "td(1)")));
        assert!(value("timedelta(1, 30)").same(&value("datetime.timedelta(days=1, seconds=30)")));
        assert!(!value("timedelta(hours=7)").same(&value("datetime.timedelta(seconds=21600)")));
        assert!(value("Decimal('1.0')").same(&value("decimal.Decimal('1.00')")));
        assert!(value("Decimal('0')").same(&value("0")));
        assert!(!value("Decimal('0.5')").same(&value("decimal.Decimal('1.5')")));
        assert!(!value("Decimal('1')").same(&value("[('a', 'A')]")));
        assert!(value("model_check()").same(&value("migration_check()")));
        assert!(!value("datetime.date(2020, 1, 1)").same(&value("datetime.date(2021, 1, 1)")));
    }
}
