//! Models, their fields, managers and relations — computed lazily.
//!
//! A model's identity (name, app label, abstract, whether it bootstraps
//! Django) is registered the first time a class is found to be a model; its
//! fields and managers (`Members`) and its reverse relations are computed on
//! first use. No lock is held while computing, so computing one model may
//! resolve (and parse) others.
//!
//! This file holds the model types and the registry (identity, look-ups by
//! qualified name and app label, `AUTH_USER_MODEL`); `fields` computes
//! members, `field_classes` says what a workspace field class is (for
//! both readers of models), `managers` reads Manager/QuerySet classes, `relations` finds
//! reverse relations. Never does I/O, never holds a lock while computing.

mod field_classes;
mod fields;
mod managers;
mod relations;

use std::ops::Range;
use std::sync::{Arc, OnceLock, RwLock};

use rustc_hash::{FxHashMap, FxHashSet};

use super::summary::AssignedValue;
use super::{builtin, ClassRef, FileId, WorkspaceIndex};
use crate::knowledge::models::fields::field_kind;
use fields::is_model_field;

pub(super) use fields::ensure_members;
pub(super) use managers::{from_queryset_bases, methods_of_classes, queryset_methods_of_classes};
pub(super) use relations::reverse_relation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModelId(pub u32);

/// What a field is as far as relations go is Django knowledge (`crate::knowledge::models`).
pub use crate::knowledge::models::FieldKind;

#[derive(Debug, Clone)]
pub struct FieldInfo {
    pub name: String,
    pub kind: FieldKind,
    pub target: Option<ModelId>,
    pub related_name: Option<String>,
    /// Where it is declared (workspace models only).
    pub decl: Option<(FileId, Range<usize>)>,
    /// The field class as written (`models.CharField`).
    pub class_name: String,
    pub primary_key: bool,
    /// `unique=True`, or a OneToOneField.
    pub unique: bool,
    /// A relation declared with a `to_field=` keyword (whatever its value):
    /// `obj.fk_id` may then hold another field than the target's pk.
    pub names_to_field: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// `customer.order_set`, `order.items`: a related manager.
    ReverseForeignKey,
    /// `customer.profile`: one object, fetched lazily.
    ReverseOneToOne,
    /// `tag.products`: a related manager.
    ReverseManyToMany,
}

#[derive(Debug, Clone)]
pub struct Relation {
    pub name: String,
    pub kind: RelationKind,
    pub model: ModelId,
    /// The field on `model` that points back (`order` for `order.items`).
    pub field: String,
    /// The accessor is Django's default `<model>_set` (no `related_name`):
    /// lookups name the relation `<model>` instead, and `<model>_set__…`
    /// is a `FieldError`.
    pub default_set_accessor: bool,
}

