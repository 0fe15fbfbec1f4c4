//! A read declaration made the `ModelState` Django's `ModelState.from_model`
//! builds: whether it is a model, the Meta it records, fields copied from
//! abstract bases, multi-table parent links and the automatic primary key.
//! Reads no source (the declarations are already read by `class.rs`).

use std::collections::BTreeMap;

use super::{Base, DeclId, ModelKind, ModelReader};
use crate::python::value::Value;
use crate::schema::state::{Field, ModelKey, ModelState};

/// The auto-created primary key Django adds to a model without one.
pub(super) fn auto_pk(default_auto_field: &str) -> Field {
    let last = default_auto_field.rsplit('.').next().unwrap_or(default_auto_field);
    let class = matches!(last, "AutoField" | "BigAutoField" | "SmallAutoField").then(|| last.to_owned());
    let mut kwargs = BTreeMap::new();
    kwargs.insert("auto_created".to_owned(), Value::Bool(true));
    kwargs.insert("primary_key".to_owned(), Value::Bool(true));
    kwargs.insert("serialize".to_owned(), Value::Bool(false));
    kwargs.insert("verbose_name".to_owned(), Value::Str("ID".to_owned()));
    Field {
        name: "id".to_owned(),
        class,
        written_class: default_auto_field.to_owned(),
        kwargs,
        origin: None,
        opaque: false,
    }
}

/// The parent link of a multi-table child (`<parent>_ptr`).
fn parent_link(parent: &ModelKey) -> Field {
    let mut kwargs = BTreeMap::new();
    kwargs.insert("auto_created".to_owned(), Value::Bool(true));
    kwargs.insert(
        "on_delete".to_owned(),
        Value::Name("django.db.models.deletion.CASCADE".to_owned()),
    );
    kwargs.insert("parent_link".to_owned(), Value::Bool(true));
    kwargs.insert("primary_key".to_owned(), Value::Bool(true));
    kwargs.insert("serialize".to_owned(), Value::Bool(false));
    kwargs.insert("to".to_owned(), Value::Str(parent.to_string()));
    Field {
        name: format!("{}_ptr", parent.model),
        class: Some("OneToOneField".to_owned()),
        written_class: "django.db.models.OneToOneField".to_owned(),
        kwargs,
        origin: None,
        opaque: false,
    }
}

