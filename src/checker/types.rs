//! The small type lattice of the local inference: just enough to know when a
//! receiver is a Django manager, QuerySet or model instance, and what an
//! instance has loaded. Anything else is `Unknown`, and `Unknown` is never
//! reported (precision first).

use crate::index::{FuncRef, ModelId};

/// Which relations a query loaded with `select_related`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum SelectRelated {
    #[default]
    None,
    /// `select_related()` with no arguments: every non-null forward FK.
    All,
    Paths(Vec<String>),
}

impl SelectRelated {
    pub fn add(&mut self, paths: Option<Vec<String>>) {
        match paths {
            None => *self = SelectRelated::All,
            Some(new) => match self {
                SelectRelated::All => {}
                SelectRelated::None => *self = SelectRelated::Paths(new),
                SelectRelated::Paths(p) => p.extend(new),
            },
        }
    }

    /// Does it cover relation `name`? Returns what it loads below it.
    pub fn covers(&self, name: &str) -> Option<SelectRelated> {
        match self {
            SelectRelated::None => None,
            SelectRelated::All => Some(SelectRelated::All),
            SelectRelated::Paths(paths) => {
                let mut below = Vec::new();
                let mut hit = false;
                for p in paths {
                    let mut parts = p.splitn(2, "__");
                    if parts.next() == Some(name) {
                        hit = true;
                        if let Some(rest) = parts.next() {
                            below.push(rest.to_owned());
                        }
                    }
                }
                hit.then_some(if below.is_empty() {
                    SelectRelated::None
                } else {
                    SelectRelated::Paths(below)
                })
            }
        }
    }
}

/// What an instance (or the instances a QuerySet yields) has loaded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Loaded {
    /// We saw the query that produced it; if false, nothing is known and
    /// lazy loads are not reported.
    pub known: bool,
    /// It came from outside the function and no caller was seen (an
    /// annotated parameter): the caller may have prefetched any relation, so
    /// even its related managers are not reported (precision first). A
    /// call site's argument replaces it with what the caller loaded.
    pub unseen: bool,
    pub select_related: SelectRelated,
    /// `only(...)` field names (None: all concrete fields).
    pub only: Option<Vec<String>>,
    pub deferred: Vec<String>,
    /// Relations cached on the instance (`Product(category=c)`, `acreate(category=c)`).
    pub cached: Vec<String>,
    /// `prefetch_related` lookups (related managers served from cache).
    pub prefetched: Vec<String>,
    /// The lookups of `prefetched` given as plain strings: their objects come
    /// from the related model's plain queryset (no `Prefetch` queryset of
    /// the caller's choosing), so what those objects loaded is known.
    pub prefetched_plain: Vec<String>,
    /// `Prefetch("items", queryset=qs, to_attr="name")`: the attribute
    /// `name` is a list of `qs`'s instances (the model and what `qs`
    /// loaded, one level: its own `to_attrs` are dropped).
    pub to_attrs: Vec<(String, ModelId, Box<Loaded>)>,
    /// Where `.select_related(...)` can be inserted in the query that produced
    /// it (file, byte offset), with the relation path leading here
    /// (`order__` for `item.order`): the RDJ104 fix.
    pub origin: Option<(crate::index::FileId, usize, String)>,
}

impl Loaded {
    /// Equal in what was loaded (ignoring where the query is written).
    pub fn same_state(&self, other: &Loaded) -> bool {
        Loaded {
            origin: None,
            ..self.clone()
        } == Loaded {
            origin: None,
            ..other.clone()
        }
    }

