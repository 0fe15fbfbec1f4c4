//! No false RDJ5xx finding on released Django applications
//! (tests/real_applications.txt): their models match their migrations, so
//! `check --no-database --select RDJ5` must find nothing, on the Django
//! version each runs on. The archives come from `RDJ_REAL_APPLICATIONS`
//! (else `.cache/real-applications`); `.ci/run` downloads them.
//!
//! The other rules (RDJ1xx–4xx) on the same applications: every finding is
//! one that was read in the application's code and judged true, with the
//! reason (tests/real_applications_reviewed.txt), no more, no fewer.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

/// One line of the list: the requirement, and the Django version its
/// comment names (`# django 4.2: …`).
struct Application {
    requirement: String,
    django: String,
}

fn listed() -> Vec<Application> {
    let list = std::fs::read_to_string(common::repo().join("tests/real_applications.txt")).unwrap();
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (requirement, comment) = line.split_once('#').unwrap_or((line, ""));
            let django = comment
                .trim()
                .strip_prefix("django ")
                .and_then(|rest| rest.split([':', ' ']).next())
                .unwrap_or_else(|| panic!("{line}: the comment must start with `django X.Y`"))
                .to_owned();
            Application {
                requirement: requirement.trim().to_owned(),
                django,
            }
        })
        .collect()
}

/// Each listed application with its archive.
fn archives() -> Result<Vec<(Application, PathBuf)>, String> {
    let dir = std::env::var_os("RDJ_REAL_APPLICATIONS")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo().join(".cache/real-applications"));
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|_| format!("{} is missing (run `bash .ci/run`)", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    let mut out = Vec::new();
    for app in listed() {
        let stem = format!("{}-", app.requirement.replace("==", "-"));
        let archive = files
            .iter()
            .find(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                name.starts_with(&stem) && name.ends_with(".whl")
            })
            .ok_or_else(|| {
                format!(
                    "{} is not downloaded into {} (run `bash .ci/run`)",
                    app.requirement,
                    dir.display()
                )
            })?
            .clone();
        out.push((app, archive));
    }
    Ok(out)
}

#[test]
fn released_django_applications_have_no_schema_findings() {
    let applications = match archives() {
        Ok(a) => a,
        Err(why) => return common::skip_or_fail(&why),
    };
    assert!(applications.len() >= 5, "{}", applications.len());
    let mut findings = Vec::new();
    let mut tables = 0;
    for (app, wheel) in &applications {
        let dir = tempfile::tempdir().unwrap();
        common::unpack_wheel(wheel, dir.path());
        let root = dir.path();
        let version = ["--django-version", app.django.as_str()];
        let args = [&["--no-database", "--no-cache", "--select", "RDJ5"][..], &version[..]].concat();
        for f in common::check_json(&[root], &args)
            .into_iter()
            .filter(|f| f["severity"] != "info")
        {
            findings.push(format!(
                "{}: {} {}:{} {}",
                app.requirement, f["code"], f["filename"], f["location"]["row"], f["message"]
            ));
        }
        tables += common::schema_table_count(root);
    }
    assert!(
        findings.is_empty(),
        "schema findings on released applications:\n{}",
        findings.join("\n")
    );
    // The schema checks did read them: models compared with migrations.
    eprintln!(
        "{} applications, {tables} tables derived from their models",
        applications.len()
    );
    assert!(
        tables >= 350,
        "only {tables} tables derived from the applications' models"
    );
}

/// `application | file:line | rule` of each reviewed finding.
fn reviewed() -> BTreeSet<String> {
    let list = std::fs::read_to_string(common::repo().join("tests/real_applications_reviewed.txt")).unwrap();
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let parts: Vec<&str> = line.split(" | ").collect();
            // A false finding is fixed in the checker, not listed.
            assert!(
                parts.len() == 4 && parts[3].starts_with("true: ") && parts[3].len() > "true: ".len(),
                "{line}: expected `application | file:line | rule | true: reason`"
            );
            parts[..3].join(" | ")
        })
        .collect()
}

#[test]
fn released_django_applications_have_only_reviewed_findings() {
    let applications = match archives() {
        Ok(a) => a,
        Err(why) => return common::skip_or_fail(&why),
    };
    let mut found = BTreeSet::new();
    for (app, wheel) in &applications {
        let dir = tempfile::tempdir().unwrap();
        common::unpack_wheel(wheel, dir.path());
        let root = dir.path().canonicalize().unwrap();
        let args = [
            "--no-cache",
            "--ignore",
            "RDJ5",
            "--django-version",
            app.django.as_str(),
        ];
        for f in common::check_json(&[&root], &args) {
            let file = f["filename"].as_str().unwrap_or_default();
            let file = std::path::Path::new(file)
                .strip_prefix(&root)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| file.to_owned());
            found.insert(format!(
                "{} | {file}:{} | {}",
                app.requirement,
                f["location"]["row"],
                f["code"].as_str().unwrap_or_default()
            ));
        }
    }
    let reviewed = reviewed();
    let new: Vec<&String> = found.difference(&reviewed).collect();
    let gone: Vec<&String> = reviewed.difference(&found).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "findings not reviewed (read the code, then list each that is true in \
         tests/real_applications_reviewed.txt with why; fix the checker for a false one):\n{}\n\
         reviewed findings no longer found (remove their lines):\n{}",
        new.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"),
        gone.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"),
    );
    eprintln!("{} applications, {} reviewed findings", applications.len(), found.len());
}
