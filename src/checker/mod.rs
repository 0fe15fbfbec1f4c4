//! The analysis core's entry point: (workspace index, file) → findings.
//! `check` and `server` both call [`check_file`]; neither holds rule logic.
//!
//! A file is analysed in three passes over its tree:
//! 1. module-level statements (`Exec::Deferred`): bindings only;
//! 2. every function body that runs on the event loop — each `async def`
//!    (`Exec::Async`), each sync event handler of a Reflex state
//!    (`Exec::SyncHandler`), each sync frontend computed var
//!    (`Exec::SyncComputedVar`) and each sync lifespan task
//!    (`Exec::SyncLifespanTask`), each sync GraphQL resolver that an async
//!    execution calls on the loop (`Exec::SyncResolver`, `frameworks`),
//!    each sync `__call__` of a middleware that marks itself a coroutine
//!    function (`Exec::SyncAwaitedMiddleware`) —
//!    with the `Walker`, which calls the rule checks;
//! 3. class- and module-level rules (state annotations, start-up imports,
//!    ModelState options) that need no flow analysis.
//!
//! This file is the per-file driver (`check_file`) and the execution
//! contexts (`Exec`, `AnalysisOptions`); `roots` finds what is walked,
//! `bindings` what a root's names hold, `summaries` what a call does, the
//! `walker` walks. Holds no rule logic of its own and does no I/O.

pub mod dispatch;
pub mod effects;
pub mod frameworks;
pub mod noqa;
pub mod runners;
pub mod summary_cache;
pub mod types;
pub mod walker;

mod bindings;
mod roots;
mod summaries;

use rustc_hash::FxHashMap;
use tree_sitter::Node;

use crate::diagnostic::Finding;
use crate::index::{ClassKind, ClassRef, FileId, WorkspaceIndex};
use crate::rules::{self, Rule, RuleSet};
use crate::syntax::{self, field};
use types::Ty;
use walker::{WalkState, Walker};

pub use bindings::annotation_ty;
pub(crate) use bindings::imports_django;
use bindings::{bind_parameters, user_replaced_by_middleware};
use roots::{collect_roots, is_frontend_computed_var, Root, PARALLEL_ROOTS};
use summaries::def_node;
pub use summaries::{
    attribute_of_class, constructor_blocking_path, helper_blocking_path, is_thread_wrapper, is_thread_wrapper_name,
    is_thread_wrapper_symbol, module_env_of, runs_in_thread, summary_of,
};

/// Where the code being walked runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exec {
    /// An `async def` body: blocking ORM use is reported under its own rule.
    Async,
    /// A sync Reflex event handler: runs on the loop thread, reported as RDJ108.
    SyncHandler,
    /// A sync frontend computed var (`@rx.var`) of a Reflex state: Reflex
    /// computes it on the loop thread while it builds the state delta after
    /// an event (and at hydration), reported as RDJ108.
    SyncComputedVar,
    /// A sync function registered with `app.register_lifespan_task`: Reflex
    /// calls it on the loop thread while the app starts, reported as RDJ108.
    SyncLifespanTask,
    /// A sync GraphQL resolver (Strawberry, Ariadne) of a workspace that
    /// executes its schema asynchronously: graphql-core calls it on the loop
    /// thread (`frameworks`), reported as RDJ108.
    SyncResolver,
    /// The sync `__call__` of a middleware whose `__init__` marks the
    /// instance a coroutine function (`markcoroutinefunction(self)`, Django's
    /// pattern for async-capable middleware): Django's async handler awaits
    /// `middleware(request)`, so the body runs on the loop thread before
    /// handing back the awaitable, reported as RDJ108.
    SyncAwaitedMiddleware,
    /// A sync helper being summarized for RDJ107: remember the first blocking use.
    Summary,
    /// Code that does not run on the loop (module level, thread-wrapped): nothing reported.
    Deferred,
}

impl Exec {
    /// Code that runs on the event loop's thread (an `async def` body or a
    /// sync body the framework calls there): where findings are reported.
    pub fn runs_on_loop(self) -> bool {
        matches!(
            self,
            Exec::Async
                | Exec::SyncHandler
                | Exec::SyncComputedVar
                | Exec::SyncLifespanTask
                | Exec::SyncResolver
                | Exec::SyncAwaitedMiddleware
        )
    }
}

