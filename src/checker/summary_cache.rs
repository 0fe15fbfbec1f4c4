//! Function summaries shared by every file of a run: what a workspace
//! function returns and which blocking work it does, per function and per
//! argument types at the call (call-site specialisation, one context deep).
//!
//! The cache lives on the [`WorkspaceIndex`] (`WorkspaceIndex::summaries`),
//! so all files checked against one index — in parallel, on rayon threads —
//! share it; the language server builds one index per change, so a
//! summary lives as long as that index.
//!
//! Only results that do not depend on who asked first are shared: a
//! summary computed while a recursion guard cut a cycle short, while the
//! walk hit its nesting bound or ran out of time is kept in the asking
//! file's own [`WalkState`] memo instead (results stay the same whatever the
//! order in which threads reach a function).

use std::sync::{Arc, OnceLock, RwLock};

use rustc_hash::FxHashMap;

use super::runners::CoroutineRun;
use super::types::Ty;
use super::walker::WalkState;
use super::Exec;
use crate::diagnostic::Finding;
use crate::index::{ClassRef, FileId, FuncRef, WorkspaceIndex};
use crate::rules::RuleSet;

/// One summary's identity: the function (its file and start byte: a
/// workspace function, a method, a nested `def` or a `lambda`), the types
/// its parameters get from the call (by name; empty: from annotations
/// only), and what the walk of its body depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SummaryKey {
    pub file: FileId,
    pub start: usize,
    pub args: Vec<(String, Ty)>,
    /// How many more helper calls the walk follows (`follow-calls-depth`).
    pub depth: u32,
    /// `Summary` for a sync function (its first blocking operation),
    /// `Async` for a coroutine (its findings), `Deferred` for the walks
    /// that only collect what methods store on `self`.
    pub exec: Exec,
    pub rules: RuleSet,
    pub django_version: (u32, u32),
    /// Attributes of `self` the caller knows are false (a method called on
    /// `self` after `if self.flag: return`): its `if self.flag:` blocks do
    /// not run from that call.
    pub falsy_on_self: Vec<String>,
}

/// What calling a function does.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// The join of its `return`s (`Unknown` when they disagree).
    pub returns: Ty,
    /// A sync function: the call path to its first blocking operation
    /// (RDJ107's message: `inner → `X.objects.get()``).
    pub blocking: Option<String>,
    /// A coroutine: what it reports when run with these arguments (call
    /// sites compare them with what it reports on its own).
    pub findings: Vec<Finding>,
    /// `self.name = value` stores in its body, in order.
    pub self_attrs: Vec<(String, Ty)>,
}

impl Summary {
    pub fn unknown() -> Arc<Summary> {
        Arc::new(Summary::default())
    }
}

/// An attribute of a class's instances: (class, constructor argument
/// types by parameter name of `__init__`, attribute name).
pub type AttrsKey = (ClassRef, Vec<(String, Ty)>, String);

/// What the checker keeps on an index (in [`WorkspaceIndex::derived`]),
/// shared by every file checked against it.
#[derive(Default)]
pub struct CheckerState {
    pub summaries: SummaryCache,
    /// How the workspace executes its GraphQL schemas (`checker::frameworks`).
    pub graphql_serving: OnceLock<super::frameworks::GraphqlServing>,
}

/// The checker's state on `index`, made on first use.
pub fn state(index: &WorkspaceIndex) -> &CheckerState {
    index.derived.get_or_init(CheckerState::default)
}

/// The function summaries (and the other shared walk results) of `index`.
pub fn of(index: &WorkspaceIndex) -> &SummaryCache {
    &state(index).summaries
}

#[derive(Default)]
pub struct SummaryCache {
    summaries: RwLock<FxHashMap<SummaryKey, Arc<Summary>>>,
    attrs: RwLock<FxHashMap<AttrsKey, Ty>>,
    module_envs: RwLock<FxHashMap<FileId, Arc<FxHashMap<String, Ty>>>>,
    coroutine_runs: RwLock<FxHashMap<RunsKey, RunsCell>>,
    /// Whether a method only declares what subclasses implement
    /// ([`super::dispatch::is_abstract`]: a walk of its syntax tree).
    abstract_methods: RwLock<FxHashMap<FuncRef, bool>>,
}

/// One set of options' coroutine runs: filled by the first thread that
/// asks; the others wait for it rather than collect them again.
type RunsCell = Arc<OnceLock<Arc<Vec<CoroutineRun>>>>;

/// The options the walks of the sync code running coroutines depend on:
/// rules, Django version, `follow-calls-depth`.
pub type RunsKey = (RuleSet, (u32, u32), u32);

impl std::fmt::Debug for SummaryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SummaryCache")
    }
}

/// A lock poisoned by a panic elsewhere still holds usable data: the
/// values are inserted whole.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

