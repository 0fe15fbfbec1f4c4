//! A model's members: its fields (own, inherited and Django's built-in
//! ones), its relations' targets and its managers, computed on first use
//! by `ensure_members`.
//!
//! Reads class summaries only (never a syntax tree); never does I/O.

use std::sync::Arc;

use rustc_hash::FxHashSet;

use super::managers::{manager_declaration, queryset_methods_of_classes};
use super::{find_model, FieldInfo, FieldKind, Members, ModelId, ModelInfo, ModelOrigin};
use crate::index::summary::{AssignedValue, ClassSummary};
use crate::index::{builtin, ClassKind, ClassRef, FileId, Symbol, WorkspaceIndex};
use crate::knowledge::models::fields::{field_kind, DJANGO_FIELDS, MODEL_FIELD_MODULES};

pub(in crate::index) fn ensure_members(index: &WorkspaceIndex, m: &ModelInfo) {
    if m.members.get().is_some() {
        return;
    }
    let members = compute_members(index, m);
    let _ = m.members.set(members);
}

fn compute_members(index: &WorkspaceIndex, m: &ModelInfo) -> Members {
    match m.origin {
        ModelOrigin::Builtin(i) => Members {
            fields: builtin::contrib_fields(index, builtin::CONTRIB_MODELS[i].fields),
            // (Their table lists the automatic `id` as a field.)
            has_no_id: true,
            ..Members::default()
        },
        ModelOrigin::External | ModelOrigin::Any => Members::default(),
        ModelOrigin::Workspace => {
            let Some(c) = m.class else { return Members::default() };
            let mut out = Members::default();
            collect_inherited(index, c, m.id, &mut out, &mut FxHashSet::default(), 0);
            out.parents.retain(|p| *p != m.id);
            set_up_primary_key(index, &mut out);
            out
        }
    }
}

/// What Django's `Options._prepare` decides about the primary key: a model
/// with multi-table parents and no primary key of its own takes the link to
/// its first parent as one (a declared `parent_link=True` field is marked;
/// an automatic `<parent>_ptr` is not a field here); `obj.id` exists when
/// the model, or a parent, gets the automatic `id` (a model without
/// parents or a primary key of its own).
fn set_up_primary_key(index: &WorkspaceIndex, out: &mut Members) {
    let concrete: Vec<Arc<ModelInfo>> = out
        .parents
        .iter()
        .map(|p| index.model_members(*p))
        .filter(|p| !p.is_abstract)
        .collect();
    let inherited: FxHashSet<&str> = concrete
        .iter()
        .flat_map(|p| p.fields().iter().map(|f| f.name.as_str()))
        .collect();
    let local_pk = out
        .fields
        .iter()
        .any(|f| f.primary_key && !inherited.contains(f.name.as_str()));
    if let (Some(first), false) = (concrete.first(), local_pk) {
        let link = out.fields.iter_mut().rev().find(|f| {
            f.kind == FieldKind::OneToOne && f.target == Some(first.id) && out.parent_links.contains(&f.name)
        });
        if let Some(link) = link {
            link.primary_key = true;
        }
    }
    out.has_no_id = if concrete.is_empty() {
        local_pk
    } else {
        concrete.iter().all(|p| p.members().has_no_id)
    };
}

