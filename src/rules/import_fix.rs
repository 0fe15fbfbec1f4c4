//! Fixes that change a module's imports.
//!
//! - [`fix`], RDJ401's: move a module-level models import into the functions
//!   that use it, so it runs when they are called, after Django is set up.
//!   Only when every use of the imported names is inside a function body
//!   (class bodies, annotations, defaults and decorators run at import time).
//! - [`add_import`]: make `from module import name` available at module
//!   level for a fix that calls `name` (`sync_to_async`, an async twin). It
//!   follows ruff's `Importer`: reuse an import that is there, else extend a
//!   `from module import …` statement, else insert a statement on a line of
//!   its own after a whole line (so no comment changes line); and, where ruff
//!   appends after the last import, it puts the statement where ruff's isort
//!   rule (I001) wants it, so the fixed file stays sorted.

use tree_sitter::Node;

use crate::diagnostic::{Applicability, Edit, Fix};
use crate::index::summary::ImportBinding;
use crate::python::{is_framework, is_standard_library};
use crate::syntax::{self, field, named_children};

pub fn fix(root: Node<'_>, src: &str, stmt_range: std::ops::Range<usize>, bindings: &[&ImportBinding]) -> Option<Fix> {
    let stmt = root.descendant_for_byte_range(stmt_range.start, stmt_range.end)?;
    let stmt = std::iter::successors(Some(stmt), |n| n.parent()).find(|n| n.byte_range() == stmt_range)?;
    if stmt.parent()?.kind() != "module" {
        return None;
    }
    let names: Vec<&str> = bindings.iter().map(|b| b.local.as_str()).collect();
    let future_annotations = src.contains("from __future__ import annotations");

    // The outermost functions whose bodies use the names; any other use: no
    // fix. One walk from the root that carries each node's context down
    // (asking a node for its parent costs the tree's depth, and a chained
    // expression can be as deep as the file is long).
    let mut functions: Vec<Node<'_>> = Vec::new();
    let mut seen_functions = std::collections::HashSet::new();
    let mut stack = vec![(root, Context::default(), false)];
    while let Some((n, context, member_name)) = stack.pop() {
        if n.id() == stmt.id() {
            continue;
        }
        if n.kind() == "identifier" && !member_name && names.contains(&syntax::text(n, src)) {
            match context.owner() {
                Some(f) => {
                    if seen_functions.insert(f.id()) {
                        functions.push(f);
                    }
                }
                None => return None,
            }
        }
        let children = named_children(n);
        let member_field = match n.kind() {
            "attribute" => field(n, "attribute"),
            "keyword_argument" => field(n, "name"),
            _ => None,
        };
        for child in children {
            let member_name = member_field.is_some_and(|m| m.id() == child.id());
            stack.push((child, context.enter(n, child, future_annotations), member_name));
        }
    }
    if functions.is_empty() {
        return None;
    }
    let text = syntax::text(stmt, src);
    if text.contains(['\n', '\r']) {
        return None; // a parenthesized multi-line import: keep it simple
    }
    let nl = if src.contains("\r\n") { "\r\n" } else { "\n" };
    // Delete the line (with its line ending).
    let line_start = src[..stmt.start_byte()].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let mut line_end = stmt.end_byte();
    let rest = &src[line_end..];
    let trailing = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if rest[trailing..].starts_with('#') {
        return None; // a comment on the line (`# noqa`, a marker): leave it to the user
    }
    line_end += trailing;
    line_end += if src[line_end..].starts_with("\r\n") {
        2
    } else {
        usize::from(src[line_end..].starts_with(['\n', '\r']))
    };
    let mut edits = vec![Edit {
        range: line_start..line_end,
        content: String::new(),
    }];
    for f in functions {
        let body = field(f, "body")?;
        let first = named_children(body).into_iter().find(|c| c.kind() != "comment")?;
        // After a docstring, before the first statement.
        let docstring =
            first.kind() == "expression_statement" && first.named_child(0).is_some_and(|s| s.kind() == "string");
        let anchor = if docstring {
            named_children(body)
                .into_iter()
                .find(|c| c.start_byte() > first.start_byte() && c.kind() != "comment")
        } else {
            Some(first)
        };
        let indent = {
            let s = src[..first.start_byte()].rfind(['\n', '\r']).map_or(0, |i| i + 1);
            src[s..first.start_byte()].to_owned()
        };
        match anchor {
            Some(a) => edits.push(Edit {
                range: a.start_byte()..a.start_byte(),
                content: format!("{text}{nl}{indent}"),
            }),
            None => edits.push(Edit {
                range: first.end_byte()..first.end_byte(),
                content: format!("{nl}{indent}{text}"),
            }),
        }
    }
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: "Import the models inside the functions that use them".into(),
        edits,
    })
}

