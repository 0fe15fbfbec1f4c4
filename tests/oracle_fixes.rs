//! SPEC §7 for fixes (issue 3, items 1 and 2): every fix is proven by real
//! Django.
//!
//! The oracle corpus is copied to a temporary directory and rewritten with
//! the real binary (`check --fix --unsafe-fixes`, and `--fix` alone on a
//! second copy). The rewritten corpus is run by the oracle harness under
//! asyncio (`--mode async --keep-going`); the original corpus is run as the
//! plain sync program it means (`--mode reference`: no event loop, Django's
//! async API called inline, `async with` over `atomic` entered as `with`,
//! signal `asend` as `send`). Cases are matched by file and function name.
//!
//! A case is *fixable* when it raised under asyncio and every finding of
//! `check --select RDJ1,RDJ2` in it (or at the helper line the oracle blames)
//! carries a `safe` or `unsafe` fix. For each fixable case the rewritten case
//! must (a) raise nothing, (b) return what the reference returned and (c)
//! leave the same database digest. Safe-only fixes must do the same on their
//! own for cases whose fixes are all safe. Every other case must not be
//! harmed: a clean case stays clean with the same result, a case that is not
//! (fully) fixable still fails only the way the oracle counts, or, if it now
//! runs clean, matches the reference.
//!
//! Idempotence: a second `check --fix --unsafe-fixes` changes no byte, on the
//! corpus and on `fixtures/shop`, and every rewritten file passes
//! `python -m py_compile`.

mod common;
use common::{data_dependent, first_line};

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The number of fixable cases the landed fixes reached at the last run
/// (268 with the cases of added imports and extended select_related calls,
/// all passing). It may only go up: a fix that stops being
/// offered (or a case that stops being fixable) fails this test instead of
/// silently leaving the proof.
const MIN_FIXABLE: usize = 268;

/// Per case, inside the harness (a rewrite that deadlocks is reported, not waited for).
const CASE_TIMEOUT_SECS: &str = "60";
/// Per harness run.
const HARNESS_TIMEOUT: Duration = Duration::from_secs(900);

/// Directories that are not part of a workspace's content.
const SKIP_DIRS: &[&str] = &["__pycache__", ".reflex-django-lsp-cache"];

// ---------------------------------------------------------------------------
// files
// ---------------------------------------------------------------------------

fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if SKIP_DIRS.iter().any(|d| name == *d) {
            continue;
        }
        let to = dst.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// Every file under `root` (relative path → bytes), caches left out.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            if SKIP_DIRS.iter().any(|d| entry.file_name() == *d) {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                walk(root, &entry.path(), out);
            } else {
                let rel = entry.path().strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Files whose bytes differ between two snapshots (added and removed too).
fn changed(a: &BTreeMap<PathBuf, Vec<u8>>, b: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<PathBuf> {
    let keys: BTreeSet<&PathBuf> = a.keys().chain(b.keys()).collect();
    keys.into_iter().filter(|k| a.get(*k) != b.get(*k)).cloned().collect()
}

/// The first differing line of a file between two snapshots, for messages.
fn first_difference(a: Option<&Vec<u8>>, b: Option<&Vec<u8>>) -> String {
    let (Some(a), Some(b)) = (a, b) else {
        return "file added or removed".into();
    };
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    for i in 0..la.len().max(lb.len()) {
        let (x, y) = (la.get(i).copied(), lb.get(i).copied());
        if x != y {
            return format!(
                "line {}: {:?} became {:?}",
                i + 1,
                x.unwrap_or("<end of file>"),
                y.unwrap_or("<end of file>")
            );
        }
    }
    "line endings only".into()
}

// ---------------------------------------------------------------------------
// the binary
// ---------------------------------------------------------------------------

/// `check DIR --fix ... --exit-zero`: the fixes are applied in place.
fn apply_fixes(dir: &Path, unsafe_fixes: bool) -> String {
    let mut cmd = common::bin();
    cmd.arg("check")
        .arg(dir)
        .args(["--fix", "--exit-zero", "--no-cache", "--output-format", "concise"]);
    if unsafe_fixes {
        cmd.arg("--unsafe-fixes");
    }
    let out = cmd.output().expect("run reflex-django-lsp");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "`check {} --fix{}` failed ({}): {stderr}",
        dir.display(),
        if unsafe_fixes { " --unsafe-fixes" } else { "" },
        out.status
    );
    format!("{}{stderr}", String::from_utf8_lossy(&out.stdout))
}

#[derive(Debug, Clone)]
struct Finding {
    file: String,
    row: usize,
    code: String,
    /// `safe` / `unsafe` / `display-only`; None when `fix` is null.
    applicability: Option<String>,
    /// What kind of rewrite it is (the fix message without receivers and literals).
    kind: Option<String>,
}

/// Issue 3, item 3: every kind of fix marked safe. Each must appear in the
/// corpus and be proven there (same values and rows as the original run
/// synchronously); a new safe fix without a proving case fails the test.
const SAFE_FIX_KINDS: &[&str] = &[
    "RDJ101 Iterate with `async for`",
    "RDJ101 Use `await aaggregate()`",
    "RDJ101 Use `await abulk_create()`",
    "RDJ101 Use `await abulk_update()`",
    "RDJ101 Use `await acontains()`",
    "RDJ101 Use `await acount()`",
    "RDJ101 Use `await acreate()`",
    "RDJ101 Use `await adelete()`",
    "RDJ101 Use `await aearliest()`",
    "RDJ101 Use `await aexists()`",
    "RDJ101 Use `await aexplain()`",
    "RDJ101 Use `await afirst()`",
    "RDJ101 Use `await aget()`",
    "RDJ101 Use `await aget_or_create()`",
    "RDJ101 Use `await ain_bulk()`",
    "RDJ101 Use `await alast()`",
    "RDJ101 Use `await alatest()`",
    "RDJ101 Use `await aupdate()`",
    "RDJ101 Use `await aupdate_or_create()`",
    "RDJ102 Use `await adelete()`",
    "RDJ102 Use `await arefresh_from_db()`",
    "RDJ102 Use `await asave()`",
    "RDJ103 Collect with an async comprehension",
    "RDJ103 Collect with an async comprehension first",
    "RDJ103 Compare against rows collected with an async comprehension",
    "RDJ103 Iterate with `async for`",
    "RDJ103 Use `await acontains(obj)`",
    "RDJ103 Use `await acount()`",
    "RDJ103 Use `await aexists()`",
    "RDJ104 Load it with the query: `select_related(\"…\")`",
    "RDJ104 Read `…_id`",
    "RDJ105 Use `await aadd()`",
    "RDJ105 Use `await aclear()`",
    "RDJ105 Use `await acreate()`",
    "RDJ105 Use `await aget_or_create()`",
    "RDJ105 Use `await aremove()`",
    "RDJ105 Use `await aset()`",
    "RDJ105 Use `await aupdate_or_create()`",
    "RDJ106 Use `auser())`",
    "RDJ106 Use `await aauthenticate()`",
    "RDJ106 Use `await acheck_password()`",
    "RDJ106 Use `await acreate_superuser()`",
    "RDJ106 Use `await acreate_user()`",
    "RDJ106 Use `await acycle_key()`",
    "RDJ106 Use `await aflush()`",
    "RDJ106 Use `await aget_by_natural_key()`",
    "RDJ106 Use `await aget_list_or_404()`",
    "RDJ106 Use `await aget_object_or_404()`",
    "RDJ106 Use `await aget_user()`",
    "RDJ106 Use `await ahas_module_perms()`",
    "RDJ106 Use `await ahas_perm()`",
    "RDJ106 Use `await ahas_perms()`",
    "RDJ106 Use `await alogin()`",
    "RDJ106 Use `await alogout()`",
    "RDJ106 Use `await aprefetch_related_objects()`",
    "RDJ106 Use `await asave()`",
    "RDJ106 Use `await aupdate_session_auth_hash()`",
];

/// `Use \`await Product.objects.aget()\`` → `RDJ101 Use \`aget()\``: the
/// fix message with receivers, string literals and field names left out.
fn fix_kind(code: &str, message: &str) -> String {
    let mut out = String::new();
    for (i, part) in message.split('`').enumerate() {
        if i % 2 == 0 {
            out.push_str(part);
            continue;
        }
        let mut seg = part.rsplit('.').next().unwrap_or(part).to_owned();
        if let Some(q) = seg.find('"') {
            seg = format!("{}\"…\")", &seg[..q]);
        }
        if seg.ends_with("_id") {
            seg = "…_id".to_owned();
        }
        if part.starts_with("await ") && !seg.starts_with("await ") {
            seg = format!("await {seg}");
        }
        out.push('`');
        out.push_str(&seg);
        out.push('`');
    }
    format!("{code} {out}")
}

impl Finding {
    fn applied(&self) -> bool {
        matches!(self.applicability.as_deref(), Some("safe" | "unsafe"))
    }
}

/// The RDJ1/RDJ2 findings of the pristine corpus, with their fixes; also
/// checks the JSON shape of every fix (SPEC §2).
fn findings(root: &Path, shape_errors: &mut Vec<String>) -> Vec<Finding> {
    let canonical = root.canonicalize().unwrap();
    let json = common::check_json(&[root], &["--select", "RDJ1,RDJ2", "--no-cache"]);
    let mut out = Vec::new();
    for f in &json {
        let path = Path::new(f["filename"].as_str().unwrap());
        let file = path
            .strip_prefix(&canonical)
            .or_else(|_| path.strip_prefix(root))
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let row = f["location"]["row"].as_u64().unwrap() as usize;
        let code = f["code"].as_str().unwrap().to_owned();
        let fix = &f["fix"];
        let kind = fix["message"].as_str().map(|m| fix_kind(&code, m));
        let applicability = if fix.is_null() {
            None
        } else {
            let a = fix["applicability"].as_str().unwrap_or("<missing>").to_owned();
            let mut bad = Vec::new();
            if !matches!(a.as_str(), "safe" | "unsafe" | "display-only") {
                bad.push(format!("applicability {a:?}"));
            }
            if fix["message"].as_str().is_none_or(str::is_empty) {
                bad.push("no message".to_owned());
            }
            match fix["edits"].as_array() {
                Some(edits) if !edits.is_empty() => {
                    for e in edits {
                        let pos_ok = |p: &Value| {
                            p["row"].as_u64().is_some_and(|r| r >= 1) && p["column"].as_u64().is_some_and(|c| c >= 1)
                        };
                        if e["content"].as_str().is_none() || !pos_ok(&e["location"]) || !pos_ok(&e["end_location"]) {
                            bad.push(format!("malformed edit {e}"));
                        }
                    }
                }
                _ => bad.push("no edits".to_owned()),
            }
            if !bad.is_empty() {
                shape_errors.push(format!("{file}:{row}: {code} fix JSON: {}", bad.join(", ")));
            }
            Some(a)
        };
        out.push(Finding {
            file,
            row,
            code,
            applicability,
            kind,
        });
    }
    out
}

// ---------------------------------------------------------------------------
// the harness
// ---------------------------------------------------------------------------

/// The result of one harness run: (file, function) → case record, and the
/// modules that could not be imported (file → error).
struct Run {
    cases: BTreeMap<(String, String), Value>,
    import_errors: BTreeMap<String, String>,
}

fn harness(python: &Path, root: &Path, mode: &str, out_dir: &Path) -> Run {
    let out_file = out_dir.join(format!("{mode}-{}.json", root.file_name().unwrap().to_string_lossy()));
    let log_file = out_file.with_extension("log");
    let mut cmd = Command::new(python);
    cmd.arg(common::repo().join("tests/oracle/harness.py"))
        .arg(root)
        .args([
            "--mode",
            mode,
            "--keep-going",
            "--case-timeout",
            CASE_TIMEOUT_SECS,
            "--out",
        ])
        .arg(&out_file)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_file).unwrap());
    let mut child = cmd.spawn().expect("run the oracle harness");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > HARNESS_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the harness on {} (--mode {mode}) ran longer than {HARNESS_TIMEOUT:?}",
                root.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = std::fs::read_to_string(&log_file).unwrap_or_default();
    assert!(
        status.success() && out_file.exists(),
        "the harness failed on {} (--mode {mode}, {status}):\n{log}",
        root.display()
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    let mut cases = BTreeMap::new();
    for case in json["cases"].as_array().unwrap() {
        let key = (
            case["file"].as_str().unwrap().to_owned(),
            case["function"].as_str().unwrap().to_owned(),
        );
        cases.insert(key, case.clone());
    }
    let mut import_errors = BTreeMap::new();
    for err in json["import_errors"].as_array().into_iter().flatten() {
        import_errors.insert(
            err["file"].as_str().unwrap().to_owned(),
            err["error"].as_str().unwrap().to_owned(),
        );
    }
    Run { cases, import_errors }
}

