//! Per-rule fixtures (ruff style): `tests/rules/` is a small Reflex +
//! Django workspace with one fixture per rule (`rdjNNN_name.py`, RDJ401 also
//! `rdj401/`). A line that must be reported ends with `# error: RDJNNN`;
//! look-alikes that must not be are marked `# ok`.
//!
//! For each rule the real binary runs `check tests/rules --select CODE
//! --output-format concise --exit-zero` from the repository root, and the
//! test checks that
//! 1. the reported lines are exactly the `# error: CODE` lines of the whole
//!    workspace (a missing or an unexpected finding fails with its source line),
//! 2. the rule's fixture has at least 3 positive and 3 negative cases,
//! 3. the output matches the insta snapshot `snapshots/rules__CODE.snap`.
//!
//! RDJ000 (undecodable source) writes its fixture files into a temporary
//! directory instead of committing binary files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURES: &str = "tests/rules";
const MIN_CASES: usize = 3;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `check <path> --select <code> --output-format concise --exit-zero`, run in
/// `cwd`; returns stdout with `/` as the path separator.
fn check_concise(cwd: &Path, path: &str, code: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_reflex-django-lsp"))
        .current_dir(cwd)
        .args([
            "check",
            path,
            "--select",
            code,
            "--output-format",
            "concise",
            "--exit-zero",
        ])
        .output()
        .expect("run reflex-django-lsp");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    assert!(
        out.status.success(),
        "check --select {code} failed ({}):\n{}\n{stdout}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.replace('\\', "/")
}

/// The closing lines: `Found N errors.` / `All checks passed!`, and what
/// `--fix` could do (`[*] N fixable …` / `No fixes available (…)`).
fn is_summary(line: &str) -> bool {
    line.starts_with("Found ")
        || line == "All checks passed!"
        || line.starts_with("[*] ")
        || line.starts_with("No fixes available (")
}

/// The finding lines of concise output (without the summary line).
fn finding_lines(output: &str) -> impl Iterator<Item = &str> {
    output.lines().filter(|l| !l.trim().is_empty() && !is_summary(l))
}

/// One concise line: `path:row:col: CODE message` → (path, row, code).
fn parse_finding(line: &str) -> (String, usize, String) {
    let mut parts = line.splitn(4, ':');
    let (Some(path), Some(row), Some(_col), Some(rest)) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        panic!("not a concise finding: {line:?}");
    };
    let code = rest.split_whitespace().next().unwrap_or_default();
    (
        path.to_owned(),
        row.parse().unwrap_or_else(|_| panic!("bad row in {line:?}")),
        code.to_owned(),
    )
}

fn python_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(python_files(&p));
        } else if p.extension().is_some_and(|x| x == "py") {
            out.push(p);
        }
    }
    out
}

/// The codes of a line's `# error: A, B` marker.
fn marked_codes(line: &str) -> Vec<String> {
    match line.split_once("# error:") {
        Some((_, codes)) => codes
            .split(',')
            .map(|c| c.split_whitespace().next().unwrap_or_default().to_owned())
            .filter(|c| !c.is_empty())
            .collect(),
        None => Vec::new(),
    }
}

fn is_ok_marker(line: &str) -> bool {
    line.split_once('#').is_some_and(|(_, comment)| {
        comment.split('#').any(|c| {
            let c = c.trim();
            c == "ok" || c.starts_with("ok:") || c.starts_with("ok ")
        })
    })
}

/// Positive and negative markers of a rule's fixture file(s).
fn count_cases(paths: &[PathBuf], code: &str) -> (usize, usize) {
    let (mut pos, mut neg) = (0, 0);
    for p in paths {
        for line in std::fs::read_to_string(p).unwrap().lines() {
            if marked_codes(line).iter().any(|c| c == code) {
                pos += 1;
            } else if is_ok_marker(line) {
                neg += 1;
            }
        }
    }
    (pos, neg)
}

