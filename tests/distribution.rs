//! Distribution (SPEC §6): `--version` names the git commit of a checkout
//! (build.rs, run here on its own against scratch folders: a git checkout,
//! no `.git`, a folder inside another repository, no git program), and the
//! Python package's metadata (pyproject.toml) agrees with Cargo.toml and
//! leaves the linter's configuration discovery alone. The wheel itself is
//! built, installed and run by `.ci/dist.sh`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

fn git_available() -> bool {
    Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").current_dir(dir).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[test]
fn version_names_the_commit_of_the_checkout() {
    let out = common::bin().arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.trim_end();
    assert_eq!(text.lines().count(), 1, "{text:?}");
    let prefix = format!("reflex-django-lsp {}", version());
    assert!(line.starts_with(&prefix), "{line:?}");
    // `-V` is the same.
    let short = common::bin().arg("-V").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&short.stdout), text);

    let repo = common::repo();
    if !repo.join(".git").exists() || !git_available() {
        assert_eq!(line, prefix, "no checkout (or no git): the version alone");
        return;
    }
    // `reflex-django-lsp 0.1.0 (1a2b3c4 2025-11-24)`
    let rest = line[prefix.len()..].trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("no `(commit date)` in {line:?}"));
    let (hash, date) = inner.split_once(' ').unwrap();
    assert!(
        hash.len() >= 7 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{hash:?}"
    );
    let full = git(&repo, &["rev-parse", "--verify", &format!("{hash}^{{commit}}")])
        .unwrap_or_else(|| panic!("{hash} is no commit of this repository"));
    assert_eq!(
        git(
            &repo,
            &[
                "log",
                "-1",
                "--no-show-signature",
                "--date=short",
                "--format=%cd",
                &full
            ]
        )
        .unwrap(),
        date
    );
    let head = git(&repo, &["rev-parse", "HEAD"]).unwrap();
    if std::env::var_os("CI").is_some() {
        // A fresh clone where nobody commits during the run: exactly HEAD.
        assert_eq!(full, head, "the binary was built before HEAD moved");
    } else {
        // In a shared working tree someone may commit between the build and
        // this test; the binary's commit is then an ancestor of HEAD.
        assert!(
            Command::new("git")
                .current_dir(&repo)
                .args(["merge-base", "--is-ancestor", &full, &head])
                .status()
                .unwrap()
                .success(),
            "{full} is not HEAD ({head}) nor an ancestor of it"
        );
    }
}

/// build.rs compiled on its own (it uses only std), in the returned folder.
fn build_script() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("build-script");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let status = Command::new(rustc)
        .args(["--edition", "2021", "-O", "-o"])
        .arg(&exe)
        .arg(common::repo().join("build.rs"))
        .status()
        .expect("run rustc");
    assert!(status.success(), "build.rs does not compile on its own");
    (dir, exe)
}