/// py_compile every file (with the Python that runs the oracle).
fn py_compile(python: &Path, files: &[PathBuf]) -> Vec<String> {
    if files.is_empty() {
        return Vec::new();
    }
    const SCRIPT: &str = r#"
import os, py_compile, sys, tempfile
bad = []
with tempfile.TemporaryDirectory() as d:
    for i, f in enumerate(sys.argv[1:]):
        try:
            py_compile.compile(f, cfile=os.path.join(d, f"{i}.pyc"), doraise=True)
        except py_compile.PyCompileError as e:
            bad.append(f"{f}: {e.msg.strip()}")
print("\n".join(bad))
"#;
    let out = Command::new(python)
        .args(["-c", SCRIPT])
        .args(files)
        .output()
        .expect("run py_compile");
    assert!(
        out.status.success(),
        "py_compile: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("does not compile: {l}"))
        .collect()
}

// ---------------------------------------------------------------------------
// cases
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Raised, and every finding has a safe or unsafe fix.
    Fixable { all_safe: bool },
    /// Raised, but no finding, or some finding without an applicable fix.
    NotFixable { offered: bool },
    /// Ran clean.
    Clean,
    /// Marked `oracle: data-dependent` (ran clean here).
    DataDependent,
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}

fn show_raised(r: &Value) -> String {
    if r.is_null() {
        return "nothing".into();
    }
    let mut s = format!("{} at line {}", r["type"].as_str().unwrap_or("?"), r["line"]);
    if let Some(o) = r.get("origin").filter(|o| !o.is_null()) {
        if o["line"] != r["line"] {
            let _ = write!(s, " (from {}:{})", o["file"].as_str().unwrap_or("?"), o["line"]);
        }
    }
    if let Some(m) = r["message"].as_str() {
        let _ = write!(s, ": {m}");
    }
    s
}