/// Where a node is, as far as running the moved import goes: what the
/// closest enclosing function, decorator or signature makes of it, and the
/// outermost function whose body holds it. Carried down from the root, one
/// step per child.
#[derive(Debug, Clone, Copy, Default)]
struct Context<'t> {
    /// The outermost function whose body (or, with `from __future__ import
    /// annotations`, return annotation) holds the node.
    outermost_body: Option<Node<'t>>,
    /// The closest enclosing place that decides.
    innermost: Option<Place<'t>>,
}

#[derive(Debug, Clone, Copy)]
enum Place<'t> {
    /// A function's body (or its annotations, under the future import).
    Body,
    /// A function's parameters, under the future import: they count as the
    /// function's when no function body encloses it.
    Parameters(Node<'t>),
    /// A decorator, or a function's parameters: run at definition time.
    DefinitionTime,
}

impl<'t> Context<'t> {
    /// The context of `child`, a named child of `parent` (whose context this is).
    fn enter(self, parent: Node<'t>, child: Node<'t>, future_annotations: bool) -> Context<'t> {
        let is = |name: &str| field(parent, name).is_some_and(|f| f.id() == child.id());
        let place = match parent.kind() {
            "function_definition" => {
                let in_annotation = child.kind() == "type" || is("return_type");
                if is("body") || (future_annotations && in_annotation) {
                    Some(Place::Body)
                } else if is("parameters") {
                    Some(if future_annotations {
                        Place::Parameters(parent)
                    } else {
                        Place::DefinitionTime
                    })
                } else {
                    None
                }
            }
            "decorator" => Some(Place::DefinitionTime),
            // A default runs when the function is defined, annotations or not.
            "default_parameter" | "typed_default_parameter" if is("value") => Some(Place::DefinitionTime),
            _ => None,
        };
        match place {
            None => self,
            Some(place) => Context {
                outermost_body: match place {
                    Place::Body => self.outermost_body.or(Some(parent)),
                    _ => self.outermost_body,
                },
                innermost: Some(place),
            },
        }
    }

    /// The outermost function whose body holds the node, or `None` when it
    /// runs at import time (module or class level, a signature, a decorator).
    fn owner(self) -> Option<Node<'t>> {
        match self.innermost? {
            Place::Body => self.outermost_body,
            Place::Parameters(function) => self.outermost_body.or(Some(function)),
            Place::DefinitionTime => None,
        }
    }
}

/// `name` is already bound at module level to something other than
/// `module.name`: importing it would rebind it, so the fix is not offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameTaken;

/// The edit that makes `from module import name` available at module level,
/// `Ok(None)` when it already is (at run time: an import inside
/// `if TYPE_CHECKING:` does not count), `Err(NameTaken)` when `name` is bound
/// to something else. `first_party` says whether a top-level package belongs
/// to the project (isort's first-party section).
///
/// Placement, in order:
/// 1. an existing top-level `from module import …`: `name` joins its names at
///    its sorted place (same line, or a line of its own in a parenthesised
///    list written one name per line);
/// 2. the file's first import block (the imports before the first other
///    statement): a new line in isort's order, sections first (future,
///    standard library, third party, first party, local), `import x` before
///    `from x import y`, then by module name, with the blank lines that
///    separate sections;
/// 3. no import at all: after the module docstring and the comment lines that
///    open the file, followed by the blank lines isort wants before code.
///
/// The result is always insertions at the start of a line (or between two
/// names), never inside a comment, so every comment stays on its line.
pub fn add_import(
    root: Node<'_>,
    src: &str,
    module: &str,
    name: &str,
    first_party: &dyn Fn(&str) -> bool,
) -> Result<Option<Edit>, NameTaken> {
    if is_bound(root, src, module, name)? {
        return Ok(None);
    }
    let statements = named_children(root);
    let nl = line_ending(src);
    if let Some(existing) = statements.iter().find(|s| is_from_import_of(**s, src, module)) {
        return Ok(Some(add_member(*existing, src, name, nl)));
    }
    let line = format!("from {module} import {name}");
    let new_key = SortKey::new(module, true, first_party);
    let block = first_import_block(&statements);
    let keys: Vec<SortKey> = block.iter().map(|s| SortKey::of(*s, src, first_party)).collect();
    let at = keys.iter().position(|k| *k > new_key).unwrap_or(keys.len());
    let prev = at.checked_sub(1).map(|i| (block[i], keys[i].section));
    let next = block.get(at).map(|s| (*s, keys[at].section));
    let same_section = |s: &Option<(Node<'_>, Section)>| s.is_some_and(|(_, section)| section == new_key.section);
    let edit = if let (true, Some((p, _))) = (same_section(&prev), prev) {
        // Next to an import of its own section: no blank line to add.
        insert_after(p, src, format!("{line}{nl}"), nl)
    } else if let (true, Some((n, _))) = (same_section(&next), next) {
        insert_before(n, src, format!("{line}{nl}"))
    } else if let Some((p, _)) = prev {
        // A section of its own: blank lines around it, unless they are there.
        let blank_after = match next {
            Some((n, _)) if !has_blank_line(src, line_end(p, src), leading_comments_start(n, src)) => nl,
            _ => "",
        };
        insert_after(p, src, format!("{nl}{line}{nl}{blank_after}"), nl)
    } else if let Some((n, _)) = next {
        insert_before(n, src, format!("{line}{nl}{nl}"))
    } else {
        start_of_file(&statements, src, &line, nl)
    };
    Ok(Some(edit))
}

/// isort's sections, in the order they appear in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Future,
    StandardLibrary,
    ThirdParty,
    FirstParty,
    LocalFolder,
}

