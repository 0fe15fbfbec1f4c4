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

pub fn text<'a>(node: Node<'_>, src: &'a str) -> &'a str {
    src.get(node.byte_range()).unwrap_or("")
}

pub fn field<'t>(node: Node<'t>, name: &str) -> Option<Node<'t>> {
    node.child_by_field_name(name)
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
