//! Configuration files (SPEC §3): discovery, nearest-wins, `--config`, every
//! key's effect that `check` can show today, and every kind of error message.

mod cli_support;

use cli_support::{Project, STATES};

fn codes(p: &Project, args: &[&str]) -> Vec<String> {
    let mut all = vec!["check", "--output-format", "json"];
    all.extend_from_slice(args);
    let out = p.run(&all);
    assert!(out.code == 0 || out.code == 1, "code {}: {}", out.code, out.stderr);
    out.codes()
}

/// `(relative path, code)` of each finding.
fn located(p: &Project, args: &[&str]) -> Vec<(String, String)> {
    let mut all = vec!["check", "--output-format", "json"];
    all.extend_from_slice(args);
    let out = p.run(&all);
    let root = p.root().canonicalize().unwrap();
    out.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = std::path::PathBuf::from(f["filename"].as_str().unwrap());
            let file = file.canonicalize().unwrap_or(file);
            let rel = file.strip_prefix(&root).unwrap_or(&file).to_string_lossy().into_owned();
            (rel, f["code"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn pyproject_section_is_read() {
    let p = Project::shop();
    p.write(
        "pyproject.toml",
        "[project]\nname = \"shop\"\n\n[tool.reflex-django-lsp]\nignore = [\"RDJ101\"]\n",
    );
    assert!(codes(&p, &[]).is_empty());
}

#[test]
fn pyproject_without_the_section_is_skipped_for_the_next_one_up() {
    let p = Project::shop();
    p.write("pyproject.toml", "[tool.reflex-django-lsp]\nignore = [\"RDJ101\"]\n");
    p.write("shop/pyproject.toml", "[project]\nname = \"inner\"\n");
    assert!(codes(&p, &[]).is_empty());
}

#[test]
fn standalone_files_use_top_level_keys() {
    for name in ["reflex-django-lsp.toml", ".reflex-django-lsp.toml"] {
        let p = Project::shop();
        p.write(name, "ignore = [\"RDJ101\"]\n");
        assert!(codes(&p, &[]).is_empty(), "{name}");
    }
}

#[test]
fn within_one_folder_dot_file_then_plain_then_pyproject() {
    let p = Project::shop();
    p.write("pyproject.toml", "[tool.reflex-django-lsp]\nignore = [\"RDJ101\"]\n");
    p.write("reflex-django-lsp.toml", "select = [\"RDJ1\"]\n");
    assert_eq!(codes(&p, &[]), vec!["RDJ101"]);
    p.write(".reflex-django-lsp.toml", "ignore = [\"RDJ1\"]\n");
    assert!(codes(&p, &[]).is_empty());
}

#[test]
fn the_nearest_config_wins() {
    let p = Project::shop();
    p.write("pyproject.toml", "[tool.reflex-django-lsp]\nselect = [\"RDJ1\"]\n");
    p.write("app/reflex-django-lsp.toml", "ignore = [\"RDJ101\"]\n");
    p.write("app/states.py", STATES);
    p.write("app/deep/er/states.py", STATES);
    let found = located(&p, &[]);
    assert_eq!(found, vec![("shop/states.py".to_owned(), "RDJ101".to_owned())]);
}

#[test]
fn explicit_config_overrides_discovery() {
    let p = Project::shop();
    p.write("app/reflex-django-lsp.toml", "select = [\"RDJ1\"]\n");
    p.write("app/states.py", STATES);
    p.write("ci.toml", "ignore = [\"RDJ101\"]\n");
    assert!(codes(&p, &["--config", "ci.toml"]).is_empty());
    // A pyproject.toml given explicitly works too.
    p.write(
        "other/pyproject.toml",
        "[tool.reflex-django-lsp]\nignore = [\"RDJ1\"]\n",
    );
    assert!(codes(&p, &["--config", "other/pyproject.toml"]).is_empty());
}

#[test]
fn missing_explicit_config_is_an_error() {
    let p = Project::shop();
    p.run(&["check", "--config", "nope.toml"])
        .assert_error("nope.toml: No such file or directory");
}

#[test]
fn cli_flags_override_config() {
    let p = Project::shop();
    p.write("pyproject.toml", "[tool.reflex-django-lsp]\nselect = [\"RDJ2\"]\n");
    assert!(codes(&p, &[]).is_empty());
    assert_eq!(codes(&p, &["--select", "RDJ101"]), vec!["RDJ101"]);
    assert_eq!(codes(&p, &["--extend-select", "RDJ101"]), vec!["RDJ101"]);
    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp]\nextend-select = [\"RDJ101\"]\n",
    );
    assert!(codes(&p, &["--ignore", "RDJ101"]).is_empty());
}

#[test]
fn config_ignore_survives_a_cli_select() {
    let p = Project::shop();
    p.write("pyproject.toml", "[tool.reflex-django-lsp]\nignore = [\"RDJ101\"]\n");
    assert!(codes(&p, &["--select", "RDJ1"]).is_empty());
}

#[test]
fn per_file_ignores() {
    let p = Project::shop();
    p.write("app/states.py", STATES);
    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp.per-file-ignores]\n\"shop/*.py\" = [\"RDJ101\"]\n",
    );
    assert_eq!(
        located(&p, &[]),
        vec![("app/states.py".to_owned(), "RDJ101".to_owned())]
    );
    // A pattern without a slash matches the file name anywhere.
    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp.per-file-ignores]\n\"states.py\" = [\"RDJ1\"]\n",
    );
    assert!(located(&p, &[]).is_empty());
}

