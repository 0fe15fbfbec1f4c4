//! Migration files read and replayed (SPEC §4): each app's
//! `migrations/*.py` parsed into operations, ordered by their dependencies
//! (squashed migrations replace the ones they list, as `makemigrations`
//! sees them), and applied to a [`ProjectState`] the way Django's
//! `state_forwards` does. `RunPython`/`RunSQL` change nothing; an operation
//! we do not know makes the app's replay `uncertain`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use tree_sitter::Node;

use super::models::{positional_names, qualify_bare, simple_assignment, DJANGO_FIELDS};
use super::state::{Field, ModelKey, ModelState, Origin, ProjectState};
use super::value::{self, Value};
use crate::index::{FileId, WorkspaceIndex};
use crate::syntax::{self, field, named_children, text};

/// `(app_label, migration_name)`.
pub type MigrationKey = (String, String);

/// One migration file.
#[derive(Debug, Clone)]
pub struct Migration {
    pub app: String,
    pub name: String,
    pub path: PathBuf,
    /// The `class Migration` name (where RDJ501/RDJ502 findings go).
    pub origin: Origin,
    pub dependencies: Vec<MigrationKey>,
    /// `dependencies` is not a literal list (weblate: `get_dependencies()`):
    /// the migration is taken to follow the app's previous one, as
    /// `makemigrations` writes it.
    pub dependencies_unread: bool,
    pub replaces: Vec<MigrationKey>,
    pub operations: Vec<Operation>,
    /// Every operation was understood.
    pub readable: bool,
}

#[derive(Debug, Clone)]
pub enum Operation {
    CreateModel {
        name: String,
        fields: Vec<Field>,
        options: BTreeMap<String, Value>,
        bases: Vec<Value>,
        origin: Origin,
    },
    DeleteModel {
        name: String,
    },
    RenameModel {
        old: String,
        new: String,
    },
    AlterModelTable {
        name: String,
        table: Value,
    },
    AlterModelOptions {
        name: String,
        options: BTreeMap<String, Value>,
    },
    /// Sets `options[key] = value` (`None` removes it): unique_together,
    /// order_with_respect_to, db_table_comment.
    SetOption {
        name: String,
        key: &'static str,
        value: Value,
    },
    AddField {
        model: String,
        field: Field,
    },
    RemoveField {
        model: String,
        name: String,
    },
    AlterField {
        model: String,
        field: Field,
    },
    RenameField {
        model: String,
        old: String,
        new: String,
    },
    AddItem {
        model: String,
        key: &'static str,
        item: Value,
    },
    RemoveItem {
        model: String,
        key: &'static str,
        name: String,
    },
    RenameIndex {
        model: String,
        new: String,
        old_name: Option<String>,
        old_fields: Option<Value>,
    },
    /// No state change (`RunPython`, `RunSQL`, managers, extensions).
    Nothing,
}

/// Meta options that `AlterModelOptions` replaces as a whole.
pub const ALTER_OPTION_KEYS: &[&str] = &[
    "base_manager_name",
    "default_manager_name",
    "default_related_name",
    "get_latest_by",
    "managed",
    "ordering",
    "permissions",
    "default_permissions",
    "select_on_save",
    "verbose_name",
    "verbose_name_plural",
];

