//! Migration files read and replayed (SPEC §4): each app's
//! `migrations/*.py` parsed into operations, ordered by their dependencies
//! (squashed migrations replace the ones they list, as `makemigrations`
//! sees them), and applied to a [`ProjectState`] the way Django's
//! `state_forwards` does. `RunPython`/`RunSQL` change nothing; an operation
//! class of the project's own is read from its body (`project_ops.rs`);
//! `*[…]` and `*[op for x in CONSTANTS if …]` in `operations` are expanded;
//! an operation we do not know makes the app's replay `uncertain`.

mod fast;
mod project_ops;

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Range;
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
    /// Django's operation on these models (of the migration's app) with
    /// arguments we could not read: their state is unknown from here on.
    Unknown {
        models: Vec<String>,
    },
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

/// Migration files read by the fast reader so far in this process (for
/// the benchmarks' statistics, see `syntax::full_parses`).
static FAST_READS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub fn fast_reads() -> usize {
    FAST_READS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Expressions of migration files the fast reader had tree-sitter parse
/// alone (counted by `syntax::full_parses` too).
pub fn snippet_parses() -> usize {
    fast::snippet_parses()
}

/// Reads one app's migration files (unparsable files are skipped and make
/// the result unreadable).
///
/// A squashed migration stands in for the ones it replaces (that is how
/// `makemigrations` sees the graph), so the squashes are read first and
/// the files they replace only for their name and place (RDJ501/502 still
/// look at them): their operations are never replayed.
pub fn read_app_migrations(
    index: &WorkspaceIndex,
    app: &str,
    files: &[FileId],
    auth_user_model: &str,
) -> (Vec<Migration>, bool) {
    use rayon::prelude::*;
    let (squashes, others): (Vec<FileId>, Vec<FileId>) =
        files.iter().partition(|&&f| index.file(f).text.contains("replaces"));
    let mut read: Vec<Result<Option<Migration>, ()>> = squashes
        .par_iter()
        .map(|&f| {
            let read = read_migration_file(index, f, app, auth_user_model, &BTreeSet::new());
            unfollowed_operations(read, &index.file(f).text)
        })
        .collect();
    let replaced: BTreeSet<String> = read
        .iter()
        .filter_map(|r| r.as_ref().ok()?.as_ref())
        .flat_map(|m| &m.replaces)
        .filter(|(a, _)| a == app)
        .map(|(_, name)| name.clone())
        .collect();
    read.par_extend(others.par_iter().map(|&f| {
        let read = read_migration_file(index, f, app, auth_user_model, &replaced);
        unfollowed_operations(read, &index.file(f).text)
    }));
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
    // In the files' order, as before squashes were read first.
    let rank: BTreeMap<&std::path::Path, usize> = files
        .iter()
        .enumerate()
        .map(|(i, &f)| (index.file(f).path.as_path(), i))
        .collect();
    out.sort_by_key(|m| rank.get(m.path.as_path()).copied());
    (out, readable)
}

/// One migration file (`Ok(None)`: not a migration); `replaced` names the
/// app's migrations a squash stands in for.
fn read_migration_file(
    index: &WorkspaceIndex,
    f: FileId,
    app: &str,
    auth_user_model: &str,
    replaced: &BTreeSet<String>,
) -> Result<Option<Migration>, ()> {
    let entry = index.file(f);
    let stem = entry.path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem == "__init__" || entry.path.extension().is_none_or(|e| e != "py") {
        return Ok(None);
    }
    if entry.decode_error.is_some() {
        return Err(());
    }
    let file = MigrationFile {
        app,
        name: stem,
        path: &entry.path,
        auth_user_model,
        project: Some((index, f)),
    };
    if replaced.contains(stem) {
        if let Ok(class) = fast::class_name(&entry.text) {
            return Ok(class.map(|name| file.replaced(name)));
        }
    }
    // Nothing else in a run reads migration files: the usual one is read
    // by the fast reader (`fast.rs`); the others get a tree-sitter tree of
    // their own (they need no module summary), or the index's if it has one.
    if !entry.is_parsed() {
        if let Some(read) = file.read_fast(&entry.text) {
            FAST_READS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Ok(read);
        }
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
    Ok(file.read_tree(tree.root_node(), &entry.text))
}

/// `operations` also assigned or changed in a block we do not follow
/// (wagtail: `if connection.vendor == "postgresql": operations = […]`,
/// then `operations.append(…)`): what it holds is unknown.
fn unfollowed_operations(read: Result<Option<Migration>, ()>, src: &str) -> Result<Option<Migration>, ()> {
    let statements = src
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("operations"))
        .filter(|rest| {
            let rest = rest.trim_start();
            (rest.starts_with('=') && !rest.starts_with("=="))
                || rest.starts_with("+=")
                || rest.starts_with('.')
                || rest.starts_with('[')
        })
        .count();
    read.map(|m| {
        m.map(|mut m| {
            m.readable &= statements <= 1;
            m
        })
    })
}

/// One migration file being read.
struct MigrationFile<'a> {
    app: &'a str,
    /// The migration's name (the file stem).
    name: &'a str,
    path: &'a std::path::Path,
    auth_user_model: &'a str,
    /// The workspace and the file, to read the operations the project
    /// defines (`None` in tests of the readers alone).
    project: Option<(&'a WorkspaceIndex, FileId)>,
}

impl MigrationFile<'_> {
    /// A migration a squash replaces: its name and place only.
    fn replaced(&self, class_name: Range<usize>) -> Migration {
        self.read::<Ts<'_>>(class_name, std::iter::empty(), &BTreeMap::new())
    }

    /// The fast reader's result; `None` when only tree-sitter's is sure.
    fn read_fast(&self, src: &str) -> Option<Option<Migration>> {
        let Some(class) = fast::read(src).ok()? else {
            return Some(None);
        };
        let unsure = Cell::new(false);
        let assignments = class.assignments.iter().map(|(k, v)| {
            (
                *k,
                Fast {
                    expr: v,
                    unsure: &unsure,
                },
            )
        });
        let m = self.read(class.name, assignments, &BTreeMap::new());
        // An operation it could not read may name a module constant
        // (`model_name=MODEL`), which only the tree's reading resolves.
        (!unsure.get() && m.readable).then_some(Some(m))
    }

    /// Reads a parsed file (`None`: no `class Migration`, a helper module).
    fn read_tree(&self, root: Node<'_>, src: &str) -> Option<Migration> {
        let class = named_children(root).into_iter().map(syntax::definition_of).find(|n| {
            n.kind() == "class_definition" && field(*n, "name").is_some_and(|x| text(x, src) == "Migration")
        })?;
        let name = field(class, "name")?.byte_range();
        let assignments = syntax::body_statements(class)
            .into_iter()
            .filter_map(simple_assignment)
            .map(|(k, v)| (text(k, src), Ts { node: v, src }));
        Some(self.read(name, assignments, &string_constants(root, src)))
    }

    /// The migration from its `class Migration`'s name and the plain
    /// assignments of its body, in order.
    fn read<'s, S: Syntax>(
        &self,
        class_name: Range<usize>,
        assignments: impl Iterator<Item = (&'s str, S)>,
        constants: &BTreeMap<String, String>,
    ) -> Migration {
        let mut m = Migration {
            app: self.app.to_owned(),
            name: self.name.to_owned(),
            path: self.path.to_path_buf(),
            origin: Origin {
                path: self.path.to_path_buf(),
                range: class_name,
            },
            dependencies: Vec::new(),
            dependencies_unread: false,
            replaces: Vec::new(),
            operations: Vec::new(),
            readable: true,
        };
        let ctx = Ctx {
            path: self.path,
            app: self.app,
            auth_user_model: self.auth_user_model,
            project: self.project,
            constants,
            bound: Vec::new(),
        };
        for (k, v) in assignments {
            match k {
                "dependencies" => {
                    let v = v.value();
                    m.dependencies_unread = v.as_list().is_none();
                    m.dependencies = keys(&v, self.auth_user_model);
                }
                "replaces" => m.replaces = keys(&v.value(), self.auth_user_model),
                "operations" => {
                    let Some(v) = v.literal_list() else {
                        m.readable = false;
                        continue;
                    };
                    for op in v.children() {
                        match ctx.operations(op) {
                            Some(ops) => m.operations.extend(ops),
                            None => m.readable = false,
                        }
                    }
                }
                _ => {}
            }
        }
        m
    }
}

