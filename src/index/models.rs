//! Models, their fields, managers and relations — computed lazily.
//!
//! A model's identity (name, app label, abstract, whether it bootstraps
//! Django) is registered the first time a class is found to be a model; its
//! fields and managers (`Members`) and its reverse relations are computed on
//! first use. No lock is held while computing, so computing one model may
//! resolve (and parse) others.

use std::ops::Range;
use std::sync::{Arc, OnceLock, RwLock};

use rustc_hash::{FxHashMap, FxHashSet};

use super::summary::{ClassSummary, Value};
use super::{builtin, ClassKind, ClassRef, FileId, Symbol, WorkspaceIndex};
use crate::syntax;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModelId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Plain,
    ForeignKey,
    OneToOne,
    ManyToMany,
}

impl FieldKind {
    /// A forward relation to one object (cached on the instance once loaded).
    pub fn is_single_relation(self) -> bool {
        matches!(self, FieldKind::ForeignKey | FieldKind::OneToOne)
    }
}

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
}

/// What a model declares and inherits.
#[derive(Debug, Default)]
pub struct Members {
    pub fields: Vec<FieldInfo>,
    pub managers: Vec<String>,
    /// Custom QuerySet/manager methods that return a QuerySet.
    pub queryset_methods: FxHashSet<String>,
    pub parents: Vec<ModelId>,
    /// `Meta.constraints` is set (here or on a model base).
    pub has_constraints: bool,
    /// `Meta.unique_together` is set (here or on a model base).
    pub has_unique_together: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
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
    pub(crate) origin: Origin,
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
    fn new(id: ModelId, name: String, qualname: String, origin: Origin) -> ModelInfo {
        ModelInfo {
            id,
            name,
            qualname,
            class: None,
            app_label: String::new(),
            is_abstract: false,
            bootstraps: false,
            fields_known: !matches!(origin, Origin::External | Origin::Any),
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
        if name == "id" && !self.fields().iter().any(|f| f.primary_key) {
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
        let name = b.qualname.rsplit('.').next().unwrap_or("").to_owned();
        push(index, |id| {
            let mut m = ModelInfo::new(id, name, b.qualname.to_owned(), Origin::Builtin(i));
            m.app_label = b.app_label.to_owned();
            m
        });
    }
    push(index, |id| {
        ModelInfo::new(id, "Model".into(), "<any model>".into(), Origin::Any)
    })
}

/// Registers a workspace class found to be a model (identity only).
pub(super) fn register_workspace_model(index: &WorkspaceIndex, c: ClassRef, bootstraps: bool) -> ModelId {
    if let Some(id) = index.registry.read().unwrap().by_class.get(&c) {
        return *id;
    }
    let cls = index.class(c);
    let is_abstract = matches!(cls.meta_attr("abstract").map(|a| &a.value), Some(Value::Bool(true)));
    let app_label = cls
        .meta_attr("app_label")
        .and_then(|a| a.value.as_str().map(str::to_owned))
        .unwrap_or_else(|| app_label_of(index, c.file));
    let name = cls.name.clone();
    let qualname = format!("{}.{}", index.files[c.file].module(), cls.name);
    push(index, |id| {
        let mut m = ModelInfo::new(id, name, qualname, Origin::Workspace);
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
        ModelInfo::new(id, name.to_owned(), q.to_owned(), Origin::External)
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
    index
        .registry
        .read()
        .unwrap()
        .by_qualname
        .get("django.contrib.auth.models.User")
        .copied()
}

/// The byte-level facts of a file's text (see [`super::ByteFacts`]).
pub(super) fn byte_facts(text: &[u8]) -> super::ByteFacts {
    let sets_auth_user_model = memchr::memmem::find_iter(text, b"AUTH_USER_MODEL").any(|at| {
        let rest = &text[at + b"AUTH_USER_MODEL".len()..];
        let ws = rest.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
        rest.get(ws) == Some(&b'=') && rest.get(ws + 1) != Some(&b'=')
    });
    let class_names = memchr::memmem::find_iter(text, b"class ")
        .filter_map(|at| {
            let rest = &text[at + 6..];
            let len = rest
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b >= 0x80)
                .count();
            std::str::from_utf8(&rest[..len])
                .ok()
                .filter(|n| !n.is_empty())
                .map(Box::from)
        })
        .collect();
    super::ByteFacts {
        sets_auth_user_model,
        declares_relation_field: declares_relation_field(text),
        class_names,
    }
}

fn is_migration(index: &WorkspaceIndex, f: FileId) -> bool {
    index.files[f].in_migrations
}

/// The model `app_label.name` (`"shop.Product"`), or `name` in any app when
/// `app_label` is empty.
fn find_model(index: &WorkspaceIndex, app_label: &str, name: &str) -> Option<ModelId> {
    let key = (app_label.to_owned(), name.to_owned());
    if let Some(hit) = index.registry.read().unwrap().by_label.get(&key) {
        return *hit;
    }
    let matches = |id: ModelId| {
        let m = index.model_identity(id);
        m.name == name && (app_label.is_empty() || m.app_label == app_label)
    };
    let mut found = {
        let reg = index.registry.read().unwrap();
        reg.models.iter().map(|m| m.id).find(|id| {
            let m = &reg.models[id.0 as usize];
            m.name == name && (app_label.is_empty() || m.app_label == app_label) && m.origin != Origin::External
        })
    };
    if found.is_none() {
        let defines =
            |f: &FileId| !is_migration(index, *f) && index.files[*f].facts().class_names.iter().any(|n| &**n == name);
        'files: for f in (0..index.files.len()).filter(defines) {
            for (i, cls) in index.files[f].summary().classes.iter().enumerate() {
                if cls.name == name {
                    if let Some(id) = index.model_of_class(ClassRef { file: f, index: i }) {
                        if matches(id) {
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

pub(super) fn ensure_members(index: &WorkspaceIndex, m: &ModelInfo) {
    if m.members.get().is_some() {
        return;
    }
    let members = compute_members(index, m);
    let _ = m.members.set(members);
}

fn compute_members(index: &WorkspaceIndex, m: &ModelInfo) -> Members {
    match m.origin {
        Origin::Builtin(i) => Members {
            fields: builtin_fields(index, builtin::CONTRIB_MODELS[i].fields),
            ..Members::default()
        },
        Origin::External | Origin::Any => Members::default(),
        Origin::Workspace => {
            let Some(c) = m.class else { return Members::default() };
            let mut out = Members::default();
            collect_inherited(index, c, m.id, &mut out, &mut FxHashSet::default(), 0);
            out.parents.retain(|p| *p != m.id);
            out
        }
    }
}

fn builtin_fields(index: &WorkspaceIndex, fields: &[(&str, FieldKind, Option<&str>, Option<&str>)]) -> Vec<FieldInfo> {
    fields
        .iter()
        .map(|(name, kind, target, related)| FieldInfo {
            name: (*name).to_owned(),
            kind: *kind,
            target: target.and_then(|t| {
                if t == "django.contrib.auth.models.User" {
                    index.auth_user()
                } else {
                    index.registry.read().unwrap().by_qualname.get(t).copied()
                }
            }),
            related_name: related.map(str::to_owned),
            decl: None,
            class_name: String::new(),
            primary_key: *name == "id" || *name == "session_key",
            unique: *name == "username",
        })
        .collect()
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
                    out.fields.extend(pm.fields.iter().cloned());
                    out.managers.extend(pm.managers.iter().cloned());
                    out.queryset_methods.extend(pm.queryset_methods.iter().cloned());
                    out.parents.push(pid);
                    out.parents.extend(pm.parents.iter().copied());
                    out.has_constraints |= pm.has_constraints;
                    out.has_unique_together |= pm.has_unique_together;
                }
                // A mixin that is not itself a model may still declare fields.
                _ => collect_inherited(index, b, this, out, seen, depth + 1),
            },
            Symbol::External(q) => {
                if let Some(extra) = builtin::contrib_base_fields(&q) {
                    out.fields.extend(builtin_fields(index, extra));
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
        let Value::Call { callee, dotted, .. } = &attr.value else {
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
                let primary_key = matches!(attr.value.keyword("primary_key"), Some(Value::Bool(true)));
                let unique =
                    kind == FieldKind::OneToOne || matches!(attr.value.keyword("unique"), Some(Value::Bool(true)));
                out.fields.push(FieldInfo {
                    name: attr.name.clone(),
                    kind,
                    target,
                    related_name,
                    decl: Some((c.file, attr.range.clone())),
                    class_name: callee.clone(),
                    primary_key,
                    unique,
                });
                continue;
            }
        }
        if let Some(methods) = manager_declaration(index, c.file, callee, *dotted) {
            out.managers.push(attr.name.clone());
            out.queryset_methods.extend(methods);
        }
    }
}

fn relation_target(
    index: &WorkspaceIndex,
    c: ClassRef,
    this: ModelId,
    app_label: &str,
    target: &Value,
) -> Option<ModelId> {
    match target {
        Value::Str(s, _) => {
            if s == "self" {
                return Some(this);
            }
            match s.split_once('.') {
                Some((label, name)) => find_model(index, label, name),
                None => find_model(index, app_label, s).or_else(|| find_model(index, "", s)),
            }
        }
        Value::Name(n) if n.ends_with("AUTH_USER_MODEL") => index.auth_user(),
        Value::Name(n) => index.model_of_symbol(&index.resolve_dotted(c.file, n, None)),
        Value::Call { callee, .. } if callee.ends_with("get_user_model") => index.auth_user(),
        _ => None,
    }
}

/// The reverse accessor `name` on `target` (`order.items`,
/// `customer.order_set`, `customer.profile`), if some model declares it.
/// Computed per name, from the files that mention the target model and a
/// relation field — so a check touches only the models that could matter.
pub(super) fn reverse_relation(index: &WorkspaceIndex, target: &ModelInfo, name: &str) -> Option<Relation> {
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
                find(target.name.as_bytes()) || (is_user && (find(b"AUTH_USER_MODEL") || find(b"get_user_model")))
            })
            .collect()
    });
    let mut candidates: Vec<ModelId> = (0..builtin::CONTRIB_MODELS.len()).map(|i| ModelId(i as u32)).collect();
    // An explicit accessor appears as `related_name="name"`; a default one
    // (`orderitem_set`, `profile`) spells the declaring class in lower case.
    let default_lower = default_of.to_ascii_lowercase();
    for &f in referring {
        let text = index.files[f].text.as_bytes();
        let names_it =
            memchr::memmem::find(text, name.as_bytes()).is_some() || defines_class_named(text, &default_lower);
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
            });
        }
    }
    None
}