/// How a computation went: whether its result may be shared.
pub struct Computing {
    cuts_before: u64,
}

impl SummaryCache {
    pub fn summary(&self, key: &SummaryKey) -> Option<Arc<Summary>> {
        read(&self.summaries).get(key).cloned()
    }

    pub fn attrs(&self, key: &AttrsKey) -> Option<Ty> {
        read(&self.attrs).get(key).cloned()
    }

    pub fn module_env(&self, file: FileId) -> Option<Arc<FxHashMap<String, Ty>>> {
        read(&self.module_envs).get(&file).cloned()
    }

    /// Starts a computation in `shared`'s walk.
    pub fn begin(shared: &WalkState) -> Computing {
        Computing {
            cuts_before: shared.cuts.get(),
        }
    }

    /// Whether what was computed since `begin` may be shared.
    pub fn shareable(shared: &WalkState, computing: &Computing) -> bool {
        shared.cuts.get() == computing.cuts_before && !shared.budget.ran_out()
    }

    pub fn put_summary(&self, key: SummaryKey, value: Arc<Summary>) {
        write(&self.summaries).entry(key).or_insert(value);
    }

    pub fn put_attrs(&self, key: AttrsKey, value: Ty) {
        write(&self.attrs).entry(key).or_insert(value);
    }

    /// The coroutines the workspace's sync code runs on event loops of its
    /// own, collected once per key by `collect` (a thread asking while
    /// another collects waits for its answer). `collect` runs with no lock
    /// held, and must not ask for the same key.
    pub fn coroutine_runs(&self, key: RunsKey, collect: impl FnOnce() -> Vec<CoroutineRun>) -> Arc<Vec<CoroutineRun>> {
        // Its own statement: the read guard is dropped before `write`
        // (held in a `match` on it, the write would wait for itself).
        let known = read(&self.coroutine_runs).get(&key).cloned();
        let cell = match known {
            Some(cell) => cell,
            None => write(&self.coroutine_runs).entry(key).or_default().clone(),
        };
        cell.get_or_init(|| Arc::new(collect())).clone()
    }

    /// Whether the method `f` is abstract, decided by `decide` the first
    /// time it is asked (two threads asking at once may both decide: the
    /// answer depends on the index alone).
    pub fn abstract_method(&self, f: FuncRef, decide: impl FnOnce() -> bool) -> bool {
        let known = read(&self.abstract_methods).get(&f).copied();
        if let Some(known) = known {
            return known;
        }
        let answer = decide();
        write(&self.abstract_methods).insert(f, answer);
        answer
    }

    pub fn put_module_env(&self, file: FileId, value: Arc<FxHashMap<String, Ty>>) {
        write(&self.module_envs).entry(file).or_insert(value);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Barrier;

    use super::*;

    #[test]
    fn coroutine_runs_are_collected_once_per_key_when_threads_ask_together() {
        let cache = SummaryCache::default();
        let collected = AtomicUsize::new(0);
        let threads = 4;
        let start = Barrier::new(threads);
        let key: RunsKey = (RuleSet::all(), (5, 2), 3);
        let answers: Vec<Arc<Vec<CoroutineRun>>> = std::thread::scope(|s| {
            let asks: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        start.wait();
                        cache.coroutine_runs(key, || {
                            collected.fetch_add(1, Ordering::SeqCst);
                            // Long enough for the other threads to ask meanwhile.
                            std::thread::sleep(std::time::Duration::from_millis(50));
                            Vec::new()
                        })
                    })
                })
                .collect();
            asks.into_iter().map(|t| t.join().expect("no panic")).collect()
        });
        assert_eq!(collected.load(Ordering::SeqCst), 1);
        assert!(answers.iter().all(|a| Arc::ptr_eq(a, &answers[0])));
        // Another key (other options) is collected on its own.
        let other: RunsKey = (RuleSet::all(), (4, 2), 3);
        cache.coroutine_runs(other, || {
            collected.fetch_add(1, Ordering::SeqCst);
            Vec::new()
        });
        assert_eq!(collected.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_method_is_decided_abstract_once() {
        let cache = SummaryCache::default();
        let decided = AtomicUsize::new(0);
        let method = |index| FuncRef {
            file: 0,
            class: Some(0),
            index,
        };
        let ask = |f: FuncRef, answer: bool| {
            cache.abstract_method(f, || {
                decided.fetch_add(1, Ordering::SeqCst);
                answer
            })
        };
        assert!(ask(method(0), true));
        assert!(!ask(method(1), false));
        // Asked again, the first answers stand and nothing is decided anew.
        assert!(ask(method(0), false));
        assert!(!ask(method(1), true));
        assert_eq!(decided.load(Ordering::SeqCst), 2);
    }
}