/// Where an import statement sorts (ruff's isort defaults): by section, then
/// `import x` before `from x import y`, then by module name ignoring case.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct SortKey {
    section: Section,
    from: bool,
    module_lowercase: String,
    module: String,
}

impl SortKey {
    fn new(module: &str, from: bool, first_party: &dyn Fn(&str) -> bool) -> SortKey {
        SortKey {
            section: section(module, first_party),
            from,
            module_lowercase: module.to_lowercase(),
            module: module.to_owned(),
        }
    }

    fn of(stmt: Node<'_>, src: &str, first_party: &dyn Fn(&str) -> bool) -> SortKey {
        match stmt.kind() {
            "future_import_statement" => SortKey::new("__future__", true, first_party),
            "import_from_statement" => {
                let module = field(stmt, "module_name").map_or(String::new(), |m| compact(syntax::text(m, src)));
                SortKey::new(&module, true, first_party)
            }
            _ => {
                // `import b, a` sorts by its first module.
                let mut cursor = stmt.walk();
                let first = stmt.children_by_field_name("name", &mut cursor).next();
                let module = first
                    .map(|n| field(n, "name").unwrap_or(n))
                    .map_or(String::new(), |m| compact(syntax::text(m, src)));
                SortKey::new(&module, false, first_party)
            }
        }
    }
}

fn section(module: &str, first_party: &dyn Fn(&str) -> bool) -> Section {
    if module.starts_with('.') {
        return Section::LocalFolder;
    }
    let top = module.split('.').next().unwrap_or(module);
    if top == "__future__" {
        Section::Future
    } else if is_standard_library(top) {
        Section::StandardLibrary
    } else if !is_framework(top) && first_party(top) {
        Section::FirstParty
    } else {
        Section::ThirdParty
    }
}

