//! The function-body walker: evaluates statements and expressions in order,
//! keeps a small environment of inferred types, and calls the rule checks at
//! the nodes they care about. One walker analyses one function body in one
//! execution context (`Exec`).

use std::cell::{Cell, RefCell};
use std::ops::Range;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use tree_sitter::Node;

use super::effects::{self, Effect, Evaluation, Receiver};
use super::summary_cache::{AttrsKey, Summary, SummaryKey};
use super::types::{Callable, Loaded, Ty};
use super::Exec;
use crate::diagnostic::Finding;
use crate::index::models::{FieldKind, Member, RelationKind};
use crate::index::{ClassKind, FileId, FuncRef, Symbol, WorkspaceIndex};
use crate::knowledge::django::{self, ConsumedArgs, Consumer, Consumes, Returns};
use crate::knowledge::third_party;
use crate::rules::{self, Rule, RuleSet};
use crate::syntax::{self, field, named_children, text};

/// `attr` of a test that is exactly `self.attr`.
fn self_attribute<'s>(test: Node<'_>, src: &'s str) -> Option<&'s str> {
    let test = syntax::unparen(test);
    if test.kind() != "attribute" {
        return None;
    }
    let object = field(test, "object")?;
    (object.kind() == "identifier" && text(object, src) == "self")
        .then(|| field(test, "attribute").map(|a| text(a, src)))
        .flatten()
}

/// A block whose last statement returns or raises: what follows it runs
/// only when the block did not.
fn always_leaves(block: Node<'_>) -> bool {
    let mut cursor = block.walk();
    let last = block
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .last();
    last.is_some_and(|n| matches!(n.kind(), "return_statement" | "raise_statement"))
}

/// `if` whose test reads a name the enclosing function declares `global`
/// and whose first block assigns it: a module-level cache filled on first
/// use (`global default; if default is None: default = Model.objects.get()`).
fn initializes_module_cache(stmt: Node<'_>, src: &str) -> bool {
    let (Some(test), Some(body)) = (field(stmt, "condition"), field(stmt, "consequence")) else {
        return false;
    };
    let Some(function) =
        std::iter::successors(stmt.parent(), |n| n.parent()).find(|n| n.kind() == "function_definition")
    else {
        return false;
    };
    let globals = declared_globals(function, src);
    let tested = identifiers_in(test, src);
    let assigned = assigned_names(body, src);
    tested
        .iter()
        .any(|name| globals.contains(name) && assigned.contains(name))
}

/// Names of `global` statements directly in `function`'s body (not in nested defs).
fn declared_globals<'s>(function: Node<'_>, src: &'s str) -> Vec<&'s str> {
    let mut names = Vec::new();
    let mut stack: Vec<Node<'_>> = field(function, "body").into_iter().collect();
    while let Some(node) = stack.pop() {
        match node.kind() {
            "global_statement" => {
                let mut cursor = node.walk();
                names.extend(
                    node.named_children(&mut cursor)
                        .filter(|n| n.kind() == "identifier")
                        .map(|n| text(n, src)),
                );
            }
            "function_definition" | "class_definition" | "lambda" => {}
            _ => {
                let mut cursor = node.walk();
                stack.extend(node.named_children(&mut cursor));
            }
        }
    }
    names
}