    pub fn unknown() -> Loaded {
        Loaded::default()
    }
    /// What an annotated parameter holds when no call site is known.
    pub fn unseen() -> Loaded {
        Loaded {
            unseen: true,
            ..Loaded::default()
        }
    }
    pub fn fresh() -> Loaded {
        Loaded {
            known: true,
            ..Loaded::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Callable {
    /// A function or method in the workspace index.
    Workspace(FuncRef),
    /// A nested `def` or a `lambda` in the current file (by start byte).
    Local(usize),
}

/// How deeply types nest before they count as `Unknown` (see [`Ty::bounded`]).
pub const MAX_TY_DEPTH: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Ty {
    #[default]
    Unknown,
    ModelClass(ModelId),
    /// `related`: a related manager (`order.items`); `back`: the field of
    /// its rows that points to the instance it came from (Django caches it).
    Manager {
        model: ModelId,
        related: bool,
        back: Option<String>,
    },
    QuerySet {
        model: ModelId,
        values: bool,
        loaded: Loaded,
    },
    Instance {
        model: ModelId,
        loaded: Loaded,
    },
    /// `recv.method` not (yet) called: `sync_to_async(Model.objects.all)`.
    BoundMethod(Box<Ty>, String),
    /// A related manager whose rows the query prefetched (`prefetch_related`),
    /// or its `.all()`: the rows come from the cache, but any other QuerySet
    /// method (`filter`, `exclude`, `order_by`, …) builds a new query.
    PrefetchedRelated(ModelId),
    /// A coroutine; `await` unwraps it.
    Awaitable(Box<Ty>),
    /// What `async for` yields items of (`qs.aiterator()`).
    AsyncIter(Box<Ty>),
    Tuple(Vec<Ty>),
    /// A list or set, with the type of its elements.
    List(Box<Ty>),
    /// A dict, with the type of its values (`d[k] = inst`, `d.get(k)`).
    Dict(Box<Ty>),
    Function(Callable),
    /// `sync_to_async(f)`, `database_sync_to_async(f)`: runs `f` in a thread.
    ThreadWrapped(Box<Ty>),
    /// A Django `HttpRequest`.
    Request,
    /// `request.user` on a Django request: a lazy object that queries on first use.
    LazyUser,
    /// A Django session (`request.session`, `SessionStore()`).
    Session,
    /// `self` inside a method of a Reflex state class.
    StateSelf(crate::index::ClassRef),
    /// A plain workspace class (a service, a repository)…
    Class(crate::index::ClassRef),
    /// …and an instance of it (`repo = Repo()`, or `self` in its methods),
    /// with the arguments its constructor was given (what `__init__`
    /// stores on `self` from them).
    Object(crate::index::ClassRef, Vec<(String, Ty)>),
    /// A name bound to an external callable we know by qualified name.
    External(String),
    /// `qs.iterator()`: a generator that runs the query when first advanced.
    SyncIterator(Box<Ty>),
    /// A lazy iterator over a QuerySet that runs its query when advanced
    /// (`itertools.chain(qs)`, `map(f, chain(qs))`).
    LazyIter(Box<Ty>),
    /// `Paginator(qs, n)`: counts `qs` when asked for pages or its count.
    Paginator(Box<Ty>),
    /// A `Page` of a paginator over a QuerySet: iterating it (or `len`) runs the query.
    Page(Box<Ty>),
    /// `constance.config.KEY` with the database backend: a lazy proxy whose
    /// use as a value queries (`await` it instead).
    ConfigValue,
    /// A REST framework serializer built over a QuerySet (`many=True`):
    /// its `.data` iterates it.
    SerializerOver(Box<Ty>),
    /// A workspace module (`from cases import services`).
    Module(crate::index::FileId),
    /// Model data on some control-flow paths only (after a join). Only
    /// RDJ302 looks inside: storing it in state fails on those paths.
    Maybe(Box<Ty>),
}

impl Ty {
    pub fn model(&self) -> Option<ModelId> {
        match self {
            Ty::ModelClass(m)
            | Ty::Instance { model: m, .. }
            | Ty::QuerySet { model: m, .. }
            | Ty::Manager { model: m, .. } => Some(*m),
            _ => None,
        }
    }

    pub fn is_queryset_like(&self) -> bool {
        matches!(self, Ty::QuerySet { .. } | Ty::Manager { .. })
    }

    /// A model instance, a QuerySet, or a collection of instances (RDJ302).
    pub fn holds_model_data(&self) -> bool {
        match self {
            Ty::Instance { .. } | Ty::QuerySet { .. } => true,
            Ty::List(inner) | Ty::Dict(inner) => inner.holds_model_data(),
            Ty::Tuple(items) => items.iter().any(Ty::holds_model_data),
            Ty::Maybe(inner) => inner.holds_model_data(),
            _ => false,
        }
    }

    /// Merge at control-flow joins: keep only what both sides agree on.
    /// The type, or `Unknown` if it nests deeper than [`MAX_TY_DEPTH`]:
    /// statements can nest types without nesting syntax (`x = (x,)` or
    /// `x = sync_to_async(x)` repeated, joins in a row of `if`s), and a
    /// type's clone, comparison and drop recurse over its depth.
    pub fn bounded(self) -> Ty {
        // An explicit stack: the type measured may be deep.
        let mut stack = vec![(&self, 1usize)];
        while let Some((ty, depth)) = stack.pop() {
            if depth > MAX_TY_DEPTH {
                return Ty::Unknown;
            }
            match ty {
                Ty::BoundMethod(inner, _)
                | Ty::Awaitable(inner)
                | Ty::AsyncIter(inner)
                | Ty::List(inner)
                | Ty::Dict(inner)
                | Ty::ThreadWrapped(inner)
                | Ty::SyncIterator(inner)
                | Ty::LazyIter(inner)
                | Ty::Paginator(inner)
                | Ty::Page(inner)
                | Ty::SerializerOver(inner)
                | Ty::Maybe(inner) => stack.push((inner, depth + 1)),
                Ty::Tuple(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
                Ty::Object(_, args) => stack.extend(args.iter().map(|(_, t)| (t, depth + 1))),
                _ => {}
            }
        }
        self
    }

    pub fn join(self, other: Ty) -> Ty {
        self.join_unbounded(other).bounded()
    }

    fn join_unbounded(self, other: Ty) -> Ty {
        if self == other {
            return self;
        }
        // A list or dict still empty on one side (`[]`, filled in a loop).
        match (&self, &other) {
            (Ty::List(a), Ty::List(_)) | (Ty::Dict(a), Ty::Dict(_)) if **a == Ty::Unknown => return other,
            (Ty::List(_), Ty::List(b)) | (Ty::Dict(_), Ty::Dict(b)) if **b == Ty::Unknown => return self,
            _ => {}
        }
        // The same query state reached by different code: keep it, but with no
        // single place to add `select_related` to.
        match (&self, &other) {
            (
                Ty::QuerySet {
                    model: a,
                    values: va,
                    loaded: la,
                },
                Ty::QuerySet {
                    model: b,
                    values: vb,
                    loaded: lb,
                },
            ) if a == b && va == vb && la.same_state(lb) => {
                return Ty::QuerySet {
                    model: *a,
                    values: *va,
                    loaded: Loaded {
                        origin: None,
                        ..la.clone()
                    },
                };
            }
            (Ty::Instance { model: a, loaded: la }, Ty::Instance { model: b, loaded: lb })
                if a == b && la.same_state(lb) =>
            {
                return Ty::Instance {
                    model: *a,
                    loaded: Loaded {
                        origin: None,
                        ..la.clone()
                    },
                };
            }
            _ => {}
        }
        match (self, other) {
            (Ty::Maybe(a), b) | (b, Ty::Maybe(a)) if b.holds_model_data() || b == Ty::Unknown => Ty::Maybe(a),
            (a, _) if a.holds_model_data() => Ty::Maybe(Box::new(a)),
            (_, b) if b.holds_model_data() => Ty::Maybe(Box::new(b)),
            _ => Ty::Unknown,
        }
    }
}

impl Ty {
    /// What an argument carries into a callee's parameter: model data (with
    /// what it loaded), containers of it, workspace objects and functions.
    /// Anything else is `Unknown`, so that calls carrying nothing share one
    /// summary. Where the caller's query is written (`origin`) is dropped:
    /// it is the caller's business, and it would make every call site a key.
    pub fn carried(&self) -> Ty {
        fn strip(loaded: &Loaded) -> Loaded {
            Loaded {
                origin: None,
                ..loaded.clone()
            }
        }
        match self {
            Ty::Instance { model, loaded } => Ty::Instance {
                model: *model,
                loaded: strip(loaded),
            },
            Ty::QuerySet { model, values, loaded } => Ty::QuerySet {
                model: *model,
                values: *values,
                loaded: strip(loaded),
            },
            Ty::Manager { .. } | Ty::ModelClass(_) | Ty::Function(Callable::Workspace(_)) => self.clone(),
            // A helper handed the request (or its lazy user, its session)
            // reads them as lazily as the caller would.
            Ty::Request | Ty::LazyUser | Ty::Session => self.clone(),
            Ty::Object(class, args) => Ty::Object(
                *class,
                args.iter()
                    .map(|(name, t)| (name.clone(), t.carried()))
                    .filter(|(_, t)| *t != Ty::Unknown)
                    .collect(),
            ),
            Ty::List(inner) if inner.holds_model_data() => Ty::List(Box::new(inner.carried())),
            Ty::Dict(inner) if inner.holds_model_data() => Ty::Dict(Box::new(inner.carried())),
            Ty::Tuple(items) if items.iter().any(Ty::holds_model_data) => {
                Ty::Tuple(items.iter().map(Ty::carried).collect())
            }
            _ => Ty::Unknown,
        }
    }
}
