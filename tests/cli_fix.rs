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
    let (_, err, code) = run(p.path(), &["--fix"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Fixed 2 findings."), "{err}");
    assert_eq!(std::fs::read_to_string(p.path().join("app/views.py")).unwrap(), FIXED);
    let (_, err, code) = run(p.path(), &["--fix"]);
    assert_eq!(code, 0);
    assert!(err.contains("Fixed 0 findings."), "{err}");
    assert_eq!(std::fs::read_to_string(p.path().join("app/views.py")).unwrap(), FIXED);
    let (out, _, code) = run(p.path(), &["--diff"]);
    assert_eq!((out.as_str(), code), ("", 0));
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
