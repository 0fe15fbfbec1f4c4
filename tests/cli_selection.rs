//! Rule selection (`--select`, `--ignore`, `--extend-select`), `--exit-zero`
//! and the exit codes 0 / 1 / 2.

mod cli_support;

use cli_support::{Project, CLEAN};

/// `shop`: one RDJ101 finding.
fn project() -> Project {
    Project::shop()
}

#[test]
fn exit_code_is_1_with_findings_and_0_without() {
    let p = project();
    assert_eq!(p.run(&["check"]).code, 1);
    p.write("shop/states.py", CLEAN);
    let out = p.run(&["check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn exit_zero_reports_but_exits_0() {
    let p = project();
    let out = p.run(&["check", "--exit-zero", "--output-format", "concise"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("RDJ101"), "{}", out.stdout);
}

#[test]
fn select_by_code_and_by_prefix() {
    let p = project();
    let json = |args: &[&str]| {
        let mut all = vec!["check", "--output-format", "json"];
        all.extend_from_slice(args);
        p.run(&all)
    };
    assert_eq!(json(&["--select", "RDJ101"]).codes(), vec!["RDJ101"]);
    assert_eq!(json(&["--select", "RDJ1"]).codes(), vec!["RDJ101"]);
    assert_eq!(json(&["--select", "RDJ"]).codes(), vec!["RDJ101"]);
    assert_eq!(json(&["--select", "ALL"]).codes(), vec!["RDJ101"]);
    assert_eq!(json(&["--select", "rdj101"]).codes(), vec!["RDJ101"]);
    let out = json(&["--select", "RDJ2"]);
    assert_eq!(out.code, 0);
    assert!(out.codes().is_empty());
    // Comma-separated and repeated flags add up.
    assert_eq!(json(&["--select", "RDJ2,RDJ101"]).codes(), vec!["RDJ101"]);
    assert_eq!(
        json(&["--select", "RDJ2", "--select", "RDJ101"]).codes(),
        vec!["RDJ101"]
    );
}

#[test]
fn ignore_and_extend_select() {
    let p = project();
    let run = |args: &[&str]| {
        let mut all = vec!["check", "--output-format", "json"];
        all.extend_from_slice(args);
        p.run(&all)
    };
    let out = run(&["--ignore", "RDJ101"]);
    assert_eq!(out.code, 0);
    assert!(out.codes().is_empty());
    assert!(run(&["--ignore", "RDJ1"]).codes().is_empty());
    // More specific wins: ignore the family, bring one rule back.
    assert_eq!(
        run(&["--ignore", "RDJ1", "--extend-select", "RDJ101"]).codes(),
        vec!["RDJ101"]
    );
    // extend-select on top of a select.
    assert_eq!(
        run(&["--select", "RDJ2", "--extend-select", "RDJ101"]).codes(),
        vec!["RDJ101"]
    );
    // ignore beats select at equal specificity.
    assert!(run(&["--select", "RDJ101", "--ignore", "RDJ101"]).codes().is_empty());
}

#[test]
fn unknown_codes_are_usage_errors() {
    let p = project();
    p.run(&["check", "--select", "RDJ999"])
        .assert_error("--select: unknown rule code or prefix \"RDJ999\"");
    p.run(&["check", "--ignore", "E501"])
        .assert_error("--ignore: unknown rule code or prefix \"E501\"");
    p.run(&["check", "--extend-select", "RDJ1,XYZ"])
        .assert_error("--extend-select: unknown rule code or prefix \"XYZ\"");
}

#[test]
fn a_misspelled_code_or_name_gets_a_suggestion() {
    let p = project();
    p.run(&["check", "--select", "RDJ1O1"]).assert_error(
        "error: --select: unknown rule code or prefix \"RDJ1O1\"; did you mean \"RDJ101\" (blocking-queryset-call)? `reflex-django-lsp rule --all` lists the rules",
    );
    p.run(&["check", "--ignore", "blocking-querset-call"])
        .assert_error("did you mean \"RDJ101\" (blocking-queryset-call)?");
    p.run(&["check", "--extend-select", "RJD1"])
        .assert_error("unknown rule code or prefix \"RJD1\"; did you mean \"RDJ1\"?");
    // Nothing close: no guess.
    let out = p.run(&["check", "--ignore", "E501"]);
    out.assert_error("\"E501\"; `reflex-django-lsp rule --all`");
}

#[test]
fn usage_errors_exit_2() {
    let p = project();
    let out = p.run(&["check", "--output-format", "xml"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("xml"));
    let out = p.run(&["check", "--no-such-flag"]);
    assert_eq!(out.code, 2);
    p.run(&["check", "--django-version", "5"])
        .assert_error("--django-version: invalid version \"5\"");
    p.run(&["check", "--django-version", "five.two"])
        .assert_error("expected X.Y");
}

#[test]
fn valid_django_version_and_no_database_are_accepted() {
    let p = project();
    let out = p.run(&[
        "check",
        "--django-version",
        "4.2",
        "--no-database",
        "--output-format",
        "concise",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
}

#[test]
fn a_database_url_outside_a_django_project_changes_nothing() {
    // No Django project, so no schema checks: the other findings as ever,
    // and the password nowhere.
    let p = project();
    let out = p.run(&[
        "check",
        "--output-format",
        "json",
        "--database-url",
        "postgres://u:hunter2@127.0.0.1:1/db",
    ]);
    assert_eq!(out.codes(), vec!["RDJ101"]);
    assert!(!out.stderr.contains("hunter2") && !out.stdout.contains("hunter2"));
}

#[test]
fn the_last_output_format_wins() {
    let p = project();
    let out = p.run(&["check", "--output-format", "full", "--output-format", "json"]);
    assert_eq!(out.codes(), vec!["RDJ101"]);
}
