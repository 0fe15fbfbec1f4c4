//! No false finding on real, correct code: the reflex-django 4.0.3 package
//! (CR-only and CRLF line endings, UTF-8 BOMs, sync ORM code correctly wrapped
//! in `sync_to_async`). `.ci/run` downloads the wheel; the test unpacks it to
//! a temporary folder.

mod common;

use std::path::PathBuf;

fn wheel() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RDJ_REFLEX_DJANGO_WHEEL") {
        return Some(PathBuf::from(p));
    }
    let dir = common::repo().join(".cache/wheels");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("reflex_django-4.0.3-") && n.ends_with(".whl"))
        })
}

#[test]
fn reflex_django_package_has_no_false_findings() {
    let Some(wheel) = wheel() else {
        return common::skip_or_fail("the reflex-django 4.0.3 wheel is not downloaded (run `bash .ci/run`)");
    };
    let dir = tempfile::tempdir().unwrap();
    common::unpack_wheel(&wheel, dir.path());
    let pkg = dir.path().join("reflex_django");
    assert!(pkg.join("__init__.py").exists());

    let findings = common::check_json(&[&pkg], &[]);
    let listed: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {}:{} {}",
                f["code"], f["filename"], f["location"]["row"], f["message"]
            )
        })
        .collect();
    assert!(
        !listed.iter().any(|l| l.contains("RDJ000")),
        "a file could not be decoded: {listed:#?}"
    );
    // Every finding on this package would be a false positive (its ORM use
    // is wrapped correctly); a true positive found later must be listed here
    // with its reason.
    assert!(listed.is_empty(), "findings on correct code:\n{}", listed.join("\n"));

    // The analysis does reach this code: unwrap one `sync_to_async` call (in a
    // CRLF file) and the blocking query is found on that line.
    let file = pkg.join("auth/mixins/registration.py");
    let original = std::fs::read(&file).unwrap();
    let needle: &[u8] = b"if await sync_to_async(_username_exists)():";
    let at = original
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the wrapped call is in the file");
    let mut mutated = original[..at].to_vec();
    mutated.extend_from_slice(b"if user_model.objects.filter(username=username).exists():");
    mutated.extend_from_slice(&original[at + needle.len()..]);
    std::fs::write(&file, &mutated).unwrap();
    let row = 1 + original[..at].iter().filter(|b| **b == b'\n').count();

    let findings = common::check_json(&[&pkg], &[]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["code"], "RDJ101");
    assert_eq!(findings[0]["location"]["row"].as_u64().unwrap() as usize, row);
}

#[test]
fn released_django_packages_have_no_findings() {
    // Their models match their migrations (their own makemigrations says
    // "No changes detected") and their async ORM use is correct: every
    // finding would be a false one. Static checks only (--no-database).
    let packages = match common::real_packages() {
        Ok(p) => p,
        Err(why) => return common::skip_or_fail(&why),
    };
    assert!(packages.len() >= 40, "{}", packages.len());
    let mut findings = Vec::new();
    let mut tables = 0;
    for (req, archive) in &packages {
        let dir = tempfile::tempdir().unwrap();
        common::unpack_archive(archive, dir.path());
        let root = dir.path();
        for f in common::check_json(&[root], &["--no-database", "--no-cache"]) {
            findings.push(format!(
                "{req}: {} {}:{} {}",
                f["code"], f["filename"], f["location"]["row"], f["message"]
            ));
        }
        tables += common::schema_table_count(root);
    }
    assert!(
        findings.is_empty(),
        "findings on released packages:\n{}",
        findings.join("\n")
    );
    // The schema checks did read them: models compared with migrations.
    eprintln!("{} packages, {tables} tables derived from their models", packages.len());
    assert!(tables >= 300, "only {tables} tables derived from the packages' models");
}