/// Own members plus those of model bases (abstract or concrete parents).
fn collect_inherited(
    index: &WorkspaceIndex,
    c: ClassRef,
    this: ModelId,
    out: &mut Members,
    seen: &mut FxHashSet<ClassRef>,
    depth: u32,
) {
    if depth > 32 || !seen.insert(c) {
        return;
    }
    // A field of an abstract base is not inherited when the class binds its
    // name to something else (`metadata = None`, a property): Django skips
    // names in the new class's `__dict__`.
    let cls = index.class(c);
    let bound_here =
        |name: &str| cls.attrs.iter().any(|a| a.name == name) || cls.methods.iter().any(|m| m.name == name);
    for base in &cls.bases {
        match index.resolve_dotted(c.file, base, None) {
            Symbol::Class(b) => match index.class_kind(b) {
                ClassKind::Model(pid) if pid != this => inherit_model(index, pid, this, out, &bound_here),
                // A mixin that is not itself a model may still declare fields.
                _ => collect_inherited(index, b, this, out, seen, depth + 1),
            },
            Symbol::External(q) => {
                if let Some(base) = builtin::contrib_base(&q) {
                    let fields = builtin::contrib_fields(index, base.fields);
                    out.fields.extend(fields.into_iter().filter(|f| !bound_here(&f.name)));
                } else if let Some(pid) = builtin_model(index, &q) {
                    // A multi-table child of a contrib model (`class
                    // PageUserGroup(Group)`).
                    inherit_model(index, pid, this, out, &bound_here);
                }
            }
            _ => {}
        }
    }
    own_members(index, c, this, out);
}

/// Members of a model base `pid` (abstract, or a multi-table parent).
fn inherit_model(
    index: &WorkspaceIndex,
    pid: ModelId,
    this: ModelId,
    out: &mut Members,
    bound_here: &dyn Fn(&str) -> bool,
) {
    let parent = index.model_members(pid);
    let pm = parent.members();
    // An abstract base's `ForeignKey("self")` points at each concrete model
    // that inherits it.
    let retarget = |mut f: FieldInfo| {
        if parent.is_abstract && f.target == Some(pid) {
            f.target = Some(this);
        }
        f
    };
    let inherited = pm.fields.iter().filter(|f| !parent.is_abstract || !bound_here(&f.name));
    out.fields.extend(inherited.cloned().map(retarget));
    out.parent_links.extend(pm.parent_links.iter().cloned());
    out.managers.extend(pm.managers.iter().cloned());
    out.queryset_methods.extend(pm.queryset_methods.iter().cloned());
    out.manager_classes.extend(pm.manager_classes.iter().copied());
    out.external_managers.extend(pm.external_managers.iter().cloned());
    out.parents.push(pid);
    out.parents.extend(pm.parents.iter().copied());
    out.has_constraints |= pm.has_constraints;
    out.has_unique_together |= pm.has_unique_together;
}

/// One of Django's contrib models (`django.contrib.auth.models.Group`),
/// by a qualified name it is known by.
fn builtin_model(index: &WorkspaceIndex, q: &str) -> Option<ModelId> {
    let id = *index.registry.read().unwrap().by_qualname.get(q)?;
    matches!(index.model_identity(id).origin, ModelOrigin::Builtin(_)).then_some(id)
}

fn own_members(index: &WorkspaceIndex, c: ClassRef, this: ModelId, out: &mut Members) {
    let cls: &ClassSummary = index.class(c);
    let app_label = index.model_identity(this).app_label.clone();
    out.has_constraints |= cls.meta_attr("constraints").is_some();
    out.has_unique_together |= cls.meta_attr("unique_together").is_some();
    for attr in &cls.attrs {
        let AssignedValue::Call { callee, dotted, .. } = &attr.value else {
            continue;
        };
        if *dotted {
            if let Some(kind) = field_kind_of_call(index, c.file, callee) {
                let target = if kind == FieldKind::Plain {
                    None
                } else {
                    attr.value
                        .keyword("to")
                        .or_else(|| attr.value.positional(0))
                        .and_then(|t| relation_target(index, c, this, &app_label, t))
                };
                let related_name = attr
                    .value
                    .keyword("related_name")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned);
                let primary_key = matches!(attr.value.keyword("primary_key"), Some(AssignedValue::Bool(true)));
                let unique = kind == FieldKind::OneToOne
                    || matches!(attr.value.keyword("unique"), Some(AssignedValue::Bool(true)));
                if matches!(attr.value.keyword("parent_link"), Some(AssignedValue::Bool(true))) {
                    out.parent_links.push(attr.name.clone());
                }
                out.fields.push(FieldInfo {
                    name: attr.name.clone(),
                    kind,
                    target,
                    related_name,
                    decl: Some((c.file, attr.range.clone())),
                    class_name: callee.clone(),
                    primary_key,
                    unique,
                    names_to_field: attr.value.keyword("to_field").is_some(),
                });
                continue;
            }
        }
        if let Some(classes) = manager_declaration(index, c.file, callee, *dotted) {
            out.managers.push(attr.name.clone());
            out.queryset_methods
                .extend(queryset_methods_of_classes(index, &classes));
            out.manager_classes.extend(classes);
            if *dotted {
                if let Symbol::External(q) = index.resolve_dotted(c.file, callee, None) {
                    out.external_managers.push(q);
                }
            }
        }
    }
}

