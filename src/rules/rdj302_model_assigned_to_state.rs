use tree_sitter::Node;

use crate::checker::types::Ty;
use crate::checker::walker::Walker;
use crate::rules::Rule;
use crate::syntax::{self, field};

declare_rule! {
    /// ## What it does
    /// Flags, in an event handler, storing a model instance, a QuerySet or a
    /// list of instances into a public state var: `self.var = …`,
    /// `setattr(self, "var", …)`, `self.var.append(…)` / `extend` / `insert`,
    /// `self.var += […]`.
    ///
    /// ## Why is this bad?
    /// Reflex serializes public vars to send them to the browser; Django
    /// model instances are not JSON-serializable state, so the event fails
    /// (or leaks every field, password hashes included, to the client).
    ///
    /// ## Example
    /// ```python
    /// async def select(self, pk: int):
    ///     self.selected = await Product.objects.aget(pk=pk)
    /// ```
    ///
    /// ## Fix
    /// Store plain data: `self.selected = model_to_dict(product)`, or
    /// `[row async for row in qs.values("id", "name")]`.
    pub struct ModelAssignedToState;
}

fn self_var<'a>(w: &Walker<'a>, target: Node<'a>) -> Option<&'a str> {
    if target.kind() != "attribute" {
        return None;
    }
    let obj = field(target, "object")?;
    if obj.kind() != "identifier" || w.text(obj) != "self" {
        return None;
    }
    let name = w.text(field(target, "attribute")?);
    (!name.starts_with('_')).then_some(name)
}

fn flag<'a>(w: &mut Walker<'a>, var: &str, range: std::ops::Range<usize>, ty: &Ty) {
    let what = match ty {
        Ty::QuerySet { .. } => "a QuerySet",
        Ty::List(_) => "a list of model instances",
        _ => "a model instance",
    };
    let msg = format!("`self.{var}` is a public state var; assigning {what} to it fails when Reflex serializes the state");
    w.report(Rule::RDJ302, range, msg);
}

pub fn check_assignment<'a>(w: &mut Walker<'a>, left: Node<'a>, right: Node<'a>, ty: &Ty) {
    if !w.in_handler() || !ty.holds_model_data() {
        return;
    }
    if let Some(var) = self_var(w, left) {
        flag(w, var, left.start_byte()..right.end_byte(), ty);
    }
}

pub fn check_augmented<'a>(w: &mut Walker<'a>, left: Node<'a>, right: Node<'a>) {
    if !w.in_handler() {
        return;
    }
    let ty = w.eval_quiet(right);
    if !ty.holds_model_data() {
        return;
    }
    if let Some(var) = self_var(w, left) {
        flag(w, var, left.start_byte()..right.end_byte(), &ty);
    }
}

/// `self.var.append(obj)` / `extend` / `insert`, and `setattr(self, "var", obj)`.
pub fn check_call<'a>(w: &mut Walker<'a>, call: Node<'a>, func: Node<'a>, args: Option<Node<'a>>) {
    if !w.in_handler() {
        return;
    }
    let positional = w.positional_args(args);
    match func.kind() {
        "attribute" => {
            let method = field(func, "attribute").map(|a| w.text(a)).unwrap_or("");
            let Some(obj) = field(func, "object") else { return };
            let Some(var) = self_var(w, obj) else { return };
            let value = match method {
                "append" | "extend" => positional.first().copied(),
                "insert" => positional.get(1).copied(),
                _ => None,
            };
            if let Some(v) = value {
                let ty = w.eval_quiet(v);
                if ty.holds_model_data() {
                    flag(w, var, call.byte_range(), &ty);
                }
            }
        }
        "identifier" if w.text(func) == "setattr" && w.lookup("setattr") == Ty::Unknown => {
            if let [target, name, value] = positional[..] {
                if w.text(target) != "self" {
                    return;
                }
                let Some(var) = syntax::string_value(name, w.src) else { return };
                if var.starts_with('_') {
                    return;
                }
                let ty = w.eval_quiet(value);
                if ty.holds_model_data() {
                    flag(w, &var, call.byte_range(), &ty);
                }
            }
        }
        _ => {}
    }
}