/// Runs the build script as cargo would for a package in `manifest_dir`
/// and returns its instructions.
fn run_build_script(exe: &Path, manifest_dir: &Path, path_env: Option<&str>) -> Vec<String> {
    let mut cmd = Command::new(exe);
    cmd.current_dir(manifest_dir)
        .env("CARGO_MANIFEST_DIR", manifest_dir)
        .env("CARGO_PKG_VERSION", "9.8.7");
    if let Some(p) = path_env {
        cmd.env("PATH", p);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn long_version(lines: &[String]) -> &str {
    lines
        .iter()
        .find_map(|l| l.strip_prefix("cargo:rustc-env=RDJ_LONG_VERSION="))
        .expect("RDJ_LONG_VERSION is always set")
}

fn scratch_repo(dir: &Path) -> String {
    let run = |args: &[&str]| {
        let ok = Command::new("git")
            .current_dir(dir)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.invalid",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    run(&["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("Cargo.toml"), "[package]\n").unwrap();
    run(&["add", "Cargo.toml"]);
    run(&["commit", "-q", "-m", "one"]);
    git(dir, &["rev-parse", "--short", "HEAD"]).unwrap()
}

#[test]
fn build_script_reads_the_commit_only_from_its_own_checkout() {
    if !git_available() {
        common::skip_or_fail("no git program");
        return;
    }
    let (_dir, exe) = build_script();

    // No `.git` (a source distribution): the version alone, nothing watched
    // but the script itself (a missing watched path would rebuild every time).
    let plain = tempfile::tempdir().unwrap();
    let lines = run_build_script(&exe, plain.path(), None);
    assert_eq!(long_version(&lines), "9.8.7");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("cargo:rerun-if-changed="))
            .collect::<Vec<_>>(),
        ["cargo:rerun-if-changed=build.rs"]
    );
    assert!(!lines.iter().any(|l| l.contains("RDJ_COMMIT_HASH")));

    // Its own checkout: commit and date, and HEAD and the branch's ref watched.
    let checkout = tempfile::tempdir().unwrap();
    let hash = scratch_repo(checkout.path());
    let date = git(checkout.path(), &["log", "-1", "--date=short", "--format=%cd"]).unwrap();
    let lines = run_build_script(&exe, checkout.path(), None);
    assert_eq!(long_version(&lines), format!("9.8.7 ({hash} {date})"));
    let watched: Vec<PathBuf> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("cargo:rerun-if-changed="))
        .map(PathBuf::from)
        .collect();
    let git_dir = checkout.path().join(".git");
    assert!(watched.contains(&git_dir.join("HEAD")), "{watched:?}");
    assert!(watched.contains(&git_dir.join("refs/heads/main")), "{watched:?}");
    assert!(watched.iter().all(|p| p == Path::new("build.rs") || p.exists()));

    // A packed ref: its folder is watched (the loose file comes back there).
    assert!(Command::new("git")
        .current_dir(checkout.path())
        .args(["pack-refs", "--all"])
        .status()
        .unwrap()
        .success());
    let lines = run_build_script(&exe, checkout.path(), None);
    assert_eq!(long_version(&lines), format!("9.8.7 ({hash} {date})"));
    assert!(lines.contains(&format!(
        "cargo:rerun-if-changed={}",
        git_dir.join("refs/heads").display()
    )));
    assert!(lines.contains(&format!(
        "cargo:rerun-if-changed={}",
        git_dir.join("packed-refs").display()
    )));

    // Sources unpacked inside some other repository: not that one's commit.
    let nested = checkout.path().join("vendor/reflex-django-lsp");
    std::fs::create_dir_all(&nested).unwrap();
    let lines = run_build_script(&exe, &nested, None);
    assert_eq!(long_version(&lines), "9.8.7");

    // `.git` there but no git program: the version alone, no failure.
    let lines = run_build_script(&exe, checkout.path(), Some(""));
    assert_eq!(long_version(&lines), "9.8.7");
}

fn toml_file(path: &Path) -> toml::Table {
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn python_package_metadata_follows_cargo_toml() {
    let repo = common::repo();
    let cargo = toml_file(&repo.join("Cargo.toml"));
    let py = toml_file(&repo.join("pyproject.toml"));
    let package = cargo["package"].as_table().unwrap();
    let project = py["project"].as_table().unwrap();

    assert_eq!(py["build-system"]["build-backend"].as_str(), Some("maturin"));
    let requires = py["build-system"]["requires"].as_array().unwrap();
    assert!(requires
        .iter()
        .any(|r| r.as_str().is_some_and(|r| r.starts_with("maturin"))));
    let maturin = py["tool"]["maturin"].as_table().unwrap();
    assert_eq!(
        maturin["bindings"].as_str(),
        Some("bin"),
        "the wheel carries the binary"
    );

    assert_eq!(project["name"].as_str(), package["name"].as_str());
    // The version has one source: maturin takes Cargo.toml's.
    assert!(!project.contains_key("version"));
    assert!(project["dynamic"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v.as_str() == Some("version")));
    assert_eq!(project["description"].as_str(), package["description"].as_str());
    assert_eq!(project["license"]["text"].as_str(), package["license"].as_str());
    assert_eq!(project["readme"].as_str(), package["readme"].as_str());
    for keyword in package["keywords"].as_array().unwrap() {
        assert!(project["keywords"].as_array().unwrap().contains(keyword), "{keyword}");
    }
}

#[test]
fn root_pyproject_is_no_configuration() {
    // The linter reads `[tool.reflex-django-lsp]` from pyproject.toml files;
    // the package's own has none, so the fixtures keep the defaults.
    let path = common::repo().join("pyproject.toml");
    let config = reflex_django_lsp::config::load_config_file(&path, false).unwrap();
    assert!(config.is_none());
    // Nor does it name a Django version (fixes target the detected one).
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(reflex_django_lsp::config::django_version::from_pyproject(&text), None);
}