/// An expression of a migration file, as either reader has it: the few
/// questions the operation reader asks.
trait Syntax: Copy {
    /// Without redundant parentheses.
    fn unparen(self) -> Self;
    /// A call: its function as a dotted name (`None` if it is not one) and
    /// its arguments, keyword or positional, in order.
    fn call(self) -> Option<(Option<String>, Vec<Arg<Self>>)>;
    /// The items of a list or tuple (the named children, comments aside).
    fn children(self) -> Vec<Self>;
    /// A list or tuple literal, or a name bound to one by a plain
    /// assignment in an enclosing block (the `Migration` class body, the
    /// module).
    fn literal_list(self) -> Option<Self>;
    /// The value, as `value::parse` reads it.
    fn value(self) -> Value;
    /// The value with the names `lookup` knows replaced (a comprehension's
    /// variables).
    fn value_in(self, lookup: &dyn Fn(&str) -> Option<Value>) -> Value;
    fn range(self) -> Range<usize>;
    /// `*x` in a list: `x`.
    fn splat(self) -> Option<Self> {
        None
    }
    /// A list comprehension: its body and clauses.
    fn comprehension(self) -> Option<(Self, Vec<Clause<Self>>)> {
        None
    }
    /// A condition's truth, when it compares literals (and names `lookup`
    /// knows, and names bound to literal lists) only.
    fn truth(self, _lookup: &dyn Fn(&str) -> Option<Value>) -> Option<bool> {
        None
    }
}

/// A clause of a comprehension.
enum Clause<S> {
    /// `for a, b in items`: the target's names (`tuple`: unpacked).
    For {
        names: Vec<String>,
        tuple: bool,
        items: S,
    },
    If(S),
}

enum Arg<S> {
    Keyword(String, Option<S>),
    Positional(S),
}

/// A tree-sitter node.
#[derive(Clone, Copy)]
struct Ts<'t> {
    node: Node<'t>,
    src: &'t str,
}

impl Syntax for Ts<'_> {
    fn unparen(self) -> Self {
        Ts {
            node: syntax::unparen(self.node),
            ..self
        }
    }

    fn call(self) -> Option<(Option<String>, Vec<Arg<Self>>)> {
        if self.node.kind() != "call" {
            return None;
        }
        let func = field(self.node, "function").and_then(|f| syntax::dotted(f, self.src));
        let mut args = Vec::new();
        for a in field(self.node, "arguments").map(named_children).unwrap_or_default() {
            let at = |node| Ts { node, src: self.src };
            match a.kind() {
                "keyword_argument" => args.push(Arg::Keyword(
                    field(a, "name")
                        .map(|n| text(n, self.src).to_owned())
                        .unwrap_or_default(),
                    field(a, "value").map(at),
                )),
                "comment" => {}
                _ => args.push(Arg::Positional(at(a))),
            }
        }
        Some((func, args))
    }

    fn children(self) -> Vec<Self> {
        named_children(self.node)
            .into_iter()
            .filter(|n| n.kind() != "comment")
            .map(|node| Ts { node, src: self.src })
            .collect()
    }

    fn literal_list(self) -> Option<Self> {
        literal_list(self.node, self.src).map(|node| Ts { node, src: self.src })
    }

    fn value(self) -> Value {
        value::parse(self.node, self.src, &|_| None)
    }

    fn value_in(self, lookup: &dyn Fn(&str) -> Option<Value>) -> Value {
        value::parse(self.node, self.src, lookup)
    }

    fn range(self) -> Range<usize> {
        self.node.byte_range()
    }

    fn splat(self) -> Option<Self> {
        let node = syntax::unparen(self.node);
        if node.kind() != "list_splat" {
            return None;
        }
        let inner = named_children(node).into_iter().find(|n| n.kind() != "comment")?;
        Some(Ts { node: inner, ..self })
    }

    fn comprehension(self) -> Option<(Self, Vec<Clause<Self>>)> {
        let node = syntax::unparen(self.node);
        if node.kind() != "list_comprehension" {
            return None;
        }
        let at = |node| Ts { node, src: self.src };
        let body = field(node, "body")?;
        let mut clauses = Vec::new();
        for c in named_children(node) {
            match c.kind() {
                "for_in_clause" => {
                    // `async for`, or several iterables: not read.
                    if c.child(0).is_some_and(|t| t.kind() == "async") {
                        return None;
                    }
                    let mut cursor = c.walk();
                    let mut right = c.children_by_field_name("right", &mut cursor).filter(|n| n.is_named());
                    let items = right.next()?;
                    if right.next().is_some() {
                        return None;
                    }
                    let left = field(c, "left")?;
                    let (targets, tuple) = match left.kind() {
                        "identifier" => (vec![left], false),
                        "pattern_list" | "tuple_pattern" => (named_children(left), true),
                        _ => return None,
                    };
                    let names = targets
                        .iter()
                        .map(|t| (t.kind() == "identifier").then(|| text(*t, self.src).to_owned()))
                        .collect::<Option<Vec<_>>>()?;
                    clauses.push(Clause::For {
                        names,
                        tuple,
                        items: at(items),
                    });
                }
                "if_clause" => clauses.push(Clause::If(at(named_children(c).into_iter().next()?))),
                "comment" => {}
                _ if c == body => {}
                _ => return None,
            }
        }
        Some((at(body), clauses))
    }

    fn truth(self, lookup: &dyn Fn(&str) -> Option<Value>) -> Option<bool> {
        truth(self.node, self.src, lookup)
    }
}

