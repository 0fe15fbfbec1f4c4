//! The schema as Django sees it: models with their fields and options, in the
//! deconstructed form that migrations store (`CharField(max_length=200)`).
//!
//! Both readers produce these types: `models.rs` from the models files,
//! `migrations/` by replaying migration operations. RDJ503 compares the two
//! (`autodetect.rs`); the live checks derive columns from the models' state
//! (`ddl/`) and compare them with the database (`drift.rs`).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

use crate::python::value::Value;

/// Where a model, field or operation was written (for findings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub path: PathBuf,
    /// Byte range in the decoded text of `path`.
    pub range: Range<usize>,
}

/// `(app_label, model_name_lowercase)`: how Django keys models in a state.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModelKey {
    pub app: String,
    pub model: String,
}

impl ModelKey {
    pub fn new(app: &str, model: &str) -> ModelKey {
        ModelKey {
            app: app.to_owned(),
            model: model.to_ascii_lowercase(),
        }
    }

    /// Parses `"app.Model"` (the form of `to=` in migrations and settings).
    pub fn parse(dotted: &str) -> Option<ModelKey> {
        let (app, model) = dotted.rsplit_once('.')?;
        (!app.is_empty() && !model.is_empty()).then(|| ModelKey::new(app, model))
    }
}

impl std::fmt::Display for ModelKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.app, self.model)
    }
}

/// One field, deconstructed: the Django field class and its keyword
/// arguments as a migration would write them (positional arguments already
/// mapped to their names, defaults Django omits left out).
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    /// The Django class this field is, or derives from (`CharField`,
    /// `ForeignKey`, …); `None` when it could not be resolved to one.
    pub class: Option<String>,
    /// The class as written (`models.CharField`, `myapp.fields.MoneyField`).
    pub written_class: String,
    /// Keyword arguments. For relations `to` is the target as `"app.model"`
    /// (lowercase model name, as migrations write it) or
    /// `"settings.AUTH_USER_MODEL"` resolved to its value.
    pub kwargs: BTreeMap<String, Value>,
    pub origin: Option<Origin>,
    /// Its class overrides `deconstruct()`, which may write another class
    /// path (NetBox's `NetBoxTaggableManagerField` writes taggit's
    /// `TaggableManager`): the class is not compared, only the arguments
    /// both sides write (as for any class that is not Django's).
    pub opaque: bool,
}

impl Field {
    pub fn kwarg(&self, name: &str) -> Option<&Value> {
        self.kwargs.get(name)
    }

    fn flag(&self, name: &str) -> bool {
        matches!(self.kwargs.get(name), Some(Value::Bool(true)))
    }

    pub fn null(&self) -> bool {
        self.flag("null")
    }

    pub fn unique(&self) -> bool {
        self.flag("unique") || self.primary_key() || self.class.as_deref() == Some("OneToOneField")
    }

    pub fn primary_key(&self) -> bool {
        self.flag("primary_key")
    }

    /// `db_index`: explicit, or implied by a ForeignKey (`db_index=True` default).
    pub fn db_index(&self) -> bool {
        match self.kwargs.get("db_index") {
            Some(Value::Bool(b)) => *b,
            _ => self.class.as_deref() == Some("ForeignKey"),
        }
    }

    pub fn db_column(&self) -> Option<&str> {
        self.kwargs.get("db_column").and_then(Value::as_str)
    }

    pub fn has_default(&self) -> bool {
        self.kwargs.contains_key("default") || self.kwargs.contains_key("db_default")
    }

    pub fn max_length(&self) -> Option<i64> {
        self.kwargs.get("max_length").and_then(Value::as_int)
    }

    pub fn max_digits(&self) -> Option<i64> {
        self.kwargs.get("max_digits").and_then(Value::as_int)
    }

    pub fn decimal_places(&self) -> Option<i64> {
        self.kwargs.get("decimal_places").and_then(Value::as_int)
    }

    /// ForeignKey, OneToOneField, ManyToManyField (or subclasses).
    pub fn is_relation(&self) -> bool {
        matches!(
            self.class.as_deref(),
            Some("ForeignKey" | "OneToOneField" | "ManyToManyField")
        )
    }

