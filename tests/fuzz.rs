//! Issue 14: the fuzz campaign, kept in the project. Mutated Python sources
//! (from every `.py` file under `fixtures/`) are checked by the real binary
//! as state modules of a copy of `fixtures/shop`, in batches; a batch that
//! crashes, panics, hangs or prints invalid JSON is split file by file, and
//! each guilty input is saved under `.cache/fuzz/crashes/` and fails the test.
//! A saved input that is fixed becomes a regression case in
//! `tests/fuzz/crashes/` (replayed on every run).
//!
//! Time-bounded: `RDJ_FUZZ_SECONDS` (default 15; `.ci/run` gives it more),
//! seeded by `RDJ_FUZZ_SEED` (default: the time; printed, so that a failure
//! can be replayed).

mod common;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Rng;

/// Files per `check` run.
const BATCH: usize = 48;
/// A batch that takes longer than this hangs (debug build, 2 cores).
const BATCH_TIMEOUT: Duration = Duration::from_secs(90);

/// What mutations insert: the syntax the analysis follows, the characters
/// that move positions, and the shapes that once crashed it.
const PIECES: &[&str] = &[
    "async def ",
    "def ",
    "await ",
    "async for p in ",
    "for p in ",
    "async with ",
    "with transaction.atomic():\n    ",
    "Product.objects.get(pk=1)",
    "Product.objects.filter(",
    ".select_related(\"category\")",
    ".prefetch_related(\"reviews\")",
    ".all()",
    "len(",
    "list(",
    "sync_to_async(",
    "@rx.event\n",
    "@rx.var\n",
    "class S(rx.State):\n    ",
    "self.",
    "p.category.name",
    "lambda: ",
    "yield ",
    "return ",
    " = ",
    "Product = Product\n",
    "total = total\n",
    "x = y\ny = x\n",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "*",
    "**",
    "\"",
    "'''",
    "\"\"\"",
    "f\"{",
    "\\",
    "#",
    "  # noqa",
    "  # noqa: RDJ101",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "    ",
    "\u{feff}",
    "\u{0}",
    "é",
    "文",
    "😀",
];

/// A number from the environment, else `default`.
fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut stack = vec![common::repo().join("fixtures")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "py") {
                if let Ok(bytes) = fs::read(&path) {
                    out.push(bytes);
                }
            }
        }
    }
    out.sort();
    assert!(out.len() > 50, "the seed corpus is fixtures/**/*.py");
    out
}

/// A byte range of `len` ending on a line boundary where one is near.
fn span(rng: &mut Rng, len: usize) -> (usize, usize) {
    let a = rng.below(len + 1);
    let b = (a + rng.below(200)).min(len);
    (a, b)
}

fn line_starts(text: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i + 1));
    starts
}

