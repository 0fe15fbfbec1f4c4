//! Reverse relations of a model (`order.line_set`, a `related_name`),
//! looked up lazily by name, narrowed first by each file's byte facts
//! (`index::bytes`: `related_name` templates, relation fields, class names)
//! so only the files that can declare them are parsed.
//!
//! Never registers a model of its own accord (it asks `models` and the
//! index) and never does I/O.

use super::{is_migration, FieldKind, ModelId, ModelInfo, Relation, RelationKind};
use crate::index::bytes::ACCESSOR_PLACEHOLDERS;
use crate::index::{builtin, WorkspaceIndex};

/// Can the `related_name` template make the accessor `name`? Each
/// placeholder stands for any text (what Django puts there depends on the
/// model that inherits the field).
fn template_can_make(template: &str, name: &str) -> bool {
    let mut pieces: Vec<&str> = vec![template];
    for placeholder in ACCESSOR_PLACEHOLDERS {
        pieces = pieces.iter().flat_map(|p| p.split(placeholder)).collect();
    }
    let (first, rest) = pieces.split_first().expect("split yields one piece at least");
    let Some(mut left) = name.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return left.is_empty();
    };
    for piece in middle {
        match left.find(piece) {
            Some(i) => left = &left[i + piece.len()..],
            None => return false,
        }
    }
    left.len() >= last.len() && left.ends_with(last)
}

/// Can some model of the workspace declare the reverse accessor `name`
/// itself (`related_name="name"`, or a template that can make it)? Fields
/// are read with their `related_name` given as a keyword and a string
/// literal, in a file that declares relation fields. When none can, only a
/// default accessor (`<model>_set`, `<model>`) is possible, and only files
/// that define a class of that name need their models looked at.
fn may_be_declared_accessor(index: &WorkspaceIndex, name: &str) -> bool {
    let quoted = [format!("\"{name}\""), format!("'{name}'")];
    (0..index.files.len()).filter(|f| !is_migration(index, *f)).any(|f| {
        let entry = &index.files[f];
        let facts = entry.facts();
        let text = entry.text.as_bytes();
        facts.declares_relation_field
            && (quoted
                .iter()
                .any(|q| memchr::memmem::find_iter(text, q.as_bytes()).any(|at| is_related_name_value(text, at)))
                || facts.accessor_templates.iter().any(|t| template_can_make(t, name)))
    })
}

/// Is the string literal whose opening quote is at `at` the value of a
/// `related_name=` keyword (spaces, line breaks, a parenthesis or a string
/// prefix between them)?
fn is_related_name_value(text: &[u8], at: usize) -> bool {
    let before = &text[..at];
    let prefix = before
        .iter()
        .rev()
        .take(2)
        .take_while(|b| matches!(b, b'r' | b'R' | b'u' | b'U' | b'f' | b'F' | b'b' | b'B'))
        .count();
    let before = &before[..before.len() - prefix];
    let skip = |t: &[u8]| {
        t.iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace() || matches!(b, b'(' | b'\\'))
            .count()
    };
    let before = &before[..before.len() - skip(before)];
    let Some(before) = before.strip_suffix(b"=") else {
        return false;
    };
    let before = &before[..before.len() - skip(before)];
    before.ends_with(b"related_name")
}

/// The reverse accessor `name` on `target` (`order.items`,
/// `customer.order_set`, `customer.profile`), if some model declares it.
/// Computed per name, from the files that mention the target model and a
/// relation field — so a check touches only the models that could matter.
pub(in crate::index) fn reverse_relation(index: &WorkspaceIndex, target: &ModelInfo, name: &str) -> Option<Relation> {
    if let Some(hit) = target.reverse.read().unwrap().get(name) {
        return hit.clone();
    }
    let found = find_reverse(index, target, name);
    target.reverse.write().unwrap().insert(name.to_owned(), found.clone());
    found
}