/// A condition's truth (see [`Syntax::truth`]).
fn truth(node: Node<'_>, src: &str, lookup: &dyn Fn(&str) -> Option<Value>) -> Option<bool> {
    let node = syntax::unparen(node);
    match node.kind() {
        "true" => Some(true),
        "false" => Some(false),
        "not_operator" => truth(field(node, "argument")?, src, lookup).map(|b| !b),
        "boolean_operator" => {
            let left = truth(field(node, "left")?, src, lookup);
            let right = || truth(field(node, "right")?, src, lookup);
            match (field(node, "operator")?.kind(), left) {
                ("and", Some(false)) => Some(false),
                ("or", Some(true)) => Some(true),
                (_, Some(_)) => right(),
                _ => None,
            }
        }
        "comparison_operator" => {
            let operands: Vec<Node<'_>> = named_children(node)
                .into_iter()
                .filter(|n| n.kind() != "comment")
                .collect();
            let mut cursor = node.walk();
            let mut ops = node.children_by_field_name("operators", &mut cursor);
            let op = ops.next()?;
            if ops.next().is_some() || operands.len() != 2 {
                return None; // a chained comparison
            }
            let operand = |n: Node<'_>| {
                let v = value::parse(n, src, lookup);
                match (&v, literal_list(n, src)) {
                    // A module-level name bound to a tuple (`t in SORT_TABLES`).
                    (Value::Name(_), Some(list)) => value::parse(list, src, lookup),
                    _ => v,
                }
            };
            let (a, b) = (operand(operands[0]), operand(operands[1]));
            let plain = |v: &Value| matches!(v, Value::Str(_) | Value::Int(_) | Value::Bool(_) | Value::None);
            let within = |a: &Value, b: &Value| match b {
                Value::List(items) | Value::Set(items) if plain(a) && items.iter().all(plain) => {
                    Some(items.contains(a))
                }
                _ => None,
            };
            let equal = || (plain(&a) && plain(&b)).then(|| a == b);
            match text(op, src).split_whitespace().collect::<Vec<_>>().as_slice() {
                ["=="] => equal(),
                ["!="] => equal().map(|e| !e),
                ["in"] => within(&a, &b),
                ["not", "in"] => within(&a, &b).map(|e| !e),
                _ => None,
            }
        }
        _ => None,
    }
}

/// An expression of the fast reader. What it cannot answer as tree-sitter
/// would (a name bound elsewhere, the children of a call) marks the read
/// `unsure`, and the file is read again with tree-sitter.
#[derive(Clone, Copy)]
struct Fast<'a> {
    expr: &'a fast::Expr,
    unsure: &'a Cell<bool>,
}

impl Syntax for Fast<'_> {
    fn unparen(self) -> Self {
        self
    }

    fn call(self) -> Option<(Option<String>, Vec<Arg<Self>>)> {
        let fast::Kind::Call { func, args } = &self.expr.kind else {
            return None;
        };
        let at = |expr| Fast { expr, ..self };
        let args = args
            .iter()
            .map(|(k, v)| match k {
                Some(k) => Arg::Keyword(k.clone(), Some(at(v))),
                None => Arg::Positional(at(v)),
            })
            .collect();
        Some((Some(func.clone()), args))
    }

    fn children(self) -> Vec<Self> {
        match &self.expr.kind {
            fast::Kind::Seq { items, set: false } => items.iter().map(|expr| Fast { expr, ..self }).collect(),
            _ => {
                self.unsure.set(true);
                Vec::new()
            }
        }
    }

    fn literal_list(self) -> Option<Self> {
        match &self.expr.kind {
            fast::Kind::Seq { set: false, .. } => Some(self),
            _ => {
                self.unsure.set(true);
                None
            }
        }
    }

    fn value(self) -> Value {
        self.expr.value()
    }

    fn value_in(self, _lookup: &dyn Fn(&str) -> Option<Value>) -> Value {
        // The fast reader reads no comprehension: nothing is ever bound.
        self.expr.value()
    }

    fn range(self) -> Range<usize> {
        self.expr.range.clone()
    }
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

/// A module's names bound once, at its top level, to a string literal
/// (and nowhere else in the module's statements at that level).
fn string_constants(root: Node<'_>, src: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for stmt in named_children(root) {
        let Some((k, v)) = simple_assignment(stmt) else {
            continue;
        };
        if k.kind() != "identifier" {
            continue;
        }
        let name = text(k, src).to_owned();
        if !seen.insert(name.clone()) {
            out.remove(&name);
            continue;
        }
        if let Value::Str(s) = value::parse(v, src, &|_| None) {
            out.insert(name, s);
        }
    }
    // Bound again in a block (`if …: MODEL = …`): not a constant.
    out.retain(|name, _| assignments_to(src, name) == 1);
    out
}