/// One mutation of `text`; `seeds` feed splices.
fn mutate_once(rng: &mut Rng, text: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let len = text.len();
    match rng.below(12) {
        // Insert a piece (or several) at a random place.
        0..=3 => {
            let at = rng.below(len + 1);
            let mut piece = Vec::new();
            for _ in 0..=rng.below(3) {
                piece.extend_from_slice(PIECES[rng.below(PIECES.len())].as_bytes());
            }
            text.splice(at..at, piece);
        }
        // Delete a range.
        4 => {
            let (a, b) = span(rng, len);
            text.drain(a..b);
        }
        // Duplicate a line range.
        5 => {
            let starts = line_starts(text);
            let first = rng.below(starts.len());
            let last = (first + 1 + rng.below(8)).min(starts.len());
            let (a, b) = (starts[first], *starts.get(last).unwrap_or(&len));
            let copy = text[a..b].to_vec();
            text.splice(b..b, copy);
        }
        // Re-indent a line.
        6 => {
            let starts = line_starts(text);
            let at = starts[rng.below(starts.len())];
            let indent = vec![b' '; 4 * rng.below(4)];
            text.splice(at..at, indent);
        }
        // Splice in part of another seed.
        7 => {
            let other = &seeds[rng.below(seeds.len())];
            let (a, b) = span(rng, other.len());
            let at = rng.below(len + 1);
            text.splice(at..at, other[a..b].iter().copied());
        }
        // Random bytes (invalid UTF-8 among them).
        8 => {
            let at = rng.below(len + 1);
            let bytes: Vec<u8> = (0..1 + rng.below(8)).map(|_| rng.next() as u8).collect();
            text.splice(at..at, bytes);
        }
        // Deep nesting: brackets, attribute chains, calls, awaits, blocks.
        9 => {
            let depth = 1 + rng.below(3000);
            let at = rng.below(len + 1);
            let deep = match rng.below(6) {
                0 => format!("{}x{}", "(".repeat(depth), ")".repeat(depth)),
                1 => format!("x{}", ".a".repeat(depth)),
                2 => format!("{}x{}", "f(".repeat(depth), ")".repeat(depth)),
                3 => format!("async def f():\n    return {}x\n", "await ".repeat(depth.min(500))),
                4 => format!("Product.objects{}", ".filter(a=1)".repeat(depth)),
                _ => {
                    let mut s = String::new();
                    for level in 0..depth.min(300) {
                        s.push_str(&"    ".repeat(level));
                        s.push_str("if x:\n");
                    }
                    s.push_str(&"    ".repeat(depth.min(300)));
                    s.push_str("pass\n");
                    s
                }
            };
            text.splice(at..at, deep.into_bytes());
        }
        // Swap two lines.
        10 => {
            let text_str: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            let mut lines = text_str;
            let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
            lines.swap(i, j);
            *text = lines.join(&b'\n');
        }
        // Line endings: all CR, all CRLF.
        _ => {
            let crlf = rng.below(2) == 0;
            let mut out = Vec::with_capacity(text.len());
            for &b in text.iter() {
                if b == b'\n' {
                    out.extend_from_slice(if crlf { b"\r\n" } else { b"\r" });
                } else {
                    out.push(b);
                }
            }
            *text = out;
        }
    }
}

fn mutant(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut text = seeds[rng.below(seeds.len())].clone();
    for _ in 0..=rng.below(6) {
        mutate_once(rng, &mut text, seeds);
    }
    text.truncate(512 * 1024);
    text
}

/// Why one `check` run of `target` is a failure, if it is.
fn run_check(project: &Path, target: &Path) -> Option<String> {
    let mut child = common::bin()
        .args([
            "check",
            "--no-cache",
            "--no-database",
            "--exit-zero",
            "--output-format",
            "json",
        ])
        .arg(target)
        .current_dir(project)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run reflex-django-lsp");
    let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() > BATCH_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out_reader.join().unwrap();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
    let Some(status) = status else {
        return Some(format!("no answer within {BATCH_TIMEOUT:?}"));
    };
    if !status.success() {
        return Some(format!("{status}; stderr: {}", stderr.trim()));
    }
    if stderr.contains("panicked") {
        return Some(format!("panic: {}", stderr.trim()));
    }
    if serde_json::from_slice::<serde_json::Value>(&stdout).is_err() {
        return Some("stdout is not JSON".into());
    }
    None
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_project(&common::repo().join("fixtures/shop"), dir.path());
    fs::create_dir_all(dir.path().join("shop/states/fuzz")).unwrap();
    fs::write(dir.path().join("shop/states/fuzz/__init__.py"), "").unwrap();
    dir
}

fn save_crash(bytes: &[u8], why: &str) -> PathBuf {
    let dir = common::repo().join(".cache/fuzz/crashes");
    fs::create_dir_all(&dir).unwrap();
    let hash = bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    });
    let path = dir.join(format!("{hash:016x}.py"));
    fs::write(&path, bytes).unwrap();
    fs::write(path.with_extension("txt"), why).unwrap();
    path
}