/// What a model declares and inherits.
#[derive(Debug, Default)]
pub struct Members {
    pub fields: Vec<FieldInfo>,
    pub managers: Vec<String>,
    /// Custom QuerySet/manager methods that return a QuerySet.
    pub queryset_methods: FxHashSet<String>,
    /// The workspace Manager and QuerySet classes behind the managers
    /// (declared here or inherited), whose other methods are ordinary
    /// functions run on the manager (see [`WorkspaceIndex::custom_manager_method`]).
    pub manager_classes: Vec<ClassRef>,
    /// Qualified names of the installed packages' manager classes behind
    /// the managers (`model_utils.managers.InheritanceManager`), whose
    /// methods the knowledge of third-party APIs describes.
    pub external_managers: Vec<String>,
    pub parents: Vec<ModelId>,
    /// `Meta.constraints` is set (here or on a model base).
    pub has_constraints: bool,
    /// `Meta.unique_together` is set (here or on a model base).
    pub has_unique_together: bool,
    /// `obj.id` is not Django's automatic primary key: neither the model
    /// nor a multi-table parent gets one (each declares its own primary
    /// key), or it is a field of `fields` (Django's contrib models).
    pub has_no_id: bool,
    /// Fields declared `parent_link=True` (here or on a model base).
    parent_links: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModelOrigin {
    Builtin(usize),
    Workspace,
    /// A model of an installed app, seen only through an import.
    External,
    /// The stand-in for `QuerySet` without a type argument.
    Any,
}

#[derive(Debug)]
pub struct ModelInfo {
    pub id: ModelId,
    pub name: String,
    pub qualname: String,
    pub class: Option<ClassRef>,
    pub app_label: String,
    pub is_abstract: bool,
    /// Its chain includes reflex_django's `Model`, whose import bootstraps Django.
    pub bootstraps: bool,
    /// Fields are known (false for models of installed apps we only saw imported).
    pub fields_known: bool,
    pub(crate) origin: ModelOrigin,
    members: OnceLock<Members>,
    /// Reverse accessors looked up so far, by name (computed one name at a time).
    reverse: RwLock<FxHashMap<String, Option<Relation>>>,
    /// Files that mention this model and declare some relation field.
    referring_files: OnceLock<Vec<FileId>>,
}

/// What an attribute of a model instance is.
#[derive(Debug, Clone)]
pub enum Member<'a> {
    Field(&'a FieldInfo),
    /// `<fk>_id`: the raw column of a forward relation; never queries.
    ForeignKeyId(&'a FieldInfo),
    Reverse(Relation),
    Pk,
}

static NO_MEMBERS: std::sync::LazyLock<Members> = std::sync::LazyLock::new(Members::default);

impl ModelInfo {
    fn new(id: ModelId, name: String, qualname: String, origin: ModelOrigin) -> ModelInfo {
        ModelInfo {
            id,
            name,
            qualname,
            class: None,
            app_label: String::new(),
            is_abstract: false,
            bootstraps: false,
            fields_known: !matches!(origin, ModelOrigin::External | ModelOrigin::Any),
            origin,
            members: OnceLock::new(),
            reverse: RwLock::new(FxHashMap::default()),
            referring_files: OnceLock::new(),
        }
    }

    /// Fields, managers, … (empty until computed; `WorkspaceIndex::model` computes them).
    pub fn members(&self) -> &Members {
        self.members.get().unwrap_or(&NO_MEMBERS)
    }

    pub fn fields(&self) -> &[FieldInfo] {
        &self.members().fields
    }

    pub fn field(&self, name: &str) -> Option<&FieldInfo> {
        self.fields().iter().rev().find(|f| f.name == name)
    }

    /// A field, `<fk>_id` or `pk` (not reverse relations: see
    /// [`WorkspaceIndex::member`], which looks those up lazily).
    pub fn own_member(&self, name: &str) -> Option<Member<'_>> {
        if name == "pk" {
            return Some(Member::Pk);
        }
        if let Some(f) = self.field(name) {
            return Some(Member::Field(f));
        }
        if let Some(base) = name.strip_suffix("_id") {
            if let Some(f) = self.field(base).filter(|f| f.kind.is_single_relation()) {
                return Some(Member::ForeignKeyId(f));
            }
        }
        if name == "id" && !self.members().has_no_id {
            return Some(Member::Pk);
        }
        None
    }

    pub fn is_manager(&self, name: &str) -> bool {
        matches!(name, "objects" | "_default_manager" | "_base_manager")
            || self.members().managers.iter().any(|m| m == name)
    }

    /// The lowercased name Django uses for default reverse accessors.
    pub fn lower_name(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}

/// What each QuerySet method returns is Django knowledge (`crate::knowledge`).
pub use crate::knowledge::django::returns_queryset;

fn push(index: &WorkspaceIndex, info: impl FnOnce(ModelId) -> ModelInfo) -> ModelId {
    let mut reg = index.registry.write().unwrap();
    let id = ModelId(reg.models.len() as u32);
    let info = info(id);
    if let Some(c) = info.class {
        if let Some(existing) = reg.by_class.get(&c) {
            return *existing;
        }
        reg.by_class.insert(c, id);
    } else if let Some(existing) = reg.by_qualname.get(&info.qualname) {
        return *existing;
    }
    reg.by_qualname.entry(info.qualname.clone()).or_insert(id);
    reg.models.push(Arc::new(info));
    id
}

/// Django's contrib models and the stand-in "any model"; returns the latter.
pub(super) fn register_builtins(index: &WorkspaceIndex) -> ModelId {
    for (i, b) in builtin::CONTRIB_MODELS.iter().enumerate() {
        let name = b.qualname().rsplit('.').next().unwrap_or("").to_owned();
        let id = push(index, |id| {
            let mut m = ModelInfo::new(id, name, b.qualname().to_owned(), ModelOrigin::Builtin(i));
            m.app_label = b.app_label.to_owned();
            m
        });
        // The modules that re-export it name the same model.
        let mut registry = index.registry.write().unwrap();
        for alias in b.qualnames.iter().skip(1) {
            registry.by_qualname.entry((*alias).to_owned()).or_insert(id);
        }
    }
    push(index, |id| {
        ModelInfo::new(id, "Model".into(), "<any model>".into(), ModelOrigin::Any)
    })
}

/// Registers a workspace class found to be a model (identity only).
pub(super) fn register_workspace_model(index: &WorkspaceIndex, c: ClassRef, bootstraps: bool) -> ModelId {
    if let Some(id) = index.registry.read().unwrap().by_class.get(&c) {
        return *id;
    }
    let cls = index.class(c);
    let is_abstract = matches!(
        cls.meta_attr("abstract").map(|a| &a.value),
        Some(AssignedValue::Bool(true))
    );
    let app_label = cls
        .meta_attr("app_label")
        .and_then(|a| a.value.as_str().map(str::to_owned))
        .unwrap_or_else(|| app_label_of(index, c.file));
    let name = cls.name.clone();
    let qualname = format!("{}.{}", index.files[c.file].module(), cls.name);
    push(index, |id| {
        let mut m = ModelInfo::new(id, name, qualname, ModelOrigin::Workspace);
        m.class = Some(c);
        m.app_label = app_label;
        m.is_abstract = is_abstract;
        m.bootstraps = bootstraps;
        m
    })
}

/// A model of an installed app, known only as `from shop.models import Product`.
pub(super) fn external_model(index: &WorkspaceIndex, q: &str) -> Option<ModelId> {
    let (module, name) = q.rsplit_once('.')?;
    let is_models_module = module.rsplit('.').next() == Some("models") && !module.starts_with("django.db");
    if !is_models_module || index.module(module).is_some() || !name.chars().next().is_some_and(char::is_uppercase) {
        return None;
    }
    Some(push(index, |id| {
        ModelInfo::new(id, name.to_owned(), q.to_owned(), ModelOrigin::External)
    }))
}

pub(super) fn auth_user_model(index: &WorkspaceIndex) -> Option<ModelId> {
    // Only an assignment sets it (migrations merely mention `settings.AUTH_USER_MODEL`).
    let assigns = |f: &FileId| !is_migration(index, *f) && index.files[*f].facts().sets_auth_user_model;
    for f in (0..index.files.len()).filter(assigns) {
        for a in &index.files[f].summary().assignments {
            if a.name == "AUTH_USER_MODEL" {
                if let Some((label, name)) = a.value.as_str().and_then(|s| s.split_once('.')) {
                    if let Some(id) = find_model(index, label, name) {
                        return Some(id);
                    }
                }
            }
        }
    }
    if let Some(id) = configuration_class_user_model(index, assigns) {
        return Some(id);
    }
    index
        .registry
        .read()
        .unwrap()
        .by_qualname
        .get("django.contrib.auth.models.User")
        .copied()
}

/// django-configurations' settings: class attributes of `Configuration`
/// subclasses (`class Base(Configuration): AUTH_USER_MODEL = "nest.User"`).
/// The model only when every such class that sets it names the same one
/// (`Local(Base)` and `Production(Base)` may choose differently).
fn configuration_class_user_model(index: &WorkspaceIndex, assigns: impl Fn(&FileId) -> bool) -> Option<ModelId> {
    let mut found = None;
    for f in (0..index.files.len()).filter(assigns) {
        for (i, class) in index.files[f].summary().classes.iter().enumerate() {
            let Some(attr) = class.attr("AUTH_USER_MODEL") else {
                continue;
            };
            let class_ref = ClassRef { file: f, index: i };
            if !index.has_external_base(class_ref, crate::knowledge::django::is_configurations_settings_class) {
                continue;
            }
            let (label, name) = attr.value.as_str()?.split_once('.')?;
            let id = find_model(index, label, name)?;
            if found.is_some_and(|other| other != id) {
                return None;
            }
            found = Some(id);
        }
    }
    found
}

fn is_migration(index: &WorkspaceIndex, f: FileId) -> bool {
    index.files[f].in_migrations
}

/// The model `app_label.name` (`"shop.Product"`), or `name` in any app when
/// `app_label` is empty. As Django's app registry looks models up: the app
/// label exactly, the model name in any letter case (`"shop.product"`);
/// abstract models are not registered.
pub(super) fn find_model(index: &WorkspaceIndex, app_label: &str, name: &str) -> Option<ModelId> {
    let name = name.to_ascii_lowercase();
    let key = (app_label.to_owned(), name.clone());
    if let Some(hit) = index.registry.read().unwrap().by_label.get(&key) {
        return *hit;
    }
    let matches = |m: &ModelInfo| {
        m.name.eq_ignore_ascii_case(&name)
            && (app_label.is_empty() || m.app_label == app_label)
            && !m.is_abstract
            && m.origin != ModelOrigin::External
            && m.origin != ModelOrigin::Any
    };
    let mut found = {
        let reg = index.registry.read().unwrap();
        reg.models.iter().find(|m| matches(m)).map(|m| m.id)
    };
    if found.is_none() {
        let defines = |f: &FileId| {
            !is_migration(index, *f)
                && index.files[*f]
                    .facts()
                    .class_names
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(&name))
        };
        'files: for f in (0..index.files.len()).filter(defines) {
            for (i, cls) in index.files[f].summary().classes.iter().enumerate() {
                if cls.name.eq_ignore_ascii_case(&name) {
                    if let Some(id) = index.model_of_class(ClassRef { file: f, index: i }) {
                        if matches(&index.model_identity(id)) {
                            found = Some(id);
                            break 'files;
                        }
                    }
                }
            }
        }
    }
    index.registry.write().unwrap().by_label.insert(key, found);
    found
}