/// How many times `name =` (not `==`) occurs in `src` as a whole word.
fn assignments_to(src: &str, name: &str) -> usize {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    src.match_indices(name)
        .filter(|(at, _)| {
            let before = src[..*at].chars().next_back();
            let after = src[at + name.len()..].trim_start_matches([' ', '\t']);
            !before.is_some_and(word) && after.starts_with('=') && !after.starts_with("==")
        })
        .count()
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

#[derive(Clone)]
struct Ctx<'a> {
    path: &'a std::path::Path,
    app: &'a str,
    auth_user_model: &'a str,
    project: Option<(&'a WorkspaceIndex, FileId)>,
    /// The module's string constants (`MODEL = 'wirelesslangroup'`), for
    /// the names of models and fields.
    constants: &'a BTreeMap<String, String>,
    /// The variables of the comprehensions being expanded, innermost last.
    bound: Vec<(String, Value)>,
}

/// Items a comprehension may produce at most (a bound on the work one
/// expression can ask for).
const MAX_EXPANDED: usize = 10_000;

impl Ctx<'_> {
    fn origin(&self, range: Range<usize>) -> Origin {
        Origin {
            path: self.path.to_path_buf(),
            range,
        }
    }

    /// An expression's value, with the comprehension variables in scope
    /// (an attribute of one, `m.name`, is opaque).
    fn value<S: Syntax>(&self, node: S) -> Value {
        if self.bound.is_empty() {
            return node.value();
        }
        node.value_in(&|name| self.lookup(name))
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        self.bound.iter().rev().find_map(|(k, v)| {
            if name == k {
                Some(v.clone())
            } else {
                name.strip_prefix(k.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
                    .then(|| Value::Opaque(name.to_owned()))
            }
        })
    }

    /// One item of an operations list: an operation, or `*[…]` / `*(…)` /
    /// `*[op for x in ITEMS if …]` spliced in; `None` if we cannot tell
    /// what it holds.
    fn operations<S: Syntax>(&self, item: S) -> Option<Vec<Operation>> {
        let Some(inner) = item.splat() else {
            return self.operation(item);
        };
        if let Some(list) = inner.literal_list() {
            let mut ops = Vec::new();
            for op in list.children() {
                ops.extend(self.operations(op)?);
            }
            return Some(ops);
        }
        let (body, clauses) = inner.comprehension()?;
        let mut ops = Vec::new();
        let mut budget = MAX_EXPANDED;
        self.expand(body, &clauses, &mut ops, &mut budget)?;
        Some(ops)
    }

    /// The operations a comprehension's `body` gives for each binding of
    /// `clauses` (in order, as Python runs them).
    fn expand<S: Syntax>(
        &self,
        body: S,
        clauses: &[Clause<S>],
        out: &mut Vec<Operation>,
        budget: &mut usize,
    ) -> Option<()> {
        let Some((first, rest)) = clauses.split_first() else {
            *budget = budget.checked_sub(1)?;
            out.extend(self.operation(body)?);
            return Some(());
        };
        match first {
            Clause::If(condition) => {
                if condition.truth(&|name| self.lookup(name))? {
                    self.expand(body, rest, out, budget)?;
                }
            }
            Clause::For { names, tuple, items } => {
                let values: Vec<Value> = match items.literal_list() {
                    Some(list) => list.children().into_iter().map(|i| self.value(i)).collect(),
                    None => match self.value(*items) {
                        Value::List(v) => v,
                        _ => return None,
                    },
                };
                for v in values {
                    let mut inner = self.clone();
                    match (tuple, v) {
                        (false, v) => inner.bound.push((names[0].clone(), v)),
                        (true, Value::List(parts)) if parts.len() == names.len() => {
                            inner.bound.extend(names.iter().cloned().zip(parts));
                        }
                        _ => return None,
                    }
                    inner.expand(body, rest, out, budget)?;
                }
            }
        }
        Some(())
    }

    /// One operation call; `None` if it is not one we understand.
    fn operation<S: Syntax>(&self, node: S) -> Option<Vec<Operation>> {
        let (func, args) = node.call()?;
        let func = func?;
        let op = func.rsplit('.').next().unwrap_or(&func);
        if let Some(ops) = self.django_operation(op, &args, node) {
            return Some(ops);
        }
        // A class of the project's (or a name the migration imports from it).
        let (index, file) = self.project?;
        match project_ops::resolve(index, file, &func)? {
            project_ops::ProjectOperation::NoStateChange => Some(vec![Operation::Nothing]),
            project_ops::ProjectOperation::Like(op) => self.django_operation(op, &args, node),
        }
    }

    /// Django's operation `op` (its class's name) called with `args`;
    /// `None` if it is not one or we cannot read its arguments.
    fn django_operation<S: Syntax>(&self, op: &str, args: &[Arg<S>], node: S) -> Option<Vec<Operation>> {
        self.django_operation_read(op, args, node)
            .or_else(|| self.models_touched(op, args))
    }

    /// Django's operation `op` whose arguments we could not all read (a
    /// field built by a helper, a computed list): the models it changes,
    /// when their names are readable, are all it may touch.
    fn models_touched<S: Syntax>(&self, op: &str, args: &[Arg<S>]) -> Option<Vec<Operation>> {
        let string = |i, name| self.string(argument(args, i, name)?);
        let models = match op {
            "RenameModel" => vec![string(0, "old_name")?, string(1, "new_name")?],
            "CreateModel"
            | "DeleteModel"
            | "AlterModelTable"
            | "AlterModelTableComment"
            | "AlterModelOptions"
            | "AlterUniqueTogether"
            | "AlterIndexTogether"
            | "AlterOrderWithRespectTo" => vec![string(0, "name")?],
            "AddField"
            | "AlterField"
            | "RemoveField"
            | "RenameField"
            | "AddIndex"
            | "RemoveIndex"
            | "RenameIndex"
            | "AddConstraint"
            | "RemoveConstraint"
            | "AlterConstraint"
            | "AddIndexConcurrently"
            | "RemoveIndexConcurrently" => vec![string(0, "model_name")?],
            _ => return None,
        };
        Some(vec![Operation::Unknown { models }])
    }

    /// A model's or field's name: a string, or a module constant bound to one.
    fn string<S: Syntax>(&self, node: S) -> Option<String> {
        match self.value(node) {
            Value::Str(s) => Some(s),
            Value::Name(n) => self.constants.get(&n).cloned(),
            _ => None,
        }
    }

    fn django_operation_read<S: Syntax>(&self, op: &str, args: &[Arg<S>], node: S) -> Option<Vec<Operation>> {
        let arg = |i: usize, name: &str| argument(args, i, name);
        let string = |i: usize, name: &str| self.string(arg(i, name)?);
        let one = |o: Operation| Some(vec![o]);
        match op {
            "CreateModel" => {
                let name = string(0, "name")?;
                let mut fields = Vec::new();
                let list = arg(1, "fields")?.unparen();
                for item in list.children() {
                    let item = item.unparen();
                    let parts = item.children();
                    if parts.len() != 2 {
                        return None;
                    }
                    let fname = self.value(parts[0]).as_str()?.to_owned();
                    fields.push(self.field(&fname, parts[1], item.range())?);
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
                    origin: self.origin(node.range()),
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
                let mut f = self.field(&fname, arg(2, "field")?, node.range())?;
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
                let list = list.literal_list()?;
                let mut ops = Vec::new();
                for op in list.children() {
                    ops.extend(self.operations(op)?);
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
    fn field<S: Syntax>(&self, name: &str, call: S, at: Range<usize>) -> Option<Field> {
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
            opaque: false,
        })
    }
}

/// A call's argument: keyword `name`, else the `i`th positional one.
fn argument<S: Syntax>(args: &[Arg<S>], i: usize, name: &str) -> Option<S> {
    let mut positional = 0;
    for a in args {
        match a {
            Arg::Keyword(k, v) => {
                if k == name {
                    return *v;
                }
            }
            Arg::Positional(a) => {
                if positional == i {
                    return Some(*a);
                }
                positional += 1;
            }
        }
    }
    None
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
///
/// Of the migrations whose dependencies are all applied, the first by
/// (app, name) comes next (a stable order); a cycle applies the rest in
/// that order. Linear in the graph's size, up to the ordered sets: a large
/// application has well over a thousand migrations.
pub fn plan<'m>(migrations: &'m [Migration]) -> Vec<&'m Migration> {
    type Key<'m> = (&'m str, &'m str);
    fn key_of(m: &Migration) -> Key<'_> {
        (m.app.as_str(), m.name.as_str())
    }
    let present: HashSet<Key<'_>> = migrations.iter().map(key_of).collect();
    // A squash replaces its originals when it is present (the last one
    // naming a migration wins).
    let mut replaced_by: HashMap<Key<'_>, Key<'_>> = HashMap::new();
    for m in migrations {
        for (app, name) in &m.replaces {
            replaced_by.insert((app.as_str(), name.as_str()), key_of(m));
        }
    }
    let nodes: Vec<&Migration> = migrations
        .iter()
        .filter(|m| !replaced_by.contains_key(&key_of(m)))
        .collect();
    // An app's `__first__`: its first migration without a dependency in the app.
    let mut first_of: HashMap<&str, Key<'_>> = HashMap::new();
    for m in &nodes {
        if !m.dependencies.iter().any(|d| d.0 == m.app) {
            first_of.entry(m.app.as_str()).or_insert(key_of(m));
        }
    }
    let resolve = |(app, name): &'m MigrationKey| -> Option<Key<'m>> {
        let dep = match name.as_str() {
            "__first__" => *first_of.get(app.as_str())?,
            "__latest__" => return None,
            _ => (app.as_str(), name.as_str()),
        };
        let dep = replaced_by.get(&dep).copied().unwrap_or(dep);
        present.contains(&dep).then_some(dep)
    };
    // Kahn's algorithm over the nodes numbered in (app, name) order, so
    // the smallest ready number is the next migration.
    let by_key: BTreeMap<Key<'_>, &Migration> = nodes.iter().map(|m| (key_of(m), *m)).collect();
    let number: HashMap<Key<'_>, usize> = by_key.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let ordered: Vec<&Migration> = by_key.values().copied().collect();
    let mut waiting_on = vec![0usize; ordered.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); ordered.len()];
    for (i, m) in ordered.iter().enumerate() {
        let deps: BTreeSet<usize> = m
            .dependencies
            .iter()
            .filter_map(&resolve)
            .filter_map(|d| number.get(&d).copied())
            .filter(|&d| d != i)
            .collect();
        waiting_on[i] = deps.len();
        for d in deps {
            dependents[d].push(i);
        }
    }
    let mut ready: BTreeSet<usize> = (0..ordered.len()).filter(|&i| waiting_on[i] == 0).collect();
    let mut done = vec![false; ordered.len()];
    let mut out = Vec::with_capacity(ordered.len());
    while let Some(next) = ready.pop_first() {
        done[next] = true;
        out.push(ordered[next]);
        for &d in &dependents[next] {
            waiting_on[d] -= 1;
            if waiting_on[d] == 0 {
                ready.insert(d);
            }
        }
    }
    // A cycle: apply the rest in name order rather than give up.
    out.extend(ordered.iter().zip(&done).filter(|(_, &d)| !d).map(|(m, _)| *m));
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
            if state.uncertain.contains(&key(old)) {
                state.uncertain.insert(key(new));
            }
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
        Operation::Unknown { models } => {
            for m in models {
                state.uncertain.insert(key(m));
            }
        }
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

#[cfg(test)]
mod squash_tests {
    use super::*;
    use crate::schema::models::tests::load_dir;

    #[test]
    fn a_squash_stands_in_for_the_files_it_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let mig = dir.path().join("things/migrations");
        std::fs::create_dir_all(&mig).unwrap();
        std::fs::write(mig.join("__init__.py"), "").unwrap();
        // The originals: one the readers cannot follow (a computed list).
        std::fs::write(
            mig.join("0001_initial.py"),
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [migrations.CreateModel('Thing', [('id', models.AutoField(primary_key=True))])]\n",
        )
        .unwrap();
        std::fs::write(
            mig.join("0002_more.py"),
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('things', '0001_initial')]\n    operations = make_operations()\n",
        )
        .unwrap();
        std::fs::write(
            mig.join("0001_squashed_0002_more.py"),
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    replaces = [('things', '0001_initial'), ('things', '0002_more')]\n    operations = [migrations.CreateModel('Thing', [('id', models.AutoField(primary_key=True)), ('size', models.IntegerField())])]\n",
        )
        .unwrap();
        let index = load_dir(dir.path());
        let files: Vec<FileId> = (0..index.files.len()).collect();
        let (migrations, readable) = read_app_migrations(&index, "things", &files, "auth.User");
        assert!(readable, "{migrations:#?}");
        assert_eq!(migrations.len(), 3);
        // The replaced ones keep their name and place, not their operations.
        let second = migrations.iter().find(|m| m.name == "0002_more").unwrap();
        assert!(second.operations.is_empty() && second.dependencies.is_empty());
        let text = std::fs::read_to_string(&second.path).unwrap();
        assert_eq!(&text[second.origin.range.clone()], "Migration");
        let state = replay(&plan(&migrations));
        let thing = state.get(&ModelKey::new("things", "thing")).unwrap();
        assert!(thing.field("size").is_some());
    }
}

