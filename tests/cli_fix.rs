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
