//! The result cache of `check` (CLI layer; the analysis core does no I/O).
//!
//! A run's findings depend on the whole workspace (models, helpers and states
//! resolve across files), so one entry covers a whole run: its key hashes the
//! binary, every checked file's resolved options, and the path, modification
//! time and size of every indexed file. A warm run therefore only walks and
//! `stat`s — it reads and parses nothing — and any change anywhere makes the
//! next run a cold one, which can never serve a stale finding.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::diagnostic::{Applicability, Edit, Finding, Fix, Severity};
use crate::registry::Rule;

const VERSION: &str = "v1";
const KEEP: usize = 8;

/// Where cache entries live (`.reflex-django-lsp-cache` in the project root).
pub struct Cache {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    files: Vec<CachedFile>,
    /// Files whose absence the result depends on (a configured SQLite
    /// database not created yet): the entry is stale once one exists.
    #[serde(default)]
    absent: Vec<PathBuf>,
}

#[derive(Serialize, Deserialize)]
pub struct CachedFile {
    pub path: PathBuf,
    findings: Vec<CachedFinding>,
}

#[derive(Serialize, Deserialize)]
struct CachedFinding {
    code: String,
    message: String,
    start: usize,
    end: usize,
    severity: Severity,
    fix: Option<CachedFix>,
}

#[derive(Serialize, Deserialize)]
struct CachedFix {
    applicability: Applicability,
    message: String,
    edits: Vec<(usize, usize, String)>,
}

impl CachedFile {
    pub fn new(path: &Path, findings: &[Finding]) -> CachedFile {
        let findings = findings
            .iter()
            .map(|f| CachedFinding {
                code: f.rule.code().to_owned(),
                message: f.message.clone(),
                start: f.range.start,
                end: f.range.end,
                severity: f.severity,
                fix: f.fix.as_ref().map(|fix| CachedFix {
                    applicability: fix.applicability,
                    message: fix.message.clone(),
                    edits: fix
                        .edits
                        .iter()
                        .map(|e| (e.range.start, e.range.end, e.content.clone()))
                        .collect(),
                }),
            })
            .collect();
        CachedFile {
            path: path.to_path_buf(),
            findings,
        }
    }

    /// The findings again; `None` if a rule code is unknown to this binary.
    pub fn findings(&self) -> Option<Vec<Finding>> {
        self.findings
            .iter()
            .map(|f| {
                Some(Finding {
                    rule: Rule::from_code(&f.code)?,
                    message: f.message.clone(),
                    range: f.start..f.end,
                    severity: f.severity,
                    fix: f.fix.as_ref().map(|fix| Fix {
                        applicability: fix.applicability,
                        message: fix.message.clone(),
                        edits: fix
                            .edits
                            .iter()
                            .map(|(s, e, c)| Edit {
                                range: *s..*e,
                                content: c.clone(),
                            })
                            .collect(),
                    }),
                })
            })
            .collect()
    }

    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

fn stamp(path: &Path) -> Option<(u128, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
    Some((mtime, meta.len()))
}

/// A file modified this recently may change again within the same
/// timestamp tick without its stamp changing ("racily clean", as git says):
/// such a run is not cached.
const RACY_NANOS: u128 = 2_000_000_000;

/// The key of a run: `None` when some file cannot be `stat`ed, or changed
/// too recently to be trusted (no caching then).
pub fn key(indexed: &[PathBuf], checked: &[(PathBuf, u64)]) -> Option<u64> {
    let now = std::time::SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_nanos();
    let stamps: Vec<Option<(u128, u64)>> = indexed.par_iter().map(|p| stamp(p)).collect();
    if stamps
        .iter()
        .any(|s| !s.is_some_and(|(mtime, _)| now.saturating_sub(mtime) >= RACY_NANOS))
    {
        return None;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (VERSION, env!("CARGO_PKG_VERSION")).hash(&mut h);
    let exe = std::env::current_exe().ok()?;
    (exe.as_path(), stamp(&exe)?).hash(&mut h);
    for (path, s) in indexed.iter().zip(stamps) {
        (path, s?).hash(&mut h);
    }
    checked.hash(&mut h);
    Some(h.finish())
}

impl Cache {
    pub fn at(dir: PathBuf) -> Cache {
        Cache { dir }
    }

    fn entry_path(&self, key: u64) -> PathBuf {
        self.dir.join(VERSION).join(format!("{key:016x}.json"))
    }

    pub fn load(&self, key: u64) -> Option<Vec<CachedFile>> {
        let bytes = std::fs::read(self.entry_path(key)).ok()?;
        let entry = serde_json::from_slice::<Entry>(&bytes).ok()?;
        if entry.absent.iter().any(|p| p.exists()) {
            return None;
        }
        Some(entry.files)
    }

    /// Best effort: a cache that cannot be written is no error.
    pub fn store(&self, key: u64, files: Vec<CachedFile>, absent: Vec<PathBuf>) {
        let _ = self.try_store(key, files, absent);
    }

    fn try_store(&self, key: u64, files: Vec<CachedFile>, absent: Vec<PathBuf>) -> std::io::Result<()> {
        let dir = self.dir.join(VERSION);
        std::fs::create_dir_all(&dir)?;
        let tag = self.dir.join("CACHEDIR.TAG");
        if !tag.exists() {
            std::fs::write(
                &tag,
                "Signature: 8a477f597d28d172789f06886806bc55\n# reflex-django-lsp's cache.\n",
            )?;
            std::fs::write(self.dir.join(".gitignore"), "# Created by reflex-django-lsp.\n*\n")?;
        }
        let json = serde_json::to_vec(&Entry { files, absent }).map_err(std::io::Error::other)?;
        let path = self.entry_path(key);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, &path)?;
        // Keep the newest few entries (other workspaces, other options).
        let mut entries: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&dir)?
            .filter_map(|e| e.ok())
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        entries.sort();
        let excess = entries.len().saturating_sub(KEEP);
        for (_, old) in entries.into_iter().take(excess) {
            let _ = std::fs::remove_file(old);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_survive_the_round_trip() {
        let mut f = Finding::new(Rule::RDJ101, "`X.objects.get()` blocks", 3..9);
        f.severity = Severity::Warning;
        f.fix = Some(Fix {
            applicability: Applicability::Safe,
            message: "Use aget".into(),
            edits: vec![Edit {
                range: 3..8,
                content: "await X.objects.aget(".into(),
            }],
        });
        let cached = CachedFile::new(Path::new("/p/a.py"), std::slice::from_ref(&f));
        let json = serde_json::to_vec(&Entry {
            files: vec![cached],
            absent: Vec::new(),
        })
        .unwrap();
        let back: Entry = serde_json::from_slice(&json).unwrap();
        assert_eq!(back.files[0].findings().unwrap(), vec![f]);
    }
}
