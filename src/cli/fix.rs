//! `check --fix` / `--diff`: apply fixes in passes until nothing more applies.
//!
//! Each pass analyses the workspace with the texts fixed so far (fixes can
//! enable others, and a fix may make another finding disappear), applies the
//! allowed fixes of every file, and keeps a file's result only if it parses
//! no worse than before. Files are written only at the end.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::config::settings::SettingsResolver;
use crate::fix::{self, FixMode, Pass, MAX_PASSES};
use crate::output::{FileReport, FixTable};
use crate::workspace::Source;

pub struct FixOutcome {
    /// The findings left after fixing (what the report shows).
    pub remaining: Vec<FileReport>,
    /// Path → (original text, fixed text), for files that changed.
    pub changed: BTreeMap<PathBuf, (String, String)>,
    /// The fixes applied, per file and rule.
    pub fixed: FixTable,
    /// Files whose fixes were dropped because the result did not parse.
    pub dropped: Vec<PathBuf>,
}

pub fn run(
    resolver: &SettingsResolver,
    sources: &[Source],
    cli_unsafe: bool,
    analyse: impl Fn(Vec<Source>) -> Vec<FileReport>,
) -> FixOutcome {
    let mut current: HashMap<PathBuf, String> = HashMap::new();
    let mut originals: HashMap<PathBuf, String> = HashMap::new();
    let mut fixed = FixTable::new();
    let mut dropped = Vec::new();
    let with_current = |current: &HashMap<PathBuf, String>| -> Vec<Source> {
        sources
            .iter()
            .map(|s| Source {
                path: s.path.clone(),
                contents: current
                    .get(&s.path)
                    .map(|t| t.clone().into_bytes())
                    .or_else(|| s.contents.clone()),
            })
            .collect()
    };
    let mut reports = analyse(with_current(&current));
    for _ in 0..MAX_PASSES {
        let mut changed = false;
        for r in &reports {
            let settings = resolver.for_file(&r.path);
            let mode = if cli_unsafe || settings.unsafe_fixes {
                FixMode::SafeAndUnsafe
            } else {
                FixMode::Safe
            };
            let applied = match fix::pass(&r.text, &r.findings, mode) {
                Pass::Unchanged => continue,
                Pass::Dropped => {
                    if !dropped.contains(&r.path) {
                        dropped.push(r.path.clone());
                    }
                    continue;
                }
                Pass::Fixed(applied) => applied,
            };
            originals.entry(r.path.clone()).or_insert_with(|| r.text.to_string());
            current.insert(r.path.clone(), applied.text);
            let per_rule = fixed.entry(r.path.clone()).or_default();
            for rule in &applied.rules {
                *per_rule.entry(*rule).or_default() += 1;
            }
            changed = true;
        }
        if !changed {
            break;
        }
        reports = analyse(with_current(&current));
    }
    let changed = current
        .into_iter()
        .filter_map(|(path, text)| {
            let original = originals.remove(&path)?;
            (original != text).then_some((path, (original, text)))
        })
        .collect();
    FixOutcome {
        remaining: reports,
        changed,
        fixed,
        dropped,
    }
}

/// Writes a fixed file, keeping a UTF-8 BOM the original had.
pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    let had_bom = std::fs::read(path)
        .map(|b| b.starts_with(&[0xEF, 0xBB, 0xBF]))
        .unwrap_or(false);
    let mut bytes = Vec::with_capacity(text.len() + 3);
    if had_bom {
        bytes.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
    }
    bytes.extend_from_slice(text.as_bytes());
    std::fs::write(path, bytes)
}

/// How long the diff of one file may search for the smallest diff; after
/// that it settles for a larger one (still correct). Myers' algorithm takes
/// time in the product of the size and the changes, and a fix can change
/// every function of a large file (RDJ401's).
const DIFF_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// A unified diff of one file, ruff's `--diff` style.
pub fn unified_diff(path: &str, original: &str, fixed: &str) -> String {
    similar::TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_lines(original, fixed)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}
