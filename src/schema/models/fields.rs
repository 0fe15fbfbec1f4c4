//! What a class-body call is (a Django field, a package's field, a
//! manager, something unknown that may add fields) and a field call read
//! into the `Field` Django would deconstruct: positional arguments named
//! (Django's field classes are `crate::knowledge::models::fields`), relation targets
//! as `"app.model"`. Knows nothing of Meta or inheritance.

use std::collections::BTreeMap;

use tree_sitter::Node;

use super::{Base, DeclScope, ModelReader};
use crate::index::{ClassRef, Symbol};
use crate::knowledge::models::fields::{django_field_class, positional_names};
use crate::python::value::Value;
use crate::schema::state::{Field, ModelKey, Origin};
use crate::schema::value;

/// Builtins a class body calls that are never fields.
const BUILTINS: &[&str] = &[
    "property",
    "staticmethod",
    "classmethod",
    "list",
    "dict",
    "set",
    "frozenset",
    "tuple",
    "str",
    "int",
    "float",
    "bool",
    "bytes",
    "object",
    "len",
    "sorted",
    "range",
];

/// Standard library modules whose classes and functions never hook into a
/// model class.
const STANDARD_MODULES: &[&str] = &[
    "builtins",
    "threading",
    "functools",
    "collections",
    "datetime",
    "decimal",
    "re",
    "uuid",
    "enum",
    "typing",
    "logging",
    "itertools",
    "operator",
    "weakref",
    "dataclasses",
];

/// Packages' classes named like fields that add no column and never reach
/// a migration: django-imagekit's `ImageSpecField` is a cached-file
/// descriptor computed from another field (GeoNode).
const NOT_MODEL_FIELDS: &[&str] = &[
    "imagekit.models.ImageSpecField",
    "imagekit.models.fields.ImageSpecField",
];

pub(super) enum Callee {
    /// A field: the Django class it is or derives from, and whether its
    /// class overrides `deconstruct()` (see [`Field::opaque`]).
    Field(Option<String>, bool),
    NotAField,
    Unknown,
}

