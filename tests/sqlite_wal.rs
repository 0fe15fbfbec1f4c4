//! A WAL-mode SQLite database is read where it is, in its current state,
//! and its folder stays byte for byte the same — the same files, the same
//! contents, the same modification times — after `check`, `schema` and a
//! server session: no `-wal` or `-shm` is created, and existing ones are
//! not written (issue 14).
//!
//! The databases are made by Python's own `sqlite3` module (as the user's
//! application would): checkpointed with no side file left; with committed
//! content only in the `-wal` left by a writer that died; and with a writer
//! still connected. In every case the table that only the WAL holds
//! (`catalog_address`) must be seen.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::SystemTime;

use common::lsp::Lsp;
use serde_json::{json, Value};

/// Creates `app.db` in WAL mode with a checkpointed table, then a
/// `catalog_address` table committed after the checkpoint; `end` says what
/// the writer does next: `close` (SQLite checkpoints and removes the side
/// files), `die` (leaves the `-wal` with the table and the `-shm`), `wait`
/// (stays connected until its stdin closes).
const WRITER: &str = r#"
import os, sqlite3, sys
db = sqlite3.connect(os.path.join(sys.argv[1], "app.db"))
db.execute("PRAGMA journal_mode=wal")
db.execute("PRAGMA wal_autocheckpoint=0")
db.execute("CREATE TABLE placeholder (a int)")
db.commit()
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.execute("CREATE TABLE catalog_address (id integer PRIMARY KEY)")
db.commit()
end = sys.argv[2]
if end == "close":
    db.close()
elif end == "die":
    os._exit(0)
else:
    print("ready", flush=True)
    sys.stdin.readline()
"#;

fn python() -> Option<PathBuf> {
    let candidates = std::env::var_os("RDJ_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from("python3")]);
    for c in candidates {
        if Command::new(&c)
            .args(["-c", "import sqlite3"])
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(c);
        }
    }
    common::skip_or_fail("no python3 with its sqlite3 module (set RDJ_PYTHON)");
    None
}

/// Every file of `dir`: name → (contents, modification time).
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                (std::fs::read(e.path()).unwrap(), meta.modified().unwrap()),
            )
        })
        .collect()
}

fn names(snap: &BTreeMap<String, (Vec<u8>, SystemTime)>) -> Vec<&str> {
    snap.keys().map(String::as_str).collect()
}

/// The shop project in `root/proj`, the database folder `root/data`.
struct Setup {
    _dir: tempfile::TempDir,
    project: PathBuf,
    data: PathBuf,
    url: String,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let project = root.join("proj");
    common::copy_project(&common::repo().join("fixtures/shop"), &project);
    let data = root.join("data");
    std::fs::create_dir(&data).unwrap();
    let url = format!("sqlite:///{}", data.join("app.db").display());
    Setup {
        _dir: dir,
        project,
        data,
        url,
    }
}

fn writer(python: &Path, data: &Path, end: &str) -> Option<Child> {
    let mut child = Command::new(python)
        .args(["-c", WRITER])
        .arg(data)
        .arg(end)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    if end == "wait" {
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready");
        Some(child)
    } else {
        assert!(child.wait().unwrap().success());
        None
    }
}

/// The table only the WAL holds was seen: its missing columns are reported
/// (RDJ505), not the table itself (RDJ504); the other tables are missing.
fn saw_the_wal(messages: &[String], what: &str) {
    assert!(
        messages.iter().any(|m| m.contains("is not in table `catalog_address`")),
        "{what}: {messages:#?}"
    );
    assert!(
        !messages.iter().any(|m| m.contains("Table `catalog_address`")),
        "{what}: {messages:#?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("Table `catalog_category`")),
        "{what}: the database was read: {messages:#?}"
    );
}

/// `check`, `schema` (text and JSON) and a server session, each reading
/// the database; asserts what they saw.
fn read_everywhere(s: &Setup) {
    let findings = common::check_json(
        &[&s.project],
        &["--select", "RDJ5", "--no-cache", "--database-url", &s.url],
    );
    let messages: Vec<String> = findings
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect();
    saw_the_wal(&messages, "check");

    for format in ["text", "json"] {
        let out = common::bin()
            .args(["schema"])
            .arg(&s.project)
            .args(["--output-format", format, "--database-url", &s.url])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        saw_the_wal(&lines, &format!("schema {format}"));
    }

    let mut lsp = Lsp::start(&s.project);
    let uri_of = |p: &Path| format!("file://{}", p.display());
    lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri_of(&s.project),
               "initializationOptions": {"databaseUrl": s.url}, "capabilities": {}}),
    );
    lsp.notify("initialized", json!({}));
    let models = s.project.join("catalog/models.py");
    let models_uri = uri_of(&models);
    lsp.open(&models_uri, &std::fs::read_to_string(&models).unwrap());
    let diags = lsp.diagnostics_until(&models_uri, |d| d.iter().any(|d| d["code"] == "RDJ504"));
    let messages: Vec<String> = diags
        .iter()
        .map(|d: &Value| d["message"].as_str().unwrap_or_default().to_owned())
        .collect();
    saw_the_wal(&messages, "server");
    lsp.shutdown();
    assert_eq!(lsp.exit_code(std::time::Duration::from_secs(10)), Some(0));
}

#[test]
fn a_checkpointed_wal_database_gets_no_side_files() {
    let Some(python) = python() else { return };
    let s = setup();
    writer(&python, &s.data, "close");
    let before = snapshot(&s.data);
    assert_eq!(names(&before), ["app.db"], "the writer left no side file");
    read_everywhere(&s);
    assert_eq!(names(&snapshot(&s.data)), ["app.db"], "no -wal or -shm created");
    assert!(snapshot(&s.data) == before, "the database changed");
}

#[test]
fn a_wal_left_by_a_writer_that_died_is_read_and_not_written() {
    let Some(python) = python() else { return };
    let s = setup();
    writer(&python, &s.data, "die");
    let before = snapshot(&s.data);
    assert_eq!(names(&before), ["app.db", "app.db-shm", "app.db-wal"]);
    read_everywhere(&s);
    let after = snapshot(&s.data);
    assert_eq!(names(&after), names(&before));
    for (name, (bytes, modified)) in &before {
        assert!(after[name].0 == *bytes, "{name}'s contents changed");
        assert_eq!(after[name].1, *modified, "{name}'s modification time changed");
    }
}

#[test]
fn a_wal_database_with_a_writer_connected_is_read_and_not_written() {
    let Some(python) = python() else { return };
    let s = setup();
    let mut child = writer(&python, &s.data, "wait").unwrap();
    let before = snapshot(&s.data);
    assert_eq!(names(&before), ["app.db", "app.db-shm", "app.db-wal"]);
    read_everywhere(&s);
    let after = snapshot(&s.data);
    // Ends the writer before asserting (it must not outlive the test).
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(names(&after), names(&before));
    for (name, (bytes, modified)) in &before {
        assert!(after[name].0 == *bytes, "{name}'s contents changed");
        assert_eq!(after[name].1, *modified, "{name}'s modification time changed");
    }
}
