//! `rule`, `--version`, `--help`, and the subcommands that are not there yet.

mod cli_support;

use cli_support::run;

#[test]
fn rule_prints_the_documentation() {
    let out = run(&["rule", "RDJ101"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("# blocking-queryset-call (RDJ101)\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Default severity: error"));
    for section in ["## What it does", "## Why is this bad?", "## Example", "## Fix"] {
        assert!(
            out.stdout.contains(&format!("\n{section}\n")),
            "{section}: {}",
            out.stdout
        );
    }
    // Lower case codes work too.
    assert_eq!(run(&["rule", "rdj201"]).code, 0);
}

#[test]
fn rule_all_prints_every_rule() {
    let out = run(&["rule", "--all"]);
    assert_eq!(out.code, 0);
    for code in [
        "RDJ000", "RDJ101", "RDJ108", "RDJ201", "RDJ301", "RDJ401", "RDJ601", "RDJ604",
    ] {
        assert!(out.stdout.contains(&format!("({code})")), "{code}");
    }
}

#[test]
fn rule_json() {
    let out = run(&["rule", "--all", "--output-format", "json"]);
    assert_eq!(out.code, 0);
    let json = out.json();
    let rules = json.as_array().unwrap();
    assert!(rules.len() >= 18);
    for r in rules {
        let mut keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, vec!["code", "doc", "name", "severity", "url"]);
        assert!(["error", "warning", "info"].contains(&r["severity"].as_str().unwrap()));
        assert!(r["doc"].as_str().unwrap().starts_with("## What it does"));
    }
    let one = run(&["rule", "RDJ604", "--output-format", "json"]).json();
    assert_eq!(one[0]["code"], "RDJ604");
    assert_eq!(one[0]["name"], "related-field-without-join");
}

#[test]
fn rule_errors() {
    run(&["rule", "RDJ999"]).assert_error("unknown rule code \"RDJ999\"");
    run(&["rule", "RDJ1O4"]).assert_error(
        "error: unknown rule code \"RDJ1O4\"; did you mean \"RDJ104\" (lazy-relation-access)? `reflex-django-lsp rule --all` lists them",
    );
    run(&["rule", "pandas"]).assert_error("unknown rule code \"pandas\"; `reflex-django-lsp rule --all`");
    // A rule's name works as well as its code.
    let by_name = run(&["rule", "lazy-relation-access"]);
    assert_eq!(by_name.code, 0);
    assert_eq!(by_name.stdout, run(&["rule", "RDJ104"]).stdout);
    assert_eq!(run(&["rule"]).code, 2);
    assert_eq!(run(&["rule", "RDJ101", "--all"]).code, 2);
}

#[test]
fn version_and_help() {
    let out = run(&["--version"]);
    assert_eq!(out.code, 0);
    // `reflex-django-lsp 0.1.0`, with `(<commit> <date>)` from a checkout.
    let version = format!("reflex-django-lsp {}", env!("CARGO_PKG_VERSION"));
    let shown = out.stdout.trim();
    assert!(
        shown == version || shown.starts_with(&format!("{version} (")),
        "{shown}"
    );
    let out = run(&["--help"]);
    assert_eq!(out.code, 0);
    for cmd in ["check", "rule", "server", "schema"] {
        assert!(out.stdout.contains(cmd), "{cmd}");
    }
    let out = run(&["check", "--help"]);
    assert_eq!(out.code, 0);
    for flag in [
        "--output-format",
        "--fix",
        "--unsafe-fixes",
        "--diff",
        "--select",
        "--ignore",
        "--extend-select",
        "--statistics",
        "--exit-zero",
        "--config",
        "--database-url",
        "--no-database",
        "--django-version",
        "--stdin-filename",
    ] {
        assert!(out.stdout.contains(flag), "{flag}");
    }
}

#[test]
fn no_arguments_is_a_usage_error() {
    let out = run(&[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("Usage"));
}

#[test]
fn server_ends_when_its_input_ends() {
    // No client (stdin closed at once): the server stops, without a panic,
    // and like rust-analyzer says so with code 1 (no `shutdown` came).
    let out = run(&["server"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn server_config_option_must_name_a_usable_file() {
    let out = run(&["server", "--config", "no-such-config.toml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("no-such-config.toml"), "{}", out.stderr);
}

#[test]
fn schema_outside_a_django_project() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tool.py"), "import os\n").unwrap();
    let out = run(&["schema", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("No Django project found"), "{}", out.stdout);
    run(&["schema", "no/such/folder"]).assert_error("not a folder");
}
