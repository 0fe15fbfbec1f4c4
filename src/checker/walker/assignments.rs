//! Assignments and stores: binding targets (unpacking included), what a
//! store reads (`obj.attr = …` reads `obj`), and what a store teaches about
//! the stored-into value (a relation cached on an instance, a dict filled
//! with instances, a `request.user` that is no longer lazy). It computes
//! bindings; the checks it calls (RDJ302, RDJ103's unpacking, RDJ106's
//! session writes) decide what is reported.

use tree_sitter::Node;

use super::expressions::add_element;
use super::Walker;
use crate::checker;
use crate::checker::types::Ty;
use crate::rules;
use crate::syntax::{field, named_children};

impl<'a> Walker<'a> {
    pub(super) fn walk_assignment(&mut self, assign: Node<'a>) {
        self.nested((), |w| w.walk_assignment_here(assign))
    }

    pub(super) fn walk_assignment_here(&mut self, assign: Node<'a>) {
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
            && checker::imports_django(self.index, self.file)
        {
            self.bind_target(left, Ty::Request);
            return;
        }
        self.bind_target(left, ty);
    }

    /// The loads a store performs: `obj.attr = …` reads `obj`, `d[k] = …` reads `d` and `k`.
    pub(super) fn eval_store_target(&mut self, target: Node<'a>) {
        self.nested((), |w| w.eval_store_target_here(target))
    }

    pub(super) fn eval_store_target_here(&mut self, target: Node<'a>) {
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
    pub(super) fn is_session_proxy(&mut self, subscript: Node<'a>) -> bool {
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
    pub(super) fn note_item_store(&mut self, left: Node<'a>, ty: &Ty) {
        let Some(value) = field(left, "value").filter(|v| v.kind() == "identifier") else {
            return;
        };
        let name = self.text(value).to_owned();
        if let Some(Ty::Dict(inner)) = self.env.get(&name).cloned() {
            let filled = add_element(*inner, ty).map_or(Ty::Unknown, |e| Ty::Dict(Box::new(e)));
            self.env.insert(name, filled);
        }
    }

    pub(super) fn note_attribute_store(&mut self, left: Node<'a>) {
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

    pub(super) fn bind_target_here(&mut self, target: Node<'a>, ty: Ty) {
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
}
