//! Column types per backend: the type Django creates for a field
//! (`data_types`, `Field.db_type`, `rel_db_type`; a relation takes its
//! target field's), and [`DbType`], the canonical form in which a type
//! Django writes and one a database reports are compared and shown.
//! Unknown stays `None` (a custom field, a `max_length` given by a
//! constant). Never decides which tables, indexes or constraints exist
//! (`tables.rs`), never does I/O.

use crate::python::value::Value;
use crate::schema::state::{Field, ModelKey, ModelState, ProjectState};
use crate::schema::Backend;

fn internal_type(class: &str) -> Option<(&'static str, Option<i64>)> {
    Some(match class {
        "AutoField" => ("AutoField", None),
        "BigAutoField" => ("BigAutoField", None),
        "SmallAutoField" => ("SmallAutoField", None),
        "BigIntegerField" => ("BigIntegerField", None),
        "BinaryField" => ("BinaryField", None),
        "BooleanField" => ("BooleanField", None),
        "CharField" => ("CharField", None),
        "EmailField" => ("CharField", Some(254)),
        "URLField" => ("CharField", Some(200)),
        "SlugField" => ("SlugField", Some(50)),
        "DateField" => ("DateField", None),
        "DateTimeField" => ("DateTimeField", None),
        "DecimalField" => ("DecimalField", None),
        "DurationField" => ("DurationField", None),
        "FileField" | "ImageField" => ("FileField", Some(100)),
        "FilePathField" => ("FilePathField", Some(100)),
        "FloatField" => ("FloatField", None),
        "IntegerField" => ("IntegerField", None),
        "GenericIPAddressField" => ("GenericIPAddressField", Some(39)),
        "JSONField" => ("JSONField", None),
        "PositiveBigIntegerField" => ("PositiveBigIntegerField", None),
        "PositiveIntegerField" => ("PositiveIntegerField", None),
        "PositiveSmallIntegerField" => ("PositiveSmallIntegerField", None),
        "SmallIntegerField" => ("SmallIntegerField", None),
        "TextField" => ("TextField", None),
        "TimeField" => ("TimeField", None),
        "UUIDField" => ("UUIDField", None),
        _ => return None,
    })
}

/// Parameters of a column type, each known or not.
struct TypeParams {
    max_length: Param,
    max_digits: Param,
    decimal_places: Param,
}

#[derive(Clone, Copy)]
enum Param {
    Absent,
    Int(i64),
    /// Given, but not as a literal integer (a constant, an expression).
    Unknown,
}

fn int_param(field: &Field, name: &str) -> Param {
    match field.kwarg(name) {
        None | Some(Value::None) => Param::Absent,
        Some(Value::Int(i)) => Param::Int(*i),
        Some(_) => Param::Unknown,
    }
}

