//! Projects that change what `makemigrations` compares, project-wide: a
//! replaced `Field.deconstruct` (NetBox drops `verbose_name`, `help_text`
//! and `choices` from every field's deconstruction), keys removed from
//! `AlterModelOptions.ALTER_OPTION_KEYS`, a custom autodetector or
//! `makemigrations` command. RDJ503 follows a patch it can read, and says
//! nothing about what a patch it cannot read may affect — except, once per
//! kind of patch, an `info` note on the patch naming what is silenced.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use tree_sitter::Node;

use super::models::simple_assignment;
use super::settings::Project;
use super::state::Field;
use crate::diagnostic::{FileFinding, Finding, Severity};
use crate::index::{FileId, Symbol, WorkspaceIndex};
use crate::python;
use crate::python::value::Value;
use crate::registry::Rule;
use crate::schema::value;
use crate::syntax::{self, dotted, field, named_children, text};

/// What the project's patches change in the comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationPatches {
    /// Keyword arguments a patched `deconstruct()` removes from every field.
    pub dropped_field_kwargs: BTreeSet<String>,
    /// Keyword arguments removed when their value is an instance of one of
    /// these classes (by last name: NetBox's `ConfigItem` defaults).
    pub dropped_kwarg_classes: BTreeSet<String>,
    /// `deconstruct()` patched in a way we cannot read: no field is reported altered.
    pub fields_opaque: bool,
    /// Meta options removed from `ALTER_OPTION_KEYS` (never compared).
    pub ignored_options: BTreeSet<String>,
    /// `ALTER_OPTION_KEYS` changed in a way we cannot read.
    pub options_opaque: bool,
    /// A custom autodetector or `makemigrations` we cannot read: RDJ503 says nothing.
    pub detection_opaque: bool,
    /// Where each patch we could not read is (the three flags above say
    /// what they silence; these say where, for the notes).
    pub unread: Vec<UnreadPatch>,
}

/// What a patch we cannot read silences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Silenced {
    /// A custom autodetector or `makemigrations` command: all of RDJ503.
    Detection,
    /// A replaced `Field.deconstruct`: altered fields.
    AlteredFields,
    /// `ALTER_OPTION_KEYS` changed: Meta option changes.
    MetaOptions,
}

/// A patch of the migration machinery we could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadPatch {
    pub silences: Silenced,
    pub path: PathBuf,
    /// Byte range of what the note points at (the patching statement's
    /// target, a class name, a call).
    pub range: Range<usize>,
    /// 1-based line of `range.start`.
    pub line: usize,
    /// The patch as written (its first line, shortened).
    pub what: String,
}

impl MigrationPatches {
    /// A field's keyword arguments as the patched `deconstruct()` leaves them.
    pub fn apply(&self, f: &Field) -> Field {
        if self.dropped_field_kwargs.is_empty() && self.dropped_kwarg_classes.is_empty() {
            return f.clone();
        }
        let mut f = f.clone();
        f.kwargs.retain(|k, v| {
            !self.dropped_field_kwargs.contains(k)
                && !v
                    .last_name()
                    .is_some_and(|n| matches!(v, Value::Call { .. }) && self.dropped_kwarg_classes.contains(n))
        });
        f
    }

    /// Records a patch we cannot read, and what it silences.
    fn unreadable(&mut self, silences: Silenced, index: &WorkspaceIndex, file: FileId, node: Option<Node<'_>>) {
        match silences {
            Silenced::Detection => self.detection_opaque = true,
            Silenced::AlteredFields => self.fields_opaque = true,
            Silenced::MetaOptions => self.options_opaque = true,
        }
        let entry = index.file(file);
        let range = node.map_or(0..0, |n| n.byte_range());
        let what = node
            .map(|n| {
                let first = entry.text[n.byte_range()].lines().next().unwrap_or_default().trim();
                let mut short: String = first.chars().take(80).collect();
                if short.len() < first.len() {
                    short.push('…');
                }
                short
            })
            .unwrap_or_default();
        self.unread.push(UnreadPatch {
            silences,
            path: entry.path.clone(),
            line: entry.lines().line_of(range.start) + 1,
            range,
            what,
        });
    }