#[test]
fn severity_table() {
    let p = Project::shop();
    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp.severity]\nRDJ1 = \"warning\"\n",
    );
    let out = p.run(&["check", "--output-format", "json"]);
    assert_eq!(out.code, 1, "a warning is still a finding");
    assert_eq!(out.json()[0]["severity"], "warning");

    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp.severity]\nRDJ1 = \"warning\"\nRDJ101 = \"info\"\n",
    );
    assert_eq!(
        p.run(&["check", "--output-format", "json"]).json()[0]["severity"],
        "info"
    );

    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp.severity]\nRDJ101 = \"off\"\n",
    );
    let out = p.run(&["check", "--output-format", "json"]);
    assert_eq!(out.code, 0);
    assert!(out.codes().is_empty());

    // The most specific entry decides: the family off, one rule back on.
    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp.severity]\nRDJ1 = \"off\"\nRDJ101 = \"error\"\n",
    );
    assert_eq!(codes(&p, &[]), vec!["RDJ101"]);
}

#[test]
fn exclude_and_extend_exclude() {
    let p = Project::shop();
    p.write("legacy/states.py", STATES);
    p.write("build/states.py", STATES);
    p.write(".venv/lib/states.py", STATES);
    p.write("node_modules/x/states.py", STATES);
    // Defaults: build, .venv, node_modules are skipped.
    assert_eq!(
        located(&p, &[]),
        vec![
            ("legacy/states.py".to_owned(), "RDJ101".to_owned()),
            ("shop/states.py".to_owned(), "RDJ101".to_owned())
        ]
    );
    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp]\nextend-exclude = [\"legacy\"]\n",
    );
    assert_eq!(
        located(&p, &[]),
        vec![("shop/states.py".to_owned(), "RDJ101".to_owned())]
    );
    // `exclude` replaces the defaults.
    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp]\nexclude = [\"shop/states.py\"]\n",
    );
    let found: Vec<String> = located(&p, &[]).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        found,
        vec!["build/states.py", "legacy/states.py", "node_modules/x/states.py"],
        "hidden folders stay skipped"
    );
    // Explicitly named files are always checked.
    assert_eq!(codes(&p, &["shop/states.py"]), vec!["RDJ101"]);
}

#[test]
fn gitignore_is_honoured() {
    let p = Project::shop();
    p.write("generated/states.py", STATES);
    p.write(".gitignore", "generated/\n");
    assert_eq!(
        located(&p, &[]),
        vec![("shop/states.py".to_owned(), "RDJ101".to_owned())]
    );
}

#[test]
fn every_other_key_is_accepted() {
    let p = Project::shop();
    p.write(
        "pyproject.toml",
        r#"[tool.reflex-django-lsp]
select = ["RDJ"]
ignore = []
extend-select = ["RDJ101"]
exclude = []
extend-exclude = []
unsafe-fixes = false
django-version = "5.1"
follow-calls-depth = 5

[tool.reflex-django-lsp.per-file-ignores]
[tool.reflex-django-lsp.severity]

[tool.reflex-django-lsp.database]
url = "postgres://u:hunter2@localhost/db"
connect-timeout-ms = 1000
statement-timeout-ms = 2000
enabled = false
"#,
    );
    let out = p.run(&["check", "--output-format", "concise"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stdout.contains("hunter2") && !out.stderr.contains("hunter2"));
}

// ---- errors: file, line and column, key, and what is allowed ----

#[test]
fn unknown_key() {
    let p = Project::shop();
    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp]\nselect = [\"RDJ1\"]\nselct = [\"RDJ1\"]\n",
    );
    p.run(&["check"]).assert_error(
        "error: pyproject.toml:3:1: unknown key \"selct\" in [tool.reflex-django-lsp]; did you mean \"select\"? expected one of: select, ignore, extend-select, per-file-ignores, exclude, extend-exclude, unsafe-fixes, django-version, follow-calls-depth, severity, database",
    );
    p.write("pyproject.toml", "");
    p.write(
        "reflex-django-lsp.toml",
        "[database]\nurl = \"sqlite:///x\"\npassword = \"x\"\n",
    );
    p.run(&["check"]).assert_error(
        "error: reflex-django-lsp.toml:3:1: unknown key \"password\" in [database]; expected one of: url, connect-timeout-ms, statement-timeout-ms, enabled",
    );
}