impl ModelReader<'_> {
    pub(super) fn model_kind(&self, id: DeclId) -> ModelKind {
        self.model_kind_depth(id, 0)
    }

    fn model_kind_depth(&self, id: DeclId, depth: u32) -> ModelKind {
        if depth > 16 {
            return ModelKind::Unknown;
        }
        let mut unknown = false;
        for b in &self.decls[id].bases {
            match *b {
                Base::Model => return ModelKind::Model,
                Base::Class(p) => match self.model_kind_depth(p, depth + 1) {
                    ModelKind::Model => return ModelKind::Model,
                    ModelKind::Unknown => unknown = true,
                    ModelKind::NotAModel => {}
                },
                Base::Unknown => unknown = true,
                Base::Plain => {}
            }
        }
        if unknown {
            ModelKind::Unknown
        } else {
            ModelKind::NotAModel
        }
    }

    fn is_abstract(&self, id: DeclId) -> bool {
        matches!(
            self.decls[id].meta.as_ref().and_then(|m| m.get("abstract")),
            Some(Value::Bool(true))
        )
    }

    /// Does this model (or an abstract base) declare something we cannot read?
    pub(super) fn unreadable(&self, id: DeclId) -> bool {
        let d = &self.decls[id];
        d.unreadable
            || d.bases.iter().any(|b| match *b {
                Base::Unknown => true,
                Base::Class(p) => match self.model_kind(p) {
                    ModelKind::Model => self.is_abstract(p) && self.unreadable(p),
                    // A mixin that may be a model from a package we cannot
                    // see (Kolibri's `AbstractFacilityDataModel` over
                    // morango's `SyncableModel`): it may add fields.
                    ModelKind::Unknown => true,
                    ModelKind::NotAModel => false,
                },
                _ => false,
            })
    }

    /// The Meta options Django records (`original_attrs`): the class's own
    /// Meta (extending `Parent.Meta` when it subclasses it), or else the Meta
    /// inherited from the nearest abstract base, with `abstract` reset.
    pub(super) fn meta_of(&self, id: DeclId) -> BTreeMap<String, Value> {
        self.meta_depth(id, 0)
    }

    fn meta_depth(&self, id: DeclId, depth: u32) -> BTreeMap<String, Value> {
        if depth > 16 {
            return BTreeMap::new();
        }
        let d = &self.decls[id];
        if let Some(own) = &d.meta {
            let mut out = BTreeMap::new();
            for &p in &d.meta_bases {
                let mut inherited = self.meta_depth(p, depth + 1);
                if inherited.contains_key("abstract") {
                    inherited.insert("abstract".to_owned(), Value::Bool(false));
                }
                out.extend(inherited);
            }
            out.extend(own.clone());
            return out;
        }
        for b in &d.bases {
            if let Base::Class(p) = *b {
                if self.model_kind(p) == ModelKind::Model && self.is_abstract(p) {
                    let mut inherited = self.meta_depth(p, depth + 1);
                    if inherited.contains_key("abstract") {
                        inherited.insert("abstract".to_owned(), Value::Bool(false));
                    }
                    return inherited;
                }
                if self.model_kind(p) == ModelKind::Model && self.decls[p].meta.is_none() {
                    // A concrete parent has no `Meta` attribute; look further up.
                    let inherited = self.meta_depth(p, depth + 1);
                    if !inherited.is_empty() {
                        return inherited;
                    }
                }
            }
        }
        BTreeMap::new()
    }

    /// Fields from abstract bases (in base order, each base's own bases first).
    fn abstract_fields(&self, id: DeclId, out: &mut Vec<Field>, depth: u32) {
        if depth > 16 {
            return;
        }
        for b in &self.decls[id].bases {
            if let Base::Class(p) = *b {
                if self.model_kind(p) == ModelKind::Model && self.is_abstract(p) {
                    self.abstract_fields(p, out, depth + 1);
                    out.retain(|x| !self.decls[p].other_names.contains(&x.name));
                    for f in &self.decls[p].fields {
                        out.retain(|x| x.name != f.name);
                        out.push(self.bind_relation(f, p));
                    }
                }
            }
        }
    }

    /// Concrete model parents (multi-table inheritance), through abstract ones.
    fn concrete_parents(&self, id: DeclId, out: &mut Vec<DeclId>, depth: u32) {
        if depth > 16 {
            return;
        }
        for b in &self.decls[id].bases {
            if let Base::Class(p) = *b {
                if self.model_kind(p) != ModelKind::Model {
                    continue;
                }
                if self.is_abstract(p) {
                    self.concrete_parents(p, out, depth + 1);
                } else if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
    }

    pub(super) fn key_of(&self, id: DeclId) -> Option<ModelKey> {
        let d = &self.decls[id];
        let app = d
            .meta
            .as_ref()
            .and_then(|m| m.get("app_label"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| d.app.clone())?;
        Some(ModelKey::new(&app, &d.name))
    }

    /// Resolves `"self"` and same-app bare names in a field's relation
    /// targets against the model that owns the field (for inherited fields:
    /// the abstract base's app for bare names, the child for `"self"` —
    /// Django resolves both lazily on the concrete model).
    fn bind_relation(&self, f: &Field, declared_in: DeclId) -> Field {
        let mut f = f.clone();
        for key in ["to", "through"] {
            if let Some(Value::Str(s)) = f.kwargs.get(key).cloned() {
                if let Some(model) = s.strip_prefix("?.") {
                    if let Some(app) = self.key_of(declared_in).map(|k| k.app) {
                        f.kwargs.insert(key.to_owned(), Value::Str(format!("{app}.{model}")));
                    }
                }
            }
        }
        f
    }

    pub(super) fn model_state(
        &self,
        id: DeclId,
        app: &str,
        meta: BTreeMap<String, Value>,
        auto_field: &str,
    ) -> ModelState {
        let d = &self.decls[id];
        let key = ModelKey::new(app, &d.name);
        let proxy = matches!(meta.get("proxy"), Some(Value::Bool(true)));
        let mut parents = Vec::new();
        self.concrete_parents(id, &mut parents, 0);
        let bases: Vec<ModelKey> = parents.iter().filter_map(|&p| self.key_of(p)).collect();

        let mut fields = Vec::new();
        if !proxy {
            self.abstract_fields(id, &mut fields, 0);
            fields.retain(|x: &Field| !d.other_names.contains(&x.name));
            for f in &d.fields {
                fields.retain(|x: &Field| x.name != f.name);
                fields.push(self.bind_relation(f, id));
            }
            for f in &mut fields {
                for k in ["to", "through"] {
                    if matches!(f.kwargs.get(k), Some(Value::Str(s)) if s == "self") {
                        f.kwargs.insert(k.to_owned(), Value::Str(key.to_string()));
                    }
                }
            }
            let mut links = Vec::new();
            for parent in &bases {
                let declared = fields.iter().any(|f| {
                    f.kwarg("parent_link").and_then(Value::as_bool) == Some(true) && f.target().as_ref() == Some(parent)
                });
                if !declared {
                    links.push(parent_link(parent));
                }
            }
            if links.is_empty() && bases.is_empty() && !fields.iter().any(Field::primary_key) {
                fields.insert(0, auto_pk(auto_field));
            } else if let Some(first) = links.first_mut() {
                if fields.iter().any(Field::primary_key) {
                    first.kwargs.remove("primary_key");
                    first.kwargs.remove("serialize");
                }
            }
            for (i, l) in links.into_iter().enumerate() {
                fields.insert(i, l);
            }
            // A declared link to the first parent becomes the primary key
            // when nothing else is (`Options._prepare`, then `setup_pk`).
            if !fields.iter().any(Field::primary_key) {
                if let Some(first) = bases.first() {
                    let link = fields.iter_mut().find(|f| {
                        f.kwarg("parent_link").and_then(Value::as_bool) == Some(true)
                            && f.target().as_ref() == Some(first)
                    });
                    if let Some(link) = link {
                        link.kwargs.insert("primary_key".to_owned(), Value::Bool(true));
                        link.kwargs.insert("serialize".to_owned(), Value::Bool(false));
                    }
                }
            }
        }
        // Fields without a line of their own (the automatic primary key, a
        // parent link, fields inherited from Django's contrib bases) are
        // reported on the class.
        if d.origin.is_some() {
            for f in &mut fields {
                if f.origin.is_none() {
                    f.origin = d.origin.clone();
                }
            }
        }
        let mut options = meta;
        options.remove("app_label");
        options.remove("apps");
        // `name="%(app_label)s_%(class)s_…"` (from an abstract base's Meta)
        // is filled in for the concrete model (`Options._format_names`).
        for key in ["indexes", "constraints"] {
            if let Some(Value::List(items)) = options.get_mut(key) {
                for item in items {
                    if let Value::Call { kwargs, .. } = item {
                        for (k, v) in kwargs.iter_mut() {
                            if let (true, Value::Str(name)) = (k == "name", &mut *v) {
                                *name = name
                                    .replace("%(app_label)s", &app.to_lowercase())
                                    .replace("%(class)s", &d.name.to_lowercase());
                            }
                        }
                    }
                }
            }
        }
        ModelState {
            app_label: app.to_owned(),
            name: d.name.clone(),
            fields,
            options,
            bases,
            origin: d.origin.clone(),
        }
    }
}