/// `data_types[internal] % params` for the backend; `None` when the result
/// depends on something unknown (or Django would not create the field).
fn data_type(internal: &str, backend: Backend, p: &TypeParams) -> Option<String> {
    use Backend::*;
    let length = |p: &TypeParams| match p.max_length {
        Param::Int(n) => Some(n),
        _ => None,
    };
    let varchar = |p: &TypeParams| match p.max_length {
        Param::Int(n) => Some(format!("varchar({n})")),
        // `_get_varchar_column`: unlimited varchar where supported.
        Param::Absent if backend != Mysql => Some("varchar".to_owned()),
        _ => None,
    };
    Some(match (internal, backend) {
        ("AutoField", Mysql) => "integer AUTO_INCREMENT".into(),
        ("BigAutoField", Mysql) => "bigint AUTO_INCREMENT".into(),
        ("SmallAutoField", Mysql) => "smallint AUTO_INCREMENT".into(),
        ("AutoField", _) | ("BigAutoField", Sqlite) | ("SmallAutoField", Sqlite) => "integer".into(),
        ("BigAutoField", Postgres) => "bigint".into(),
        ("SmallAutoField", Postgres) => "smallint".into(),
        ("BinaryField", Sqlite) => "BLOB".into(),
        ("BinaryField", Postgres) => "bytea".into(),
        ("BinaryField", Mysql) => "longblob".into(),
        ("BooleanField", Postgres) => "boolean".into(),
        ("BooleanField", _) => "bool".into(),
        ("CharField", _) => varchar(p)?,
        ("FileField" | "FilePathField" | "SlugField", _) => format!("varchar({})", length(p)?),
        ("DateField", _) => "date".into(),
        ("DateTimeField", Sqlite) => "datetime".into(),
        ("DateTimeField", Postgres) => "timestamp with time zone".into(),
        ("DateTimeField", Mysql) => "datetime(6)".into(),
        ("DecimalField", Sqlite) => "decimal".into(),
        ("DecimalField", _) => match (p.max_digits, p.decimal_places) {
            (Param::Int(d), Param::Int(s)) => format!("numeric({d}, {s})"),
            _ => return None,
        },
        ("DurationField", Postgres) => "interval".into(),
        ("DurationField", _) => "bigint".into(),
        ("FloatField", Sqlite) => "real".into(),
        ("FloatField", _) => "double precision".into(),
        ("IntegerField", _) => "integer".into(),
        ("BigIntegerField", _) => "bigint".into(),
        ("SmallIntegerField", _) => "smallint".into(),
        ("GenericIPAddressField", Postgres) => "inet".into(),
        ("GenericIPAddressField", _) => "char(39)".into(),
        ("JSONField", Sqlite) => "text".into(),
        ("JSONField", Postgres) => "jsonb".into(),
        ("JSONField", Mysql) => "json".into(),
        ("PositiveBigIntegerField", Sqlite) => "bigint unsigned".into(),
        ("PositiveIntegerField", Sqlite) => "integer unsigned".into(),
        ("PositiveSmallIntegerField", Sqlite) => "smallint unsigned".into(),
        ("PositiveBigIntegerField", Postgres) => "bigint".into(),
        ("PositiveIntegerField", Postgres) => "integer".into(),
        ("PositiveSmallIntegerField", Postgres) => "smallint".into(),
        ("PositiveBigIntegerField", Mysql) => "bigint UNSIGNED".into(),
        ("PositiveIntegerField", Mysql) => "integer UNSIGNED".into(),
        ("PositiveSmallIntegerField", Mysql) => "smallint UNSIGNED".into(),
        ("TextField", Mysql) => "longtext".into(),
        ("TextField", _) => "text".into(),
        ("TimeField", Mysql) => "time(6)".into(),
        ("TimeField", _) => "time".into(),
        // MariaDB 10.7+ has a native `uuid` (canonical_type treats them alike).
        ("UUIDField", Postgres) => "uuid".into(),
        ("UUIDField", _) => "char(32)".into(),
        _ => return None,
    })
}

pub(super) fn is_relation_class(class: Option<&str>) -> bool {
    matches!(class, Some("ForeignKey" | "OneToOneField"))
}

/// The field is the Django class itself, not a subclass written in the
/// project or a package (which may override `db_type`, or default
/// `max_length` / `null` in its `__init__`). Relations count as plain:
/// their column type is the target's.
pub(super) fn is_plain(field: &Field) -> bool {
    let Some(class) = field.class.as_deref() else {
        return false;
    };
    if is_relation_class(Some(class)) {
        return true;
    }
    let written = field.written_class.rsplit('.').next().unwrap_or(&field.written_class);
    written == class || field.written_class.is_empty()
}

/// Resolves a relation's target to a model key (`self`, bare model names
/// in the same app), following proxies to their concrete model.
pub(super) fn target_model<'a>(state: &'a ProjectState, model: &ModelState, field: &Field) -> Option<&'a ModelState> {
    let to = field.kwarg("to").and_then(Value::as_str)?;
    let key = if to == "self" {
        model.key()
    } else if !to.contains('.') {
        ModelKey::new(&model.app_label, to)
    } else {
        ModelKey::parse(to)?
    };
    let mut target = state.get(&key)?;
    for _ in 0..16 {
        if !target.is_proxy() {
            return Some(target);
        }
        target = state.get(target.bases.first()?)?;
    }
    None
}

/// The field a relation points at (`to_field`, else the target's pk).
pub(super) fn target_field<'a>(
    state: &'a ProjectState,
    model: &ModelState,
    field: &Field,
) -> Option<(&'a ModelState, &'a Field)> {
    let target = target_model(state, model, field)?;
    let f = match field.kwarg("to_field") {
        None | Some(Value::None) => target.pk()?,
        Some(Value::Str(name)) => target.field(name)?,
        Some(_) => return None,
    };
    Some((target, f))
}

