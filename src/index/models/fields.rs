//! A model's members: its fields (own, inherited and Django's built-in
//! ones), its relations' targets and its managers, computed on first use
//! by `ensure_members`.
//!
//! Reads class summaries only (never a syntax tree); never does I/O.

use rustc_hash::FxHashSet;

use super::managers::{manager_declaration, queryset_methods_of_classes};
use super::{find_model, FieldInfo, FieldKind, Members, ModelId, ModelInfo, ModelOrigin};
use crate::django::fields::{field_kind, MODEL_FIELD_MODULES};
use crate::index::summary::{AssignedValue, ClassSummary};
use crate::index::{builtin, ClassKind, ClassRef, FileId, Symbol, WorkspaceIndex};

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
            ..Members::default()
        },
        ModelOrigin::External | ModelOrigin::Any => Members::default(),
        ModelOrigin::Workspace => {
            let Some(c) = m.class else { return Members::default() };
            let mut out = Members::default();
            collect_inherited(index, c, m.id, &mut out, &mut FxHashSet::default(), 0);
            out.parents.retain(|p| *p != m.id);
            out
        }
    }
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
    for base in &index.class(c).bases {
        match index.resolve_dotted(c.file, base, None) {
            Symbol::Class(b) => match index.class_kind(b) {
                ClassKind::Model(pid) if pid != this => {
                    let parent = index.model_members(pid);
                    let pm = parent.members();
                    // An abstract base's `ForeignKey("self")` points at each
                    // concrete model that inherits it.
                    let retarget = |mut f: FieldInfo| {
                        if parent.is_abstract && f.target == Some(pid) {
                            f.target = Some(this);
                        }
                        f
                    };
                    out.fields.extend(pm.fields.iter().cloned().map(retarget));
                    out.managers.extend(pm.managers.iter().cloned());
                    out.queryset_methods.extend(pm.queryset_methods.iter().cloned());
                    out.manager_classes.extend(pm.manager_classes.iter().copied());
                    out.external_managers.extend(pm.external_managers.iter().cloned());
                    out.parents.push(pid);
                    out.parents.extend(pm.parents.iter().copied());
                    out.has_constraints |= pm.has_constraints;
                    out.has_unique_together |= pm.has_unique_together;
                }
                // A mixin that is not itself a model may still declare fields.
                _ => collect_inherited(index, b, this, out, seen, depth + 1),
            },
            Symbol::External(q) => {
                if let Some(base) = builtin::contrib_base(&q) {
                    out.fields.extend(builtin::contrib_fields(index, base.fields));
                }
            }
            _ => {}
        }
    }
    own_members(index, c, this, out);
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
            if let Some(kind) = field_kind(callee) {
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

    #[test]
    fn contrib_bases_give_the_fields_contrib_py_declares() {
        let index = index_of(&[("app/__init__.py", ""), ("app/models.py", MODELS)]);
        let names = |q: &str| -> Vec<String> {
            let m = model_named(&index, q).unwrap();
            m.fields().iter().map(|f| f.name.clone()).collect()
        };
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
}
