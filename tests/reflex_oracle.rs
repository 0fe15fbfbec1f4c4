//! Issue 15: every place Reflex runs user code, proven with real Reflex.
//!
//! `fixtures/reflex_oracle/expected.json` is the report of
//! `tests/reflex_oracle/harness.py`: each case of the fixture run through
//! Reflex 0.10's own event processing (or lifespan, API transformer, app
//! loading), with the line that raised or "clean". The first test compares
//! `check` with that report; the second re-runs the harness (Python from
//! `RDJ_REFLEX_PYTHON`, else `.cache/reflex-venv`, made by
//! `.ci/reflex_oracle.sh`) to prove the report is what Reflex does now.
//!
//! Where the tool already knows the context (event handlers of every kind,
//! and any `async def`), `check` must agree with the runtime exactly. Where
//! it does not yet (sync computed vars, sync lifespan tasks, the start-up
//! layouts of RDJ401, …) each disagreement is a known gap: the list must
//! equal `tests/reflex_oracle/known_gaps.txt`, so that a rule change that
//! closes (or opens) a gap updates that file with it.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Contexts in which `check` already decides: Reflex event handlers (sync
/// ones are RDJ108) and, whatever the context, `async def` bodies (RDJ1xx).
const COVERED_CONTEXTS: &[&str] = &["event-handler", "on-load", "background-task"];
/// Judged as gaps even in `async def`: models in state (RDJ301/RDJ302), since
/// what Reflex does there (`null` on the wire, a class it refuses) is not
/// what the rules were written from; and reflex-django's own APIs
/// (`AppState.session`, …), which the rules do not know yet.
const GAP_CONTEXTS: &[&str] = &["state-serialization", "state-class", "reflex-django-state"];

fn fixture() -> PathBuf {
    common::repo().join("fixtures/reflex_oracle")
}

fn committed_report() -> Value {
    let text = std::fs::read_to_string(fixture().join("expected.json")).expect("read expected.json");
    serde_json::from_str(&text).expect("expected.json is JSON")
}

/// `check`'s findings on the fixture: (file relative to the fixture, row) → codes.
/// Runtime cases (`contexts/`) are compared with RDJ1xx and RDJ3xx, start-up cases
/// (`startup/`) with RDJ401. The context modules are imported by the
/// harness after Django is set up, so RDJ401 there is not theirs to judge:
/// the start-up layouts are.
fn findings() -> BTreeMap<(String, usize), Vec<String>> {
    let root = fixture();
    let canonical = root.canonicalize().unwrap();
    let mut found: BTreeMap<(String, usize), Vec<String>> = BTreeMap::new();
    for f in common::check_json(&[&root], &["--select", "RDJ1,RDJ3,RDJ401", "--no-cache"]) {
        let file = Path::new(f["filename"].as_str().unwrap());
        let rel = file
            .strip_prefix(&canonical)
            .or_else(|_| file.strip_prefix(&root))
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let code = f["code"].as_str().unwrap().to_owned();
        let judged = if rel.starts_with("startup/") {
            code == "RDJ401"
        } else {
            code.starts_with("RDJ1") || code.starts_with("RDJ3")
        };
        if judged {
            let row = f["location"]["row"].as_u64().unwrap() as usize;
            found.entry((rel, row)).or_default().push(code);
        }
    }
    found
}

fn is_covered(case: &Value) -> bool {
    let context = case["context"].as_str().unwrap();
    !GAP_CONTEXTS.contains(&context) && (case["def"] == "async" || COVERED_CONTEXTS.contains(&context))
}

