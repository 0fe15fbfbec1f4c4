use tree_sitter::Node;

use crate::checker::types::Loaded;
use crate::checker::walker::Walker;
use crate::index::FieldInfo;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::rules::Rule;
use crate::python;
use crate::syntax::{field, named_children};

declare_rule! {
    /// ## What it does
    /// Flags reading a ForeignKey or OneToOne relation (forward, or a reverse
    /// one-to-one) on an instance whose query did not `select_related` it,
    /// and reading a field deferred by `only()` / `defer()`, in async code.
    ///
    /// ## Why is this bad?
    /// The related object (or deferred field) is loaded lazily, with a
    /// synchronous query at the moment of the attribute access: on the event
    /// loop that raises `SynchronousOnlyOperation`. It is the least visible
    /// of the pitfalls — it looks like a plain attribute.
    ///
    /// ## Example
    /// ```python
    /// async def show(self, order_id: int):
    ///     order = await Order.objects.aget(pk=order_id)
    ///     self.customer_name = order.customer.name
    /// ```
    ///
    /// ## Fix
    /// Load the relation with the query: `Order.objects.select_related("customer").aget(pk=order_id)`.
    /// When only the id is needed, read `order.customer_id`.
    pub struct LazyRelationAccess;
}

pub fn report_lazy<'a>(w: &mut Walker<'a>, node: Node<'a>, attr: &str, loaded: &Loaded, forward: bool) {
    let what = format!(
        "`{}` loads the relation `{attr}` lazily with a query that blocks the event loop (not loaded by `select_related`)",
        w.snippet(node)
    );
    let fix = fk_id_fix(w, node, attr, loaded, forward).or_else(|| select_related_fix(w, node, attr, loaded));
    w.report_blocking_fix(Rule::RDJ104, node.byte_range(), what, fix);
}

/// Load the relation with the query that produced the instance, when that
/// query is in this function: `Order.objects.aget(pk=1)` →
/// `Order.objects.select_related("customer").aget(pk=1)`. Same rows, one JOIN.
fn select_related_fix<'a>(w: &Walker<'a>, node: Node<'a>, attr: &str, loaded: &Loaded) -> Option<Fix> {
    let (file, at, path) = loaded.origin.as_ref()?;
    let here = w.function_range()?;
    if *file != w.file || !here.contains(at) || !w.can_await_at(node) {
        return None;
    }
    // `only()` without the relation: `select_related` of a deferred field raises FieldError.
    if path.is_empty() && loaded.only.as_ref().is_some_and(|only| !only.iter().any(|o| o == attr)) {
        return None;
    }
    if loaded.deferred.iter().any(|d| d == attr) {
        return None;
    }
    let lookup = format!("{path}{attr}");
    if let Some(args) = existing_select_related(w, *at) {
        // One call that names every relation, not a second `.select_related()`.
        let last = args.last()?;
        let mut lookups: Vec<String> = args.iter().filter_map(|a| python::string_value(*a, w.src)).collect();
        lookups.push(lookup.clone());
        let call = lookups.iter().map(|l| format!("\"{l}\"")).collect::<Vec<_>>().join(", ");
        return Some(Fix {
            applicability: Applicability::Safe,
            message: format!("Load it with the query: `.select_related({call})`"),
            edits: vec![Edit { range: last.end_byte()..last.end_byte(), content: format!(", \"{lookup}\"") }],
        });
    }
    Some(Fix {
        applicability: Applicability::Safe,
        message: format!("Load it with the query: `.select_related(\"{lookup}\")`"),
        edits: vec![Edit { range: *at..*at, content: format!(".select_related(\"{lookup}\")") }],
    })
}

/// The arguments of a `select_related("a", …)` call (plain string lookups
/// only) in the method chain that ends at byte `end`:
/// `.select_related("a").order_by("id")` ends there, and a lookup added to
/// that call loads the same rows. `None` when the chain has no such call, or
/// when the last `select_related` in it takes anything else (`None` clears
/// the list, `*names` is unknown): a new call at the end is then needed.
fn existing_select_related<'a>(w: &Walker<'a>, end: usize) -> Option<Vec<Node<'a>>> {
    let leaf = w.root.descendant_for_byte_range(end.checked_sub(1)?, end)?;
    let mut call = std::iter::successors(Some(leaf), |n| n.parent())
        .take_while(|n| n.end_byte() == end)
        .filter(|n| n.kind() == "call")
        .last()?;
    loop {
        let func = field(call, "function").filter(|f| f.kind() == "attribute")?;
        if field(func, "attribute").is_some_and(|m| w.text(m) == "select_related") {
            let args: Vec<Node<'a>> = field(call, "arguments")
                .map(named_children)
                .unwrap_or_default()
                .into_iter()
                .filter(|a| a.kind() != "comment")
                .collect();
            let lookups = !args.is_empty() && args.iter().all(|a| python::string_value(*a, w.src).is_some());
            return lookups.then_some(args);
        }
        call = field(func, "object").filter(|o| o.kind() == "call")?;
    }
}

/// `obj.fk.pk` / `obj.fk.id` → `obj.fk_id`: the id is on the instance already
/// (unless `only()`/`defer()` left the column out).
fn fk_id_fix<'a>(w: &Walker<'a>, node: Node<'a>, attr: &str, loaded: &Loaded, forward: bool) -> Option<Fix> {
    let parent = node.parent().filter(|p| p.kind() == "attribute")?;
    let read = field(parent, "attribute").map(|a| w.text(a))?;
    let column = format!("{attr}_id");
    let column_loaded = loaded.only.is_none() && !loaded.deferred.iter().any(|d| d == attr || *d == column);
    if !forward || !matches!(read, "pk" | "id") || !column_loaded || field(parent, "object")?.id() != node.id() {
        return None;
    }
    let obj = field(node, "object")?;
    Some(Fix {
        applicability: Applicability::Safe,
        message: format!("Read `{}.{column}`", w.snippet(obj)),
        edits: vec![Edit { range: parent.byte_range(), content: format!("{}.{column}", w.text(obj)) }],
    })
}

/// A concrete field read after `only()` / `defer()` left it out.
pub fn check_deferred<'a>(w: &mut Walker<'a>, node: Node<'a>, loaded: &Loaded, field: &FieldInfo) {
    if !loaded.known || field.primary_key {
        return;
    }
    let deferred = match &loaded.only {
        Some(only) => !only.iter().any(|o| o == &field.name),
        None => false,
    } || loaded.deferred.iter().any(|d| d == &field.name);
    if deferred {
        let what = format!("`{}` reads the deferred field `{}`, which is loaded with a query that blocks the event loop", w.snippet(node), field.name);
        w.report_blocking(Rule::RDJ104, node.byte_range(), what);
    }
}

/// `obj.fk_id` after `only()` / `defer()` left the column out.
pub fn check_deferred_fk_id<'a>(w: &mut Walker<'a>, node: Node<'a>, loaded: &Loaded, field: &FieldInfo) {
    if !loaded.known {
        return;
    }
    let attname = format!("{}_id", field.name);
    let deferred = loaded.only.as_ref().is_some_and(|only| !only.iter().any(|o| o == &field.name || o == &attname))
        || loaded.deferred.iter().any(|d| d == &field.name || d == &attname);
    if deferred {
        let what = format!("`{}` reads the deferred column `{attname}`, which is loaded with a query that blocks the event loop", w.snippet(node));
        w.report_blocking(Rule::RDJ104, node.byte_range(), what);
    }
}