    /// The `info` notes RDJ503 gives for the patches it could not read: one
    /// per kind of patch (on its first place, naming the others), none for
    /// what a patch that silences all of RDJ503 already covers. Paths in
    /// the messages are relative to `root`.
    pub fn notes(&self, root: &Path) -> Vec<FileFinding> {
        let everything = self.unread.iter().any(|u| u.silences == Silenced::Detection);
        let mut by_kind: BTreeMap<Silenced, Vec<&UnreadPatch>> = BTreeMap::new();
        for u in &self.unread {
            if everything && u.silences != Silenced::Detection {
                continue;
            }
            by_kind.entry(u.silences).or_default().push(u);
        }
        let place = |u: &UnreadPatch| format!("{}:{}", u.path.strip_prefix(root).unwrap_or(&u.path).display(), u.line);
        by_kind
            .into_values()
            .map(|mut sites| {
                sites.sort_by(|a, b| (&a.path, a.range.start).cmp(&(&b.path, b.range.start)));
                sites.dedup_by(|a, b| a.path == b.path && a.line == b.line);
                let first = sites[0];
                let what = if first.what.is_empty() {
                    "This file".to_owned()
                } else {
                    format!("`{}`", first.what)
                };
                let (does, silenced) = match first.silences {
                    Silenced::Detection => (
                        "changes what `makemigrations` detects",
                        "RDJ503 reports nothing for this project",
                    ),
                    Silenced::AlteredFields => (
                        "replaces `Field.deconstruct`",
                        "RDJ503 reports no altered field in this project (added, removed and renamed fields and models still are)",
                    ),
                    Silenced::MetaOptions => (
                        "changes `AlterModelOptions.ALTER_OPTION_KEYS`",
                        "RDJ503 reports no changed Meta option in this project",
                    ),
                };
                let also = if sites.len() > 1 {
                    let others: Vec<String> = sites[1..].iter().map(|u| place(u)).collect();
                    format!(" (also at {})", others.join(", "))
                } else {
                    String::new()
                };
                let message = format!("{what} {does} in a way that cannot be read statically{also}: {silenced}");
                FileFinding::new(first.path.clone(), Finding::new(Rule::RDJ503, message, first.range.clone()))
                    .with_case_severity(Severity::Info)
            })
            .collect()
    }
}

/// Reads the patches in the project's files: its apps' modules (Django
/// imports each app's `apps.py` and models at start-up) and its settings.
pub fn read_patches(index: &WorkspaceIndex, project: &Project) -> MigrationPatches {
    let mut out = MigrationPatches::default();
    // Any file of the project may be imported at start-up (Nautobot patches
    // from its `makemigrations` command module, outside the apps we read).
    let in_project = |path: &std::path::Path| {
        path.starts_with(&project.root)
            || project.apps.iter().any(|a| path.starts_with(&a.dir))
            || project.settings.is_some_and(|s| index.file(s).path == path)
    };
    for (id, entry) in index.files.iter().enumerate() {
        // A `makemigrations` command of the project's (the first installed
        // app's wins; any of them counts here).
        let command = entry.path.ends_with("management/commands/makemigrations.py");
        if entry.in_migrations || !in_project(&entry.path) {
            continue;
        }
        let text = &entry.text;
        let relevant = text.contains(".deconstruct")
            || text.contains("ALTER_OPTION_KEYS")
            || text.contains("MigrationAutodetector")
            || command;
        if !relevant {
            continue;
        }
        // The index's tree when it holds one (models and field modules
        // often mention `.deconstruct`, and the models reader parses them
        // anyway): one parse per file. A text the index refused to parse
        // is not tried again.
        let own;
        let tree = match entry.tree() {
            Some(tree) => tree,
            None if entry.unparsable().is_some() => {
                out.unreadable(Silenced::Detection, index, id, None);
                continue;
            }
            None => match syntax::parse(text) {
                Some(tree) => {
                    own = tree;
                    &own
                }
                None => {
                    out.unreadable(Silenced::Detection, index, id, None);
                    continue;
                }
            },
        };
        let root = tree.root_node();
        read_file(index, id, root, text, &mut out);
        if command {
            if let Some(custom) = custom_command(root, text) {
                out.unreadable(Silenced::Detection, index, id, Some(custom));
            }
        }
    }
    out
}