fn type_params(field: &Field, default_max_length: Option<i64>) -> TypeParams {
    let max_length = match int_param(field, "max_length") {
        Param::Absent if field.kwarg("max_length").is_none() => match default_max_length {
            Some(n) => Param::Int(n),
            None => Param::Absent,
        },
        p => p,
    };
    TypeParams {
        max_length,
        max_digits: int_param(field, "max_digits"),
        decimal_places: int_param(field, "decimal_places"),
    }
}

/// The `max_length` (given, else the class's default) and the
/// `(max_digits, decimal_places)` of a decimal field, where literal.
pub(super) fn length_and_precision(field: &Field) -> (Option<i64>, Option<(i64, i64)>) {
    let default_len = field.class.as_deref().and_then(internal_type).and_then(|(_, d)| d);
    let p = type_params(field, default_len);
    let ml = match p.max_length {
        Param::Int(n) => Some(n),
        _ => None,
    };
    let pr = match (field.class.as_deref(), p.max_digits, p.decimal_places) {
        (Some("DecimalField"), Param::Int(d), Param::Int(s)) => Some((d, s)),
        _ => None,
    };
    (ml, pr)
}

/// `field.db_type(connection)`: the column type Django creates, `None` when
/// unknown.
pub fn field_db_type(state: &ProjectState, model: &ModelState, field: &Field, backend: Backend) -> Option<String> {
    db_type_depth(state, model, field, backend, 0)
}

fn db_type_depth(
    state: &ProjectState,
    model: &ModelState,
    field: &Field,
    backend: Backend,
    depth: usize,
) -> Option<String> {
    if depth > 16 || !is_plain(field) {
        return None;
    }
    let class = field.class.as_deref()?;
    if is_relation_class(Some(class)) {
        let (target, target_field) = target_field(state, model, field)?;
        return rel_db_type_depth(state, target, target_field, backend, depth + 1);
    }
    let (internal, default_len) = internal_type(class)?;
    data_type(internal, backend, &type_params(field, default_len))
}

/// `field.rel_db_type(connection)`: the type of a foreign key pointing at
/// `field` (an `AutoField` is pointed at by an `integer`, a
/// `PositiveIntegerField` by a plain `integer` except on MySQL, where
/// related fields match types).
pub fn rel_db_type(state: &ProjectState, model: &ModelState, field: &Field, backend: Backend) -> Option<String> {
    rel_db_type_depth(state, model, field, backend, 0)
}

fn rel_db_type_depth(
    state: &ProjectState,
    model: &ModelState,
    field: &Field,
    backend: Backend,
    depth: usize,
) -> Option<String> {
    if !is_plain(field) {
        return None;
    }
    let none = TypeParams {
        max_length: Param::Absent,
        max_digits: Param::Absent,
        decimal_places: Param::Absent,
    };
    let plain = |internal: &str| data_type(internal, backend, &none);
    match field.class.as_deref()? {
        "AutoField" => plain("IntegerField"),
        "BigAutoField" => plain("BigIntegerField"),
        "SmallAutoField" => plain("SmallIntegerField"),
        "PositiveIntegerField" if backend != Backend::Mysql => plain("IntegerField"),
        "PositiveBigIntegerField" if backend != Backend::Mysql => plain("BigIntegerField"),
        "PositiveSmallIntegerField" if backend != Backend::Mysql => plain("SmallIntegerField"),
        _ => db_type_depth(state, model, field, backend, depth + 1),
    }
}

/// Types MySQL cannot index without a prefix length: Django creates no
/// index for them (`_is_limited_data_type`).
pub(super) fn mysql_limited(db_type: Option<&str>) -> bool {
    matches!(
        db_type.map(str::to_ascii_lowercase).as_deref(),
        Some(
            "tinyblob" | "blob" | "mediumblob" | "longblob" | "tinytext" | "text" | "mediumtext" | "longtext" | "json"
        )
    )
}

/// the database reports it (`character varying(200)` ≡ `varchar(200)`,
/// `int(11)` ≡ `integer` on MySQL, `tinyint(1)` ≡ `bool`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbType {
    /// Canonical base name (`varchar`, `integer`, `decimal`, `timestamptz`,
    /// …), or the normalized raw text when not recognized.
    pub name: String,
    /// Length, or precision and scale; display widths of MySQL integers
    /// dropped.
    pub params: Vec<i64>,
    pub unsigned: bool,
    /// MySQL's `AUTO_INCREMENT` (part of how Django writes an `AutoField`;
    /// the database reports it apart from the type): shown, never compared.
    pub auto_increment: bool,
    /// Recognized: an unrecognized type matches anything.
    pub known: bool,
}