/// Is `name` already bound at module level (at run time) to `module.name`?
/// `Err` if it is bound to something else. Looks at the module's statements
/// and the blocks of its compound statements, not into functions or classes.
fn is_bound(root: Node<'_>, src: &str, module: &str, name: &str) -> Result<bool, NameTaken> {
    let mut found = false;
    let mut stack = named_children(root);
    while let Some(stmt) = stack.pop() {
        match stmt.kind() {
            "import_from_statement" => {
                let same_module = is_from_import_of(stmt, src, module);
                let mut cursor = stmt.walk();
                for imported in stmt.children_by_field_name("name", &mut cursor) {
                    let original = field(imported, "name").unwrap_or(imported);
                    let bound = field(imported, "alias").unwrap_or(imported);
                    if compact(syntax::text(bound, src)) == name {
                        if same_module && syntax::text(original, src) == name {
                            found = true;
                        } else {
                            return Err(NameTaken);
                        }
                    }
                }
            }
            "import_statement" => {
                let mut cursor = stmt.walk();
                for imported in stmt.children_by_field_name("name", &mut cursor) {
                    let bound = match field(imported, "alias") {
                        Some(alias) => syntax::text(alias, src).to_owned(),
                        None => compact(syntax::text(imported, src))
                            .split('.')
                            .next()
                            .unwrap_or("")
                            .to_owned(),
                    };
                    if bound == name {
                        return Err(NameTaken);
                    }
                }
            }
            "function_definition" | "class_definition" | "decorated_definition" => {
                let def = syntax::definition_of(stmt);
                if field(def, "name").is_some_and(|n| syntax::text(n, src) == name) {
                    return Err(NameTaken);
                }
            }
            "expression_statement" => {
                let assigned = named_children(stmt)
                    .into_iter()
                    .filter(|e| matches!(e.kind(), "assignment" | "augmented_assignment"))
                    .filter_map(|e| field(e, "left"));
                for target in assigned {
                    let mut targets = vec![target];
                    while let Some(t) = targets.pop() {
                        match t.kind() {
                            "identifier" if syntax::text(t, src) == name => return Err(NameTaken),
                            "pattern_list" | "tuple_pattern" | "list_pattern" => targets.extend(named_children(t)),
                            _ => {}
                        }
                    }
                }
            }
            "if_statement" if field(stmt, "condition").is_some_and(|c| is_type_checking(c, src)) => {
                // Only the `else` side runs.
                let mut cursor = stmt.walk();
                stack.extend(stmt.children_by_field_name("alternative", &mut cursor));
            }
            kind if syntax::holds_statements(kind) => stack.extend(named_children(stmt)),
            _ => {}
        }
    }
    Ok(found)
}

/// `TYPE_CHECKING` or `typing.TYPE_CHECKING` (any module's).
fn is_type_checking(condition: Node<'_>, src: &str) -> bool {
    let text = compact(syntax::text(condition, src));
    text == "TYPE_CHECKING" || text.ends_with(".TYPE_CHECKING")
}

/// A `from module import a, b` that more names can join (not `*`).
fn is_from_import_of(stmt: Node<'_>, src: &str, module: &str) -> bool {
    stmt.kind() == "import_from_statement"
        && field(stmt, "module_name").is_some_and(|m| compact(syntax::text(m, src)) == module)
        && !syntax::children(stmt).iter().any(|c| c.kind() == "wildcard_import")
}

/// `name` joins the names of `stmt` where isort sorts it: before the first
/// name that sorts after it, else after the last one.
fn add_member(stmt: Node<'_>, src: &str, name: &str, nl: &str) -> Edit {
    let mut cursor = stmt.walk();
    let names: Vec<Node<'_>> = stmt.children_by_field_name("name", &mut cursor).collect();
    let parenthesised = syntax::children(stmt).iter().any(|c| c.kind() == "(");
    // One name per line (only inside parentheses: a `\` line cannot take one).
    let own_line =
        |n: Node<'_>| parenthesised && src[line_start(n.start_byte(), src)..n.start_byte()].trim().is_empty();
    let indent = |n: Node<'_>| src[line_start(n.start_byte(), src)..n.start_byte()].to_owned();
    let key = member_key(name);
    let later = names.iter().find(|n| {
        let imported = field(**n, "name").unwrap_or(**n);
        member_key(syntax::text(imported, src)) > key
    });
    if let Some(next) = later {
        return if own_line(*next) {
            insertion(
                line_start(next.start_byte(), src),
                format!("{}{name},{nl}", indent(*next)),
            )
        } else {
            insertion(next.start_byte(), format!("{name}, "))
        };
    }
    let Some(last) = names.last() else {
        return insertion(stmt.end_byte(), format!(", {name}"));
    };
    let after = &src[last.end_byte()..stmt.end_byte()];
    // `last,` ending its line (a comment may follow): the new name goes on
    // the next line, before the `)` line.
    let comma_ends_line = after.trim_start().strip_prefix(',').is_some_and(|rest| {
        let rest = rest.trim_start_matches([' ', '\t']);
        rest.starts_with(['#', '\n', '\r'])
    });
    if comma_ends_line && own_line(*last) {
        let comma = last.end_byte() + after.find(',').unwrap_or(0);
        insertion(next_line_start(comma, src), format!("{}{name},{nl}", indent(*last)))
    } else {
        insertion(last.end_byte(), format!(", {name}"))
    }
}

/// ruff's isort order of imported names: constants, classes, then the rest,
/// each ignoring case.
fn member_key(name: &str) -> (u8, String, String) {
    let kind = if name.len() > 1 && name.chars().any(char::is_alphabetic) && !name.chars().any(char::is_lowercase) {
        0
    } else if name.starts_with(char::is_uppercase) {
        1
    } else {
        2
    };
    (kind, name.to_lowercase(), name.to_owned())
}