#[test]
fn check_agrees_with_real_reflex() {
    let report = committed_report();
    let found = findings();
    let mut claimed: BTreeSet<(String, usize)> = BTreeSet::new();
    let mut failures = Vec::new();
    let mut gaps = Vec::new();
    let (mut agree, mut total) = (0, 0);

    for case in report["cases"].as_array().unwrap() {
        total += 1;
        let file = case["file"].as_str().unwrap().to_owned();
        let id = format!("{file}::{}", case["function"].as_str().unwrap());
        let start = case["start_line"].as_u64().unwrap() as usize;
        let end = case["end_line"].as_u64().unwrap() as usize;
        let reported: BTreeSet<usize> = (start..=end)
            .filter(|r| found.contains_key(&(file.clone(), *r)))
            .collect();
        for r in &reported {
            claimed.insert((file.clone(), *r));
        }
        let observed = &case["observed"];
        let (ok, truth, wrong) = if observed == "clean" {
            (
                reported.is_empty(),
                "clean".to_owned(),
                format!("false positive: reported lines {reported:?}"),
            )
        } else {
            // Raised by Reflex itself (`observed.in`) with the value the case
            // returned: the harness accepted it only on a `return` line, the
            // marker's, which is where a rule reports it.
            let line = if observed["file"].is_null() {
                assert!(observed["in"].is_string(), "{id}: raised nowhere");
                case["expected"]["line"].as_u64().unwrap() as usize
            } else {
                assert_eq!(observed["file"], case["file"], "{id}: raised outside the case");
                observed["line"].as_u64().unwrap() as usize
            };
            // An exception, or a model that Reflex sent to the browser as null.
            let exc = observed["raises"].as_str().unwrap_or("model sent as null");
            let hit = if case["match"] == "span" {
                // Python blames a class it cannot create on its `class` line;
                // the rule reports the annotation inside it.
                !reported.is_empty()
            } else {
                reported == BTreeSet::from([line])
            };
            (
                hit,
                format!("{exc} at line {line}"),
                if reported.is_empty() {
                    "missed".to_owned()
                } else {
                    format!("reported lines {reported:?}")
                },
            )
        };
        if ok {
            agree += 1;
        } else if is_covered(case) {
            failures.push(format!("{id}: runtime {truth}, check {wrong}"));
        } else {
            gaps.push(format!(
                "{id}\t{} ({})\t{wrong}; runtime: {truth}",
                case["context"].as_str().unwrap(),
                case["def"].as_str().unwrap()
            ));
        }
    }
    for (key, codes) in &found {
        if !claimed.contains(key) && !key.0.starts_with("startup/") {
            failures.push(format!("{}:{}: {codes:?} reported outside any case", key.0, key.1));
        }
    }

    eprintln!(
        "real Reflex ({}): check agrees on {agree}/{total} cases; {} known gaps:",
        report["versions"]["reflex"].as_str().unwrap_or("?"),
        gaps.len()
    );
    for g in &gaps {
        eprintln!("  gap: {g}");
    }
    assert!(total >= 30, "the fixture shrank: {total} cases");
    assert!(
        failures.is_empty(),
        "{} disagreements in contexts the tool covers:\n{}",
        failures.len(),
        failures.join("\n")
    );

    let committed = std::fs::read_to_string(common::repo().join("tests/reflex_oracle/known_gaps.txt")).unwrap();
    let committed: Vec<&str> = committed
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(
        committed,
        gaps.iter().map(String::as_str).collect::<Vec<_>>(),
        "the known gaps changed: update tests/reflex_oracle/known_gaps.txt (one line per gap, as printed above)"
    );
}

/// The Python with reflex, reflex-django and Django installed.
fn reflex_python() -> Result<PathBuf, String> {
    let candidate = match std::env::var_os("RDJ_REFLEX_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => common::repo().join(".cache/reflex-venv/bin/python"),
    };
    if !candidate.exists() {
        return Err(format!(
            "no Python with Reflex at {} (set RDJ_REFLEX_PYTHON, or run .ci/reflex_oracle.sh)",
            candidate.display()
        ));
    }
    let ok = Command::new(&candidate)
        .args(["-c", "import reflex, reflex_django, django"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        Ok(candidate)
    } else {
        Err(format!(
            "{} cannot import reflex, reflex_django and django",
            candidate.display()
        ))
    }
}

#[test]
fn expected_json_is_what_reflex_does_now() {
    let python = match reflex_python() {
        Ok(p) => p,
        Err(why) => return common::skip_or_fail(&why),
    };
    let out = Command::new(python)
        .arg(common::repo().join("tests/reflex_oracle/harness.py"))
        .arg(fixture())
        .arg("--check")
        .arg(fixture().join("expected.json"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run the Reflex oracle harness");
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert!(
        out.status.success(),
        "real Reflex disagrees with the fixture's markers or with expected.json:\n{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
}