impl DbType {
    /// Do the two types mean the same column? Unrecognized types and
    /// backend aliases match (MariaDB's `json` is a `longtext`, its native
    /// `uuid` replaces `char(32)`); SQLite's `decimal` carries no precision.
    pub fn matches(&self, other: &DbType, backend: Backend) -> bool {
        if !self.known || !other.known {
            return true;
        }
        if self.name != other.name {
            let pair = |a: &str, b: &str| (self.name == a && other.name == b) || (self.name == b && other.name == a);
            let alias = backend == Backend::Mysql
                && (pair("json", "longtext")
                    || (pair("uuid", "char")
                        && (self.params == [32] || other.params == [32])
                        && (self.params.is_empty() || other.params.is_empty())));
            return alias;
        }
        if self.unsigned != other.unsigned {
            return false;
        }
        if self.name == "decimal" && (self.params.is_empty() || other.params.is_empty()) && backend == Backend::Sqlite {
            return true;
        }
        self.params == other.params
    }
}

impl DbType {
    /// The type as the backend spells it: its own name where aliases
    /// differ (`numeric(10,2)` and `boolean` on PostgreSQL, `decimal(10,2)`
    /// on MySQL, `decimal` on SQLite), else the short name Django writes
    /// (`varchar(200)`, `integer`); parameters without spaces, as the
    /// databases report them. The one spelling of a column type wherever it
    /// is shown (`schema`, RDJ506), whichever alias Django or the database
    /// used.
    pub fn spelled(&self, backend: Backend) -> String {
        let name = match (self.name.as_str(), backend) {
            ("decimal", Backend::Postgres) => "numeric",
            ("bool", Backend::Postgres) => "boolean",
            ("double", Backend::Postgres) => "double precision",
            ("timestamptz", Backend::Postgres) => "timestamp with time zone",
            ("timetz", Backend::Postgres) => "time with time zone",
            (name, _) => name,
        };
        let params = if self.params.is_empty() {
            String::new()
        } else {
            let p: Vec<String> = self.params.iter().map(i64::to_string).collect();
            format!("({})", p.join(","))
        };
        // PostgreSQL puts a time precision after the first word:
        // `timestamp(3) with time zone`.
        let mut out = match name.split_once(' ') {
            Some((first, rest)) if name.starts_with("time") => format!("{first}{params} {rest}"),
            _ => format!("{name}{params}"),
        };
        if self.unsigned {
            out.push_str(" unsigned");
        }
        if self.auto_increment {
            out.push_str(" auto_increment");
        }
        out
    }
}

/// A column type Django writes (`data_types`) or the database reports, as
/// the backend spells it (see [`DbType::spelled`]).
pub fn spell_type(raw: &str, backend: Backend) -> String {
    canonical_type(raw, backend).spelled(backend)
}

