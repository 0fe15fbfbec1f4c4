//! What a model instance has loaded (`types::Loaded`): the relations
//! reached from it (cached, selected, prefetched or lazy),
//! `prefetch_related` with `Prefetch(..., to_attr=...)`,
//! `prefetch_related_objects` and `arefresh_from_db`. It tracks loaded
//! state only; a lazy relation read is RDJ104's to report.

use tree_sitter::Node;

use super::Walker;
use crate::checker::types::{Loaded, Ty};
use crate::python;
use crate::rules;
use crate::syntax::{self, field, named_children};

impl<'a> Walker<'a> {
    /// `has_id_column`: a forward relation whose `<attr>_id` holds the target's pk;
    /// `many_to_one`: a forward `ForeignKey` (not a one-to-one).
    pub(super) fn single_relation(
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

    pub(super) fn related_manager(
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

    /// `await obj.arefresh_from_db(...)` reloads fields and drops cached relations.
    pub(super) fn refresh_instance(&mut self, obj: Option<Node<'a>>, args: Option<Node<'a>>) {
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
                        .filter_map(|v| python::string_value(v, self.src))
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

    /// The lookup a `prefetch_related` argument caches: a string literal, or
    /// `Prefetch("a__b", queryset=..., to_attr="x")`, whose levels before the
    /// last are prefetched as usual and whose last level is stored as the list
    /// `x` instead (so `a__x`: the `b` manager itself is not served from cache).
    /// `None` when it cannot be read: the caller takes that as "anything".
    pub(super) fn prefetch_lookup(&self, arg: Node<'a>) -> Option<String> {
        if let Some(lookup) = python::string_value(arg, self.src) {
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
        let positional = self.positional_args(args);
        let lookup = self
            .keyword_value(args, "lookup")
            .or_else(|| positional.first().copied())?;
        let lookup = python::string_value(lookup, self.src)?;
        match self
            .keyword_value(args, "to_attr")
            .or_else(|| positional.get(2).copied())
        {
            None => Some(lookup),
            Some(to_attr) => {
                let to_attr = python::string_value(to_attr, self.src)?;
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
    pub(super) fn note_prefetches(&mut self, loaded: &mut Loaded, args: Option<Node<'a>>) {
        let positional = self.positional_args(args);
        if positional.is_empty() && !self.arg_nodes(args).is_empty() {
            loaded.prefetched.push(String::new());
        }
        for arg in positional {
            if let Some(plain) = python::string_value(arg, self.src) {
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
    pub(super) fn note_to_attr_rows(&mut self, loaded: &mut Loaded, arg: Node<'a>, to_attr: &str) {
        if arg.kind() != "call" {
            return;
        }
        let prefetch_args = field(arg, "arguments");
        if self
            .keyword_value(prefetch_args, "to_attr")
            .and_then(|v| python::string_value(v, self.src))
            .as_deref()
            != Some(to_attr)
        {
            return;
        }
        let queryset = self
            .keyword_value(prefetch_args, "queryset")
            .map(|q| self.eval_quiet(q));
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
}