/// What the caller decided for this file (from configuration).
#[derive(Debug, Clone)]
pub struct AnalysisOptions {
    pub rules: RuleSet,
    /// How many sync helper calls RDJ107 follows (config `follow-calls-depth`).
    pub follow_calls_depth: u32,
    /// The Django version fixes may use APIs of (`--django-version`; default 5.2).
    pub django_version: (u32, u32),
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions {
            rules: RuleSet::all(),
            follow_calls_depth: 3,
            django_version: (5, 2),
        }
    }
}

/// Can [`check_file`] report anything on this file, whatever the options?
/// Only code on the event loop, Reflex states and start-up modules are ever
/// reported, so callers may skip (and not even configure) other files; they
/// are not parsed unless resolution needs them. A module of plain functions
/// counts when another file registers one of them as a lifespan task.
pub fn can_have_findings(index: &WorkspaceIndex, file: FileId) -> bool {
    let entry = index.file(file);
    entry.decode_error.is_some()
        || crate::index::may_have_findings(entry.text.as_bytes())
        || index.defines_lifespan_task(file)
        || frameworks::may_define_resolvers(index, file)
        // A middleware awaited by Django's async handler need not say `async def`.
        || memchr::memmem::find(entry.text.as_bytes(), b"markcoroutinefunction").is_some()
}

/// All findings for one file, sorted by position, with `# noqa` applied.
/// Severity is each rule's default; configuration may override it after.
pub fn check_file(index: &WorkspaceIndex, file: FileId, options: &AnalysisOptions) -> Vec<Finding> {
    check_file_within(index, file, options, walker::ANALYSIS_BUDGET)
}

fn check_file_within(
    index: &WorkspaceIndex,
    file: FileId,
    options: &AnalysisOptions,
    budget: std::time::Duration,
) -> Vec<Finding> {
    let entry = index.file(file);
    if let Some(err) = &entry.decode_error {
        if options.rules.contains(Rule::RDJ000) {
            return vec![Finding::new(Rule::RDJ000, format!("cannot read source: {err}"), 0..0)];
        }
        return Vec::new();
    }
    if !can_have_findings(index, file) {
        return Vec::new();
    }
    let Some(tree) = entry.tree() else {
        return match entry.unparsable() {
            Some(why) if options.rules.contains(Rule::RDJ000) => {
                vec![Finding::new(Rule::RDJ000, format!("cannot parse source: {why}"), 0..0)]
            }
            _ => Vec::new(),
        };
    };
    let src: &str = &entry.text;
    let root = tree.root_node();
    let budget = std::sync::Arc::new(walker::Budget::new(budget));
    let shared = WalkState {
        budget: budget.clone(),
        ..WalkState::default()
    };

    let module_env = module_env_of(index, &shared, options.rules, file);
    let roots = collect_roots(index, file, src, root);
    // The roots of one top-level definition (a class's handlers, a function
    // and the functions inside it) are walked together, sharing what they
    // learn about helpers; different definitions are independent, so a large
    // module's are walked in parallel with the same results as in sequence.
    let groups: Vec<&[Root<'_>]> = roots.chunk_by(|a, b| a.3 == b.3).collect();
    let walk_group = |group: &[Root<'_>]| -> Vec<Finding> {
        let shared = WalkState {
            budget: budget.clone(),
            ..WalkState::default()
        };
        let mut findings = Vec::new();
        for &(def, exec, class, _) in group {
            let mut w = new_walker(index, file, src, root, exec, options, &shared, &module_env, def, class);
            if exec == Exec::Async {
                rules::rdj201_sync_atomic_in_async::check_decorators(&mut w, def);
            }
            if let Some(body) = field(def, "body") {
                w.walk_block(body);
            }
            if exec == Exec::Async {
                runners::report_runs(&mut w, def);
            }
            findings.append(&mut w.findings);
        }
        findings
    };
    let mut findings: Vec<Finding> = if roots.len() >= PARALLEL_ROOTS {
        use rayon::prelude::*;
        groups.par_iter().flat_map_iter(|g| walk_group(g)).collect()
    } else {
        groups.iter().flat_map(|g| walk_group(g)).collect()
    };
    rules::rdj301_model_in_state_annotation::check(index, file, root, options.rules, &mut findings);
    rules::rdj401_models_imported_before_setup::check(index, file, options.rules, &mut findings);
    rules::rdj601_unknown_model_field::check(index, file, options.rules, &mut findings);
    rules::rdj602_invalid_select_related::check(index, file, options.rules, &mut findings);
    rules::rdj603_invalid_prefetch::check(index, file, options.rules, &mut findings);
    rules::rdj604_related_field_without_join::check(index, file, options.rules, &mut findings);
    if budget.ran_out() && options.rules.contains(Rule::RDJ000) {
        let seconds = walker::ANALYSIS_BUDGET.as_secs();
        let message = format!("analysis took longer than {seconds} s: the rest of the file is unchecked");
        findings.push(Finding::new(Rule::RDJ000, message, 0..0));
    }

    findings.sort_by_key(|f| (f.range.start, f.rule));
    findings.dedup_by(|a, b| a.rule == b.rule && a.range == b.range);
    noqa::filter(src, entry.lines(), findings)
}

#[allow(clippy::too_many_arguments)]
fn new_walker<'a>(
    index: &'a WorkspaceIndex,
    file: FileId,
    src: &'a str,
    root: Node<'a>,
    exec: Exec,
    options: &AnalysisOptions,
    shared: &'a WalkState,
    module_env: &'a FxHashMap<String, Ty>,
    def: Node<'a>,
    class: Option<ClassRef>,
) -> Walker<'a> {
    let mut w = Walker {
        django_version: options.django_version,
        function_name: function_name(src, def, class.map(|c| index.class(c).name.as_str())),
        computed_var: class.is_some_and(|c| matches!(index.class_kind(c), ClassKind::State { .. }))
            && is_frontend_computed_var(src, def),
        ..Walker::new(
            index,
            file,
            src,
            root,
            shared,
            module_env,
            options.rules,
            exec,
            options.follow_calls_depth,
            Some(def.start_byte()),
            class,
        )
    };
    bind_parameters(&mut w, def);
    w
}

