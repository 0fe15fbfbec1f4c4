//! Coroutines that sync code runs on an event loop of its own:
//! `asyncio.run(agent.nats_cmd(...))`, `loop.run_until_complete(...)`,
//! `async_to_sync(f)(...)` in a Celery task or a management command.
//!
//! The sync code itself is fine, but the coroutine runs on that loop, where
//! Django refuses the ORM. Such a call is a call site of the coroutine: the
//! coroutine is walked with the caller's argument types (what the caller's
//! query loaded, e.g. `Agent.objects.only("pk")`), and what it reports
//! beyond what it reports on its own is reported in its body — where Django
//! raises — naming the caller. Callers are found once per run: the sync
//! functions of files that mention a runner, walked without reporting.

use std::sync::Arc;

use tree_sitter::Node;

use super::summary_cache::{self, RunsKey};
use super::types::{Callable, Ty};
use super::walker::{Budget, WalkState, Walker, ANALYSIS_BUDGET};
use super::{AnalysisOptions, Exec};
use crate::diagnostic::Finding;
use crate::index::{ClassRef, FileId, FuncRef, WorkspaceIndex};

/// One coroutine run on an event loop by sync code.
#[derive(Debug, Clone)]
pub struct CoroutineRun {
    /// The coroutine function.
    pub callee: FuncRef,
    /// Its argument types at the call (parameter name → type).
    pub args: Vec<(String, Ty)>,
    /// The literal flags the call passes (`wait=False`).
    pub flags: CallFlags,
    /// The sync function that runs it (`Class.method` or `function`).
    pub caller: String,
    pub file: FileId,
    /// Start of the call that makes the coroutine.
    pub at: usize,
}

/// What a call passes for boolean flags of its callee.
#[derive(Debug, Clone, Default)]
pub struct CallFlags {
    /// Positional arguments given, each a literal flag or not (`None`: a
    /// splat, any parameter may be given).
    pub positional: Option<Vec<Option<bool>>>,
    /// `name=True` / `name=False` keyword arguments.
    pub keywords: Vec<(String, bool)>,
}

/// After the walk of the coroutine `def` (an analysis root): what it does
/// when sync code runs it with other arguments, reported in its body.
pub fn report_runs<'a>(w: &mut Walker<'a>, def: Node<'a>) {
    if w.exec != Exec::Async || w.depth_left == 0 {
        return;
    }
    let runs = runs_in_workspace(w.index, w.rules, w.django_version, w.depth_left);
    let this = (w.file, def.start_byte());
    let mine: Vec<&CoroutineRun> = runs
        .iter()
        .filter(|r| (r.callee.file, w.index.function(r.callee).range.start) == this)
        .collect();
    if mine.is_empty() {
        return;
    }
    let callee = Callable::Workspace(mine[0].callee);
    let plain = super::summary_of(w, &callee, &[]);
    for run in mine {
        let given = super::summary_of(w, &callee, &run.args);
        let new = given
            .findings
            .iter()
            .filter(|g| !plain.findings.iter().any(|p| p.rule == g.rule && p.range == g.range));
        let whence = caller_location(w.index, run);
        let flags = flag_values(w.src, def, run.callee.class.is_some(), &run.flags);
        for inner in new.filter(|f| !in_branch_not_taken(w.src, def, f.range.clone(), &flags)) {
            let message = format!(
                "{}, when `{}` ({whence}) runs it on an event loop with the arguments it gives there",
                inner.message, run.caller
            );
            w.findings.push(Finding::new(inner.rule, message, inner.range.clone()));
        }
    }
}