#[cfg(test)]
mod plan_tests {
    use super::*;

    fn migration(app: &str, name: &str, dependencies: &[(&str, &str)], replaces: &[(&str, &str)]) -> Migration {
        let keys = |pairs: &[(&str, &str)]| -> Vec<MigrationKey> {
            pairs.iter().map(|(a, n)| ((*a).to_owned(), (*n).to_owned())).collect()
        };
        let path = PathBuf::from(format!("{app}/migrations/{name}.py"));
        Migration {
            app: app.to_owned(),
            name: name.to_owned(),
            origin: Origin {
                path: path.clone(),
                range: 0..0,
            },
            path,
            dependencies: keys(dependencies),
            dependencies_unread: false,
            replaces: keys(replaces),
            operations: Vec::new(),
            readable: true,
        }
    }

    #[test]
    fn the_first_ready_migration_by_app_and_name_comes_next() {
        let migrations = [
            migration("c", "0001", &[("c", "0002")], &[]),
            migration("c", "0002", &[("c", "0001")], &[]),
            migration("c", "0003", &[("c", "0001")], &[]),
            migration("b", "0003", &[("b", "0002"), ("a", "__latest__")], &[]),
            migration("a", "0003", &[("a", "0002"), ("b", "0002")], &[]),
            migration("a", "0002", &[("a", "0001"), ("auth", "0001_initial")], &[]),
            migration("a", "0001", &[("b", "__first__")], &[]),
            migration("b", "0002", &[("b", "0001")], &[]),
            migration("b", "0001", &[], &[]),
            migration("b", "0001_squashed_0002", &[], &[("b", "0001"), ("b", "0002")]),
        ];
        let order: Vec<String> = plan(&migrations)
            .iter()
            .map(|m| format!("{}.{}", m.app, m.name))
            .collect();
        // The squash stands in for what it replaces (also as `__first__`
        // and as a dependency); a dependency outside the migrations or on
        // `__latest__` is none; the cycle of `c` comes last, in name order.
        assert_eq!(
            order,
            [
                "b.0001_squashed_0002",
                "a.0001",
                "a.0002",
                "a.0003",
                "b.0003",
                "c.0001",
                "c.0002",
                "c.0003",
            ]
        );
    }
}

