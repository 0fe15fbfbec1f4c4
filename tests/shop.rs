//! The bundled example project: `check fixtures/shop` reports exactly the
//! pitfalls planted there, each marked `# expect: RDJxxx` on its line, and
//! nothing on the correct forms next to them.

mod common;

use std::collections::BTreeSet;

#[test]
fn findings_are_exactly_the_planted_pitfalls() {
    let root = common::repo().join("fixtures/shop").canonicalize().unwrap();
    let mut expected = BTreeSet::new();
    for entry in walk(&root) {
        let text = std::fs::read_to_string(&entry).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some((_, codes)) = line.split_once("# expect: ") {
                for code in codes.split(',') {
                    expected.insert((
                        entry.strip_prefix(&root).unwrap().display().to_string(),
                        i + 1,
                        code.trim().to_owned(),
                    ));
                }
            }
        }
    }
    let actual: BTreeSet<_> = common::check_json(&[&root], &[])
        .iter()
        .map(|f| {
            let file = std::path::Path::new(f["filename"].as_str().unwrap());
            (
                file.strip_prefix(&root).unwrap().display().to_string(),
                f["location"]["row"].as_u64().unwrap() as usize,
                f["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        expected.len() >= 17,
        "every rule of SPEC §4 (but RDJ000/RDJ5xx) is planted once"
    );
    assert_eq!(actual, expected);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "py") {
            out.push(p);
        }
    }
    out
}
