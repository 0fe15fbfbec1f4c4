//! The fix of RDJ201/RDJ202: run the transactional block in a worker thread.
//!
//! ```python
//! with transaction.atomic():                 def _atomic_block():
//!     order = await Order.objects.acreate()      with transaction.atomic():
//! return order.status                                order = Order.objects.create()
//!                                                return order
//!                                            order = await sync_to_async(_atomic_block)()
//!                                            return order.status
//! ```
//! Names the block assigns and the function reads afterwards are returned;
//! names the function binds elsewhere are declared `nonlocal`. Awaited async
//! ORM calls become their sync forms (the transaction needs the sync ORM).
//! No fix when the block returns, yields, breaks out, awaits anything else,
//! or holds a multi-line string (re-indenting would change it).

use std::collections::BTreeSet;

use tree_sitter::Node;

use crate::checker::walker::Walker;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::rules::fixes;
use crate::syntax::{self, field, named_children};

/// Django's async twins that turn back into their sync forms.
const TWINS: &[&str] = &[
    "aget",
    "acreate",
    "aget_or_create",
    "aupdate_or_create",
    "abulk_create",
    "abulk_update",
    "acount",
    "ain_bulk",
    "alatest",
    "aearliest",
    "afirst",
    "alast",
    "aaggregate",
    "aexists",
    "acontains",
    "aupdate",
    "adelete",
    "aexplain",
    "asave",
    "arefresh_from_db",
    "aadd",
    "aremove",
    "aclear",
    "aset",
];

/// `header`: for RDJ202, the sync `with` header replacing the broken `async with` one.
pub fn fix(w: &Walker<'_>, with_stmt: Node<'_>, header: Option<String>) -> Option<Fix> {
    if !w.can_await_at(with_stmt) {
        return None;
    }
    let function =
        std::iter::successors(with_stmt.parent(), |n| n.parent()).find(|n| n.kind() == "function_definition")?;
    let fbody = field(function, "body")?;
    let src = w.src;

    // Rewrites inside the block, relative to its text.
    let mut inner: Vec<(usize, usize, String)> = Vec::new();
    if let Some(h) = header {
        // Keep everything from the `:` on; replace `async with … ` before it.
        // (The `:` token: a comment after it may hold another `:`.)
        let colon = syntax::children(with_stmt).into_iter().find(|c| c.kind() == ":")?;
        inner.push((with_stmt.start_byte(), colon.start_byte(), h));
    }
    if !convertible(with_stmt, src, &mut inner, true) {
        return None;
    }

    let assigned = assigned_in(with_stmt, src);
    let mut outside = BTreeSet::new();
    for p in field(function, "parameters").map(named_children).unwrap_or_default() {
        param_names(p, src, &mut outside);
    }
    collect_assigned(fbody, src, &mut outside, Some(with_stmt));
    let read_after = read_after(fbody, src, with_stmt.end_byte());
    let nonlocals: Vec<&String> = assigned.iter().filter(|n| outside.contains(*n)).collect();
    let returned: Vec<&String> = assigned
        .iter()
        .filter(|n| !outside.contains(*n) && read_after.contains(*n))
        .collect();

    // The block's text with the inner rewrites, re-indented one level.
    let line_start = src[..with_stmt.start_byte()].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let indent = &src[line_start..with_stmt.start_byte()];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None; // `if x: with …` on one line
    }
    let block = rewrite(src, with_stmt.start_byte()..with_stmt.end_byte(), inner)?;
    let nl = if src.contains("\r\n") { "\r\n" } else { "\n" };
    let step = if indent.contains('\t') { "\t" } else { "    " };
    let body_indent = format!("{indent}{step}");
    let name = fresh_name(fbody, src);

    let mut out = format!("{indent}def {name}():{nl}");
    if !nonlocals.is_empty() {
        let list: Vec<&str> = nonlocals.iter().map(|s| s.as_str()).collect();
        out.push_str(&format!("{body_indent}nonlocal {}{nl}", list.join(", ")));
    }
    for (i, line) in block.split(nl).enumerate() {
        let line = if i == 0 {
            line.to_owned()
        } else {
            line.strip_prefix(indent).unwrap_or(line).to_owned()
        };
        if line.trim().is_empty() {
            out.push_str(nl);
        } else {
            out.push_str(&format!("{body_indent}{line}{nl}"));
        }
    }
    let names: Vec<&str> = returned.iter().map(|s| s.as_str()).collect();
    if !names.is_empty() {
        out.push_str(&format!("{body_indent}return {}{nl}", names.join(", ")));
    }
    let call = format!("await sync_to_async({name})()");
    if names.is_empty() {
        out.push_str(&format!("{indent}{call}"));
    } else {
        out.push_str(&format!("{indent}{} = {call}", names.join(", ")));
    }

    let mut edits = vec![Edit {
        range: line_start..with_stmt.end_byte(),
        content: out,
    }];
    edits.extend(fixes::ensure_import(w, "asgiref.sync", "sync_to_async").ok()?);
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: format!(
            "Run the block in a worker thread: `{name}` with the sync ORM, `await sync_to_async({name})()`"
        ),
        edits,
    })
}