/// The fast reader against tree-sitter's: wherever the fast reader is
/// sure, both give the same migration (operations, values, ranges).
#[cfg(test)]
mod fast_reader_tests {
    use super::*;
    use std::path::Path;

    fn file(path: &Path) -> MigrationFile<'_> {
        MigrationFile {
            app: "things",
            name: "0001_initial",
            path,
            auth_user_model: "auth.User",
            project: None,
        }
    }

    /// The fast reader's result (`None`: unsure) and tree-sitter's, both
    /// as debug text.
    fn both(src: &str) -> (Option<String>, String) {
        let path = Path::new("things/migrations/0001_initial.py");
        let fast = file(path).read_fast(src).map(|m| format!("{m:#?}"));
        let tree = crate::syntax::parse(src).expect("parses");
        let slow = format!("{:#?}", file(path).read_tree(tree.root_node(), src));
        (fast, slow)
    }

    /// Both readers agree, and the fast one was sure.
    fn fast_and_same(src: &str) {
        let (fast, slow) = both(src);
        assert_eq!(fast.as_deref(), Some(slow.as_str()), "{src}");
    }

    /// The fast reader leaves it to tree-sitter.
    fn unsure(src: &str) {
        assert_eq!(both(src).0, None, "{src}");
    }

    fn migration(ops: &str) -> String {
        format!("from django.db import migrations, models\nimport django.db.models.deletion\n\n\nclass Migration(migrations.Migration):\n\n    initial = True\n\n    dependencies = [\n        ('auth', '0012_alter_user_first_name_max_length'),\n        migrations.swappable_dependency(settings.AUTH_USER_MODEL),\n    ]\n\n    operations = [\n{ops}\n    ]\n")
    }

    #[test]
    fn what_makemigrations_writes_is_read_fast_and_the_same() {
        fast_and_same(&migration(
            "        migrations.CreateModel(\n            name='Thing',\n            fields=[\n                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),\n                ('price', models.DecimalField(decimal_places=2, default=-1.5, max_digits=10)),\n                ('size', models.IntegerField(default=-3, choices=[(1, 'One'), (2, \"Two\")])),\n                ('ratio', models.FloatField(default=1e-05)),\n                ('mask', models.IntegerField(default=0x1F)),\n                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),\n                ('tags', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=10), blank=True, default=list, size=None)),\n            ],\n            options={\n                'ordering': ('name',),\n                'unique_together': {('a', 'b'), ('c', 'd')},\n                'abstract': False,\n            },\n            bases=(models.Model, 'things.base'),\n        ),\n        migrations.AddField(model_name='thing', name='note', field=models.TextField(blank=True, help_text='a long ' 'text', default=u'x'), preserve_default=False),\n        migrations.AddIndex(\n            model_name='thing',\n            index=models.Index(fields=['-price'], name='thing_price_idx'),  # a comment\n        ),\n        migrations.RunPython(code=forwards, reverse_code=migrations.RunPython.noop),\n        migrations.AlterModelOptions(name='thing', options={}),\n        migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField('thing', 'note')]),",
        ));
    }

    #[test]
    fn calls_value_parse_rewrites_are_read_by_it() {
        // Translation wrappers, `Q`, `timedelta`, `set()`: `value::parse`
        // reads them from a tree of the call alone.
        fast_and_same(&migration(
            "        migrations.AlterField('t', 'f', models.CharField(verbose_name=_('name'), help_text=django.utils.translation.gettext_lazy(\n            'multi'\n            ' line'  # a comment\n        ))),\n        migrations.AddConstraint('t', models.CheckConstraint(check=models.Q(('a', 1), models.Q(b=2, _negated=True), _connector='OR'), name='c')),\n        migrations.AlterField('t', 'f', models.DurationField(default=datetime.timedelta(hours=1))),\n        migrations.AlterUniqueTogether('t', set([('a', 'b')])),\n        migrations.AlterUniqueTogether('u', set()),\n        migrations.AlterIndexTogether('u', tuple()),",
        ));
        let (fast, _) = both(&migration("        migrations.AlterUniqueTogether('u', set()),"));
        assert!(fast.is_some_and(|m| !m.contains("Call")), "set() is an empty set");
    }

    #[test]
    fn helper_code_and_odd_layouts_around_the_class() {
        // Helper functions (with strings that look like code), a decorated
        // class, comments, a docstring, a method in the class body.
        let src = "\"\"\"\nclass Migration:\n    operations = [migrations.DeleteModel('Fake')]\n\"\"\"\nfrom django.db import migrations\n\n\ndef forwards(apps, schema_editor):\n    Thing = apps.get_model('things', 'Thing')\n    for t in Thing.objects.filter(name__in=['a', \"b\"]):  # ]\n        t.save()\n\n\n@decorate(\n    1,\n)\nclass Migration(migrations.Migration):  # the migration\n    '''Docs.'''\n\n    atomic = False\n# a comment at column 0 does not end the class\n    dependencies = [('things', '0001_initial')]\n\n    def describe(self):\n        return 'x = 1; operations = []'\n\n    operations = [\n        migrations.RunPython(forwards),\n        migrations.DeleteModel(\n            name = 'Old'\n        ),\n    ]\n\n\nclass Other:\n    operations = [migrations.DeleteModel('Fake')]\n";
        fast_and_same(src);
        assert!(both(src).1.contains("Old") && !both(src).1.contains("Fake"));
        // No `class Migration`: a helper module, for both.
        fast_and_same("from django.db import migrations\n\nOPS = []\n");
        fast_and_same("class Migration_old(object):\n    operations = []\n");
        fast_and_same(&migration(
            "        migrations.DeleteModel('A'), migrations.DeleteModel(name=\"B\",),",
        ));
        fast_and_same(&migration(""));
        fast_and_same("class Migration(migrations.Migration):\n    operations = ()\n    replaces = [('things', '0001_a'), ('things', '0002_b')]\n");
    }

    #[test]
    fn what_only_tree_sitter_reads_exactly_is_left_to_it() {
        for src in [
            // Escapes, CRs, an aliased timedelta.
            migration(
                "        migrations.AlterField('t', 'f', models.CharField(validators=[RegexValidator('^\\\\d+$')])),",
            ),
            migration("        migrations.DeleteModel('A'),").replace('\n', "\r\n"),
            format!("from datetime import timedelta as td\n{}", migration("")),
            // A call `value::parse` evaluates, with what it cannot read.
            migration("        migrations.AlterUniqueTogether('t', set([x for x in y])),"),
            // Expressions it does not read.
            migration("        migrations.AlterField('t', 'f', models.IntegerField(default=1 + 2)),"),
            migration("        migrations.AlterField('t', 'f', models.CharField(default=f'{x}')),"),
            migration("        migrations.AlterField('t', 'f', models.CharField(default=b'x')),"),
            migration("        migrations.AlterField('t', 'f', models.CharField(**kwargs)),"),
            migration("        migrations.AlterField('t', 'f', models.CharField(default=X[0])),"),
            migration("        migrations.AlterField('t', 'f', models.CharField(default=lambda: 1)),"),
            migration("        migrations.AlterField('t', 'f', models.CharField(default=make().x)),"),
            migration("        (migrations.DeleteModel('A')),"),
            migration("        *OTHER,"),
            // Operations bound to a name; a statement hidden after `;`.
            "OPS = [migrations.DeleteModel('A')]\nclass Migration(migrations.Migration):\n    operations = OPS\n"
                .to_owned(),
            "class Migration(migrations.Migration):\n    initial = True; operations = [migrations.DeleteModel('A')]\n"
                .to_owned(),
            "class Migration(migrations.Migration):\n    operations: list = []\n".to_owned(),
            "class Migration(migrations.Migration):\n\toperations = []\n".to_owned(),
            "class Migration(migrations.Migration): operations = []\n".to_owned(),
        ] {
            unsure(&src);
        }
    }

    /// Every migration file of the bundled projects, and of the released
    /// applications when `RDJ_REAL_APPLICATIONS` names their folder: where
    /// the fast reader is sure, it agrees with tree-sitter.
    #[test]
    fn agrees_with_tree_sitter_on_real_migration_files() {
        let mut roots = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
        if let Some(dir) = std::env::var_os("RDJ_REAL_APPLICATIONS") {
            roots.push(dir.into());
        }
        let (mut fast, mut total) = (0, 0);
        for root in roots {
            for entry in walkdir(&root) {
                let in_migrations = entry
                    .parent()
                    .and_then(|p| p.file_name())
                    .is_some_and(|n| n == "migrations");
                if !in_migrations || entry.extension().is_none_or(|e| e != "py") {
                    continue;
                }
                let Ok(src) = std::fs::read_to_string(&entry) else {
                    continue;
                };
                let Some(tree) = crate::syntax::parse(&src) else {
                    continue;
                };
                total += 1;
                let slow = format!("{:#?}", file(&entry).read_tree(tree.root_node(), &src));
                if let Some(m) = file(&entry).read_fast(&src) {
                    fast += 1;
                    assert_eq!(format!("{m:#?}"), slow, "{}", entry.display());
                }
            }
        }
        eprintln!("{fast} of {total} migration files read by the fast reader");
        assert!(total >= 20 && fast * 10 >= total * 9, "{fast} of {total}");
    }

    fn walkdir(root: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(read) = std::fs::read_dir(&dir) else { continue };
            for e in read.flatten() {
                let p = e.path();
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
        out
    }
}