/// Compares a rewritten run of a case with what it must reproduce.
/// `reference` is the expected clean record; Err says what differed.
fn same_outcome(got: &Value, reference: &Value) -> Result<(), Vec<String>> {
    let mut diffs = Vec::new();
    if !got["raised"].is_null() {
        diffs.push(format!("raised {}", show_raised(&got["raised"])));
    } else if got["returned"] != reference["returned"] {
        diffs.push(format!(
            "returned {} (expected {})",
            show(&got["returned"]),
            show(&reference["returned"])
        ));
    }
    if got["db"] != reference["db"] {
        diffs.push("database differs after the case".into());
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs)
    }
}

/// A case that is not (fully) fixed must still fail only the way the oracle
/// counts, or, if the rewrite made it run clean, match the reference.
fn not_harmed(got: &Value, reference: &Value) -> Result<(), Vec<String>> {
    let raised = &got["raised"];
    if raised.is_null() {
        if reference["raised"].is_null() {
            return same_outcome(got, reference);
        }
        return Ok(());
    }
    match raised["type"].as_str() {
        Some("SynchronousOnlyOperation" | "TypeError") if raised.get("message").is_none() => Ok(()),
        _ => Err(vec![format!("raised {}", show_raised(raised))]),
    }
}

/// The source of a case in a (rewritten) copy, numbered, for failure messages.
fn excerpt(root: &Path, record: &Value) -> String {
    let Ok(src) = std::fs::read_to_string(root.join(record["file"].as_str().unwrap_or(""))) else {
        return String::new();
    };
    let lines: Vec<&str> = src.lines().collect();
    let start = record["start_line"].as_u64().unwrap_or(1) as usize;
    let end = (record["end_line"].as_u64().unwrap_or(1) as usize).min(lines.len());
    let first = first_line(&lines, start.max(1));
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate().take(end.min(first + 24)).skip(first - 1) {
        let _ = writeln!(out, "      {:>4} | {line}", i + 1);
    }
    if end > first + 24 {
        out.push_str("           | …\n");
    }
    out
}

#[derive(Default)]
struct Tally {
    cases: usize,
    safe: usize,
    unsafe_: usize,
    pass: usize,
}