/// The import statements at the top of the module, up to the first other
/// statement after them (comments and blank lines do not end a block).
fn first_import_block<'t>(statements: &[Node<'t>]) -> Vec<Node<'t>> {
    let is_import = |s: &Node<'_>| {
        matches!(
            s.kind(),
            "import_statement" | "import_from_statement" | "future_import_statement"
        )
    };
    statements
        .iter()
        .filter(|s| s.kind() != "comment")
        .skip_while(|s| !is_import(s))
        .take_while(|s| is_import(s))
        .copied()
        .collect()
}

/// ruff's `Insertion::start_of_file`: after the docstring(s) and the comment
/// lines that open the file; then the blank lines isort puts after imports
/// (two before a `def` or `class`, one before other code).
fn start_of_file(statements: &[Node<'_>], src: &str, line: &str, nl: &str) -> Edit {
    let code: Vec<Node<'_>> = statements.iter().copied().filter(|s| s.kind() != "comment").collect();
    let docstrings = code.iter().take_while(|s| is_docstring(**s)).count();
    let mut at = match docstrings.checked_sub(1).map(|i| code[i]) {
        Some(last) => line_end(last, src),
        None => 0,
    };
    // Skip comment lines (and the blank lines between them).
    let mut scan = at;
    while scan < src.len() {
        let end = next_line_start(scan, src);
        let text = src[scan..end].trim();
        if text.starts_with('#') {
            at = end;
        } else if !text.is_empty() {
            break;
        }
        scan = end;
    }
    let prefix = if at > 0 && !src[..at].ends_with(['\n', '\r']) {
        nl
    } else {
        ""
    };
    let following = code.iter().find(|s| s.start_byte() >= at);
    let wanted: usize = match following.map(|s| s.kind()) {
        None => 0,
        Some("function_definition" | "class_definition" | "decorated_definition") => 2,
        Some(_) => 1,
    };
    let blank = blank_lines_at(at, src);
    let blank_lines = nl.repeat(wanted.saturating_sub(blank));
    insertion(at, format!("{prefix}{line}{nl}{blank_lines}"))
}

fn is_docstring(stmt: Node<'_>) -> bool {
    stmt.kind() == "expression_statement"
        && stmt.named_child_count() == 1
        && stmt.named_child(0).is_some_and(|s| s.kind() == "string")
}

/// Inserts `content` (whole lines) after the line(s) that `stmt` ends on,
/// its trailing comment included.
fn insert_after(stmt: Node<'_>, src: &str, content: String, nl: &str) -> Edit {
    let at = line_end(stmt, src);
    if src[..at].ends_with(['\n', '\r']) {
        insertion(at, content)
    } else {
        // The last line of the file has no line break.
        insertion(at, format!("{nl}{}", content.strip_suffix(nl).unwrap_or(&content)))
    }
}

/// Inserts `content` (whole lines) before `stmt` and the comment lines right
/// above it, which isort keeps with it.
fn insert_before(stmt: Node<'_>, src: &str, content: String) -> Edit {
    insertion(leading_comments_start(stmt, src), content)
}

fn insertion(at: usize, content: String) -> Edit {
    Edit { range: at..at, content }
}

/// The start of the comment lines directly above `stmt` (no blank line
/// between), or of its own line. Comments that open the file stay first.
fn leading_comments_start(stmt: Node<'_>, src: &str) -> usize {
    let own = line_start(stmt.start_byte(), src);
    let mut at = own;
    while at > 0 {
        let above = line_start(at - 1, src);
        if !src[above..at].trim_start().starts_with('#') {
            break;
        }
        at = above;
    }
    if at == 0 {
        own
    } else {
        at
    }
}

/// After the last line of `stmt`: past what follows it on its line (a
/// comment, `; other`), past `\\` continuations, and past the line break.
fn line_end(stmt: Node<'_>, src: &str) -> usize {
    let mut end = stmt.end_byte();
    let mut sibling = stmt.next_sibling();
    loop {
        let line_break = src[end..].find(['\n', '\r']).map_or(src.len(), |i| end + i);
        // A statement after `;` on this line may span lines itself.
        let mut moved = false;
        while let Some(s) = sibling.filter(|s| s.start_byte() < line_break) {
            end = end.max(s.end_byte());
            sibling = s.next_sibling();
            moved = true;
        }
        if moved {
            continue;
        }
        let rest = &src[end..line_break];
        if rest.trim_end().ends_with('\\') && !rest.contains('#') && line_break < src.len() {
            end = next_line_start(line_break, src);
            continue;
        }
        return next_line_start(line_break, src);
    }
}

/// The start of the line that holds byte `at`.
fn line_start(at: usize, src: &str) -> usize {
    src[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1)
}

/// The start of the line after the one that holds byte `at` (or the end).
fn next_line_start(at: usize, src: &str) -> usize {
    match src[at..].find(['\n', '\r']) {
        None => src.len(),
        Some(i) if src[at + i..].starts_with("\r\n") => at + i + 2,
        Some(i) => at + i + 1,
    }
}

/// How many blank lines start at `at` (the start of a line).
fn blank_lines_at(at: usize, src: &str) -> usize {
    let mut count = 0;
    let mut pos = at;
    while pos < src.len() {
        let end = next_line_start(pos, src);
        if !src[pos..end].trim().is_empty() || !src[pos..end].ends_with(['\n', '\r']) {
            break;
        }
        count += 1;
        pos = end;
    }
    count
}

/// Whether the whole lines from `from` to `to` include a blank one.
fn has_blank_line(src: &str, from: usize, to: usize) -> bool {
    let mut pos = from;
    while pos < to {
        let end = next_line_start(pos, src);
        if src[pos..end].trim().is_empty() {
            return true;
        }
        pos = end;
    }
    false
}

/// The file's line ending, as its first line break writes it.
pub fn line_ending(src: &str) -> &'static str {
    match src.find(['\n', '\r']) {
        Some(i) if src[i..].starts_with("\r\n") => "\r\n",
        Some(i) if src[i..].starts_with('\r') => "\r",
        _ => "\n",
    }
}

