//! Issue 4 item 4: random edit sequences — inserts, deletes, multi-line
//! pastes, UTF-16 surrogate pairs, CRLF — sent as incremental changes give
//! exactly the diagnostics `check` gives on the final text.

mod common;

use std::path::Path;

use common::lsp::Lsp;
use common::Rng;
use reflex_django_lsp::checker::{check_file, AnalysisOptions};
use reflex_django_lsp::index::{module_names, FileEntry, WorkspaceIndex};
use serde_json::{json, Value};

const SEQUENCES: usize = 1000;

const MODELS: &str = "from django.db import models\n\nclass Category(models.Model):\n    name = models.CharField(max_length=10)\n\nclass Product(models.Model):\n    name = models.CharField(max_length=10)\n    category = models.ForeignKey(Category, on_delete=models.CASCADE)\n";
const START: &str = "from app.models import Product\n\n\nasync def show(pk):\n    p = await Product.objects.aget(pk=pk)\n    return p.category.name\n\n\nasync def count():\n    return Product.objects.count()\n";
/// What random edits insert: code that makes findings appear and vanish,
/// text that shifts columns (é, 😀: a surrogate pair in UTF-16) and line endings.
const PIECES: &[&str] = &[
    "Product.objects.get(pk=1)",
    "await Product.objects.acount()",
    "\n    x = Product.objects.first()\n",
    "\r\n",
    "😀",
    "é",
    "\n\nasync def extra():\n    for p in Product.objects.all():\n        pass\n",
    "  # noqa",
    "(",
    ")",
    "    ",
    "p.category",
];

/// (line, UTF-16 column) of a char index, lines split like LSP (LF, CRLF, CR).
fn lsp_position(text: &str, char_index: usize) -> (usize, usize) {
    let (mut line, mut col) = (0, 0);
    let mut chars = text.chars().take(char_index).peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => {
                line += 1;
                col = 0;
            }
            c => col += c.len_utf16(),
        }
    }
    (line, col)
}

/// What `check` reports for this text: (code, line, UTF-16 column).
fn expected(root: &Path, views: &Path, text: &str) -> Vec<(String, usize, usize)> {
    let models = root.join("app/models.py");
    let init = root.join("app/__init__.py");
    let has_init = |d: &Path| d.join("__init__.py").exists();
    let files = vec![
        FileEntry::new(init.clone(), module_names(&init, root, has_init), b""),
        FileEntry::new(models.clone(), module_names(&models, root, has_init), MODELS.as_bytes()),
        FileEntry::new(
            views.to_path_buf(),
            module_names(views, root, has_init),
            text.as_bytes(),
        ),
    ];
    let index = WorkspaceIndex::new(files);
    let id = index.file_by_path(views).unwrap();
    let entry = index.file(id);
    check_file(&index, id, &AnalysisOptions::default())
        .iter()
        .map(|f| {
            let p = entry.lines().position(&entry.text, f.range.start);
            let line_start = entry.lines().line_start(p.row - 1);
            let col = entry.text[line_start..f.range.start].encode_utf16().count();
            (f.rule.code().to_owned(), p.row - 1, col)
        })
        .collect()
}

fn actual(diags: &[Value]) -> Vec<(String, usize, usize)> {
    diags
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["range"]["start"]["line"].as_u64().unwrap() as usize,
                d["range"]["start"]["character"].as_u64().unwrap() as usize,
            )
        })
        .collect()
}

#[test]
fn random_incremental_edits_match_check() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir(root.join("app")).unwrap();
    std::fs::write(root.join("pyproject.toml"), "[project]\nname = 'x'\n").unwrap();
    std::fs::write(root.join("app/__init__.py"), "").unwrap();
    std::fs::write(root.join("app/models.py"), MODELS).unwrap();
    let views = root.join("app/views.py");
    std::fs::write(&views, START).unwrap();
    let uri = format!("file://{}", views.display());

    let mut lsp = Lsp::start(&root);
    lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {}}),
    );
    lsp.notify("initialized", json!({}));
    lsp.open(&uri, START);

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut text = START.to_owned();
    let mut version = 1;
    for sequence in 0..SEQUENCES {
        // 1–3 notifications, each with 1–3 changes (ranges relative to the
        // text after the previous change, as LSP says).
        for _ in 0..1 + rng.below(3) {
            let mut changes = Vec::new();
            for _ in 0..1 + rng.below(3) {
                let len = text.chars().count();
                let chars: Vec<char> = text.chars().collect();
                // LSP cannot address the middle of a CRLF: step back before it.
                let valid = |i: usize| {
                    if i > 0 && i < len && chars[i - 1] == '\r' && chars[i] == '\n' {
                        i - 1
                    } else {
                        i
                    }
                };
                let a = valid(rng.below(len + 1));
                let b = if rng.below(3) == 0 {
                    valid((a + rng.below(12)).min(len)).max(a)
                } else {
                    a
                };
                let insert = if rng.below(4) == 0 {
                    ""
                } else {
                    PIECES[rng.below(PIECES.len())]
                };
                let (start, end) = (lsp_position(&text, a), lsp_position(&text, b));
                changes.push(json!({
                    "range": {"start": {"line": start.0, "character": start.1}, "end": {"line": end.0, "character": end.1}},
                    "text": insert
                }));
                let byte = |ci: usize| text.char_indices().nth(ci).map_or(text.len(), |(i, _)| i);
                let (ba, bb) = (byte(a), byte(b));
                text.replace_range(ba..bb, insert);
            }
            version += 1;
            lsp.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
            );
        }
        // Keep the document from growing without bound.
        if text.len() > 4000 {
            version += 1;
            text = START.to_owned();
            lsp.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": START}]}),
            );
        }
        let msg = lsp.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && m["params"]["version"] == version
        });
        let got = actual(msg["params"]["diagnostics"].as_array().unwrap());
        let want = expected(&root, &views, &text);
        assert_eq!(
            got, want,
            "sequence {sequence}: diagnostics differ for the text:\n{text}"
        );
    }
    eprintln!("{SEQUENCES} random edit sequences: the server agreed with `check` on each final text");
    lsp.shutdown();
}