/// Every identifier inside `node`.
fn identifiers_in<'s>(node: Node<'_>, src: &'s str) -> Vec<&'s str> {
    let mut names = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.kind() == "identifier" {
            names.push(text(n, src));
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
    names
}

/// Names bound by a plain assignment (`name = …`, `name: T = …`) anywhere in `block`.
fn assigned_names<'s>(block: Node<'_>, src: &'s str) -> Vec<&'s str> {
    let mut names = Vec::new();
    let mut stack = vec![block];
    while let Some(n) = stack.pop() {
        match n.kind() {
            "assignment" => {
                if let Some(left) = field(n, "left").filter(|l| l.kind() == "identifier") {
                    names.push(text(left, src));
                }
            }
            "function_definition" | "class_definition" | "lambda" => continue,
            _ => {}
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
    names
}

/// `with self.assertRaises(SynchronousOnlyOperation)` / `pytest.raises(...)`.
fn expects_sync_only_error(w: &Walker<'_>, with_stmt: Node<'_>) -> bool {
    let mut items = Vec::new();
    for child in named_children(with_stmt) {
        if child.kind() == "with_clause" {
            items.extend(named_children(child));
        }
    }
    items.into_iter().any(|item| {
        let Some(mut value) = field(item, "value") else {
            return false;
        };
        if value.kind() == "as_pattern" {
            value = value.named_child(0).unwrap_or(value);
        }
        if value.kind() != "call" {
            return false;
        }
        let callee = field(value, "function").map(|f| w.text(f)).unwrap_or("");
        let last = callee.rsplit('.').next().unwrap_or(callee);
        let expecting = matches!(
            last,
            "assertRaises" | "assertRaisesMessage" | "assertRaisesRegex" | "raises"
        );
        expecting
            && field(value, "arguments")
                .and_then(|a| a.named_child(0))
                .is_some_and(|first| w.text(first).ends_with("SynchronousOnlyOperation"))
    })
}

/// Whether a slice has an expression after its second colon.
fn step_given(slice: Node<'_>) -> bool {
    let mut colons = 0;
    for c in syntax::children(slice) {
        if c.kind() == ":" {
            colons += 1;
        } else if colons >= 2 && c.is_named() {
            return true;
        }
    }
    false
}

/// A value whose iteration runs a query: a QuerySet, a `qs.iterator()`
/// generator or a lazy iterator over a QuerySet, a paginator's page.
fn evaluated_by_iteration(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::QuerySet { .. } | Ty::SyncIterator(_) | Ty::LazyIter(_) | Ty::Page(_)
    )
}

/// tree-sitter-python parses `[*qs.all()]` (a list starting with a splat)
/// as `[(*qs).all()]`: the splat binds to the head of the chain only.
fn splat_binds_head_only(splat: Node<'_>) -> bool {
    splat.parent().is_some_and(|p| {
        let head = match p.kind() {
            "attribute" => field(p, "object"),
            "call" => field(p, "function"),
            "subscript" => field(p, "value"),
            _ => None,
        };
        head.is_some_and(|h| h.id() == splat.id())
    })
}

/// Whether `element` is a chain whose head is such a misplaced splat: the
/// whole element is what is unpacked.
fn splatted_chain(element: Node<'_>) -> bool {
    let mut node = element;
    loop {
        let head = match node.kind() {
            "attribute" => field(node, "object"),
            "call" => field(node, "function"),
            "subscript" => field(node, "value"),
            "list_splat" => return node.id() != element.id(),
            _ => None,
        };
        match head {
            Some(h) => node = h,
            None => return false,
        }
    }
}

/// What iterating a list yields (instances collected earlier with `async for`).
/// `True` / `False` literals (by node kind).
fn literal_bool(kind: &str) -> Option<bool> {
    match kind {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn list_item(ty: &Ty) -> Ty {
    match ty {
        Ty::List(inner) => (**inner).clone(),
        // Filled on some paths only: its elements are still these.
        Ty::Maybe(inner) => match &**inner {
            Ty::List(item) => (**item).clone(),
            _ => Ty::Unknown,
        },
        _ => Ty::Unknown,
    }
}

/// A container's element type once `item` is added to elements of type
/// `element` (`Unknown`: none yet), or `None` when they are not alike
/// model data (the container is then unknown: precision first).
fn add_element(element: Ty, item: &Ty) -> Option<Ty> {
    if !matches!(item, Ty::Instance { .. } | Ty::QuerySet { .. }) {
        return None;
    }
    match element {
        Ty::Unknown => Some(item.clone()),
        e if e == *item => Some(e),
        e => match e.join(item.clone()) {
            joined @ (Ty::Instance { .. } | Ty::QuerySet { .. }) => Some(joined),
            _ => None,
        },
    }
}

/// Shared by the walkers of one walk (a group of roots of one file, and
/// the helpers they follow into other files): what may not go into the
/// run's [`crate::checker::summary_cache::SummaryCache`] because it depends
/// on this walk (a cycle cut short, the nesting bound, a closure's
/// variables), and the recursion guards.
#[derive(Default)]
pub struct Shared {
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
    pub shared: &'a Shared,
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

/// How many expression types one walker remembers (see `Walker::evaluated`).
const MAX_REMEMBERED: usize = 1 << 18;

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
        shared: &'a Shared,
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

    /// Compact source text for messages (whitespace folded, long calls elided).
    pub fn snippet(&self, node: Node<'_>) -> String {
        let raw: String = self.text(node).split_whitespace().collect::<Vec<_>>().join(" ");
        if raw.chars().count() > 60 {
            let cut: String = raw.chars().take(57).collect();
            format!("{cut}...")
        } else {
            raw
        }
    }

    /// `recv.method()` with the arguments elided, for messages.
    pub fn call_snippet(&self, callee: Node<'_>) -> String {
        let mut s = self.snippet(callee);
        s.push_str("()");
        s
    }

    /// A blocking operation: reported according to the execution context.
    pub fn report_blocking(&mut self, rule: Rule, range: Range<usize>, what: String) {
        self.report_blocking_fix(rule, range, what, None);
    }

    /// Like [`Self::report_blocking`], with the rewrite that fixes it in
    /// async code (dropped elsewhere: a sync handler needs another fix).
    pub fn report_blocking_fix(
        &mut self,
        rule: Rule,
        range: Range<usize>,
        what: String,
        fix: Option<crate::diagnostic::Fix>,
    ) {
        match self.exec {
            Exec::Async => {
                if self.rules.contains(rule) {
                    let msg = format!("{what} in async function `{}`", self.function_name);
                    self.findings.push(Finding::new(rule, msg, range).with_fix(fix));
                }
            }
            Exec::SyncHandler
            | Exec::SyncComputedVar
            | Exec::SyncLifespanTask
            | Exec::SyncResolver
            | Exec::SyncAwaitedMiddleware => {
                if self.rules.contains(Rule::RDJ108) {
                    use rules::rdj108_orm_in_sync_event_handler::{make_async, message, SyncContext};
                    let code = match self.exec {
                        Exec::SyncComputedVar => SyncContext::ComputedVar,
                        Exec::SyncLifespanTask => SyncContext::LifespanTask,
                        Exec::SyncResolver => SyncContext::GraphqlResolver,
                        Exec::SyncAwaitedMiddleware => SyncContext::AwaitedMiddleware,
                        _ => SyncContext::EventHandler,
                    };
                    let msg = message(&what, code, &self.function_name);
                    // A middleware's `__call__` serves the sync chain too:
                    // making it `async def` is no fix.
                    let fix = fix
                        .filter(|_| code != SyncContext::AwaitedMiddleware)
                        .filter(|_| {
                            code != SyncContext::GraphqlResolver || super::frameworks::async_fix_is_safe(self.index)
                        })
                        .and_then(|f| make_async(self.scope?, code, f));
                    self.findings.push(Finding::new(Rule::RDJ108, msg, range).with_fix(fix));
                }
            }
            Exec::Summary => {
                if self.blocking.is_none() {
                    // The call path's last step: the chain of a helper
                    // (RDJ107), or the blocking code itself.
                    self.blocking = Some(if rule == Rule::RDJ107 {
                        what
                    } else {
                        format!("`{}`", self.operation_at(range))
                    });
                }
            }
            Exec::Deferred => {}
        }
    }

    /// The code of a blocking operation, for call paths: a method call
    /// without its arguments (`Product.objects.get()`), anything else as
    /// written (`list(Product.objects.all())`, `order.customer`).
    fn operation_at(&self, range: Range<usize>) -> String {
        let node = self.root.descendant_for_byte_range(range.start, range.end).map(|n| {
            std::iter::successors(Some(n), |p| p.parent())
                .take_while(|p| p.byte_range() == range)
                .last()
                .unwrap_or(n)
        });
        match node {
            Some(n) if n.kind() == "call" => match field(n, "function") {
                Some(f) if f.kind() == "attribute" => self.call_snippet(f),
                _ => self.snippet(n),
            },
            Some(n) => self.snippet(n),
            None => String::new(),
        }
    }

    /// A finding that does not depend on where the code runs (RDJ202, RDJ302).
    pub fn report(&mut self, rule: Rule, range: Range<usize>, message: String) {
        self.report_fix(rule, range, message, None);
    }

    pub fn report_fix(
        &mut self,
        rule: Rule,
        range: Range<usize>,
        message: String,
        fix: Option<crate::diagnostic::Fix>,
    ) {
        if self.exec.runs_on_loop() && self.rules.contains(rule) {
            self.findings.push(Finding::new(rule, message, range).with_fix(fix));
        }
    }

    /// Whether an `await` may be inserted at `node`: in the async body itself,
    /// not inside a lambda, a generator expression or a nested def.
    pub fn can_await_at(&self, node: Node<'_>) -> bool {
        // In a sync handler, computed var, lifespan task or GraphQL resolver
        // too: its fix makes it `async def` (RDJ108).
        if !self.exec.runs_on_loop() {
            return false;
        }
        let Some(scope) = self.scope else { return false };
        let mut cur = node.parent();
        while let Some(n) = cur {
            match n.kind() {
                "function_definition" => return n.start_byte() == scope,
                "lambda" | "generator_expression" | "class_definition" => return false,
                _ => {}
            }
            cur = n.parent();
        }
        false
    }

    /// The byte range of the function being analysed.
    pub fn function_range(&self) -> Option<Range<usize>> {
        let scope = self.scope?;
        let node = self.root.descendant_for_byte_range(scope, scope)?;
        std::iter::successors(Some(node), |n| n.parent())
            .find(|n| n.kind() == "function_definition" && n.start_byte() == scope)
            .map(|n| n.byte_range())
    }

    pub fn in_handler(&self) -> bool {
        matches!(self.exec, Exec::Async | Exec::SyncHandler)
            && matches!(
                self.class.map(|c| self.index.class_kind(c)),
                Some(ClassKind::State { .. })
            )
    }

    // ----- statements -------------------------------------------------------

    pub fn walk_block(&mut self, block: Node<'a>) {
        // What a block learned about `self` holds until its end only.
        let known = self.falsy_on_self.len();
        self.nested((), |w| {
            for stmt in named_children(block) {
                w.walk_stmt(stmt);
            }
        });
        self.falsy_on_self.truncate(known);
    }

    /// What the walked function returns. A model instance or QuerySet on
    /// some paths and `None` on others is the instance: using the value on
    /// a `None` path fails with or without a query (as when `afirst()`
    /// finds no row). Anything else joined with `None` is unknown.
    pub fn take_returns(&mut self) -> Ty {
        match self.returns.take() {
            Some(Ty::Maybe(_)) | None => Ty::Unknown,
            Some(t @ (Ty::Instance { .. } | Ty::QuerySet { .. })) => t,
            Some(_) if self.returns_none => Ty::Unknown,
            Some(t) => t,
        }
    }

    /// The statements at the top of `block` that always run, in order: plain
    /// statements up to the first one that may branch or leave; stops at
    /// the first blocking operation found.
    pub fn walk_unconditional_prefix(&mut self, block: Node<'a>) {
        self.nested((), |w| {
            for stmt in named_children(block) {
                let always_runs = matches!(
                    stmt.kind(),
                    "expression_statement"
                        | "comment"
                        | "pass_statement"
                        | "import_statement"
                        | "import_from_statement"
                        | "global_statement"
                        | "nonlocal_statement"
                );
                if !always_runs || w.blocking.is_some() {
                    break;
                }
                w.walk_stmt(stmt);
            }
        })
    }

    fn walk_stmt(&mut self, stmt: Node<'a>) {
        match stmt.kind() {
            "expression_statement" => {
                for child in named_children(stmt) {
                    self.eval_statement_expr(child);
                }
            }
            "return_statement" => {
                let ty = stmt.named_child(0).map(|c| self.eval(c)).unwrap_or(Ty::Unknown);
                if let Some(value) = stmt.named_child(0) {
                    rules::rdj302_model_assigned_to_state::check_return(self, value);
                }
                if stmt.named_child(0).is_none_or(|v| v.kind() == "none") {
                    self.returns_none = true;
                    return;
                }
                self.returns = Some(match self.returns.take() {
                    None => ty,
                    Some(prev) => prev.join(ty),
                });
            }
            "delete_statement" => {
                for child in named_children(stmt) {
                    self.eval(child);
                    let targets = if child.kind() == "expression_list" {
                        named_children(child)
                    } else {
                        vec![child]
                    };
                    for target in targets.into_iter().filter(|t| t.kind() == "subscript") {
                        if self.is_session_proxy(target) {
                            rules::rdj106_blocking_django_api::report_session_proxy_write(self, target, true);
                        }
                    }
                }
            }
            "raise_statement" | "print_statement" => {
                for child in named_children(stmt) {
                    self.eval(child);
                }
            }
            "assert_statement" => {
                if let Some(first) = stmt.named_child(0) {
                    self.eval_test(first);
                }
                for child in named_children(stmt).into_iter().skip(1) {
                    self.eval(child);
                }
            }
            "if_statement" => self.walk_if(stmt),
            "while_statement" => {
                if let Some(c) = field(stmt, "condition") {
                    self.eval_test(c);
                }
                self.walk_branches(&[
                    field(stmt, "body"),
                    field(stmt, "alternative").and_then(|a| field(a, "body")),
                ]);
            }
            "for_statement" => self.walk_for(stmt),
            "with_statement" => self.walk_with(stmt),
            "try_statement" => self.walk_try(stmt),
            "match_statement" => {
                if let Some(s) = field(stmt, "subject") {
                    self.eval(s);
                }
                let mut cursor = stmt.walk();
                let cases: Vec<_> = field(stmt, "body")
                    .map(|b| b.named_children(&mut cursor).collect())
                    .unwrap_or_default();
                for case in cases {
                    if let Some(body) = field(case, "consequence") {
                        self.walk_block(body);
                    }
                }
            }
            "function_definition" => self.bind_local_def(stmt),
            "decorated_definition" => {
                let def = syntax::definition_of(stmt);
                if def.kind() == "function_definition" {
                    self.bind_local_def(def);
                }
            }
            "class_definition" => {
                if let Some(n) = field(stmt, "name") {
                    self.env.insert(self.text(n).to_owned(), Ty::Unknown);
                }
            }
            "import_statement" | "import_from_statement" => {
                // Function-local imports are resolved through the index (scoped);
                // drop any stale local binding of the same names.
                for b in &self.index.file(self.file).summary().imports {
                    if b.stmt_range == stmt.byte_range() {
                        self.env.remove(&b.local);
                    }
                }
            }
            "global_statement" | "nonlocal_statement" | "pass_statement" | "break_statement" | "continue_statement"
            | "comment" => {}
            _ => {
                for child in named_children(stmt) {
                    if child.kind() == "block" {
                        self.walk_block(child);
                    } else {
                        self.eval(child);
                    }
                }
            }
        }
    }

    fn walk_try(&mut self, stmt: Node<'a>) {
        // Duck typing: `try: n = await qs.acount()` / `except AttributeError:
        // n = len(qs)`. The handler runs when `qs` has no async QuerySet
        // method, so there `qs` is not a QuerySet, whatever its annotation.
        let duck_typed = field(stmt, "body")
            .map(|b| async_orm_receivers(b, self.src))
            .unwrap_or_default();
        // What the body bound when it ran to its end: the path taken unless
        // it raised.
        let mut after_body: FxHashMap<String, Ty> = FxHashMap::default();
        for child in named_children(stmt) {
            match child.kind() {
                "block" => {
                    self.walk_block(child);
                    after_body = self.env.clone();
                }
                "except_clause" | "except_group_clause" => {
                    self.walk_handler(child, &duck_typed);
                    self.keep_body_values_over_unknown_fallbacks(&after_body);
                }
                "else_clause" | "finally_clause" => self.walk_handler(child, &duck_typed),
                _ => {}
            }
        }
    }

    /// A handler that rebinds a name the body bound (`try: user =
    /// request.user` / `except AttributeError: user = scope["user"]`) gives it
    /// a fallback for when the body raised; where that fallback is unknown,
    /// the name still holds the body's value on the path that did not raise,
    /// which is the one to report on. A known fallback replaces it as before.
    fn keep_body_values_over_unknown_fallbacks(&mut self, after_body: &FxHashMap<String, Ty>) {
        for (name, body_ty) in after_body {
            if *body_ty != Ty::Unknown && self.env.get(name) == Some(&Ty::Unknown) {
                self.env.insert(name.clone(), body_ty.clone());
            }
        }
    }

    /// An `except`, `else` or `finally` clause. Under `except
    /// AttributeError`, the names whose async QuerySet method the body
    /// called are not QuerySets (duck typing).
    fn walk_handler(&mut self, clause: Node<'a>, duck_typed: &[String]) {
        let narrowed: Vec<(String, Option<Ty>)> = if catches_attribute_error(clause, self.src) {
            duck_typed
                .iter()
                .map(|n| (n.clone(), self.env.insert(n.clone(), Ty::Unknown)))
                .collect()
        } else {
            Vec::new()
        };
        for c in named_children(clause) {
            if c.kind() == "block" {
                self.walk_block(c);
            } else {
                self.eval(c);
            }
        }
        // Past the handler the name is what it was (unless rebound).
        for (name, before) in narrowed {
            if self.env.get(&name) == Some(&Ty::Unknown) {
                match before {
                    Some(ty) => self.env.insert(name, ty),
                    None => self.env.remove(&name),
                };
            }
        }
    }

    fn walk_if(&mut self, stmt: Node<'a>) {
        if let Some(c) = field(stmt, "condition") {
            self.eval_test(c);
        }
        let mut branches = vec![field(stmt, "consequence")];
        let mut cursor = stmt.walk();
        let alts: Vec<_> = stmt.children_by_field_name("alternative", &mut cursor).collect();
        for alt in alts {
            match alt.kind() {
                "elif_clause" => {
                    if let Some(c) = field(alt, "condition") {
                        self.eval_test(c);
                    }
                    branches.push(field(alt, "consequence"));
                }
                _ => branches.push(field(alt, "body")),
            }
        }
        // A sync helper's module cache (`global cache; if cache is None:
        // cache = query()`) runs its query once per process: nothing here
        // proves that the first call is the one on the loop.
        let run_once = self.exec == Exec::Summary && initializes_module_cache(stmt, self.src);
        // `if self.flag:` where the caller already returned when it was true.
        let tested = field(stmt, "condition").and_then(|c| self_attribute(c, self.src));
        let dead = tested.is_some_and(|attr| self.falsy_on_self.iter().any(|f| f == attr));
        self.walk_branches_first_deferred(&branches, run_once || dead);
        // `if self.flag: return …` with no other branch: false from here on.
        if let (Some(attr), [Some(body)]) = (tested, branches.as_slice()) {
            if !dead && always_leaves(*body) {
                self.falsy_on_self.push(attr.to_owned());
            }
        }
    }

    /// Walks alternative blocks from the same starting environment and keeps
    /// only the bindings they agree on.
    fn walk_branches(&mut self, blocks: &[Option<Node<'a>>]) {
        self.walk_branches_first_deferred(blocks, false);
    }

    /// [`Self::walk_branches`]; with `first_deferred`, the first block is
    /// walked for its bindings only (nothing in it is reported).
    fn walk_branches_first_deferred(&mut self, blocks: &[Option<Node<'a>>], first_deferred: bool) {
        let before = self.env.clone();
        let mut results: Vec<FxHashMap<String, Ty>> = Vec::new();
        for (i, b) in blocks.iter().enumerate() {
            let Some(b) = b else { continue };
            self.env = before.clone();
            if i == 0 && first_deferred {
                let saved = self.exec;
                self.exec = Exec::Deferred;
                self.walk_block(*b);
                self.exec = saved;
            } else {
                self.walk_block(*b);
            }
            results.push(std::mem::take(&mut self.env));
        }
        let mut merged = before.clone();
        for env in &results {
            for (k, v) in env {
                let cur = merged.get(k).cloned();
                let joined = match cur {
                    Some(c) if before.contains_key(k) || results.len() > 1 => c.join(v.clone()),
                    Some(c) => c.join(v.clone()),
                    None => {
                        // Bound only in some branches: known only if bound alike in all.
                        if results.iter().all(|e| e.get(k) == Some(v))
                            && results.len() == blocks.iter().flatten().count()
                        {
                            v.clone()
                        } else {
                            Ty::Unknown
                        }
                    }
                };
                merged.insert(k.clone(), joined);
            }
        }
        self.env = merged;
    }

    fn walk_for(&mut self, stmt: Node<'a>) {
        let is_async = syntax::is_async(stmt);
        let iter_ty = field(stmt, "right").map(|r| self.eval(r)).unwrap_or(Ty::Unknown);
        let item = if is_async {
            self.async_item(&iter_ty)
        } else {
            if let Some(r) = field(stmt, "right") {
                let fix = rules::rdj103_sync_queryset_evaluation::async_for_fix(self, stmt, r, &iter_ty);
                rules::rdj103_sync_queryset_evaluation::check_iteration(self, r, &iter_ty, "iterating", fix);
            }
            self.sync_item(&iter_ty)
        };
        if is_async {
            if let Some(r) = field(stmt, "right") {
                self.mark_evaluated(r, &iter_ty);
            }
        }
        if let Some(left) = field(stmt, "left") {
            self.bind_target(left, item);
        }
        self.walk_branches(&[field(stmt, "body"), None]);
        if let Some(alt) = field(stmt, "alternative").and_then(|a| field(a, "body")) {
            self.walk_block(alt);
        }
    }

    /// After `async for x in qs` (or `[... async for x in qs]`,
    /// `sync_to_async(list)(qs)`) the QuerySet in `qs` holds its results:
    /// later `len(qs)`, `qs[0]`, `for x in qs` run no query.
    pub fn mark_evaluated(&mut self, node: Node<'a>, ty: &Ty) {
        if node.kind() == "identifier" && matches!(ty, Ty::QuerySet { .. }) {
            self.env.insert(self.text(node).to_owned(), Ty::Unknown);
        }
    }

    /// What `async for x in <ty>` binds to `x`.
    pub fn async_item(&self, iter_ty: &Ty) -> Ty {
        match iter_ty {
            Ty::QuerySet {
                model,
                values: false,
                loaded,
            } => Ty::Instance {
                model: *model,
                loaded: loaded.clone(),
            },
            Ty::AsyncIter(inner) => (**inner).clone(),
            _ => Ty::Unknown,
        }
    }

    /// An item of `for x in it` / `[... for x in it]`. A QuerySet's rows are
    /// its instances, with what it loaded, only in the sync code that runs
    /// coroutines (`checker::runners`: the loop is off, iterating is fine
    /// there); on the loop the iteration itself is the finding (RDJ103).
    fn sync_item(&self, iter_ty: &Ty) -> Ty {
        match iter_ty {
            Ty::QuerySet { .. } if self.coroutine_runs.is_some() => self.async_item(iter_ty),
            _ => list_item(iter_ty),
        }
    }

    fn walk_with(&mut self, stmt: Node<'a>) {
        let is_async = syntax::is_async(stmt);
        let mut items = Vec::new();
        for child in named_children(stmt) {
            if child.kind() == "with_clause" {
                items.extend(named_children(child).into_iter().filter(|i| i.kind() == "with_item"));
            }
        }
        for item in items {
            let Some(mut value) = field(item, "value") else {
                continue;
            };
            let mut alias = None;
            if value.kind() == "as_pattern" {
                alias = field(value, "alias");
                value = value.named_child(0).unwrap_or(value);
            }
            if is_async {
                rules::rdj202_broken_async_atomic::check_async_with(self, value);
            } else {
                rules::rdj201_sync_atomic_in_async::check_with(self, value);
            }
            let ty = self.eval(value);
            if let Some(a) = alias {
                let target = a.named_child(0).unwrap_or(a);
                self.bind_target(target, if is_async { Ty::Unknown } else { ty });
            }
        }
        if let Some(body) = field(stmt, "body") {
            if !is_async && expects_sync_only_error(self, stmt) {
                // `with self.assertRaises(SynchronousOnlyOperation):` — a test
                // that runs the blocking call on purpose, to prove it raises.
                let saved = self.exec;
                self.exec = Exec::Deferred;
                self.walk_block(body);
                self.exec = saved;
            } else {
                self.walk_block(body);
            }
        }
    }

    fn bind_local_def(&mut self, def: Node<'a>) {
        let Some(name) = field(def, "name") else { return };
        let name = self.text(name).to_owned();
        let decorators = syntax::decorators(def);
        let wrapped = decorators.iter().any(|d| {
            let callee = if d.kind() == "call" {
                field(*d, "function").unwrap_or(*d)
            } else {
                *d
            };
            syntax::dotted(callee, self.src)
                .is_some_and(|n| super::is_thread_wrapper(self.index, self.file, self.scope, &n))
        });
        let ty = if syntax::is_async(def) || wrapped {
            Ty::Unknown
        } else {
            Ty::Function(Callable::Local(def.start_byte()))
        };
        self.env.insert(name, ty);
    }

    fn eval_statement_expr(&mut self, expr: Node<'a>) {
        match expr.kind() {
            "assignment" => self.walk_assignment(expr),
            "augmented_assignment" => {
                if let Some(r) = field(expr, "right") {
                    self.eval(r);
                }
                if let Some(l) = field(expr, "left") {
                    self.eval(l);
                    if let Some(r) = field(expr, "right") {
                        rules::rdj302_model_assigned_to_state::check_augmented(self, l, r);
                    }
                }
            }
            _ => {
                self.eval(expr);
            }
        }
    }

    fn walk_assignment(&mut self, assign: Node<'a>) {
        self.nested((), |w| w.walk_assignment_here(assign))
    }

    fn walk_assignment_here(&mut self, assign: Node<'a>) {
        let ty = match field(assign, "right") {
            Some(r) if r.kind() == "assignment" => {
                // Chained `a = b = value`.
                self.walk_assignment(r);
                r.named_child(0).map(|l| self.eval(l)).unwrap_or(Ty::Unknown)
            }
            Some(r) => self.eval(r),
            None => Ty::Unknown,
        };
        let Some(left) = field(assign, "left") else { return };
        if field(assign, "right").is_none() {
            // A bare annotation `x: Product` binds nothing at runtime.
            return;
        }
        if let Some(r) = field(assign, "right") {
            rules::rdj302_model_assigned_to_state::check_assignment(self, left, r, &ty);
        }
        if left.kind() == "attribute" {
            self.note_attribute_store(left);
            if let (Some(obj), Some(attr)) = (field(left, "object"), field(left, "attribute")) {
                if obj.kind() == "identifier" && self.text(obj) == "self" {
                    let name = self.text(attr);
                    self.falsy_on_self.retain(|f| f != name);
                    self.self_attrs.push((name.to_owned(), ty.clone()));
                }
            }
        }
        if left.kind() == "subscript" {
            self.note_item_store(left, &ty);
        }
        self.eval_store_target(left);
        if let Some(r) = field(assign, "right") {
            rules::rdj103_sync_queryset_evaluation::check_unpacking(self, left, r, &ty);
        }
        if left.kind() == "identifier"
            && self.text(left) == "request"
            && ty == Ty::Unknown
            && !field(assign, "right").is_some_and(|r| self.text(r).starts_with("self"))
            && super::imports_django(self.index, self.file)
        {
            self.bind_target(left, Ty::Request);
            return;
        }
        self.bind_target(left, ty);
    }

    /// The loads a store performs: `obj.attr = …` reads `obj`, `d[k] = …` reads `d` and `k`.
    fn eval_store_target(&mut self, target: Node<'a>) {
        self.nested((), |w| w.eval_store_target_here(target))
    }

    fn eval_store_target_here(&mut self, target: Node<'a>) {
        match target.kind() {
            "attribute" => {
                if let Some(o) = field(target, "object") {
                    self.eval(o);
                }
            }
            "subscript" => {
                if let Some(v) = field(target, "value") {
                    self.eval(v);
                }
                let mut cursor = target.walk();
                let subs: Vec<_> = target.children_by_field_name("subscript", &mut cursor).collect();
                for s in subs {
                    self.eval(s);
                }
                if self.is_session_proxy(target) {
                    rules::rdj106_blocking_django_api::report_session_proxy_write(self, target, false);
                }
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" => {
                for c in named_children(target) {
                    self.eval_store_target(c);
                }
            }
            _ => {}
        }
    }

    /// Is `subscript` `self.session[...]` in a state inheriting reflex-django's
    /// `AuthBridgeMixin`, whose `session` is a `SessionProxy` (its
    /// `__setitem__` / `__delitem__` save the session synchronously)?
    fn is_session_proxy(&mut self, subscript: Node<'a>) -> bool {
        let Some(value) = field(subscript, "value").filter(|v| v.kind() == "attribute") else {
            return false;
        };
        let (Some(obj), Some(attr)) = (field(value, "object"), field(value, "attribute")) else {
            return false;
        };
        if obj.kind() != "identifier" || self.text(attr) != "session" {
            return false;
        }
        match self.lookup(self.text(obj)) {
            Ty::StateSelf(class) => {
                self.index.find_method(class, "session").is_none() && self.index.has_session_proxy(class)
            }
            _ => false,
        }
    }

    /// `d[k] = inst` fills a dict (or an empty one) with instances.
    fn note_item_store(&mut self, left: Node<'a>, ty: &Ty) {
        let Some(value) = field(left, "value").filter(|v| v.kind() == "identifier") else {
            return;
        };
        let name = self.text(value).to_owned();
        if let Some(Ty::Dict(inner)) = self.env.get(&name).cloned() {
            let filled = add_element(*inner, ty).map_or(Ty::Unknown, |e| Ty::Dict(Box::new(e)));
            self.env.insert(name, filled);
        }
    }

    fn note_attribute_store(&mut self, left: Node<'a>) {
        // `order.customer = c` caches the relation on `order`.
        if let (Some(obj), Some(attr)) = (field(left, "object"), field(left, "attribute")) {
            if obj.kind() == "identifier" {
                let name = self.text(obj).to_owned();
                if let Some(Ty::Instance { model, mut loaded }) = self.env.get(&name).cloned() {
                    loaded.cached.push(self.text(attr).to_owned());
                    self.env.insert(name, Ty::Instance { model, loaded });
                }
            }
        }
        // `request.user = <value>`: later `request.user` reads are no longer lazy.
        if field(left, "attribute").is_some_and(|a| self.text(a) == "user") {
            if let Some(obj) = field(left, "object") {
                if self.eval_quiet(obj) == Ty::Request {
                    let rhs = left.parent().and_then(|p| field(p, "right"));
                    let lazy = rhs.is_some_and(|r| {
                        self.text(r).contains("SimpleLazyObject") || self.text(r).contains("LazyObject")
                    });
                    self.user_assigned = !lazy;
                }
            }
        }
    }

    pub fn bind_target(&mut self, target: Node<'a>, ty: Ty) {
        self.nested((), |w| w.bind_target_here(target, ty))
    }

    fn bind_target_here(&mut self, target: Node<'a>, ty: Ty) {
        match target.kind() {
            "identifier" => {
                self.env.insert(self.text(target).to_owned(), ty);
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list" => {
                let parts = named_children(target);
                for (i, p) in parts.iter().enumerate() {
                    let t = match &ty {
                        Ty::Tuple(items) if items.len() == parts.len() => items[i].clone(),
                        _ => Ty::Unknown,
                    };
                    self.bind_target(*p, t);
                }
            }
            "parenthesized_expression" => {
                if let Some(inner) = target.named_child(0) {
                    self.bind_target(inner, ty);
                }
            }
            "list_splat_pattern" => {
                if let Some(inner) = target.named_child(0) {
                    self.bind_target(inner, Ty::Unknown);
                }
            }
            _ => {}
        }
    }

    // ----- expressions ------------------------------------------------------

    /// Evaluates an expression used as a truth value (`if qs:`).
    pub fn eval_test(&mut self, node: Node<'a>) -> Ty {
        self.eval_truth(node, true)
    }

    /// `only_truth`: the expression's value is used only as a truth value, so
    /// `qs` may become `await qs.aexists()` (not so for the left operand of
    /// `x = qs or default`, whose value is the QuerySet itself).
    fn eval_truth(&mut self, node: Node<'a>, only_truth: bool) -> Ty {
        self.nested(Ty::Unknown, |w| w.eval_truth_here(node, only_truth))
    }

    fn eval_truth_here(&mut self, node: Node<'a>, only_truth: bool) -> Ty {
        let node = syntax::unparen(node);
        match node.kind() {
            "boolean_operator" => {
                if let Some(l) = field(node, "left") {
                    self.eval_truth(l, only_truth);
                }
                if let Some(r) = field(node, "right") {
                    self.eval_truth(r, only_truth);
                }
                Ty::Unknown
            }
            "not_operator" => {
                if let Some(a) = field(node, "argument") {
                    self.eval_truth(a, true);
                }
                Ty::Unknown
            }
            "named_expression" => {
                let ty = self.eval(node);
                if let Some(v) = field(node, "value") {
                    rules::rdj103_sync_queryset_evaluation::check_truthiness(self, v, &ty, false);
                }
                ty
            }
            _ => {
                let ty = self.eval(node);
                self.use_value(node, node, &ty);
                rules::rdj103_sync_queryset_evaluation::check_truthiness(self, node, &ty, only_truth);
                ty
            }
        }
    }

    /// Evaluates without reporting anything (for look-ahead questions).
    pub fn eval_quiet(&mut self, node: Node<'a>) -> Ty {
        let saved_exec = self.exec;
        let saved_blocking = self.blocking.take();
        self.exec = Exec::Deferred;
        let ty = self.eval(node);
        self.exec = saved_exec;
        self.blocking = saved_blocking;
        ty
    }

    /// The type of an expression, calling the rule checks inside it.
    pub fn eval(&mut self, node: Node<'a>) -> Ty {
        // Only a walk that reports nothing may reuse an earlier answer: a
        // reporting walk must visit the nodes to report them.
        let compound = node.named_child_count() > 0;
        if compound && self.exec == Exec::Deferred {
            if let Some(ty) = self.evaluated.get(&node.id()) {
                return ty.clone();
            }
        }
        let ty = self.nested(Ty::Unknown, |w| w.eval_here(node).bounded());
        if compound && self.evaluated.len() < MAX_REMEMBERED {
            self.evaluated.insert(node.id(), ty.clone());
        }
        ty
    }

    fn eval_here(&mut self, node: Node<'a>) -> Ty {
        match node.kind() {
            "parenthesized_expression" => node.named_child(0).map(|n| self.eval(n)).unwrap_or(Ty::Unknown),
            "identifier" => self.lookup(self.text(node)),
            "attribute" => self.eval_attribute(node),
            "call" => self.eval_call(node),
            "await" => {
                let inner = node.named_child(0).map(|n| self.eval(n)).unwrap_or(Ty::Unknown);
                match inner {
                    Ty::Awaitable(t) => *t,
                    _ => Ty::Unknown,
                }
            }
            "subscript" => self.eval_subscript(node),
            "boolean_operator" => {
                if let Some(l) = field(node, "left") {
                    self.eval_truth(l, false);
                }
                let is_and = syntax::children(node).iter().any(|c| c.kind() == "and");
                let r = field(node, "right").map(|r| self.eval(r)).unwrap_or(Ty::Unknown);
                if is_and {
                    r
                } else {
                    Ty::Unknown
                }
            }
            "binary_operator" => {
                if let Some(l) = field(node, "left") {
                    let ty = self.eval(l);
                    self.use_value(node, l, &ty);
                }
                let r = field(node, "right").map(|r| self.eval(r)).unwrap_or(Ty::Unknown);
                if let Some(r_node) = field(node, "right") {
                    self.use_value(node, r_node, &r);
                }
                rules::rdj103_sync_queryset_evaluation::check_percent_format(self, node, &r);
                Ty::Unknown
            }
            "not_operator" => {
                if let Some(a) = field(node, "argument") {
                    self.eval_test(a);
                }
                Ty::Unknown
            }
            "conditional_expression" => {
                let parts = named_children(node);
                if let Some(cond) = parts.get(1) {
                    self.eval_test(*cond);
                }
                let a = parts.first().map(|p| self.eval(*p)).unwrap_or(Ty::Unknown);
                let b = parts.get(2).map(|p| self.eval(*p)).unwrap_or(Ty::Unknown);
                a.join(b)
            }
            "comparison_operator" => {
                self.eval_comparison(node);
                Ty::Unknown
            }
            "list_comprehension" | "set_comprehension" | "generator_expression" | "dictionary_comprehension" => {
                self.eval_comprehension(node)
            }
            "string" => {
                for child in named_children(node) {
                    if child.kind() == "interpolation" {
                        if let Some(e) = field(child, "expression").or_else(|| child.named_child(0)) {
                            let ty = self.eval(e);
                            self.use_value(e, e, &ty);
                            rules::rdj103_sync_queryset_evaluation::check_formatting(self, e, &ty);
                        }
                    }
                }
                Ty::Unknown
            }
            "lambda" => Ty::Function(Callable::Local(node.start_byte())),
            "named_expression" => {
                let ty = field(node, "value").map(|v| self.eval(v)).unwrap_or(Ty::Unknown);
                if let Some(n) = field(node, "name") {
                    self.env.insert(self.text(n).to_owned(), ty.clone());
                }
                ty
            }
            // `return product, 1` is an `expression_list`: a tuple.
            "list" | "tuple" | "set" | "expression_list" => {
                let mut items = Vec::new();
                for c in named_children(node).into_iter().filter(|c| c.kind() != "comment") {
                    let ty = self.eval(c);
                    if splatted_chain(c) {
                        self.consume_operand(c, c, ty.clone(), Evaluation::Splat);
                    }
                    items.push(ty);
                }
                if matches!(node.kind(), "tuple" | "expression_list") {
                    Ty::Tuple(items)
                } else {
                    // `[]` is a list to fill (`.append(inst)`): `List(Unknown)`.
                    let element = items.iter().try_fold(Ty::Unknown, add_element);
                    element.map_or(Ty::Unknown, |e| Ty::List(Box::new(e)))
                }
            }
            "dictionary" => {
                let mut values = Some(Ty::Unknown);
                for pair in named_children(node) {
                    if pair.kind() == "pair" {
                        if let Some(k) = field(pair, "key") {
                            self.eval(k);
                        }
                        let v = field(pair, "value").map(|v| self.eval(v)).unwrap_or(Ty::Unknown);
                        values = values.and_then(|e| add_element(e, &v));
                    } else if pair.kind() != "comment" {
                        self.eval(pair);
                        values = None;
                    }
                }
                values.map_or(Ty::Unknown, |e| Ty::Dict(Box::new(e)))
            }
            "keyword_argument" => field(node, "value").map(|v| self.eval(v)).unwrap_or(Ty::Unknown),
            "list_splat" => {
                let Some(value) = node.named_child(0) else {
                    return Ty::Unknown;
                };
                let ty = self.eval(value);
                if splat_binds_head_only(node) {
                    // The element holding this chain is what is unpacked.
                    return ty;
                }
                self.consume_operand(node, value, ty, Evaluation::Splat);
                Ty::Unknown
            }
            "yield" => {
                let delegates = syntax::children(node).iter().any(|c| c.kind() == "from");
                if let Some(value) = node.named_child(0) {
                    let ty = self.eval(value);
                    // A summarized helper is being called, and calling a
                    // generator function runs none of its body.
                    if delegates && self.exec != Exec::Summary {
                        self.consume_operand(node, value, ty, Evaluation::YieldFrom);
                    }
                }
                Ty::Unknown
            }
            "true" | "false" | "none" | "integer" | "float" | "comment" | "ellipsis" => Ty::Unknown,
            _ => {
                for child in named_children(node) {
                    self.eval(child);
                }
                Ty::Unknown
            }
        }
    }

    pub fn lookup(&mut self, name: &str) -> Ty {
        if let Some(t) = self.env.get(name) {
            return t.clone();
        }
        // Function-local imports shadow module bindings.
        let local_import = self.scope.is_some_and(|s| {
            self.index
                .file(self.file)
                .summary()
                .imports
                .iter()
                .any(|b| b.scope == Some(s) && b.local == name)
        });
        if !local_import {
            if let Some(t) = self.module_env.get(name) {
                return t.clone();
            }
        }
        let sym = self.index.resolve_name(self.file, name, self.scope);
        self.ty_of_symbol(&sym)
    }

    pub fn ty_of_symbol(&self, sym: &Symbol) -> Ty {
        if let Some(m) = self.index.model_of_symbol(sym) {
            return Ty::ModelClass(m);
        }
        // A workspace `SyncToAsync` subclass, or an alias of one: called as `sync_to_async` is.
        if matches!(sym, Symbol::Class(_) | Symbol::Assignment(..)) && super::is_thread_wrapper_symbol(self.index, sym)
        {
            return Ty::External("asgiref.sync.SyncToAsync".into());
        }
        match sym {
            Symbol::Function(f) => Ty::Function(Callable::Workspace(*f)),
            Symbol::Module(f) => Ty::Module(*f),
            Symbol::Class(c) if self.index.class_kind(*c) == ClassKind::Other => Ty::Class(*c),
            // `orders = OrderRepository()` at the top of another module.
            Symbol::Assignment(f, i) => match &self.index.file(*f).summary().assignments[*i].value {
                crate::index::summary::Value::Call {
                    callee, dotted: true, ..
                } => match self.index.resolve_dotted(*f, callee, None) {
                    Symbol::Class(c) if self.index.class_kind(c) == ClassKind::Other => Ty::Object(c, Vec::new()),
                    _ => Ty::Unknown,
                },
                _ => Ty::Unknown,
            },
            Symbol::External(q) => Ty::External(q.clone()),
            _ => Ty::Unknown,
        }
    }

    fn eval_attribute(&mut self, node: Node<'a>) -> Ty {
        let Some(obj) = field(node, "object") else {
            return Ty::Unknown;
        };
        let attr = field(node, "attribute").map(|a| self.text(a)).unwrap_or("");
        let obj_ty = self.eval(obj);
        self.attribute_of(node, &obj_ty, attr)
    }

    /// The type of `obj.attr`, reporting lazy loads (RDJ104) and `request.user` reads (RDJ106).
    /// `Model.method` for a `@classmethod` or `@staticmethod` of the model:
    /// callable without an instance (a plain method so reached is not placed).
    fn class_level_method(&self, model: crate::index::ModelId, attr: &str) -> Ty {
        let Some(f) = self
            .index
            .model(model)
            .class
            .and_then(|c| self.index.find_method(c, attr))
        else {
            return Ty::Unknown;
        };
        let decorators = &self.index.function(f).decorators;
        if decorators
            .iter()
            .any(|d| matches!(d.rsplit('.').next(), Some("classmethod" | "staticmethod")))
        {
            Ty::BoundMethod(Box::new(Ty::Function(Callable::Workspace(f))), attr.to_owned())
        } else {
            Ty::Unknown
        }
    }

    pub fn attribute_of(&mut self, node: Node<'a>, obj_ty: &Ty, attr: &str) -> Ty {
        match obj_ty {
            Ty::ModelClass(m) => {
                if self.index.model(*m).is_manager(attr) {
                    Ty::Manager {
                        model: *m,
                        related: false,
                        back: None,
                    }
                } else {
                    self.class_level_method(*m, attr)
                }
            }
            Ty::Instance { model, loaded } => {
                let info = self.index.model(*model);
                if !info.fields_known {
                    return Ty::Unknown;
                }
                // A method or class attribute of the model is not a relation:
                // no need to look for reverse accessors.
                let defined_on_class = info.class.is_some_and(|c| {
                    self.index.find_method(c, attr).is_some() || self.index.class(c).attr(attr).is_some()
                });
                let member = if defined_on_class {
                    info.own_member(attr)
                } else {
                    self.index.member(&info, attr)
                };
                match member {
                    Some(Member::Field(f)) => match f.kind {
                        FieldKind::Plain => {
                            rules::rdj104_lazy_relation_access::check_deferred(self, node, loaded, f);
                            Ty::Unknown
                        }
                        FieldKind::ForeignKey | FieldKind::OneToOne => match f.target {
                            Some(target) => {
                                // `obj.fk_id` holds the target's pk unless the FK names a `to_field`.
                                let plain_fk = f.decl.as_ref().is_none_or(|(file, range)| {
                                    self.index
                                        .file(*file)
                                        .text
                                        .get(range.clone())
                                        .is_some_and(|t| !t.contains("to_field"))
                                });
                                let many_to_one = f.kind == FieldKind::ForeignKey;
                                self.single_relation(node, loaded, attr, target, plain_fk, many_to_one)
                            }
                            None => Ty::Unknown,
                        },
                        FieldKind::ManyToMany => self.related_manager(loaded, attr, f.target, None),
                    },
                    Some(Member::Reverse(r)) => match r.kind {
                        RelationKind::ReverseOneToOne => {
                            self.single_relation(node, loaded, attr, r.model, false, false)
                        }
                        RelationKind::ReverseForeignKey | RelationKind::ReverseManyToMany => {
                            let back = (r.kind == RelationKind::ReverseForeignKey).then(|| r.field.clone());
                            self.related_manager(loaded, attr, Some(r.model), back)
                        }
                    },
                    Some(Member::ForeignKeyId(f)) => {
                        rules::rdj104_lazy_relation_access::check_deferred_fk_id(self, node, loaded, f);
                        Ty::Unknown
                    }
                    Some(Member::Pk) => Ty::Unknown,
                    None => {
                        // `Prefetch(..., to_attr=attr)`: a list of what its queryset loaded.
                        if let Some((_, model, rows)) = loaded.to_attrs.iter().find(|(name, ..)| name == attr) {
                            return Ty::List(Box::new(Ty::Instance {
                                model: *model,
                                loaded: (**rows).clone(),
                            }));
                        }
                        if let Some(class) = info.class {
                            if let Some(f) = self.index.find_method(class, attr) {
                                if self.is_plain_property(f) {
                                    return self.read_property(node, obj_ty, f);
                                }
                                return Ty::BoundMethod(
                                    Box::new(Ty::Function(Callable::Workspace(f))),
                                    attr.to_owned(),
                                );
                            }
                        }
                        // Defined only on subclasses: what their properties do.
                        if let Some(class) = info.class {
                            if let Some(read) = super::dispatch::subclass_property(self, class, attr, obj_ty) {
                                return self.read_dispatched_property(node, &read);
                            }
                        }
                        Ty::BoundMethod(Box::new(obj_ty.clone()), attr.to_owned())
                    }
                }
            }
            Ty::Manager { .. } | Ty::QuerySet { .. } => Ty::BoundMethod(Box::new(obj_ty.clone()), attr.to_owned()),
            Ty::Request => match attr {
                "user" if !self.user_assigned => Ty::LazyUser,
                "session" => Ty::Session,
                _ => Ty::Unknown,
            },
            Ty::LazyUser => {
                rules::rdj106_blocking_django_api::check_lazy_user_read(self, node);
                Ty::Unknown
            }
            Ty::Session => Ty::BoundMethod(Box::new(Ty::Session), attr.to_owned()),
            Ty::Paginator(_) => {
                if !django::paginator_attribute_counts(attr) {
                    // `sync_to_async(paginator.page)` is a method, not a call.
                    return Ty::BoundMethod(Box::new(obj_ty.clone()), attr.to_owned());
                }
                if let Some(paginator) = field(node, "object") {
                    effects::report(self, Effect::PaginatorCounts { at: node, paginator });
                }
                Ty::Unknown
            }
            // `page.object_list`: the slice of the QuerySet, still lazy.
            Ty::Page(qs) if attr == "object_list" => (**qs).clone(),
            // reflex-django's `SessionProxy`: `save()` is the session's.
            Ty::StateSelf(class)
                if attr == "session"
                    && self.index.find_method(*class, attr).is_none()
                    && self.index.has_session_proxy(*class) =>
            {
                Ty::Session
            }
            Ty::Object(class, ctor) => match self.index.find_method(*class, attr) {
                Some(f) if self.is_property(f) => self.read_property(node, obj_ty, f),
                Some(f) => Ty::Function(Callable::Workspace(f)),
                // Its own attributes, while they are being collected, are unknown.
                None if self.attrs_of == Some(*class) => Ty::Unknown,
                None => match super::attribute_of_class(self, *class, ctor, attr) {
                    // Defined only on subclasses: what their properties do.
                    Ty::Unknown => match super::dispatch::subclass_property(self, *class, attr, obj_ty) {
                        Some(read) => self.read_dispatched_property(node, &read),
                        None => self.inherited_external_member(obj_ty, *class, attr),
                    },
                    ty => ty,
                },
            },
            Ty::StateSelf(class) | Ty::Class(class) => match self.index.find_method(*class, attr) {
                Some(f) => Ty::Function(Callable::Workspace(f)),
                None => self.inherited_external_member(obj_ty, *class, attr),
            },
            Ty::SerializerOver(qs) => {
                if attr == third_party::SERIALIZER_RENDERS {
                    if let Some(value) = field(node, "object") {
                        let how = Evaluation::SerializerData;
                        effects::report(
                            self,
                            Effect::Evaluates {
                                at: node,
                                value,
                                ty: Box::new((**qs).clone()),
                                how,
                            },
                        );
                    }
                }
                Ty::Unknown
            }
            Ty::Module(f) => {
                let sym = self
                    .index
                    .resolve_qualified(&format!("{}.{attr}", self.index.file(*f).module()));
                self.ty_of_symbol(&sym)
            }
            Ty::External(q)
                if q == third_party::CONSTANCE_CONFIG && !attr.starts_with('_') && self.constance_reads_database() =>
            {
                Ty::ConfigValue
            }
            Ty::External(q)
                if q == third_party::STRAWBERRY_INFO_CONTEXT
                    && attr == "request"
                    && super::frameworks::strawberry_context_request_is_django(self.index) =>
            {
                // The view's request went through the project's `MIDDLEWARE`,
                // as a view's parameter does (see `bind_parameters`).
                if self.exec == Exec::Async && super::user_replaced_by_middleware(self) {
                    self.user_assigned = true;
                }
                Ty::Request
            }
            Ty::External(q) => {
                let q = format!("{q}.{attr}");
                match self.index.model_by_qualname(&q) {
                    Some(m) => Ty::ModelClass(m),
                    None => Ty::External(q),
                }
            }
            _ => Ty::Unknown,
        }
    }

    /// Whether the model's workspace class (or a workspace base) defines `method`.
    fn model_defines_method(&self, model: crate::index::ModelId, method: &str) -> bool {
        self.index
            .model(model)
            .class
            .is_some_and(|c| self.index.find_method(c, method).is_some())
    }

    /// `@property` / `@functools.cached_property`: reading it runs its body.
    pub fn is_property(&self, f: FuncRef) -> bool {
        self.index
            .function(f)
            .decorators
            .iter()
            .any(|d| matches!(d.rsplit('.').next(), Some("property" | "cached_property")))
    }

    /// `obj.prop`: RDJ107 if the property's body blocks; its value is what it returns.
    fn read_property(&mut self, node: Node<'a>, obj_ty: &Ty, f: FuncRef) -> Ty {
        let callee = Callable::Workspace(f);
        let receiver = obj_ty.carried();
        let args: Vec<(String, Ty)> = match self.index.function(f).params.first() {
            Some(p) if receiver != Ty::Unknown => vec![(p.name.clone(), receiver)],
            _ => Vec::new(),
        };
        let follows = match self.exec {
            Exec::Deferred => false,
            Exec::Summary => self.depth_left > 0,
            _ => true,
        };
        if follows {
            if let Some(path) = super::helper_blocking_path(self, &callee, &args) {
                let name = self.snippet(node);
                rules::rdj107_blocking_call_via_helper::report_property(self, node, &name, &path);
            }
        }
        super::summary_of(self, &callee, &args).returns.clone()
    }

    /// `@property` alone: a model's `cached_property` is often filled in a
    /// worker thread before async code reads it (weblate's
    /// `aprepare_permissions`), so only plain properties of model instances
    /// are followed.
    pub fn is_plain_property(&self, f: FuncRef) -> bool {
        self.index
            .function(f)
            .decorators
            .iter()
            .any(|d| d.rsplit('.').next() == Some("property"))
    }

    /// `obj.prop` where `prop` is a property of each subclass of `obj`'s
    /// class (`read`: their joined summary, see `dispatch`).
    fn read_dispatched_property(&mut self, node: Node<'a>, read: &Summary) -> Ty {
        let follows = match self.exec {
            Exec::Deferred => false,
            Exec::Summary => self.depth_left > 0,
            _ => true,
        };
        if let (true, Some(path)) = (follows, &read.blocking) {
            let name = self.snippet(node);
            rules::rdj107_blocking_call_via_helper::report_property(self, node, &name, path);
        }
        read.returns.clone()
    }

    /// `has_id_column`: a forward relation whose `<attr>_id` holds the target's pk;
    /// `many_to_one`: a forward `ForeignKey` (not a one-to-one).
    fn single_relation(
        &mut self,
        node: Node<'a>,
        loaded: &Loaded,
        attr: &str,
        target: crate::index::ModelId,
        has_id_column: bool,
        many_to_one: bool,
    ) -> Ty {
        if !loaded.known {
            // What the caller of an unseen parameter loaded below it is unseen too.
            return Ty::Instance {
                model: target,
                loaded: Loaded {
                    unseen: loaded.unseen,
                    ..Loaded::unknown()
                },
            };
        }
        // What `prefetch_related("attr__rest")` prefetched on the related object.
        let prefix = format!("{attr}__");
        let lookups_below = |lookups: &[String]| -> Vec<String> {
            lookups
                .iter()
                .filter_map(|p| {
                    if p.is_empty() {
                        Some(String::new())
                    } else {
                        p.strip_prefix(prefix.as_str()).map(str::to_owned)
                    }
                })
                .collect()
        };
        let touches = |p: &String| p.is_empty() || p == attr || p.starts_with(&prefix);
        let cached = loaded.cached.iter().any(|c| c == attr);
        if cached || loaded.prefetched.iter().any(touches) {
            // A foreign key prefetched by plain lookups only: the object comes
            // from the related model's `_base_manager` (Django's
            // `ForwardManyToOneDescriptor.get_prefetch_querysets`), a fresh
            // row. (A one-to-one's prefetch also caches the way back on it,
            // which is not tracked: left unknown.)
            let plain = !cached
                && many_to_one
                && loaded
                    .prefetched
                    .iter()
                    .filter(|p| touches(p))
                    .all(|p| loaded.prefetched_plain.contains(p));
            return Ty::Instance {
                model: target,
                loaded: Loaded {
                    known: plain,
                    prefetched: lookups_below(&loaded.prefetched),
                    prefetched_plain: lookups_below(&loaded.prefetched_plain),
                    ..Loaded::unknown()
                },
            };
        }
        match loaded.select_related.covers(attr) {
            Some(below) => {
                // `only("name", "category__name")` restricts the related object too.
                let only = loaded.only.as_ref().map(|o| {
                    o.iter()
                        .filter_map(|f| f.strip_prefix(prefix.as_str()).map(str::to_owned))
                        .collect()
                });
                // The query that loaded it loads deeper relations too (`order__customer`).
                let origin = loaded
                    .origin
                    .as_ref()
                    .map(|(file, at, path)| (*file, *at, format!("{path}{attr}__")));
                Ty::Instance {
                    model: target,
                    loaded: Loaded {
                        known: true,
                        select_related: below,
                        only,
                        prefetched: lookups_below(&loaded.prefetched),
                        prefetched_plain: lookups_below(&loaded.prefetched_plain),
                        origin,
                        ..Loaded::default()
                    },
                }
            }
            None => {
                rules::rdj104_lazy_relation_access::report_lazy(self, node, attr, loaded, has_id_column);
                Ty::Unknown
            }
        }
    }

    fn related_manager(
        &self,
        loaded: &Loaded,
        attr: &str,
        target: Option<crate::index::ModelId>,
        back: Option<String>,
    ) -> Ty {
        let prefetched = loaded
            .prefetched
            .iter()
            .any(|p| p.is_empty() || p == attr || p.starts_with(&format!("{attr}__")));
        match target {
            // A parameter whose caller is unseen: it may have prefetched it.
            Some(_) if loaded.unseen => Ty::Unknown,
            Some(model) if prefetched => Ty::PrefetchedRelated(model),
            Some(model) => Ty::Manager {
                model,
                related: true,
                back,
            },
            None => Ty::Unknown,
        }
    }

    fn eval_subscript(&mut self, node: Node<'a>) -> Ty {
        let value_ty = field(node, "value").map(|v| self.eval(v)).unwrap_or(Ty::Unknown);
        let single = {
            let mut cursor = node.walk();
            let subs: Vec<_> = node.children_by_field_name("subscript", &mut cursor).collect();
            (subs.len() == 1 && subs[0].kind() != "slice").then(|| subs[0])
        };
        if let Some(index) = single {
            match &value_ty {
                Ty::List(inner) | Ty::Dict(inner) => {
                    self.eval(index);
                    return (**inner).clone();
                }
                // `pair[0]` of a returned tuple.
                Ty::Tuple(items) if index.kind() == "integer" => {
                    let at = self.text(index).parse::<usize>().ok();
                    return at.and_then(|i| items.get(i)).cloned().unwrap_or(Ty::Unknown);
                }
                _ => {}
            }
        }
        let mut cursor = node.walk();
        let subs: Vec<_> = node.children_by_field_name("subscript", &mut cursor).collect();
        for s in &subs {
            if s.kind() != "slice" {
                self.eval(*s);
            } else {
                for c in named_children(*s) {
                    self.eval(c);
                }
            }
        }
        self.subscript_of(node, &value_ty, &subs)
    }

    /// `qs[i]` and `qs[a:b:step]` evaluate; `qs[a:b]` stays lazy. `page[i]`
    /// lists the page.
    fn subscript_of(&mut self, node: Node<'a>, value_ty: &Ty, subs: &[Node<'a>]) -> Ty {
        if let Some(value) = field(node, "value") {
            self.use_value(node, value, value_ty);
        }
        let [sub] = subs else { return Ty::Unknown };
        match value_ty {
            Ty::QuerySet { model, values, loaded } => {
                if sub.kind() == "slice" {
                    if !step_given(*sub) {
                        return value_ty.clone();
                    }
                    let how = Evaluation::SteppedSlice;
                    effects::report(
                        self,
                        Effect::Evaluates {
                            at: node,
                            value: node,
                            ty: Box::new(value_ty.clone()),
                            how,
                        },
                    );
                    return Ty::Unknown;
                }
                effects::report(
                    self,
                    Effect::Evaluates {
                        at: node,
                        value: node,
                        ty: Box::new(value_ty.clone()),
                        how: Evaluation::Index,
                    },
                );
                self.item_ty(*model, *values, loaded)
            }
            Ty::Page(_) if sub.kind() != "slice" => {
                effects::report(
                    self,
                    Effect::Evaluates {
                        at: node,
                        value: node,
                        ty: Box::new(value_ty.clone()),
                        how: Evaluation::Index,
                    },
                );
                Ty::Unknown
            }
            _ => Ty::Unknown,
        }
    }

    /// A comparison: `x in qs` / `x not in qs` iterate `qs` (a QuerySet, a
    /// lazy iterator over one, a page).
    fn eval_comparison(&mut self, node: Node<'a>) {
        let mut operands = Vec::new();
        let mut ops = Vec::new();
        for c in syntax::children(node) {
            if c.is_named() {
                operands.push(c);
            } else {
                ops.push(c.kind());
            }
        }
        let tys: Vec<Ty> = operands.iter().map(|o| self.eval(*o)).collect();
        for (operand, ty) in operands.iter().zip(&tys) {
            self.use_value(node, *operand, ty);
        }
        for (i, op) in ops.iter().enumerate() {
            let (Some(right), Some(ty)) = (operands.get(i + 1), tys.get(i + 1)) else {
                continue;
            };
            if !matches!(*op, "in" | "not in") || !evaluated_by_iteration(ty) {
                continue;
            }
            let element = (operands.len() == 2).then_some(operands[0]);
            let element_is_row = matches!(
                (&tys[0], ty),
                (Ty::Instance { model: a, .. }, Ty::QuerySet { model: b, values: false, .. }) if a == b
            );
            let how = Evaluation::Membership {
                negated: *op == "not in",
                element,
                element_is_row,
            };
            effects::report(
                self,
                Effect::Evaluates {
                    at: node,
                    value: *right,
                    ty: Box::new(ty.clone()),
                    how,
                },
            );
        }
    }

    fn eval_comprehension(&mut self, node: Node<'a>) -> Ty {
        let saved = self.env.clone();
        let mut evaluated = Vec::new();
        let mut item_ty = Ty::Unknown;
        let mut bound_name: Option<String> = None;
        for clause in named_children(node) {
            match clause.kind() {
                "for_in_clause" => {
                    let iter_ty = field(clause, "right").map(|r| self.eval(r)).unwrap_or(Ty::Unknown);
                    let item = if syntax::is_async(clause) {
                        if let Some(r) = field(clause, "right") {
                            evaluated.push((r, iter_ty.clone()));
                        }
                        self.async_item(&iter_ty)
                    } else {
                        if let Some(r) = field(clause, "right") {
                            // Only list/set/dict comprehensions may become async ones.
                            let fix = (node.kind() != "generator_expression")
                                .then(|| {
                                    rules::rdj103_sync_queryset_evaluation::async_for_fix(self, clause, r, &iter_ty)
                                })
                                .flatten();
                            rules::rdj103_sync_queryset_evaluation::check_iteration(
                                self,
                                r,
                                &iter_ty,
                                "iterating",
                                fix,
                            );
                        }
                        self.sync_item(&iter_ty)
                    };
                    if let Some(left) = field(clause, "left") {
                        if left.kind() == "identifier" {
                            bound_name = Some(self.text(left).to_owned());
                            item_ty = item.clone();
                        }
                        self.bind_target(left, item);
                    }
                }
                "if_clause" => {
                    for c in named_children(clause) {
                        self.eval_test(c);
                    }
                }
                _ => {}
            }
        }
        // A dict comprehension's body is a `key: value` pair: its value is the element.
        let body = field(node, "body").map(|b| match b.kind() {
            "pair" => {
                if let Some(k) = field(b, "key") {
                    self.eval(k);
                }
                field(b, "value").unwrap_or(b)
            }
            _ => b,
        });
        let body_ty = body.map(|b| self.eval(b)).unwrap_or(Ty::Unknown);
        self.env = saved;
        for (r, ty) in evaluated {
            self.mark_evaluated(r, &ty);
        }
        let is_item = body.is_some_and(|b| Some(self.text(b)) == bound_name.as_deref());
        let element = if is_item { item_ty } else { body_ty };
        match node.kind() {
            "list_comprehension" | "set_comprehension" if matches!(element, Ty::Instance { .. }) => {
                Ty::List(Box::new(element))
            }
            // `{p.pk: p async for p in qs}`: the body is the pair's value.
            "dictionary_comprehension" if matches!(element, Ty::Instance { .. }) => Ty::Dict(Box::new(element)),
            _ => Ty::Unknown,
        }
    }

    // ----- calls ------------------------------------------------------------

    fn eval_call(&mut self, node: Node<'a>) -> Ty {
        let Some(func) = field(node, "function") else {
            return Ty::Unknown;
        };
        let args = field(node, "arguments");
        let func_ty = match func.kind() {
            "attribute" => {
                let obj = field(func, "object");
                let obj_ty = obj.map(|o| self.eval(o)).unwrap_or(Ty::Unknown);
                let method = field(func, "attribute").map(|a| self.text(a)).unwrap_or("");
                self.eval_args(args);
                if obj_ty == Ty::Unknown {
                    if let Some(consumer) = django::consuming_method(method) {
                        self.consume(node, consumer, Evaluation::Method(consumer), args);
                    }
                }
                rules::rdj302_model_assigned_to_state::check_call(self, node, func, args);
                if let Some(ty) = self.method_call(node, func, obj, &obj_ty, method, args) {
                    return ty;
                }
                if let Some(ty) = self.container_method(obj, &obj_ty, method, args) {
                    return ty;
                }
                if obj.is_some() {
                    self.attribute_of(func, &obj_ty, method)
                } else {
                    Ty::Unknown
                }
            }
            _ => {
                let t = self.eval(func);
                // Arguments of thread wrappers are still evaluated here, on the loop.
                self.eval_args(args);
                if func.kind() == "identifier" && self.text(func) == "setattr" {
                    rules::rdj302_model_assigned_to_state::check_call(self, node, func, args);
                }
                t
            }
        };
        self.call_value(node, func, &func_ty, args)
    }

    /// `items.append(inst)`, `d.get(k)`, `d.values()`: what lists and dicts
    /// of instances hold.
    fn container_method(
        &mut self,
        obj: Option<Node<'a>>,
        obj_ty: &Ty,
        method: &str,
        args: Option<Node<'a>>,
    ) -> Option<Ty> {
        match (obj_ty, method) {
            (Ty::List(inner), "append" | "add") => {
                let name = obj
                    .filter(|o| o.kind() == "identifier")
                    .map(|o| self.text(o).to_owned())?;
                let item = self.positional_args(args).first().map(|a| self.eval_quiet(*a))?;
                let filled = add_element((**inner).clone(), &item).map_or(Ty::Unknown, |e| Ty::List(Box::new(e)));
                self.env.insert(name, filled);
                Some(Ty::Unknown)
            }
            (Ty::List(inner), "pop") | (Ty::Dict(inner), "get" | "pop" | "setdefault") => Some((**inner).clone()),
            (Ty::Dict(inner), "values") => Some(Ty::List(inner.clone())),
            (Ty::Dict(inner), "items") => Some(Ty::List(Box::new(Ty::Tuple(vec![Ty::Unknown, (**inner).clone()])))),
            _ => None,
        }
    }

    fn eval_args(&mut self, args: Option<Node<'a>>) {
        let Some(args) = args else { return };
        if args.kind() == "generator_expression" {
            self.eval(args);
            return;
        }
        for a in named_children(args) {
            match a.kind() {
                "lambda" => {}
                "keyword_argument" => {
                    if let Some(v) = field(a, "value") {
                        if v.kind() != "lambda" {
                            self.eval(v);
                        }
                    }
                }
                _ => {
                    self.eval(a);
                }
            }
        }
    }

    pub fn arg_nodes(&self, args: Option<Node<'a>>) -> Vec<Node<'a>> {
        args.map(|a| {
            named_children(a)
                .into_iter()
                .filter(|c| c.kind() != "comment")
                .collect()
        })
        .unwrap_or_default()
    }

    pub fn positional_args(&self, args: Option<Node<'a>>) -> Vec<Node<'a>> {
        self.arg_nodes(args)
            .into_iter()
            .filter(|a| !matches!(a.kind(), "keyword_argument" | "dictionary_splat" | "list_splat"))
            .collect()
    }

    pub fn keyword_names(&self, args: Option<Node<'a>>) -> Vec<String> {
        self.arg_nodes(args)
            .into_iter()
            .filter(|a| a.kind() == "keyword_argument")
            .filter_map(|a| field(a, "name").map(|n| self.text(n).to_owned()))
            .collect()
    }

    /// String literal arguments, or `None` if any argument is not one.
    pub fn string_args(&self, args: Option<Node<'a>>) -> Option<Vec<String>> {
        self.positional_args(args)
            .into_iter()
            .map(|a| syntax::string_value(a, self.src))
            .collect()
    }

    /// `recv.method(...)` on a receiver whose type we know.
    fn method_call(
        &mut self,
        call: Node<'a>,
        func: Node<'a>,
        obj: Option<Node<'a>>,
        obj_ty: &Ty,
        method: &'a str,
        args: Option<Node<'a>>,
    ) -> Option<Ty> {
        match obj_ty {
            Ty::Manager { model, related, back } => {
                // Rows of `order.items` have `item.order` cached by Django.
                let mut loaded = Loaded::fresh();
                loaded.cached.extend(back.iter().cloned());
                loaded.origin = obj.map(|o| (self.file, o.end_byte(), String::new()));
                self.queryset_method(call, func, *model, false, &loaded, *related, method, args)
            }
            Ty::QuerySet { model, values, loaded } => {
                let loaded = loaded.clone();
                self.queryset_method(call, func, *model, *values, &loaded, false, method, args)
            }
            // `obj.rel.all()` is served from the prefetch cache; `obj.rel.filter(...)`
            // is a new query of the related model (what the prefetch loaded
            // on its rows is not known here).
            Ty::PrefetchedRelated(model) => Some(match method {
                "all" | "get_queryset" => obj_ty.clone(),
                m if django::returns_queryset(m) && m != "none" => Ty::QuerySet {
                    model: *model,
                    values: django::returns_values(m),
                    loaded: Loaded::unknown(),
                },
                _ => Ty::Unknown,
            }),
            Ty::Instance { model, .. } => {
                if django::model_method_blocks(method) {
                    let on = Receiver::Model(*model);
                    self.report_blocking_method(call, func, on, method, args);
                    return Some(Ty::Unknown);
                }
                if method == "arefresh_from_db" {
                    self.refresh_instance(obj, args);
                    return Some(Ty::Awaitable(Box::new(Ty::Unknown)));
                }
                // A user model that defines the method itself runs its own
                // code (Weblate's `has_perm` reads permission caches): that
                // code is followed as any model method, not Django's.
                if django::user_method_blocks(method)
                    && self.is_user_model(*model)
                    && !self.model_defines_method(*model, method)
                {
                    let on = Receiver::User;
                    self.report_blocking_method(call, func, on, method, args);
                    return Some(Ty::Unknown);
                }
                if django::is_async_model_twin(method) {
                    return Some(Ty::Awaitable(Box::new(Ty::Unknown)));
                }
                None
            }
            Ty::Session => {
                if django::session_method_blocks(method) {
                    let on = Receiver::Session;
                    self.report_blocking_method(call, func, on, method, args);
                }
                Some(Ty::Unknown)
            }
            Ty::Paginator(qs) if django::paginator_method_counts(method) => {
                if let Some(paginator) = obj {
                    effects::report(self, Effect::PaginatorCounts { at: call, paginator });
                }
                Some(if django::paginator_method_returns_page(method) {
                    Ty::Page(qs.clone())
                } else {
                    Ty::Unknown
                })
            }
            Ty::Request if method == "auser" => {
                // A row with nothing loaded when the backend's `aget_user`
                // is `ModelBackend`'s; another backend (or a middleware of
                // the project that sets the user) may return anything.
                let loaded = if !self.user_assigned && self.auth_backends_get_plain_rows() {
                    Loaded::fresh()
                } else {
                    Loaded::unknown()
                };
                let user = self.index.auth_user().map(|m| Ty::Instance { model: m, loaded });
                Some(Ty::Awaitable(Box::new(user.unwrap_or(Ty::Unknown))))
            }
            _ => {
                let _ = obj;
                None
            }
        }
    }

    /// `await obj.arefresh_from_db(...)` reloads fields and drops cached relations.
    fn refresh_instance(&mut self, obj: Option<Node<'a>>, args: Option<Node<'a>>) {
        let Some(obj) = obj.filter(|o| o.kind() == "identifier") else {
            return;
        };
        let name = self.text(obj).to_owned();
        let Some(Ty::Instance { model, loaded }) = self.env.get(&name).cloned() else {
            return;
        };
        let mut new = Loaded {
            known: loaded.known,
            ..Loaded::default()
        };
        for a in self.arg_nodes(args) {
            if a.kind() != "keyword_argument" {
                continue;
            }
            let key = field(a, "name").map(|n| self.text(n)).unwrap_or("");
            let Some(value) = field(a, "value") else { continue };
            match key {
                "fields" => {
                    // Only these fields are reloaded; the rest keep their state.
                    new = loaded.clone();
                    let listed: Vec<String> = named_children(value)
                        .into_iter()
                        .filter_map(|v| syntax::string_value(v, self.src))
                        .collect();
                    new.deferred.retain(|d| !listed.contains(d));
                    if let Some(only) = &mut new.only {
                        only.extend(listed);
                    }
                }
                "from_queryset" => {
                    if let Ty::QuerySet { loaded: qs_loaded, .. } = self.eval_quiet(value) {
                        new = qs_loaded;
                    } else {
                        new = Loaded::unknown();
                    }
                }
                _ => {}
            }
        }
        self.env.insert(name, Ty::Instance { model, loaded: new });
    }

    #[allow(clippy::too_many_arguments)]
    fn queryset_method(
        &mut self,
        call: Node<'a>,
        func: Node<'a>,
        model: crate::index::ModelId,
        values: bool,
        loaded: &Loaded,
        related: bool,
        method: &'a str,
        args: Option<Node<'a>>,
    ) -> Option<Ty> {
        // A contrib manager's querying method (`Site.objects.get_current()`,
        // `User.objects.create_user()`) or its async twin.
        if let Some(manager) = self.contrib_manager_for(model, method) {
            let row = || Ty::Instance {
                model,
                loaded: Loaded::fresh(),
            };
            if let Some(api) = django::contrib_manager_method(manager, method) {
                self.report_blocking_method(call, func, Receiver::ContribManager(api), method, args);
                return Some(if api.returns_row { row() } else { Ty::Unknown });
            }
            if let Some(api) = django::contrib_manager_twin_of(manager, method) {
                return Some(Ty::Awaitable(Box::new(if api.returns_row {
                    row()
                } else {
                    Ty::Unknown
                })));
            }
        }
        if method == "none" || self.empty_input(method, args) {
            // Django answers these without a query.
            return Some(Ty::Unknown);
        }
        if method == "iterator" {
            return Some(Ty::SyncIterator(Box::new(Ty::QuerySet {
                model,
                values,
                loaded: loaded.clone(),
            })));
        }
        if related && django::related_manager_method_blocks(method) {
            let on = Receiver::RelatedManager;
            self.report_blocking_method(call, func, on, method, args);
            return Some(self.query_result(model, values, loaded, method, args));
        }
        if let Some(api) = self.external_manager_method(model, |m| third_party::manager_method_returning_row(m, method))
        {
            effects::report(
                self,
                Effect::BlockingCall {
                    call,
                    func,
                    api: &api.function,
                },
            );
            return Some(Ty::Instance {
                model,
                loaded: Loaded::fresh(),
            });
        }
        if django::queryset_method_blocks(method) {
            let on = Receiver::QuerySet;
            self.report_blocking_method(call, func, on, method, args);
            return Some(self.query_result(model, values, loaded, method, args));
        }
        if let Some(sync) = method.strip_prefix('a') {
            if django::is_async_queryset_twin(method) || django::is_async_related_manager_twin(method) {
                if sync == "iterator" {
                    return Some(Ty::AsyncIter(Box::new(self.item_ty(model, values, loaded))));
                }
                return Some(Ty::Awaitable(Box::new(
                    self.query_result(model, values, loaded, sync, args),
                )));
            }
        }
        let custom = self.index.model(model).members().queryset_methods.contains(method)
            || (model == self.index.any_model
                && self
                    .index
                    .queryset_methods_of(&self.own_manager_class())
                    .iter()
                    .any(|m| m == method))
            || self
                .external_manager_method(model, |m| {
                    third_party::manager_method_returns_queryset(m, method).then_some(())
                })
                .is_some();
        if django::returns_queryset(method) || custom {
            let mut loaded = loaded.clone();
            let mut values = values;
            match method {
                "select_related" => loaded
                    .select_related
                    .add(self.string_args(args).filter(|a| !a.is_empty())),
                "prefetch_related" => self.note_prefetches(&mut loaded, args),
                "only" => {
                    loaded.only = self.string_args(args).or_else(|| Some(Vec::new())).map(|mut v| {
                        if let Some(prev) = &loaded.only {
                            v.extend(prev.iter().cloned());
                        }
                        v
                    })
                }
                "defer" => match self.string_args(args) {
                    Some(a) => loaded.deferred.extend(a),
                    None => loaded.known = false,
                },
                m if django::returns_values(m) => values = true,
                _ => {}
            }
            if self.string_args(args).is_none() && matches!(method, "only") {
                loaded.known = false;
            }
            loaded.origin = Some((self.file, call.end_byte(), String::new()));
            return Some(Ty::QuerySet { model, values, loaded });
        }
        None
    }

    /// The lookup a `prefetch_related` argument caches: a string literal, or
    /// `Prefetch("a__b", queryset=..., to_attr="x")`, whose levels before the
    /// last are prefetched as usual and whose last level is stored as the list
    /// `x` instead (so `a__x`: the `b` manager itself is not served from cache).
    /// `None` when it cannot be read: the caller takes that as "anything".
    fn prefetch_lookup(&self, arg: Node<'a>) -> Option<String> {
        if let Some(lookup) = syntax::string_value(arg, self.src) {
            return Some(lookup);
        }
        if arg.kind() != "call" {
            return None;
        }
        let callee = field(arg, "function").and_then(|f| syntax::dotted(f, self.src))?;
        if !self.index.is_external(
            self.file,
            &callee,
            self.scope,
            &["django.db.models.Prefetch", "django.db.models.query.Prefetch"],
        ) {
            return None;
        }
        let args = field(arg, "arguments");
        let keyword = |name: &str| {
            self.arg_nodes(args).into_iter().find_map(|a| {
                (a.kind() == "keyword_argument" && field(a, "name").is_some_and(|n| self.text(n) == name))
                    .then(|| field(a, "value"))
                    .flatten()
            })
        };
        let positional = self.positional_args(args);
        let lookup = keyword("lookup").or_else(|| positional.first().copied())?;
        let lookup = syntax::string_value(lookup, self.src)?;
        match keyword("to_attr").or_else(|| positional.get(2).copied()) {
            None => Some(lookup),
            Some(to_attr) => {
                let to_attr = syntax::string_value(to_attr, self.src)?;
                Some(match lookup.rsplit_once("__") {
                    Some((levels, _)) => format!("{levels}__{to_attr}"),
                    None => to_attr,
                })
            }
        }
    }

    /// `prefetch_related("a", Prefetch("b", queryset=qs, to_attr="c"))`:
    /// the lookups served from cache ([`Self::prefetch_lookup`]), and the
    /// lists stored in attributes of the rows themselves, typed by their
    /// queryset. Anything unreadable may prefetch anything (`""`).
    fn note_prefetches(&mut self, loaded: &mut Loaded, args: Option<Node<'a>>) {
        let positional = self.positional_args(args);
        if positional.is_empty() && !self.arg_nodes(args).is_empty() {
            loaded.prefetched.push(String::new());
        }
        for arg in positional {
            if let Some(plain) = syntax::string_value(arg, self.src) {
                loaded.prefetched_plain.push(plain);
            }
            let lookup = self.prefetch_lookup(arg);
            if let Some(to_attr) = lookup.as_deref().filter(|l| !l.contains("__")) {
                self.note_to_attr_rows(loaded, arg, to_attr);
            }
            loaded.prefetched.push(lookup.unwrap_or_default());
        }
    }

    /// `Prefetch("b", queryset=qs, to_attr="c")` on the rows themselves: `c`
    /// is a list of `qs`'s rows (without a known queryset they stay unknown).
    fn note_to_attr_rows(&mut self, loaded: &mut Loaded, arg: Node<'a>, to_attr: &str) {
        if arg.kind() != "call" {
            return;
        }
        let prefetch_args = field(arg, "arguments");
        let keyword = |w: &Self, name: &str| {
            w.arg_nodes(prefetch_args)
                .into_iter()
                .find(|a| a.kind() == "keyword_argument" && field(*a, "name").is_some_and(|n| w.text(n) == name))
                .and_then(|a| field(a, "value"))
        };
        if keyword(self, "to_attr")
            .and_then(|v| syntax::string_value(v, self.src))
            .as_deref()
            != Some(to_attr)
        {
            return;
        }
        let queryset = keyword(self, "queryset").map(|q| self.eval_quiet(q));
        if let Some(Ty::QuerySet {
            model,
            values: false,
            loaded: inner,
        }) = queryset
        {
            let rows = Loaded {
                to_attrs: Vec::new(),
                origin: None,
                ..inner
            };
            loaded.to_attrs.push((to_attr.to_owned(), model, Box::new(rows)));
        }
    }

    /// `bulk_create([])`, `in_bulk([])`, `filter(pk__in=[])`: literal empty
    /// input, which Django short-circuits without a query.
    fn empty_input(&self, method: &str, args: Option<Node<'a>>) -> bool {
        let is_empty_list = |n: Node<'_>| matches!(n.kind(), "list" | "tuple" | "set") && n.named_child_count() == 0;
        match method {
            "bulk_create" | "in_bulk" | "bulk_update" => {
                self.positional_args(args).first().is_some_and(|a| is_empty_list(*a))
            }
            "filter" => self.arg_nodes(args).iter().any(|a| {
                a.kind() == "keyword_argument"
                    && field(*a, "name").is_some_and(|n| self.text(n).ends_with("__in"))
                    && field(*a, "value").is_some_and(is_empty_list)
            }),
            _ => false,
        }
    }

    fn item_ty(&self, model: crate::index::ModelId, values: bool, loaded: &Loaded) -> Ty {
        if values {
            Ty::Unknown
        } else {
            Ty::Instance {
                model,
                loaded: loaded.clone(),
            }
        }
    }

    /// What a query method returns (its sync form).
    fn query_result(
        &self,
        model: crate::index::ModelId,
        values: bool,
        loaded: &Loaded,
        method: &str,
        args: Option<Node<'a>>,
    ) -> Ty {
        match method {
            m if django::returns_one_row(m) => self.item_ty(model, values, loaded),
            "create" => {
                let mut l = Loaded::fresh();
                l.cached = self.keyword_names(args);
                Ty::Instance { model, loaded: l }
            }
            "get_or_create" | "update_or_create" => {
                // Either fetched by `get(**kwargs)` (with what the query loads,
                // and a related manager's back relation) or created. A created
                // row has every relation it was given cached, and those it was
                // not given are empty (no query), so the fetched row decides:
                // its lookup keywords are not cached on it.
                let (set_on_fetched, created_with) = self.or_create_keys(method, args);
                // A relation created by its `<name>_id` is loaded on first
                // use: `select_related` on the query cannot help that row.
                let origin = if created_with.iter().any(|k| k.ends_with("_id")) {
                    None
                } else {
                    loaded.origin.clone()
                };
                let mut cached = loaded.cached.clone();
                cached.extend(
                    set_on_fetched
                        .into_iter()
                        .filter(|k| !created_with.contains(&format!("{k}_id"))),
                );
                let l = Loaded {
                    known: true,
                    select_related: loaded.select_related.clone(),
                    cached,
                    origin,
                    ..Loaded::default()
                };
                Ty::Tuple(vec![Ty::Instance { model, loaded: l }, Ty::Unknown])
            }
            _ => Ty::Unknown,
        }
    }

    /// The field names `get_or_create` / `update_or_create` (Django 5.2) set
    /// on the row they return: (set on a fetched row, given to `create` on
    /// the other path). A fetched row gets `setattr(obj, key, value)` for
    /// every key of `update_or_create`'s `defaults` (nothing for
    /// `get_or_create`); a created one is `create(**kwargs, **defaults)`, with
    /// `create_defaults` instead of `defaults` when given. Only literal
    /// `{"key": ...}` keys are known.
    fn or_create_keys(&self, method: &str, args: Option<Node<'a>>) -> (Vec<String>, Vec<String>) {
        let positional = self.positional_args(args);
        let keyword = |name: &str| {
            self.arg_nodes(args).into_iter().find_map(|a| {
                (a.kind() == "keyword_argument" && field(a, "name").is_some_and(|n| self.text(n) == name))
                    .then(|| field(a, "value"))
                    .flatten()
            })
        };
        let dict_keys = |value: Option<Node<'a>>| -> Vec<String> {
            value
                .filter(|v| v.kind() == "dictionary")
                .map(|v| {
                    named_children(v)
                        .into_iter()
                        .filter(|p| p.kind() == "pair")
                        .filter_map(|p| field(p, "key").and_then(|k| syntax::string_value(k, self.src)))
                        .collect()
                })
                .unwrap_or_default()
        };
        let defaults = dict_keys(keyword("defaults").or_else(|| positional.first().copied()));
        let create_defaults = match keyword("create_defaults").or_else(|| positional.get(1).copied()) {
            Some(given) if method == "update_or_create" => dict_keys(Some(given)),
            _ => defaults.clone(),
        };
        let created_with = self
            .keyword_names(args)
            .into_iter()
            .filter(|k| !k.contains("__") && k != "defaults" && k != "create_defaults")
            .chain(create_defaults)
            .collect();
        let set_on_fetched = if method == "update_or_create" {
            defaults
        } else {
            Vec::new()
        };
        (set_on_fetched, created_with)
    }

    /// Calling a value: helpers (RDJ107), thread wrappers, constructors,
    /// evaluating builtins (RDJ103), Django functions (RDJ106).
    fn call_value(&mut self, call: Node<'a>, func: Node<'a>, func_ty: &Ty, args: Option<Node<'a>>) -> Ty {
        if self.coroutine_runs.is_some() && func.kind() == "call" {
            self.note_wrapped_coroutine_run(call, func, args);
        }
        match func_ty {
            Ty::ModelClass(m) => {
                let mut l = Loaded::fresh();
                l.cached = self.keyword_names(args);
                Ty::Instance { model: *m, loaded: l }
            }
            Ty::Class(c) => {
                if let Some(base) = self.known_external_base(*c) {
                    if third_party::is_serializer(&base) {
                        return self.serializer_over(*c, args);
                    }
                }
                // `Cls(...)` runs `__init__` with the arguments: what it stores
                // on `self` is typed from them (`attribute_of_class`). Its blocking
                // is not reported: `__init__` often queries only with
                // arguments the call leaves out (`if request: ...`), and
                // which branch runs is not known here (precision first).
                let ctor = match self.index.find_method(*c, "__init__") {
                    Some(init) => {
                        let ctor = self.call_arguments(&Callable::Workspace(init), Some(Ty::Unknown), args);
                        self.construct_helper(call, func, init, &ctor);
                        ctor
                    }
                    None => Vec::new(),
                };
                Ty::Object(*c, ctor)
            }
            // `obj(...)` runs `__call__`.
            Ty::Object(c, _) => match self.index.find_method(*c, "__call__") {
                Some(f) => {
                    let callee = Callable::Workspace(f);
                    let args = self.call_arguments(&callee, Some(func_ty.carried()), args);
                    self.call_function(call, func, &callee, &args)
                }
                None => Ty::Unknown,
            },
            Ty::ThreadWrapped(inner) => {
                let evaluating = matches!(&**inner, Ty::External(q) if matches!(q.as_str(), "builtins.list" | "list"))
                    || self.is_builtin_wrapped(func);
                let mut first_ty = None;
                if evaluating {
                    if let Some(first) = self.positional_args(args).first().copied() {
                        let ty = self.eval_quiet(first);
                        self.mark_evaluated(first, &ty);
                        first_ty = Some(ty);
                    }
                }
                // `await sync_to_async(list)(qs)`: the instances, with what `qs` loaded.
                if let Some(Ty::QuerySet {
                    model,
                    values: false,
                    loaded,
                }) = first_ty
                {
                    return Ty::Awaitable(Box::new(Ty::List(Box::new(Ty::Instance { model, loaded }))));
                }
                // `await sync_to_async(helper)(args)`: what the helper returns.
                let callee = match &**inner {
                    Ty::Function(c) => Some((c.clone(), None)),
                    Ty::BoundMethod(recv, _) => match &**recv {
                        Ty::Function(c) => Some((c.clone(), None)),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some((c, receiver)) = callee {
                    let args = self.call_arguments(&c, receiver, args);
                    return Ty::Awaitable(Box::new(super::summary_of(self, &c, &args).returns.clone()));
                }
                Ty::Awaitable(Box::new(self.return_of_wrapped(inner)))
            }
            Ty::BoundMethod(recv, name) => match &**recv {
                Ty::Function(c) => {
                    let c = c.clone();
                    // A model method: `self` is the instance it is called on
                    // (`cls` the model, for a class method).
                    let receiver = field(func, "object").map(|o| self.eval_quiet(o));
                    let receiver = match (&c, receiver) {
                        (Callable::Workspace(f), Some(recv)) => self.method_receiver(*f, &recv),
                        (_, recv) => recv.map(|r| r.carried()),
                    };
                    let args = self.call_arguments(&c, receiver, args);
                    self.call_function(call, func, &c, &args)
                }
                // A custom manager/QuerySet method: a function run with the manager as `self`.
                Ty::Manager { model, .. } | Ty::QuerySet { model, .. } => match self.custom_method(*model, name) {
                    Some(f) => {
                        let c = Callable::Workspace(f);
                        let receiver = self.method_receiver(f, recv);
                        let args = self.call_arguments(&c, receiver, args);
                        let ty = self.call_function(call, func, &c, &args);
                        self.for_model(ty, *model)
                    }
                    None => Ty::Unknown,
                },
                _ => Ty::Unknown,
            },
            Ty::Function(c) => {
                let c = c.clone();
                let receiver = self.implicit_receiver(func, &c);
                let args = match receiver {
                    Some(None) => Vec::new(),
                    Some(Some(r)) => self.call_arguments(&c, Some(r), args),
                    None => self.call_arguments(&c, None, args),
                };
                self.call_function(call, func, &c, &args)
            }
            Ty::External(q) => self.call_external(call, func, q.clone(), args),
            Ty::Unknown => {
                if func.kind() == "identifier" {
                    let name = self.text(func);
                    if matches!(name, "hasattr" | "getattr")
                        && self.index.resolve_name(self.file, name, self.scope) == Symbol::Unknown
                    {
                        if let [obj, attr, ..] = self.positional_args(args)[..] {
                            if let Some(attr_name) = syntax::string_value(attr, self.src) {
                                let obj_ty = self.eval_quiet(obj);
                                return self.attribute_of(call, &obj_ty, &attr_name);
                            }
                        }
                    }
                    return self.call_builtin(call, name, args);
                }
                Ty::Unknown
            }
            _ => Ty::Unknown,
        }
    }

    fn call_external(&mut self, call: Node<'a>, func: Node<'a>, q: String, args: Option<Node<'a>>) -> Ty {
        if django::is_thread_wrapper(&q) {
            let first = self.positional_args(args).first().copied();
            let inner = first.map(|a| self.eval_quiet(a)).unwrap_or(Ty::Unknown);
            if django::thread_wrapper_calls_at_once(&q) {
                return Ty::Awaitable(Box::new(self.return_of_wrapped(&inner)));
            }
            return Ty::ThreadWrapped(Box::new(inner));
        }
        if q == "functools.partial" {
            let first = self.positional_args(args).first().copied();
            return first.map(|a| self.eval_quiet(a)).unwrap_or(Ty::Unknown);
        }
        if q.ends_with("RequestFactory") || q.ends_with("RequestFactory.client") {
            return Ty::External(format!("{q}()"));
        }
        if q.contains("RequestFactory().") {
            return Ty::Request;
        }
        if let Some(consumer) = django::library_consumer(&q) {
            let positional = self.positional_args(args).len();
            return self.consume(call, consumer, Evaluation::Consumer { consumer, positional }, args);
        }
        if third_party::may_be_coroutine(&q) && call.parent().is_some_and(|p| p.kind() == "await") {
            return Ty::Unknown;
        }
        if let Some(api) = django::blocking_function(&q) {
            let ty = self.api_return(api.returns, args);
            if api.prefetches {
                self.note_prefetch_objects(args);
            }
            effects::report(self, Effect::BlockingCall { call, func, api });
            return ty;
        }
        if let Some(api) = django::twin_of(&q) {
            if api.prefetches {
                self.note_prefetch_objects(args);
            }
            return Ty::Awaitable(Box::new(self.api_return(api.returns, args)));
        }
        if q == django::ATOMIC {
            return Ty::External(django::ATOMIC_CLASS.into());
        }
        if matches!(
            q.as_str(),
            "django.apps.apps.get_model" | "django.apps.registry.apps.get_model"
        ) {
            // `apps.get_model("shop", "product")` / `apps.get_model("shop.Product")`
            let strings: Vec<String> = self
                .positional_args(args)
                .iter()
                .map_while(|a| syntax::string_value(*a, self.src))
                .collect();
            let model = match strings.as_slice() {
                [reference] => self.index.model_by_reference(reference),
                [app_label, model_name] => self.index.model_by_label(app_label, model_name),
                _ => None,
            };
            if let Some(m) = model {
                return Ty::ModelClass(m);
            }
        }
        if q.ends_with("get_user_model") {
            if let Some(u) = self.index.auth_user() {
                return Ty::ModelClass(u);
            }
        }
        if django::is_db_session_store(&q) {
            return Ty::Session;
        }
        if third_party::has_blocking_methods(&q) {
            return Ty::External(format!("{q}()"));
        }
        if q == django::PAGINATOR {
            let object_list = self
                .positional_args(args)
                .first()
                .copied()
                .or_else(|| self.keyword_value(args, "object_list"));
            if let Some(qs @ Ty::QuerySet { .. }) = object_list.map(|a| self.eval_quiet(a)) {
                return Ty::Paginator(Box::new(qs));
            }
        }
        Ty::Unknown
    }

    /// The external class (with knowledge about it) a workspace class derives from.
    fn known_external_base(&self, class: crate::index::ClassRef) -> Option<String> {
        // An explicit stack: class hierarchies are user input.
        let mut stack = vec![class];
        let mut seen = rustc_hash::FxHashSet::default();
        while let Some(c) = stack.pop() {
            if !seen.insert(c) || seen.len() > 64 {
                continue;
            }
            for base in &self.index.class(c).bases {
                match self.index.resolve_dotted(c.file, base, None) {
                    Symbol::Class(b) => stack.push(b),
                    Symbol::External(q)
                        if third_party::has_blocking_methods(&q)
                            || third_party::is_serializer(&q)
                            || third_party::is_generic_view(&q) =>
                    {
                        return Some(q)
                    }
                    _ => {}
                }
            }
        }
        None
    }

    /// `obj.attr` on an instance of a workspace class without such a method:
    /// the method of a known external base (`TwoPerPage().paginate_queryset`).
    fn inherited_external_member(&self, obj_ty: &Ty, class: crate::index::ClassRef, attr: &str) -> Ty {
        match (obj_ty, self.known_external_base(class)) {
            (Ty::Object(..), Some(base)) if third_party::has_blocking_methods(&base) => {
                Ty::External(format!("{base}().{attr}"))
            }
            (Ty::Object(..), Some(base))
                if third_party::is_generic_view(&base) && attr == third_party::VIEW_PAGINATOR =>
            {
                self.view_paginator(class)
            }
            _ => Ty::Unknown,
        }
    }

    /// `self.paginator` of a REST framework generic view: an instance of
    /// its `pagination_class`, or of a paginator class chosen at run time.
    fn view_paginator(&self, view: crate::index::ClassRef) -> Ty {
        match self.class_attribute_symbol(view, third_party::VIEW_PAGINATION_CLASS) {
            Some(Symbol::Class(c)) => Ty::Object(c, Vec::new()),
            Some(Symbol::External(q)) if third_party::has_blocking_methods(&q) => Ty::External(format!("{q}()")),
            _ => Ty::External(format!("{}()", third_party::CONFIGURED_PAGINATOR)),
        }
    }

    /// What a class attribute bound to a name (`pagination_class =
    /// TwoPerPage`) refers to, in the class or its workspace bases (the
    /// nearest one that sets it); `None` when it is set to anything else.
    fn class_attribute_symbol(&self, class: crate::index::ClassRef, attr: &str) -> Option<Symbol> {
        self.index
            .nearest_in_class_chain(class, |c| {
                let found = self.index.class(c).attr(attr)?;
                Some(match &found.value {
                    crate::index::summary::Value::Name(name) => Some(self.index.resolve_dotted(c.file, name, None)),
                    _ => None,
                })
            })
            .flatten()
    }

    /// `Serializer(qs, many=True)`: its `.data` will evaluate `qs`.
    fn serializer_over(&mut self, class: crate::index::ClassRef, args: Option<Node<'a>>) -> Ty {
        let many = self.keyword_value(args, "many").is_some_and(|v| v.kind() == "true");
        let instance = self
            .positional_args(args)
            .first()
            .copied()
            .or_else(|| self.keyword_value(args, "instance"));
        match instance.map(|i| self.eval_quiet(i)) {
            Some(qs @ Ty::QuerySet { .. }) if many => Ty::SerializerOver(Box::new(qs)),
            _ => Ty::Object(class, Vec::new()),
        }
    }

    /// The user model (`AUTH_USER_MODEL`), or a model shaped like Django's
    /// `AbstractBaseUser` + `PermissionsMixin` (a password and `is_superuser`).
    fn is_user_model(&self, model: crate::index::ModelId) -> bool {
        self.index.auth_user() == Some(model) || {
            let m = self.index.model(model);
            m.fields_known && m.field("password").is_some() && m.field("is_superuser").is_some()
        }
    }

    /// The Django contrib manager behind `model`'s managers, asked only when
    /// some contrib manager has `method` (or its twin): the user manager
    /// for the user model, the contrib model's own manager, or a contrib
    /// manager class a workspace model declares (`objects = SiteManager()`).
    fn contrib_manager_for(&self, model: crate::index::ModelId, method: &str) -> Option<&'static str> {
        if !django::may_be_contrib_manager_method(method) {
            return None;
        }
        if self.is_user_model(model) {
            return Some(django::USER_MANAGER);
        }
        let info = self.index.model(model);
        django::contrib_model_manager(&info.qualname).or_else(|| {
            info.members()
                .external_managers
                .iter()
                .find_map(|m| django::contrib_manager(m))
        })
    }

    /// `value` (of type `ty`) is used as a value at `at`: a django-constance
    /// proxy reads its setting there.
    fn use_value(&mut self, at: Node<'a>, value: Node<'a>, ty: &Ty) {
        if *ty == Ty::ConfigValue {
            effects::report(self, Effect::ConfigValueUsed { at, value });
        }
    }

    /// Whether the settings of this file's project choose django-constance's
    /// database backend (`CONSTANCE_BACKEND = "constance.backends.database.DatabaseBackend"`
    /// at module level). A settings module belongs to the project of the
    /// folder above its package (`proj/proj/settings.py` → `proj/`, where
    /// `manage.py` is), so one project's settings do not speak for another
    /// in the same workspace. Looked up only when a `config.KEY` read is
    /// met; files that do not mention the setting are not parsed.
    fn constance_reads_database(&self) -> bool {
        *self.shared.constance_database.get_or_init(|| {
            let setting = third_party::CONSTANCE_BACKEND_SETTING;
            self.project_files_naming(setting).any(|entry| {
                entry.summary().assignments.iter().any(|a| {
                    a.name == setting && a.value.as_str().is_some_and(third_party::is_constance_database_backend)
                })
            })
        })
    }

    /// Whether the settings of this file's project leave
    /// `AUTHENTICATION_BACKENDS` at its default (`ModelBackend`) or set it,
    /// at module level, to a list of backends that all fetch the user as a
    /// plain row ([`django::backend_gets_plain_user_row`]). Any other
    /// mention of the name but a read (`settings.AUTHENTICATION_BACKENDS`)
    /// — `+=`, a class attribute, `override_settings(...)`, a value not
    /// written out — leaves the backends unknown.
    fn auth_backends_get_plain_rows(&self) -> bool {
        *self.shared.auth_backends_plain.get_or_init(|| {
            let setting = django::AUTHENTICATION_BACKENDS_SETTING;
            self.project_files_naming(setting).all(|entry| {
                let assignments: Vec<_> = entry
                    .summary()
                    .assignments
                    .iter()
                    .filter(|a| a.name == setting)
                    .collect();
                let all_plain = assignments.iter().all(|a| match &a.value {
                    crate::index::summary::Value::Strings(backends) => {
                        backends.iter().all(|(b, _)| django::backend_gets_plain_user_row(b))
                    }
                    _ => false,
                });
                let text = entry.text.as_bytes();
                let reads = memchr::memmem::find_iter(text, setting.as_bytes())
                    .filter(|&at| text[..at].ends_with(b"settings."))
                    .count();
                let mentions = memchr::memmem::find_iter(text, setting.as_bytes()).count();
                all_plain && mentions == assignments.len() + reads
            })
        })
    }

    /// The files of this file's project whose text names `setting` (the
    /// only ones that may set it). A settings module belongs to the project
    /// of the folder above its package (`proj/proj/settings.py` → `proj/`,
    /// where `manage.py` is), so one project's settings do not speak for
    /// another in the same workspace.
    fn project_files_naming<'s>(&'s self, setting: &'s str) -> impl Iterator<Item = &'s crate::index::FileEntry> + 's {
        let checked = &self.index.file(self.file).path;
        self.index.files.iter().map(|entry| &**entry).filter(move |entry| {
            let project = entry.path.parent().and_then(|package| package.parent());
            project.is_none_or(|p| checked.starts_with(p))
                && memchr::memmem::find(entry.text.as_bytes(), setting.as_bytes()).is_some()
        })
    }

    /// What `find` says of the first of `model`'s managers from an installed
    /// package that it knows.
    fn external_manager_method<T>(&self, model: crate::index::ModelId, find: impl Fn(&str) -> Option<T>) -> Option<T> {
        let info = self.index.model(model);
        info.members().external_managers.iter().find_map(|m| find(m))
    }

    /// What a known function returns.
    fn api_return(&mut self, returns: Returns, args: Option<Node<'a>>) -> Ty {
        match returns {
            Returns::Unknown => Ty::Unknown,
            Returns::AuthUser => self
                .index
                .auth_user()
                .map(|m| Ty::Instance {
                    model: m,
                    loaded: Loaded::unknown(),
                })
                .unwrap_or(Ty::Unknown),
            // `get_object_or_404(Model | manager | queryset, ...)`.
            Returns::InstanceOfFirstArgument => {
                let Some(first) = self.positional_args(args).first().copied() else {
                    return Ty::Unknown;
                };
                match self.eval_quiet(first) {
                    Ty::ModelClass(m) | Ty::Manager { model: m, .. } => Ty::Instance {
                        model: m,
                        loaded: Loaded::fresh(),
                    },
                    Ty::QuerySet {
                        model,
                        values: false,
                        loaded,
                    } => Ty::Instance { model, loaded },
                    _ => Ty::Unknown,
                }
            }
        }
    }

    /// The value of keyword argument `name`, if given.
    fn keyword_value(&self, args: Option<Node<'a>>, name: &str) -> Option<Node<'a>> {
        self.arg_nodes(args).into_iter().find_map(|a| {
            (a.kind() == "keyword_argument" && field(a, "name").is_some_and(|n| self.text(n) == name))
                .then(|| field(a, "value"))
                .flatten()
        })
    }

    /// `list(qs)`, `len(qs)`, `zip(a, qs)`: a builtin (not shadowed) that consumes its arguments.
    fn call_builtin(&mut self, call: Node<'a>, name: &str, args: Option<Node<'a>>) -> Ty {
        if third_party::uses_value(name) && self.index.resolve_name(self.file, name, self.scope) == Symbol::Unknown {
            for arg in self.positional_args(args) {
                let ty = self.eval_quiet(arg);
                self.use_value(call, arg, &ty);
            }
        }
        let Some(consumer) = django::builtin_consumer(name) else {
            return Ty::Unknown;
        };
        if self.index.resolve_name(self.file, name, self.scope) != Symbol::Unknown {
            return Ty::Unknown;
        }
        let positional = self.positional_args(args).len();
        self.consume(call, consumer, Evaluation::Consumer { consumer, positional }, args)
    }

    /// A consumer called with `args`: the first argument it evaluates is
    /// reported as evaluated at `call`. What it returns: a list of instances
    /// for `list(qs)`, a lazy iterator for a consumer that iterates later
    /// (`itertools.chain(qs)`) or over an iterator that has not run yet
    /// (`map(f, qs.iterator())`), otherwise unknown.
    fn consume(
        &mut self,
        call: Node<'a>,
        consumer: &'static Consumer,
        how: Evaluation<'a>,
        args: Option<Node<'a>>,
    ) -> Ty {
        let positional = self.positional_args(args);
        let consumed: &[Node<'a>] = match consumer.args {
            ConsumedArgs::First => positional.get(..1),
            ConsumedArgs::Second => positional.get(1..2),
            ConsumedArgs::AfterFirst => positional.get(1..),
            ConsumedArgs::All => Some(&positional[..]),
        }
        .unwrap_or(&[]);
        let mut lazy = None;
        for &arg in consumed {
            let ty = self.eval_quiet(arg);
            let evaluates = match (&ty, consumer.consumes) {
                (Ty::QuerySet { .. }, Consumes::Defers) => {
                    lazy.get_or_insert_with(|| Ty::LazyIter(Box::new(ty.clone())));
                    false
                }
                (Ty::QuerySet { .. }, _) => true,
                // A page has `__len__` (and so a truth value) but its `repr` runs no query.
                (Ty::Page(_), Consumes::Protocol) => matches!(consumer.name, "len" | "bool"),
                (Ty::Page(_), Consumes::Defers) => {
                    lazy.get_or_insert_with(|| Ty::LazyIter(Box::new(ty.clone())));
                    false
                }
                (Ty::Page(_), _) => true,
                (Ty::SyncIterator(_) | Ty::LazyIter(_), Consumes::Exhausts) => true,
                (Ty::SyncIterator(_) | Ty::LazyIter(_), Consumes::IteratesAtOnce | Consumes::Defers) => {
                    lazy.get_or_insert_with(|| ty.clone());
                    false
                }
                _ => false,
            };
            if evaluates {
                effects::report(
                    self,
                    Effect::Evaluates {
                        at: call,
                        value: arg,
                        ty: Box::new(ty.clone()),
                        how,
                    },
                );
                return match ty {
                    Ty::QuerySet {
                        model,
                        values: false,
                        loaded,
                    } if consumer.name == "list" => Ty::List(Box::new(Ty::Instance { model, loaded })),
                    _ => Ty::Unknown,
                };
            }
        }
        lazy.unwrap_or(Ty::Unknown)
    }

    /// `*qs`, `yield from qs`: the operand is iterated right here.
    fn consume_operand(&mut self, at: Node<'a>, value: Node<'a>, ty: Ty, how: Evaluation<'a>) {
        if evaluated_by_iteration(&ty) {
            effects::report(
                self,
                Effect::Evaluates {
                    at,
                    value,
                    ty: Box::new(ty),
                    how,
                },
            );
        }
    }

    /// `sync_to_async(list)` and friends: the wrapped callable is an evaluating builtin.
    fn is_builtin_wrapped(&self, func: Node<'a>) -> bool {
        func.kind() == "call"
            && field(func, "arguments")
                .and_then(|a| a.named_child(0))
                .is_some_and(|a| {
                    a.kind() == "identifier"
                        && django::fills_result_cache(self.text(a))
                        && self.index.resolve_name(self.file, self.text(a), self.scope) == Symbol::Unknown
                })
    }

    /// `prefetch_related_objects(objs, "rel", ...)`: relations now cached on `objs`' items.
    pub fn note_prefetch_objects(&mut self, args: Option<Node<'a>>) {
        let positional = self.positional_args(args);
        let Some(first) = positional.first().copied() else {
            return;
        };
        let lookups: Vec<String> = positional[1..]
            .iter()
            .map(|a| self.prefetch_lookup(*a).unwrap_or_default())
            .collect();
        if first.kind() == "identifier" {
            let name = self.text(first).to_owned();
            if let Some(Ty::List(inner)) = self.env.get(&name).cloned() {
                if let Ty::Instance { model, mut loaded } = *inner {
                    loaded.prefetched.extend(lookups);
                    self.env
                        .insert(name, Ty::List(Box::new(Ty::Instance { model, loaded })));
                }
            }
        } else if matches!(first.kind(), "list" | "tuple") {
            // `prefetch_related_objects([product], "category")`
            for item in named_children(first).into_iter().filter(|i| i.kind() == "identifier") {
                let name = self.text(item).to_owned();
                if let Some(Ty::Instance { model, mut loaded }) = self.env.get(&name).cloned() {
                    loaded.prefetched.extend(lookups.iter().cloned());
                    self.env.insert(name, Ty::Instance { model, loaded });
                }
            }
        }
    }

    /// Calling a function of the workspace (or a nested `def`, a lambda):
    /// RDJ107 for a sync helper that blocks, the blocking its arguments
    /// cause in a coroutine, and what it returns.
    fn call_function(&mut self, call: Node<'a>, func: Node<'a>, callee: &Callable, args: &[(String, Ty)]) -> Ty {
        let on_self = func.kind() == "attribute"
            && field(func, "object").is_some_and(|o| o.kind() == "identifier" && self.text(o) == "self");
        if on_self && !self.falsy_on_self.is_empty() {
            // The same object: what this method knows about `self` holds there.
            let facts = self.falsy_on_self.clone();
            let saved = std::mem::take(&mut self.facts_for_call);
            self.facts_for_call = facts;
            self.call_helper(call, func, callee, args);
            let ty = self.return_of(callee, args);
            self.facts_for_call = saved;
            self.call_coroutine(call, func, callee, args);
            return ty;
        }
        self.call_helper(call, func, callee, args);
        self.call_coroutine(call, func, callee, args);
        if self.coroutine_runs.is_some() && self.is_run_on_own_loop(call) {
            self.note_coroutine_run(call, callee, args);
        }
        self.return_of(callee, args)
    }

    /// `asyncio.run(<call>)`, `loop.run_until_complete(<call>)`: the
    /// coroutine `call` makes is run to its end on an event loop right here.
    fn is_run_on_own_loop(&self, call: Node<'a>) -> bool {
        let runner = call
            .parent()
            .filter(|a| a.kind() == "argument_list" && a.named_child(0) == Some(call))
            .and_then(|a| a.parent())
            .filter(|r| r.kind() == "call");
        let Some(func) = runner.and_then(|r| field(r, "function")) else {
            return false;
        };
        if func.kind() == "attribute"
            && field(func, "attribute").is_some_and(|a| self.text(a) == django::LOOP_RUN_METHOD)
        {
            return true;
        }
        syntax::dotted(func, self.src).is_some_and(|name| {
            self.index
                .is_external(self.file, &name, self.scope, &[django::COROUTINE_RUNNER])
        })
    }

    /// `async_to_sync(f)(args)`: `f` is run with `args` on an event loop
    /// right here (`func` is the `async_to_sync(f)` call).
    fn note_wrapped_coroutine_run(&mut self, call: Node<'a>, func: Node<'a>, args: Option<Node<'a>>) {
        let wraps = field(func, "function")
            .and_then(|f| syntax::dotted(f, self.src))
            .is_some_and(|name| {
                self.index
                    .is_external(self.file, &name, self.scope, &[django::COROUTINE_FUNCTION_RUNNER])
            });
        let Some(wrapped) = field(func, "arguments")
            .and_then(|a| a.named_child(0))
            .filter(|_| wraps)
        else {
            return;
        };
        let callee = match self.eval_quiet(wrapped) {
            Ty::Function(c) => c,
            Ty::BoundMethod(recv, _) => match *recv {
                Ty::Function(c) => c,
                _ => return,
            },
            _ => return,
        };
        let receiver = match (&callee, field(wrapped, "object")) {
            (Callable::Workspace(f), Some(object)) if wrapped.kind() == "attribute" => {
                let recv = self.eval_quiet(object);
                self.method_receiver(*f, &recv)
            }
            _ => None,
        };
        let args = self.call_arguments(&callee, receiver, args);
        self.note_coroutine_run(call, &callee, &args);
    }

    /// What a call says about its callee's flags: its `True` / `False`
    /// arguments, by name and by position.
    fn literal_flags(&self, args: Option<Node<'a>>) -> super::runners::CallFlags {
        let mut flags = super::runners::CallFlags {
            positional: Some(Vec::new()),
            keywords: Vec::new(),
        };
        for arg in args.map(named_children).unwrap_or_default() {
            match arg.kind() {
                "keyword_argument" => {
                    let name = field(arg, "name").map(|n| self.text(n).to_owned());
                    let value = field(arg, "value").and_then(|v| literal_bool(v.kind()));
                    if let (Some(name), Some(value)) = (name, value) {
                        flags.keywords.push((name, value));
                    }
                }
                "list_splat" | "dictionary_splat" => flags.positional = None,
                "comment" => {}
                kind => {
                    if let Some(given) = flags.positional.as_mut() {
                        given.push(literal_bool(kind));
                    }
                }
            }
        }
        flags
    }

    /// Remembers a coroutine run on an event loop with these arguments.
    fn note_coroutine_run(&mut self, call: Node<'a>, callee: &Callable, args: &[(String, Ty)]) {
        let Callable::Workspace(f) = callee else { return };
        if !self.index.function(*f).is_async || args.is_empty() {
            return;
        }
        let run = super::runners::CoroutineRun {
            callee: *f,
            args: args.to_vec(),
            flags: self.literal_flags(field(call, "arguments")),
            caller: self.function_name.clone(),
            file: self.file,
            at: call.start_byte(),
        };
        if let Some(runs) = self.coroutine_runs.as_mut() {
            runs.push(run);
        }
    }

    /// A blocking method call (`qs.get()`, `instance.save()`, `session.save()`)
    /// on the loop: the effect its receiver's rule reports.
    fn report_blocking_method(
        &mut self,
        call: Node<'a>,
        func: Node<'a>,
        on: Receiver,
        method: &'a str,
        args: Option<Node<'a>>,
    ) {
        effects::report(
            self,
            Effect::BlockingMethod {
                call,
                func,
                on,
                method,
                args,
            },
        );
    }

    /// What fills the first parameter of method `f` called on `recv`: the
    /// receiver itself, nothing for a `@staticmethod` (its first parameter
    /// is an ordinary argument), the model for a `@classmethod` ([`Self::class_of`]).
    fn method_receiver(&self, f: FuncRef, recv: &Ty) -> Option<Ty> {
        let decorators = &self.index.function(f).decorators;
        let last = |name: &str| decorators.iter().any(|d| d.rsplit('.').next() == Some(name));
        if last("staticmethod") {
            None
        } else if last("classmethod") {
            Some(Self::class_of(recv))
        } else {
            Some(recv.carried())
        }
    }

    /// What a class method's `cls` is when called on `recv`: the model for
    /// `Model.method()` or `instance.method()` (a model subclass's `cls`
    /// has the same managers), else unknown.
    fn class_of(recv: &Ty) -> Ty {
        match recv {
            Ty::ModelClass(m) | Ty::Instance { model: m, .. } => Ty::ModelClass(*m),
            _ => Ty::Unknown,
        }
    }

    /// How a method is called through `func`: `None` for a plain function
    /// (no implicit first argument), `Some(Some(receiver))` for a bound
    /// method or a class method, `Some(None)` when the arguments cannot be
    /// placed (`Class.method(obj, ...)`, a method called by another name).
    fn implicit_receiver(&mut self, func: Node<'a>, callee: &Callable) -> Option<Option<Ty>> {
        let Callable::Workspace(f) = callee else {
            return None;
        };
        f.class?;
        let decorators = &self.index.function(*f).decorators;
        let last = |name: &str| decorators.iter().any(|d| d.rsplit('.').next() == Some(name));
        if last("staticmethod") {
            return None;
        }
        if last("classmethod") {
            let cls = match field(func, "object").filter(|_| func.kind() == "attribute") {
                Some(obj) => Self::class_of(&self.eval_quiet(obj)),
                None => Ty::Unknown,
            };
            return Some(Some(cls));
        }
        let Some(obj) = field(func, "object").filter(|_| func.kind() == "attribute") else {
            return Some(None);
        };
        match self.eval_quiet(obj) {
            Ty::Class(_) | Ty::ModelClass(_) | Ty::Module(_) => Some(None),
            receiver => Some(Some(receiver.carried())),
        }
    }

    /// The call's arguments as the callee's parameters (by name) with the
    /// types they carry; `receiver` fills the first parameter (`self`).
    /// Parameters that get nothing worth carrying are left out, so calls
    /// carrying nothing share the callee's plain summary.
    pub fn call_arguments(
        &mut self,
        callee: &Callable,
        receiver: Option<Ty>,
        args: Option<Node<'a>>,
    ) -> Vec<(String, Ty)> {
        use crate::index::summary::ParamKind;
        let params = match callee {
            Callable::Workspace(f) => self.index.function(*f).params.clone(),
            Callable::Local(start) => {
                let node = self.root.descendant_for_byte_range(*start, *start);
                let def = node.and_then(|n| {
                    std::iter::successors(Some(n), |p| p.parent()).find(|p| {
                        p.is_named() && p.start_byte() == *start && matches!(p.kind(), "function_definition" | "lambda")
                    })
                });
                match def.and_then(|d| field(d, "parameters")) {
                    Some(ps) => crate::index::summary::params_of(ps, self.src),
                    None => Vec::new(),
                }
            }
        };
        let callee_is_async = matches!(callee, Callable::Workspace(f) if self.index.function(*f).is_async);
        let mut types: Vec<Ty> = vec![Ty::Unknown; params.len()];
        let mut next = 0;
        if let Some(receiver) = receiver {
            if params.is_empty() {
                return Vec::new();
            }
            types[0] = receiver;
            next = 1;
        }
        let mut positional_done = false;
        for arg in self.arg_nodes(args) {
            match arg.kind() {
                "keyword_argument" => {
                    let Some(name) = field(arg, "name").map(|n| self.text(n)) else {
                        continue;
                    };
                    let at = params.iter().position(|p| {
                        p.name == name && matches!(p.kind, ParamKind::Positional | ParamKind::KeywordOnly)
                    });
                    if let (Some(at), Some(value)) = (at, field(arg, "value")) {
                        types[at] = self.eval_quiet(value).carried();
                    }
                }
                "list_splat" | "dictionary_splat" => positional_done = true,
                _ if positional_done => {}
                _ => match params.get(next) {
                    Some(p) if p.kind == ParamKind::Positional => {
                        types[next] = self.eval_quiet(arg).carried();
                        next += 1;
                    }
                    _ => positional_done = true,
                },
            }
        }
        params
            .into_iter()
            .zip(types)
            // After `request.user = ...` the request's user is no longer lazy.
            // A coroutine is a root of its own: the request is for the sync
            // helpers it reaches (what a coroutine does with it, e.g. a
            // version-guarded `session.save()` fallback, is its own finding).
            .map(|(p, t)| match t {
                Ty::Request if self.user_assigned => (p, Ty::Unknown),
                Ty::Request | Ty::LazyUser | Ty::Session if callee_is_async => (p, Ty::Unknown),
                t => (p, t),
            })
            .filter(|(_, t)| *t != Ty::Unknown)
            .map(|(p, t)| (p.name, t))
            .collect()
    }

    /// What calling a workspace function returns (a coroutine for `async def`).
    fn return_of(&mut self, callee: &Callable, args: &[(String, Ty)]) -> Ty {
        // A `@sync_to_async` function returns an awaitable of what its body
        // returns: `await get_job(pk)` is the instance `get_job` fetched.
        let is_async = match callee {
            Callable::Workspace(f) => self.index.function(*f).is_async || super::runs_in_thread(self.index, *f),
            Callable::Local(_) => false,
        };
        let ty = super::summary_of(self, callee, args).returns.clone();
        if is_async {
            Ty::Awaitable(Box::new(ty))
        } else {
            ty
        }
    }

    /// A coroutine given arguments that carry what their query loaded: what
    /// it then reports beyond what it reports on its own (a relation the
    /// caller did not load, a QuerySet it evaluates) is reported here, at
    /// the call, where the caller's query can be fixed.
    fn call_coroutine(&mut self, call: Node<'a>, func: Node<'a>, callee: &Callable, args: &[(String, Ty)]) {
        if self.exec != Exec::Async || args.is_empty() || self.depth_left == 0 {
            return;
        }
        let Callable::Workspace(f) = callee else { return };
        if !self.index.function(*f).is_async {
            return;
        }
        let given = super::summary_of(self, callee, args);
        if given.findings.is_empty() {
            return;
        }
        let plain = super::summary_of(self, callee, &[]);
        let new = given
            .findings
            .iter()
            .find(|g| !plain.findings.iter().any(|p| p.rule == g.rule && p.range == g.range));
        if let Some(inner) = new {
            let name = self.snippet(func);
            rules::rdj107_blocking_call_via_helper::report_in_coroutine(self, call, &name, inner);
        }
    }

    /// The result of a callable run in a worker thread: nothing blocks here.
    fn return_of_wrapped(&mut self, inner: &Ty) -> Ty {
        match inner {
            Ty::BoundMethod(recv, method) => match &**recv {
                Ty::Paginator(qs) if django::paginator_method_returns_page(method) => Ty::Page(qs.clone()),
                Ty::Manager { model, .. } | Ty::QuerySet { model, .. } if django::returns_queryset(method) => {
                    let (values, loaded) = match &**recv {
                        Ty::QuerySet { values, loaded, .. } => (*values, loaded.clone()),
                        _ => (false, Loaded::fresh()),
                    };
                    Ty::QuerySet {
                        model: *model,
                        values: values || django::returns_values(method),
                        loaded,
                    }
                }
                Ty::Manager { model, .. } | Ty::QuerySet { model, .. } if django::returns_one_row(method) => {
                    Ty::Instance {
                        model: *model,
                        loaded: Loaded::fresh(),
                    }
                }
                Ty::Manager { model, .. } | Ty::QuerySet { model, .. } => match self.custom_method(*model, method) {
                    Some(f) if !self.index.function(f).is_async => {
                        let c = Callable::Workspace(f);
                        let receiver = self.method_receiver(f, recv);
                        let args = self.call_arguments(&c, receiver, None);
                        let ty = super::summary_of(self, &c, &args).returns.clone();
                        self.for_model(ty, *model)
                    }
                    _ => Ty::Unknown,
                },
                _ => Ty::Unknown,
            },
            _ => Ty::Unknown,
        }
    }

    /// `Cls(...)` from here: RDJ107 if `__init__` always does blocking ORM
    /// work (`super::constructor_blocking_path`).
    fn construct_helper(&mut self, call: Node<'a>, func: Node<'a>, init: FuncRef, args: &[(String, Ty)]) {
        if self.exec == Exec::Deferred || (self.exec == Exec::Summary && self.depth_left == 0) {
            return;
        }
        let Some(path) = super::constructor_blocking_path(self, init, args) else {
            return;
        };
        let name = self.snippet(func);
        rules::rdj107_blocking_call_via_helper::report(self, call, &name, &path);
    }

    /// A direct call of a sync helper from here: RDJ107 if it does blocking ORM work.
    fn call_helper(&mut self, call: Node<'a>, func: Node<'a>, callee: &Callable, args: &[(String, Ty)]) {
        if self.exec == Exec::Deferred {
            return;
        }
        if matches!(self.exec, Exec::Summary) && self.depth_left == 0 {
            return;
        }
        if self.constructor_prefix && matches!(callee, Callable::Workspace(f) if f.class.is_none()) {
            return;
        }
        let Some(path) = super::helper_blocking_path(self, callee, args) else {
            return;
        };
        let name = self.snippet(func);
        rules::rdj107_blocking_call_via_helper::report(self, call, &name, &path);
    }

    /// A method of the workspace Manager/QuerySet classes behind `model`'s
    /// managers; for a manager of any model (`self` in such a class), of the
    /// class being walked.
    fn custom_method(&self, model: crate::index::ModelId, name: &str) -> Option<FuncRef> {
        if model == self.index.any_model {
            self.index.manager_class_method(&self.own_manager_class(), name)
        } else {
            self.index.custom_manager_method(model, name)
        }
    }

    /// A custom manager method's result, inferred with `self` a manager of
    /// any model, for the model whose manager it was called on.
    fn for_model(&self, ty: Ty, model: crate::index::ModelId) -> Ty {
        let any = self.index.any_model;
        match ty {
            Ty::Instance { model: m, loaded } if m == any => Ty::Instance { model, loaded },
            Ty::QuerySet {
                model: m,
                values,
                loaded,
            } if m == any => Ty::QuerySet { model, values, loaded },
            Ty::List(inner) => Ty::List(Box::new(self.for_model(*inner, model))),
            Ty::Maybe(inner) => Ty::Maybe(Box::new(self.for_model(*inner, model))),
            Ty::Awaitable(inner) => Ty::Awaitable(Box::new(self.for_model(*inner, model))),
            ty => ty,
        }
    }

    /// The Manager or QuerySet class whose method is being walked (its
    /// `self` is a manager of any model), to find its other methods.
    fn own_manager_class(&self) -> Vec<crate::index::ClassRef> {
        self.class
            .filter(|c| matches!(self.index.class_kind(*c), ClassKind::Manager | ClassKind::QuerySet))
            .into_iter()
            .collect()
    }

    pub fn is_func_ref_async(&self, f: FuncRef) -> bool {
        self.index.function(f).is_async
    }
}

/// Names whose async QuerySet methods a block calls (`qs.all().acount()`
/// names `qs`): an `AttributeError` from the block may mean they are not
/// QuerySets.
fn async_orm_receivers(block: Node<'_>, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![block];
    while let Some(node) = stack.pop() {
        if matches!(node.kind(), "function_definition" | "class_definition" | "lambda") {
            continue;
        }
        if node.kind() == "attribute" {
            let is_async_twin = field(node, "attribute").is_some_and(|a| {
                text(a, src)
                    .strip_prefix('a')
                    .is_some_and(django::queryset_method_blocks)
            });
            if is_async_twin {
                let mut recv = field(node, "object");
                while let Some(r) = recv {
                    recv = match r.kind() {
                        "identifier" => {
                            let name = text(r, src).to_owned();
                            if !out.contains(&name) {
                                out.push(name);
                            }
                            None
                        }
                        "call" => field(r, "function"),
                        "attribute" => field(r, "object"),
                        "subscript" => field(r, "value"),
                        "parenthesized_expression" => r.named_child(0),
                        _ => None,
                    };
                }
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    out
}

/// `except AttributeError:` (also in a tuple, or `as e`).
fn catches_attribute_error(clause: Node<'_>, src: &str) -> bool {
    let mut stack: Vec<Node<'_>> = named_children(clause)
        .into_iter()
        .filter(|c| c.kind() != "block")
        .collect();
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier" && text(node, src) == "AttributeError" {
            return true;
        }
        if matches!(
            node.kind(),
            "tuple" | "as_pattern" | "parenthesized_expression" | "expression_list"
        ) {
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
    }
    false
}
