//! Issue 13, "What it must show" item 3: RDJ503 keeps its recall on real
//! code. NetBox 4.7.3's models and migrations (its wheel, from
//! `RDJ_REAL_APPLICATIONS`, else `.cache/real-applications`, where `.ci/run`
//! downloads it) get the real changes of `tests/netbox_recall/changes.toml`
//! one at a time: fields and models added, removed and renamed, `max_length`,
//! `null`, `unique`, `db_index`, an index, constraints, a foreign key's
//! target, `db_table`, … Each must be one RDJ503 on the changed line, and
//! the negatives (what NetBox's patched `Field.deconstruct` and
//! `ALTER_OPTION_KEYS` ignore, a reformatted field, a new method) none.
//! NetBox's own `makemigrations --check` agrees on every change
//! (`benches/netbox_recall_django.py`, which needs NetBox's requirements).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Deserialize)]
struct Changes {
    change: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    name: String,
    file: String,
    old: Option<String>,
    new: Option<String>,
    text: Option<String>,
    expect: Vec<Expect>,
}

#[derive(Deserialize)]
struct Expect {
    at: String,
    #[serde(default)]
    offset: i64,
    file: Option<String>,
}

const WHEEL_STEM: &str = "netbox-4.7.3-";
/// The Django version NetBox 4.7.3 pins (what Django deconstructs differs
/// between versions).
const DJANGO: &str = "6.1";

fn wheel() -> Result<PathBuf, String> {
    let dir = std::env::var_os("RDJ_REAL_APPLICATIONS")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo().join(".cache/real-applications"));
    let entries = std::fs::read_dir(&dir).map_err(|_| format!("{} is missing (run `bash .ci/run`)", dir.display()))?;
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with(WHEEL_STEM) && name.ends_with(".whl")
        })
        .ok_or_else(|| format!("no {WHEEL_STEM}*.whl in {} (run `bash .ci/run`)", dir.display()))
}

/// RDJ503's findings on the tree that are not notes: (file relative to
/// `root`, row), sorted, and the lines as shown (for failures).
fn rdj503(root: &Path) -> (Vec<(String, u64)>, Vec<String>) {
    let args = [
        "--no-database",
        "--no-cache",
        "--select",
        "RDJ503",
        "--django-version",
        DJANGO,
    ];
    let canonical = root.canonicalize().unwrap();
    let mut found = Vec::new();
    let mut shown = Vec::new();
    for f in common::check_json(&[root], &args) {
        if f["severity"] == "info" {
            continue;
        }
        let file = PathBuf::from(f["filename"].as_str().unwrap_or_default());
        let rel = file
            .strip_prefix(&canonical)
            .or_else(|_| file.strip_prefix(root))
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| file.display().to_string());
        let row = f["location"]["row"].as_u64().unwrap_or(0);
        shown.push(format!("{rel}:{row} {}", f["message"].as_str().unwrap_or_default()));
        found.push((rel, row));
    }
    found.sort();
    (found, shown)
}

/// The 1-based row of `needle` (which must occur once) in `text`, moved by `offset`.
fn row_of(text: &str, needle: &str, offset: i64, what: &str) -> u64 {
    assert_eq!(text.matches(needle).count(), 1, "{what}: {needle:?} must occur once");
    let at = text.find(needle).unwrap();
    let row = text[..at].matches('\n').count() as i64 + 1 + offset;
    u64::try_from(row).unwrap_or_else(|_| panic!("{what}: offset before the file's start"))
}

#[test]
fn netbox_changes_are_each_reported_on_their_line() {
    let wheel = match wheel() {
        Ok(w) => w,
        Err(why) => return common::skip_or_fail(&why),
    };
    let changes: Changes =
        toml::from_str(&std::fs::read_to_string(common::repo().join("tests/netbox_recall/changes.toml")).unwrap())
            .expect("tests/netbox_recall/changes.toml");
    let positives = changes.change.iter().filter(|c| !c.expect.is_empty()).count();
    assert!(
        positives >= 20,
        "issue 13 asks for at least 20 changes, the list has {positives}"
    );

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::unpack_wheel(&wheel, root);
    let (before, shown) = rdj503(root);
    assert!(
        before.is_empty(),
        "NetBox as released has RDJ503 findings:\n{}",
        shown.join("\n")
    );

    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for change in &changes.change {
        let path = root.join(&change.file);
        let original = std::fs::read_to_string(&path).ok();
        let changed = match (&change.text, &change.old, &change.new, &original) {
            (Some(text), _, _, _) => text.trim_start_matches('\n').to_owned(),
            (None, Some(old), Some(new), Some(text)) => {
                assert_eq!(
                    text.matches(old.as_str()).count(),
                    1,
                    "{}: `old` must occur once",
                    change.name
                );
                text.replace(old.as_str(), new)
            }
            _ => panic!("{}: give `old` and `new` for an existing file, or `text`", change.name),
        };
        std::fs::write(&path, &changed).unwrap();

        let mut expected: Vec<(String, u64)> = change
            .expect
            .iter()
            .map(|e| {
                let file = e.file.clone().unwrap_or_else(|| change.file.clone());
                let text = if file == change.file {
                    changed.clone()
                } else {
                    std::fs::read_to_string(root.join(&file)).unwrap()
                };
                (file, row_of(&text, &e.at, e.offset, &change.name))
            })
            .collect();
        expected.sort();
        let (found, shown) = rdj503(root);

        match &original {
            Some(text) => std::fs::write(&path, text).unwrap(),
            None => std::fs::remove_file(&path).unwrap(),
        }

        let place = |v: &[(String, u64)]| {
            if v.is_empty() {
                "nothing".to_owned()
            } else {
                v.iter().map(|(f, r)| format!("{f}:{r}")).collect::<Vec<_>>().join(", ")
            }
        };
        let ok = found == expected;
        rows.push(format!(
            "  {:<70} {:<45} {}",
            change.name,
            place(&expected),
            match (ok, expected.is_empty()) {
                (true, false) => "found",
                (true, true) => "silent, as Django",
                (false, _) => "MISSED",
            }
        ));
        if !ok {
            failures.push(format!(
                "{}: expected RDJ503 at {}, got {}\n    {}",
                change.name,
                place(&expected),
                place(&found),
                shown.join("\n    ")
            ));
        }
    }
    eprintln!("netbox recall ({} changes):\n{}", changes.change.len(), rows.join("\n"));
    let counted: BTreeMap<bool, usize> = changes.change.iter().fold(BTreeMap::new(), |mut m, c| {
        *m.entry(c.expect.is_empty()).or_default() += 1;
        m
    });
    assert!(
        failures.is_empty(),
        "{} of {} changes ({} positive, {} negative) not reported as expected:\n{}",
        failures.len(),
        changes.change.len(),
        counted.get(&false).unwrap_or(&0),
        counted.get(&true).unwrap_or(&0),
        failures.join("\n")
    );
}