/// Reads one app's migration files (unparsable files are skipped and make
/// the result unreadable).
pub fn read_app_migrations(
    index: &WorkspaceIndex,
    app: &str,
    files: &[FileId],
    auth_user_model: &str,
) -> (Vec<Migration>, bool) {
    use rayon::prelude::*;
    // Each file on its own, in parallel (a project may have hundreds), with a
    // tree of our own: migrations need no module summary, and nothing else
    // in a run reads them.
    let read: Vec<Result<Option<Migration>, ()>> = files
        .par_iter()
        .map(|&f| {
            let entry = index.file(f);
            let stem = entry.path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            if stem == "__init__" || entry.path.extension().is_none_or(|e| e != "py") {
                return Ok(None);
            }
            if entry.decode_error.is_some() {
                return Err(());
            }
            let own;
            let tree = match entry.is_parsed() {
                true => entry.tree().ok_or(())?,
                false => {
                    own = crate::syntax::parse(&entry.text).ok_or(())?;
                    &own
                }
            };
            // A file without `class Migration` is a helper module: skipped.
            Ok(read_migration(
                tree.root_node(),
                &entry.text,
                app,
                stem,
                &entry.path,
                auth_user_model,
            ))
        })
        .collect();
    let mut readable = true;
    let mut out = Vec::new();
    for r in read {
        match r {
            Ok(Some(m)) => {
                readable &= m.readable;
                out.push(m);
            }
            Ok(None) => {}
            Err(()) => readable = false,
        }
    }
    let mut names: Vec<String> = out.iter().map(|m| m.name.clone()).collect();
    names.sort();
    for m in out.iter_mut().filter(|m| m.dependencies_unread) {
        if let Some(previous) = names.iter().take_while(|n| **n < m.name).last() {
            m.dependencies.push((app.to_owned(), previous.clone()));
        }
    }
    (out, readable)
}

fn read_migration(
    root: Node<'_>,
    src: &str,
    app: &str,
    name: &str,
    path: &std::path::Path,
    auth_user_model: &str,
) -> Option<Migration> {
    let class = named_children(root)
        .into_iter()
        .map(syntax::definition_of)
        .find(|n| n.kind() == "class_definition" && field(*n, "name").is_some_and(|x| text(x, src) == "Migration"))?;
    let origin = Origin {
        path: path.to_path_buf(),
        range: field(class, "name")?.byte_range(),
    };
    let mut m = Migration {
        app: app.to_owned(),
        name: name.to_owned(),
        path: path.to_path_buf(),
        origin,
        dependencies: Vec::new(),
        dependencies_unread: false,
        replaces: Vec::new(),
        operations: Vec::new(),
        readable: true,
    };
    let ctx = Ctx {
        src,
        path,
        app,
        auth_user_model,
    };
    for stmt in syntax::body_statements(class) {
        let Some((k, v)) = simple_assignment(stmt) else {
            continue;
        };
        match text(k, src) {
            "dependencies" => {
                let v = ctx.value(v);
                m.dependencies_unread = v.as_list().is_none();
                m.dependencies = keys(&v, auth_user_model);
            }
            "replaces" => m.replaces = keys(&ctx.value(v), auth_user_model),
            "operations" => {
                let Some(v) = literal_list(v, src) else {
                    m.readable = false;
                    continue;
                };
                for op in named_children(v).into_iter().filter(|n| n.kind() != "comment") {
                    match ctx.operation(op) {
                        Some(ops) => m.operations.extend(ops),
                        None => m.readable = false,
                    }
                }
            }
            _ => {}
        }
    }
    Some(m)
}

/// A list or tuple literal, or a name bound to one by a plain assignment in
/// an enclosing block (the `Migration` class body, the module).
fn literal_list<'t>(node: Node<'t>, src: &str) -> Option<Node<'t>> {
    let node = syntax::unparen(node);
    if matches!(node.kind(), "list" | "tuple") {
        return Some(node);
    }
    if node.kind() != "identifier" {
        return None;
    }
    let name = text(node, src);
    let mut scope = node.parent();
    while let Some(s) = scope {
        if matches!(s.kind(), "block" | "module") {
            let bound = named_children(s)
                .into_iter()
                .filter(|stmt| stmt.start_byte() < node.start_byte())
                .filter_map(simple_assignment)
                .rfind(|(k, _)| k.kind() == "identifier" && text(*k, src) == name);
            if let Some((_, value)) = bound {
                let value = syntax::unparen(value);
                return matches!(value.kind(), "list" | "tuple").then_some(value);
            }
        }
        scope = s.parent();
    }
    None
}

