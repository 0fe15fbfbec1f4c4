//! The tables `migrate` creates for a state: each managed, concrete
//! model's table and the automatic many-to-many tables, with their
//! columns, unique constraints, indexes and foreign keys as
//! `BaseDatabaseSchemaEditor` creates them (and the unique column sets a
//! table may legitimately have). Names come from `names.rs`, types from
//! `types.rs`. Never compares with a database (`drift.rs` does), never
//! does I/O.

use super::names::{backend_identifier, m2m_table_name, table_name};
use super::types::{
    field_db_type, is_plain, is_relation_class, length_and_precision, mysql_limited, rel_db_type, target_field,
    target_model,
};
use crate::python::value::Value;
use crate::schema::state::{Field, ModelKey, ModelState, Origin, ProjectState};
use crate::schema::Backend;

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
            length_and_precision(field)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ddl::test_states::{auto, field, model, names, s, state};

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
}
