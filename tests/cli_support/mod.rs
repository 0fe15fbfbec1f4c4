//! Shared helpers for the end-to-end tests in `tests/cli_*.rs`: small
//! projects in temporary folders, and running the real binary on them.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_reflex-django-lsp");

/// A Django model the core resolves (`shop.models.Product`).
pub const MODELS: &str =
    "from django.db import models\n\n\nclass Product(models.Model):\n    name = models.CharField(max_length=100)\n";

/// One RDJ101 finding at 5:12–5:37.
pub const STATES: &str = "from shop.models import Product\n\n\nasync def f():\n    return Product.objects.get(pk=1)\n";

/// No findings.
pub const CLEAN: &str =
    "from shop.models import Product\n\n\nasync def f():\n    return await Product.objects.aget(pk=1)\n";

pub struct Project {
    pub dir: tempfile::TempDir,
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Asserts a clean exit-2 error: one `error:` line, no panic.
    pub fn assert_error(&self, needle: &str) {
        assert_eq!(self.code, 2, "stdout: {}\nstderr: {}", self.stdout, self.stderr);
        assert!(self.stderr.contains(needle), "stderr lacks {needle:?}: {}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        let errors: Vec<&str> = self.stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{}", self.stderr);
    }

    pub fn assert_no_crash(&self) {
        assert!(self.code == 0 || self.code == 1, "code {}: {}", self.code, self.stderr);
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("internal error"),
            "{}",
            self.stderr
        );
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", self.stdout))
    }

    /// `(code, row, column)` of each finding in a JSON report.
    pub fn codes(&self) -> Vec<String> {
        self.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_owned())
            .collect()
    }
}

impl Project {
    /// An empty project: a folder with an empty `pyproject.toml` (a root marker).
    pub fn new() -> Project {
        let p = Project {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        p.write("pyproject.toml", "");
        p
    }

    /// A project with `shop/models.py` (Product) and `shop/states.py` (one RDJ101).
    pub fn shop() -> Project {
        let p = Project::new();
        p.write("shop/__init__.py", "");
        p.write("shop/models.py", MODELS);
        p.write("shop/states.py", STATES);
        p
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> &Project {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, contents).unwrap();
        self
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_in(".", args, None)
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        self.run_in(".", args, Some(stdin))
    }

    /// Runs the binary with the current directory `rel` inside the project.
    pub fn run_in(&self, rel: &str, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .current_dir(self.path(rel))
            .env_remove("NO_COLOR")
            .env_remove("DATABASE_URL")
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn binary");
        if let Some(bytes) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(bytes).unwrap();
        }
        let out = child.wait_with_output().expect("wait");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Runs the binary outside any project.
pub fn run(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