#[test]
fn a_misspelled_key_or_code_gets_a_suggestion() {
    let p = Project::shop();
    p.write("reflex-django-lsp.toml", "exclud = [\"legacy\"]\n");
    p.run(&["check"])
        .assert_error("error: reflex-django-lsp.toml:1:1: unknown key \"exclud\" in the top level; did you mean \"exclude\"? expected one of: select,");
    p.write("reflex-django-lsp.toml", "[database]\nstatement-timeout = 10\n");
    p.run(&["check"])
        .assert_error("unknown key \"statement-timeout\" in [database]; did you mean \"statement-timeout-ms\"?");
    p.write("reflex-django-lsp.toml", "ignore = [\"RDJ1O4\"]\n");
    p.run(&["check"]).assert_error(
        "error: reflex-django-lsp.toml:1:11: unknown rule code or prefix \"RDJ1O4\" in \"ignore\"; did you mean \"RDJ104\" (lazy-relation-access)? expected a code like RDJ101",
    );
    // Far from every key: no guess.
    p.write("reflex-django-lsp.toml", "colour = true\n");
    p.run(&["check"])
        .assert_error("unknown key \"colour\" in the top level; expected one of:");
}

#[test]
fn unknown_key_in_a_nested_config_names_that_file() {
    let p = Project::shop();
    p.write("shop/reflex-django-lsp.toml", "ignroe = []\n");
    let out = p.run(&["check"]);
    out.assert_error("unknown key \"ignroe\" in the top level");
    assert!(out.stderr.contains("shop/reflex-django-lsp.toml:1:1"), "{}", out.stderr);
}

#[test]
fn bad_values() {
    let cases: &[(&str, &str)] = &[
        ("follow-calls-depth = \"three\"", "pyproject.toml:2:22: invalid value for \"follow-calls-depth\": expected a whole number from 0 to 100, got string \"three\""),
        ("follow-calls-depth = -1", "expected a whole number from 0 to 100, got integer -1"),
        ("select = \"RDJ1\"", "invalid value for \"select\": expected a list of rule codes or prefixes (strings), got string \"RDJ1\""),
        ("select = [\"RDJ999\"]", "unknown rule code or prefix \"RDJ999\" in \"select\""),
        ("ignore = [1]", "invalid value in \"ignore\""),
        ("unsafe-fixes = \"yes\"", "invalid value for \"unsafe-fixes\": expected true or false, got string \"yes\""),
        ("django-version = 5.2", "invalid value for \"django-version\": expected a string \"X.Y\" such as \"5.2\", got float 5.2"),
        ("django-version = \"five\"", "expected a string \"X.Y\""),
        ("exclude = [\"a[\"]", "invalid glob \"a[\" in \"exclude\""),
        ("severity = { RDJ101 = \"loud\" }", "invalid value for \"severity.RDJ101\": expected one of \"error\", \"warning\", \"info\", \"off\", got string \"loud\""),
        ("severity = { XYZ = \"off\" }", "unknown rule code or prefix \"XYZ\" in \"severity\""),
        ("per-file-ignores = { \"tests/*\" = [\"NOPE\"] }", "unknown rule code or prefix \"NOPE\" in \"per-file-ignores\" (pattern \"tests/*\")"),
        ("database = { connect-timeout-ms = 0 }", "invalid value for \"database.connect-timeout-ms\": expected a positive whole number of milliseconds, got integer 0"),
        ("database = { enabled = 1 }", "invalid value for \"database.enabled\": expected true or false"),
        ("database = \"postgres://x\"", "\"database\" must be a table"),
    ];
    for (line, expected) in cases {
        let p = Project::shop();
        p.write("pyproject.toml", format!("[tool.reflex-django-lsp]\n{line}\n"));
        let out = p.run(&["check"]);
        out.assert_error(expected);
        assert!(out.stderr.contains("pyproject.toml:2:"), "{line}: {}", out.stderr);
    }
}

#[test]
fn database_url_is_never_echoed() {
    let p = Project::shop();
    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp.database]\nurl = [\"postgres://u:hunter2@h/db\"]\n",
    );
    let out = p.run(&["check"]);
    out.assert_error("invalid value for \"database.url\": expected a string, got array");
    assert!(!out.stderr.contains("hunter2"));
}

#[test]
fn toml_syntax_error_has_file_line_and_column() {
    let p = Project::shop();
    p.write("pyproject.toml", "[tool.reflex-django-lsp]\nselect = [\"RDJ1\"\n");
    let out = p.run(&["check"]);
    out.assert_error("error: pyproject.toml:2:17: TOML syntax error:");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);

    p.write("pyproject.toml", "");
    p.write("reflex-django-lsp.toml", "select = = 1\n");
    p.run(&["check"]).assert_error("error: reflex-django-lsp.toml:1:");
}

#[test]
fn config_errors_apply_to_stdin_and_explicit_files_too() {
    let p = Project::shop();
    p.write("shop/reflex-django-lsp.toml", "bogus = 1\n");
    p.run(&["check", "shop/states.py"])
        .assert_error("unknown key \"bogus\"");
    p.run_stdin(&["check", "-", "--stdin-filename", "shop/x.py"], STATES.as_bytes())
        .assert_error("unknown key \"bogus\"");
}
