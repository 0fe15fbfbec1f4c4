//! Parsing with tree-sitter-python and small helpers over its nodes
//! (names, fields, decorators, statement blocks).
//!
//! A leaf: names no other module of the crate, does no I/O and gives no
//! node a Python meaning (what a literal's value is belongs to `python`).

use tree_sitter::{Node, Parser, Tree};

pub fn language() -> tree_sitter::Language {
    tree_sitter_python::LANGUAGE.into()
}

/// How long one file's parse may take before it is given up: a
/// pathological file must not stall a whole run (or the language server).
pub const PARSE_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

/// Why a text was not parsed (reported as RDJ000 "unreadable source").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unparsable {
    /// More distinct indentation widths than tree-sitter-python can keep
    /// (see [`indentation_widths`]).
    TooDeeplyIndented { widths: usize },
    /// The parse took longer than [`PARSE_BUDGET`].
    TooSlow,
}

impl std::fmt::Display for Unparsable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unparsable::TooDeeplyIndented { widths } => write!(
                f,
                "indentation nested too deeply ({widths} different indentation widths; at most \
                 {MAX_INDENTATION_WIDTHS} can be parsed)"
            ),
            Unparsable::TooSlow => write!(f, "parsing took longer than {} s", PARSE_BUDGET.as_secs()),
        }
    }
}

/// Parses Python source. tree-sitter recovers from syntax errors, so this
/// yields a tree for any text it accepts; `None` for the texts
/// [`parse_checked`] refuses.
pub fn parse(text: &str) -> Option<Tree> {
    parse_checked(text).ok()
}

/// Parses Python source, refusing (instead of aborting the process or
/// stalling) texts tree-sitter cannot handle: indentation deeper than its
/// scanner state holds, or a parse that exceeds [`PARSE_BUDGET`].
pub fn parse_checked(text: &str) -> Result<Tree, Unparsable> {
    parse_within(text, PARSE_BUDGET)
}

/// Texts parsed in full so far in this process (`check` reports it with
/// `REFLEX_DJANGO_LSP_STATS` set, for the benchmarks).
static FULL_PARSES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub fn full_parses() -> usize {
    FULL_PARSES.load(std::sync::atomic::Ordering::Relaxed)
}

fn parse_within(text: &str, budget: std::time::Duration) -> Result<Tree, Unparsable> {
    check_parsable(text)?;
    FULL_PARSES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let text = for_tree_sitter(text);
    let mut parser = Parser::new();
    parser
        .set_language(&language())
        .expect("tree-sitter-python matches the tree-sitter version");
    parse_with_budget(&mut parser, &text, None, budget).ok_or(Unparsable::TooSlow)
}

/// The most distinct indentation widths a text may have. tree-sitter-python's
/// scanner saves its state (string delimiters, up to 255 bytes, and the
/// stack of indentation widths, 2 bytes each) in tree-sitter's 1,024-byte
/// buffer; a deeper stack overruns it and tree-sitter aborts the process
/// (`assertion length <= 1024`). The stack is strictly increasing, so it is
/// never deeper than the number of distinct widths. Python itself stops at
/// 100 levels of indentation.
pub const MAX_INDENTATION_WIDTHS: usize = (1024 - 2 - 255) / 2;

/// Refuses a text whose indentation could overrun tree-sitter-python's state.
pub fn check_parsable(text: &str) -> Result<(), Unparsable> {
    let widths = indentation_widths(text.as_bytes());
    if widths > MAX_INDENTATION_WIDTHS {
        return Err(Unparsable::TooDeeplyIndented { widths });
    }
    Ok(())
}

/// The number of distinct non-zero indentation widths, measured as
/// tree-sitter-python's scanner measures them (a space 1, a tab 8, a form
/// feed or carriage return starts again from 0, widths are 16-bit) at the
/// start of every line. Every run of whitespace after a line break counts,
/// even inside strings and brackets (where the scanner does not look), so
/// the number is an upper bound of the scanner's stack depth.
pub fn indentation_widths(bytes: &[u8]) -> usize {
    let mut seen = vec![0u64; 1 << 10]; // one bit per 16-bit width
    let mut count = 0;
    let mut measure = |start: usize| {
        let mut width: u16 = 0;
        for &b in &bytes[start..] {
            match b {
                b' ' => width = width.wrapping_add(1),
                b'\t' => width = width.wrapping_add(8),
                b'\x0c' | b'\r' => width = 0,
                _ => break,
            }
        }
        let (word, bit) = (usize::from(width) / 64, usize::from(width) % 64);
        if width != 0 && seen[word] & (1 << bit) == 0 {
            seen[word] |= 1 << bit;
            count += 1;
        }
    };
    measure(0);
    for at in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        measure(at + 1);
    }
    count
}