/// What NetBox's migrations write: operations the project defines, lists
/// spliced in with `*`, comprehensions over module constants.
#[cfg(test)]
mod project_operation_tests {
    use super::*;
    use crate::schema::models::tests::load_dir;

    const OPS: &str = "from django.db import migrations\n\n\nclass InstallTrigger(migrations.operations.base.Operation):\n    reversible = True\n\n    def __init__(self, table):\n        self.table = table\n\n    def state_forwards(self, app_label, state):\n        # Triggers are not part of the state.\n        pass\n\n    def database_forwards(self, app_label, schema_editor, from_state, to_state):\n        schema_editor.execute('CREATE TRIGGER …')\n\n\nclass ReinstallTrigger(InstallTrigger):\n    def database_backwards(self, app_label, schema_editor, from_state, to_state):\n        pass\n\n\nclass DeleteModelIfExists(migrations.DeleteModel):\n    def database_forwards(self, app_label, schema_editor, from_state, to_state):\n        pass\n\n\nclass RenamedAddField(migrations.AddField):\n    def __init__(self, model, name, field):\n        super().__init__(model, name, field)\n\n\nclass Changes(migrations.operations.base.Operation):\n    def state_forwards(self, app_label, state):\n        state.remove_model(app_label, 'thing')\n";