/// The boolean flags of `def` known for one call: the literal keyword
/// arguments, else a `True`/`False` default of a parameter the call does
/// not reach positionally. A flag the body assigns is left out.
fn flag_values(src: &str, def: Node<'_>, bound: bool, call: &CallFlags) -> Vec<(String, bool)> {
    let Some(params) = crate::syntax::field(def, "parameters") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // A method's receiver is not among the call's positional arguments.
    let skipped = usize::from(bound);
    let mut positional_params = true;
    // The position of the next parameter that takes a positional argument.
    let mut position = 0;
    for p in crate::syntax::named_children(params) {
        let (name, default) = match p.kind() {
            "default_parameter" | "typed_default_parameter" => (
                crate::syntax::field(p, "name"),
                crate::syntax::field(p, "value").and_then(|v| literal_bool(v.kind())),
            ),
            "identifier" | "typed_parameter" => (None, None),
            "list_splat_pattern" | "keyword_separator" => {
                positional_params = false;
                continue;
            }
            _ => continue,
        };
        let i = position;
        position += 1;
        let Some(name) = name.map(|n| crate::syntax::text(n, src).to_owned()) else {
            continue;
        };
        let keyword = call.keywords.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
        // The default holds when the call gives the parameter neither by
        // name nor by position (a splat may give any).
        let value = match &call.positional {
            None => keyword,
            Some(given) if positional_params && i >= skipped && i - skipped < given.len() => given[i - skipped],
            Some(_) => keyword.or(default),
        };
        if let Some(v) = value {
            if !assigns(src, def, &name) {
                out.push((name, v));
            }
        }
    }
    out
}