/// `[("catalog", "0001_initial"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]`.
fn keys(v: &Value, auth_user_model: &str) -> Vec<MigrationKey> {
    let mut out = Vec::new();
    for item in v.as_list().unwrap_or_default() {
        match item {
            Value::List(pair) if pair.len() == 2 => {
                if let (Some(a), Some(n)) = (pair[0].as_str(), pair[1].as_str()) {
                    out.push((a.to_owned(), n.to_owned()));
                }
            }
            Value::Call { func, .. } if func.ends_with("swappable_dependency") => {
                if let Some(k) = ModelKey::parse(auth_user_model) {
                    out.push((k.app, "__first__".to_owned()));
                }
            }
            _ => {}
        }
    }
    out
}

struct Ctx<'a> {
    src: &'a str,
    path: &'a std::path::Path,
    app: &'a str,
    auth_user_model: &'a str,
}

impl Ctx<'_> {
    fn value(&self, node: Node<'_>) -> Value {
        value::parse(node, self.src, &|_| None)
    }

    fn origin(&self, node: Node<'_>) -> Origin {
        Origin {
            path: self.path.to_path_buf(),
            range: node.byte_range(),
        }
    }

    /// One operation call; `None` if it is not one we understand.
    fn operation(&self, node: Node<'_>) -> Option<Vec<Operation>> {
        if node.kind() != "call" {
            return None;
        }
        let func = syntax::dotted(field(node, "function")?, self.src)?;
        let op = func.rsplit('.').next().unwrap_or(&func);
        let args = field(node, "arguments")?;
        let arg = |i: usize, name: &str| -> Option<Node<'_>> {
            let mut positional = 0;
            for a in named_children(args) {
                match a.kind() {
                    "keyword_argument" => {
                        if field(a, "name").is_some_and(|n| text(n, self.src) == name) {
                            return field(a, "value");
                        }
                    }
                    "comment" => {}
                    _ => {
                        if positional == i {
                            return Some(a);
                        }
                        positional += 1;
                    }
                }
            }
            None
        };
        let string = |i: usize, name: &str| -> Option<String> { self.value(arg(i, name)?).as_str().map(str::to_owned) };
        let one = |o: Operation| Some(vec![o]);
        match op {
            "CreateModel" => {
                let name = string(0, "name")?;
                let mut fields = Vec::new();
                let list = syntax::unparen(arg(1, "fields")?);
                for item in named_children(list).into_iter().filter(|n| n.kind() != "comment") {
                    let item = syntax::unparen(item);
                    let parts: Vec<Node<'_>> = named_children(item)
                        .into_iter()
                        .filter(|n| n.kind() != "comment")
                        .collect();
                    if parts.len() != 2 {
                        return None;
                    }
                    let fname = self.value(parts[0]).as_str()?.to_owned();
                    fields.push(self.field(&fname, parts[1], item)?);
                }
                let options = arg(2, "options").map(|o| dict(&self.value(o))).unwrap_or_default();
                let bases = arg(3, "bases")
                    .map(|b| self.value(b).as_list().unwrap_or_default().to_vec())
                    .unwrap_or_default();
                one(Operation::CreateModel {
                    name,
                    fields,
                    options,
                    bases,
                    origin: self.origin(node),
                })
            }
            "DeleteModel" => one(Operation::DeleteModel {
                name: string(0, "name")?,
            }),
            "RenameModel" => one(Operation::RenameModel {
                old: string(0, "old_name")?,
                new: string(1, "new_name")?,
            }),
            "AlterModelTable" => one(Operation::AlterModelTable {
                name: string(0, "name")?,
                table: self.value(arg(1, "table")?),
            }),
            "AlterModelTableComment" => one(Operation::SetOption {
                name: string(0, "name")?,
                key: "db_table_comment",
                value: self.value(arg(1, "table_comment")?),
            }),
            "AlterModelOptions" => one(Operation::AlterModelOptions {
                name: string(0, "name")?,
                options: dict(&self.value(arg(1, "options")?)),
            }),
            "AlterUniqueTogether" => one(Operation::SetOption {
                name: string(0, "name")?,
                key: "unique_together",
                value: self.value(arg(1, "unique_together")?),
            }),
            "AlterIndexTogether" => one(Operation::SetOption {
                name: string(0, "name")?,
                key: "index_together",
                value: self.value(arg(1, "index_together")?),
            }),
            "AlterOrderWithRespectTo" => one(Operation::SetOption {
                name: string(0, "name")?,
                key: "order_with_respect_to",
                value: self.value(arg(1, "order_with_respect_to")?),
            }),
            "AddField" | "AlterField" => {
                let model = string(0, "model_name")?;
                let fname = string(1, "name")?;
                let mut f = self.field(&fname, arg(2, "field")?, node)?;
                let keep_default = arg(3, "preserve_default").map(|v| self.value(v));
                if matches!(keep_default, Some(Value::Bool(false))) {
                    f.kwargs.remove("default");
                }
                one(if op == "AddField" {
                    Operation::AddField { model, field: f }
                } else {
                    Operation::AlterField { model, field: f }
                })
            }
            "RemoveField" => one(Operation::RemoveField {
                model: string(0, "model_name")?,
                name: string(1, "name")?,
            }),
            "RenameField" => one(Operation::RenameField {
                model: string(0, "model_name")?,
                old: string(1, "old_name")?,
                new: string(2, "new_name")?,
            }),
            "AddIndex" => one(Operation::AddItem {
                model: string(0, "model_name")?,
                key: "indexes",
                item: self.value(arg(1, "index")?),
            }),
            "RemoveIndex" => one(Operation::RemoveItem {
                model: string(0, "model_name")?,
                key: "indexes",
                name: string(1, "name")?,
            }),
            "RenameIndex" => one(Operation::RenameIndex {
                model: string(0, "model_name")?,
                new: string(1, "new_name")?,
                old_name: string(2, "old_name"),
                old_fields: arg(3, "old_fields").map(|v| self.value(v)),
            }),
            "AddConstraint" => one(Operation::AddItem {
                model: string(0, "model_name")?,
                key: "constraints",
                item: self.value(arg(1, "constraint")?),
            }),
            "RemoveConstraint" => one(Operation::RemoveItem {
                model: string(0, "model_name")?,
                key: "constraints",
                name: string(1, "name")?,
            }),
            "AlterConstraint" => {
                let model = string(0, "model_name")?;
                let name = string(1, "name")?;
                let item = self.value(arg(2, "constraint")?);
                Some(vec![
                    Operation::RemoveItem {
                        model: model.clone(),
                        key: "constraints",
                        name,
                    },
                    Operation::AddItem {
                        model,
                        key: "constraints",
                        item,
                    },
                ])
            }
            "SeparateDatabaseAndState" => {
                let Some(list) = arg(1, "state_operations") else {
                    return Some(Vec::new());
                };
                // `state_operations=state_operations`, a list bound in the
                // class body or the module (django-oscar); else unreadable.
                let list = literal_list(list, self.src)?;
                let mut ops = Vec::new();
                for op in named_children(list).into_iter().filter(|n| n.kind() != "comment") {
                    ops.extend(self.operation(op)?);
                }
                Some(ops)
            }
            "RunPython"
            | "RunSQL"
            | "AlterModelManagers"
            | "CreateExtension"
            | "HStoreExtension"
            | "TrigramExtension"
            | "UnaccentExtension"
            | "BtreeGinExtension"
            | "BtreeGistExtension"
            | "CITextExtension"
            | "CryptoExtension"
            | "BloomExtension"
            | "CreateCollation"
            | "RemoveCollation"
            | "AddIndexConcurrently"
            | "RemoveIndexConcurrently"
            | "ValidateConstraint" => match op {
                "AddIndexConcurrently" => one(Operation::AddItem {
                    model: string(0, "model_name")?,
                    key: "indexes",
                    item: self.value(arg(1, "index")?),
                }),
                "RemoveIndexConcurrently" => one(Operation::RemoveItem {
                    model: string(0, "model_name")?,
                    key: "indexes",
                    name: string(1, "name")?,
                }),
                _ => one(Operation::Nothing),
            },
            _ => None,
        }
    }

    /// A field as a migration writes it (`models.CharField(max_length=200)`).
    fn field(&self, name: &str, call: Node<'_>, at: Node<'_>) -> Option<Field> {
        let Value::Call { func, args, kwargs } = self.value(call) else {
            return None;
        };
        let last = func.rsplit('.').next().unwrap_or(&func).to_owned();
        // Django's own field (`models.JSONField`, `django.contrib.…`), not a
        // package's class of the same name (`djstripe.fields.JSONField`).
        let django = func == last || func.starts_with("models.") || func.starts_with("django.");
        let class = (django && DJANGO_FIELDS.contains(&last.as_str())).then(|| last.clone());
        let mut map = BTreeMap::new();
        let names = positional_names(class.as_deref().unwrap_or(""));
        for (i, a) in args.into_iter().enumerate() {
            map.insert(
                names.get(i).map(|n| (*n).to_owned()).unwrap_or_else(|| format!("#{i}")),
                a,
            );
        }
        map.extend(kwargs);
        for key in ["to", "through"] {
            let target = match map.get(key) {
                Some(Value::Name(n)) if n.ends_with("AUTH_USER_MODEL") => ModelKey::parse(self.auth_user_model),
                Some(Value::Str(s)) if s.contains('.') => ModelKey::parse(s),
                Some(Value::Str(s)) => ModelKey::parse(&qualify_bare(&format!("?.{s}"), self.app)),
                _ => None,
            };
            if let Some(t) = target {
                map.insert(key.to_owned(), Value::Str(t.to_string()));
            }
        }
        Some(Field {
            name: name.to_owned(),
            class,
            written_class: func,
            kwargs: map,
            origin: Some(self.origin(at)),
        })
    }
}