/// The app label of the models in `file`: the `label` of the app's
/// `AppConfig` in its `apps.py`, else the app's directory name (the last
/// component of its module path, Django's default). Files in a `models`
/// package, at any depth (`app/models/sales/order.py`), belong to the app
/// that holds the package.
fn app_label_of(index: &WorkspaceIndex, file: FileId) -> String {
    let path = &index.files[file].path;
    let mut dir = path.parent();
    if let Some(models_dir) = path
        .ancestors()
        .skip(1)
        .find(|d| d.file_name().is_some_and(|n| n == "models"))
    {
        dir = models_dir.parent();
    }
    let Some(dir) = dir else { return String::new() };
    if let Some(apps) = index.file_by_path(&dir.join("apps.py")) {
        for cls in &index.files[apps].summary().classes {
            if let Some(label) = cls.attr("label").and_then(|a| a.value.as_str()) {
                return label.to_owned();
            }
        }
    }
    dir.file_name().and_then(|n| n.to_str()).unwrap_or("").to_owned()
}

/// Is `c`, whose bases include classes we cannot read (`unreadable`: their
/// qualified names), a model? Django decides by the chain reaching
/// `models.Model`, which we cannot see; the class must show it itself:
///
/// - it declares a model field (`name = models.CharField(...)`, a relation
///   field of any package: `TreeForeignKey(...)`), or
/// - its inner `Meta` sets an option only models have (`ordering`,
///   `db_table`, `abstract`, …) and none that forms, serializers, filters and
///   factories use (`model`, `fields`, …), or
/// - it sits in an app's `models.py` (or `models/` package) and an
///   unreadable base comes from another package's `models` module
///   (`mptt.models.MPTTModel`, `wagtail.models.Page`) and is named like no
///   manager, QuerySet or field.
pub(super) fn looks_like_model(index: &WorkspaceIndex, c: ClassRef, unreadable: &[String]) -> bool {
    let cls = index.class(c);
    if cls.name.ends_with("Manager") || cls.name.ends_with("QuerySet") {
        return false;
    }
    let declares_field = cls.attrs.iter().any(|attr| match &attr.value {
        AssignedValue::Call {
            callee, dotted: true, ..
        } => field_kind(callee).is_some() && is_model_field(index, c.file, callee),
        _ => false,
    });
    if declares_field {
        return true;
    }
    // Django refuses a model `Meta` with any other attribute (`TypeError:
    // 'class Meta' got invalid attribute(s)`), so a `Meta` of model options
    // only says "model"; the options must include one besides `abstract`,
    // which graphene's types and factory_boy's factories use as well, as
    // graphene and others use `permissions` or `ordering` beside options of
    // their own.
    const MODEL_OPTIONS: &[&str] = &[
        "abstract",
        "app_label",
        "apps",
        "auto_created",
        "base_manager_name",
        "constraints",
        "db_table",
        "db_table_comment",
        "db_tablespace",
        "default_manager_name",
        "default_permissions",
        "default_related_name",
        "get_latest_by",
        "index_together",
        "indexes",
        "managed",
        "order_with_respect_to",
        "ordering",
        "permissions",
        "proxy",
        "required_db_features",
        "required_db_vendor",
        "select_on_save",
        "swappable",
        "unique_together",
        "verbose_name",
        "verbose_name_plural",
    ];
    let public_meta = || cls.meta.iter().filter(|a| !a.name.starts_with('_'));
    let meta_says_model =
        public_meta().all(|a| MODEL_OPTIONS.contains(&a.name.as_str())) && public_meta().any(|a| a.name != "abstract");
    if meta_says_model {
        return true;
    }
    let path = &index.files[c.file].path;
    let in_models_module = path.file_stem().is_some_and(|s| s == "models")
        || path.parent().and_then(|d| d.file_name()).is_some_and(|d| d == "models");
    in_models_module
        && unreadable.iter().any(|q| {
            let (module, name) = q.rsplit_once('.').unwrap_or(("", q));
            module.split('.').any(|part| part == "models")
                && ![
                    "Manager",
                    "QuerySet",
                    "Field",
                    "Descriptor",
                    "Error",
                    "Exception",
                    "Mixin",
                ]
                .iter()
                .any(|suffix| name.ends_with(suffix))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::test_support::{index_of, model_named};

    const SHOP: &[(&str, &str)] = &[
        ("shop/__init__.py", ""),
        (
            "shop/apps.py",
            "from django.apps import AppConfig\nclass ShopConfig(AppConfig):\n    name = 'shop'\n    label = 'store'\n",
        ),
        (
            "shop/models/__init__.py",
            "from .product import Product\nfrom .order import *\nfrom .sales.line import *\n",
        ),
        (
            "shop/models/product.py",
            "from django.db import models\nclass Product(models.Model):\n    name = models.CharField(max_length=9)\n",
        ),
        (
            "shop/models/order.py",
            "from django.db import models\n__all__ = ['Order']\nclass Order(models.Model):\n    product = models.ForeignKey('store.product', models.CASCADE)\nclass Hidden(models.Model):\n    pass\n",
        ),
        ("shop/models/sales/__init__.py", ""),
        (
            "shop/models/sales/line.py",
            "from django.db import models\nclass _Private(models.Model):\n    pass\nclass Line(models.Model):\n    order = models.ForeignKey('Order', models.CASCADE)\n",
        ),
    ];

    #[test]
    fn models_re_exported_by_a_package_init() {
        let index = index_of(SHOP);
        assert_eq!(
            model_named(&index, "shop.models.Product").map(|m| m.name.clone()),
            Some("Product".into())
        );
        assert_eq!(
            model_named(&index, "shop.models.Order").map(|m| m.name.clone()),
            Some("Order".into())
        );
        // `__all__` limits what `from .order import *` binds; `_private` names are never bound.
        assert!(model_named(&index, "shop.models.Hidden").is_none());
        assert!(model_named(&index, "shop.models._Private").is_none());
        assert!(model_named(&index, "shop.models.order.Hidden").is_some());
    }

    #[test]
    fn lazy_references_by_app_label_and_any_case() {
        let index = index_of(SHOP);
        let order = model_named(&index, "shop.models.Order").unwrap();
        let product = index.model_by_label("store", "PRODUCT").expect("the label, any case");
        assert_eq!(order.app_label, "store");
        assert_eq!(order.field("product").and_then(|f| f.target), Some(product));
        // Two packages deep in `models/`: still the app `store`; a bare name is the same app's.
        let line = model_named(&index, "shop.models.sales.line.Line").unwrap();
        assert_eq!(line.app_label, "store");
        assert_eq!(line.field("order").and_then(|f| f.target), Some(order.id));
        assert_eq!(index.model_by_reference("store.order"), Some(order.id));
        // The directory name is not the label; the label is case-sensitive.
        assert_eq!(index.model_by_label("shop", "product"), None);
        assert_eq!(index.model_by_label("Store", "product"), None);
        assert_eq!(index.model_by_reference("store.models.Order"), None);
    }

    const EXTERNAL: &str = "from django.db import models\nfrom rest_framework import serializers\nfrom model_utils.models import TimeStampedModel, SoftDeletableModel\nfrom mptt.managers import TreeManager\nfrom vendor.base import Thing\nimport enum\n";

    fn kinds(files: &[(&str, &str)]) -> Vec<(String, bool)> {
        let index = index_of(files);
        let mut out = Vec::new();
        for file in 0..index.files.len() {
            for (i, c) in index.files[file].summary().classes.iter().enumerate() {
                out.push((
                    c.name.clone(),
                    index.model_of_class(ClassRef { file, index: i }).is_some(),
                ));
            }
        }
        out
    }

    #[test]
    fn models_over_unreadable_bases_show_it_themselves() {
        let body = format!(
            "{EXTERNAL}\
class ByField(TimeStampedModel):\n    name = models.CharField(max_length=9)\n\
class ByMeta(SoftDeletableModel):\n    class Meta:\n        ordering = ['pk']\n\
class ByModule(TimeStampedModel):\n    pass\n\
class Through(ByModule):\n    pass\n\
class Serializer(serializers.ModelSerializer):\n    name = serializers.CharField()\n    class Meta:\n        model = ByField\n        fields = ['name']\n\
class Tree(TreeManager):\n    pass\n\
class Plain(Thing):\n    pass\n\
class Color(enum.Enum):\n    RED = models.CharField()\n\
class AbstractType(Thing):\n    class Meta:\n        abstract = True\n\
class Mutation(Thing):\n    class Meta:\n        description = 'x'\n        permissions = ('a',)\n"
        );
        let in_models = kinds(&[("app/__init__.py", ""), ("app/models.py", &body)]);
        let expect = |name: &str| in_models.iter().find(|(n, _)| n == name).map(|(_, m)| *m);
        assert_eq!(expect("ByField"), Some(true));
        assert_eq!(expect("ByMeta"), Some(true));
        assert_eq!(expect("ByModule"), Some(true));
        assert_eq!(expect("Through"), Some(true), "through a model over an unreadable base");
        assert_eq!(expect("Serializer"), Some(false));
        assert_eq!(expect("Tree"), Some(false));
        assert_eq!(expect("Plain"), Some(false), "a base from no `models` module");
        assert_eq!(expect("Color"), Some(false), "the standard library is readable enough");
        // graphene's and factory_boy's `Meta`: `abstract` alone, or options Django refuses.
        assert_eq!(expect("AbstractType"), Some(false));
        assert_eq!(expect("Mutation"), Some(false));
        // Outside a models module only fields or `Meta` say so.
        let elsewhere = kinds(&[("app/__init__.py", ""), ("app/views.py", &body)]);
        let expect = |name: &str| elsewhere.iter().find(|(n, _)| n == name).map(|(_, m)| *m);
        assert_eq!(expect("ByField"), Some(true));
        assert_eq!(expect("ByMeta"), Some(true));
        assert_eq!(expect("ByModule"), Some(false));
    }
}