/// Runs one rule over the fixture workspace and checks it three ways.
fn check_rule(code: &str, fixture: &str) {
    let root = repo();
    let output = check_concise(&root, FIXTURES, code);

    // 1. Reported lines == marked lines, over the whole workspace.
    let mut expected = BTreeSet::new();
    let mut sources = std::collections::HashMap::new();
    for file in python_files(&root.join(FIXTURES)) {
        let rel = file.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            if marked_codes(line).iter().any(|c| c == code) {
                expected.insert((rel.clone(), i + 1));
            }
        }
        sources.insert(rel, text);
    }
    let mut actual = BTreeSet::new();
    for line in finding_lines(&output) {
        let (path, row, found) = parse_finding(line);
        assert_eq!(found, code, "--select {code} reported another rule: {line}");
        actual.insert((path, row));
    }
    let show = |(path, row): &(String, usize)| {
        let src = sources.get(path).and_then(|t| t.lines().nth(row - 1)).unwrap_or("");
        format!("  {path}:{row}: {}", src.trim())
    };
    let missing: Vec<String> = expected.difference(&actual).map(show).collect();
    let unexpected: Vec<String> = actual.difference(&expected).map(show).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "{code}: findings differ from the `# error: {code}` markers\n\
         marked but not reported:\n{}\nreported but not marked:\n{}\nfull output:\n{output}",
        missing.join("\n"),
        unexpected.join("\n"),
    );

    // 2. Enough cases both ways in the rule's own fixture(s).
    let mut own = vec![root.join(FIXTURES).join(fixture)];
    let subdir = root.join(FIXTURES).join(code.to_ascii_lowercase());
    if subdir.is_dir() {
        own.extend(python_files(&subdir));
    }
    let (pos, neg) = count_cases(&own, code);
    assert!(
        pos >= MIN_CASES,
        "{fixture}: {pos} positive case(s) (`# error: {code}`), want >= {MIN_CASES}"
    );
    assert!(
        neg >= MIN_CASES,
        "{fixture}: {neg} negative case(s) (`# ok`), want >= {MIN_CASES}"
    );

    // 3. The snapshot: the concise report itself (messages included).
    insta::assert_snapshot!(code, output);
}

macro_rules! rule_tests {
    ($($test:ident: $code:literal, $fixture:literal;)*) => {
        /// (code, fixture) of every rule checked over `tests/rules`.
        const RULES: &[(&str, &str)] = &[$(($code, $fixture),)*];

        $(
            #[test]
            fn $test() {
                check_rule($code, $fixture);
            }
        )*
    };
}

rule_tests! {
    rdj101_blocking_queryset_call: "RDJ101", "rdj101_blocking_queryset_call.py";
    rdj102_blocking_model_method: "RDJ102", "rdj102_blocking_model_method.py";
    rdj103_sync_queryset_evaluation: "RDJ103", "rdj103_sync_queryset_evaluation.py";
    rdj104_lazy_relation_access: "RDJ104", "rdj104_lazy_relation_access.py";
    rdj105_blocking_related_manager: "RDJ105", "rdj105_blocking_related_manager.py";
    rdj106_blocking_django_api: "RDJ106", "rdj106_blocking_django_api.py";
    rdj107_blocking_call_via_helper: "RDJ107", "rdj107_blocking_call_via_helper.py";
    rdj108_orm_in_sync_event_handler: "RDJ108", "rdj108_orm_in_sync_event_handler.py";
    rdj201_sync_atomic_in_async: "RDJ201", "rdj201_sync_atomic_in_async.py";
    rdj202_broken_async_atomic: "RDJ202", "rdj202_broken_async_atomic.py";
    rdj301_model_in_state_annotation: "RDJ301", "rdj301_model_in_state_annotation.py";
    rdj302_model_assigned_to_state: "RDJ302", "rdj302_model_assigned_to_state.py";
    rdj401_models_imported_before_setup: "RDJ401", "rdj401_models_imported_before_setup.py";
    rdj601_unknown_model_field: "RDJ601", "rdj601_unknown_model_field.py";
    rdj602_invalid_select_related: "RDJ602", "rdj602_invalid_select_related.py";
    rdj603_invalid_prefetch: "RDJ603", "rdj603_invalid_prefetch.py";
    rdj604_related_field_without_join: "RDJ604", "rdj604_related_field_without_join.py";
}

/// Every marker names a rule that has a test here, and a `# known gap:` line
/// carries no marker (so a typo in a marker cannot silently pass).
#[test]
fn markers_name_known_rules() {
    let known: Vec<&str> = RULES.iter().map(|(code, _)| *code).collect();
    for file in python_files(&repo().join(FIXTURES)) {
        for (i, line) in std::fs::read_to_string(&file).unwrap().lines().enumerate() {
            let codes = marked_codes(line);
            for code in &codes {
                assert!(
                    known.contains(&code.as_str()),
                    "{}:{}: unknown code {code:?} in marker",
                    file.display(),
                    i + 1
                );
            }
            assert!(
                codes.is_empty() || !line.contains("known gap"),
                "{}:{}: a `known gap` line must not carry an `# error:` marker",
                file.display(),
                i + 1
            );
        }
    }
}