/// A dict value with string keys as a map (other keys are dropped).
fn dict(v: &Value) -> BTreeMap<String, Value> {
    match v {
        Value::Dict(pairs) => pairs
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.clone())))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// The migrations in the order `migrate` would apply them, with squashed
/// migrations standing in for the ones they replace (as `makemigrations`
/// sees the graph). Dependencies on apps outside `migrations` are ignored.
pub fn plan(migrations: &[Migration]) -> Vec<&Migration> {
    let present: BTreeSet<MigrationKey> = migrations.iter().map(|m| (m.app.clone(), m.name.clone())).collect();
    // A squash replaces its originals when it is present.
    let mut replaced_by: BTreeMap<MigrationKey, MigrationKey> = BTreeMap::new();
    for m in migrations {
        for r in &m.replaces {
            replaced_by.insert(r.clone(), (m.app.clone(), m.name.clone()));
        }
    }
    let nodes: Vec<&Migration> = migrations
        .iter()
        .filter(|m| !replaced_by.contains_key(&(m.app.clone(), m.name.clone())))
        .collect();
    let first_of = |app: &str| -> Option<MigrationKey> {
        nodes
            .iter()
            .filter(|m| m.app == app)
            .find(|m| !m.dependencies.iter().any(|d| d.0 == app))
            .map(|m| (m.app.clone(), m.name.clone()))
    };
    let resolve = |dep: &MigrationKey| -> Option<MigrationKey> {
        let dep = match dep.1.as_str() {
            "__first__" => first_of(&dep.0)?,
            "__latest__" => return None,
            _ => dep.clone(),
        };
        let dep = replaced_by.get(&dep).cloned().unwrap_or(dep);
        present.contains(&dep).then_some(dep)
    };
    // Kahn's algorithm, ties broken by (app, name) for a stable order.
    let mut deps: BTreeMap<MigrationKey, BTreeSet<MigrationKey>> = BTreeMap::new();
    let by_key: BTreeMap<MigrationKey, &Migration> =
        nodes.iter().map(|m| ((m.app.clone(), m.name.clone()), *m)).collect();
    for m in &nodes {
        let key = (m.app.clone(), m.name.clone());
        let set = m
            .dependencies
            .iter()
            .filter_map(&resolve)
            .filter(|d| *d != key && by_key.contains_key(d))
            .collect();
        deps.insert(key, set);
    }
    let mut out = Vec::new();
    let mut done: BTreeSet<MigrationKey> = BTreeSet::new();
    while done.len() < by_key.len() {
        let next = deps
            .iter()
            .find(|(k, d)| !done.contains(*k) && d.iter().all(|x| done.contains(x)))
            .map(|(k, _)| k.clone());
        let Some(next) = next else {
            // A cycle: apply the rest in name order rather than give up.
            for (k, m) in &by_key {
                if !done.contains(k) {
                    out.push(*m);
                }
            }
            break;
        };
        done.insert(next.clone());
        out.push(by_key[&next]);
    }
    out
}

