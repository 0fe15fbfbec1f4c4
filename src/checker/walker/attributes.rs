//! Attribute reads: what `obj.attr` is for each kind of receiver (model
//! classes and instances, requests, sessions, paginators, workspace objects
//! and their properties, modules, external names), and the known external
//! bases of workspace classes. It computes types; a deferred field, a lazy
//! user or a blocking property is reported by its rule (RDJ104, RDJ106,
//! RDJ107), never decided here.

use tree_sitter::Node;

use super::Walker;
use crate::checker::effects::{self, Effect, Evaluation};
use crate::checker::summary_cache::Summary;
use crate::checker::types::{Callable, Ty};
use crate::checker::{self, Exec};
use crate::index::models::{FieldKind, Member, RelationKind};
use crate::index::{FuncRef, Symbol};
use crate::knowledge::django;
use crate::knowledge::third_party;
use crate::rules;
use crate::syntax::field;

impl<'a> Walker<'a> {
    pub(super) fn eval_attribute(&mut self, node: Node<'a>) -> Ty {
        let Some(obj) = field(node, "object") else {
            return Ty::Unknown;
        };
        let attr = field(node, "attribute").map(|a| self.text(a)).unwrap_or("");
        let obj_ty = self.eval(obj);
        self.attribute_of(node, &obj_ty, attr)
    }

    /// `Model.method` for a `@classmethod` or `@staticmethod` of the model:
    /// callable without an instance (a plain method so reached is not placed).
    pub(super) fn class_level_method(&self, model: crate::index::ModelId, attr: &str) -> Ty {
        let Some(f) = self
            .index
            .model(model)
            .class
            .and_then(|c| self.index.find_method(c, attr))
        else {
            return Ty::Unknown;
        };
        if self.decorated_as(f, &["classmethod", "staticmethod"]) {
            Ty::BoundMethod(Box::new(Ty::Function(Callable::Workspace(f))), attr.to_owned())
        } else {
            Ty::Unknown
        }
    }

    /// The type of `obj.attr`, reporting lazy loads (RDJ104) and `request.user` reads (RDJ106).
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
                                let plain_fk = !f.names_to_field;
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
                            if let Some(read) = checker::dispatch::subclass_property(self, class, attr, obj_ty) {
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
                None => match checker::attribute_of_class(self, *class, ctor, attr) {
                    // Defined only on subclasses: what their properties do.
                    Ty::Unknown => match checker::dispatch::subclass_property(self, *class, attr, obj_ty) {
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
                        self.evaluates(node, value, (**qs).clone(), Evaluation::SerializerData);
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
                    && checker::frameworks::strawberry_context_request_is_django(self.index) =>
            {
                // The view's request went through the project's `MIDDLEWARE`,
                // as a view's parameter does (see `bind_parameters`).
                if self.exec == Exec::Async && checker::user_replaced_by_middleware(self) {
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
    pub(super) fn model_defines_method(&self, model: crate::index::ModelId, method: &str) -> bool {
        self.index
            .model(model)
            .class
            .is_some_and(|c| self.index.find_method(c, method).is_some())
    }

    /// `@property` / `@functools.cached_property`: reading it runs its body.
    pub fn is_property(&self, f: FuncRef) -> bool {
        self.decorated_as(f, &["property", "cached_property"])
    }

    /// `obj.prop`: RDJ107 if the property's body blocks; its value is what it returns.
    pub(super) fn read_property(&mut self, node: Node<'a>, obj_ty: &Ty, f: FuncRef) -> Ty {
        let callee = Callable::Workspace(f);
        let receiver = obj_ty.carried();
        let args: Vec<(String, Ty)> = match self.index.function(f).params.first() {
            Some(p) if receiver != Ty::Unknown => vec![(p.name.clone(), receiver)],
            _ => Vec::new(),
        };
        if self.follows_helpers() {
            if let Some(path) = checker::helper_blocking_path(self, &callee, &args) {
                let name = self.snippet(node);
                rules::rdj107_blocking_call_via_helper::report_property(self, node, &name, &path);
            }
        }
        checker::summary_of(self, &callee, &args).returns.clone()
    }

    /// `@property` alone: a model's `cached_property` is often filled in a
    /// worker thread before async code reads it (weblate's
    /// `aprepare_permissions`), so only plain properties of model instances
    /// are followed.
    pub fn is_plain_property(&self, f: FuncRef) -> bool {
        self.decorated_as(f, &["property"])
    }

    /// `obj.prop` where `prop` is a property of each subclass of `obj`'s
    /// class (`read`: their joined summary, see `dispatch`).
    pub(super) fn read_dispatched_property(&mut self, node: Node<'a>, read: &Summary) -> Ty {
        if let (true, Some(path)) = (self.follows_helpers(), &read.blocking) {
            let name = self.snippet(node);
            rules::rdj107_blocking_call_via_helper::report_property(self, node, &name, path);
        }
        read.returns.clone()
    }

    /// The external class (with knowledge about it) a workspace class derives from.
    pub(super) fn known_external_base(&self, class: crate::index::ClassRef) -> Option<String> {
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
    pub(super) fn inherited_external_member(&self, obj_ty: &Ty, class: crate::index::ClassRef, attr: &str) -> Ty {
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
    pub(super) fn view_paginator(&self, view: crate::index::ClassRef) -> Ty {
        match self.class_attribute_symbol(view, third_party::VIEW_PAGINATION_CLASS) {
            Some(Symbol::Class(c)) => Ty::Object(c, Vec::new()),
            Some(Symbol::External(q)) if third_party::has_blocking_methods(&q) => Ty::External(format!("{q}()")),
            _ => Ty::External(format!("{}()", third_party::CONFIGURED_PAGINATOR)),
        }
    }

    /// What a class attribute bound to a name (`pagination_class =
    /// TwoPerPage`) refers to, in the class or its workspace bases (the
    /// nearest one that sets it); `None` when it is set to anything else.
    pub(super) fn class_attribute_symbol(&self, class: crate::index::ClassRef, attr: &str) -> Option<Symbol> {
        self.index
            .nearest_in_class_chain(class, |c| {
                let found = self.index.class(c).attr(attr)?;
                Some(match &found.value {
                    crate::index::summary::AssignedValue::Name(name) => {
                        Some(self.index.resolve_dotted(c.file, name, None))
                    }
                    _ => None,
                })
            })
            .flatten()
    }
}