fn function_name(src: &str, def: Node<'_>, class: Option<&str>) -> String {
    let name = field(def, "name").map(|n| syntax::text(n, src)).unwrap_or("<lambda>");
    match class {
        Some(c) => format!("{c}.{name}"),
        None => name.to_owned(),
    }
}

/// The analysis on hostile shapes of code, on a 2 MiB stack (a rayon
/// worker's default, and the server's threads'): depth must cost heap or be
/// cut off, never overflow the stack.
#[cfg(test)]
mod depth_tests {
    use super::*;
    use crate::index::FileEntry;

    const MODELS: &str =
        "from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField(max_length=10)\n";
    const DEEP: usize = 100_000;

    /// Checks `shop/state.py` (with `shop/models.py`) on a 2 MiB stack.
    fn check_on_small_stack(state: &str, extra: &[(&str, &str)]) -> Vec<Finding> {
        let mut entries = vec![
            FileEntry::new("shop/__init__.py".into(), vec!["shop".into()], b""),
            FileEntry::new("shop/models.py".into(), vec!["shop.models".into()], MODELS.as_bytes()),
            FileEntry::new("shop/state.py".into(), vec!["shop.state".into()], state.as_bytes()),
        ];
        for (name, text) in extra {
            entries.push(FileEntry::new(
                format!("shop/{name}.py").into(),
                vec![format!("shop.{name}")],
                text.as_bytes(),
            ));
        }
        let index = WorkspaceIndex::new(entries);
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn_scoped(scope, || check_file(&index, 2, &AnalysisOptions::default()))
                .expect("a thread")
                .join()
                .expect("no panic")
        })
    }

    fn codes(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.rule.code()).collect()
    }

    const HEAD: &str = "import reflex as rx\nfrom asgiref.sync import sync_to_async\nfrom shop.models import Product\n";

    /// Deep expressions of every kind, in a function and at module level:
    /// nothing in them is reported, and the rest of the file still is.
    #[test]
    fn deep_expressions_are_unknown_and_the_rest_is_checked() {
        let n = DEEP;
        let kinds: Vec<(&str, String)> = vec![
            ("parentheses", format!("{}1{}", "(".repeat(n), ")".repeat(n))),
            ("attributes", format!("a{}", ".b".repeat(n))),
            ("additions", format!("1{}", " + 1".repeat(n))),
            ("calls", format!("{}{}", "f(".repeat(n), ")".repeat(n))),
            ("keyword calls", format!("{}1{}", "f(x=".repeat(n), ")".repeat(n))),
            ("subscripts", format!("a{}", "[0]".repeat(n))),
            ("awaits", format!("{}a", "await ".repeat(n))),
            ("conditionals", format!("{}c", "a if b else ".repeat(n))),
            ("QuerySet chains", format!("Product.objects{}", ".filter()".repeat(n))),
            (
                "thread wrappers",
                format!("{}f{}", "sync_to_async(".repeat(n), ")".repeat(n)),
            ),
            ("lists", format!("{}{}", "[".repeat(n), "]".repeat(n))),
            ("dicts", format!("{}1{}", "{1: ".repeat(n), "}".repeat(n))),
            ("nots", format!("{}a", "not ".repeat(n))),
            ("ands", format!("a{}", " and a".repeat(n))),
            ("negations", format!("{}a", "-".repeat(n))),
            ("lambdas", format!("{}1", "lambda: ".repeat(n))),
            (
                "comprehensions",
                format!("{}x for x in y{}", "[".repeat(n), "]".repeat(n)),
            ),
            ("walruses", format!("{}1{}", "(y := ".repeat(n), ")".repeat(n))),
            ("string concatenations", "\"a\" ".repeat(n)),
        ];
        for (kind, expr) in kinds {
            let state =
                format!("{HEAD}x = {expr}\n\nasync def g():\n    y = {expr}\n    return Product.objects.get()\n");
            let findings = check_on_small_stack(&state, &[]);
            assert_eq!(codes(&findings), ["RDJ101"], "{kind}");
            assert_eq!(&state[findings[0].range.clone()], "Product.objects.get()", "{kind}");
        }
    }

    #[test]
    fn deep_statements_and_targets() {
        let n = DEEP;
        let cases = [
            ("chained assignment", format!("    {}1\n", "a = ".repeat(n))),
            (
                "nested target",
                format!("    {}a{} = 1\n", "(".repeat(n), ")".repeat(n)),
            ),
            (
                "nested tuple target",
                format!("    {}a{} = 1\n", "(".repeat(n), ",)".repeat(n)),
            ),
            (
                "tuples of themselves",
                format!("    x = Product.objects.get()\n{}", "    x = (x,)\n".repeat(n / 10)),
            ),
            (
                "wrappers of themselves",
                format!(
                    "    x = Product.objects.get\n{}",
                    "    x = sync_to_async(x)\n".repeat(n / 10)
                ),
            ),
            (
                "joins in a row",
                format!(
                    "    x = Product.objects.first()\n{}",
                    "    if c:\n        x = f\n".repeat(n / 20)
                ),
            ),
        ];
        for (kind, body) in cases {
            let state = format!("{HEAD}async def g():\n{body}    return Product.objects.get()\n");
            let findings = check_on_small_stack(&state, &[]);
            assert_eq!(codes(&findings).last(), Some(&"RDJ101"), "{kind}");
        }
    }

    /// Helpers returning each other's results: each return type nests one
    /// level deeper; the walk follows them on its own (bounded) depth.
    #[test]
    fn long_helper_chains() {
        let n = 20_000;
        let mut state = HEAD.to_owned();
        for i in 0..n {
            state.push_str(&format!("def h{i}():\n    return (h{}(),)\n", i + 1));
        }
        state.push_str(&format!("def h{n}():\n    return Product.objects.get()\n"));
        state.push_str("async def g():\n    x = h0()\n    return Product.objects.get()\n");
        assert_eq!(codes(&check_on_small_stack(&state, &[])).last(), Some(&"RDJ101"));
    }

    #[test]
    fn self_referencing_names_are_unknown() {
        let cases = [
            "Product = Product\n",
            "total = total\nlines = lines\n",
            "a = b\nb = a\n",
            "a = b\nb = c\nc = a\n",
        ];
        for aliases in cases {
            let state = format!(
                "{HEAD}{aliases}\nasync def g():\n    x = total\n    y = a\n    return Product.objects.get()\n"
            );
            let findings = check_on_small_stack(&state, &[]);
            let expected: &[&str] = if aliases.starts_with("Product") {
                &[]
            } else {
                &["RDJ101"]
            };
            assert_eq!(codes(&findings), expected, "{aliases}");
        }
        // A chain of 20,000 aliases that comes back to its start.
        let mut chain = String::new();
        for i in 0..20_000 {
            chain.push_str(&format!("a{i} = a{}\n", i + 1));
        }
        chain.push_str("a20000 = a0\n");
        let state =
            format!("{HEAD}{chain}async def g():\n    x = a0.objects.get()\n    return Product.objects.get()\n");
        assert_eq!(codes(&check_on_small_stack(&state, &[])), ["RDJ101"]);
    }

    /// Values that flow through functions into themselves: recursion with
    /// growing argument types, classes whose attributes hold themselves,
    /// properties and lambdas that read themselves, long constructor chains.
    #[test]
    fn values_flowing_into_themselves_end_as_unknown() {
        let cases = [
            "def grow(x):\n    return grow((x, x))\n\nasync def g():\n    p = await Product.objects.aget()\n    grow(p)\n",
            "class Node:\n    def __init__(self, parent):\n        self.parent = Node(self)\n        self.me = self.parent.me\n\nasync def g():\n    n = Node(await Product.objects.aget())\n    n.parent.me\n",
            "class Loop:\n    @property\n    def me(self):\n        return self.me\n\n    def __call__(self, x):\n        return self(x)\n\nasync def g():\n    Loop().me\n    Loop()(1)\n",
            "async def g():\n    f = lambda x: f(x)\n    f(await Product.objects.aget())\n",
            "def a(x):\n    return b([x])\n\ndef b(y):\n    return a({1: y})\n\nasync def g():\n    a(await Product.objects.aget())\n",
        ];
        for body in cases {
            let state = format!("{HEAD}{body}\nasync def h():\n    return Product.objects.get()\n");
            let findings = check_on_small_stack(&state, &[]);
            assert_eq!(codes(&findings), ["RDJ101"], "{body}");
        }
        // 2,000 classes, each storing the next one in `__init__`.
        let n = 2_000;
        let mut state = HEAD.to_owned();
        for i in 0..n {
            state.push_str(&format!(
                "class C{i}:\n    def __init__(self, x):\n        self.x = C{}(x)\n",
                i + 1
            ));
        }
        state.push_str(&format!(
            "class C{n}:\n    def __init__(self, x):\n        self.x = x\n"
        ));
        state.push_str(
            "async def g():\n    c = C0(await Product.objects.aget())\n    c.x.x.x\n    return Product.objects.get()\n",
        );
        assert_eq!(codes(&check_on_small_stack(&state, &[])), ["RDJ101"]);
    }

    #[test]
    fn import_cycles_across_modules_are_unknown() {
        let state = format!(
            "{HEAD}from shop.a import y\nfrom shop.c import *\n\nasync def g():\n    y.objects.get()\n    z.objects.get()\n    return Product.objects.get()\n"
        );
        let extra = [
            ("a", "from shop.b import y\n"),
            ("b", "from shop.a import y\n"),
            ("c", "from shop.d import *\nfrom shop.c import *\n"),
            ("d", "from shop.c import *\nfrom shop.d import *\n"),
        ];
        assert_eq!(codes(&check_on_small_stack(&state, &extra)), ["RDJ101"]);
    }

    #[test]
    fn deeply_nested_functions() {
        // As deep as tree-sitter can parse: every level is an `async def`.
        let levels = crate::syntax::MAX_INDENTATION_WIDTHS;
        let mut state = HEAD.to_owned();
        for depth in 0..levels {
            state.push_str(&format!("{}async def f{depth}():\n", " ".repeat(depth)));
        }
        state.push_str(&format!("{}return Product.objects.get()\n", " ".repeat(levels)));
        let started = std::time::Instant::now();
        assert_eq!(codes(&check_on_small_stack(&state, &[])), ["RDJ101"]);
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    #[test]
    fn an_analysis_over_its_budget_stops_and_says_so() {
        let state = format!("{HEAD}async def g():\n    return Product.objects.get()\n");
        let entries = vec![
            FileEntry::new("shop/__init__.py".into(), vec!["shop".into()], b""),
            FileEntry::new("shop/models.py".into(), vec!["shop.models".into()], MODELS.as_bytes()),
            FileEntry::new("shop/state.py".into(), vec!["shop.state".into()], state.as_bytes()),
        ];
        let index = WorkspaceIndex::new(entries);
        let options = AnalysisOptions::default();
        let findings = check_file_within(&index, 2, &options, std::time::Duration::ZERO);
        assert_eq!(codes(&findings), ["RDJ000"]);
        assert_eq!(
            findings[0].message,
            "analysis took longer than 10 s: the rest of the file is unchecked"
        );
        assert_eq!(codes(&check_file(&index, 2, &options)), ["RDJ101"]);
    }

    #[test]
    fn unparsable_source_is_reported_as_unreadable() {
        let mut state = HEAD.to_owned();
        for depth in 0..512 {
            state.push_str(&format!("{}if x:\n", " ".repeat(depth)));
        }
        state.push_str(&format!("{}y = \"s\"\n", " ".repeat(512)));
        state.push_str("async def g():\n    return Product.objects.get()\n");
        let findings = check_on_small_stack(&state, &[]);
        assert_eq!(codes(&findings), ["RDJ000"]);
        assert!(
            findings[0].message.contains("indentation nested too deeply"),
            "{}",
            findings[0].message
        );
    }
}