/// Normalizes a column type, as Django writes it (`data_types`) or as the
/// database reports it (PostgreSQL `format_type`, SQLite's declared type,
/// MySQL's `COLUMN_TYPE`), to a [`DbType`].
pub fn canonical_type(raw: &str, backend: Backend) -> DbType {
    let lower = raw.to_ascii_lowercase();
    let mut words: Vec<&str> = Vec::new();
    let mut params = Vec::new();
    let mut params_ok = true;
    // Split off one parenthesized parameter list; the words around it form
    // the base name (`timestamp(3) with time zone`).
    let (before, inside, after) = match (lower.find('('), lower.rfind(')')) {
        (Some(open), Some(close)) if close > open => {
            (&lower[..open], Some(&lower[open + 1..close]), &lower[close + 1..])
        }
        _ => (lower.as_str(), None, ""),
    };
    if let Some(inside) = inside {
        for p in inside.split(',') {
            match p.trim().parse::<i64>() {
                Ok(n) => params.push(n),
                Err(_) => params_ok = false,
            }
        }
    }
    let mut unsigned = false;
    let mut auto_increment = false;
    for w in before.split_whitespace().chain(after.split_whitespace()) {
        match w {
            "unsigned" => unsigned = true,
            "auto_increment" => auto_increment = true,
            "zerofill" | "signed" => {}
            w => words.push(w),
        }
    }
    let base = words.join(" ");
    let unknown = |name: String| DbType {
        name,
        params: Vec::new(),
        unsigned,
        auto_increment,
        known: false,
    };
    if !params_ok {
        return unknown(lower.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    let mysql = backend == Backend::Mysql;
    let name = match base.as_str() {
        "character varying" | "varchar" | "nvarchar" => "varchar",
        "character" | "char" | "bpchar" | "nchar" => "char",
        "integer" | "int" | "int4" | "serial" | "serial4" => "integer",
        "bigint" | "int8" | "bigserial" | "serial8" => "bigint",
        "smallint" | "int2" | "smallserial" | "serial2" => "smallint",
        "mediumint" => "mediumint",
        "tinyint" if mysql && params == [1] && !unsigned => {
            params.clear();
            "bool"
        }
        "tinyint" => "tinyint",
        "bool" | "boolean" => "bool",
        "numeric" | "decimal" | "dec" => "decimal",
        "double precision" | "double" | "float8" => "double",
        "real" if mysql => "double",
        "real" | "float4" => "real",
        "float" if mysql => "float",
        "timestamp with time zone" | "timestamptz" => "timestamptz",
        "timestamp without time zone" | "timestamp" => "timestamp",
        "time with time zone" | "timetz" => "timetz",
        "time without time zone" | "time" => "time",
        "datetime" => "datetime",
        "date" => "date",
        "text" => "text",
        "tinytext" | "mediumtext" | "longtext" => base.as_str(),
        "json" => "json",
        "jsonb" => "jsonb",
        "uuid" => "uuid",
        "inet" => "inet",
        "interval" => "interval",
        "bytea" => "bytea",
        "blob" | "tinyblob" | "mediumblob" | "longblob" => base.as_str(),
        // Unrecognized (matches anything), shown as written.
        _ => {
            return DbType {
                name: base,
                params,
                unsigned,
                auto_increment,
                known: false,
            }
        }
    };
    // Display widths of MySQL integers (`int(11)`) mean nothing.
    if matches!(name, "integer" | "bigint" | "smallint" | "mediumint" | "tinyint") {
        params.clear();
    }
    // PostgreSQL's `timestamp` / `time` precision, when given, stays.
    DbType {
        name: name.to_owned(),
        params,
        unsigned,
        auto_increment,
        known: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ddl::test_states::{auto, field, model, state};

    #[test]
    fn column_types_per_backend_follow_data_types() {
        use Backend::*;
        let m = model(
            "shop",
            "Item",
            vec![
                auto("BigAutoField"),
                field("name", "CharField", &[("max_length", Value::Int(200))]),
                field("free", "CharField", &[]),
                field("mail", "EmailField", &[]),
                field("url", "URLField", &[]),
                field("slug", "SlugField", &[]),
                field(
                    "price",
                    "DecimalField",
                    &[("max_digits", Value::Int(10)), ("decimal_places", Value::Int(2))],
                ),
                field("at", "DateTimeField", &[]),
                field("n", "PositiveIntegerField", &[]),
                field("uid", "UUIDField", &[]),
                field("data", "JSONField", &[]),
                field("ok", "BooleanField", &[]),
                field("len", "CharField", &[("max_length", Value::Name("MAX".into()))]),
            ],
            &[],
        );
        let st = state(vec![m]);
        let m = st.models.values().next().unwrap();
        let ty = |name: &str, b: Backend| field_db_type(&st, m, m.field(name).unwrap(), b);
        assert_eq!(ty("id", Sqlite).as_deref(), Some("integer"));
        assert_eq!(ty("id", Postgres).as_deref(), Some("bigint"));
        assert_eq!(ty("id", Mysql).as_deref(), Some("bigint AUTO_INCREMENT"));
        assert_eq!(ty("name", Postgres).as_deref(), Some("varchar(200)"));
        assert_eq!(ty("free", Postgres).as_deref(), Some("varchar"));
        assert_eq!(ty("free", Mysql), None);
        assert_eq!(ty("mail", Sqlite).as_deref(), Some("varchar(254)"));
        assert_eq!(ty("url", Sqlite).as_deref(), Some("varchar(200)"));
        assert_eq!(ty("slug", Sqlite).as_deref(), Some("varchar(50)"));
        assert_eq!(ty("price", Sqlite).as_deref(), Some("decimal"));
        assert_eq!(ty("price", Postgres).as_deref(), Some("numeric(10, 2)"));
        assert_eq!(ty("at", Postgres).as_deref(), Some("timestamp with time zone"));
        assert_eq!(ty("at", Mysql).as_deref(), Some("datetime(6)"));
        assert_eq!(ty("n", Sqlite).as_deref(), Some("integer unsigned"));
        assert_eq!(ty("n", Postgres).as_deref(), Some("integer"));
        assert_eq!(ty("uid", Postgres).as_deref(), Some("uuid"));
        assert_eq!(ty("uid", Sqlite).as_deref(), Some("char(32)"));
        assert_eq!(ty("data", Mysql).as_deref(), Some("json"));
        assert_eq!(ty("ok", Postgres).as_deref(), Some("boolean"));
        assert_eq!(
            ty("len", Sqlite),
            None,
            "a max_length we cannot read leaves the type unknown"
        );
    }

    #[test]
    fn canonical_types_equate_aliases() {
        use Backend::*;
        let same = |a: &str, b: &str, be: Backend| canonical_type(a, be).matches(&canonical_type(b, be), be);
        assert!(same("varchar(200)", "character varying(200)", Postgres));
        assert!(!same("varchar(200)", "character varying(100)", Postgres));
        assert!(same("numeric(10, 2)", "numeric(10,2)", Postgres));
        assert!(!same("numeric(10, 2)", "numeric(12,2)", Postgres));
        assert!(same("timestamp with time zone", "timestamptz", Postgres));
        assert!(!same(
            "timestamp with time zone",
            "timestamp without time zone",
            Postgres
        ));
        assert!(same("serial", "integer", Postgres));
        assert!(same("integer AUTO_INCREMENT", "int(11)", Mysql));
        assert!(same("bigint AUTO_INCREMENT", "bigint(20)", Mysql));
        assert!(same("integer UNSIGNED", "int(10) unsigned", Mysql));
        assert!(!same("integer UNSIGNED", "int(11)", Mysql));
        assert!(same("bool", "tinyint(1)", Mysql));
        assert!(same("numeric(10, 2)", "decimal(10,2)", Mysql));
        assert!(same("double precision", "double", Mysql));
        assert!(same("json", "longtext", Mysql));
        assert!(same("char(32)", "uuid", Mysql));
        assert!(!same("longtext", "text", Mysql));
        assert!(same("decimal", "decimal", Sqlite));
        assert!(same("INTEGER", "integer", Sqlite));
        assert!(same("bool", "bool", Sqlite));
        assert!(!same("integer", "bigint", Sqlite));
        assert!(
            same("varchar(10)", "citext", Postgres),
            "unrecognized types match anything"
        );
    }

    #[test]
    fn a_type_has_one_spelling_per_backend_whoever_wrote_it() {
        use Backend::*;
        // Django's `data_types` and the database's catalog, alike.
        for (written, reported, backend, spelled) in [
            ("numeric(8, 2)", "numeric(8,2)", Postgres, "numeric(8,2)"),
            ("numeric(8, 2)", "decimal(8,2)", Mysql, "decimal(8,2)"),
            ("decimal", "DECIMAL", Sqlite, "decimal"),
            ("varchar(200)", "character varying(200)", Postgres, "varchar(200)"),
            (
                "timestamp with time zone",
                "timestamptz",
                Postgres,
                "timestamp with time zone",
            ),
            ("double precision", "float8", Postgres, "double precision"),
            ("double precision", "double", Mysql, "double"),
            ("bool", "boolean", Postgres, "boolean"),
            ("bool", "tinyint(1)", Mysql, "bool"),
            ("integer UNSIGNED", "int(10) unsigned", Mysql, "integer unsigned"),
            ("char(32)", "char(32)", Mysql, "char(32)"),
        ] {
            assert_eq!(spell_type(written, backend), spelled, "{written} on {backend:?}");
            assert_eq!(spell_type(reported, backend), spelled, "{reported} on {backend:?}");
        }
        assert_eq!(
            spell_type("timestamp(3) with time zone", Postgres),
            "timestamp(3) with time zone"
        );
        assert_eq!(
            spell_type("integer AUTO_INCREMENT", Mysql),
            "integer auto_increment",
            "shown, though never compared"
        );
        assert_eq!(spell_type("bit(8)", Postgres), "bit(8)", "unrecognized: as written");
        assert_eq!(spell_type("geometry(Point,4326)", Postgres), "geometry(point,4326)");
    }
}