fn read_file(index: &WorkspaceIndex, file: FileId, root: Node<'_>, src: &str, out: &mut MigrationPatches) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "class_definition" => {
                // A subclass of the autodetector (used by a command we may
                // not see): what it detects is unknown.
                let bases = field(node, "superclasses").map(named_children).unwrap_or_default();
                if bases
                    .iter()
                    .any(|b| dotted(*b, src).is_some_and(|d| d.ends_with("MigrationAutodetector")))
                {
                    let name = field(node, "name").unwrap_or(node);
                    out.unreadable(Silenced::Detection, index, file, Some(name));
                }
            }
            "assignment" | "augmented_assignment" => {
                let Some(left) = field(node, "left") else { continue };
                let target = dotted(left, src).unwrap_or_default();
                if target.ends_with(".deconstruct") {
                    let owner = target.trim_end_matches(".deconstruct");
                    if owner.rsplit('.').next().is_some_and(|c| c.ends_with("Field")) {
                        let right = field(node, "right").and_then(|r| dotted(r, src));
                        match right.and_then(|r| readable_deconstruct(index, file, &r)) {
                            Some((dropped, classes)) => {
                                out.dropped_field_kwargs.extend(dropped);
                                out.dropped_kwarg_classes.extend(classes);
                            }
                            None => out.unreadable(Silenced::AlteredFields, index, file, Some(node)),
                        }
                    }
                } else if target.ends_with("ALTER_OPTION_KEYS") {
                    out.unreadable(Silenced::MetaOptions, index, file, Some(node));
                } else if target.contains("MigrationAutodetector.") {
                    out.unreadable(Silenced::Detection, index, file, Some(node));
                }
            }
            "call" => {
                let func = field(node, "function").and_then(|f| dotted(f, src)).unwrap_or_default();
                if let Some((owner, method)) = func.rsplit_once('.') {
                    if owner.ends_with("ALTER_OPTION_KEYS") {
                        let arg = field(node, "arguments")
                            .map(named_children)
                            .unwrap_or_default()
                            .into_iter()
                            .find(|a| a.kind() != "comment");
                        let key = arg.map(|a| value::parse(a, src, &|_| None));
                        match (method, key) {
                            ("remove" | "discard", Some(Value::Str(k))) => {
                                out.ignored_options.insert(k);
                            }
                            // Adding keys makes Django compare more: we miss those, no more.
                            ("append" | "add", _) => {}
                            _ => out.unreadable(Silenced::MetaOptions, index, file, Some(node)),
                        }
                    }
                }
            }
            _ => {}
        }
        stack.extend(named_children(node));
    }
}

/// A replacement `deconstruct` we can follow: the keyword arguments it
/// pops, and the classes whose instances it filters out. `None` when it
/// does anything else.
fn readable_deconstruct(index: &WorkspaceIndex, file: FileId, name: &str) -> Option<(Vec<String>, Vec<String>)> {
    let Symbol::Function(f) = index.resolve_dotted(file, name, None) else {
        return None;
    };
    if f.class.is_some() {
        return None;
    }
    let entry = index.file(f.file);
    let src: &str = &entry.text;
    // The function came from that file's summary: the index parsed it.
    let root = entry.tree()?.root_node();
    let range = index.function(f).range.clone();
    let def = root.descendant_for_byte_range(range.start, range.end)?;
    let def = syntax::definition_of(def);
    if def.kind() != "function_definition" {
        return None;
    }
    let constants = module_lists(root, src);
    let lookup = |n: &str| constants.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    // The tuple the original returns, by the names it is unpacked into.
    let mut kwargs_name: Option<String> = None;
    let (mut dropped, mut classes) = (Vec::new(), Vec::new());
    for stmt in syntax::body_statements(def) {
        match stmt.kind() {
            "comment" => continue,
            "return_statement" => continue,
            "for_statement" => {
                // `for attr in EXEMPT_ATTRS: kwargs.pop(attr, None)`
                let var = field(stmt, "left").map(|l| text(l, src).to_owned())?;
                let items = value::parse(field(stmt, "right")?, src, &lookup);
                let names: Vec<String> = items
                    .as_list()?
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<_>>()?;
                let body = syntax::body_statements(stmt);
                let pops = body.iter().filter(|s| s.kind() != "comment").all(|s| {
                    pop_of(*s, src, kwargs_name.as_deref()).is_some_and(|(arg, literal)| !literal && arg == var)
                });
                if !pops {
                    return None;
                }
                dropped.extend(names);
            }
            "expression_statement" => {
                let inner = stmt.named_child(0)?;
                if inner.kind() == "string" {
                    continue; // the docstring
                }
                if inner.kind() == "assignment" {
                    let left = field(inner, "left")?;
                    let right = syntax::unparen(field(inner, "right")?);
                    if left.kind() == "pattern_list" || left.kind() == "tuple_pattern" {
                        // `name, path, args, kwargs = _deconstruct(field)`
                        let parts = named_children(left);
                        if parts.len() != 4 || right.kind() != "call" {
                            return None;
                        }
                        kwargs_name = Some(text(parts[3], src).to_owned());
                        continue;
                    }
                    // `kwargs = {k: v for k, v in kwargs.items() if not isinstance(v, C)}`
                    if Some(text(left, src)) == kwargs_name.as_deref() && right.kind() == "dictionary_comprehension" {
                        classes.push(isinstance_filter(right, src)?);
                        continue;
                    }
                    return None;
                }
                match pop_of(stmt, src, kwargs_name.as_deref()) {
                    Some((arg, true)) => dropped.push(arg),
                    _ => return None,
                }
            }
            "delete_statement" => {
                // `del kwargs["help_text"]`
                let target = stmt.named_child(0)?;
                let target = (target.kind() == "subscript").then_some(target)?;
                if Some(text(field(target, "value")?, src)) != kwargs_name.as_deref() {
                    return None;
                }
                dropped.push(
                    value::parse(field(target, "subscript")?, src, &|_| None)
                        .as_str()?
                        .to_owned(),
                );
            }
            _ => return None,
        }
    }
    kwargs_name.map(|_| (dropped, classes))
}