fn find_reverse(index: &WorkspaceIndex, target: &ModelInfo, name: &str) -> Option<Relation> {
    let is_user = index.auth_user() == Some(target.id);
    // A default accessor (`orderitem_set`, `profile`) names the declaring model;
    // an explicit one appears as `related_name="…"` in its file.
    let default_of = name.strip_suffix("_set").unwrap_or(name);
    let referring = target.referring_files.get_or_init(|| {
        (0..index.files.len())
            .filter(|f| !is_migration(index, *f) && index.files[*f].facts().declares_relation_field)
            .filter(|f| {
                let text = index.files[*f].text.as_bytes();
                let find = |n: &[u8]| memchr::memmem::find(text, n).is_some();
                // `ForeignKey("shop.product")` names the model in lower case,
                // always inside a string: the bare lower-case name (`user`)
                // is in nearly every file.
                let lower = target.lower_name();
                find(target.name.as_bytes())
                    || [".", "\"", "'"].iter().any(|before| {
                        ["\"", "'"]
                            .iter()
                            .any(|after| find(format!("{before}{lower}{after}").as_bytes()))
                    })
                    || (is_user && (find(b"AUTH_USER_MODEL") || find(b"get_user_model")))
            })
            .collect()
    });
    let mut candidates: Vec<ModelId> = (0..builtin::CONTRIB_MODELS.len()).map(|i| ModelId(i as u32)).collect();
    // An explicit accessor appears as `related_name="name"`; a default one
    // (`orderitem_set`, `profile`) spells the declaring class in lower case.
    let default_lower = default_of.to_ascii_lowercase();
    let name_lower = name.to_ascii_lowercase();
    // Most names asked for are no accessor at all (methods and attributes a
    // model inherits: `set_password`, `_meta`), and appear in many files.
    let declared = may_be_declared_accessor(index, name);
    for &f in referring {
        let text = index.files[f].text.as_bytes();
        let names_it = (declared && memchr::memmem::find(text, name.as_bytes()).is_some())
            || defines_class_named(text, &default_lower)
            || defines_class_named(text, &name_lower);
        if names_it {
            candidates.extend(index.models_in(f));
        }
    }
    candidates.sort();
    candidates.dedup();
    for id in candidates {
        let m = index.model_members(id);
        if m.is_abstract {
            continue;
        }
        for f in m.fields() {
            if f.target != Some(target.id) {
                continue;
            }
            let accessor = match &f.related_name {
                Some(r) if r.ends_with('+') => continue,
                Some(r) => r
                    .replace("%(class)s", &m.lower_name())
                    .replace("%(app_label)s", &m.app_label),
                None => match f.kind {
                    FieldKind::OneToOne => m.lower_name(),
                    _ => format!("{}_set", m.lower_name()),
                },
            };
            if accessor != name {
                continue;
            }
            let kind = match f.kind {
                FieldKind::ForeignKey => RelationKind::ReverseForeignKey,
                FieldKind::OneToOne => RelationKind::ReverseOneToOne,
                FieldKind::ManyToMany => RelationKind::ReverseManyToMany,
                FieldKind::Plain => continue,
            };
            return Some(Relation {
                name: accessor,
                kind,
                model: id,
                field: f.name.clone(),
                default_set_accessor: f.related_name.is_none() && f.kind != FieldKind::OneToOne,
            });
        }
    }
    None
}