/// `src[range]` with the inner rewrites applied (`None` if two overlap).
fn rewrite(src: &str, range: std::ops::Range<usize>, mut inner: Vec<(usize, usize, String)>) -> Option<String> {
    inner.sort_by_key(|(s, _, _)| *s);
    let mut out = String::new();
    let mut at = range.start;
    for (s, e, text) in &inner {
        if *s < at {
            return None;
        }
        out.push_str(&src[at..*s]);
        out.push_str(text);
        at = *e;
    }
    out.push_str(&src[at..range.end]);
    Some(out)
}

/// Collects the rewrites that make `node` plain sync code; false if impossible.
fn convertible(node: Node<'_>, src: &str, out: &mut Vec<(usize, usize, String)>, top: bool) -> bool {
    convertible_with(node, src, out, top, false)
}

/// How a node of the block is looked at (see [`convertible_with`]).
#[derive(Debug, Clone, Copy)]
enum Visit {
    /// `top`: the `with` statement itself (its header is the caller's);
    /// `returns_ok`: a `return` may stay.
    Code { top: bool, returns_ok: bool },
    /// A statement (or block) of a loop inside the block: `break` and
    /// `continue` may stay.
    InLoop,
}

/// `returns_ok`: a `return` may stay (the whole body moves, so it returns
/// from the nested function, whose result the outer one returns).
///
/// A walk with a stack of its own, not recursion: an expression in the
/// block can be as deep as the file is long.
fn convertible_with(
    node: Node<'_>,
    src: &str,
    out: &mut Vec<(usize, usize, String)>,
    top: bool,
    returns_ok: bool,
) -> bool {
    let mut stack = vec![(node, Visit::Code { top, returns_ok })];
    while let Some((node, visit)) = stack.pop() {
        let (top, returns_ok) = match visit {
            Visit::InLoop => match node.kind() {
                "break_statement" | "continue_statement" => continue,
                "block" => {
                    push_children(&mut stack, node, Visit::InLoop);
                    continue;
                }
                _ => (false, false),
            },
            Visit::Code { top, returns_ok } => (top, returns_ok),
        };
        let code = Visit::Code {
            top: false,
            returns_ok: false,
        };
        match node.kind() {
            "return_statement" if returns_ok => {
                push_children(
                    &mut stack,
                    node,
                    Visit::Code {
                        top: false,
                        returns_ok: true,
                    },
                );
                continue;
            }
            "return_statement" | "yield" | "break_statement" | "continue_statement" | "nonlocal_statement"
            | "global_statement" => {
                return false;
            }
            "function_definition" | "lambda" | "class_definition" => continue, // their own scope
            "for_statement" | "while_statement" if !top => {
                // `break`/`continue` inside a loop of the block are fine.
                if !async_for(node, src, out) {
                    return false;
                }
                push_children(&mut stack, node, Visit::InLoop);
                continue;
            }
            "string" if syntax::text(node, src).contains(['\n', '\r']) => return false,
            "await" => {
                let Some(call) = node.named_child(0).map(syntax::unparen).filter(|c| c.kind() == "call") else {
                    return false;
                };
                let Some(func) = field(call, "function").filter(|f| f.kind() == "attribute") else {
                    return false;
                };
                let Some(name) = field(func, "attribute") else {
                    return false;
                };
                let method = syntax::text(name, src);
                if !TWINS.contains(&method) || call.named_children(&mut call.walk()).any(contains_await) {
                    return false;
                }
                let text = format!(
                    "{}{}{}",
                    &src[call.start_byte()..name.start_byte()],
                    &method[1..],
                    &src[name.end_byte()..call.end_byte()]
                );
                out.push((node.start_byte(), node.end_byte(), text));
                continue;
            }
            "with_statement" if !top && syntax::is_async(node) => return false,
            "for_in_clause" if !async_for(node, src, out) => return false,
            _ => {}
        }
        if top && node.kind() == "with_statement" {
            // The header was handled by the caller; only the body matters.
            let Some(body) = field(node, "body") else { return false };
            push_children(&mut stack, body, code);
        } else {
            push_children(&mut stack, node, code);
        }
    }
    true
}