/// The text as tree-sitter-python reads it: its scanner ends lines at `\n`
/// only, so a lone `\r` (a file saved with classic Mac line endings, which
/// Python accepts) becomes `\n`. Byte offsets do not change.
fn for_tree_sitter(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let lone_cr = |i: usize| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n');
    if !memchr::memchr_iter(b'\r', bytes).any(lone_cr) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = bytes.to_vec();
    for i in memchr::memchr_iter(b'\r', bytes) {
        if lone_cr(i) {
            out[i] = b'\n';
        }
    }
    // Only ASCII bytes were replaced by ASCII bytes.
    std::borrow::Cow::Owned(String::from_utf8(out).expect("still UTF-8"))
}

/// One parse (with `old_tree` to reuse, if any), given up after `budget`.
fn parse_with_budget(
    parser: &mut Parser,
    text: &str,
    old_tree: Option<&Tree>,
    budget: std::time::Duration,
) -> Option<Tree> {
    let started = std::time::Instant::now();
    // tree-sitter asks every few hundred steps whether to stop.
    let mut give_up = |_: &tree_sitter::ParseState| started.elapsed() > budget;
    let options = tree_sitter::ParseOptions::new().progress_callback(&mut give_up);
    let bytes = text.as_bytes();
    parser.parse_with_options(
        &mut |offset, _| bytes.get(offset..).unwrap_or_default(),
        old_tree,
        Some(options),
    )
}

/// Parses `new_text` reusing `old_tree`, the tree of `old_text`: the changed
/// region (between the texts' common prefix and suffix) becomes one
/// `InputEdit`, and tree-sitter re-parses only around it. Typing in a large
/// file costs a fraction of a full parse. The result is the tree a full
/// parse gives: where tree-sitter's error recovery could differ (a tree
/// with syntax errors), the text is parsed in full instead.
pub fn reparse(old_text: &str, old_tree: &Tree, new_text: &str) -> Option<Tree> {
    check_parsable(new_text).ok()?;
    // The tree was parsed from the text as tree-sitter reads it.
    let (old_read, new_read) = (for_tree_sitter(old_text), for_tree_sitter(new_text));
    let (old_text, new_text) = (&*old_read, &*new_read);
    let (old, new) = (old_text.as_bytes(), new_text.as_bytes());
    let mut prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    // Edits start on character boundaries (the texts are UTF-8).
    while !new_text.is_char_boundary(prefix) || !old_text.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let (old_end, new_end) = (old.len() - suffix, new.len() - suffix);
    let (old_end, new_end) = char_boundaries(old_text, old_end, new_text, new_end);
    let edit = tree_sitter::InputEdit {
        start_byte: prefix,
        old_end_byte: old_end,
        new_end_byte: new_end,
        start_position: point_at(new, prefix),
        old_end_position: point_at(old, old_end),
        new_end_position: point_at(new, new_end),
    };
    let mut tree = old_tree.clone();
    tree.edit(&edit);
    let mut parser = Parser::new();
    parser.set_language(&language()).ok()?;
    let reparsed = parse_with_budget(&mut parser, new_text, Some(&tree), PARSE_BUDGET)?;
    if reparsed.root_node().has_error() {
        return parse_with_budget(&mut parser, new_text, None, PARSE_BUDGET);
    }
    Some(reparsed)
}

/// Moves both edit ends forward (equally, inside the common suffix) to
/// character boundaries.
fn char_boundaries(old: &str, mut old_end: usize, new: &str, mut new_end: usize) -> (usize, usize) {
    while !old.is_char_boundary(old_end) || !new.is_char_boundary(new_end) {
        old_end += 1;
        new_end += 1;
    }
    (old_end, new_end)
}

