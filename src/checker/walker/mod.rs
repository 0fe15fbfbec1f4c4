//! The function-body walker (**infer**): evaluates one body's statements
//! and expressions in order, keeps a small environment of inferred types,
//! and hands what it finds to the rules at the nodes they care about. One
//! walker analyses one function body in one execution context (`Exec`).
//!
//! This file holds the walker's state ([`Walker`]), what the walks of one
//! file share ([`WalkState`]: memos that may not go into the run's summary
//! cache, recursion guards, the time [`Budget`]) and the nesting bound
//! ([`MAX_NESTING`]); each other file of the folder holds one part of the
//! walk. The walker computes types and effects: whether a rule fires and
//! what a finding says are the rules' (`crate::rules`; `report.rs` hands
//! them what was computed, with the execution context), and it never does
//! I/O.

mod assignments;
mod attributes;
mod branches;
mod calls;
mod coroutine_runs;
mod expressions;
mod helpers;
mod loops;
mod project_settings;
mod queries;
mod relations;
mod report;
mod statements;

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use tree_sitter::Node;

use super::summary_cache::{AttrsKey, Summary, SummaryKey};
use super::types::Ty;
use super::Exec;
use crate::diagnostic::Finding;
use crate::index::{FileId, WorkspaceIndex};
use crate::rules::RuleSet;
use crate::syntax::text;

/// Shared by the walkers of one walk (a group of roots of one file, and
/// the helpers they follow into other files): what may not go into the
/// run's [`crate::checker::summary_cache::SummaryCache`] because it depends
/// on this walk (a cycle cut short, the nesting bound, a closure's
/// variables), and the recursion guards.
#[derive(Default)]
pub struct WalkState {
    pub local: RefCell<FxHashMap<SummaryKey, Arc<Summary>>>,
    pub local_attrs: RefCell<FxHashMap<AttrsKey, Ty>>,
    pub local_envs: RefCell<FxHashMap<FileId, Arc<FxHashMap<String, Ty>>>>,
    /// Functions (file, start) whose summary is being computed.
    pub in_progress: RefCell<FxHashSet<(FileId, usize)>>,
    pub attrs_in_progress: RefCell<FxHashSet<crate::index::ClassRef>>,
    pub envs_in_progress: RefCell<FxHashSet<FileId>>,
    /// How often a guard or a bound cut a computation short: a summary
    /// computed while this grew depends on where it was asked from.
    pub cuts: Cell<u64>,
    /// The settings choose django-constance's database backend (looked up on first need).
    pub constance_database: std::cell::OnceCell<bool>,
    /// The project's authentication backends fetch the user as a plain row
    /// (looked up on first need).
    pub auth_backends_plain: std::cell::OnceCell<bool>,
    /// A middleware of the project's `MIDDLEWARE` replaces `request.user`
    /// with a value of its own (looked up on first need).
    pub user_replaced_by_middleware: std::cell::OnceCell<bool>,
    pub budget: std::sync::Arc<Budget>,
}

/// How long one file's analysis may take: a pathological file must not
/// stall a run. Past it the walkers stop (what they found stays) and the
/// file gets an RDJ000.
pub const ANALYSIS_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

/// The time left for one file's analysis (shared by its parallel walks).
#[derive(Debug)]
pub struct Budget {
    deadline: std::time::Instant,
    spent: std::sync::atomic::AtomicBool,
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(ANALYSIS_BUDGET)
    }
}

impl Budget {
    pub fn new(limit: std::time::Duration) -> Budget {
        Budget {
            deadline: std::time::Instant::now() + limit,
            spent: false.into(),
        }
    }

