//! The schema `migrate` creates for a model state, per backend: what the
//! database should hold, derived from a [`ProjectState`] (declared or
//! replayed) alone (OWNER: columns/drift helper).
//!
//! Ground truth is Django 5.2: `db/backends/*/base.py` (`data_types`),
//! `Field.db_type` / `rel_db_type`, `Options.contribute_to_class` (table
//! names and their truncation), `ManyToManyField._get_m2m_db_table` and
//! `create_many_to_many_intermediary_model` (automatic through tables), and
//! `BaseDatabaseSchemaEditor` (which unique constraints, indexes and foreign
//! keys `migrate` creates).
//!
//! ```text
//!  names.rs  ──► table names, truncated like Django ─┐
//!  types.rs  ──► column types, canonical types ──────┴► tables.rs ► ExpectedTable
//! ```
//!
//! Whatever cannot be known statically is left unknown (`None`) and is not
//! compared: a custom field's type, a `max_length` given by a constant, a
//! relation to a model outside the state. Never does I/O and never looks
//! at a database: `drift.rs` compares these with what `live/` read.
//!
//! [`ProjectState`]: super::state::ProjectState

mod names;
mod tables;
mod types;

pub use names::{m2m_table_name, max_name_length, table_name, truncate_name};
pub use tables::{
    expected_tables, ConstraintSource, ExpectedColumn, ExpectedConstraint, ExpectedForeignKey, ExpectedTable,
};
pub use types::{canonical_type, field_db_type, rel_db_type, spell_type, DbType};

/// Model states built in a line, for the tests of `ddl` and `drift.rs`.
#[cfg(test)]
pub(crate) mod test_states {
    use std::path::PathBuf;

    use crate::python::value::Value;
    use crate::schema::state::{Field, ModelState, Origin, ProjectState};

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
}
