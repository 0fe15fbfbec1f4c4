//! The language server's input is untrusted and never stops it: the real
//! binary over stdio, fed raw bytes (garbage headers, bodies that are not
//! JSON-RPC, absurd lengths), answers each as JSON-RPC 2.0 says, loses no
//! message after it and goes on; no position from the client panics it.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::lsp::Lsp;
use common::Rng;
use serde_json::{json, Value};

const MODELS: &str =
    "from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField(max_length=10)\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("app")).unwrap();
    std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = 'x'\n").unwrap();
    std::fs::write(dir.path().join("app/__init__.py"), "").unwrap();
    std::fs::write(dir.path().join("app/models.py"), MODELS).unwrap();
    dir
}

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn started(root: &Path, encoding: &str) -> Lsp {
    let mut lsp = Lsp::start(root);
    let init = lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri_of(root), "workspaceFolders": [{"uri": uri_of(root), "name": "p"}],
               "capabilities": {"general": {"positionEncodings": [encoding]}}}),
    );
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], encoding);
    lsp.notify("initialized", json!({}));
    lsp
}

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// A request the server answers whatever its state: proof that it read on.
fn still_answers(lsp: &mut Lsp) {
    let answer = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///nowhere.py"}, "position": {"line": 0, "character": 0}}),
    );
    assert!(answer.get("error").is_none(), "{answer}");
    assert!(lsp.child.try_wait().unwrap().is_none(), "the server is running");
}

fn error_code(m: &Value) -> Option<i64> {
    m["error"]["code"].as_i64()
}

/// The most memory the server may have used after 64 MiB of skipped input:
/// it runs in about 20 MiB, so it did not keep them.
const PEAK_RSS_KIB: u64 = 48 * 1024;