/// A dotted name without the spaces or line continuations inside it.
fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace() && *c != '\\').collect()
}

#[cfg(test)]
mod add_import_tests {
    use super::*;

    /// `store` and `app` are the project's packages in these tests.
    fn first_party(top: &str) -> bool {
        matches!(top, "store" | "app")
    }

    /// The text after `add_import(module, name)`.
    fn with_import(src: &str, module: &str, name: &str) -> String {
        let tree = syntax::parse(src).expect("parses");
        match add_import(tree.root_node(), src, module, name, &first_party) {
            Ok(Some(edit)) => {
                let mut out = src.to_owned();
                out.replace_range(edit.range, &edit.content);
                out
            }
            Ok(None) => src.to_owned(),
            Err(NameTaken) => "<name taken>".to_owned(),
        }
    }

    /// Adds `sync_to_async` and checks what every fix must keep: the result
    /// parses, each comment still ends a line that starts with the code it
    /// followed (a name may join that code, the comment never moves), and a
    /// second fix finds the import there.
    fn fixed(src: &str) -> String {
        let out = with_import(src, "asgiref.sync", "sync_to_async");
        assert_eq!(crate::fix::syntax_errors(&out), 0, "{out}");
        assert_eq!(with_import(&out, "asgiref.sync", "sync_to_async"), out, "added twice");
        for line in src.lines() {
            let Some(hash) = line.find('#') else { continue };
            let (code, comment) = (line[..hash].trim_end(), &line[hash..]);
            assert!(
                out.lines().any(|l| l.starts_with(code) && l.ends_with(comment)),
                "comment line {line:?} changed:\n{out}"
            );
        }
        out
    }

    fn snapshot(name: &str, src: &str) {
        let out = fixed(src);
        insta::assert_snapshot!(name, format!("--- before\n{src}\n--- after\n{out}"));
    }

    #[test]
    fn trailing_comments_stay_on_their_lines() {
        // The issue: the `# noqa: E402` moved onto the added import.
        snapshot(
            "noqa_after_setup",
            "import django\n\ndjango.setup()\n\nfrom store.services import order_total  # noqa: E402\n\n\nasync def total(pk):\n    return order_total(pk)\n",
        );
        snapshot(
            "third_party_before_first_party",
            "from django.db import models  # the ORM\n\nfrom store.services import order_total  # noqa: E402\n",
        );
        snapshot(
            "after_a_commented_import",
            "import os\n\nimport django  # noqa: F401\n\nfrom store import x\n",
        );
    }

