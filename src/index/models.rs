//! Models, their fields, managers and relations, derived from the summaries.

use std::ops::Range;

use rustc_hash::{FxHashMap, FxHashSet};

use super::summary::{ClassSummary, ImportTarget, Value};
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
}

#[derive(Debug, Clone)]
pub struct ModelInfo {
    pub name: String,
    pub qualname: String,
    pub class: Option<ClassRef>,
    pub app_label: String,
    pub is_abstract: bool,
    /// Its chain includes reflex_django's `Model`, whose import bootstraps Django.
    pub bootstraps: bool,
    /// Fields are known (false for models of installed apps we only saw imported).
    pub fields_known: bool,
    /// Own and inherited fields.
    pub fields: Vec<FieldInfo>,
    pub managers: Vec<String>,
    /// Custom QuerySet/manager methods that return a QuerySet.
    pub queryset_methods: FxHashSet<String>,
    pub relations: Vec<Relation>,
    pub parents: Vec<ModelId>,
    /// `Meta.constraints` is set (here or on a model base).
    pub has_constraints: bool,
    /// `Meta.unique_together` / `unique_for_*` style checks exist.
    pub has_unique_together: bool,
}

/// What an attribute of a model instance is.
#[derive(Debug, Clone, Copy)]
pub enum Member<'a> {
    Field(&'a FieldInfo),
    /// `<fk>_id`: the raw column of a forward relation; never queries.
    ForeignKeyId(&'a FieldInfo),
    Reverse(&'a Relation),
    Pk,
}

impl ModelInfo {
    pub fn field(&self, name: &str) -> Option<&FieldInfo> {
        self.fields.iter().rev().find(|f| f.name == name)
    }

    pub fn member(&self, name: &str) -> Option<Member<'_>> {
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
        if let Some(r) = self.relations.iter().find(|r| r.name == name) {
            return Some(Member::Reverse(r));
        }
        if name == "id" && !self.fields.iter().any(|f| f.primary_key) {
            return Some(Member::Pk);
        }
        None
    }

    pub fn is_manager(&self, name: &str) -> bool {
        matches!(name, "objects" | "_default_manager" | "_base_manager") || self.managers.iter().any(|m| m == name)
    }

    /// The lowercased name Django uses for default reverse accessors.
    pub fn lower_name(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}

const QUERYSET_RETURNING: &[&str] = &[
    "all",
    "filter",
    "exclude",
    "order_by",
    "reverse",
    "distinct",
    "select_related",
    "prefetch_related",
    "only",
    "defer",
    "annotate",
    "alias",
    "using",
    "select_for_update",
    "none",
    "union",
    "intersection",
    "difference",
    "extra",
    "values",
    "values_list",
    "dates",
    "datetimes",
    "complex_filter",
    "get_queryset",
];

pub fn returns_queryset(method: &str) -> bool {
    QUERYSET_RETURNING.contains(&method)
}

pub(super) fn build(index: &mut WorkspaceIndex) {
    let mut kinds = index.classify_all();

    // Contrib models first, so workspace FKs to them resolve.
    for b in builtin::CONTRIB_MODELS {
        let name = b.qualname.rsplit('.').next().unwrap_or("").to_owned();
        index.register_model(ModelInfo {
            name,
            qualname: b.qualname.to_owned(),
            class: None,
            app_label: b.app_label.to_owned(),
            is_abstract: false,
            bootstraps: false,
            fields_known: true,
            fields: Vec::new(),
            managers: Vec::new(),
            queryset_methods: FxHashSet::default(),
            relations: Vec::new(),
            parents: Vec::new(),
            has_constraints: false,
            has_unique_together: false,
        });
    }

    // Workspace models.
    let mut workspace = Vec::new();
    for file in 0..index.files.len() {
        for ci in 0..index.files[file].summary.classes.len() {
            let c = ClassRef { file, index: ci };
            if let Some(bootstraps) = index.model_root(c) {
                let cls = index.class(c);
                let is_abstract = matches!(cls.meta_attr("abstract").map(|a| &a.value), Some(Value::Bool(true)));
                let app_label = cls
                    .meta_attr("app_label")
                    .and_then(|a| a.value.as_str().map(str::to_owned))
                    .unwrap_or_else(|| app_label_of(index, file));
                let info = ModelInfo {
                    name: cls.name.clone(),
                    qualname: format!("{}.{}", index.files[file].module(), cls.name),
                    class: Some(c),
                    app_label,
                    is_abstract,
                    bootstraps,
                    fields_known: true,
                    fields: Vec::new(),
                    managers: Vec::new(),
                    queryset_methods: FxHashSet::default(),
                    relations: Vec::new(),
                    parents: Vec::new(),
                    has_constraints: cls.meta_attr("constraints").is_some(),
                    has_unique_together: cls.meta_attr("unique_together").is_some(),
                };
                let id = index.register_model(info);
                kinds.insert(c, ClassKind::Model(id));
                workspace.push((c, id));
            }
        }
    }
    index.set_class_kinds(kinds);

    // Models of installed apps, seen only through imports (`from shop.models import Product`).
    let mut external = Vec::new();
    for f in &index.files {
        for b in &f.summary.imports {
            if let ImportTarget::Member { module, name } = &b.target {
                let q = format!("{module}.{name}");
                if module.rsplit('.').next() == Some("models")
                    && !module.starts_with("django.db")
                    && index.module(module).is_none()
                    && name.chars().next().is_some_and(char::is_uppercase)
                    && index.model_by_qualname(&q).is_none()
                {
                    external.push(q);
                }
            }
        }
    }
    external.sort();
    external.dedup();
    for q in external {
        let name = q.rsplit('.').next().unwrap_or("").to_owned();
        index.register_model(ModelInfo {
            name,
            qualname: q,
            class: None,
            app_label: String::new(),
            is_abstract: false,
            bootstraps: false,
            fields_known: false,
            fields: Vec::new(),
            managers: Vec::new(),
            queryset_methods: FxHashSet::default(),
            relations: Vec::new(),
            parents: Vec::new(),
            has_constraints: false,
            has_unique_together: false,
        });
    }

    index.auth_user = auth_user_model(index);
    index.any_model = Some(index.register_model(ModelInfo {
        name: "Model".into(),
        qualname: "<any model>".into(),
        class: None,
        app_label: String::new(),
        is_abstract: false,
        bootstraps: false,
        fields_known: false,
        fields: Vec::new(),
        managers: Vec::new(),
        queryset_methods: FxHashSet::default(),
        relations: Vec::new(),
        parents: Vec::new(),
        has_constraints: false,
        has_unique_together: false,
    }));

    // Builtin fields (targets resolve now that every model is registered).
    for (i, b) in builtin::CONTRIB_MODELS.iter().enumerate() {
        let fields = builtin_fields(index, b.fields);
        index.models[i].fields = fields;
    }

    // Own fields and managers of workspace models.
    let mut own: FxHashMap<ModelId, (Vec<FieldInfo>, Vec<String>, FxHashSet<String>)> = FxHashMap::default();
    for &(c, id) in &workspace {
        own.insert(id, own_members(index, c, id));
    }
    // Inherit from model bases (abstract and concrete parents), in MRO-ish order.
    for &(c, id) in &workspace {
        let mut fields = Vec::new();
        let mut managers = Vec::new();
        let mut qs = FxHashSet::default();
        let mut parents = Vec::new();
        let mut seen = FxHashSet::default();
        collect_inherited(
            index,
            c,
            &own,
            &mut fields,
            &mut managers,
            &mut qs,
            &mut parents,
            &mut seen,
            0,
        );
        let inherited_constraints = parents.iter().any(|p| index.models[p.0 as usize].has_constraints);
        let inherited_unique_together = parents.iter().any(|p| index.models[p.0 as usize].has_unique_together);
        let m = &mut index.models[id.0 as usize];
        m.has_constraints |= inherited_constraints;
        m.has_unique_together |= inherited_unique_together;
        m.fields = fields;
        m.managers = managers;
        m.queryset_methods = qs;
        m.parents = parents.into_iter().filter(|p| *p != id).collect();
    }

    // Reverse relations.
    let mut reverse: Vec<(ModelId, Relation)> = Vec::new();
    for (i, m) in index.models.iter().enumerate() {
        if m.is_abstract {
            continue;
        }
        for f in &m.fields {
            let Some(target) = f.target else { continue };
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
            let kind = match f.kind {
                FieldKind::ForeignKey => RelationKind::ReverseForeignKey,
                FieldKind::OneToOne => RelationKind::ReverseOneToOne,
                FieldKind::ManyToMany => RelationKind::ReverseManyToMany,
                FieldKind::Plain => continue,
            };
            reverse.push((
                target,
                Relation {
                    name: accessor,
                    kind,
                    model: ModelId(i as u32),
                },
            ));
        }
    }
    for (target, rel) in reverse {
        index.models[target.0 as usize].relations.push(rel);
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
                    index.auth_user
                } else {
                    index.model_by_qualname(t)
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

#[allow(clippy::too_many_arguments)]
fn collect_inherited(
    index: &WorkspaceIndex,
    c: ClassRef,
    own: &FxHashMap<ModelId, (Vec<FieldInfo>, Vec<String>, FxHashSet<String>)>,
    fields: &mut Vec<FieldInfo>,
    managers: &mut Vec<String>,
    qs: &mut FxHashSet<String>,
    parents: &mut Vec<ModelId>,
    seen: &mut FxHashSet<ClassRef>,
    depth: u32,
) {
    if depth > 32 || !seen.insert(c) {
        return;
    }
    for base in &index.class(c).bases {
        match index.resolve_dotted(c.file, base, None) {
            Symbol::Class(b) => collect_inherited(index, b, own, fields, managers, qs, parents, seen, depth + 1),
            Symbol::External(q) => {
                if let Some(extra) = builtin::contrib_base_fields(&q) {
                    fields.extend(builtin_fields(index, extra));
                }
            }
            _ => {}
        }
    }
    if let Some(id) = index.model_of_class(c) {
        if let Some((f, m, q)) = own.get(&id) {
            fields.extend(f.iter().cloned());
            managers.extend(m.iter().cloned());
            qs.extend(q.iter().cloned());
        }
        parents.push(id);
    }
}

fn app_label_of(index: &WorkspaceIndex, file: FileId) -> String {
    let path = &index.files[file].path;
    let mut dir = path.parent();
    if path.file_stem().is_some_and(|s| s == "__init__")
        || dir.and_then(|d| d.file_name()).is_some_and(|n| n == "models")
    {
        if dir.and_then(|d| d.file_name()).is_some_and(|n| n == "models") {
            dir = dir.and_then(|d| d.parent());
        }
    }
    let Some(dir) = dir else { return String::new() };
    if let Some(apps) = index.file_by_path(&dir.join("apps.py")) {
        for cls in &index.files[apps].summary.classes {
            if let Some(label) = cls.attr("label").and_then(|a| a.value.as_str()) {
                return label.to_owned();
            }
        }
    }
    dir.file_name().and_then(|n| n.to_str()).unwrap_or("").to_owned()
}

fn auth_user_model(index: &WorkspaceIndex) -> Option<ModelId> {
    for f in &index.files {
        for a in &f.summary.assignments {
            if a.name == "AUTH_USER_MODEL" {
                if let Some((label, name)) = a.value.as_str().and_then(|s| s.split_once('.')) {
                    if let Some(id) = find_model(index, label, name) {
                        return Some(id);
                    }
                }
            }
        }
    }
    index.model_by_qualname("django.contrib.auth.models.User")
}

fn find_model(index: &WorkspaceIndex, app_label: &str, name: &str) -> Option<ModelId> {
    index
        .models
        .iter()
        .position(|m| m.name == name && (m.app_label == app_label || app_label.is_empty()))
        .map(|i| ModelId(i as u32))
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

fn own_members(index: &WorkspaceIndex, c: ClassRef, id: ModelId) -> (Vec<FieldInfo>, Vec<String>, FxHashSet<String>) {
    let cls: &ClassSummary = index.class(c);
    let app_label = index.model(id).app_label.clone();
    let mut fields = Vec::new();
    let mut managers = Vec::new();
    let mut qs = FxHashSet::default();
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
                        .and_then(|t| relation_target(index, c, id, &app_label, t))
                };
                let related_name = attr
                    .value
                    .keyword("related_name")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned);
                let primary_key = matches!(attr.value.keyword("primary_key"), Some(Value::Bool(true)));
                let unique =
                    kind == FieldKind::OneToOne || matches!(attr.value.keyword("unique"), Some(Value::Bool(true)));
                fields.push(FieldInfo {
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
            managers.push(attr.name.clone());
            qs.extend(methods);
        }
    }
    (fields, managers, qs)
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
    let Some(tree) = &file.tree else { return Vec::new() };
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

fn collect_returns<'t>(node: tree_sitter::Node<'t>, out: &mut Vec<tree_sitter::Node<'t>>) {
    for child in syntax::named_children(node) {
        match child.kind() {
            "return_statement" => out.push(child),
            "function_definition" | "class_definition" | "lambda" => {}
            _ => collect_returns(child, out),
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
        Value::Name(n) if n.ends_with("AUTH_USER_MODEL") => index.auth_user,
        Value::Name(n) => index.model_of_symbol(&index.resolve_dotted(c.file, n, None)),
        Value::Call { callee, .. } if callee.ends_with("get_user_model") => index.auth_user,
        _ => None,
    }
}
