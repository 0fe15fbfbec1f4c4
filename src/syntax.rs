//! Parsing with tree-sitter-python and small helpers over its nodes.

use tree_sitter::{Node, Parser, Tree};

pub fn language() -> tree_sitter::Language {
    tree_sitter_python::LANGUAGE.into()
}

/// Parses Python source. tree-sitter recovers from syntax errors, so this
/// yields a tree for any text; `None` only if the parser gave up (timeouts
/// are not set, so in practice never).
pub fn parse(text: &str) -> Option<Tree> {
    let mut parser = Parser::new();
    parser.set_language(&language()).ok()?;
    parser.parse(text, None)
}

/// Parses `new_text` reusing `old_tree`, the tree of `old_text`: the changed
/// region (between the texts' common prefix and suffix) becomes one
/// `InputEdit`, and tree-sitter re-parses only around it. Typing in a large
/// file costs a fraction of a full parse. The result is the tree a full
/// parse gives: where tree-sitter's error recovery could differ (a tree
/// with syntax errors), the text is parsed in full instead.
pub fn reparse(old_text: &str, old_tree: &Tree, new_text: &str) -> Option<Tree> {
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
    let reparsed = parser.parse(new_text, Some(&tree))?;
    if reparsed.root_node().has_error() {
        return parser.parse(new_text, None);
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
pub fn dotted(node: Node<'_>, src: &str) -> Option<String> {
    match node.kind() {
        "identifier" => Some(text(node, src).to_owned()),
        "attribute" => {
            let obj = dotted(field(node, "object")?, src)?;
            let attr = text(field(node, "attribute")?, src);
            Some(format!("{obj}.{attr}"))
        }
        "dotted_name" => Some(text(node, src).split_whitespace().collect::<String>()),
        _ => None,
    }
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

/// The value of a plain string literal (no f-string interpolation), without
/// prefixes and quotes.
pub fn string_value(node: Node<'_>, src: &str) -> Option<String> {
    let node = unparen(node);
    match node.kind() {
        "string" => {
            let mut out = String::new();
            for child in named_children(node) {
                match child.kind() {
                    "string_content" => out.push_str(text(child, src)),
                    "interpolation" => return None,
                    _ => {}
                }
            }
            Some(out)
        }
        "concatenated_string" => {
            let mut out = String::new();
            for child in named_children(node) {
                out.push_str(&string_value(child, src)?);
            }
            Some(out)
        }
        _ => None,
    }
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