/// Pushes `node`'s named children so that they are popped in order.
fn push_children<'t>(stack: &mut Vec<(Node<'t>, Visit)>, node: Node<'t>, visit: Visit) {
    stack.extend(named_children(node).into_iter().rev().map(|c| (c, visit)));
}

/// `async for` (statement or comprehension clause) → `for`; `aiterator()` → `iterator()`.
fn async_for(node: Node<'_>, src: &str, out: &mut Vec<(usize, usize, String)>) -> bool {
    if !syntax::is_async(node) {
        return true;
    }
    let Some(kw) = syntax::children(node).into_iter().find(|c| c.kind() == "async") else {
        return false;
    };
    let end = src[kw.end_byte()..]
        .find(|c: char| !c.is_whitespace())
        .map_or(kw.end_byte(), |i| kw.end_byte() + i);
    out.push((kw.start_byte(), end, String::new()));
    if let Some(right) = field(node, "right") {
        if let Some(name) = (right.kind() == "call")
            .then(|| field(right, "function"))
            .flatten()
            .and_then(|f| field(f, "attribute"))
        {
            if syntax::text(name, src) == "aiterator" {
                out.push((name.start_byte(), name.end_byte(), "iterator".into()));
            }
        }
    }
    true
}

fn contains_await(node: Node<'_>) -> bool {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.kind() == "await" {
            return true;
        }
        stack.extend(named_children(n));
    }
    false
}

/// Names the block binds (not inside nested scopes), in order of their
/// first appearance as a name in the block (one walk: a block may bind
/// thousands of names).
fn assigned_in(node: Node<'_>, src: &str) -> Vec<String> {
    let mut set = BTreeSet::new();
    collect_assigned(node, src, &mut set, None);
    let mut first: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.kind() == "identifier" {
            let name = syntax::text(n, src);
            if set.contains(name) {
                let at = first.entry(name).or_insert(n.start_byte());
                *at = (*at).min(n.start_byte());
            }
        }
        stack.extend(named_children(n));
    }
    let mut with_pos: Vec<(usize, String)> = set
        .into_iter()
        .map(|n| (first.get(n.as_str()).copied().unwrap_or(usize::MAX), n))
        .collect();
    with_pos.sort();
    with_pos.into_iter().map(|(_, n)| n).collect()
}

/// Names bound in `node` (not inside nested scopes, and not in `skip`).
fn collect_assigned(node: Node<'_>, src: &str, out: &mut BTreeSet<String>, skip: Option<Node<'_>>) {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if skip.is_some_and(|s| s.id() == node.id()) {
            continue;
        }
        match node.kind() {
            "function_definition" | "class_definition" => {
                if let Some(n) = field(node, "name") {
                    out.insert(syntax::text(n, src).to_owned());
                }
                continue;
            }
            "lambda"
            | "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression" => continue,
            "assignment" | "augmented_assignment" | "for_statement" => {
                if let Some(left) = field(node, "left") {
                    target_names(left, src, out);
                }
            }
            "as_pattern_target" | "named_expression" => {
                if let Some(n) = field(node, "name").or_else(|| node.named_child(0)) {
                    target_names(n, src, out);
                }
            }
            "import_statement" | "import_from_statement" => {
                for c in named_children(node) {
                    let n = if c.kind() == "aliased_import" {
                        field(c, "alias")
                    } else {
                        Some(c)
                    };
                    if let Some(n) = n {
                        out.insert(syntax::text(n, src).split('.').next().unwrap_or("").to_owned());
                    }
                }
            }
            _ => {}
        }
        stack.extend(named_children(node));
    }
}