    /// The app `things` with `0001_initial` creating `Thing` and `Other`
    /// and `0002` holding `operations`; its migrations and readability.
    fn read(second: &str) -> (Vec<Migration>, bool) {
        let dir = tempfile::tempdir().unwrap();
        let mig = dir.path().join("things/migrations");
        std::fs::create_dir_all(&mig).unwrap();
        std::fs::write(dir.path().join("things/__init__.py"), "").unwrap();
        std::fs::write(dir.path().join("things/ops.py"), OPS).unwrap();
        std::fs::write(mig.join("__init__.py"), "").unwrap();
        std::fs::write(
            mig.join("0001_initial.py"),
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.CreateModel('Thing', [('id', models.AutoField(primary_key=True))]),\n        migrations.CreateModel('Other', [('id', models.AutoField(primary_key=True))]),\n    ]\n",
        )
        .unwrap();
        std::fs::write(mig.join("0002_more.py"), second).unwrap();
        let index = load_dir(dir.path());
        let files: Vec<FileId> = (0..index.files.len())
            .filter(|&f| index.file(f).path.starts_with(&mig))
            .collect();
        read_app_migrations(&index, "things", &files, "auth.User")
    }

    fn second(head: &str, ops: &str) -> String {
        format!("from django.db import migrations, models\n\nfrom things.ops import Changes, DeleteModelIfExists, InstallTrigger, ReinstallTrigger, RenamedAddField\n{head}\n\nclass Migration(migrations.Migration):\n    dependencies = [('things', '0001_initial')]\n\n    operations = [\n{ops}\n    ]\n")
    }

    /// The fields of `thing` and `other` after the replay.
    fn fields(migrations: &[Migration]) -> Vec<Vec<String>> {
        let state = replay(&plan(migrations));
        ["thing", "other"]
            .iter()
            .map(|m| {
                state
                    .get(&ModelKey::new("things", m))
                    .map(|s| s.fields.iter().map(|f| f.name.clone()).collect())
                    .unwrap_or_default()
            })
            .collect()
    }

    #[test]
    fn an_operation_whose_state_forwards_does_nothing_changes_nothing() {
        let (m, readable) = read(&second(
            "",
            "        InstallTrigger('things_thing'),\n        ReinstallTrigger(table='things_other'),",
        ));
        assert!(readable);
        assert_eq!(fields(&m), [vec!["id"], vec!["id"]]);
    }

    #[test]
    fn a_subclass_of_djangos_operation_is_that_operation() {
        let (m, readable) = read(&second("", "        DeleteModelIfExists(name='Other'),"));
        assert!(readable);
        assert_eq!(fields(&m), [vec!["id"], vec![]]);
    }

    #[test]
    fn what_a_project_operation_does_to_the_state_unread_is_unreadable() {
        // Its own `__init__` (arguments mapped anew), a real state change.
        for op in [
            "        RenamedAddField('thing', 'size', models.IntegerField()),",
            "        Changes(),",
            "        UnknownOperation(),",
        ] {
            assert!(!read(&second("", op)).1, "{op}");
        }
    }

    #[test]
    fn spliced_lists_and_comprehensions_over_constants_are_expanded() {
        let head = "MODELS = ('thing', 'other')\nFIELDS = ('a', 'b')\nMODEL = 'other'\n";
        let ops = "        *[migrations.AddField(model_name=m, name=f, field=models.IntegerField()) for m in MODELS for f in FIELDS if m != 'thing' or f == 'a'],\n        *[InstallTrigger(t) for t in ('things_thing', 'things_other')],\n        *(migrations.AddField(MODEL, 'c', models.TextField()),),\n        migrations.RemoveField(model_name=MODEL, name='a'),";
        let (m, readable) = read(&second(head, ops));
        assert!(readable);
        assert_eq!(fields(&m), [vec!["id", "a"], vec!["id", "b", "c"]]);
    }

    #[test]
    fn what_a_comprehension_holds_unread_is_unreadable() {
        for (head, ops) in [
            // An iterable, a condition, a target we do not evaluate.
            ("", "        *[migrations.DeleteModel(m) for m in models_to_delete()],"),
            (
                "MODELS = ('thing',)\n",
                "        *[migrations.DeleteModel(m) for m in MODELS if m.startswith('t')],",
            ),
            (
                "MODELS = ('thing',)\n",
                "        *[migrations.DeleteModel(m.name) for m in MODELS],",
            ),
            ("", "        *OTHER_OPERATIONS,"),
            // A constant bound twice.
            (
                "MODEL = 'thing'\nif True:\n    MODEL = 'other'\n",
                "        migrations.DeleteModel(MODEL),",
            ),
        ] {
            assert!(!read(&second(head, ops)).1, "{ops}");
        }
    }

    #[test]
    fn djangos_operation_with_arguments_we_cannot_read_leaves_only_its_models_uncertain() {
        let ops = "        migrations.AddField('thing', 'size', field=SIZE_FIELD),\n        migrations.AddField('other', 'size', models.IntegerField()),\n        migrations.RenameModel('Thing', 'Item'),";
        let (m, readable) = read(&second("", ops));
        assert!(readable);
        let state = replay(&plan(&m));
        let uncertain: Vec<String> = state.uncertain.iter().map(|k| k.to_string()).collect();
        assert_eq!(uncertain, ["things.item", "things.thing"]);
        assert_eq!(fields(&m)[1], ["id", "size"]);
        // A name we cannot read: any model of the app may be touched.
        assert!(
            !read(&second(
                "",
                "        migrations.AddField(model_name=name, name='size', field=SIZE_FIELD),"
            ))
            .1
        );
    }

    #[test]
    fn operations_assigned_in_a_block_are_unreadable() {
        let src = "from django.db import connection, migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('things', '0001_initial')]\n\n    if connection.vendor == 'postgresql':\n        operations = [migrations.DeleteModel('Thing')]\n    else:\n        operations = []\n";
        assert!(!read(src).1);
    }
}
