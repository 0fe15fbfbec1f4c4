//! Shared helpers of the integration tests.
#![allow(dead_code)]

pub mod lsp;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A small deterministic generator (xorshift) for the randomized tests:
/// the same sequence on every run, no extra crate.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_reflex-django-lsp"))
}

/// Runs `check --output-format json` and returns the findings.
pub fn check_json(paths: &[&Path], extra: &[&str]) -> Vec<serde_json::Value> {
    let out = bin()
        .arg("check")
        .args(paths)
        .args(["--output-format", "json", "--exit-zero"])
        .args(extra)
        .output()
        .expect("run reflex-django-lsp");
    assert!(
        out.status.success(),
        "check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

/// A Python that can import Django 5.2, for the oracle: `$RDJ_PYTHON`, the
/// test command's virtualenv (`.cache/venv`), or `python3`. `Err` says why not.
pub fn django_python() -> Result<PathBuf, String> {
    let mut candidates = Vec::new();
    if let Ok(p) = std::env::var("RDJ_PYTHON") {
        candidates.push(PathBuf::from(p));
    }
    candidates.push(repo().join(".cache/venv/bin/python"));
    candidates.push(PathBuf::from("python3"));
    for c in &candidates {
        let ok = Command::new(c)
            .args([
                "-c",
                "import django, sys; sys.exit(0 if django.VERSION[:2] == (5, 2) else 1)",
            ])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Ok(c.clone());
        }
    }
    Err("no Python with Django 5.2 (set RDJ_PYTHON, or run `bash .ci/run`)".into())
}

/// Skips a test that needs an external tool, but never on CI, where the
/// test command installs everything and a skip would hide a broken setup.
pub fn skip_or_fail(reason: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("required on CI: {reason}");
    }
    eprintln!("skipped: {reason}");
}

/// Where an oracle case's code starts: its first decorator line (the oracle
/// blames `@transaction.atomic` on an `async def` at the decorator).
pub fn first_line(lines: &[&str], start_line: usize) -> usize {
    let mut first = start_line;
    while first > 1 && lines[first - 2].trim_start().starts_with('@') {
        first -= 1;
    }
    first
}

/// Oracle cases whose outcome depends on data the linter cannot see are
/// marked `oracle: data-dependent` (in the module docstring, or a comment
/// above the def).
pub fn data_dependent(lines: &[&str], first: usize) -> bool {
    let module_marked = lines.iter().take(20).any(|l| l.contains("oracle: data-dependent"));
    module_marked || (first >= 2 && lines[first - 2].contains("# oracle: data-dependent"))
}
