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

/// The URL of a test database server (`RDJ_PG_URL`, `RDJ_MYSQL_URL`) from the
/// environment, else from `.cache/databases.env` (written by
/// `.ci/databases.sh`), if that server answers. `Err` says why not: callers
/// skip (or fail on CI, where the test command starts the servers).
pub fn database_server(var: &str) -> Result<String, String> {
    let from_file = || {
        let text = std::fs::read_to_string(repo().join(".cache/databases.env")).ok()?;
        text.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == var).then(|| v.trim().trim_matches(['"', '\'']).to_owned())
        })
    };
    let url = std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(from_file)
        .ok_or_else(|| {
            format!("{var} is not set and .cache/databases.env does not name it (run `bash .ci/databases.sh`)")
        })?;
    // host:port after the userinfo (the password may hold anything but `@`
    // once percent-encoded, as the file writes it).
    let authority = url.split("://").nth(1).unwrap_or("").split('/').next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or(authority).to_owned();
    let answers = std::net::ToSocketAddrs::to_socket_addrs(&host_port)
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|addr| std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(2)).is_ok());
    if !answers {
        return Err(format!(
            "the {var} server at {host_port} does not answer (run `bash .ci/databases.sh`)"
        ));
    }
    Ok(url)
}

/// Copies a fixture project into `to`, leaving out what runs leave behind
/// (`__pycache__`, the result cache, SQLite databases).
pub fn copy_project(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let name_str = name.to_string_lossy();
        if name == "__pycache__" || name_str.starts_with(".reflex-django-lsp-cache") {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_project(&entry.path(), &target);
        } else if !name_str.ends_with(".sqlite3") {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// How many tables `schema --no-database` derives from the models below
/// `root` (proof that the schema checks read a project at all).
pub fn schema_table_count(root: &Path) -> usize {
    let out = bin()
        .args(["schema"])
        .arg(root)
        .args(["--no-database", "--output-format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    json["projects"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p["tables"].as_array().map_or(0, Vec::len))
        .sum()
}

/// Unpacks a wheel (a zip file) with Python's zipfile, which is always there
/// when pip is.
pub fn unpack_wheel(wheel: &Path, into: &Path) {
    let python = django_python().unwrap_or_else(|_| PathBuf::from("python3"));
    let status = Command::new(python)
        .args(["-m", "zipfile", "-e"])
        .arg(wheel)
        .arg(into)
        .status()
        .expect("python3 -m zipfile");
    assert!(status.success(), "could not unpack {}", wheel.display());
}

/// The archives of tests/real_packages.txt (`RDJ_REAL_PACKAGES`, else
/// `.cache/real-packages`), by requirement.
pub fn real_packages() -> Result<Vec<(String, PathBuf)>, String> {
    let dir = std::env::var_os("RDJ_REAL_PACKAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".cache/real-packages"));
    let list = std::fs::read_to_string(repo().join("tests/real_packages.txt")).unwrap();
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|_| format!("{} is missing (run `bash .ci/run`)", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    let mut out = Vec::new();
    for req in list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let stem = req.replace("==", "-");
        let archive = files
            .iter()
            .find(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                name == format!("{stem}.tar.gz")
                    || name == format!("{stem}.zip")
                    || name.starts_with(&format!("{stem}-")) && name.ends_with(".whl")
            })
            .ok_or_else(|| format!("{req} is not downloaded into {} (run `bash .ci/run`)", dir.display()))?;
        out.push((req.to_owned(), archive.clone()));
    }
    Ok(out)
}

/// Unpacks a source archive (`.tar.gz`) or a wheel.
pub fn unpack_archive(archive: &Path, into: &Path) {
    if archive.to_string_lossy().ends_with(".tar.gz") {
        let status = std::process::Command::new("tar")
            .arg("-xzf")
            .arg(archive)
            .arg("-C")
            .arg(into)
            .status()
            .expect("tar");
        assert!(status.success(), "could not unpack {}", archive.display());
    } else {
        unpack_wheel(archive, into);
    }
}

/// Every file below `root` read into a workspace index, as `check` loads it.
pub fn load_tree(root: &Path) -> reflex_django_lsp::workspace::Loaded {
    use reflex_django_lsp::workspace;
    let walked = workspace::walk(root, std::sync::Arc::new(|_: &Path| false));
    let sources = walked
        .files
        .into_iter()
        .map(|path| workspace::Source { path, contents: None })
        .collect();
    workspace::load(sources)
}