/// The names an assignment target binds (`a`, `a, (b, *c)`, `[a]`).
fn target_names(node: Node<'_>, src: &str, out: &mut BTreeSet<String>) {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "identifier" => {
                out.insert(syntax::text(node, src).to_owned());
            }
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "parenthesized_expression"
            | "list_splat_pattern"
            | "tuple"
            | "list" => stack.extend(named_children(node)),
            _ => {}
        }
    }
}

fn param_names(p: Node<'_>, src: &str, out: &mut BTreeSet<String>) {
    let n = match p.kind() {
        "identifier" => Some(p),
        "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => p.named_child(0),
        "default_parameter" | "typed_default_parameter" => field(p, "name"),
        _ => None,
    };
    if let Some(n) = n.filter(|n| n.kind() == "identifier") {
        out.insert(syntax::text(n, src).to_owned());
    }
}

/// Identifiers read anywhere in `body` after `offset` (attribute and keyword
/// names excluded).
fn read_after(body: Node<'_>, src: &str, offset: usize) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    // Whether the node is an attribute's or a keyword's name is carried down
    // with it: asking a node for its parent costs the tree's depth.
    let mut stack = vec![(body, false)];
    while let Some((n, member_name)) = stack.pop() {
        if n.end_byte() <= offset {
            continue;
        }
        if n.kind() == "identifier" && n.start_byte() >= offset && !member_name {
            out.insert(syntax::text(n, src).to_owned());
        }
        let member_field = match n.kind() {
            "attribute" => field(n, "attribute"),
            "keyword_argument" => field(n, "name"),
            _ => None,
        };
        stack.extend(
            named_children(n)
                .into_iter()
                .map(|c| (c, member_field.is_some_and(|m| m.id() == c.id()))),
        );
    }
    out
}

/// `_atomic_block`, or `_atomic_block_2`… when the function's text already
/// holds the name. One scan of the text: it may hold thousands of them.
fn fresh_name(body: Node<'_>, src: &str) -> String {
    const BASE: &str = "_atomic_block";
    let text = syntax::text(body, src);
    // The suffixes the text holds: `_atomic_block_23` holds `_2` and `_23`.
    let mut taken = std::collections::HashSet::new();
    let mut any = false;
    for (at, _) in text.match_indices(BASE) {
        any = true;
        let Some(rest) = text[at + BASE.len()..].strip_prefix('_') else {
            continue;
        };
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        // A name to pick has far fewer digits than the text has names.
        for end in 1..=digits.min(20) {
            taken.insert(&rest[..end]);
        }
    }
    if !any {
        return BASE.to_owned();
    }
    let free = (2..)
        .find(|i: &usize| !taken.contains(i.to_string().as_str()))
        .unwrap_or(2);
    format!("{BASE}_{free}")
}

