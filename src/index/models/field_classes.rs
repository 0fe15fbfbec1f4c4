//! What a workspace class used as a model field is: the Django field class
//! it derives from, and whether it is a private field (no column, never
//! migrated: it registers itself `private_only`, or extends
//! `GenericForeignKey`/`GenericRelation`). One answer for both readers of
//! models (the index's members and the schema's `read_models`).
//!
//! Reads class summaries and method text only; never does I/O.

use crate::index::{ClassRef, Symbol, WorkspaceIndex};
use crate::knowledge::models::fields::django_field_class;

impl WorkspaceIndex {
    /// For a workspace class: `Some(Some(django_class))` when it derives from
    /// a Django field, `Some(None)` for a field of unknown kind, `None` if it
    /// is not a field.
    pub fn field_class_of(&self, c: ClassRef) -> Option<Option<String>> {
        self.field_class_of_depth(c, 0)
    }

    /// Whether a workspace class (or a workspace base of it) registers
    /// itself as a private field in `contribute_to_class`
    /// (`super().contribute_to_class(cls, name, private_only=True)`,
    /// `cls._meta.add_field(self, private=True)`).
    pub fn registers_private_field(&self, c: ClassRef) -> bool {
        self.registers_private_field_depth(c, 0)
    }

    /// Whether a workspace class derives from Django's `GenericForeignKey`
    /// or `GenericRelation` (private fields: no column, never migrated),
    /// each class on the way either keeping `contribute_to_class` or
    /// calling the parent's.
    pub fn extends_generic_relation(&self, c: ClassRef) -> bool {
        self.extends_generic_relation_depth(c, 0)
    }

    /// [`Self::registers_private_field`], `depth` classes up.
    fn registers_private_field_depth(&self, c: ClassRef, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        let cls = self.class(c);
        let text = &self.file(c.file).text;
        let private = cls.methods.iter().any(|m| {
            m.name == "contribute_to_class"
                && text.get(m.range.clone()).is_some_and(|body| {
                    let body: String = body.chars().filter(|ch| !ch.is_whitespace()).collect();
                    body.contains("private_only=True") || body.contains("private=True")
                })
        });
        if private {
            return true;
        }
        if cls.methods.iter().any(|m| m.name == "contribute_to_class") {
            return false; // its own, registering it as a concrete field
        }
        cls.bases.iter().any(|b| match self.resolve_dotted(c.file, b, None) {
            Symbol::Class(p) => self.registers_private_field_depth(p, depth + 1),
            _ => false,
        })
    }

    /// [`Self::extends_generic_relation`], `depth` classes up.
    fn extends_generic_relation_depth(&self, c: ClassRef, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        let cls = self.class(c);
        let text = &self.file(c.file).text;
        if let Some(m) = cls.method("contribute_to_class") {
            let calls_parent = text.get(m.range.clone()).is_some_and(|body| {
                let body: String = body.chars().filter(|ch| !ch.is_whitespace()).collect();
                body.contains("super().contribute_to_class(cls,name")
            });
            if !calls_parent {
                return false;
            }
        }
        cls.bases.iter().any(|b| match self.resolve_dotted(c.file, b, None) {
            Symbol::Class(p) => self.extends_generic_relation_depth(p, depth + 1),
            Symbol::External(q) => matches!(
                q.as_str(),
                "django.contrib.contenttypes.fields.GenericForeignKey"
                    | "django.contrib.contenttypes.fields.GenericRelation"
            ),
            _ => false,
        })
    }

    /// [`Self::field_class_of`], `depth` classes up.
    fn field_class_of_depth(&self, c: ClassRef, depth: u32) -> Option<Option<String>> {
        if depth > 8 {
            return None;
        }
        let cls = self.class(c);
        for b in &cls.bases {
            match self.resolve_dotted(c.file, b, None) {
                Symbol::External(q) => {
                    if let Some(class) = django_field_class(&q) {
                        return Some(Some(class.to_owned()));
                    }
                    let last = q.rsplit('.').next().unwrap_or(&q);
                    // (django-taggit's `TaggableManager` is a related field.)
                    if q == "django.db.models.Field"
                        || q == "django.db.models.fields.Field"
                        || last.ends_with("Field")
                        || last == "TaggableManager"
                    {
                        return Some(None);
                    }
                }
                Symbol::Class(parent) => {
                    if let Some(found) = self.field_class_of_depth(parent, depth + 1) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        None
    }
}
