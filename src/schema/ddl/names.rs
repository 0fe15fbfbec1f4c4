//! Django's names for what `migrate` creates: a model's table, an
//! automatic many-to-many table, and `truncate_name` (a name longer than
//! the backend keeps becomes a prefix and four hex digits of its MD5).
//! Names only: never decides a column's type or which tables exist, never
//! does I/O.

use md5::{Digest, Md5};

use crate::python::value::Value;
use crate::schema::state::{Field, ModelState};
use crate::schema::Backend;

/// The longest table or column name the backend keeps
/// (`connection.ops.max_name_length()`).
pub fn max_name_length(backend: Backend) -> Option<usize> {
    match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(63),
        Backend::Mysql => Some(64),
    }
}

/// Django's `truncate_name`: a name longer than `length` becomes its first
/// `length - 4` characters and 4 hex digits of its MD5. A `"schema"."table"`
/// name truncates the table part only.
pub fn truncate_name(identifier: &str, length: Option<usize>) -> String {
    let (namespace, name) = match identifier.split_once("\".\"") {
        Some((ns, name)) if !name.contains("\".\"") => (ns.trim_matches('"'), name.trim_matches('"')),
        _ => ("", identifier.trim_matches('"')),
    };
    let Some(length) = length else {
        return identifier.to_owned();
    };
    if name.chars().count() <= length {
        return identifier.to_owned();
    }
    // `names_digest(name, length=4)`: the first four hex digits of its MD5.
    let digest = format!("{:x}", Md5::digest(name.as_bytes()));
    let head: String = name.chars().take(length.saturating_sub(4)).collect();
    let ns = if namespace.is_empty() {
        String::new()
    } else {
        format!("{namespace}\".\"")
    };
    format!("{ns}{head}{}", &digest[..4])
}

/// PostgreSQL keeps the first 63 bytes of a longer identifier (at a
/// character boundary); Django's own truncation already fits the names it
/// generates, this covers explicit `db_table` / `db_column` values.
pub(super) fn backend_identifier(name: String, backend: Backend) -> String {
    if backend != Backend::Postgres || name.len() <= 63 {
        return name;
    }
    let mut end = 63;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_owned()
}

/// The model's table for the backend: `Meta.db_table` as given, else
/// `<app_label>_<model>` truncated to the backend's name length.
pub fn table_name(model: &ModelState, backend: Backend) -> String {
    let name = match model.options.get("db_table").and_then(Value::as_str) {
        Some(t) => t.to_owned(),
        None => truncate_name(&model.db_table(), max_name_length(backend)),
    };
    backend_identifier(name, backend)
}

/// The automatic through table of a many-to-many field (`None` when the
/// field names its own `through=` model): `db_table=` as given, else
/// `<model table>_<field>` truncated.
pub fn m2m_table_name(model: &ModelState, field: &Field, backend: Backend) -> Option<String> {
    if !field.is_many_to_many() || field.kwarg("through").is_some() {
        return None;
    }
    let name = match field.kwarg("db_table") {
        Some(Value::Str(t)) => t.clone(),
        Some(_) => return None,
        None => {
            let table = table_name(model, backend);
            truncate_name(
                &format!("{}_{}", table.trim_matches('"'), field.name),
                max_name_length(backend),
            )
        }
    };
    Some(backend_identifier(name, backend))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ddl::test_states::{auto, model, s};

    #[test]
    fn truncate_name_is_djangos() {
        // Values computed by django.db.backends.utils.truncate_name.
        let long = "edge_averylongmodelnamethatkeepsgoingpastwhatpostgreskeepsinname";
        assert_eq!(
            truncate_name(long, Some(63)),
            "edge_averylongmodelnamethatkeepsgoingpastwhatpostgreskeepsie37f"
        );
        assert_eq!(truncate_name(long, Some(64)), long);
        assert_eq!(truncate_name(long, None), long);
        let x = format!("shop_{}", "x".repeat(70));
        assert_eq!(truncate_name(&x, Some(63)), format!("shop_{}41af", "x".repeat(54)));
        let ns = format!("\"sch\".\"{}\"", "y".repeat(70));
        assert_eq!(truncate_name(&ns, Some(63)), format!("sch\".\"{}0e3d", "y".repeat(59)));
        // Django's own cases (tests/backends/test_utils.py).
        assert_eq!(truncate_name("some_table", Some(10)), "some_table");
        assert_eq!(truncate_name("some_long_table", Some(10)), "some_la38a");
        assert_eq!(truncate_name("some_long_table", None), "some_long_table");
        assert_eq!(
            truncate_name("username\".\"some_table", Some(10)),
            "username\".\"some_table"
        );
        assert_eq!(
            truncate_name("username\".\"some_long_table", Some(10)),
            "username\".\"some_la38a"
        );
    }

    #[test]
    fn table_names_truncate_per_backend_unless_explicit() {
        let name = "ThisModelNameIsLongEnoughToPassSixtyThreeCharactersWithApp";
        let m = model("inventory", name, vec![auto("AutoField")], &[]);
        assert_eq!(
            table_name(&m, Backend::Sqlite),
            format!("inventory_{}", name.to_ascii_lowercase())
        );
        assert_eq!(table_name(&m, Backend::Postgres).len(), 63);
        assert_eq!(table_name(&m, Backend::Mysql).len(), 64);
        let explicit = model(
            "inventory",
            name,
            vec![auto("AutoField")],
            &[("db_table", s("legacy_items"))],
        );
        assert_eq!(table_name(&explicit, Backend::Postgres), "legacy_items");
    }
}