    #[test]
    fn a_reflex_module() {
        snapshot(
            "reflex_module",
            "import reflex as rx\n\nfrom store.models import Order\n\n\nclass OrderState(rx.State):\n    pass\n",
        );
        snapshot(
            "every_section",
            "from __future__ import annotations\n\nimport os\nfrom typing import Any\n\nimport django\nimport reflex as rx\nfrom django.db import models\n\nfrom store.models import Order\n\nfrom .helpers import helper\n",
        );
    }

    #[test]
    fn parenthesised_imports_with_comments() {
        snapshot(
            "after_parenthesised",
            "from adrf.views import (  # async views\n    APIView,  # the base\n)  # helper\n\nfrom store import services\n",
        );
        snapshot(
            "before_parenthesised_section",
            "import os\n\nfrom store.services import (  # helpers\n    order_total,  # the total\n)  # helper\n",
        );
        snapshot(
            "merged_into_parenthesised",
            "from asgiref.sync import (  # thread helpers\n    async_to_sync,  # for tasks\n)  # helper\n",
        );
        snapshot(
            "merged_without_trailing_comma",
            "from asgiref.sync import (\n    async_to_sync  # for tasks\n)\n",
        );
    }

    #[test]
    fn merged_into_an_existing_from_import() {
        snapshot(
            "merged_on_the_line",
            "from asgiref.sync import async_to_sync  # noqa: F401\n\nfrom store import x\n",
        );
        // Sorted among the names, not appended.
        let out = with_import(
            "from django.shortcuts import get_object_or_404, render  # views\n",
            "django.shortcuts",
            "aget_object_or_404",
        );
        assert_eq!(
            out,
            "from django.shortcuts import aget_object_or_404, get_object_or_404, render  # views\n"
        );
        let out = with_import(
            "from django.shortcuts import (\n    get_object_or_404,  # 404\n    render,\n)\n",
            "django.shortcuts",
            "aget_object_or_404",
        );
        assert_eq!(
            out,
            "from django.shortcuts import (\n    aget_object_or_404,\n    get_object_or_404,  # 404\n    render,\n)\n"
        );
        // A `\` continuation cannot take a name on a line of its own.
        let out = with_import(
            "from django.shortcuts import render, \\\n    redirect\n",
            "django.shortcuts",
            "aget_object_or_404",
        );
        assert_eq!(
            out,
            "from django.shortcuts import aget_object_or_404, render, \\\n    redirect\n"
        );
    }

    #[test]
    fn future_imports_and_docstrings_come_first() {
        snapshot(
            "after_future_and_stdlib",
            "\"\"\"Views.\"\"\"\nfrom __future__ import annotations\n\nimport os\n",
        );
        snapshot(
            "after_future_only",
            "\"\"\"Views.\"\"\"\n\nfrom __future__ import annotations\n\n\nasync def f():\n    pass\n",
        );
        snapshot(
            "docstring_without_imports",
            "\"\"\"Views.\n\nWith a long docstring.\n\"\"\"\n\n\nasync def f():\n    pass\n",
        );
    }

    #[test]
    fn never_inside_type_checking() {
        snapshot(
            "type_checking_block",
            "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from asgiref.sync import sync_to_async\n\n    from store.models import Order\n\nfrom store.services import total  # noqa: E402\n",
        );
        snapshot(
            "only_type_checking_imports",
            "if TYPE_CHECKING:\n    from store.models import Order\n\n\nasync def f():\n    pass\n",
        );
    }

    #[test]
    fn files_without_imports_or_starting_with_code() {
        snapshot("empty_file", "");
        snapshot("code_first", "x = 1\n\n\nasync def f():\n    pass\n");
        snapshot(
            "header_comments",
            "#!/usr/bin/env python\n# Copyright.\n\nasync def f():\n    pass\n",
        );
        snapshot("code_before_imports", "print(\"start\")\nimport os\n\nx = 1\n");
        assert_eq!(
            fixed("import django"),
            "import django\nfrom asgiref.sync import sync_to_async"
        );
        snapshot("comment_above_next_section", "import os\n# ours\nfrom store import x\n");
        snapshot("relative_imports", "from .models import Order\n");
    }

    #[test]
    fn crlf_files_get_crlf() {
        for src in [
            "import django\n\ndjango.setup()\n\nfrom store.services import order_total  # noqa: E402\n",
            "from store.services import (  # helpers\n    order_total,  # the total\n)  # helper\n",
            "from asgiref.sync import (  # thread helpers\n    async_to_sync,  # for tasks\n)  # helper\n",
            "\"\"\"Views.\"\"\"\n\n\nasync def f():\n    pass\n",
        ] {
            let crlf = src.replace('\n', "\r\n");
            let out = fixed(&crlf);
            assert_eq!(out, fixed(src).replace('\n', "\r\n"), "{crlf:?}");
        }
    }