    /// Whether the time is up (once up, it stays up).
    pub fn spent(&self) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        if self.spent.load(Relaxed) {
            return true;
        }
        let spent = std::time::Instant::now() >= self.deadline;
        if spent {
            self.spent.store(true, Relaxed);
        }
        spent
    }

    /// Whether a walk found the time up (and stopped).
    pub fn ran_out(&self) -> bool {
        self.spent.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// How many walker steps pass between two looks at the clock.
const STEPS_PER_CLOCK_LOOK: u32 = 1024;

pub struct Walker<'a> {
    pub index: &'a WorkspaceIndex,
    pub file: FileId,
    pub src: &'a str,
    pub root: Node<'a>,
    pub exec: Exec,
    pub rules: RuleSet,
    pub depth_left: u32,
    pub shared: &'a WalkState,
    /// The function being analysed (its start byte: the scope of local imports).
    pub scope: Option<usize>,
    /// `Class.method` or `function`, for messages.
    pub function_name: String,
    pub env: FxHashMap<String, Ty>,
    /// Module-level bindings of the current file (fallback for names).
    pub module_env: &'a FxHashMap<String, Ty>,
    pub findings: Vec<Finding>,
    /// In `Exec::Summary`: the first blocking operation seen.
    pub blocking: Option<String>,
    /// The class whose method this is, if any.
    pub class: Option<crate::index::ClassRef>,
    /// `request.user` was assigned a concrete value in this function, or
    /// the request is a view's parameter and a middleware of the project
    /// replaces Django's lazy user: reading it is not known to query.
    pub user_assigned: bool,
    /// Walking a constructor's always-run statements: a plain module-level
    /// helper called there is not followed (its query may sit behind a
    /// cache or a context variable, as pulpcore's `get_domain()`); its own
    /// queries, manager methods and nested constructions still count.
    pub constructor_prefix: bool,
    /// The join of the types this function returns (for return inference),
    /// `return None` left out (see [`Self::take_returns`]).
    pub returns: Option<Ty>,
    /// Some path returns `None` (or nothing).
    pub returns_none: bool,
    /// The function is a frontend computed var (`@rx.var`, sync or async):
    /// Reflex sends what it returns to the browser.
    pub computed_var: bool,
    /// The Django version fixes may target.
    pub django_version: (u32, u32),
    /// How deep the walk is in nested statements, expressions and the
    /// helpers it follows (sub-walkers start from their caller's depth).
    pub nesting: u32,
    /// The types of the compound expressions evaluated so far (by node id).
    /// Rules ask again about nodes the walk has just evaluated (`eval_quiet`);
    /// answering from here keeps every question linear: re-evaluating would
    /// double the work at each level of `f(f(f(...)))`.
    pub(crate) evaluated: FxHashMap<usize, Ty>,
    /// Steps taken (the clock is looked at every `STEPS_PER_CLOCK_LOOK`).
    pub(crate) steps: u32,
    /// The analysis budget is spent: nothing more is walked.
    pub(crate) out_of_time: bool,
    /// `self.name = value` stores seen in this body (for `attribute_of_class`).
    pub self_attrs: Vec<(String, Ty)>,
    /// Collecting what this class's methods store on `self`: reads of its
    /// own attributes are unknown here (they are what is being computed).
    pub attrs_of: Option<crate::index::ClassRef>,
    /// Attributes of `self` known to be false here: the method returned or
    /// raised when they were true (`if self.is_superuser: return …`). A
    /// method called on `self` gets them too, so its own
    /// `if self.is_superuser:` block is not run from here.
    pub falsy_on_self: Vec<String>,
    /// While a method is called on `self`: the `falsy_on_self` its summary
    /// is computed with (part of the summary's key, see `summary_of`).
    pub facts_for_call: Vec<String>,
    /// Collecting the coroutines this sync function runs on an event loop
    /// of its own (`asyncio.run(agent.refresh())`, `checker::runners`):
    /// each one's function and argument types. `None`: not collecting.
    pub coroutine_runs: Option<Vec<super::runners::CoroutineRun>>,
}

/// How deeply nested code the walker evaluates. Deeper code (a 100,000-deep
/// parenthesis or method chain) is not walked: its value is `Unknown` and
/// nothing in it is reported, so the walker's recursion never grows with
/// the input. Real code stays far below (Python's own parser gives up at
/// 200 nested brackets). The bound keeps the stack within a 2 MiB thread
/// stack even in an unoptimized build, with room to spare: there one level
/// takes up to ~10 KiB (`checker::depth_tests` run on 2 MiB; 200 levels
/// overflow it).
pub const MAX_NESTING: u32 = 64;

impl<'a> Walker<'a> {
    /// A walker for one body of `file`, with an empty environment.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        index: &'a WorkspaceIndex,
        file: FileId,
        src: &'a str,
        root: Node<'a>,
        shared: &'a WalkState,
        module_env: &'a FxHashMap<String, Ty>,
        rules: RuleSet,
        exec: Exec,
        depth_left: u32,
        scope: Option<usize>,
        class: Option<crate::index::ClassRef>,
    ) -> Walker<'a> {
        Walker {
            index,
            file,
            src,
            root,
            exec,
            rules,
            depth_left,
            shared,
            scope,
            function_name: String::new(),
            env: FxHashMap::default(),
            module_env,
            findings: Vec::new(),
            blocking: None,
            class,
            user_assigned: false,
            constructor_prefix: false,
            computed_var: false,
            returns: None,
            returns_none: false,
            django_version: (5, 2),
            nesting: 0,
            evaluated: FxHashMap::default(),
            steps: 0,
            out_of_time: false,
            self_attrs: Vec::new(),
            attrs_of: None,
            falsy_on_self: Vec::new(),
            facts_for_call: Vec::new(),
            coroutine_runs: None,
        }
    }

    /// Runs `f` one level deeper, or returns `fallback` when the walk is
    /// [`MAX_NESTING`] deep already.
    /// Also stops the walk once the file's analysis [`Budget`] is spent.
    fn nested<T>(&mut self, fallback: T, f: impl FnOnce(&mut Self) -> T) -> T {
        if self.steps % STEPS_PER_CLOCK_LOOK == 0 && !self.out_of_time {
            self.out_of_time = self.shared.budget.spent();
        }
        self.steps = self.steps.wrapping_add(1);
        if self.nesting >= MAX_NESTING || self.out_of_time {
            // What is computed now depends on how deep the walk started.
            self.shared.cuts.set(self.shared.cuts.get() + 1);
            return fallback;
        }
        self.nesting += 1;
        let result = f(self);
        self.nesting -= 1;
        result
    }

    pub fn text(&self, node: Node<'_>) -> &'a str {
        text(node, self.src)
    }
}