    pub fn is_many_to_many(&self) -> bool {
        self.class.as_deref() == Some("ManyToManyField")
    }

    /// The target of a relation (`to=`), as a key.
    pub fn target(&self) -> Option<ModelKey> {
        self.kwargs.get("to").and_then(Value::as_str).and_then(ModelKey::parse)
    }

    pub fn to_field(&self) -> Option<&str> {
        self.kwargs.get("to_field").and_then(Value::as_str)
    }

    /// `through=` of a many-to-many field, as a key.
    pub fn through(&self) -> Option<ModelKey> {
        self.kwargs
            .get("through")
            .and_then(Value::as_str)
            .and_then(ModelKey::parse)
    }

    /// The column this field stores in its model's table (`None` for
    /// many-to-many, which has a table of its own).
    pub fn column(&self) -> Option<String> {
        if self.is_many_to_many() {
            return None;
        }
        if let Some(c) = self.db_column() {
            return Some(c.to_owned());
        }
        if matches!(self.class.as_deref(), Some("ForeignKey" | "OneToOneField")) {
            return Some(format!("{}_id", self.name));
        }
        Some(self.name.clone())
    }
}

/// One model's state.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelState {
    pub app_label: String,
    /// The class name as declared (`Product`).
    pub name: String,
    /// Concrete fields in declaration order, Django's way: the automatic
    /// primary key (`id`) or parent link (`<parent>_ptr`) first, fields
    /// inherited from abstract bases before the model's own.
    pub fields: Vec<Field>,
    /// `Meta` options as a migration stores them (`db_table`, `ordering`,
    /// `unique_together`, `indexes`, `constraints`, `managed`, `proxy`,
    /// `abstract`, `verbose_name`, …).
    pub options: BTreeMap<String, Value>,
    /// Concrete model bases as `"app.model"` (multi-table inheritance);
    /// empty for a plain `models.Model` subclass.
    pub bases: Vec<ModelKey>,
    /// Where the class (models) or its `CreateModel` (migrations) is.
    pub origin: Option<Origin>,
}

impl ModelState {
    pub fn key(&self) -> ModelKey {
        ModelKey::new(&self.app_label, &self.name)
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    fn option_flag(&self, name: &str) -> Option<bool> {
        match self.options.get(name) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    pub fn is_abstract(&self) -> bool {
        self.option_flag("abstract").unwrap_or(false)
    }

    pub fn is_proxy(&self) -> bool {
        self.option_flag("proxy").unwrap_or(false)
    }

    pub fn is_managed(&self) -> bool {
        self.option_flag("managed").unwrap_or(true)
    }

    /// Has a table Django creates and migrates.
    pub fn has_own_table(&self) -> bool {
        !self.is_abstract() && !self.is_proxy() && self.is_managed()
    }

    /// `Meta.db_table`, else `<app_label>_<model_name_lowercase>` (Django
    /// truncates long names per backend: see `ddl::truncate_name`).
    pub fn db_table(&self) -> String {
        match self.options.get("db_table").and_then(Value::as_str) {
            Some(t) => t.to_owned(),
            None => format!("{}_{}", self.app_label, self.name.to_ascii_lowercase()),
        }
    }

    /// The primary key field (after inheritance and the automatic `id`).
    pub fn pk(&self) -> Option<&Field> {
        self.fields.iter().find(|f| f.primary_key())
    }
}

/// All models of a project (or of a migration state), keyed like Django.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectState {
    pub models: BTreeMap<ModelKey, ModelState>,
    /// Models an operation we could not read changed (a migration state
    /// only): whether and how they exist is unknown.
    pub uncertain: std::collections::BTreeSet<ModelKey>,
}

impl ProjectState {
    pub fn get(&self, key: &ModelKey) -> Option<&ModelState> {
        self.models.get(key)
    }

    pub fn in_app<'a>(&'a self, app: &'a str) -> impl Iterator<Item = &'a ModelState> + 'a {
        self.models.values().filter(move |m| m.app_label == app)
    }
}