#[test]
fn mutated_sources_never_crash_check() {
    let seconds: u64 = env_number("RDJ_FUZZ_SECONDS", 15);
    let seed: u64 = std::env::var("RDJ_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        })
        | 1;
    let seeds = seeds();
    let project = project();
    let folder = project.path().join("shop/states/fuzz");
    let mut rng = Rng(seed);
    let started = Instant::now();
    let (mut inputs, mut batches, mut crashes) = (0usize, 0usize, Vec::new());
    while started.elapsed() < Duration::from_secs(seconds) {
        let batch: Vec<Vec<u8>> = (0..BATCH).map(|_| mutant(&mut rng, &seeds)).collect();
        for (i, text) in batch.iter().enumerate() {
            fs::write(folder.join(format!("m{i:03}.py")), text).unwrap();
        }
        batches += 1;
        inputs += batch.len();
        if run_check(project.path(), &folder).is_some() {
            // Split: which inputs fail on their own.
            for (i, text) in batch.iter().enumerate() {
                let path = folder.join(format!("m{i:03}.py"));
                if let Some(why) = run_check(project.path(), &path) {
                    crashes.push(format!("{} ({why})", save_crash(text, &why).display()));
                }
            }
            if crashes.is_empty() {
                crashes.push(format!("batch {batches} fails only as a whole (seed {seed})"));
            }
            break;
        }
    }
    println!(
        "fuzz: seed {seed}: {inputs} mutated inputs in {batches} runs of check, {:.0} s, {} crashes",
        started.elapsed().as_secs_f64(),
        crashes.len()
    );
    assert!(
        crashes.is_empty(),
        "fuzz (seed {seed}) found inputs that break check:\n{}",
        crashes.join("\n")
    );
}

/// Inputs the campaign once broke the binary with, each checked alone.
#[test]
fn saved_crashes_stay_fixed() {
    let dir = common::repo().join("tests/fuzz/crashes");
    let mut cases: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "py"))
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    assert!(!cases.is_empty(), "tests/fuzz/crashes holds the regression cases");
    let project = project();
    let mut failures = Vec::new();
    for case in &cases {
        let target = project.path().join("shop/states/fuzz").join(case.file_name().unwrap());
        fs::copy(case, &target).unwrap();
        if let Some(why) = run_check(project.path(), &target) {
            failures.push(format!("{}: {why}", case.display()));
        }
        fs::remove_file(&target).unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// (code, 0-based line) of each finding `check` gives on `files`, per file,
/// schema findings left out (the server shows those on saved files only).
fn check_lines(files: &[PathBuf]) -> Vec<Vec<(String, u64)>> {
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let findings = common::check_json(&paths, &["--no-cache", "--no-database"]);
    files
        .iter()
        .map(|file| {
            let mut lines: Vec<(String, u64)> = findings
                .iter()
                .filter(|f| Path::new(f["filename"].as_str().unwrap()) == file.as_path())
                .filter(|f| !f["code"].as_str().unwrap().starts_with("RDJ5"))
                .map(|f| {
                    (
                        f["code"].as_str().unwrap().to_owned(),
                        f["location"]["row"].as_u64().unwrap() - 1,
                    )
                })
                .collect();
            lines.sort();
            lines
        })
        .collect()
}

/// The same of a `publishDiagnostics` message.
fn published_lines(msg: &serde_json::Value) -> Vec<(String, u64)> {
    let mut lines: Vec<(String, u64)> = msg["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["code"].as_str().unwrap_or("").starts_with("RDJ5"))
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_owned(),
                d["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    lines.sort();
    lines
}

/// Mutated sources opened in a real server session give the findings
/// `check` gives on the same files (code and line), and the server ends
/// cleanly. `RDJ_FUZZ_LSP_SESSIONS` sessions (default 8) of 4 documents.
#[test]
fn lsp_sessions_on_mutated_sources_agree_with_check() {
    use serde_json::json;
    let sessions: usize = env_number("RDJ_FUZZ_LSP_SESSIONS", 8);
    let seed: u64 = env_number("RDJ_FUZZ_SEED", 0x5EED_1234) | 1;
    let seeds = seeds();
    let project = project();
    let root = project.path().canonicalize().unwrap();
    let folder = root.join("shop/states/fuzz");
    let mut rng = Rng(seed);
    let started = Instant::now();
    let mut documents = 0;
    for session in 0..sessions {
        // Valid UTF-8 only: an LSP document is a string.
        let texts: Vec<String> = std::iter::repeat_with(|| mutant(&mut rng, &seeds))
            .filter_map(|bytes| String::from_utf8(bytes).ok())
            .take(4)
            .collect();
        for entry in fs::read_dir(&folder).unwrap().flatten() {
            if entry.file_name() != "__init__.py" {
                fs::remove_file(entry.path()).unwrap();
            }
        }
        let files: Vec<PathBuf> = (0..texts.len())
            .map(|i| folder.join(format!("s{session}_{i}.py")))
            .collect();
        for (file, text) in files.iter().zip(&texts) {
            fs::write(file, text).unwrap();
        }
        let want = check_lines(&files);

        let mut lsp = common::lsp::Lsp::start(&root);
        lsp.request(
            "initialize",
            json!({"processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {},
                   "initializationOptions": {"database": {"enabled": false}}}),
        );
        lsp.notify("initialized", json!({}));
        for (file, text) in files.iter().zip(&texts) {
            lsp.open(&format!("file://{}", file.display()), text);
        }
        for ((file, text), want) in files.iter().zip(&texts).zip(&want) {
            let uri = format!("file://{}", file.display());
            let msg = lsp.wait(|m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri.as_str()
                    && m["params"]["version"] == 1
            });
            let got = published_lines(&msg);
            assert_eq!(
                &got, want,
                "session {session} (seed {seed}): server and check differ on:\n{text}"
            );
            documents += 1;
        }
        lsp.shutdown();
        assert_eq!(
            lsp.exit_code(Duration::from_secs(10)),
            Some(0),
            "session {session}: the server did not exit cleanly"
        );
    }
    println!(
        "fuzz: seed {seed}: {sessions} server sessions, {documents} mutated documents agreed with check, {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

/// Frames a broken or hostile client may send: each is followed by valid
/// traffic, which the server must go on answering.
fn garbage_frame(rng: &mut Rng) -> Vec<u8> {
    let framed = |body: &[u8]| {
        let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        out.extend_from_slice(body);
        out
    };
    match rng.below(12) {
        0 => (0..1 + rng.below(64))
            .map(|_| rng.next() as u8)
            .filter(|b| *b != b'C')
            .collect(),
        1 => b"Content-Length: -5\r\n\r\n".to_vec(),
        2 => b"Content-Length: abc\r\n\r\n{}".to_vec(),
        3 => b"Content-Length: 99999999999999999999999\r\n\r\n".to_vec(),
        4 => b"Content-Type: application/json\r\n\r\n{\"jsonrpc\":\"2.0\"}".to_vec(),
        5 => b"\0\0\0\xff\xfe\r\n\r\n".to_vec(),
        6 => framed(b"{}"),
        7 => framed(b"[]"),
        8 => framed(br#"[{"jsonrpc":"2.0","id":1,"method":"shutdown"},{"jsonrpc":"2.0","method":"x"}]"#),
        9 => framed(br#"{"jsonrpc":"2.0","id":{"a":1},"method":"textDocument/hover"}"#),
        10 => framed(br#"{"jsonrpc":"2.0","id":1e30,"method":"initialize","params":{}}"#),
        _ => framed(b"{\"jsonrpc\": \"2.0\", \"method\": \xff"),
    }
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// A storm: random edits, hovers and code actions on mutated documents,
/// mixed with garbage frames, for `RDJ_FUZZ_STORM_SECONDS` (default 10).
/// The server answers every request, its memory stays bounded, its final
/// diagnostics equal `check` on the final texts, and it exits cleanly.
#[test]
fn lsp_storm_with_garbage_frames() {
    use serde_json::json;
    let seconds: u64 = env_number("RDJ_FUZZ_STORM_SECONDS", 10);
    let seed: u64 = env_number("RDJ_FUZZ_SEED", 0x570F_0001) | 1;
    let seeds = seeds();
    let project = project();
    let root = project.path().canonicalize().unwrap();
    let folder = root.join("shop/states/fuzz");
    let mut rng = Rng(seed);
    let valid_mutant = |rng: &mut Rng| loop {
        if let Ok(text) = String::from_utf8(mutant(rng, &seeds)) {
            return text;
        }
    };
    let files: Vec<PathBuf> = (0..3).map(|i| folder.join(format!("storm{i}.py"))).collect();
    let mut texts: Vec<String> = (0..3).map(|_| valid_mutant(&mut rng)).collect();
    for (file, text) in files.iter().zip(&texts) {
        fs::write(file, text).unwrap();
    }
    let uris: Vec<String> = files.iter().map(|f| format!("file://{}", f.display())).collect();
    let mut versions = [1i64; 3];

    let mut lsp = common::lsp::Lsp::start(&root);
    let pid = lsp.child.id();
    lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {}}),
    );
    lsp.notify("initialized", json!({}));
    for (uri, text) in uris.iter().zip(&texts) {
        lsp.open(uri, text);
    }
    let started = Instant::now();
    let (mut requests, mut garbage, mut edits, mut peak_kib) = (0usize, 0usize, 0usize, 0u64);
    let mut first_kib = None;
    while started.elapsed() < Duration::from_secs(seconds) {
        let doc = rng.below(3);
        match rng.below(10) {
            0..=2 => {
                texts[doc] = valid_mutant(&mut rng);
                versions[doc] += 1;
                lsp.notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": uris[doc], "version": versions[doc]},
                           "contentChanges": [{"text": texts[doc]}]}),
                );
                edits += 1;
            }
            3..=4 => {
                let position = json!({"line": rng.below(300), "character": rng.below(400)});
                lsp.request(
                    "textDocument/hover",
                    json!({"textDocument": {"uri": uris[doc]}, "position": position}),
                );
                requests += 1;
            }
            5 => {
                let (line, character) = (rng.below(200), rng.below(100));
                lsp.request(
                    "textDocument/codeAction",
                    json!({"textDocument": {"uri": uris[doc]},
                           "range": {"start": {"line": line, "character": character},
                                     "end": {"line": line + rng.below(5), "character": rng.below(100)}},
                           "context": {"diagnostics": []}}),
                );
                requests += 1;
            }
            _ => {
                lsp.write_raw(&garbage_frame(&mut rng));
                garbage += 1;
            }
        }
        if let Some(kib) = rss_kib(pid) {
            peak_kib = peak_kib.max(kib);
            first_kib.get_or_insert(kib);
        }
    }
    // The state after the storm is still right: what `check` says of the final texts.
    for (file, text) in files.iter().zip(&texts) {
        fs::write(file, text).unwrap();
    }
    let want = check_lines(&files);
    for (doc, want) in want.iter().enumerate() {
        let (uri, version) = (uris[doc].clone(), versions[doc]);
        let msg = lsp.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && m["params"]["version"] == version
        });
        let got = published_lines(&msg);
        assert_eq!(
            &got, want,
            "after the storm (seed {seed}), server and check differ on:\n{}",
            texts[doc]
        );
    }
    lsp.shutdown();
    assert_eq!(
        lsp.exit_code(Duration::from_secs(10)),
        Some(0),
        "the server did not exit cleanly"
    );
    println!(
        "fuzz: seed {seed}: storm of {:.0} s: {edits} edits, {requests} requests answered, {garbage} garbage frames; \
         RSS {} KiB at start, peak {peak_kib} KiB",
        started.elapsed().as_secs_f64(),
        first_kib.unwrap_or(0)
    );
}