fn literal_bool(kind: &str) -> Option<bool> {
    match kind {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Whether the body of `def` assigns `name` (its flag value may change).
fn assigns(src: &str, def: Node<'_>, name: &str) -> bool {
    let mut stack = vec![def];
    while let Some(n) = stack.pop() {
        if matches!(
            n.kind(),
            "assignment" | "augmented_assignment" | "named_expression" | "for_statement"
        ) {
            let target = crate::syntax::field(n, "left").or_else(|| crate::syntax::field(n, "name"));
            if target.is_some_and(|t| crate::syntax::text(t, src).split(',').any(|part| part.trim() == name)) {
                return true;
            }
        }
        stack.extend(crate::syntax::named_children(n));
    }
    false
}

/// Whether `range` sits in an `if flag:` block (or its `else:`) that does
/// not run with these flag values.
fn in_branch_not_taken(src: &str, def: Node<'_>, range: std::ops::Range<usize>, flags: &[(String, bool)]) -> bool {
    if flags.is_empty() {
        return false;
    }
    let Some(leaf) = def.descendant_for_byte_range(range.start, range.end) else {
        return false;
    };
    let mut node = leaf;
    while let Some(parent) = node.parent() {
        if node.id() == def.id() {
            break;
        }
        if parent.kind() == "if_statement" {
            let value = crate::syntax::field(parent, "condition").and_then(|c| flag_truth(src, c, flags));
            let in_consequence = crate::syntax::field(parent, "consequence").is_some_and(|c| c.id() == node.id());
            let alternatives: Vec<Node<'_>> = {
                let mut cursor = parent.walk();
                parent.children_by_field_name("alternative", &mut cursor).collect()
            };
            let only_else = alternatives.len() == 1 && alternatives[0].kind() == "else_clause";
            match value {
                Some(false) if in_consequence => return true,
                Some(true) if only_else && node.id() == alternatives[0].id() => return true,
                _ => {}
            }
        }
        node = parent;
    }
    false
}

/// `flag` / `not flag` / `(flag)` for a known flag.
fn flag_truth(src: &str, condition: Node<'_>, flags: &[(String, bool)]) -> Option<bool> {
    let mut node = condition;
    let mut negated = false;
    loop {
        match node.kind() {
            "not_operator" => {
                negated = !negated;
                node = crate::syntax::field(node, "argument")?;
            }
            "parenthesized_expression" => node = node.named_child(0)?,
            "identifier" => {
                let name = crate::syntax::text(node, src);
                let value = flags.iter().find(|(f, _)| f == name).map(|(_, v)| *v)?;
                return Some(value != negated);
            }
            _ => return None,
        }
    }
}

/// `tasks.py:87`: where a run is, for messages.
fn caller_location(index: &WorkspaceIndex, run: &CoroutineRun) -> String {
    let entry = index.file(run.file);
    let name = entry
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{name}:{}", entry.lines().line_of(run.at) + 1)
}

/// Every coroutine run by the workspace's sync code, found once per run
/// (and options) and shared by all files.
fn runs_in_workspace(
    index: &WorkspaceIndex,
    rules: crate::rules::RuleSet,
    django_version: (u32, u32),
    depth: u32,
) -> Arc<Vec<CoroutineRun>> {
    let key: RunsKey = (rules, django_version, depth);
    summary_cache::of(index).coroutine_runs(key, || {
        let options = AnalysisOptions {
            rules,
            follow_calls_depth: depth,
            django_version,
        };
        // Deferred walks only: nothing here reports runs (asks this cache).
        collect_runs(index, &options)
    })
}

/// Byte-level hints that a file runs a coroutine on a loop of its own.
const RUNNER_HINTS: &[&str] = &["asyncio.run(", "run_until_complete(", "async_to_sync("];

/// With `from asyncio import run`, a bare `run(` is a hint too (the walker
/// then resolves which `run` a call names).
const IMPORTED_RUN_HINTS: (&str, &str) = ("from asyncio import", "run(");

fn collect_runs(index: &WorkspaceIndex, options: &AnalysisOptions) -> Vec<CoroutineRun> {
    // A walk of its own, so the result does not depend on which file asked.
    let shared = WalkState {
        budget: Arc::new(Budget::new(ANALYSIS_BUDGET)),
        ..WalkState::default()
    };
    let mut runs = Vec::new();
    for file in 0..index.files.len() {
        let entry = index.file(file);
        let find = |text: &[u8], hint: &str| memchr::memmem::find(text, hint.as_bytes()).is_some();
        let imports_run = find(entry.text.as_bytes(), IMPORTED_RUN_HINTS.0);
        let mentions = |text: &[u8]| {
            RUNNER_HINTS.iter().any(|h| find(text, h)) || (imports_run && find(text, IMPORTED_RUN_HINTS.1))
        };
        if entry.decode_error.is_some() || !mentions(entry.text.as_bytes()) {
            continue;
        }
        let Some(tree) = entry.tree() else { continue };
        let src: &str = &entry.text;
        let summary = entry.summary();
        let functions = summary.functions.iter().map(|f| (f, None));
        let methods = summary
            .classes
            .iter()
            .enumerate()
            .flat_map(|(i, c)| c.methods.iter().map(move |m| (m, Some(ClassRef { file, index: i }))));
        let callers: Vec<_> = functions
            .chain(methods)
            .filter(|(f, _)| !f.is_async && mentions(src[f.range.clone()].as_bytes()))
            .map(|(f, class)| (f.range.start, class))
            .collect();
        if callers.is_empty() {
            continue;
        }
        let module_env = super::module_env_of(index, &shared, options.rules, file);
        let root = tree.root_node();
        for (start, class) in callers {
            let Some(def) = definition_at(root, start) else {
                continue;
            };
            let mut w = super::new_walker(
                index,
                file,
                src,
                root,
                Exec::Deferred,
                options,
                &shared,
                &module_env,
                def,
                class,
            );
            w.coroutine_runs = Some(Vec::new());
            if let Some(body) = crate::syntax::field(def, "body") {
                w.walk_block(body);
            }
            runs.extend(w.coroutine_runs.take().unwrap_or_default());
        }
    }
    runs
}

/// The `function_definition` that starts at `start`.
fn definition_at(root: Node<'_>, start: usize) -> Option<Node<'_>> {
    let leaf = root.descendant_for_byte_range(start, start)?;
    std::iter::successors(Some(leaf), |n| n.parent())
        .find(|n| n.kind() == "function_definition" && n.start_byte() == start)
}