/// `kwargs.pop(X, None)` as a statement: `X` as a string literal's value
/// (`true`) or a name (`false`).
fn pop_of(stmt: Node<'_>, src: &str, kwargs_name: Option<&str>) -> Option<(String, bool)> {
    let call = (stmt.kind() == "expression_statement")
        .then(|| stmt.named_child(0))
        .flatten()?;
    if call.kind() != "call" {
        return None;
    }
    let func = dotted(field(call, "function")?, src)?;
    let (owner, method) = func.rsplit_once('.')?;
    if Some(owner) != kwargs_name || method != "pop" {
        return None;
    }
    let first = named_children(field(call, "arguments")?)
        .into_iter()
        .find(|a| a.kind() != "comment")?;
    match first.kind() {
        "identifier" => Some((text(first, src).to_owned(), false)),
        _ => python::string_value(first, src).map(|s| (s, true)),
    }
}

/// `{k: v for k, v in kwargs.items() if not isinstance(v, C)}`: `C`'s last name.
fn isinstance_filter(comp: Node<'_>, src: &str) -> Option<String> {
    let clauses: Vec<Node<'_>> = named_children(comp)
        .into_iter()
        .filter(|c| c.kind() == "if_clause")
        .collect();
    let [clause] = clauses.as_slice() else { return None };
    let cond = clause.named_child(0)?;
    let cond = (cond.kind() == "not_operator")
        .then(|| field(cond, "argument"))
        .flatten()?;
    if cond.kind() != "call" || field(cond, "function").map(|f| text(f, src)) != Some("isinstance") {
        return None;
    }
    let args: Vec<Node<'_>> = named_children(field(cond, "arguments")?)
        .into_iter()
        .filter(|a| a.kind() != "comment")
        .collect();
    let class = dotted(*args.get(1)?, src)?;
    Some(class.rsplit('.').next().unwrap_or(&class).to_owned())
}

/// Module-level `NAME = (literal, …)` assignments.
fn module_lists(root: Node<'_>, src: &str) -> Vec<(String, Value)> {
    named_children(root)
        .into_iter()
        .filter_map(simple_assignment)
        .map(|(k, v)| (text(k, src).to_owned(), value::parse(v, src, &|_| None)))
        .filter(|(_, v)| v.as_list().is_some())
        .collect()
}

/// A `makemigrations` command that only guards or extends `handle` (NetBox
/// refuses to write migrations unless `--check` or DEVELOPER): detection is
/// Django's. One that sets `autodetector` or overrides anything else is not:
/// its first statement that does (where the note points).
fn custom_command<'t>(root: Node<'t>, src: &str) -> Option<Node<'t>> {
    let command = named_children(root)
        .into_iter()
        .map(syntax::definition_of)
        .find(|n| n.kind() == "class_definition" && field(*n, "name").is_some_and(|x| text(x, src) == "Command"));
    // No command class: Django's is used.
    let command = command?;
    syntax::body_statements(command)
        .into_iter()
        .find(|&stmt| !plain_statement(stmt, src))
}

/// A statement of a `makemigrations` command class that leaves detection
/// to Django.
fn plain_statement(stmt: Node<'_>, src: &str) -> bool {
    let def = syntax::definition_of(stmt);
    match def.kind() {
        "function_definition" => {
            let name = field(def, "name").map(|n| text(n, src)).unwrap_or("");
            match name {
                "add_arguments" => true,
                "handle" => text(def, src).contains("super().handle("),
                _ => false,
            }
        }
        "expression_statement" => match stmt.named_child(0) {
            Some(n) if n.kind() == "string" => true,
            // `help = "…"`
            Some(n) => simple_assignment(stmt).is_some_and(|(k, _)| text(k, src) == "help") && n.kind() == "assignment",
            None => true,
        },
        "comment" | "pass_statement" => true,
        _ => false,
    }
}
