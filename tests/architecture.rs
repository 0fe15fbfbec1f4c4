//! The house rules of `src/`, checked on the source text (ARCHITECTURE.md
//! says why each holds):
//! - no import cycle between top-level modules, except `checker` ↔ `rules`
//!   (the walker calls the rules' hooks; the rules read the walker's
//!   inference, as ruff's `Checker` and its rules do);
//! - the leaves stay leaves: `registry`, `redact`, `source`, `syntax` and `paths`
//!   name no other module of the crate, `diagnostic` only `registry`, and
//!   `python` (static knowledge of Python) only `syntax`, and `knowledge`
//!   (the tables of what Django and its packages are and do) none;
//! - no source file over 1,000 lines;
//! - every module starts with a `//!` comment saying what it holds (a rule
//!   file's is the doc comment of its `declare_rule!`, ruff's layout, whose
//!   four sections a unit test of `rules` checks).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level module a file of `src/` belongs to (`None` for `lib.rs`
/// and `main.rs`).
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?.to_owned();
    match first.as_str() {
        "lib.rs" | "main.rs" => None,
        _ => Some(first.trim_end_matches(".rs").to_owned()),
    }
}

/// The file's text without its test modules (a test may build a workspace
/// with any module's help; that is no dependency of the code). A test
/// module is `#[cfg(test)]` before `mod name {`, up to its closing brace
/// (counted naively: test code keeps its braces balanced).
fn code_without_tests(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "#[cfg(test)]".len()..];
        let is_module = after.trim_start().starts_with("mod ") || after.trim_start().starts_with("pub mod ");
        let open = after.find('{');
        match open.filter(|_| is_module) {
            Some(open) => {
                let mut depth = 0usize;
                let mut end = after.len();
                for (i, c) in after[open..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = open + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                rest = &after[end..];
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    out
}

/// The modules each top-level module names (`crate::x`, `super::super::x`
/// from a nested file is rare and not followed).
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = src_dir();
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(from) = top_module(&src, file) else { continue };
        let text = std::fs::read_to_string(file).unwrap();
        let code = code_without_tests(&text);
        let code = code.as_str();
        let deps = graph.entry(from.clone()).or_default();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let line_start = code[..at].rfind('\n').map_or(0, |i| i + 1);
            let in_comment = code[line_start..at].contains("//");
            if !name.is_empty() && name != from && !in_comment {
                deps.insert(name);
            }
        }
    }
    graph
}

fn reaches(graph: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_owned()];
    while let Some(m) = todo.pop() {
        for next in graph.get(&m).into_iter().flatten() {
            if next == to {
                return true;
            }
            if seen.insert(next.clone()) {
                todo.push(next.clone());
            }
        }
    }
    false
}

#[test]
fn no_import_cycle_between_modules_but_checker_and_rules() {
    let graph = module_graph();
    // The one allowed cycle is taken out before looking for others.
    let mut without_allowed = graph.clone();
    without_allowed.get_mut("rules").unwrap().remove("checker");
    let mut cycles = BTreeSet::new();
    for (from, deps) in &without_allowed {
        for to in deps {
            if reaches(&without_allowed, to, from) {
                let (a, b) = if from < to { (from, to) } else { (to, from) };
                cycles.insert(format!("{a} <-> {b}"));
            }
        }
    }
    let cycles: Vec<String> = cycles.into_iter().collect();
    assert!(
        cycles.is_empty(),
        "import cycles between top-level modules:\n{}",
        cycles.join("\n")
    );
}

/// The ground modules and the only modules each may name.
const GROUND: &[(&str, &[&str])] = &[
    ("registry", &[]),
    ("redact", &[]),
    ("source", &[]),
    ("syntax", &[]),
    ("paths", &[]),
    ("diagnostic", &["registry"]),
    ("python", &["syntax"]),
    ("knowledge", &[]),
];

#[test]
fn leaves_stay_leaves() {
    let graph = module_graph();
    for (module, allowed) in GROUND {
        let named: Vec<_> = graph
            .get(*module)
            .into_iter()
            .flatten()
            .filter(|m| !allowed.contains(&m.as_str()))
            .collect();
        assert!(
            named.is_empty(),
            "`{module}` may name only {allowed:?} but names {named:?}"
        );
    }
}

#[test]
fn no_source_file_over_1000_lines() {
    let src = src_dir();
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let long: Vec<String> = files
        .iter()
        .map(|f| (f, std::fs::read_to_string(f).unwrap().lines().count()))
        .filter(|(_, n)| *n > 1000)
        .map(|(f, n)| format!("{} ({n} lines)", f.strip_prefix(&src).unwrap().display()))
        .collect();
    assert!(long.is_empty(), "files over 1,000 lines:\n{}", long.join("\n"));
}

#[test]
fn every_module_says_what_it_holds() {
    let src = src_dir();
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let silent: Vec<String> = files
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| n != "main.rs"))
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let is_rule_file = text.contains("declare_rule! {");
            !text.trim_start().starts_with("//!") && !is_rule_file
        })
        .map(|f| f.strip_prefix(&src).unwrap().display().to_string())
        .collect();
    assert!(
        silent.is_empty(),
        "modules without a first `//!` comment:\n{}",
        silent.join("\n")
    );
}