/// The RDJ000 fixture: the same small state module, encoded in ways Python
/// refuses (`error_*`, one finding each at 1:1) and in the ways SPEC §4
/// calls valid input (`ok_*`, no finding).
fn rdj000_files() -> Vec<(&'static str, Vec<u8>)> {
    const MODULE: &str = "import reflex as rx\n\n\nclass CaféState(rx.State):\n    # the café's name, with non-ASCII text\n    name: str = \"Café Noël\"\n\n    async def rename(self, name: str):\n        self.name = name\n";
    let utf16 = |big_endian: bool| {
        let mut out = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
        for unit in MODULE.encode_utf16() {
            out.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        out
    };
    let latin1: Vec<u8> = MODULE
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("Latin-1 text"))
        .collect();
    let with_nul = MODULE.replacen("\n\n\n", "\n\0\n\n", 1).into_bytes();
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(MODULE.as_bytes());
    vec![
        // an editor saved the file as "UTF-16 LE" (with BOM)
        ("error_utf16_le.py", utf16(false)),
        // ... or as "UTF-16 BE"
        ("error_utf16_be.py", utf16(true)),
        // Latin-1 bytes (`é` as 0xE9) with no coding cookie
        ("error_latin1.py", latin1),
        // a NUL byte in otherwise valid UTF-8
        ("error_nul_byte.py", with_nul),
        // UTF-8 with a BOM is valid
        ("ok_utf8_bom.py", bom),
        // UTF-8 with CRLF line endings is valid
        ("ok_crlf.py", MODULE.replace('\n', "\r\n").into_bytes()),
        // UTF-8 with old-Mac CR-only line endings is valid
        ("ok_cr_only.py", MODULE.replace('\n', "\r").into_bytes()),
        // plain UTF-8 with non-ASCII characters is valid
        ("ok_utf8.py", MODULE.as_bytes().to_vec()),
    ]
}

#[test]
fn rdj000_unreadable_source() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rdj000");
    std::fs::create_dir(&root).unwrap();
    let files = rdj000_files();
    for (name, bytes) in &files {
        std::fs::write(root.join(name), bytes).unwrap();
    }
    let output = check_concise(dir.path(), "rdj000", "RDJ000");

    let expected: BTreeSet<(String, usize)> = files
        .iter()
        .filter(|(name, _)| name.starts_with("error_"))
        .map(|(name, _)| (format!("rdj000/{name}"), 1))
        .collect();
    let actual: BTreeSet<(String, usize)> = finding_lines(&output)
        .map(|l| {
            let (path, row, found) = parse_finding(l);
            assert_eq!(found, "RDJ000", "--select RDJ000 reported another rule: {l}");
            (path, row)
        })
        .collect();
    assert_eq!(
        actual, expected,
        "RDJ000: findings differ from the `error_*` files\nfull output:\n{output}"
    );
    let positives = files.iter().filter(|(n, _)| n.starts_with("error_")).count();
    assert!(positives >= MIN_CASES && files.len() - positives >= MIN_CASES);

    // The committed fixtures are all readable: no RDJ000 anywhere in them.
    assert_eq!(
        check_concise(&repo(), FIXTURES, "RDJ000"),
        "All checks passed!\n",
        "RDJ000 on a committed fixture"
    );

    insta::assert_snapshot!("RDJ000", output);
}

/// The fixed text of every rule's fixes over the fixture workspace: the
/// unified diff of `check tests/rules --select CODE --diff --unsafe-fixes`
/// (all passes, nothing written), as an insta snapshot `rules__CODE_fixes`.
#[test]
fn fixed_text_of_every_rule() {
    let root = repo();
    for (code, _) in RULES {
        let out = Command::new(env!("CARGO_BIN_EXE_reflex-django-lsp"))
            .current_dir(&root)
            .args(["check", FIXTURES, "--select", code, "--diff", "--unsafe-fixes"])
            .output()
            .expect("run reflex-django-lsp");
        let diff = String::from_utf8(out.stdout).expect("UTF-8 output").replace('\\', "/");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "check --diff --select {code} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        insta::assert_snapshot!(format!("{code}_fixes"), diff);
    }
}