/// tree-sitter's position of a byte: rows end at `\n` only, columns count bytes.
fn point_at(text: &[u8], byte: usize) -> tree_sitter::Point {
    let before = &text[..byte];
    let row = memchr::memchr_iter(b'\n', before).count();
    let column = before.len() - memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    tree_sitter::Point { row, column }
}

/// Compound statements, their clauses and blocks: the nodes that hold
/// statements (so definitions and imports), unlike expressions.
pub fn holds_statements(kind: &str) -> bool {
    matches!(
        kind,
        "block"
            | "if_statement"
            | "elif_clause"
            | "else_clause"
            | "for_statement"
            | "while_statement"
            | "try_statement"
            | "except_clause"
            | "except_group_clause"
            | "finally_clause"
            | "with_statement"
            | "match_statement"
            | "case_clause"
    )
}

pub fn text<'a>(node: Node<'_>, src: &'a str) -> &'a str {
    src.get(node.byte_range()).unwrap_or("")
}

pub fn field<'t>(node: Node<'t>, name: &str) -> Option<Node<'t>> {
    // tree-sitter finds a field's id by comparing its name with every field
    // name of the grammar; the checker asks millions of times, so the ids
    // are looked up once.
    static IDS: std::sync::LazyLock<rustc_hash::FxHashMap<&'static str, std::num::NonZeroU16>> =
        std::sync::LazyLock::new(|| {
            let language = language();
            (1..=language.field_count() as u16)
                .filter_map(|id| Some((language.field_name_for_id(id)?, std::num::NonZeroU16::new(id)?)))
                .collect()
        });
    node.child_by_field_id(IDS.get(name)?.get())
}

pub fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

pub fn children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children(&mut cursor).collect()
}

/// Whether a `function_definition`, `for_statement`, `with_statement` or
/// `for_in_clause` carries the `async` keyword.
pub fn is_async(node: Node<'_>) -> bool {
    let mut cursor = node.walk();
    let found = node.children(&mut cursor).take(3).any(|c| c.kind() == "async");
    found
}

/// `a.b.c` for identifier/attribute chains, else `None`.
/// A loop, not recursion: a chain may be as long as a file.
pub fn dotted(node: Node<'_>, src: &str) -> Option<String> {
    let mut attrs = Vec::new();
    let mut node = node;
    while node.kind() == "attribute" {
        attrs.push(text(field(node, "attribute")?, src));
        node = field(node, "object")?;
    }
    let mut out = match node.kind() {
        "identifier" => text(node, src).to_owned(),
        "dotted_name" => text(node, src).split_whitespace().collect::<String>(),
        _ => return None,
    };
    for attr in attrs.iter().rev() {
        out.push('.');
        out.push_str(attr);
    }
    Some(out)
}

/// Strips redundant parentheses: `((x))` → `x`.
pub fn unparen(mut node: Node<'_>) -> Node<'_> {
    while node.kind() == "parenthesized_expression" {
        match node.named_child(0) {
            Some(inner) if inner.kind() != "comment" => node = inner,
            _ => break,
        }
    }
    node
}

/// For a `function_definition` or `class_definition`: the decorators, if the
/// definition is wrapped in a `decorated_definition`.
pub fn decorators<'t>(def: Node<'t>) -> Vec<Node<'t>> {
    match def.parent() {
        Some(p) if p.kind() == "decorated_definition" => named_children(p)
            .into_iter()
            .filter(|c| c.kind() == "decorator")
            .filter_map(|d| d.named_child(0))
            .collect(),
        _ => Vec::new(),
    }
}

/// The statement list of a block-bearing node's `body`.
pub fn body_statements<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    field(node, "body").map(named_children).unwrap_or_default()
}