/// Does the text hold `class <name>` with the name in any letter case
/// (`lower_name` is in lower case), as a default accessor's model must?
fn defines_class_named(text: &[u8], lower_name: &str) -> bool {
    let name = lower_name.as_bytes();
    memchr::memmem::find_iter(text, b"class ").any(|at| {
        let rest = &text[at + 6..];
        rest.len() >= name.len()
            && rest[..name.len()].eq_ignore_ascii_case(name)
            && !rest
                .get(name.len())
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::test_support::{index_of, model_named};

    #[test]
    fn default_accessors_find_their_class_in_any_case() {
        assert!(defines_class_named(b"class OrderItem(models.Model):", "orderitem"));
        assert!(defines_class_named(b"x\nclass ORDERITEM:", "orderitem"));
        assert!(!defines_class_named(b"class OrderItems(models.Model):", "orderitem"));
        assert!(!defines_class_named(b"class Order(models.Model):", "orderitem"));
    }

    #[test]
    fn declared_accessors_are_related_name_keywords() {
        let value_at = |text: &str, literal: &str| is_related_name_value(text.as_bytes(), text.find(literal).unwrap());
        assert!(value_at("    a = ForeignKey(B, related_name=\"items\")", "\"items\""));
        assert!(value_at("    a = ForeignKey(B, related_name = r'items')", "'items'"));
        assert!(value_at(
            "    a = ForeignKey(\n        B, related_name=\n        (\"items\"))",
            "\"items\""
        ));
        // A string that names the attribute some other way declares nothing.
        assert!(!value_at("    if hasattr(x, \"_meta\"):", "\"_meta\""));
        assert!(!value_at("    a = ForeignKey(B, to_field=\"items\")", "\"items\""));
        assert!(!value_at("\"items\"", "\"items\""));
    }

    #[test]
    fn accessor_templates_stand_for_any_model_name() {
        assert!(template_can_make("%(app_label)s_%(class)s_items", "shop_order_items"));
        assert!(template_can_make("%(app_label)s_%(class)s_items", "__items"));
        assert!(!template_can_make("%(app_label)s_%(class)s_items", "set_password"));
        assert!(template_can_make("attached_%(class)s_set", "attached_note_set"));
        assert!(!template_can_make("attached_%(class)s_set", "note_set"));
        assert!(template_can_make("%(class)s", "anything"));
        assert!(!template_can_make("%(class)s must be %(x)s", "set_password"));
        assert!(
            !template_can_make("a%(class)sa", "a"),
            "prefix and suffix do not overlap"
        );
    }

    #[test]
    fn reverse_accessors_declared_defaulted_templated_and_inherited() {
        let files: &[(&str, &str)] = &[
            ("shop/__init__.py", ""),
            (
                "shop/models.py",
                "from django.db import models\n\
class Customer(models.Model):\n    def greet(self):\n        return self.name\n\
class Order(models.Model):\n    customer = models.ForeignKey(Customer, models.CASCADE, related_name=\"orders\")\n\
class Note(models.Model):\n    customer = models.ForeignKey(Customer, models.CASCADE)\n\
class Profile(models.Model):\n    customer = models.OneToOneField(Customer, models.CASCADE)\n\
class Tagged(models.Model):\n    customer = models.ForeignKey(Customer, models.CASCADE, related_name='%(app_label)s_%(class)s_tags')\n    class Meta:\n        abstract = True\n",
            ),
            (
                "shop/extra.py",
                "from django.db import models\nfrom shop.models import Customer, Tagged\n\
class Label(Tagged):\n    text = models.CharField(max_length=9)\n\
class Visit(models.Model):\n    customer = models.ForeignKey(Customer, models.CASCADE)\n\
def tags(customer):\n    return customer.shop_label_tags.all()\n",
            ),
        ];
        let index = index_of(files);
        let customer = model_named(&index, "shop.models.Customer").unwrap();
        let reverse = |name: &str| {
            reverse_relation(&index, &customer, name).map(|r| (index.model_identity(r.model).name.clone(), r.kind))
        };
        assert_eq!(
            reverse("orders"),
            Some(("Order".into(), RelationKind::ReverseForeignKey))
        );
        assert_eq!(
            reverse("note_set"),
            Some(("Note".into(), RelationKind::ReverseForeignKey))
        );
        assert_eq!(
            reverse("profile"),
            Some(("Profile".into(), RelationKind::ReverseOneToOne))
        );
        assert_eq!(
            reverse("visit_set"),
            Some(("Visit".into(), RelationKind::ReverseForeignKey))
        );
        assert_eq!(
            reverse("shop_label_tags"),
            Some(("Label".into(), RelationKind::ReverseForeignKey))
        );
        assert_eq!(reverse("greet"), None);
        assert_eq!(reverse("save"), None);
    }
}
