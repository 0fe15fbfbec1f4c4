//! The columns, indexes and foreign keys Django creates for a model state,
//! per backend (OWNER: columns/drift helper).
//!
//! Ground truth is Django 5.2: `db/backends/*/base.py` (`data_types`),
//! `Field.db_type` / `rel_db_type`, `Options.contribute_to_class` (table
//! names and their truncation), `ManyToManyField._get_m2m_db_table` and
//! `create_many_to_many_intermediary_model` (automatic through tables), and
//! `BaseDatabaseSchemaEditor` (which unique constraints, indexes and foreign
//! keys `migrate` creates).
//!
//! Whatever cannot be known statically is left unknown (`None`) and is not
//! compared: a custom field's type, a `max_length` given by a constant, a
//! relation to a model outside the state.

use super::state::{Field, ModelKey, ModelState, Origin, ProjectState};
use super::value::Value;
use super::Backend;

/// A table Django creates for a model (or a many-to-many field).
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedTable {
    /// The table name as the backend stores it (truncated like Django).
    pub name: String,
    /// The model the table belongs to (for an automatic many-to-many table:
    /// the model declaring the field).
    pub model: ModelKey,
    /// `app_label.ClassName` (for messages).
    pub label: String,
    /// The many-to-many field whose automatic through table this is.
    pub m2m_field: Option<String>,
    /// The model's class (or the many-to-many field).
    pub origin: Option<Origin>,
    pub columns: Vec<ExpectedColumn>,
    /// False when some field's column could not be determined (an
    /// unresolved relation-like custom field): then columns found in the
    /// database but not expected here may belong to it.
    pub complete: bool,
    /// Unique constraints (primary keys excluded).
    pub uniques: Vec<ExpectedConstraint>,
    /// Column sets the model may legitimately have a unique index on: every
    /// unique declaration, the forms not expected above included
    /// (conditional, deferrable or covering constraints, a `unique=` we
    /// cannot read, a field subclass that may set it itself), and primary
    /// keys. `None` when some declaration could not be resolved: then no
    /// unique index of the table can be called undeclared.
    pub declared_unique: Option<Vec<Vec<String>>>,
    /// Indexes Django creates or the database needs (`db_index`, foreign
    /// keys, `Meta.indexes`).
    pub indexes: Vec<ExpectedConstraint>,
    pub foreign_keys: Vec<ExpectedForeignKey>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedColumn {
    pub name: String,
    /// The field it stores (for an automatic many-to-many table: `id` or
    /// the model-side name, `product` / `from_tag`).
    pub field: String,
    /// Django's column type for the backend, as `data_types` renders it
    /// (`varchar(200)`, `numeric(10, 2)`, `integer AUTO_INCREMENT`);
    /// `None` when unknown (custom field, non-literal parameter). Shown
    /// through [`spell_type`], compared through [`canonical_type`].
    pub db_type: Option<String>,
    /// `Some(true)` for `NULL`; `None` when unknown (and for primary keys).
    pub null: Option<bool>,
    pub max_length: Option<i64>,
    /// `(max_digits, decimal_places)` of a decimal field.
    pub precision: Option<(i64, i64)>,
    pub primary_key: bool,
    pub origin: Option<Origin>,
}

/// What declares an expected unique constraint or index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstraintSource {
    /// A field's `unique=True`, `db_index=True`, or the index of a foreign key.
    Field(String),
    /// `Meta.unique_together` (the field names).
    UniqueTogether(Vec<String>),
    /// `Meta.indexes` entry, by its name when it has one.
    MetaIndex(Option<String>),
    /// `Meta.constraints` `UniqueConstraint`, by its name.
    Constraint(Option<String>),
    /// The unique pair of an automatic many-to-many table.
    ManyToMany(String),
    /// A composite primary key (`CompositePrimaryKey`).
    CompositePrimaryKey(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedConstraint {
    /// Column names, in order (descending markers removed).
    pub columns: Vec<String>,
    pub source: ConstraintSource,
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedForeignKey {
    pub column: String,
    /// The field declaring it (for an automatic many-to-many table, the
    /// many-to-many field).
    pub field: String,
    /// The referenced table and column; `None` when the target model is not
    /// in the state (then only the presence of a foreign key is expected).
    pub to_table: Option<String>,
    pub to_column: Option<String>,
    pub origin: Option<Origin>,
}

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
    let digest = md5_hex(name.as_bytes());
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
fn backend_identifier(name: String, backend: Backend) -> String {
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

// ---------------------------------------------------------------------------
// Field types

/// A Django field class's internal type (`get_internal_type()`) and its
/// default `max_length`.
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

fn is_relation_class(class: Option<&str>) -> bool {
    matches!(class, Some("ForeignKey" | "OneToOneField"))
}

/// The field is the Django class itself, not a subclass written in the
/// project or a package (which may override `db_type`, or default
/// `max_length` / `null` in its `__init__`). Relations count as plain:
/// their column type is the target's.
fn is_plain(field: &Field) -> bool {
    let Some(class) = field.class.as_deref() else {
        return false;
    };
    if is_relation_class(Some(class)) {
        return true;
    }
    let written = field.written_class.rsplit('.').next().unwrap_or(&field.written_class);
    written == class || field.written_class.is_empty()
}

/// A relation-like field we cannot resolve (`TaggableManager`, a custom
/// `ForeignObject`): no column can be expected for it.
fn has_no_column(field: &Field) -> bool {
    match field.class.as_deref() {
        Some("ManyToManyField" | "CompositePrimaryKey" | "ForeignObject" | "GenericRelation" | "GenericForeignKey") => {
            true
        }
        None => field.kwarg("to").is_some() || field.kwarg("through").is_some(),
        _ => false,
    }
}

/// `True` / `False` / absent (`default`) of a boolean keyword; `None` when
/// given as something else.
fn flag(field: &Field, name: &str, default: bool) -> Option<bool> {
    match field.kwarg(name) {
        None => Some(default),
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => None,
    }
}

/// Resolves a relation's target to a model key (`self`, bare model names
/// in the same app), following proxies to their concrete model.
fn target_model<'a>(state: &'a ProjectState, model: &ModelState, field: &Field) -> Option<&'a ModelState> {
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
fn target_field<'a>(state: &'a ProjectState, model: &ModelState, field: &Field) -> Option<(&'a ModelState, &'a Field)> {
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
fn mysql_limited(db_type: Option<&str>) -> bool {
    matches!(
        db_type.map(str::to_ascii_lowercase).as_deref(),
        Some(
            "tinyblob" | "blob" | "mediumblob" | "longblob" | "tinytext" | "text" | "mediumtext" | "longtext" | "json"
        )
    )
}

// ---------------------------------------------------------------------------
// Expected tables

/// Every table `migrate` creates for the state's managed, concrete models,
/// with their columns, unique constraints, indexes and foreign keys.
pub fn expected_tables(state: &ProjectState, backend: Backend) -> Vec<ExpectedTable> {
    let mut out = Vec::new();
    for model in state.models.values() {
        if !model.has_own_table() {
            continue;
        }
        out.push(model_table(state, model, backend));
        for field in &model.fields {
            if let Some(t) = m2m_table(state, model, field, backend) {
                out.push(t);
            }
        }
    }
    out
}

fn label(model: &ModelState) -> String {
    format!("{}.{}", model.app_label, model.name)
}

/// A field by name, or by its attribute name (`customer_id`), as
/// `Options.get_field` finds it for `Meta` options.
fn field_by_name<'a>(model: &'a ModelState, name: &str) -> Option<&'a Field> {
    model.field(name).or_else(|| {
        model
            .fields
            .iter()
            .find(|f| is_relation_class(f.class.as_deref()) && format!("{}_id", f.name) == name)
    })
}

fn column_of(model: &ModelState, name: &str, backend: Backend) -> Option<String> {
    let f = field_by_name(model, name)?;
    if has_no_column(f) {
        return None;
    }
    Some(backend_identifier(f.column()?, backend))
}

/// Adds a declared unique column set; an unresolved one (`None`) makes the
/// whole list unknown.
fn declare(declared: &mut Option<Vec<Vec<String>>>, cols: Option<Vec<String>>) {
    match (declared.as_mut(), cols) {
        (Some(list), Some(cols)) => list.push(cols),
        (Some(_), None) => *declared = None,
        (None, _) => {}
    }
}

/// Names from a `fields=[...]` value (strings only), `-` prefixes removed.
fn name_list(v: &Value) -> Option<Vec<String>> {
    v.as_list()?
        .iter()
        .map(|x| x.as_str().map(|s| s.trim_start_matches('-').to_owned()))
        .collect::<Option<Vec<_>>>()
        .filter(|v| !v.is_empty())
}

fn model_table(state: &ProjectState, model: &ModelState, backend: Backend) -> ExpectedTable {
    let mut table = ExpectedTable {
        name: table_name(model, backend),
        model: model.key(),
        label: label(model),
        m2m_field: None,
        origin: model.origin.clone(),
        columns: Vec::new(),
        complete: true,
        uniques: Vec::new(),
        declared_unique: Some(Vec::new()),
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
    };
    let origin_of = |f: &Field| f.origin.clone().or_else(|| model.origin.clone());
    for field in &model.fields {
        if field.class.as_deref() == Some("CompositePrimaryKey") {
            let names = field.kwarg("field_names").and_then(name_list);
            let cols: Option<Vec<String>> = names
                .as_ref()
                .and_then(|n| n.iter().map(|n| column_of(model, n, backend)).collect());
            declare(&mut table.declared_unique, cols.clone());
            if let Some(cols) = cols {
                table.uniques.push(ExpectedConstraint {
                    columns: cols,
                    source: ConstraintSource::CompositePrimaryKey(names.unwrap_or_default()),
                    origin: origin_of(field),
                });
            }
            continue;
        }
        if has_no_column(field) {
            if !field.is_many_to_many() {
                table.complete = false;
            }
            continue;
        }
        let Some(column) = field.column() else { continue };
        let column = backend_identifier(column, backend);
        let plain = is_plain(field);
        let primary_key = flag(field, "primary_key", false);
        let db_type = field_db_type(state, model, field, backend);
        // A generated column is created without NOT NULL, whatever `null`.
        let generated = field.class.as_deref() == Some("GeneratedField");
        let null = match primary_key {
            _ if generated => None,
            Some(true) => None,
            None => None,
            Some(false) if plain => flag(field, "null", false),
            Some(false) => match field.kwarg("null") {
                Some(Value::Bool(b)) => Some(*b),
                _ => None,
            },
        };
        let is_fk = is_relation_class(field.class.as_deref());
        let (max_length, precision) = if plain && !is_fk {
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
        } else {
            (None, None)
        };
        table.columns.push(ExpectedColumn {
            name: column.clone(),
            field: field.name.clone(),
            db_type: db_type.clone(),
            null,
            max_length,
            precision,
            primary_key: primary_key == Some(true),
            origin: origin_of(field),
        });
        let is_pk = primary_key != Some(false);
        let limited = backend == Backend::Mysql && mysql_limited(db_type.as_deref());
        // unique=True (OneToOneField is unique): an inline UNIQUE.
        let unique = if field.class.as_deref() == Some("OneToOneField") {
            Some(true)
        } else {
            flag(field, "unique", false)
        };
        if is_pk || unique != Some(false) || !plain {
            declare(&mut table.declared_unique, Some(vec![column.clone()]));
        }
        if unique == Some(true) && !limited && !is_pk {
            table.uniques.push(ExpectedConstraint {
                columns: vec![column.clone()],
                source: ConstraintSource::Field(field.name.clone()),
                origin: origin_of(field),
            });
        }
        // db_index (default True for ForeignKey and SlugField), unless unique.
        let index_default = is_fk || field.class.as_deref() == Some("SlugField");
        let db_index = if plain {
            flag(field, "db_index", index_default)
        } else {
            matches!(field.kwarg("db_index"), Some(Value::Bool(true))).then_some(true)
        };
        if db_index == Some(true) && unique == Some(false) && !limited && !is_pk {
            table.indexes.push(ExpectedConstraint {
                columns: vec![column.clone()],
                source: ConstraintSource::Field(field.name.clone()),
                origin: origin_of(field),
            });
        }
        if is_fk && flag(field, "db_constraint", true) == Some(true) {
            let target = target_field(state, model, field);
            // A target named but outside the state: only the presence of a
            // foreign key is expected.
            let (to_table, to_column) = match target {
                Some((t, f)) => (
                    Some(table_name(t, backend)),
                    f.column().map(|c| backend_identifier(c, backend)),
                ),
                None => (None, None),
            };
            table.foreign_keys.push(ExpectedForeignKey {
                column: column.clone(),
                field: field.name.clone(),
                to_table,
                to_column,
                origin: origin_of(field),
            });
        }
    }
    let columns_of = |names: &[String]| -> Option<Vec<String>> {
        names
            .iter()
            .map(|n| column_of(model, n, backend))
            .collect::<Option<Vec<_>>>()
    };
    let limited_cols = |cols: &[String]| {
        backend == Backend::Mysql
            && cols.iter().any(|c| {
                table
                    .columns
                    .iter()
                    .any(|e| &e.name == c && (e.db_type.is_none() || mysql_limited(e.db_type.as_deref())))
            })
    };
    // Meta.unique_together: a list of name lists, or one flat name list.
    let mut together = Vec::new();
    match model.options.get("unique_together") {
        None => {}
        Some(v) => match v.as_list() {
            Some(groups) if groups.iter().all(|g| g.as_str().is_some()) => {
                together.push(name_list(&Value::List(groups.to_vec())));
            }
            Some(groups) => together.extend(groups.iter().map(name_list)),
            None => table.declared_unique = None,
        },
    }
    let mut meta_uniques = Vec::new();
    for names in together {
        let cols = names.as_ref().and_then(|n| columns_of(n));
        declare(&mut table.declared_unique, cols.clone());
        if let (Some(names), Some(cols)) = (names, cols) {
            meta_uniques.push(ExpectedConstraint {
                columns: cols,
                source: ConstraintSource::UniqueTogether(names),
                origin: model.origin.clone(),
            });
        }
    }
    let constraints = model.options.get("constraints");
    if constraints.is_some_and(|c| c.as_list().is_none()) {
        table.declared_unique = None;
    }
    for c in constraints.and_then(Value::as_list).unwrap_or_default() {
        let Value::Call { func: _, args, kwargs } = c else {
            table.declared_unique = None;
            continue;
        };
        if c.last_name() != Some("UniqueConstraint") || !args.is_empty() {
            // Expression-based constraints cover no plain column set.
            continue;
        }
        if c.call_kwarg("fields").is_some() {
            let cols = c.call_kwarg("fields").and_then(name_list).and_then(|n| columns_of(&n));
            declare(&mut table.declared_unique, cols);
        }
        // Partial, covering, deferrable, expression or NULLS [NOT] DISTINCT
        // constraints are created only where supported, or differ in shape.
        let plain_constraint = only_plain_kwargs(
            kwargs,
            &["fields", "name", "violation_error_message", "violation_error_code"],
            &[
                "condition",
                "deferrable",
                "include",
                "opclasses",
                "expressions",
                "nulls_distinct",
            ],
        );
        if !plain_constraint {
            continue;
        }
        let Some(names) = c.call_kwarg("fields").and_then(name_list) else {
            continue;
        };
        if let Some(cols) = columns_of(&names) {
            let name = c.call_kwarg("name").and_then(Value::as_str).map(str::to_owned);
            meta_uniques.push(ExpectedConstraint {
                columns: cols,
                source: ConstraintSource::Constraint(name),
                origin: model.origin.clone(),
            });
        }
    }
    meta_uniques.retain(|u| !limited_cols(&u.columns));
    table.uniques.extend(meta_uniques);
    let mut meta_indexes = Vec::new();
    for ix in model
        .options
        .get("indexes")
        .and_then(Value::as_list)
        .unwrap_or_default()
    {
        let Value::Call { args, kwargs, .. } = ix else { continue };
        if ix.last_name() != Some("Index") || !args.is_empty() {
            continue;
        }
        let plain_index = only_plain_kwargs(
            kwargs,
            &["fields", "name", "db_tablespace", "opclasses"],
            &["condition", "include", "expressions"],
        );
        if !plain_index {
            continue;
        }
        let Some(names) = ix.call_kwarg("fields").and_then(name_list) else {
            continue;
        };
        if let Some(cols) = columns_of(&names) {
            let name = ix.call_kwarg("name").and_then(Value::as_str).map(str::to_owned);
            meta_indexes.push(ExpectedConstraint {
                columns: cols,
                source: ConstraintSource::MetaIndex(name),
                origin: model.origin.clone(),
            });
        }
    }
    meta_indexes.retain(|u| !limited_cols(&u.columns));
    table.indexes.extend(meta_indexes);
    table
}

/// A `Meta` index or constraint whose keywords are all `plain`, or among
/// `unset` and left empty (`None`, `[]`): one on plain columns, the same on
/// every backend.
fn only_plain_kwargs(kwargs: &[(String, Value)], plain: &[&str], unset: &[&str]) -> bool {
    kwargs.iter().all(|(k, v)| {
        plain.contains(&k.as_str())
            || (unset.contains(&k.as_str())
                && (matches!(v, Value::None) || matches!(v, Value::List(l) if l.is_empty())))
    })
}

fn m2m_table(state: &ProjectState, model: &ModelState, field: &Field, backend: Backend) -> Option<ExpectedTable> {
    let name = m2m_table_name(model, field, backend)?;
    let to = field.kwarg("to").and_then(Value::as_str)?;
    // `make_model_tuple(to)[1]`: the target's lowercase model name.
    let to_name = if to == "self" {
        model.name.to_ascii_lowercase()
    } else {
        to.rsplit('.').next()?.to_ascii_lowercase()
    };
    let from_name = model.name.to_ascii_lowercase();
    let (from_attr, to_attr) = if to_name == from_name {
        (format!("from_{from_name}"), format!("to_{to_name}"))
    } else {
        (from_name, to_name)
    };
    let origin = field.origin.clone().or_else(|| model.origin.clone());
    let target = target_model(state, model, field);
    let from_pk = model.pk();
    let to_pk = target.and_then(ModelState::pk);
    let from_col = backend_identifier(format!("{from_attr}_id"), backend);
    let to_col = backend_identifier(format!("{to_attr}_id"), backend);
    let fk_type = |m: &ModelState, pk: Option<&Field>| pk.and_then(|pk| rel_db_type(state, m, pk, backend));
    let column = |name: &str, attr: &str, db_type: Option<String>, pk: bool| ExpectedColumn {
        name: name.to_owned(),
        field: attr.to_owned(),
        db_type,
        null: if pk { None } else { Some(false) },
        max_length: None,
        precision: None,
        primary_key: pk,
        origin: origin.clone(),
    };
    // The through model's `id` is the app's default auto field, which the
    // state does not record: its type is not compared.
    let columns = vec![
        column("id", "id", None, true),
        column(&from_col, &from_attr, fk_type(model, from_pk), false),
        column(&to_col, &to_attr, target.and_then(|t| fk_type(t, to_pk)), false),
    ];
    let constraint = |cols: Vec<String>| ExpectedConstraint {
        columns: cols,
        source: ConstraintSource::ManyToMany(field.name.clone()),
        origin: origin.clone(),
    };
    let mut foreign_keys = Vec::new();
    if flag(field, "db_constraint", true) == Some(true) {
        foreign_keys.push(ExpectedForeignKey {
            column: from_col.clone(),
            field: field.name.clone(),
            to_table: Some(table_name(model, backend)),
            to_column: from_pk.and_then(Field::column).map(|c| backend_identifier(c, backend)),
            origin: origin.clone(),
        });
        foreign_keys.push(ExpectedForeignKey {
            column: to_col.clone(),
            field: field.name.clone(),
            to_table: target.map(|t| table_name(t, backend)),
            to_column: to_pk.and_then(Field::column).map(|c| backend_identifier(c, backend)),
            origin: origin.clone(),
        });
    }
    Some(ExpectedTable {
        name,
        model: model.key(),
        label: label(model),
        m2m_field: Some(field.name.clone()),
        origin: origin.clone(),
        columns,
        complete: true,
        uniques: vec![constraint(vec![from_col.clone(), to_col.clone()])],
        declared_unique: Some(vec![vec![from_col.clone(), to_col.clone()]]),
        indexes: vec![constraint(vec![from_col]), constraint(vec![to_col])],
        foreign_keys,
    })
}

// ---------------------------------------------------------------------------
// Canonical types

/// A column type in a form comparable across the ways Django writes it and
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

// ---------------------------------------------------------------------------
// MD5 (for `truncate_name`'s digest; RFC 1321).

fn md5_hex(input: &[u8]) -> String {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14,
        20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6,
        10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4294967296.0) as u32)
        .collect();
    let mut msg = input.to_vec();
    let bit_len = (input.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_le_bytes());
    let (mut a0, mut b0, mut c0, mut d0) = (0x67452301u32, 0xefcdab89u32, 0x98badcfeu32, 0x10325476u32);
    for chunk in msg.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        a0 = a0.wrapping_add(a);
        b0 = b0.wrapping_add(b);
        c0 = c0.wrapping_add(c);
        d0 = d0.wrapping_add(d);
    }
    [a0, b0, c0, d0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::PathBuf;

    pub(crate) fn s(v: &str) -> Value {
        Value::Str(v.to_owned())
    }

    pub(crate) fn names(v: &[&str]) -> Value {
        Value::List(v.iter().map(|x| s(x)).collect())
    }

    pub(crate) fn field(name: &str, class: &str, kwargs: &[(&str, Value)]) -> Field {
        Field {
            name: name.to_owned(),
            class: Some(class.to_owned()),
            written_class: format!("models.{class}"),
            kwargs: kwargs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            origin: Some(Origin {
                path: PathBuf::from(format!("field:{name}")),
                range: 0..1,
            }),
            opaque: false,
        }
    }

    pub(crate) fn auto(class: &str) -> Field {
        field(
            "id",
            class,
            &[("primary_key", Value::Bool(true)), ("auto_created", Value::Bool(true))],
        )
    }

    pub(crate) fn model(app: &str, name: &str, fields: Vec<Field>, options: &[(&str, Value)]) -> ModelState {
        ModelState {
            app_label: app.to_owned(),
            name: name.to_owned(),
            fields,
            options: options.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            bases: Vec::new(),
            origin: Some(Origin {
                path: PathBuf::from(format!("model:{app}.{name}")),
                range: 0..1,
            }),
        }
    }

    pub(crate) fn state(models: Vec<ModelState>) -> ProjectState {
        ProjectState {
            uncertain: Default::default(),
            models: models.into_iter().map(|m| (m.key(), m)).collect(),
        }
    }

    fn table<'a>(tables: &'a [ExpectedTable], name: &str) -> &'a ExpectedTable {
        tables
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no table {name}"))
    }

    fn col<'a>(t: &'a ExpectedTable, name: &str) -> &'a ExpectedColumn {
        t.columns
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no column {name} in {}", t.name))
    }

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
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex("a".repeat(200).as_bytes()), "887f30b43b2867f4a9accceee7d16e6c");
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
    fn foreign_keys_take_the_targets_rel_db_type() {
        use Backend::*;
        let st = state(vec![
            model("a", "Small", vec![auto("AutoField")], &[]),
            model(
                "a",
                "Big",
                vec![
                    auto("BigAutoField"),
                    field(
                        "code",
                        "CharField",
                        &[("max_length", Value::Int(8)), ("unique", Value::Bool(true))],
                    ),
                ],
                &[],
            ),
            model(
                "a",
                "Club",
                vec![field(
                    "id",
                    "PositiveIntegerField",
                    &[("primary_key", Value::Bool(true))],
                )],
                &[],
            ),
            model(
                "a",
                "Ref",
                vec![
                    auto("AutoField"),
                    field("small", "ForeignKey", &[("to", s("a.small"))]),
                    field("big", "ForeignKey", &[("to", s("a.big"))]),
                    field("by_code", "ForeignKey", &[("to", s("a.big")), ("to_field", s("code"))]),
                    field(
                        "club",
                        "ForeignKey",
                        &[("to", s("a.club")), ("db_constraint", Value::Bool(false))],
                    ),
                    field("outside", "ForeignKey", &[("to", s("auth.user"))]),
                    field("one", "OneToOneField", &[("to", s("a.small"))]),
                    field(
                        "me",
                        "ForeignKey",
                        &[
                            ("to", s("self")),
                            ("null", Value::Bool(true)),
                            ("db_index", Value::Bool(false)),
                        ],
                    ),
                ],
                &[],
            ),
        ]);
        let pg = expected_tables(&st, Postgres);
        let r = table(&pg, "a_ref");
        assert_eq!(col(r, "small_id").db_type.as_deref(), Some("integer"));
        assert_eq!(col(r, "big_id").db_type.as_deref(), Some("bigint"));
        assert_eq!(col(r, "by_code_id").db_type.as_deref(), Some("varchar(8)"));
        assert_eq!(col(r, "club_id").db_type.as_deref(), Some("integer"));
        assert_eq!(col(r, "outside_id").db_type, None);
        assert_eq!(col(r, "me_id").null, Some(true));
        let fk = |c: &str| r.foreign_keys.iter().find(|f| f.column == c);
        assert_eq!(fk("by_code_id").unwrap().to_table.as_deref(), Some("a_big"));
        assert_eq!(fk("by_code_id").unwrap().to_column.as_deref(), Some("code"));
        assert!(fk("club_id").is_none(), "db_constraint=False");
        assert_eq!(
            fk("outside_id").unwrap().to_table,
            None,
            "only presence for a target outside the state"
        );
        let indexed: Vec<_> = r.indexes.iter().map(|i| i.columns[0].as_str()).collect();
        assert_eq!(
            indexed,
            ["small_id", "big_id", "by_code_id", "club_id", "outside_id"],
            "one_id is unique, me_id db_index=False"
        );
        assert!(r.uniques.iter().any(|u| u.columns == ["one_id"]));
        let my = expected_tables(&st, Mysql);
        assert_eq!(
            col(table(&my, "a_ref"), "club_id").db_type.as_deref(),
            Some("integer UNSIGNED")
        );
        assert_eq!(col(table(&my, "a_ref"), "small_id").db_type.as_deref(), Some("integer"));
    }

    #[test]
    fn automatic_many_to_many_tables() {
        use Backend::*;
        let st = state(vec![
            model("a", "Tag", vec![auto("BigAutoField")], &[]),
            model(
                "a",
                "Person",
                vec![
                    auto("AutoField"),
                    field("tags", "ManyToManyField", &[("to", s("a.tag"))]),
                    field("friends", "ManyToManyField", &[("to", s("a.person"))]),
                    field(
                        "named",
                        "ManyToManyField",
                        &[("to", s("a.tag")), ("db_table", s("person_named"))],
                    ),
                    field(
                        "via",
                        "ManyToManyField",
                        &[("to", s("a.tag")), ("through", s("a.membership"))],
                    ),
                    field(
                        "loose",
                        "ManyToManyField",
                        &[("to", s("a.tag")), ("db_constraint", Value::Bool(false))],
                    ),
                ],
                &[],
            ),
        ]);
        let t = expected_tables(&st, Sqlite);
        let names: Vec<_> = t.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "a_person",
                "a_person_tags",
                "a_person_friends",
                "person_named",
                "a_person_loose",
                "a_tag"
            ]
        );
        let tags = table(&t, "a_person_tags");
        assert_eq!(tags.m2m_field.as_deref(), Some("tags"));
        assert_eq!(col(tags, "person_id").db_type.as_deref(), Some("integer"));
        assert_eq!(col(tags, "tag_id").db_type.as_deref(), Some("bigint"));
        assert_eq!(tags.uniques[0].columns, ["person_id", "tag_id"]);
        assert_eq!(tags.foreign_keys.len(), 2);
        let friends = table(&t, "a_person_friends");
        let cols: Vec<_> = friends.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(cols, ["id", "from_person_id", "to_person_id"]);
        assert!(table(&t, "a_person_loose").foreign_keys.is_empty());
        // Every column of a model table: M2M fields have none.
        let person = table(&t, "a_person");
        assert_eq!(person.columns.len(), 1);
        assert!(person.complete);
    }

    #[test]
    fn meta_unique_together_indexes_and_constraints() {
        use Backend::*;
        let call = |func: &str, kwargs: Vec<(&str, Value)>| Value::Call {
            func: func.to_owned(),
            args: Vec::new(),
            kwargs: kwargs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        };
        let m = model(
            "a",
            "Item",
            vec![
                auto("AutoField"),
                field("cart", "ForeignKey", &[("to", s("a.cart"))]),
                field("sku", "CharField", &[("max_length", Value::Int(10))]),
                field("notes", "TextField", &[]),
            ],
            &[
                ("unique_together", names(&["cart", "sku"])),
                (
                    "indexes",
                    Value::List(vec![
                        call(
                            "models.Index",
                            vec![("fields", names(&["-sku", "cart_id"])), ("name", s("item_sku"))],
                        ),
                        call(
                            "models.Index",
                            vec![("fields", names(&["notes"])), ("name", s("item_notes"))],
                        ),
                        call(
                            "models.Index",
                            vec![
                                ("fields", names(&["sku"])),
                                ("name", s("partial")),
                                ("condition", Value::Opaque("Q()".into())),
                            ],
                        ),
                        call("GinIndex", vec![("fields", names(&["notes"])), ("name", s("gin"))]),
                    ]),
                ),
                (
                    "constraints",
                    Value::List(vec![
                        call(
                            "models.UniqueConstraint",
                            vec![("fields", names(&["sku"])), ("name", s("uniq_sku"))],
                        ),
                        call(
                            "models.UniqueConstraint",
                            vec![
                                ("fields", names(&["notes"])),
                                ("name", s("cond")),
                                ("condition", Value::Opaque("Q()".into())),
                            ],
                        ),
                        call("models.CheckConstraint", vec![("name", s("check"))]),
                    ]),
                ),
            ],
        );
        let st = state(vec![model("a", "Cart", vec![auto("AutoField")], &[]), m]);
        let t = expected_tables(&st, Postgres);
        let item = table(&t, "a_item");
        let uniques: Vec<_> = item.uniques.iter().map(|u| u.columns.clone()).collect();
        assert_eq!(uniques, [vec!["cart_id", "sku"], vec!["sku"]]);
        let indexes: Vec<_> = item.indexes.iter().map(|u| u.columns.clone()).collect();
        assert_eq!(indexes, [vec!["cart_id"], vec!["sku", "cart_id"], vec!["notes"]]);
        // MySQL creates no index on a longtext column.
        let t = expected_tables(&st, Mysql);
        let indexes: Vec<_> = table(&t, "a_item").indexes.iter().map(|u| u.columns.clone()).collect();
        assert_eq!(indexes, [vec!["cart_id"], vec!["sku", "cart_id"]]);
    }

    #[test]
    fn unknown_and_subclassed_fields_keep_only_what_is_certain() {
        let mut custom = field(
            "money",
            "DecimalField",
            &[("max_digits", Value::Int(5)), ("decimal_places", Value::Int(2))],
        );
        custom.written_class = "myapp.fields.MoneyField".into();
        let mut unresolved = field("thing", "X", &[]);
        unresolved.class = None;
        let mut tagged = field(
            "tags",
            "X",
            &[("through", s("taggit.taggeditem")), ("to", s("taggit.tag"))],
        );
        tagged.class = None;
        let generated = field("total", "GeneratedField", &[("db_persist", Value::Bool(true))]);
        let st = state(vec![model(
            "a",
            "M",
            vec![auto("AutoField"), custom, unresolved, tagged, generated],
            &[],
        )]);
        let t = expected_tables(&st, Backend::Postgres);
        let m = table(&t, "a_m");
        assert_eq!(col(m, "money").db_type, None);
        assert_eq!(col(m, "money").null, None);
        assert_eq!(col(m, "thing").db_type, None);
        assert_eq!((col(m, "total").db_type.clone(), col(m, "total").null), (None, None));
        assert!(m.columns.iter().all(|c| c.name != "tags"));
        assert!(!m.complete, "an unresolved relation-like field may own columns");
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