    #[test]
    fn present_or_taken_names() {
        let present = "from asgiref.sync import sync_to_async  # noqa\n";
        assert_eq!(with_import(present, "asgiref.sync", "sync_to_async"), present);
        let in_try =
            "try:\n    from asgiref.sync import sync_to_async\nexcept ImportError:\n    sync_to_async = None\n";
        assert_eq!(
            with_import(in_try, "asgiref.sync", "sync_to_async"),
            "<name taken>",
            "rebound in `except`: another binding"
        );
        let in_try = "try:\n    from asgiref.sync import sync_to_async\nexcept ImportError:\n    raise\n";
        assert_eq!(with_import(in_try, "asgiref.sync", "sync_to_async"), in_try);
        for taken in [
            "def sync_to_async(f):\n    return f\n",
            "from channels.db import database_sync_to_async as sync_to_async\n",
            "sync_to_async = None\n",
            "import sync_to_async\n",
        ] {
            assert_eq!(
                with_import(taken, "asgiref.sync", "sync_to_async"),
                "<name taken>",
                "{taken}"
            );
        }
        // A local of some function does not count.
        let local = "def f():\n    sync_to_async = 1\n";
        assert_ne!(with_import(local, "asgiref.sync", "sync_to_async"), "<name taken>");
    }
}

#[cfg(test)]
mod depth_tests {
    use crate::rules::fixes::depth_tests::{fixed, DEEP};
    use crate::rules::Rule;

    const HEAD: &str = "import reflex as rx\nfrom shop.models import Product\n\n\nclass ListState(rx.State):\n";

    /// Uses of the model 100,000 levels deep in a method: the import moves
    /// into the method, in linear time, on a 2 MiB stack.
    #[test]
    fn deep_uses_in_a_method() {
        let n = DEEP;
        for (kind, expr) in [
            ("QuerySet chain", format!("Product.objects{}", ".filter()".repeat(n))),
            ("parentheses", format!("{}Product{}", "(".repeat(n), ")".repeat(n))),
            ("negations", format!("{}Product.pk", "-".repeat(n))),
            ("attribute names", format!("Product{}", ".Product".repeat(n))),
            (
                "keyword names",
                format!("{}Product{}", "f(Product=".repeat(n), ")".repeat(n)),
            ),
        ] {
            let state = format!("{HEAD}    async def load(self):\n        return {expr}\n");
            let out = fixed(&state, Rule::RDJ401).unwrap_or_else(|| panic!("{kind}: no fix"));
            let expected = format!(
                "import reflex as rx\n\n\nclass ListState(rx.State):\n    async def load(self):\n        from shop.models import Product\n        return {expr}\n"
            );
            assert!(out == expected, "{kind}: {}", &out[..out.len().min(300)]);
        }
    }

    /// With `from __future__ import annotations` a parameter's annotation
    /// is the function's, its default is not (it runs when `def` does).
    #[test]
    fn future_annotations_and_defaults() {
        let future = "from __future__ import annotations\n";
        let annotated = format!("{future}{HEAD}    async def load(self, p: Product):\n        return Product\n");
        let out = fixed(&annotated, Rule::RDJ401).expect("a fix");
        assert!(
            out.contains("        from shop.models import Product\n        return Product\n"),
            "{out}"
        );
        for default in ["p=Product", "p: int = Product.pk"] {
            let state = format!("{future}{HEAD}    async def load(self, {default}):\n        return Product\n");
            assert_eq!(fixed(&state, Rule::RDJ401), None, "{default}");
        }
    }

    /// A use that runs at import time, deep in a decorator or a default:
    /// still found, so no fix.
    #[test]
    fn deep_uses_at_import_time() {
        let n = DEEP;
        let deep = format!("{}Product{}", "(".repeat(n), ")".repeat(n));
        for (kind, code) in [
            (
                "decorator",
                format!("    @rx.event({deep})\n    async def load(self):\n        return Product\n"),
            ),
            (
                "default",
                format!("    async def load(self, p={deep}):\n        return Product\n"),
            ),
            (
                "class body",
                format!("    model = {deep}\n\n    async def load(self):\n        return Product\n"),
            ),
        ] {
            assert_eq!(fixed(&format!("{HEAD}{code}"), Rule::RDJ401), None, "{kind}");
        }
    }
}
