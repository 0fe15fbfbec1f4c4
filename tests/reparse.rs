//! `syntax::reparse` (the language server's incremental parse) gives exactly
//! the tree of a full parse: random chains of edits over the rule fixtures
//! (in LF, CRLF and CR), with multi-byte characters, BOMs, broken code and
//! whole-text replacements, compared node by node (kind, byte range,
//! points, field, missing and error flags).

mod common;

use common::Rng;
use reflex_django_lsp::syntax::{parse, reparse};
use tree_sitter::{Node, Tree};

fn dump(tree: &Tree) -> Vec<String> {
    fn walk(n: Node<'_>, out: &mut Vec<String>) {
        out.push(format!(
            "{} {:?} {:?}-{:?} missing={} error={}",
            n.kind(),
            n.byte_range(),
            n.start_position(),
            n.end_position(),
            n.is_missing(),
            n.is_error()
        ));
        let mut cursor = n.walk();
        for (i, child) in n.children(&mut cursor).enumerate() {
            out.push(format!("field {:?}", n.field_name_for_child(i as u32)));
            walk(child, out);
        }
    }
    let mut out = Vec::new();
    walk(tree.root_node(), &mut out);
    out
}

const PIECES: &[&str] = &[
    "\n",
    "\r\n",
    "\r",
    " ",
    "    ",
    "\t",
    "é",
    "😀",
    "\u{feff}",
    ":",
    "(",
    ")",
    "def ",
    "async def f():\n",
    "class A(B):\n",
    "await x\n",
    "'''",
    "\"",
    "'",
    "#",
    "\\",
    "\\\n",
    "x = 1\n",
    "if a:\n",
    "else:\n",
    "return\n",
    "[",
    "]",
    "f\"{",
    "}",
    "lambda: 0",
    "\n    pass\n",
    "import os\n",
    "@dec\n",
    "with a as b:\n",
    "try:\n",
    "except E:\n",
];

/// One random edit of `text`: a replacement of up to 40 bytes by up to
/// three pieces, sometimes the whole text.
fn edit(r: &mut Rng, text: &str) -> String {
    if r.below(20) == 0 {
        return PIECES[r.below(PIECES.len())].to_owned();
    }
    let bounds: Vec<usize> = (0..=text.len()).filter(|i| text.is_char_boundary(*i)).collect();
    let start = bounds[r.below(bounds.len())];
    let limit = start + [0, 8, 40][r.below(3)];
    let ends: Vec<usize> = bounds.iter().copied().filter(|b| *b >= start && *b <= limit).collect();
    let end = ends[r.below(ends.len())];
    let mut inserted = String::new();
    for _ in 0..r.below(4) {
        inserted.push_str(PIECES[r.below(PIECES.len())]);
    }
    format!("{}{inserted}{}", &text[..start], &text[end..])
}

#[test]
fn reparse_equals_a_full_parse() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rules");
    let mut corpus: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.ok()?.path();
            let text = std::fs::read_to_string(&path)
                .ok()
                .filter(|_| path.extension().is_some_and(|e| e == "py"))?;
            let cut = (0..=text.len().min(3000)).rev().find(|i| text.is_char_boundary(*i))?;
            Some(text[..cut].to_owned())
        })
        .collect();
    assert!(corpus.len() > 10, "the rule fixtures are the corpus");
    let endings: Vec<String> = corpus
        .iter()
        .flat_map(|t| [t.replace('\n', "\r\n"), t.replace('\n', "\r")])
        .collect();
    corpus.extend(endings);
    corpus.push(String::new());

    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let chains = 1500;
    for _ in 0..chains {
        let mut text = corpus[r.below(corpus.len())].clone();
        let mut tree = parse(&text).unwrap();
        for _ in 0..8 {
            let new = edit(&mut r, &text);
            let incremental = reparse(&text, &tree, &new).unwrap();
            let full = parse(&new).unwrap();
            assert!(
                dump(&incremental) == dump(&full),
                "reparse differs from a full parse:\n{text:?}\n->\n{new:?}"
            );
            (text, tree) = (new, incremental);
        }
    }
    println!("{chains} chains of 8 edits: every reparse equals a full parse");
}