/// Does the text call a relation field constructor on an indented line
/// outside a comment, as a model's field declaration does? Checked before a
/// file is parsed for its models: test modules that only mention
/// `ForeignKey` in docstrings and comments are not parsed for it.
fn declares_relation_field(text: &[u8]) -> bool {
    const CALLS: [&[u8]; 4] = [b"ForeignKey(", b"OneToOneField(", b"ManyToManyField(", b"ParentalKey("];
    CALLS.iter().any(|call| {
        memchr::memmem::find_iter(text, call).any(|at| {
            let line_start = memchr::memrchr2(b'\n', b'\r', &text[..at]).map_or(0, |i| i + 1);
            let line = &text[line_start..at];
            line.first().is_some_and(|b| *b == b' ' || *b == b'\t') && !line.contains(&b'#')
        })
    })
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

fn app_label_of(index: &WorkspaceIndex, file: FileId) -> String {
    let path = &index.files[file].path;
    let mut dir = path.parent();
    // `app/models/product.py` and `app/models/__init__.py` belong to `app`.
    if dir.and_then(|d| d.file_name()).is_some_and(|n| n == "models") {
        dir = dir.and_then(|d| d.parent());
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

fn field_kind(callee: &str) -> Option<FieldKind> {
    let last = callee.rsplit('.').next().unwrap_or(callee);
    match last {
        "ForeignKey" | "ParentalKey" => Some(FieldKind::ForeignKey),
        "OneToOneField" => Some(FieldKind::OneToOne),
        "ManyToManyField" | "ParentalManyToManyField" => Some(FieldKind::ManyToMany),
        "GenericForeignKey" | "GenericRelation" => None,
        _ if last.ends_with("Field") => Some(FieldKind::Plain),
        _ => None,
    }
}

/// If `callee` (a class attribute's call) creates a manager, the custom
/// methods it offers that return QuerySets.
fn manager_declaration(index: &WorkspaceIndex, file: FileId, callee: &str, dotted: bool) -> Option<Vec<String>> {
    if dotted {
        if let Some(qs_class) = callee.strip_suffix(".as_manager") {
            return Some(queryset_methods_of(index, file, qs_class));
        }
        return match index.resolve_dotted(file, callee, None) {
            Symbol::Class(m) if index.class_kind(m) == ClassKind::Manager => Some(queryset_methods_of_class(index, m)),
            Symbol::External(q) if q.ends_with("Manager") => Some(Vec::new()),
            _ if callee.rsplit('.').next().is_some_and(|l| l.ends_with("Manager")) => Some(Vec::new()),
            _ => None,
        };
    }
    // `Manager.from_queryset(QS)()` / `CustomManager.from_queryset(QS)()`
    let inner = callee.split_once(".from_queryset(")?;
    let qs_class = inner.1.trim_end_matches(')').trim();
    let mut methods = queryset_methods_of(index, file, qs_class);
    if let Symbol::Class(m) = index.resolve_dotted(file, inner.0.trim(), None) {
        methods.extend(queryset_methods_of_class(index, m));
    }
    Some(methods)
}

fn queryset_methods_of(index: &WorkspaceIndex, file: FileId, dotted: &str) -> Vec<String> {
    match index.resolve_dotted(file, dotted, None) {
        Symbol::Class(c) => queryset_methods_of_class(index, c),
        _ => Vec::new(),
    }
}

/// Methods of a custom Manager/QuerySet class whose every `return` yields a
/// QuerySet (`return self.filter(...)`, `return super().get_queryset()...`).
fn queryset_methods_of_class(index: &WorkspaceIndex, c: ClassRef) -> Vec<String> {
    let file = &index.files[c.file];
    let Some(tree) = file.tree() else { return Vec::new() };
    let src: &str = &file.text;
    let mut out = Vec::new();
    for m in &index.class(c).methods {
        if m.name.starts_with('_') || m.is_async {
            continue;
        }
        let Some(def) = tree.root_node().descendant_for_byte_range(m.range.start, m.range.end) else {
            continue;
        };
        let mut returns = Vec::new();
        collect_returns(def, &mut returns);
        let all_qs = !returns.is_empty()
            && returns.iter().all(|r| {
                r.named_child(0).map(syntax::unparen).is_some_and(|e| {
                    e.kind() == "call"
                        && syntax::field(e, "function").is_some_and(|f| {
                            f.kind() == "attribute"
                                && syntax::field(f, "attribute").is_some_and(|a| returns_queryset(syntax::text(a, src)))
                        })
                })
            });
        if all_qs {
            out.push(m.name.clone());
        }
    }
    out
}

/// A loop over an explicit stack (in source order): the body may nest
/// expressions as deeply as a file allows.
fn collect_returns<'t>(node: tree_sitter::Node<'t>, out: &mut Vec<tree_sitter::Node<'t>>) {
    let mut stack: Vec<_> = syntax::named_children(node).into_iter().rev().collect();
    while let Some(child) = stack.pop() {
        match child.kind() {
            "return_statement" => out.push(child),
            "function_definition" | "class_definition" | "lambda" => {}
            _ => stack.extend(syntax::named_children(child).into_iter().rev()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_fields_are_declarations_not_mentions() {
        assert!(declares_relation_field(
            b"class A(models.Model):\n    b = models.ForeignKey(B, models.CASCADE)\n"
        ));
        assert!(declares_relation_field(
            b"class A(Model):\n\tb = ManyToManyField(\r\n  'B')\n"
        ));
        // Docstrings, comments and module-level code are not field declarations.
        assert!(!declares_relation_field(
            b"def test():\n    \"\"\"ForeignKey 'x' is allowed\"\"\"\n"
        ));
        assert!(!declares_relation_field(
            b"class T:\n    X = 1  # ForeignKey(unique=True)\n"
        ));
        assert!(!declares_relation_field(b"ForeignKey(B)\n"));
    }

    #[test]
    fn default_accessors_find_their_class_in_any_case() {
        assert!(defines_class_named(b"class OrderItem(models.Model):", "orderitem"));
        assert!(defines_class_named(b"x\nclass ORDERITEM:", "orderitem"));
        assert!(!defines_class_named(b"class OrderItems(models.Model):", "orderitem"));
        assert!(!defines_class_named(b"class Order(models.Model):", "orderitem"));
    }
}
