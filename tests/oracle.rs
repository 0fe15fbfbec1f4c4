//! SPEC §7: real Django decides what is a true finding.
//!
//! `fixtures/oracle/expected.json` is the oracle's record of which line of
//! each case raised `SynchronousOnlyOperation` (or RDJ202's `TypeError`) under
//! asyncio with Django 5.2. `check` must report exactly those lines, case by
//! case: no more, no fewer. The second test re-runs the oracle (when Python
//! with Django is available; always on CI) to prove the record is current.

mod common;
use common::{data_dependent, first_line};

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

#[test]
fn check_agrees_with_the_runtime_oracle() {
    let root = common::repo().join("fixtures/oracle");
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(root.join("expected.json")).unwrap()).unwrap();
    let findings = common::check_json(&[&root], &["--select", "RDJ1,RDJ2"]);

    // (file relative to the corpus root, row) → codes
    let mut found: BTreeMap<(String, usize), Vec<String>> = BTreeMap::new();
    for f in &findings {
        let file = std::path::Path::new(f["filename"].as_str().unwrap());
        let rel = file
            .strip_prefix(root.canonicalize().unwrap())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let row = f["location"]["row"].as_u64().unwrap() as usize;
        found
            .entry((rel, row))
            .or_default()
            .push(f["code"].as_str().unwrap().to_owned());
    }

    let mut sources: BTreeMap<String, String> = BTreeMap::new();
    let mut claimed: BTreeSet<(String, usize)> = BTreeSet::new();
    let (mut agree, mut raising, mut clean, mut dependent) = (0, 0, 0, 0);
    let mut per_area: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();

    for case in expected["cases"].as_array().unwrap() {
        let file = case["file"].as_str().unwrap().to_owned();
        let src = sources
            .entry(file.clone())
            .or_insert_with(|| std::fs::read_to_string(root.join(&file)).unwrap());
        let lines: Vec<&str> = src.lines().collect();
        let start = first_line(&lines, case["start_line"].as_u64().unwrap() as usize);
        let end = case["end_line"].as_u64().unwrap() as usize;
        let got: BTreeSet<usize> = (start..=end)
            .filter(|r| found.contains_key(&(file.clone(), *r)))
            .collect();
        for r in &got {
            claimed.insert((file.clone(), *r));
        }
        let name = format!("{file}::{}", case["function"].as_str().unwrap());
        let area = file
            .rsplit('/')
            .next()
            .unwrap()
            .split('_')
            .next()
            .unwrap()
            .to_uppercase();
        let raised = &case["raised"];

        if data_dependent(&lines, start) {
            dependent += 1;
            if !raised.is_null() {
                failures.push(format!(
                    "{name}: marked data-dependent but raised at line {}",
                    raised["line"]
                ));
            }
            continue;
        }
        let ok = if raised.is_null() {
            clean += 1;
            got.is_empty()
        } else {
            raising += 1;
            let mut acceptable: BTreeSet<(String, usize)> = BTreeSet::new();
            acceptable.insert((file.clone(), raised["line"].as_u64().unwrap() as usize));
            if let Some(origin) = raised.get("origin").filter(|o| !o.is_null()) {
                // Blocking code inside a helper the case calls: reported where it is.
                let key = (
                    origin["file"].as_str().unwrap().to_owned(),
                    origin["line"].as_u64().unwrap() as usize,
                );
                if found.contains_key(&key) {
                    claimed.insert(key.clone());
                }
                acceptable.insert(key);
            }
            let inside_ok = got.iter().all(|r| acceptable.contains(&(file.clone(), *r)));
            let hit = acceptable.iter().any(|k| found.contains_key(k));
            inside_ok && hit
        };
        let entry = per_area.entry(area).or_default();
        entry.0 += 1;
        if ok {
            agree += 1;
            entry.1 += 1;
        } else {
            let want = if raised.is_null() {
                "clean".to_owned()
            } else {
                format!("line {}", raised["line"])
            };
            failures.push(format!("{name}: oracle {want}, check reported lines {got:?}"));
        }
    }
    for (key, codes) in &found {
        if !claimed.contains(key) {
            failures.push(format!(
                "{}:{}: {codes:?} reported outside any case and not where a case raised",
                key.0, key.1
            ));
        }
    }

    let total = raising + clean;
    eprintln!("oracle agreement: {agree}/{total} cases ({raising} raising, {clean} clean); {dependent} data-dependent cases counted apart");
    for (area, (n, ok)) in &per_area {
        eprintln!("  {area}: {ok}/{n}");
    }
    assert!(total >= 300, "the corpus shrank: {total} cases");
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn expected_json_is_what_django_does_now() {
    let python = match common::django_python() {
        Ok(p) => p,
        Err(why) => return common::skip_or_fail(&why),
    };
    let repo = common::repo();
    let out = std::process::Command::new(python)
        .arg(repo.join("tests/oracle/harness.py"))
        .arg(repo.join("fixtures/oracle"))
        .arg("--check")
        .arg(repo.join("fixtures/oracle/expected.json"))
        .output()
        .expect("run the oracle harness");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "the oracle disagrees with expected.json:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
