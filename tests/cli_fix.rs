//! `check --fix`, `--diff` and `--unsafe-fixes` end to end: what is written,
//! what is only shown, idempotence, and the file's BOM and line endings kept.

mod common;

use std::path::Path;

const MODELS: &str = "from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField(max_length=10)\n    def price(self):\n        return 1\n";
const VIEWS: &str = "from app.models import Product\n\n\nasync def name(pk):\n    return Product.objects.get(pk=pk).name\n\n\nasync def rename(pk):\n    p = await Product.objects.aget(pk=pk)\n    p.save()\n";
const FIXED: &str = "from app.models import Product\n\n\nasync def name(pk):\n    return (await Product.objects.aget(pk=pk)).name\n\n\nasync def rename(pk):\n    p = await Product.objects.aget(pk=pk)\n    await p.asave()\n";

fn project(views: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("app")).unwrap();
    std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = 'x'\n").unwrap();
    std::fs::write(dir.path().join("app/__init__.py"), "").unwrap();
    std::fs::write(dir.path().join("app/models.py"), MODELS).unwrap();
    std::fs::write(dir.path().join("app/views.py"), views).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let out = common::bin()
        .current_dir(dir)
        .arg("check")
        .arg(".")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap(),
    )
}

#[test]
fn diff_shows_and_changes_nothing() {
    let p = project(VIEWS.as_bytes());
    let (out, err, code) = run(p.path(), &["--diff"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("--- a/app/views.py") && out.contains("+++ b/app/views.py"),
        "{out}"
    );
    assert!(
        out.contains("+    return (await Product.objects.aget(pk=pk)).name"),
        "{out}"
    );
    assert!(
        out.contains("-    p.save()") && out.contains("+    await p.asave()"),
        "{out}"
    );
    assert!(err.contains("Would fix 2 findings."), "{err}");
    assert_eq!(std::fs::read_to_string(p.path().join("app/views.py")).unwrap(), VIEWS);
}

#[test]
fn fix_writes_and_a_second_run_changes_nothing() {
    let p = project(VIEWS.as_bytes());
    let (out, err, code) = run(p.path(), &["--fix"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "Found 2 findings (2 fixed, 0 remaining).\n");
    assert_eq!(std::fs::read_to_string(p.path().join("app/views.py")).unwrap(), FIXED);
    // Nothing left to fix: no `Fixed 0 findings.`.
    let (out, err, code) = run(p.path(), &["--fix"]);
    assert_eq!((out.as_str(), err.as_str(), code), ("All checks passed!\n", "", 0));
    assert_eq!(std::fs::read_to_string(p.path().join("app/views.py")).unwrap(), FIXED);
    let (out, err, code) = run(p.path(), &["--diff"]);
    assert_eq!((out.as_str(), err.as_str(), code), ("", "", 0));
}

/// A project with a safe fix (`app/views.py`) and an unsafe one (`app/states.py`, RDJ401).
const STATES: &str = "\"\"\"Order states.\"\"\"\nimport reflex as rx\nfrom app.models import Product\n\n\nclass CountState(rx.State):\n    count: int = 0\n\n    async def load(self):\n        \"\"\"Load the count.\"\"\"\n        self.count = await Product.objects.acount()\n\n\n@rx.page()\ndef page():\n    return rx.text(Product.__name__)\n";
const STATES_FIXED: &str = "\"\"\"Order states.\"\"\"\nimport reflex as rx\n\n\nclass CountState(rx.State):\n    count: int = 0\n\n    async def load(self):\n        \"\"\"Load the count.\"\"\"\n        from app.models import Product\n        self.count = await Product.objects.acount()\n\n\n@rx.page()\ndef page():\n    from app.models import Product\n    return rx.text(Product.__name__)\n";

#[test]
fn the_summary_counts_fixes_like_ruff() {
    let p = project(VIEWS.as_bytes());
    std::fs::write(p.path().join("app/states.py"), STATES).unwrap();
    let (out, _, code) = run(p.path(), &["--output-format", "concise", "--no-cache"]);
    assert_eq!(code, 1);
    assert!(
        out.ends_with("Found 3 errors.\n[*] 2 fixable with the `--fix` option (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"),
        "{out}"
    );
    let (out, _, _) = run(
        p.path(),
        &["--output-format", "concise", "--no-cache", "--unsafe-fixes"],
    );
    assert!(
        out.ends_with("Found 3 errors.\n[*] 3 fixable with the `--fix` option.\n"),
        "{out}"
    );

    // --show-fixes without --fix: what is available, per file and rule.
    let (out, _, _) = run(p.path(), &["--output-format", "concise", "--no-cache", "--show-fixes"]);
    assert!(
        out.contains("2 findings fixable with the `--fix` option:\n- app/views.py:\n    1 × RDJ101 (blocking-queryset-call)\n    1 × RDJ102 (blocking-model-method)\n\n1 finding fixable with the `--fix --unsafe-fixes` options:\n- app/states.py:\n    1 × RDJ401 (models-imported-before-setup)\n\nFound 3 errors.\n"),
        "{out}"
    );

    // --diff: `Would fix`, and the hidden unsafe fix.
    let (_, err, code) = run(p.path(), &["--diff", "--show-fixes"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("Would fix 2 findings:\n- app/views.py:\n    1 × RDJ101 (blocking-queryset-call)\n    1 × RDJ102 (blocking-model-method)\n\n"),
        "{err}"
    );
    assert!(
        err.ends_with("Would fix 2 findings (1 additional fix available with `--unsafe-fixes`).\n"),
        "{err}"
    );

    // --fix --show-fixes: what was fixed, then what remains.
    let (out, _, code) = run(p.path(), &["--fix", "--show-fixes", "--output-format", "concise"]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("app/states.py:3:1: RDJ401 ")
            && out.contains("Fixed 2 findings:\n- app/views.py:\n    1 × RDJ101 (blocking-queryset-call)\n    1 × RDJ102 (blocking-model-method)\n\n")
            && out.ends_with("Found 3 findings (2 fixed, 1 error remaining).\nNo fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"),
        "{out}"
    );
    let (_, err, code) = run(p.path(), &["--diff"]);
    assert_eq!(code, 0);
    assert_eq!(
        err,
        "No findings would be fixed (1 fix available with `--unsafe-fixes`).\n"
    );
}

/// Runs `check` in `dir` with `input` on stdin.
fn run_stdin(dir: &Path, args: &[&str], input: &[u8]) -> (Vec<u8>, String, i32) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = common::bin()
        .current_dir(dir)
        .arg("check")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.stdout,
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap(),
    )
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn stdin_is_never_written_back() {
    // On disk: a different text, so that a write would show.
    let on_disk = format!("# on disk\n{VIEWS}");
    let p = project(on_disk.as_bytes());
    std::fs::write(p.path().join("app/states.py"), STATES).unwrap();
    let before = snapshot(p.path());
    let unchanged = |what: &str| {
        assert_eq!(snapshot(p.path()), before, "{what} wrote to the project");
        assert!(!p.path().join("-").exists() && !p.path().join("app/-").exists());
    };

    // --fix: the fixed text on stdout, the report on stderr.
    let (out, err, code) = run_stdin(
        p.path(),
        &["-", "--stdin-filename", "app/views.py", "--fix"],
        VIEWS.as_bytes(),
    );
    assert_eq!((String::from_utf8(out).unwrap().as_str(), code), (FIXED, 0), "{err}");
    assert_eq!(err, "Found 2 findings (2 fixed, 0 remaining).\n");
    unchanged("--fix --stdin-filename");

    // Without a name (no file named `-` appears).
    let (out, err, code) = run_stdin(p.path(), &["-", "--fix"], VIEWS.as_bytes());
    assert_eq!((String::from_utf8(out).unwrap().as_str(), code), (FIXED, 0), "{err}");
    unchanged("--fix without --stdin-filename");

    // --stdin-filename alone reads stdin too.
    let (out, _, code) = run_stdin(
        p.path(),
        &["--stdin-filename", "app/views.py", "--fix"],
        VIEWS.as_bytes(),
    );
    assert_eq!((String::from_utf8(out).unwrap().as_str(), code), (FIXED, 0));
    unchanged("--stdin-filename --fix");

    // --diff: the diff on stdout.
    let (out, err, code) = run_stdin(
        p.path(),
        &["-", "--stdin-filename", "app/views.py", "--diff"],
        VIEWS.as_bytes(),
    );
    let out = String::from_utf8(out).unwrap();
    assert_eq!(code, 1);
    assert!(
        out.starts_with("--- a/app/views.py\n+++ b/app/views.py\n") && out.contains("+    await p.asave()\n"),
        "{out}"
    );
    assert_eq!(err, "Would fix 2 findings.\n");
    unchanged("--diff");

    // An unsafe fix: left alone by --fix (the input comes back, the finding
    // goes to stderr), applied with --unsafe-fixes.
    let args = [
        "-",
        "--stdin-filename",
        "app/states.py",
        "--fix",
        "--output-format",
        "concise",
    ];
    let (out, err, code) = run_stdin(p.path(), &args, STATES.as_bytes());
    assert_eq!((String::from_utf8(out).unwrap().as_str(), code), (STATES, 1));
    assert!(
        err.starts_with("app/states.py:3:1: RDJ401 ")
            && err.ends_with("No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"),
        "{err}"
    );
    let mut unsafe_args = args.to_vec();
    unsafe_args.push("--unsafe-fixes");
    let (out, err, code) = run_stdin(p.path(), &unsafe_args, STATES.as_bytes());
    assert_eq!(
        (String::from_utf8(out).unwrap().as_str(), code),
        (STATES_FIXED, 0),
        "{err}"
    );
    unchanged("--unsafe-fixes");

    // Nothing to fix: the input, byte for byte (BOM and CRLF included).
    let mut clean = vec![0xEF, 0xBB, 0xBF];
    clean.extend_from_slice(FIXED.replace('\n', "\r\n").as_bytes());
    let (out, _, code) = run_stdin(p.path(), &["-", "--stdin-filename", "app/views.py", "--fix"], &clean);
    assert_eq!((out, code), (clean.clone(), 0));
    // A fix keeps them too.
    let mut dirty = vec![0xEF, 0xBB, 0xBF];
    dirty.extend_from_slice(VIEWS.replace('\n', "\r\n").as_bytes());
    let (out, _, code) = run_stdin(p.path(), &["-", "--stdin-filename", "app/views.py", "--fix"], &dirty);
    assert_eq!((out, code), (clean, 0));
    unchanged("BOM and CRLF");

    // `-` with other paths and --fix: a usage error, nothing written.
    let (out, err, code) = run_stdin(p.path(), &["-", "app/views.py", "--fix"], VIEWS.as_bytes());
    assert_eq!((out.len(), code), (0, 2), "{err}");
    assert!(
        err.starts_with("error: --fix with `-` prints the fixed source on stdout"),
        "{err}"
    );
    let (_, err, code) = run_stdin(p.path(), &["-", "--add-noqa"], VIEWS.as_bytes());
    assert_eq!(code, 2, "{err}");
    unchanged("usage errors");
}

#[test]
fn add_noqa_silences_every_finding_and_is_idempotent() {
    let views = format!(
        "{VIEWS}\n\nasync def multi(pk):\n    total = (\n        Product.objects.filter(pk=pk)\n        .count()\n    )\n    other = Product.objects.get(  # noqa: RDJ104\n        pk=pk,\n    )\n    return total, other\n"
    );
    let p = project(views.as_bytes());
    std::fs::write(p.path().join("app/states.py"), STATES).unwrap();
    let (out, _, code) = run(p.path(), &["--output-format", "concise", "--no-cache"]);
    assert_eq!(code, 1);
    assert!(out.contains("Found 5 errors."), "{out}");

    let (out, err, code) = run(p.path(), &["--add-noqa"]);
    assert_eq!(
        (out.as_str(), err.as_str(), code),
        ("", "Added 5 noqa directives.\n", 0)
    );
    let expected = views
        .replace("get(pk=pk).name\n", "get(pk=pk).name  # noqa: RDJ101\n")
        .replace("    p.save()\n", "    p.save()  # noqa: RDJ102\n")
        .replace("filter(pk=pk)\n", "filter(pk=pk)  # noqa: RDJ101\n")
        .replace("# noqa: RDJ104\n", "# noqa: RDJ104, RDJ101\n");
    assert_eq!(
        std::fs::read_to_string(p.path().join("app/views.py")).unwrap(),
        expected
    );
    assert_eq!(
        std::fs::read_to_string(p.path().join("app/states.py")).unwrap(),
        STATES.replace("import Product\n", "import Product  # noqa: RDJ401\n")
    );

    // The comments silence the findings, and a second run changes nothing.
    let (out, _, code) = run(p.path(), &["--no-cache"]);
    assert_eq!((out.as_str(), code), ("All checks passed!\n", 0));
    let before = snapshot(p.path());
    let (_, err, code) = run(p.path(), &["--add-noqa", "--no-cache"]);
    assert_eq!((err.as_str(), code), ("Added 0 noqa directives.\n", 0));
    assert_eq!(snapshot(p.path()), before);
}

#[test]
fn add_noqa_leaves_a_line_that_cannot_take_a_comment() {
    let views = "from app.models import Product\n\n\nasync def doc(pk):\n    return Product.objects.get(pk=pk).name + \"\"\"\ntext\"\"\"\n";
    let p = project(views.as_bytes());
    let (_, err, code) = run(p.path(), &["--add-noqa"]);
    assert_eq!(code, 0);
    assert!(
        err.contains("no noqa added where a line cannot end with a comment") && err.contains("app/views.py:5"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(p.path().join("app/views.py")).unwrap(), views);
}

#[test]
fn unsafe_fixes_alone_only_report() {
    let p = project(VIEWS.as_bytes());
    let (_, _, code) = run(p.path(), &["--unsafe-fixes", "--output-format", "concise"]);
    assert_eq!(code, 1);
    assert_eq!(std::fs::read_to_string(p.path().join("app/views.py")).unwrap(), VIEWS);
}

#[test]
fn bom_and_crlf_are_kept() {
    let crlf = VIEWS.replace('\n', "\r\n");
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(crlf.as_bytes());
    let p = project(&bytes);
    assert_eq!(run(p.path(), &["--fix"]).2, 0);
    let written = std::fs::read(p.path().join("app/views.py")).unwrap();
    assert!(written.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = String::from_utf8(written[3..].to_vec()).unwrap();
    assert_eq!(text, FIXED.replace('\n', "\r\n"));
}

#[test]
fn json_carries_the_edits() {
    let p = project(VIEWS.as_bytes());
    let out = common::bin()
        .current_dir(p.path())
        .args(["check", ".", "--output-format", "json", "--exit-zero"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fix = &v[0]["fix"];
    assert_eq!(fix["applicability"], "safe");
    assert_eq!(fix["message"], "Use `await Product.objects.aget()`");
    let edits = fix["edits"].as_array().unwrap();
    assert!(edits.iter().any(|e| e["content"] == "(await "));
    assert!(edits
        .iter()
        .any(|e| e["content"] == "aget" && e["location"]["row"] == 5));
}

/// Every fix edit's text, from `check --output-format json` with extra args.
fn fix_texts(dir: &Path, args: &[&str]) -> Vec<String> {
    let out = common::bin()
        .current_dir(dir)
        .args(["check", ".", "--output-format", "json", "--exit-zero", "--no-cache"])
        .args(args)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["fix"].is_null())
        .flat_map(|f| {
            f["fix"]["edits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["content"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// APIs Django added after 4.2, by version: fixes must not use them on older targets.
const SINCE_5_0: &[&str] = &[
    "aget_object_or_404",
    "aget_list_or_404",
    "aprefetch_related_objects",
    "aauthenticate",
    "alogin",
    "alogout",
    "aget_user",
    "aupdate_session_auth_hash",
    "auser()",
];
const SINCE_5_1: &[&str] = &["aflush", "acycle_key"];
const SINCE_5_2: &[&str] = &[
    "acreate_user",
    "acreate_superuser",
    "ahas_perm",
    "ahas_perms",
    "ahas_module_perms",
    "acheck_password",
];

#[test]
fn fixes_follow_the_target_django_version() {
    let corpus = common::repo().join("fixtures/oracle");
    let uses =
        |texts: &[String], names: &[&str]| names.iter().filter(|n| texts.iter().any(|t| t.contains(**n))).count();

    let v52 = fix_texts(&corpus, &["--django-version", "5.2"]);
    assert!(uses(&v52, SINCE_5_0) >= 5, "5.0 twins used on 5.2: {v52:?}");
    assert!(uses(&v52, SINCE_5_1) >= 1 && uses(&v52, SINCE_5_2) >= 4);

    let v42 = fix_texts(&corpus, &["--django-version", "4.2"]);
    let too_new: Vec<&String> = v42
        .iter()
        .filter(|t| {
            SINCE_5_0
                .iter()
                .chain(SINCE_5_1)
                .chain(SINCE_5_2)
                .any(|n| t.contains(n))
        })
        .collect();
    assert!(too_new.is_empty(), "fixes for Django 4.2 use newer APIs: {too_new:?}");
    assert!(v42.iter().any(|t| t == "aget"), "4.2 has the QuerySet twins");

    let v40 = fix_texts(&corpus, &["--django-version", "4.0"]);
    assert!(
        !v40.iter().any(|t| t == "aget" || t == "acount"),
        "4.0 has no async QuerySet API: {v40:?}"
    );
}

#[test]
fn the_version_is_detected_from_the_project() {
    let views = "from django.shortcuts import get_object_or_404\nfrom app.models import Product\n\nasync def show(pk):\n    return get_object_or_404(Product, pk=pk)\n";
    let p = project(views.as_bytes());
    std::fs::write(p.path().join("requirements.txt"), "Django==4.2.16\n").unwrap();
    assert!(!fix_texts(p.path(), &[])
        .iter()
        .any(|t| t.contains("aget_object_or_404")));
    std::fs::write(p.path().join("requirements.txt"), "Django>=5.1,<6\n").unwrap();
    let p2 = project(views.as_bytes());
    std::fs::write(p2.path().join("requirements.txt"), "Django>=5.1,<6\n").unwrap();
    assert!(fix_texts(p2.path(), &[])
        .iter()
        .any(|t| t.contains("aget_object_or_404")));
    // The flag wins over the project's files.
    assert!(!fix_texts(p2.path(), &["--django-version", "4.2"])
        .iter()
        .any(|t| t.contains("aget_object_or_404")));
}

#[test]
fn rdj401_moves_the_import_into_the_functions_that_use_it() {
    let states = "\"\"\"Order states.\"\"\"\nimport reflex as rx\nfrom app.models import Product\n\n\nclass CountState(rx.State):\n    count: int = 0\n\n    async def load(self):\n        \"\"\"Load the count.\"\"\"\n        self.count = await Product.objects.acount()\n\n\n@rx.page()\ndef page():\n    return rx.text(Product.__name__)\n";
    let fixed = "\"\"\"Order states.\"\"\"\nimport reflex as rx\n\n\nclass CountState(rx.State):\n    count: int = 0\n\n    async def load(self):\n        \"\"\"Load the count.\"\"\"\n        from app.models import Product\n        self.count = await Product.objects.acount()\n\n\n@rx.page()\ndef page():\n    from app.models import Product\n    return rx.text(Product.__name__)\n";
    let p = project(FIXED.as_bytes());
    std::fs::write(p.path().join("app/states.py"), states).unwrap();
    // Unsafe: `--fix` alone leaves it.
    assert_eq!(run(p.path(), &["--fix"]).2, 1);
    assert_eq!(std::fs::read_to_string(p.path().join("app/states.py")).unwrap(), states);
    let (_, err, code) = run(p.path(), &["--fix", "--unsafe-fixes"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(p.path().join("app/states.py")).unwrap(), fixed);

    // A use at import time (a class attribute) makes it unfixable.
    let class_level = states.replace("    count: int = 0\n", "    count: int = 0\n    model = Product\n");
    std::fs::write(p.path().join("app/states.py"), &class_level).unwrap();
    assert_eq!(run(p.path(), &["--fix", "--unsafe-fixes"]).2, 1);
    assert_eq!(
        std::fs::read_to_string(p.path().join("app/states.py")).unwrap(),
        class_level
    );
}