impl ModelReader<'_> {
    pub(super) fn callee(&mut self, scope: DeclScope, func: &str) -> Callee {
        let last = func.rsplit('.').next().unwrap_or(func);
        // django-taggit's `TaggableManager` is a related field (a
        // many-to-many through its tag model), migrated as one (GeoNode).
        if last == "TaggableManager" {
            return Callee::Field(None, false);
        }
        if matches!(last, "as_manager" | "from_queryset") || last.ends_with("Manager") {
            return Callee::NotAField;
        }
        if matches!(last, "GenericForeignKey" | "GenericRelation") {
            return Callee::NotAField; // private fields: no column, not in migrations
        }
        let resolved = match scope {
            DeclScope::Builtin => Symbol::External(format!("django.db.{func}")),
            DeclScope::File(f) => self.index.resolve_dotted(f, func, None),
        };
        match resolved {
            Symbol::External(q) => {
                let last = q.rsplit('.').next().unwrap_or(&q);
                if NOT_MODEL_FIELDS.contains(&q.as_str()) {
                    Callee::NotAField
                } else if let Some(class) = django_field_class(&q) {
                    Callee::Field(Some(class.to_owned()), false)
                } else if last.ends_with("Field") || matches!(last, "ForeignKey" | "OneToOneField") {
                    Callee::Field(None, false)
                } else if q.starts_with("django.") || STANDARD_MODULES.contains(&q.split('.').next().unwrap_or("")) {
                    // (The standard library's classes do not hook into a
                    // model class: `threading.local()`.)
                    Callee::NotAField
                } else {
                    Callee::Unknown
                }
            }
            Symbol::Class(c) => match self.index.field_class_of(c) {
                // A virtual field (`private_only=True`, like Django's
                // GenericForeignKey): no column, never in a migration.
                Some(_) if self.index.registers_private_field(c) => Callee::NotAField,
                // Its own `deconstruct()` (NetBox's
                // `NetBoxTaggableManagerField` writes taggit's path and drops
                // `related_name`): see `Field::opaque`.
                Some(class) => Callee::Field(class, self.defines(c, "deconstruct", 0)),
                // A subclass of Django's `GenericForeignKey` that lets it
                // register itself (NetBox's `RestrictedGenericForeignKey`).
                None if self.index.extends_generic_relation(c) => Callee::NotAField,
                // Not a field, but hooks into the model class as it is
                // built (`contribute_to_class`): it may add anything.
                None if self.defines(c, "contribute_to_class", 0) => Callee::Unknown,
                // A subclass of a package's class we cannot see (Nautobot's
                // `TagsField(TaggableManager)`): perhaps a field, as the
                // package's class itself would be.
                None if self.extends_unknown(c, 0) => Callee::Unknown,
                None => Callee::NotAField,
            },
            Symbol::Function(_) | Symbol::Module(_) | Symbol::Assignment(..) => Callee::NotAField,
            Symbol::Unknown => {
                if last.ends_with("Field") {
                    Callee::Field(None, false)
                } else if BUILTINS.contains(&func) {
                    // `prefix_length = property(fset=…)` (NetBox).
                    Callee::NotAField
                } else {
                    Callee::Unknown
                }
            }
        }
    }

    /// Whether a workspace class derives (directly or through workspace
    /// classes) from a class outside the workspace that is neither Django's
    /// nor the standard library's.
    fn extends_unknown(&self, c: ClassRef, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        let cls = self.index.class(c);
        cls.bases
            .iter()
            .any(|b| match self.index.resolve_dotted(c.file, b, None) {
                Symbol::Class(p) => self.extends_unknown(p, depth + 1),
                Symbol::External(q) => {
                    let top = q.split('.').next().unwrap_or("");
                    !matches!(
                        top,
                        "django" | "typing" | "abc" | "enum" | "collections" | "dataclasses" | "object" | "builtins"
                    ) && q != "object"
                }
                Symbol::Unknown => !matches!(b.as_str(), "object" | "Generic" | "ABC"),
                _ => false,
            })
    }

    /// Whether a workspace class (or a workspace base of it) defines the
    /// method `name`.
    fn defines(&self, c: ClassRef, name: &str, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        let cls = self.index.class(c);
        if cls.methods.iter().any(|m| m.name == name) {
            return true;
        }
        cls.bases
            .iter()
            .any(|b| match self.index.resolve_dotted(c.file, b, None) {
                Symbol::Class(p) => self.defines(p, name, depth + 1),
                _ => false,
            })
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn read_field(
        &mut self,
        scope: DeclScope,
        name: &str,
        class: Option<String>,
        written: &str,
        call: Node<'_>,
        stmt: Node<'_>,
        src: &str,
        lookup: &dyn Fn(&str) -> Option<Value>,
    ) -> Field {
        let mut kwargs = BTreeMap::new();
        let names = positional_names(class.as_deref().unwrap_or(""));
        if let Value::Call { args, kwargs: kw, .. } = value::parse(call, src, lookup) {
            for (i, a) in args.into_iter().enumerate() {
                match names.get(i) {
                    Some(n) => {
                        kwargs.insert((*n).to_owned(), a);
                    }
                    None => {
                        kwargs.insert(format!("#{i}"), a);
                    }
                }
            }
            kwargs.extend(kw);
        }
        for key in ["to", "through"] {
            if let Some(v) = kwargs.get(key).cloned() {
                if let Some(target) = self.relation_target(scope, &v) {
                    kwargs.insert(key.to_owned(), Value::Str(target));
                }
            }
        }
        let written_class = match scope {
            DeclScope::Builtin => format!("django.db.{written}"),
            DeclScope::File(_) => written.to_owned(),
        };
        let origin = match scope {
            DeclScope::File(f) => Some(Origin {
                path: self.index.file(f).path.clone(),
                range: stmt.byte_range(),
            }),
            DeclScope::Builtin => None,
        };
        Field {
            name: name.to_owned(),
            class,
            written_class,
            kwargs,
            origin,
            opaque: false,
        }
    }

    /// A relation's target as `"app.model"`; `"self"` and bare names are
    /// resolved against the declaring class by [`ModelReader::resolve_self`].
    fn relation_target(&mut self, scope: DeclScope, v: &Value) -> Option<String> {
        match v {
            Value::Str(s) if s == "self" => Some("self".to_owned()),
            Value::Str(s) if s.contains('.') => ModelKey::parse(s).map(|k| k.to_string()),
            Value::Str(s) => Some(format!("?.{}", s.to_ascii_lowercase())),
            Value::Name(n) if n.ends_with("AUTH_USER_MODEL") => self.auth_user_model.clone(),
            Value::Call { func, .. } if func.ends_with("get_user_model") => self.auth_user_model.clone(),
            // `getattr(settings, "AUTH_USER_MODEL", "auth.User")` (django-filer, django-otp).
            Value::Call { func, args, .. }
                if func == "getattr"
                    && args.get(1).and_then(Value::as_str) == Some("AUTH_USER_MODEL")
                    && matches!(args.first(), Some(Value::Name(n)) if n.ends_with("settings")) =>
            {
                self.auth_user_model.clone()
            }
            Value::Name(n) => {
                let id = match self.base_named(scope, n) {
                    Base::Class(id) => id,
                    _ => return None,
                };
                self.key_of(id).map(|k| k.to_string())
            }
            _ => None,
        }
    }
}