/// Unwraps `decorated_definition` to the definition inside.
pub fn definition_of(node: Node<'_>) -> Node<'_> {
    if node.kind() == "decorated_definition" {
        field(node, "definition").unwrap_or(node)
    } else {
        node
    }
}

#[cfg(test)]
mod reparse_tests {
    use super::*;

    fn same_as_full_parse(old: &str, new: &str) {
        let old_tree = parse(old).unwrap();
        let incremental = reparse(old, &old_tree, new).unwrap();
        let full = parse(new).unwrap();
        assert_eq!(
            incremental.root_node().to_sexp(),
            full.root_node().to_sexp(),
            "{old:?} -> {new:?}"
        );
        assert_eq!(incremental.root_node().end_position(), full.root_node().end_position());
    }

    #[test]
    fn reparsing_gives_the_tree_of_a_full_parse() {
        let base =
            "class A:\r\n    def f(self):\r\n        x = 'é😀'\r\n        return x\n\nasync def g():\n    pass\n";
        same_as_full_parse(base, base);
        same_as_full_parse(base, &base.replace("pass", "await h()"));
        same_as_full_parse(base, &base.replace("'é😀'", "'ü'"));
        same_as_full_parse(base, &base.replace("        return x\n", ""));
        same_as_full_parse(base, &format!("import os\n{base}"));
        same_as_full_parse(base, &base.replace("    def f(self):", "def f(self):"));
        same_as_full_parse(base, "");
        same_as_full_parse("", base);
        // Shared bytes inside a multi-byte character: 'é' (c3 a9) vs 'ê' (c3 aa).
        same_as_full_parse("x = 'é'\n", "x = 'ê'\n");
        same_as_full_parse("x = 'aé'\n", "x = 'bé'\n");
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn indentation_tree_sitter_cannot_hold_is_refused() {
        // 512 nested blocks and a string: tree-sitter-python's scanner state
        // would overrun tree-sitter's buffer (an abort, not an error).
        let mut text = String::new();
        for depth in 0..512 {
            text.push_str(&format!("{}if x:\n", " ".repeat(depth)));
        }
        text.push_str(&format!("{}y = \"s\"\n", " ".repeat(512)));
        assert_eq!(indentation_widths(text.as_bytes()), 512);
        assert_eq!(
            parse_checked(&text).unwrap_err(),
            Unparsable::TooDeeplyIndented { widths: 512 }
        );
        // As many levels as fit are parsed.
        let fits: String = (0..MAX_INDENTATION_WIDTHS)
            .map(|depth| format!("{}if x:\n", " ".repeat(depth)))
            .chain([format!("{}y = \"s\"\n", " ".repeat(MAX_INDENTATION_WIDTHS))])
            .collect();
        assert_eq!(indentation_widths(fits.as_bytes()), MAX_INDENTATION_WIDTHS);
        assert!(parse_checked(&fits).is_ok());
    }

    #[test]
    fn widths_are_measured_as_the_scanner_measures_them() {
        // A tab is 8, a form feed or CR starts again, blank lines count too.
        assert_eq!(indentation_widths(b"a\n\tb\n        c\n \x0c  d\n"), 2);
        assert_eq!(indentation_widths(b"a\r b\r\n  c\n"), 2);
        assert_eq!(indentation_widths(b""), 0);
    }

    #[test]
    fn a_parse_over_its_budget_is_given_up() {
        let text = "x = f(1, 2)\n".repeat(10_000);
        assert_eq!(
            parse_within(&text, std::time::Duration::ZERO).unwrap_err(),
            Unparsable::TooSlow
        );
        assert!(parse_within(&text, PARSE_BUDGET).is_ok());
        assert_eq!(Unparsable::TooSlow.to_string(), "parsing took longer than 10 s");
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        let text = "async def f():\r    await g()\r\rclass A:\r    pass\r";
        let tree = parse(text).unwrap();
        assert!(!tree.root_node().has_error());
        let kinds: Vec<_> = named_children(tree.root_node()).iter().map(|n| n.kind()).collect();
        assert_eq!(kinds, ["function_definition", "class_definition"]);
        // Offsets are the text's own.
        let class = named_children(tree.root_node())[1];
        assert!(text[class.start_byte()..].starts_with("class A"));
    }

    #[test]
    fn dotted_names_of_any_length() {
        let text = format!("x = a{}\n", ".b".repeat(100_000));
        let tree = parse(&text).unwrap();
        let value = field(
            tree.root_node().named_child(0).unwrap().named_child(0).unwrap(),
            "right",
        )
        .unwrap();
        assert_eq!(dotted(value, &text).unwrap().len(), 1 + 2 * 100_000);
    }
}
