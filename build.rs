//! Puts the git commit into `--version` when the binary is built from a
//! checkout of this repository: `RDJ_LONG_VERSION` is `0.1.0 (1a2b3c4d5 2025-11-24)`
//! (short commit hash and commit date), or just `0.1.0` without git, without
//! `.git` (a source distribution, a crate package) or when the checkout
//! around the sources is some other repository's.
//!
//! Cargo re-runs this script when HEAD moves: on `.git/HEAD` (another
//! branch) and on the branch's ref (a commit), loose or packed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let long = match commit(&manifest_dir) {
        Some((hash, date)) => {
            println!("cargo:rustc-env=RDJ_COMMIT_HASH={hash}");
            format!("{version} ({hash} {date})")
        }
        None => version,
    };
    println!("cargo:rustc-env=RDJ_LONG_VERSION={long}");
}

/// Output of `git ARGS` run in `dir`, trimmed; `None` if git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").current_dir(dir).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The short hash and the date (`YYYY-MM-DD`) of HEAD's commit.
fn commit(dir: &Path) -> Option<(String, String)> {
    // Only this repository's own checkout: the sources unpacked inside some
    // other git repository (a vendored copy) must not take its commit.
    if !dir.join(".git").exists() {
        return None;
    }
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let same = match (Path::new(&top).canonicalize(), dir.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same {
        return None;
    }
    watch(dir);
    let line = git(
        dir,
        &["log", "-1", "--no-show-signature", "--date=short", "--format=%h %cd"],
    )?;
    let (hash, date) = line.split_once(' ')?;
    Some((hash.to_owned(), date.to_owned()))
}

/// `rerun-if-changed` on what moves when HEAD does. Only existing paths:
/// cargo re-runs the script on every build for a missing one.
fn watch(dir: &Path) {
    let git_path = |p: &str| git(dir, &["rev-parse", "--git-path", p]).map(|r| dir.join(r));
    let mut paths: Vec<PathBuf> = Vec::new();
    paths.extend(git_path("HEAD"));
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        // The loose ref (written on each commit) or, when it is packed, its
        // folder (the loose file appears there on the next commit).
        if let Some(loose) = git_path(&branch) {
            if loose.exists() {
                paths.push(loose);
            } else if let Some(parent) = loose.parent() {
                paths.push(parent.to_path_buf());
            }
        }
        paths.extend(git_path("packed-refs"));
    }
    for p in paths.into_iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", p.display());
    }
}