/// `@transaction.atomic` on an `async def`: the body moves into a nested sync
/// def that runs inside `with transaction.atomic():` in a worker thread, and
/// the function returns its result.
pub fn decorator_fix(w: &Walker<'_>, def: Node<'_>, decorator: Node<'_>) -> Option<Fix> {
    let src = w.src;
    let body = field(def, "body")?;
    let statements: Vec<Node<'_>> = named_children(body)
        .into_iter()
        .filter(|c| c.kind() != "comment")
        .collect();
    let first = *statements.first()?;
    let docstring =
        first.kind() == "expression_statement" && first.named_child(0).is_some_and(|s| s.kind() == "string");
    let moved: Vec<Node<'_>> = statements.iter().copied().skip(usize::from(docstring)).collect();
    let start = *moved.first()?;
    let mut inner = Vec::new();
    if !moved.iter().all(|s| convertible_with(*s, src, &mut inner, false, true)) {
        return None;
    }
    let line_start = |at: usize| src[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let indent = &src[line_start(start.start_byte())..start.start_byte()];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let nl = if src.contains("\r\n") { "\r\n" } else { "\n" };
    let step = if indent.contains('\t') { "\t" } else { "    " };

    // The moved statements' text with the inner rewrites.
    let from = line_start(start.start_byte());
    let to = body.end_byte();
    let block = rewrite(src, from..to, inner)?;

    // Parameters the body assigns must stay the outer function's.
    let mut params = BTreeSet::new();
    for p in field(def, "parameters").map(named_children).unwrap_or_default() {
        param_names(p, src, &mut params);
    }
    let mut assigned = BTreeSet::new();
    for s in &moved {
        collect_assigned(*s, src, &mut assigned, None);
    }
    let nonlocals: Vec<&String> = assigned.iter().filter(|n| params.contains(*n)).collect();

    let decorator_text = w.text(decorator);
    let atomic = if decorator.kind() == "call" {
        decorator_text.to_owned()
    } else {
        format!("{decorator_text}()")
    };
    let name = fresh_name(body, src);
    let inner_indent = format!("{indent}{step}");
    let block_indent = format!("{indent}{step}{step}");
    let mut out = format!("{indent}def {name}():{nl}");
    if !nonlocals.is_empty() {
        let list: Vec<&str> = nonlocals.iter().map(|s| s.as_str()).collect();
        out.push_str(&format!("{inner_indent}nonlocal {}{nl}", list.join(", ")));
    }
    out.push_str(&format!("{inner_indent}with {atomic}:{nl}"));
    for line in block.split(nl) {
        let line = line.strip_prefix(indent).unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        out.push_str(&format!("{block_indent}{line}{nl}"));
    }
    out.push_str(&format!("{indent}return await sync_to_async({name})()"));

    // Remove the decorator's line.
    let deco_line = line_start(decorator.start_byte());
    let mut deco_end = decorator.end_byte();
    deco_end += if src[deco_end..].starts_with("\r\n") {
        2
    } else {
        usize::from(src[deco_end..].starts_with(['\n', '\r']))
    };
    if !src[deco_line..decorator.start_byte()].trim().eq("@") {
        return None;
    }
    let mut edits = vec![
        Edit {
            range: deco_line..deco_end,
            content: String::new(),
        },
        Edit {
            range: from..to,
            content: out,
        },
    ];
    edits.extend(fixes::ensure_import(w, "asgiref.sync", "sync_to_async").ok()?);
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: format!("Run the body in a worker thread inside `with {atomic}:`"),
        edits,
    })
}

#[cfg(test)]
mod depth_tests {
    use super::*;
    use crate::rules::fixes::depth_tests::{fixed, on_small_stack, DEEP};
    use crate::rules::Rule;

    const HEAD: &str = "from django.db import transaction\nfrom asgiref.sync import sync_to_async\nfrom shop.models import Product\n\n\n";

    fn deep(inner: &str) -> String {
        format!("{}{inner}{}", "(".repeat(DEEP), ")".repeat(DEEP))
    }

    /// A block with 100,000-deep expressions (a value, a target, an awaited
    /// call's arguments, a read after the block): fixed, on a 2 MiB stack.
    #[test]
    fn deep_blocks_are_fixed() {
        let state = format!(
            "{HEAD}async def save(name):\n    with transaction.atomic():\n        x = {}\n        {} = 2\n        p = await Product.objects.acreate(name={})\n    return p, x, y, {}p\n",
            deep("1"),
            deep("y"),
            deep("name"),
            "-".repeat(DEEP)
        );
        let out = fixed(&state, Rule::RDJ201).expect("a fix");
        let expected = format!(
            "{HEAD}async def save(name):\n    def _atomic_block():\n        with transaction.atomic():\n            x = {}\n            {} = 2\n            p = Product.objects.create(name={})\n        return x, y, p\n    x, y, p = await sync_to_async(_atomic_block)()\n    return p, x, y, {}p\n",
            deep("1"),
            deep("y"),
            deep("name"),
            "-".repeat(DEEP)
        );
        assert!(out == expected, "{}", &out[..out.len().min(400)]);

        let state = format!(
            "{HEAD}@transaction.atomic\nasync def save(name):\n    x = {}\n    return await Product.objects.acreate(name={})\n",
            deep("1"),
            deep("name")
        );
        let out = fixed(&state, Rule::RDJ201).expect("a fix");
        assert!(out.contains("            return Product.objects.create(name=(((("));
        assert!(out.ends_with("    return await sync_to_async(_atomic_block)()\n"));
    }