/// The state after applying `plan` in order.
pub fn replay(plan: &[&Migration]) -> ProjectState {
    let mut state = ProjectState::default();
    for m in plan {
        for op in &m.operations {
            apply(&mut state, &m.app, op);
        }
    }
    state
}

fn apply(state: &mut ProjectState, app: &str, op: &Operation) {
    let key = |name: &str| ModelKey::new(app, name);
    match op {
        Operation::CreateModel {
            name,
            fields,
            options,
            bases,
            origin,
        } => {
            let bases = bases
                .iter()
                .filter_map(|b| b.as_str().and_then(ModelKey::parse))
                .collect();
            state.models.insert(
                key(name),
                ModelState {
                    app_label: app.to_owned(),
                    name: name.clone(),
                    fields: fields.clone(),
                    options: options.clone(),
                    bases,
                    origin: Some(origin.clone()),
                },
            );
        }
        Operation::DeleteModel { name } => {
            state.models.remove(&key(name));
        }
        Operation::RenameModel { old, new } => {
            if let Some(mut m) = state.models.remove(&key(old)) {
                m.name = new.clone();
                state.models.insert(key(new), m);
                let (from, to) = (key(old).to_string(), key(new).to_string());
                for model in state.models.values_mut() {
                    for f in &mut model.fields {
                        for k in ["to", "through"] {
                            if f.kwargs.get(k).and_then(Value::as_str) == Some(from.as_str()) {
                                f.kwargs.insert(k.to_owned(), Value::Str(to.clone()));
                            }
                        }
                    }
                }
            }
        }
        Operation::AlterModelTable { name, table } => {
            if let Some(m) = state.models.get_mut(&key(name)) {
                set_option(&mut m.options, "db_table", table.clone());
            }
        }
        Operation::AlterModelOptions { name, options } => {
            if let Some(m) = state.models.get_mut(&key(name)) {
                for k in ALTER_OPTION_KEYS {
                    if !options.contains_key(*k) {
                        m.options.remove(*k);
                    }
                }
                m.options.extend(options.clone());
            }
        }
        Operation::SetOption {
            name,
            key: option,
            value,
        } => {
            if let Some(m) = state.models.get_mut(&key(name)) {
                set_option(&mut m.options, option, value.clone());
            }
        }
        Operation::AddField { model, field } | Operation::AlterField { model, field } => {
            if let Some(m) = state.models.get_mut(&key(model)) {
                match m.fields.iter_mut().find(|f| f.name == field.name) {
                    Some(f) => *f = field.clone(),
                    None => m.fields.push(field.clone()),
                }
            }
        }
        Operation::RemoveField { model, name } => {
            if let Some(m) = state.models.get_mut(&key(model)) {
                m.fields.retain(|f| &f.name != name);
            }
        }
        Operation::RenameField { model, old, new } => {
            if let Some(m) = state.models.get_mut(&key(model)) {
                for f in &mut m.fields {
                    if &f.name == old {
                        f.name = new.clone();
                    }
                }
                for opt in ["unique_together", "index_together"] {
                    if let Some(v) = m.options.get_mut(opt) {
                        rename_in(v, old, new);
                    }
                }
            }
        }
        Operation::AddItem {
            model,
            key: option,
            item,
        } => {
            if let Some(m) = state.models.get_mut(&key(model)) {
                let list = m
                    .options
                    .entry((*option).to_owned())
                    .or_insert_with(|| Value::List(Vec::new()));
                if let Value::List(items) = list {
                    items.push(item.clone());
                }
            }
        }
        Operation::RemoveItem {
            model,
            key: option,
            name,
        } => {
            if let Some(m) = state.models.get_mut(&key(model)) {
                if let Some(Value::List(items)) = m.options.get_mut(*option) {
                    items.retain(|i| i.call_kwarg("name").and_then(Value::as_str) != Some(name.as_str()));
                }
            }
        }
        Operation::RenameIndex {
            model,
            new,
            old_name,
            old_fields,
        } => {
            if let Some(m) = state.models.get_mut(&key(model)) {
                let list = m
                    .options
                    .entry("indexes".to_owned())
                    .or_insert_with(|| Value::List(Vec::new()));
                let Value::List(items) = list else { return };
                match (old_name, old_fields) {
                    (Some(old), _) => {
                        for i in items.iter_mut() {
                            if i.call_kwarg("name").and_then(Value::as_str) == Some(old.as_str()) {
                                if let Value::Call { kwargs, .. } = i {
                                    for (k, v) in kwargs.iter_mut() {
                                        if k == "name" {
                                            *v = Value::Str(new.clone());
                                        }
                                    }
                                }
                            }
                        }
                    }
                    (None, Some(fields)) => {
                        items.push(Value::Call {
                            func: "models.Index".to_owned(),
                            args: Vec::new(),
                            kwargs: vec![
                                ("fields".to_owned(), fields.clone()),
                                ("name".to_owned(), Value::Str(new.clone())),
                            ],
                        });
                        if let Some(v) = m.options.get_mut("index_together") {
                            if let Some(list) = v.as_list() {
                                let kept: Vec<Value> = list.iter().filter(|x| !x.same(fields)).cloned().collect();
                                *v = Value::Set(kept);
                            }
                        }
                    }
                    (None, None) => {}
                }
            }
        }
        Operation::Nothing => {}
    }
}

