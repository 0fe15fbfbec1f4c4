use tree_sitter::Node;

use crate::checker::types::Ty;
use crate::checker::walker::Walker;
use crate::rules::Rule;
use crate::python;
use crate::syntax::{self, field};

declare_rule! {
    /// ## What it does
    /// Flags, in an event handler, storing a model instance, a QuerySet or a
    /// list of instances into a public state var: `self.var = …` (also inside
    /// a dict or list literal), `setattr(self, "var", …)`,
    /// `self.var.append(…)` / `extend` / `insert`, `self.var += […]`; and a
    /// computed var (`@rx.var`, not `backend=True`) returning one.
    ///
    /// ## Why is this bad?
    /// Reflex sends public vars and computed vars to the browser as JSON.
    /// Reflex 0.10's encoder sends a Django model instance as `null`: the
    /// page silently shows nothing. A QuerySet is evaluated first, on the
    /// event loop: `SynchronousOnlyOperation` (for a computed var, when
    /// Reflex checks its value against the return annotation).
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

/// What happens to `ty` on its way to the browser.
fn consequence(ty: &Ty) -> &'static str {
    match ty {
        Ty::QuerySet { .. } => "Reflex evaluates a QuerySet on the event loop (`SynchronousOnlyOperation`)",
        Ty::List(_) => "Reflex sends model instances to the browser as null",
        _ => "Reflex sends a model instance to the browser as null",
    }
}

fn flag<'a>(w: &mut Walker<'a>, var: &str, range: std::ops::Range<usize>, ty: &Ty) {
    let msg = format!("`self.{var}` is a public state var: {}", consequence(ty));
    w.report(Rule::RDJ302, range, msg);
}

/// The model data in a value: its own type, or that of an element of a
/// dict, list, tuple or set literal, or of either arm of a conditional
/// (`item if ready else {}`).
fn model_data_in<'a>(w: &mut Walker<'a>, value: Node<'a>, depth: u32) -> Option<Ty> {
    if depth > 8 {
        return None;
    }
    let parts: Vec<Node<'a>> = match value.kind() {
        "dictionary" => syntax::named_children(value)
            .into_iter()
            .filter_map(|pair| if pair.kind() == "pair" { field(pair, "value") } else { Some(pair) })
            .collect(),
        "list" | "tuple" | "set" | "parenthesized_expression" => syntax::named_children(value),
        "conditional_expression" => syntax::named_children(value).into_iter().step_by(2).collect(),
        _ => {
            let ty = w.eval_quiet(value);
            return ty.holds_model_data().then_some(ty);
        }
    };
    parts.into_iter().find_map(|p| model_data_in(w, p, depth + 1))
}

pub fn check_assignment<'a>(w: &mut Walker<'a>, left: Node<'a>, right: Node<'a>, ty: &Ty) {
    if !w.in_handler() {
        return;
    }
    let Some(var) = self_var(w, left) else { return };
    if ty.holds_model_data() {
        flag(w, var, left.start_byte()..right.end_byte(), ty);
    } else if matches!(right.kind(), "dictionary" | "list" | "tuple" | "set") {
        if let Some(inner) = model_data_in(w, right, 0) {
            flag(w, var, left.start_byte()..right.end_byte(), &inner);
        }
    }
}

/// `return …` in a frontend computed var: Reflex sends the value.
pub fn check_return<'a>(w: &mut Walker<'a>, value: Node<'a>) {
    use crate::checker::Exec;
    if !w.computed_var || !matches!(w.exec, Exec::Async | Exec::SyncComputedVar) {
        return;
    }
    if let Some(ty) = model_data_in(w, value, 0) {
        let msg = format!("computed var `{}` returns model data: {}", w.function_name, consequence(&ty));
        w.report(Rule::RDJ302, value.byte_range(), msg);
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
                let Some(var) = python::string_value(name, w.src) else { return };
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