    /// What forbids the fix counts however deep it is: no fix rather than a
    /// wrong one.
    #[test]
    fn deep_reasons_against_the_fix_are_found() {
        let block = |statement: &str| {
            format!("{HEAD}async def save():\n    with transaction.atomic():\n        {statement}\n        await Product.objects.acreate()\n")
        };
        assert!(fixed(&block(&format!("x = {}", deep("1"))), Rule::RDJ201).is_some());
        for (kind, statement) in [
            ("yield", format!("x = {}", deep("yield"))),
            ("another await", format!("x = {}", deep("await other()"))),
            (
                "an await in the arguments",
                format!("await Product.objects.acreate(name={})", deep("await f()")),
            ),
            ("a multi-line string", format!("x = {}", deep("'''a\nb'''"))),
        ] {
            assert_eq!(fixed(&block(&statement), Rule::RDJ201), None, "{kind}");
        }
    }

    /// A fresh name the function's text does not hold, found in one scan
    /// (a function may hold thousands of them).
    #[test]
    fn fresh_names() {
        let name_in = |text: &str| {
            let src = format!("def f():\n    {text}\n");
            let tree = syntax::parse(&src).expect("parses");
            let body = field(tree.root_node().named_child(0).expect("def"), "body").expect("body");
            fresh_name(body, &src)
        };
        assert_eq!(name_in("x = 1"), "_atomic_block");
        assert_eq!(name_in("_atomic_block = 1"), "_atomic_block_2");
        // `_atomic_block_23` holds `_atomic_block_2` too.
        assert_eq!(name_in("_atomic_block_23 = 1"), "_atomic_block_3");
        assert_eq!(name_in("_atomic_block_2 = _atomic_block_3 = 1"), "_atomic_block_4");
        assert_eq!(
            name_in(&format!("x = _atomic_block_{}", "9".repeat(100_000))),
            "_atomic_block_2"
        );
        let many: String = (0..100_000).map(|i| format!("_atomic_block_{i},")).collect();
        let started = std::time::Instant::now();
        assert_eq!(name_in(&format!("x = [{many}]")), "_atomic_block_100000");
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    /// The names a block binds, in order of appearance, in linear time.
    #[test]
    fn many_assigned_names() {
        let n = 50_000;
        let block: String = (0..n).rev().map(|i| format!("        a{i} = {i}\n")).collect();
        let src = format!("async def f():\n    with transaction.atomic():\n{block}");
        let tree = syntax::parse(&src).expect("parses");
        let with_stmt = tree
            .root_node()
            .named_child(0)
            .and_then(|f| field(f, "body"))
            .and_then(|b| b.named_child(0));
        let started = std::time::Instant::now();
        let names = assigned_in(with_stmt.expect("with"), &src);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        assert_eq!(names.len(), n);
        assert_eq!(
            (names[0].as_str(), names[n - 1].as_str()),
            (format!("a{}", n - 1).as_str(), "a0")
        );
    }

    /// The helpers themselves, on a 2 MiB stack.
    #[test]
    fn helpers_walk_deep_trees() {
        let src = format!(
            "async def f():\n    with transaction.atomic():\n        {} = {}\n        z = [{}]\n",
            deep("y"),
            deep("await a.aget()"),
            "lambda: ".repeat(DEEP) + "w"
        );
        on_small_stack(|| {
            let tree = syntax::parse(&src).expect("parses");
            let with_stmt = std::iter::successors(Some(tree.root_node()), |n| n.named_child(0))
                .find(|n| n.kind() == "function_definition")
                .and_then(|f| field(f, "body"))
                .and_then(|b| b.named_child(0))
                .expect("the with statement");
            assert_eq!(with_stmt.kind(), "with_statement");
            let mut out = Vec::new();
            assert!(convertible(with_stmt, &src, &mut out, true));
            assert_eq!(out.len(), 1);
            assert_eq!(out[0].2, "a.get()");
            assert!(contains_await(with_stmt));
            assert_eq!(assigned_in(with_stmt, &src), ["y", "z"]);
            assert!(read_after(tree.root_node(), &src, 0).contains("w"));
        });
    }
}