fn set_option(options: &mut BTreeMap<String, Value>, key: &str, value: Value) {
    let empty = match &value {
        Value::None => true,
        Value::List(v) | Value::Set(v) => v.is_empty(),
        _ => false,
    };
    if empty {
        options.remove(key);
    } else {
        options.insert(key.to_owned(), value);
    }
}

fn rename_in(v: &mut Value, old: &str, new: &str) {
    match v {
        Value::Str(s) if s == old => *s = new.to_owned(),
        Value::List(items) | Value::Set(items) => items.iter_mut().for_each(|i| rename_in(i, old, new)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::models::tests::load_dir;
    use std::path::Path;

    #[test]
    fn replays_the_shop_migrations() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shop");
        let index = load_dir(&root);
        let files: Vec<FileId> = (0..index.files.len())
            .filter(|&f| index.file(f).path.starts_with(root.join("catalog/migrations")))
            .collect();
        let (migrations, readable) = read_app_migrations(&index, "catalog", &files, "auth.User");
        assert!(readable);
        assert_eq!(migrations.len(), 2);
        let state = replay(&plan(&migrations));
        let order = state.get(&ModelKey::new("catalog", "order")).unwrap();
        assert!(order.field("paid_at").is_some_and(|f| f.null()));
        let customer = state.get(&ModelKey::new("catalog", "customer")).unwrap();
        assert_eq!(
            customer.field("user").unwrap().kwarg("to"),
            Some(&Value::Str("auth.user".into()))
        );
        let cartitem = state.get(&ModelKey::new("catalog", "cartitem")).unwrap();
        assert_eq!(
            cartitem
                .options
                .get("constraints")
                .and_then(Value::as_list)
                .map(<[Value]>::len),
            Some(1)
        );
    }
}