#[test]
fn fixes_keep_behaviour_under_real_django() {
    let python = match common::django_python() {
        Ok(p) => p,
        Err(why) => return common::skip_or_fail(&why),
    };
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::repo().join("fixtures/oracle");
    let original = tmp.path().join("original");
    let full = tmp.path().join("fixed");
    let safe = tmp.path().join("fixed-safe");
    for dir in [&original, &full, &safe] {
        copy_tree(&corpus, dir);
    }
    let pristine = snapshot(&original);
    let mut failures: Vec<String> = Vec::new();

    // What check offers, on the pristine corpus.
    let findings = findings(&original, &mut failures);
    eprintln!(
        "fix oracle: {} findings (RDJ1,RDJ2), {} with a fix ({} safe, {} unsafe, {} display-only)",
        findings.len(),
        findings.iter().filter(|f| f.applicability.is_some()).count(),
        findings
            .iter()
            .filter(|f| f.applicability.as_deref() == Some("safe"))
            .count(),
        findings
            .iter()
            .filter(|f| f.applicability.as_deref() == Some("unsafe"))
            .count(),
        findings
            .iter()
            .filter(|f| f.applicability.as_deref() == Some("display-only"))
            .count(),
    );

    // Fixes of the other rules (RDJ401 moves imports) are applied too; the
    // cases staying unharmed is their proof.
    let mut others: BTreeMap<String, usize> = BTreeMap::new();
    for f in common::check_json(&[&original], &["--ignore", "RDJ1,RDJ2", "--no-cache"]) {
        if matches!(f["fix"]["applicability"].as_str(), Some("safe" | "unsafe")) {
            *others.entry(f["code"].as_str().unwrap().to_owned()).or_default() += 1;
        }
    }
    if !others.is_empty() {
        eprintln!("fix oracle: fixes of other rules applied as well: {others:?}");
    }

    // Rewrite, then prove idempotence and that the result compiles.
    apply_fixes(&full, true);
    apply_fixes(&safe, false);
    for (dir, unsafe_fixes) in [(&full, true), (&safe, false)] {
        let once = snapshot(dir);
        apply_fixes(dir, unsafe_fixes);
        let twice = snapshot(dir);
        for file in changed(&once, &twice) {
            failures.push(format!(
                "not idempotent: a second `--fix{}` changed {}: {}",
                if unsafe_fixes { " --unsafe-fixes" } else { "" },
                file.display(),
                first_difference(once.get(&file), twice.get(&file))
            ));
        }
        let rewritten: Vec<PathBuf> = changed(&pristine, &once)
            .into_iter()
            .filter(|f| f.extension().is_some_and(|e| e == "py") && once.contains_key(f))
            .map(|f| dir.join(f))
            .collect();
        failures.extend(py_compile(&python, &rewritten));
    }
    let fixed_files = changed(&pristine, &snapshot(&full));
    eprintln!(
        "fix oracle: --fix --unsafe-fixes rewrote {} files, --fix {}",
        fixed_files.len(),
        changed(&pristine, &snapshot(&safe)).len()
    );

    // Run everything (in parallel: the runs are independent).
    let runs = tmp.path().join("runs");
    std::fs::create_dir_all(&runs).unwrap();
    let (before, reference, after, after_safe) = std::thread::scope(|s| {
        let before = s.spawn(|| harness(&python, &original, "async", &runs));
        let reference = s.spawn(|| harness(&python, &original, "reference", &runs));
        let after = s.spawn(|| harness(&python, &full, "async", &runs));
        let after_safe = s.spawn(|| harness(&python, &safe, "async", &runs));
        (
            before.join().unwrap(),
            reference.join().unwrap(),
            after.join().unwrap(),
            after_safe.join().unwrap(),
        )
    });
    assert!(
        before.import_errors.is_empty() && reference.import_errors.is_empty(),
        "the pristine corpus does not import: {:?}",
        before.import_errors
    );
    for (name, run) in [("--fix --unsafe-fixes", &after), ("--fix", &after_safe)] {
        for (file, err) in &run.import_errors {
            let last = err.lines().last().unwrap_or("");
            failures.push(format!(
                "{file}: after `{name}` the module does not import: {last}\n{err}"
            ));
        }
    }

    // Findings by (file, row).
    let mut by_line: BTreeMap<(String, usize), Vec<&Finding>> = BTreeMap::new();
    for f in &findings {
        by_line.entry((f.file.clone(), f.row)).or_default().push(f);
    }

    let mut sources: BTreeMap<String, String> = BTreeMap::new();
    let mut fixable_by_code: BTreeMap<String, Tally> = BTreeMap::new();
    let mut not_fixable_by_code: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let (mut fixable, mut fixable_safe, mut fixable_unsafe, mut fixable_pass) = (0, 0, 0, 0);
    let mut safe_only_checked = (0, 0);
    let mut dependent_with_fix = 0;
    // Findings whose fix a case proved (the case passed the strict check).
    let mut proven: BTreeSet<(String, usize, String)> = BTreeSet::new();

    for ((file, function), case) in &before.cases {
        let src = sources
            .entry(file.clone())
            .or_insert_with(|| std::fs::read_to_string(original.join(file)).unwrap());
        let lines: Vec<&str> = src.lines().collect();
        let start = first_line(&lines, case["start_line"].as_u64().unwrap() as usize);
        let end = case["end_line"].as_u64().unwrap() as usize;
        let raised = &case["raised"];

        // The findings of this case: inside it, plus where the oracle blames a helper.
        let mut mine: Vec<&Finding> = (start..=end)
            .filter_map(|r| by_line.get(&(file.clone(), r)))
            .flatten()
            .copied()
            .collect();
        if let Some(origin) = raised.get("origin").filter(|o| !o.is_null()) {
            let key = (
                origin["file"].as_str().unwrap().to_owned(),
                origin["line"].as_u64().unwrap() as usize,
            );
            let inside = key.0 == *file && (start..=end).contains(&key.1);
            if !inside {
                mine.extend(by_line.get(&key).into_iter().flatten().copied());
            }
        }
        let codes: BTreeSet<&str> = mine.iter().map(|f| f.code.as_str()).collect();
        let codes_label = if codes.is_empty() {
            "no finding".to_owned()
        } else {
            codes.iter().copied().collect::<Vec<_>>().join("+")
        };

        let kind = if data_dependent(&lines, start) {
            Kind::DataDependent
        } else if raised.is_null() {
            Kind::Clean
        } else if !mine.is_empty() && mine.iter().all(|f| f.applied()) {
            Kind::Fixable {
                all_safe: mine.iter().all(|f| f.applicability.as_deref() == Some("safe")),
            }
        } else {
            Kind::NotFixable {
                offered: mine.iter().any(|f| f.applied()),
            }
        };

        let key = (file.clone(), function.clone());
        let reference_case = &reference.cases[&key];
        // A clean case must reproduce itself; a raising one, the reference.
        let expected = if raised.is_null() { case } else { reference_case };
        let name = format!("{file}::{function}");
        let label = match kind {
            Kind::Fixable { all_safe: true } => format!("{codes_label}, safe"),
            Kind::Fixable { all_safe: false } => format!("{codes_label}, unsafe"),
            _ => codes_label.clone(),
        };

        // Checks one rewritten copy; pushes failures; returns whether it passed.
        let mut check = |run: &Run, root: &Path, which: &str, strict: bool| -> bool {
            let Some(got) = run.cases.get(&key) else {
                let why = match run.import_errors.get(file) {
                    Some(err) => format!("its module does not import: {}", err.lines().last().unwrap_or("")),
                    None => "the case is gone from the rewritten module".to_owned(),
                };
                failures.push(format!("{name} [{label}] after `{which}`: {why}"));
                return false;
            };
            let result = if strict {
                same_outcome(got, expected)
            } else {
                not_harmed(got, expected)
            };
            match result {
                Ok(()) => true,
                Err(diffs) => {
                    let mut msg = format!("{name} [{label}] after `{which}`:\n");
                    if !raised.is_null() {
                        let _ = writeln!(msg, "    original under asyncio: raised {}", show_raised(raised));
                    }
                    if !reference_case["raised"].is_null() && !raised.is_null() {
                        let _ = writeln!(
                            msg,
                            "    (no sync reference: it raised {})",
                            show_raised(&reference_case["raised"])
                        );
                    }
                    for d in diffs {
                        let _ = writeln!(msg, "    {d}");
                    }
                    let _ = write!(msg, "    rewritten:\n{}", excerpt(root, got));
                    failures.push(msg);
                    false
                }
            }
        };

        let proved = match kind {
            Kind::Fixable { all_safe } => {
                fixable += 1;
                let tally = fixable_by_code.entry(codes_label.clone()).or_default();
                tally.cases += 1;
                if all_safe {
                    fixable_safe += 1;
                    tally.safe += 1;
                } else {
                    fixable_unsafe += 1;
                    tally.unsafe_ += 1;
                }
                let mut ok = check(&after, &full, "--fix --unsafe-fixes", true);
                if all_safe {
                    safe_only_checked.0 += 1;
                    let safe_ok = check(&after_safe, &safe, "--fix", true);
                    safe_only_checked.1 += usize::from(safe_ok);
                    ok &= safe_ok;
                } else {
                    ok &= check(&after_safe, &safe, "--fix", false);
                }
                if ok {
                    fixable_pass += 1;
                    tally.pass += 1;
                }
                ok
            }
            Kind::NotFixable { offered } => {
                let ok =
                    check(&after, &full, "--fix --unsafe-fixes", false) & check(&after_safe, &safe, "--fix", false);
                let e = counts
                    .entry(if offered {
                        "raising, fix offered for only some findings"
                    } else {
                        "raising, no fix offered"
                    })
                    .or_default();
                e.0 += 1;
                e.1 += usize::from(ok);
                let e = not_fixable_by_code.entry(codes_label.clone()).or_default();
                e.0 += 1;
                e.1 += usize::from(ok);
                false
            }
            Kind::Clean | Kind::DataDependent => {
                let ok = check(&after, &full, "--fix --unsafe-fixes", true) & check(&after_safe, &safe, "--fix", true);
                let label = if kind == Kind::DataDependent {
                    if mine.iter().any(|f| f.applied()) {
                        dependent_with_fix += 1;
                    }
                    "data-dependent (clean here; counted apart)"
                } else if mine.is_empty() {
                    "clean, no finding"
                } else {
                    "clean, with findings"
                };
                let e = counts.entry(label).or_default();
                e.0 += 1;
                e.1 += usize::from(ok);
                ok
            }
        };
        if proved {
            for f in mine.iter().filter(|f| f.applied()) {
                proven.insert((f.file.clone(), f.row, f.code.clone()));
            }
        }
    }

    // The report.
    eprintln!(
        "fix oracle: {} cases; fixable {fixable} ({fixable_safe} safe, {fixable_unsafe} unsafe): {fixable_pass} pass, {} fail",
        before.cases.len(),
        fixable - fixable_pass
    );
    for (codes, t) in &fixable_by_code {
        eprintln!(
            "  fixable {codes}: {}/{} pass ({} safe, {} unsafe)",
            t.pass, t.cases, t.safe, t.unsafe_
        );
    }
    eprintln!(
        "  safe fixes alone (--fix): {}/{} all-safe fixable cases pass",
        safe_only_checked.1, safe_only_checked.0
    );
    for (label, (n, ok)) in &counts {
        eprintln!("  {label}: {n} ({ok} unharmed by the fixes)");
    }
    for (codes, (n, ok)) in &not_fixable_by_code {
        eprintln!("  not fixable {codes}: {n} ({ok} unharmed)");
    }
    if dependent_with_fix > 0 {
        eprintln!("  data-dependent cases with a fix applied: {dependent_with_fix}");
    }
    // Issue 3, item 3: every fix should be proven by some case.
    let offered: Vec<&Finding> = findings.iter().filter(|f| f.applied()).collect();
    let unproven: Vec<&&Finding> = offered
        .iter()
        .filter(|f| !proven.contains(&(f.file.clone(), f.row, f.code.clone())))
        .collect();
    eprintln!(
        "  fixes proven by a passing case: {}/{}",
        offered.len() - unproven.len(),
        offered.len()
    );
    for f in &unproven {
        eprintln!(
            "    unproven: {}:{} {} ({})",
            f.file,
            f.row,
            f.code,
            f.applicability.as_deref().unwrap_or("-")
        );
    }
    // Issue 3, item 3: every kind of safe fix, each proven by the cases above.
    let mut safe_kinds: std::collections::BTreeMap<String, (usize, usize)> = std::collections::BTreeMap::new();
    for f in offered.iter().filter(|f| f.applicability.as_deref() == Some("safe")) {
        let e = safe_kinds.entry(f.kind.clone().unwrap_or_default()).or_default();
        e.0 += 1;
        if proven.contains(&(f.file.clone(), f.row, f.code.clone())) {
            e.1 += 1;
        }
    }
    eprintln!("  safe fix kinds ({}):", safe_kinds.len());
    for (kind, (n, ok)) in &safe_kinds {
        eprintln!("    {kind}: {ok}/{n} proven");
    }
    let observed: std::collections::BTreeSet<&str> = safe_kinds.keys().map(String::as_str).collect();
    let listed: std::collections::BTreeSet<&str> = SAFE_FIX_KINDS.iter().copied().collect();
    assert_eq!(
        observed, listed,
        "the safe fix kinds changed: prove the new ones with oracle cases and list them"
    );
    let unproven_safe: Vec<&String> = safe_kinds
        .iter()
        .filter(|(_, (n, ok))| n != ok)
        .map(|(k, _)| k)
        .collect();
    assert!(
        unproven_safe.is_empty(),
        "safe fixes not proven by a passing case: {unproven_safe:?}"
    );

    assert!(
        failures.is_empty(),
        "{} fix failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        fixable >= MIN_FIXABLE,
        "only {fixable} fixable cases, fewer than MIN_FIXABLE = {MIN_FIXABLE}: a fix is no longer offered"
    );
}