/// The kind of field a class-body call `callee` builds: a Django field (or
/// any package's `…Field`, `TreeForeignKey`, …) by its name; a workspace
/// class by the Django field it derives from (dj-stripe's
/// `StripeForeignKey(models.ForeignKey)` is a foreign key).
fn field_kind_of_call(index: &WorkspaceIndex, file: FileId, callee: &str) -> Option<FieldKind> {
    let by_name = field_kind(callee);
    let last = callee.rsplit('.').next().unwrap_or(callee);
    if DJANGO_FIELDS.contains(&last) {
        return by_name; // Django's own class: nothing to resolve
    }
    match index.resolve_dotted(file, callee, None) {
        Symbol::Class(class) => match index.field_class_of(class) {
            Some(Some(django)) => field_kind(&django),
            _ => by_name,
        },
        _ => by_name,
    }
}

fn relation_target(
    index: &WorkspaceIndex,
    c: ClassRef,
    this: ModelId,
    app_label: &str,
    target: &AssignedValue,
) -> Option<ModelId> {
    match target {
        AssignedValue::Str(s, _) => {
            if s == "self" {
                return Some(this);
            }
            match s.split_once('.') {
                Some((label, name)) => find_model(index, label, name),
                None => find_model(index, app_label, s).or_else(|| find_model(index, "", s)),
            }
        }
        AssignedValue::Name(n) if n.ends_with("AUTH_USER_MODEL") => index.auth_user(),
        AssignedValue::Name(n) => index.model_of_symbol(&index.resolve_dotted(c.file, n, None)),
        AssignedValue::Call { callee, .. } if callee.ends_with("get_user_model") => index.auth_user(),
        _ => None,
    }
}

