//! The result cache: a warm run gives exactly the cold run's output, any
//! change invalidates it, files changed too recently are never cached, and
//! `--no-cache` neither reads nor writes it.

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

const MODELS: &str =
    "from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField(max_length=10)\n";
const BLOCKING: &str = "from app.models import Product\n\nasync def f():\n    return Product.objects.get(pk=1)\n";
const FIXED: &str = "from app.models import Product\n\nasync def f():\n    return await Product.objects.aget(pk=1)\n";

fn write_old(path: &Path, text: &str, age_secs: u64) {
    std::fs::write(path, text).unwrap();
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(age_secs))
        .unwrap();
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("app")).unwrap();
    std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = 'x'\n").unwrap();
    write_old(&dir.path().join("app/__init__.py"), "", 3600);
    write_old(&dir.path().join("app/models.py"), MODELS, 3600);
    write_old(&dir.path().join("app/views.py"), BLOCKING, 3600);
    let toml = dir.path().join("pyproject.toml");
    let file = std::fs::File::options().write(true).open(&toml).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    dir
}

fn run(dir: &Path, extra: &[&str]) -> (String, i32) {
    let out = common::bin()
        .current_dir(dir)
        .args(["check", ".", "--output-format", "concise"])
        .args(extra)
        .output()
        .unwrap();
    (String::from_utf8(out.stdout).unwrap(), out.status.code().unwrap())
}

fn entries(dir: &Path) -> usize {
    std::fs::read_dir(dir.join(".reflex-django-lsp-cache/v1"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn warm_run_repeats_the_cold_run() {
    let p = project();
    let cold = run(p.path(), &[]);
    assert_eq!(cold.1, 1);
    assert!(cold.0.contains("RDJ101"), "{}", cold.0);
    assert_eq!(entries(p.path()), 1);
    assert!(p.path().join(".reflex-django-lsp-cache/CACHEDIR.TAG").exists());
    let warm = run(p.path(), &[]);
    assert_eq!(warm, cold);
    // Other output formats are rendered from the cached findings too.
    let json = common::bin()
        .current_dir(p.path())
        .args(["check", ".", "--output-format", "json", "--exit-zero"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v[0]["location"]["row"], 4);
}

#[test]
fn a_changed_file_invalidates_the_entry() {
    let p = project();
    assert_eq!(run(p.path(), &[]).1, 1);
    write_old(&p.path().join("app/views.py"), FIXED, 1800);
    let (out, code) = run(p.path(), &[]);
    assert_eq!(code, 0, "{out}");
    // A change in another file (the models) invalidates it as well.
    write_old(&p.path().join("app/views.py"), BLOCKING, 1700);
    assert_eq!(run(p.path(), &[]).1, 1);
    write_old(&p.path().join("app/models.py"), "class Product:\n    pass\n", 1600);
    assert_eq!(run(p.path(), &[]).1, 0, "Product is no longer a model");
}

#[test]
fn options_are_part_of_the_key() {
    let p = project();
    assert_eq!(run(p.path(), &[]).1, 1);
    assert_eq!(run(p.path(), &["--ignore", "RDJ101"]).1, 0);
    assert_eq!(run(p.path(), &[]).1, 1);
}

#[test]
fn recently_changed_files_are_not_cached() {
    let p = project();
    std::fs::write(p.path().join("app/views.py"), BLOCKING).unwrap(); // mtime: now
    assert_eq!(run(p.path(), &[]).1, 1);
    assert_eq!(entries(p.path()), 0);
}

#[test]
fn no_cache_neither_reads_nor_writes() {
    let p = project();
    assert_eq!(run(p.path(), &["--no-cache"]).1, 1);
    assert!(!p.path().join(".reflex-django-lsp-cache").exists());
    let dir = tempfile::tempdir().unwrap();
    let custom = dir.path().join("c");
    assert_eq!(run(p.path(), &["--cache-dir", custom.to_str().unwrap()]).1, 1);
    assert_eq!(std::fs::read_dir(custom.join("v1")).unwrap().count(), 1);
}
