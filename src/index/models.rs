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
    let declares_relation_field = declares_relation_field(text);
    let accessor_templates = if declares_relation_field {
        accessor_templates(text)
    } else {
        Vec::new()
    };
    super::ByteFacts {
        sets_auth_user_model,
        declares_relation_field,
        class_names,
        accessor_templates,
    }
}

/// The placeholders Django fills in a `related_name` (the model's name in
/// lower case, its app label).
const ACCESSOR_PLACEHOLDERS: [&str; 2] = ["%(class)s", "%(app_label)s"];

/// The string literals of `text` (on one line, between a pair of the same
/// quote) that hold one of the [`ACCESSOR_PLACEHOLDERS`].
fn accessor_templates(text: &[u8]) -> Vec<Box<str>> {
    let mut out: Vec<Box<str>> = Vec::new();
    for placeholder in ACCESSOR_PLACEHOLDERS {
        for at in memchr::memmem::find_iter(text, placeholder.as_bytes()) {
            let line_start = memchr::memrchr2(b'\n', b'\r', &text[..at]).map_or(0, |i| i + 1);
            let Some(open) = memchr::memrchr2(b'"', b'\'', &text[line_start..at]).map(|i| line_start + i) else {
                continue;
            };
            let quote = text[open];
            let rest = &text[at..];
            let line_len = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
            let Some(close) = memchr::memchr(quote, &rest[..line_len]).map(|i| at + i) else {
                continue;
            };
            if let Ok(literal) = std::str::from_utf8(&text[open + 1..close]) {
                if !out.iter().any(|t| **t == *literal) {
                    out.push(literal.into());
                }
            }
        }
    }
    out
}

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
            && m.origin != Origin::External
            && m.origin != Origin::Any
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
        Value::Call {
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

/// Does `callee` (a class attribute's call in `file`) construct a model
/// field: one of Django's (`models.CharField`, contrib.postgres, GIS), or a
/// relation field of any package (`TreeForeignKey`, `ParentalKey`)? Forms',
/// serializers' and filters' fields are not.
fn is_model_field(index: &WorkspaceIndex, file: FileId, callee: &str) -> bool {
    if matches!(
        field_kind(callee),
        Some(FieldKind::ForeignKey | FieldKind::OneToOne | FieldKind::ManyToMany)
    ) {
        return true;
    }
    match index.resolve_dotted(file, callee, None) {
        Symbol::External(q) => [
            "django.db.models.",
            "django.contrib.gis.db.models.",
            "django.contrib.postgres.fields.",
        ]
        .iter()
        .any(|p| q.starts_with(p)),
        _ => false,
    }
}

fn field_kind(callee: &str) -> Option<FieldKind> {
    let last = callee.rsplit('.').next().unwrap_or(callee);
    match last {
        "ForeignKey" | "ParentalKey" | "TreeForeignKey" => Some(FieldKind::ForeignKey),
        "OneToOneField" => Some(FieldKind::OneToOne),
        "ManyToManyField" | "ParentalManyToManyField" => Some(FieldKind::ManyToMany),
        "GenericForeignKey" | "GenericRelation" => None,
        _ if last.ends_with("Field") => Some(FieldKind::Plain),
        _ => None,
    }
}

/// If `callee` (a class attribute's call) creates a manager, the workspace
/// Manager and QuerySet classes whose methods it offers (empty for a
/// manager of an installed package): `MyManager()`, `MyQuerySet.as_manager()`,
/// `Manager.from_queryset(MyQuerySet)()`, `MyManager = Manager.from_queryset(QS)`
/// at module level then `MyManager()`, `class MyManager(Manager.from_queryset(QS))`.
fn manager_declaration(index: &WorkspaceIndex, file: FileId, callee: &str, dotted: bool) -> Option<Vec<ClassRef>> {
    if dotted {
        if let Some(qs_class) = callee.strip_suffix(".as_manager") {
            return Some(workspace_class(index, file, qs_class).into_iter().collect());
        }
        let named_like_manager = callee.rsplit('.').next().is_some_and(|l| l.ends_with("Manager"));
        return match index.resolve_dotted(file, callee, None) {
            Symbol::Class(m) if index.class_kind(m) == ClassKind::Manager || named_like_manager => {
                let mut classes = vec![m];
                classes.extend(from_queryset_base_classes(index, m));
                Some(classes)
            }
            Symbol::Class(m) if !from_queryset_base_classes(index, m).is_empty() => {
                let mut classes = vec![m];
                classes.extend(from_queryset_base_classes(index, m));
                Some(classes)
            }
            // `MyManager = BaseManager.from_queryset(MyQuerySet)` in some module.
            Symbol::Assignment(f, i) => match &index.files[f].summary().assignments[i].value {
                Value::Call {
                    callee: factory,
                    dotted: true,
                    args,
                    ..
                } if factory.ends_with(".from_queryset") => {
                    let manager = factory.trim_end_matches(".from_queryset");
                    let mut classes: Vec<ClassRef> = workspace_class(index, f, manager).into_iter().collect();
                    if let Some(Value::Name(qs)) = args.first().map(|a| &a.value) {
                        classes.extend(workspace_class(index, f, qs));
                    }
                    Some(classes)
                }
                _ => named_like_manager.then(Vec::new),
            },
            Symbol::External(q) if q.ends_with("Manager") => Some(Vec::new()),
            _ => named_like_manager.then(Vec::new),
        };
    }
    // `Manager.from_queryset(QS)()` / `CustomManager.from_queryset(QS)()`
    let inner = callee.split_once(".from_queryset(")?;
    let qs_class = inner.1.trim_end_matches(')').trim();
    let mut classes: Vec<ClassRef> = workspace_class(index, file, inner.0.trim()).into_iter().collect();
    classes.extend(workspace_class(index, file, qs_class));
    Some(classes)
}

fn workspace_class(index: &WorkspaceIndex, file: FileId, dotted: &str) -> Option<ClassRef> {
    match index.resolve_dotted(file, dotted, None) {
        Symbol::Class(c) => Some(c),
        _ => None,
    }
}

/// A class's `X.from_queryset(QS)` bases (`class ProductManager(models.Manager.from_queryset(ProductQuerySet))`),
/// as the dotted names `X` and `QS`, read from the syntax tree: such a base
/// is a call, which the class summary does not keep.
pub(super) fn from_queryset_bases(index: &WorkspaceIndex, c: ClassRef) -> Vec<(String, Option<String>)> {
    let cls = index.class(c);
    let file = &index.files[c.file];
    let src: &str = &file.text;
    if !src.get(cls.range.clone()).is_some_and(|t| t.contains("from_queryset")) {
        return Vec::new();
    }
    let Some(tree) = file.tree() else { return Vec::new() };
    let def = tree
        .root_node()
        .descendant_for_byte_range(cls.name_range.start, cls.name_range.end)
        .and_then(|n| n.parent())
        .filter(|n| n.kind() == "class_definition");
    let Some(superclasses) = def.and_then(|d| syntax::field(d, "superclasses")) else {
        return Vec::new();
    };
    syntax::named_children(superclasses)
        .into_iter()
        .filter(|base| base.kind() == "call")
        .filter_map(|base| {
            let factory = syntax::field(base, "function").and_then(|f| syntax::dotted(f, src))?;
            let manager = factory.strip_suffix(".from_queryset")?.to_owned();
            let qs = syntax::field(base, "arguments")
                .and_then(|a| a.named_child(0))
                .and_then(|q| syntax::dotted(q, src));
            Some((manager, qs))
        })
        .collect()
}

/// The workspace classes of a class's `X.from_queryset(QS)` bases.
fn from_queryset_base_classes(index: &WorkspaceIndex, c: ClassRef) -> Vec<ClassRef> {
    from_queryset_bases(index, c)
        .into_iter()
        .flat_map(|(manager, qs)| {
            let manager = workspace_class(index, c.file, &manager);
            let qs = qs.and_then(|qs| workspace_class(index, c.file, &qs));
            manager.into_iter().chain(qs)
        })
        .collect()
}

/// The methods of `classes` and of their workspace bases, nearest first, one
/// per name (what `getattr` on the manager finds).
pub(super) fn methods_of_classes(index: &WorkspaceIndex, classes: &[ClassRef]) -> Vec<(ClassRef, usize)> {
    let mut out: Vec<(ClassRef, usize)> = Vec::new();
    let mut names = FxHashSet::default();
    let mut seen = FxHashSet::default();
    for &start in classes {
        let mut stack = vec![(start, 0u32)];
        while let Some((c, depth)) = stack.pop() {
            if depth > 32 || !seen.insert(c) {
                continue;
            }
            let cls = index.class(c);
            for (i, m) in cls.methods.iter().enumerate().rev() {
                if names.insert(m.name.clone()) {
                    out.push((c, i));
                }
            }
            for base in cls.bases.iter().rev() {
                if let Symbol::Class(b) = index.resolve_dotted(c.file, base, None) {
                    stack.push((b, depth + 1));
                }
            }
            for b in from_queryset_base_classes(index, c).into_iter().rev() {
                stack.push((b, depth + 1));
            }
        }
    }
    out
}

/// Methods of custom Manager/QuerySet classes (and their workspace bases)
/// whose every `return` yields a QuerySet: `return self.filter(...)`,
/// `return super().get_queryset()...`, or a call of another such method
/// (`return self.published().filter(...)` and `return self.cheap()`).
pub(super) fn queryset_methods_of_classes(index: &WorkspaceIndex, classes: &[ClassRef]) -> Vec<String> {
    // Each public sync method with the names its `return`s call last.
    let mut candidates: Vec<(String, Vec<String>)> = Vec::new();
    for (c, i) in methods_of_classes(index, classes) {
        let m = &index.class(c).methods[i];
        if m.name.starts_with('_') || m.is_async {
            continue;
        }
        let file = &index.files[c.file];
        let Some(tree) = file.tree() else { continue };
        let src: &str = &file.text;
        let Some(def) = tree.root_node().descendant_for_byte_range(m.range.start, m.range.end) else {
            continue;
        };
        let mut returns = Vec::new();
        collect_returns(def, &mut returns);
        let called: Option<Vec<String>> = returns
            .iter()
            .map(|r| {
                let e = r.named_child(0).map(syntax::unparen)?;
                let f = syntax::field(e, "function").filter(|_| e.kind() == "call")?;
                let a = syntax::field(f, "attribute").filter(|_| f.kind() == "attribute")?;
                Some(syntax::text(a, src).to_owned())
            })
            .collect();
        if let Some(called) = called.filter(|c| !c.is_empty()) {
            candidates.push((m.name.clone(), called));
        }
    }
    let mut found: FxHashSet<String> = FxHashSet::default();
    loop {
        let before = found.len();
        for (name, called) in &candidates {
            if !found.contains(name) && called.iter().all(|c| returns_queryset(c) || found.contains(c)) {
                found.insert(name.clone());
            }
        }
        if found.len() == before {
            break;
        }
    }
    candidates
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| found.contains(n))
        .collect()
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
    use crate::index::test_support::index_of;

    fn model_named(index: &WorkspaceIndex, q: &str) -> Option<Arc<ModelInfo>> {
        index
            .model_of_symbol(&index.resolve_qualified(q))
            .map(|id| index.model(id))
    }

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

    #[test]
    fn custom_managers_and_their_querysets() {
        let models = "from django.db import models\n\
class BaseQS(models.QuerySet):\n    def named(self, n):\n        return self.filter(name=n)\n\
class ItemQS(BaseQS):\n    def live(self):\n        return self.named('x').exclude(pk=0)\n    def first_live(self):\n        return self.live().get()\n    def note(self):\n        return 'n'\n\
ItemManager = models.Manager.from_queryset(ItemQS)\n\
class BoxManager(models.Manager.from_queryset(ItemQS)):\n    def boxes(self):\n        return self.live()\n\
class Item(models.Model):\n    name = models.CharField(max_length=9)\n    objects = ItemManager()\n\
class Box(models.Model):\n    name = models.CharField(max_length=9)\n    objects = BoxManager()\n";
        let index = index_of(&[("app/__init__.py", ""), ("app/models.py", models)]);
        let item = model_named(&index, "app.models.Item").unwrap();
        let qs_methods = |m: &ModelInfo| {
            let mut v: Vec<String> = m.members().queryset_methods.iter().cloned().collect();
            v.sort();
            v
        };
        assert_eq!(qs_methods(&item), ["live", "named"]);
        let first_live = index
            .custom_manager_method(item.id, "first_live")
            .expect("a method run as a helper");
        assert_eq!(index.function(first_live).name, "first_live");
        let boxes = model_named(&index, "app.models.Box").unwrap();
        assert_eq!(qs_methods(&boxes), ["boxes", "live", "named"]);
        assert!(index.custom_manager_method(boxes.id, "note").is_some());
        assert!(index.custom_manager_method(boxes.id, "missing").is_none());
    }

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
    fn accessor_templates_stand_for_any_model() {
        let text = b"    a = ForeignKey(B, related_name=\"%(app_label)s_%(class)s_items\")\n    msg = '%(class)s must be %(x)s'\n";
        assert_eq!(
            accessor_templates(text),
            vec![
                Box::from("%(app_label)s_%(class)s_items"),
                Box::from("%(class)s must be %(x)s")
            ]
        );
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