/// Does `callee` (a class attribute's call in `file`) construct a model
/// field: one of Django's (`models.CharField`, contrib.postgres, GIS), or a
/// relation field of any package (`TreeForeignKey`, `ParentalKey`)? Forms',
/// serializers' and filters' fields are not.
pub(super) fn is_model_field(index: &WorkspaceIndex, file: FileId, callee: &str) -> bool {
    if matches!(
        field_kind(callee),
        Some(FieldKind::ForeignKey | FieldKind::OneToOne | FieldKind::ManyToMany)
    ) {
        return true;
    }
    match index.resolve_dotted(file, callee, None) {
        Symbol::External(q) => MODEL_FIELD_MODULES.iter().any(|p| q.starts_with(p)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::index::test_support::{index_of, model_named};

    const MODELS: &str = "from django.db import models
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AbstractBaseUser as Reexported, AbstractUser
class Country(models.Model):
    code = models.CharField(max_length=2, unique=True)
class City(models.Model):
    by_code = models.ForeignKey(Country, models.CASCADE, to_field=\"code\")
    by_pk = models.ForeignKey(
        Country,
        models.CASCADE,  # not to_field: the primary key
        related_name=\"+\",
    )
class Member(AbstractUser):
    pass
class Login(AbstractBaseUser):
    pass
class Alias(Reexported):
    pass
";

    #[test]
    fn a_relation_names_a_to_field_by_its_keyword_not_its_text() {
        let index = index_of(&[("app/__init__.py", ""), ("app/models.py", MODELS)]);
        let city = model_named(&index, "app.models.City").unwrap();
        assert!(city.field("by_code").unwrap().names_to_field);
        assert!(!city.field("by_pk").unwrap().names_to_field, "a comment is no keyword");
    }

    /// The names of a model's fields, in order.
    fn field_names(index: &crate::index::WorkspaceIndex, q: &str) -> Vec<String> {
        let m = model_named(index, q).unwrap();
        m.fields().iter().map(|f| f.name.clone()).collect()
    }

    #[test]
    fn contrib_bases_give_the_fields_contrib_py_declares() {
        let index = index_of(&[("app/__init__.py", ""), ("app/models.py", MODELS)]);
        let names = |q: &str| field_names(&index, q);
        // AbstractUser: AbstractBaseUser's and PermissionsMixin's fields, its own, the many-to-many ones last.
        assert_eq!(
            names("app.models.Member"),
            [
                "password",
                "last_login",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "groups",
                "user_permissions"
            ]
        );
        // AbstractBaseUser, where Django defines it and where auth.models re-exports it.
        assert_eq!(names("app.models.Login"), ["password", "last_login"]);
        assert_eq!(names("app.models.Alias"), ["password", "last_login"]);
        let member = model_named(&index, "app.models.Member").unwrap();
        let groups = member.field("groups").unwrap();
        assert_eq!(groups.related_name.as_deref(), Some("user_set"));
        assert_eq!(
            groups.target.map(|t| index.model(t).qualname.clone()).as_deref(),
            Some("django.contrib.auth.models.Group")
        );
        assert!(member.field("username").unwrap().unique);
    }

    /// What Django 5.2's `_meta` says of these classes (checked with real
    /// Django, and by `tests/model_readers.rs` against the schema's reader).
    const INHERITANCE: &str = "from django.db import models
from django.contrib.auth.models import Group
class StripeForeignKey(models.ForeignKey):
    pass
class Base(models.Model):
    metadata = models.JSONField(null=True)
    class Meta:
        abstract = True
class Place(models.Model):
    name = models.CharField(max_length=9)
class Thing(Base):
    metadata = None
    place = StripeForeignKey(Place, models.CASCADE)
    default_text = notes = models.TextField(null=True)
    notes = models.TextField(blank=True)
class Team(Group):
    pass
class Restaurant(Place):
    link = models.OneToOneField(Place, models.CASCADE, parent_link=True)
class Coded(Place):
    code = models.CharField(max_length=9, primary_key=True)
class Keyed(models.Model):
    code = models.CharField(max_length=9, primary_key=True)
";

    #[test]
    fn members_as_django_builds_them() {
        use crate::index::models::{FieldKind, Member};
        let index = index_of(&[("app/__init__.py", ""), ("app/models.py", INHERITANCE)]);
        let names = |q: &str| field_names(&index, q);
        let thing = model_named(&index, "app.models.Thing").unwrap();
        // A workspace subclass of ForeignKey relates as one.
        let place = thing.field("place").unwrap();
        assert_eq!(place.kind, FieldKind::ForeignKey);
        assert_eq!(place.target, index.model_by_label("app", "place"));
        // `metadata = None` drops the abstract base's field; a chained
        // assignment binds both names.
        assert_eq!(names("app.models.Thing"), ["place", "default_text", "notes", "notes"]);
        // A multi-table child of a contrib model inherits its fields.
        let team = model_named(&index, "app.models.Team").unwrap();
        assert!(team
            .field("permissions")
            .is_some_and(|f| f.kind == FieldKind::ManyToMany));
        assert_eq!(
            team.members().parents,
            index.model_by_label("auth", "group").into_iter().collect::<Vec<_>>()
        );
        // The declared parent link is the primary key; `id` is the parent's.
        let restaurant = model_named(&index, "app.models.Restaurant").unwrap();
        assert!(restaurant.field("link").unwrap().primary_key);
        assert!(matches!(restaurant.own_member("id"), Some(Member::Pk)));
        // A child's own primary key leaves the parent's automatic `id`.
        let coded = model_named(&index, "app.models.Coded").unwrap();
        assert!(matches!(coded.own_member("id"), Some(Member::Pk)));
        let keyed = model_named(&index, "app.models.Keyed").unwrap();
        assert!(keyed.own_member("id").is_none());
    }
}