/// The server's peak resident memory, in KiB (Linux).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What the server answers to each kind of bad message: (code, id) pairs.
#[test]
fn every_bad_message_is_answered_and_the_next_one_is_not_lost() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    let mut lsp = started(&root, "utf-16");
    let mut rng = Rng(0x5eed);
    let random_bytes: Vec<u8> = (0..4096).map(|_| rng.next() as u8).collect();
    let random_ascii: Vec<u8> = (0..4096).map(|_| b' ' + rng.below(95) as u8).collect();

    let parse_error = (-32700, Value::Null);
    let invalid = (-32600, Value::Null);
    let cases: Vec<(&str, Vec<u8>, (i64, Value))> = vec![
        // Bodies that are not JSON.
        ("not JSON", framed(b"{not json"), parse_error.clone()),
        ("not UTF-8", framed(b"\"\xff\xfe\""), parse_error.clone()),
        ("an empty body", framed(b""), parse_error.clone()),
        // JSON, but no Request object.
        ("{}", framed(b"{}"), invalid.clone()),
        ("[]", framed(b"[]"), invalid.clone()),
        ("a number", framed(b"42"), invalid.clone()),
        (
            "no jsonrpc",
            framed(br#"{"id":7,"method":"shutdown"}"#),
            (-32600, json!(7)),
        ),
        (
            "an object id",
            framed(br#"{"jsonrpc":"2.0","id":{"a":1},"method":"shutdown"}"#),
            invalid.clone(),
        ),
        (
            "a float id",
            framed(br#"{"jsonrpc":"2.0","id":1.5,"method":"shutdown"}"#),
            invalid.clone(),
        ),
        (
            "an id of 10^30",
            framed(br#"{"jsonrpc":"2.0","id":1000000000000000000000000000000,"method":"shutdown"}"#),
            invalid.clone(),
        ),
        (
            "a method that is no string",
            framed(br#"{"jsonrpc":"2.0","id":"m","method":1}"#),
            (-32600, json!("m")),
        ),
        (
            "a malformed notification",
            framed(br#"{"jsonrpc":"2.0","method":1,"params":"bar"}"#),
            invalid.clone(),
        ),
        // Headers that are no headers: skipped to the next frame.
        ("invalid UTF-8 in a header", b"Content-Length: 2\xc3\x28\r\n\r\n{}".to_vec(), parse_error.clone()),
        ("NUL bytes", b"Content-Length\0: 2\r\n\r\n{}\0\0".to_vec(), parse_error.clone()),
        ("a negative length", b"Content-Length: -13\r\n\r\n{\"jsonrpc\":\"2.0\"}".to_vec(), parse_error.clone()),
        (
            "an overflowing length",
            b"Content-Length: 99999999999999999999999\r\n\r\n{}".to_vec(),
            parse_error.clone(),
        ),
        ("a length that is no number", b"Content-Length: 0x10\r\n\r\n{}".to_vec(), parse_error.clone()),
        (
            "no length",
            b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"shutdown\"}"
                .to_vec(),
            parse_error.clone(),
        ),
        ("random bytes", random_bytes, parse_error.clone()),
        ("random ASCII", random_ascii, parse_error.clone()),
    ];
    for (name, garbage, (code, id)) in cases {
        lsp.write_raw(&garbage);
        let answer = lsp.wait(|m| error_code(m).is_some() && m["id"] == id && m.get("method").is_none());
        assert_eq!(error_code(&answer), Some(code), "{name}: {answer}");
        still_answers(&mut lsp);
    }

    // A batch: LSP has none, so nothing in it runs (its `shutdown` would
    // make the server refuse requests); each request is answered.
    lsp.write_raw(&framed(
        br#"[{"jsonrpc":"2.0","id":41,"method":"shutdown"},{"jsonrpc":"2.0","method":"exit"},1]"#,
    ));
    let answers = lsp.wait(Value::is_array);
    let answers: Vec<(Option<i64>, Value)> = answers
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (error_code(a), a["id"].clone()))
        .collect();
    assert_eq!(answers, [(Some(-32600), json!(41)), (Some(-32600), Value::Null)]);
    still_answers(&mut lsp);

    // A malformed response from the client is dropped, unanswered.
    lsp.write_raw(&framed(br#"{"jsonrpc":"2.0","id":{},"result":1}"#));
    still_answers(&mut lsp);

    // Garbage right between two requests written at once: both answered.
    let mut burst = framed(br#"{"jsonrpc":"2.0","id":"first","method":"reflexDjangoLsp/unknown"}"#);
    burst.extend_from_slice(b"Content-Length: nope\r\n\r\n\x00\xff garbage");
    burst.extend_from_slice(&framed(
        br#"{"jsonrpc":"2.0","id":"second","method":"reflexDjangoLsp/unknown"}"#,
    ));
    lsp.write_raw(&burst);
    for id in ["first", "second"] {
        let answer = lsp.wait(|m| m["id"] == id);
        assert_eq!(error_code(&answer), Some(-32601), "{answer}");
    }
    lsp.wait(|m| error_code(m) == Some(-32700));

    lsp.shutdown();
    assert_eq!(lsp.exit_code(Duration::from_secs(5)), Some(0));
}

/// `Content-Length: 2^40` or `2^64 - 1`: answered at once, never allocated.
#[test]
fn absurd_lengths_neither_abort_nor_allocate() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    for length in [1u64 << 40, u64::MAX] {
        let mut lsp = started(&root, "utf-16");
        let before = Instant::now();
        lsp.write_raw(format!("Content-Length: {length}\r\n\r\n").as_bytes());
        let answer = lsp.wait(|m| error_code(m).is_some());
        assert_eq!(
            (error_code(&answer), &answer["id"]),
            (Some(-32600), &Value::Null),
            "{answer}"
        );
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&length.to_string()) && message.contains("--max-message-size"),
            "{message}"
        );
        assert!(before.elapsed() < Duration::from_secs(10));
        // What follows is the announced body: skipped as it comes, unkept.
        for _ in 0..64 {
            lsp.write_raw(&vec![b'x'; 1 << 20]);
        }
        std::thread::sleep(Duration::from_millis(200));
        assert!(lsp.child.try_wait().unwrap().is_none(), "the server is running");
        if let Some(peak) = peak_rss_kib(lsp.child.id()) {
            assert!(peak < PEAK_RSS_KIB, "peak RSS {peak} KiB");
        }
        lsp.child.kill().unwrap();
        lsp.child.wait().unwrap();
    }
}

/// A message over the limit is answered and skipped; the one after it is read.
#[test]
fn an_oversized_message_is_skipped_and_the_stream_stays_in_sync() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    // The default limit, 64 MiB.
    let mut lsp = started(&root, "utf-16");
    let length = (64 << 20) + 1;
    let mut body = br#"{"jsonrpc":"2.0","id":"big","method":"reflexDjangoLsp/unknown","params":""#.to_vec();
    body.resize(length - 2, b'x');
    body.extend_from_slice(b"\"}");
    lsp.write_raw(&framed(&body));
    drop(body);
    let answer = lsp.wait(|m| error_code(m).is_some());
    assert_eq!(
        (error_code(&answer), &answer["id"]),
        (Some(-32600), &Value::Null),
        "{answer}"
    );
    still_answers(&mut lsp);
    if let Some(peak) = peak_rss_kib(lsp.child.id()) {
        assert!(peak < PEAK_RSS_KIB, "peak RSS {peak} KiB");
    }
    lsp.shutdown();
    assert_eq!(lsp.exit_code(Duration::from_secs(5)), Some(0));

    // `--max-message-size` sets it.
    let mut server = Command::new(env!("CARGO_BIN_EXE_reflex-django-lsp"))
        .args(["server", "--max-message-size", "100"])
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut input = framed(&[b' '; 101]);
    input.extend_from_slice(&framed(br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#));
    input.extend_from_slice(&framed(&[b' '; 100])); // at the limit: read (and not JSON)
    input.extend_from_slice(&framed(br#"{"jsonrpc":"2.0","method":"exit"}"#));
    server.stdin.take().unwrap().write_all(&input).unwrap();
    let mut output = Vec::new();
    server.stdout.take().unwrap().read_to_end(&mut output).unwrap();
    server.wait().unwrap();
    let mut answers: Vec<(Option<i64>, Value)> = split_frames(&output)
        .iter()
        .map(|m| (error_code(m), m["id"].clone()))
        .collect();
    answers.sort_by_key(|(code, _)| *code); // (the server's own answers may come later)
                                            // (`shutdown` before `initialize` is refused, with its id: it was read.)
    assert_eq!(
        answers,
        [
            (Some(-32700), Value::Null),
            (Some(-32600), Value::Null),
            (Some(-32002), json!(1))
        ]
    );
}

fn split_frames(mut output: &[u8]) -> Vec<Value> {
    let mut frames = Vec::new();
    while let Some(end) = output.windows(4).position(|w| w == b"\r\n\r\n") {
        let header = std::str::from_utf8(&output[..end]).unwrap();
        let length: usize = header.strip_prefix("Content-Length: ").unwrap().parse().unwrap();
        let body = &output[end + 4..end + 4 + length];
        frames.push(serde_json::from_slice(body).unwrap());
        output = &output[end + 4 + length..];
    }
    frames
}

/// Hover at every position of lines with wide characters and `noqa`
/// comments, in both encodings and past the ends: always an answer.
#[test]
fn hover_anywhere_on_wide_characters_never_fails() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    let text = "x = 1  # noqa文\ny = \"é😀\"  # noqa: RDJ101文😀\n# noqa:RDJ101,文RDJ102\r\nz = '𝔘'\r";
    std::fs::write(root.join("app/views.py"), text).unwrap();
    let uri = uri_of(&root.join("app/views.py"));
    for encoding in ["utf-16", "utf-8"] {
        let mut lsp = started(&root, encoding);
        lsp.open(&uri, text);
        for line in 0..6u32 {
            for character in (0..50u32).chain([u32::MAX]) {
                let answer = lsp.request(
                    "textDocument/hover",
                    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
                );
                assert!(answer.get("error").is_none(), "{encoding} {line}:{character}: {answer}");
            }
        }
        // On a code in a `noqa` comment: its documentation.
        let at = if encoding == "utf-16" { 21 } else { 24 }; // in `RDJ101`, after `é😀`
        let answer = lsp.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": at}}),
        );
        let doc = answer["result"]["contents"]["value"].as_str().unwrap_or_default();
        assert!(doc.contains("RDJ101"), "{encoding}: {answer}");
        assert!(lsp.child.try_wait().unwrap().is_none(), "the server is running");
        lsp.shutdown();
        assert_eq!(lsp.exit_code(Duration::from_secs(5)), Some(0));
    }
}

/// The `text[..]` of a range in UTF-16 units of one line.
fn utf16_slice(line: &str, start: u64, end: u64) -> String {
    let units: Vec<u16> = line.encode_utf16().collect();
    String::from_utf16(&units[start as usize..end as usize]).unwrap()
}

/// Applies edits (all on that line, UTF-16 columns) to one line.
fn apply_on_line(line: &str, edits: &[Value]) -> String {
    let mut units: Vec<u16> = line.encode_utf16().collect();
    let mut edits: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            let column = |end: &str| e["range"][end]["character"].as_u64().unwrap() as usize;
            assert_eq!(e["range"]["start"]["line"], e["range"]["end"]["line"], "{e}");
            (column("start"), column("end"), e["newText"].as_str().unwrap())
        })
        .collect();
    edits.sort_by_key(|&(start, _, _)| std::cmp::Reverse(start));
    for (start, end, new_text) in edits {
        units.splice(start..end, new_text.encode_utf16());
    }
    String::from_utf16(&units).unwrap()
}

/// A document whose text starts with U+FEFF: the client counts it as a
/// character of line 0, so ranges there are one unit further right.
#[test]
fn a_document_with_a_byte_order_mark_gets_the_editors_ranges() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    let text = "\u{feff}async def show(pk): return Product.objects.get(pk=pk)  # é\nfrom app.models import Product\nasync def again(pk): return Product.objects.get(pk=pk)\n";
    let uri = uri_of(&root.join("app/views.py"));
    let mut lsp = started(&root, "utf-16");
    lsp.open(&uri, text);
    let diags = lsp.diagnostics_until(&uri, |d| d.len() == 2);
    let lines: Vec<&str> = text.split('\n').collect();
    for (diag, line) in diags.iter().zip([0, 2]) {
        let range = &diag["range"];
        assert_eq!(
            (range["start"]["line"].as_u64(), range["end"]["line"].as_u64()),
            (Some(line), Some(line))
        );
        let covered = utf16_slice(
            lines[line as usize],
            range["start"]["character"].as_u64().unwrap(),
            range["end"]["character"].as_u64().unwrap(),
        );
        assert_eq!(covered, "Product.objects.get(pk=pk)", "{diag}");
    }
    // Hover there finds it; on the mark itself, nothing breaks.
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": diags[0]["range"]["start"]}),
    );
    assert!(hover["result"]["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("RDJ101"));
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
    );
    assert!(hover.get("error").is_none(), "{hover}");
    // Fix-all replaces the text after the mark, which it keeps.
    let actions = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": diags[0]["range"], "context": {"diagnostics": []}}),
    );
    let fix_all = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "source.fixAll.reflex-django-lsp")
        .expect("fix-all")
        .clone();
    let edit = &fix_all["edit"]["changes"][&uri][0];
    assert_eq!(edit["range"]["start"], json!({"line": 0, "character": 1}));
    assert!(!edit["newText"].as_str().unwrap().starts_with('\u{feff}'));
    // The quick fix, applied as the editor would, fixes the call.
    let quick = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Use `await Product.objects.aget()`")
        .expect("quick fix")
        .clone();
    let fixed = apply_on_line(lines[0], quick["edit"]["changes"][&uri].as_array().unwrap());
    assert_eq!(
        fixed,
        "\u{feff}async def show(pk): return await Product.objects.aget(pk=pk)  # é"
    );
    lsp.shutdown();
    assert_eq!(lsp.exit_code(Duration::from_secs(5)), Some(0));
}