#[test]
fn fixes_are_idempotent_and_compile_on_the_shop_project() {
    let tmp = tempfile::tempdir().unwrap();
    let shop = tmp.path().join("shop");
    copy_tree(&common::repo().join("fixtures/shop"), &shop);
    let pristine = snapshot(&shop);
    apply_fixes(&shop, true);
    let once = snapshot(&shop);
    apply_fixes(&shop, true);
    let twice = snapshot(&shop);

    let mut failures = Vec::new();
    for file in changed(&once, &twice) {
        failures.push(format!(
            "not idempotent: a second `--fix --unsafe-fixes` changed {}: {}",
            file.display(),
            first_difference(once.get(&file), twice.get(&file))
        ));
    }
    let rewritten: Vec<PathBuf> = changed(&pristine, &once)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "py") && once.contains_key(f))
        .collect();
    eprintln!("shop: --fix --unsafe-fixes rewrote {} files", rewritten.len());
    let paths: Vec<PathBuf> = rewritten.iter().map(|f| shop.join(f)).collect();
    match common::django_python() {
        Ok(python) => failures.extend(py_compile(&python, &paths)),
        Err(why) => common::skip_or_fail(&format!("py_compile of the rewritten shop: {why}")),
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What a rewrite can do to a module, the harness (`--keep-going`) survives:
/// a module that no longer parses or imports is listed, not a crash, and its
/// cases are left out (so the fix test reports each of them); the shapes
/// rewrites produce (`async for`, async comprehensions, a nested `def` run by
/// `await sync_to_async(_fn)()`, a handler made `async def`) run under asyncio;
/// an exception the oracle does not count is recorded with its message.
#[test]
fn harness_survives_rewritten_modules() {
    let python = match common::django_python() {
        Ok(p) => p,
        Err(why) => return common::skip_or_fail(&why),
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("rewritten");
    copy_tree(&common::repo().join("fixtures/oracle"), &root);
    let cases = root.join("cases");
    let unparsable = "cases/rdj105_related_managers.py";
    let unimportable = "cases/rdj104_forward_fk.py";
    let mut src = std::fs::read_to_string(root.join(unparsable)).unwrap();
    src.push_str("\n\nasync def case_broken_by_a_fix(:\n    pass\n");
    std::fs::write(root.join(unparsable), src).unwrap();
    let src = std::fs::read_to_string(root.join(unimportable)).unwrap();
    std::fs::write(
        root.join(unimportable),
        format!("from catalog.models import NoSuchModel\n{src}"),
    )
    .unwrap();
    std::fs::write(
        cases.join("zz_rewritten_shapes.py"),
        r#"from asgiref.sync import sync_to_async
from django.db import transaction

import reflex as rx
from catalog.models import Product


async def case_async_for():
    skus = []
    async for product in Product.objects.order_by("sku").aiterator():
        skus.append(product.sku)
    return len(skus) > 0


async def case_async_comprehension():
    return len([p.sku async for p in Product.objects.order_by("sku")]) > 0


async def case_nested_def_in_sync_to_async():
    def _fn():
        with transaction.atomic():
            Product.objects.filter(sku="BK-001").update(stock=99)
            return Product.objects.get(sku="BK-001").stock

    stock = await sync_to_async(_fn)()
    return stock


async def case_uncounted_exception():
    return (await Product.objects.aget(sku="NO-SUCH-SKU")).name


class RewrittenState(rx.State):
    count: int = 0

    async def handler_made_async(self):
        self.count = await Product.objects.acount()
        return self.count > 0
"#,
    )
    .unwrap();

    let runs = tmp.path().join("runs");
    std::fs::create_dir_all(&runs).unwrap();
    let run = harness(&python, &root, "async", &runs);

    let listed: BTreeSet<&str> = run.import_errors.keys().map(String::as_str).collect();
    assert_eq!(
        listed,
        BTreeSet::from([unimportable, unparsable]),
        "{:?}",
        run.import_errors
    );
    assert!(run.import_errors[unimportable].contains("NoSuchModel"));
    assert!(
        run.cases.keys().all(|(f, _)| f != unparsable && f != unimportable),
        "cases of a module that does not import were run"
    );
    let get = |function: &str| &run.cases[&("cases/zz_rewritten_shapes.py".to_owned(), function.to_owned())];
    for (function, returned) in [
        ("case_async_for", serde_json::json!(true)),
        ("case_async_comprehension", serde_json::json!(true)),
        ("case_nested_def_in_sync_to_async", serde_json::json!(99)),
        ("RewrittenState.handler_made_async", serde_json::json!(true)),
    ] {
        let case = get(function);
        assert!(case["raised"].is_null(), "{function}: {case}");
        assert_eq!(case["returned"], returned, "{function}: {case}");
    }
    let raised = &get("case_uncounted_exception")["raised"];
    assert_eq!(raised["type"], "DoesNotExist", "{raised}");
    assert!(
        raised["message"].as_str().unwrap().contains("does not exist"),
        "{raised}"
    );
    // The rest of the corpus still ran, and ran as before.
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(common::repo().join("fixtures/oracle/expected.json")).unwrap())
            .unwrap();
    let mut compared = 0;
    for case in expected["cases"].as_array().unwrap() {
        let key = (
            case["file"].as_str().unwrap().to_owned(),
            case["function"].as_str().unwrap().to_owned(),
        );
        if key.0 == unparsable || key.0 == unimportable {
            continue;
        }
        assert_eq!(&run.cases[&key], case, "{key:?}");
        compared += 1;
    }
    assert!(compared > 300);
}
