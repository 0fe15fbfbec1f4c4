//! `check --output-format …` and `--statistics`: the shape of every format.

mod cli_support;

use cli_support::{Project, MODELS};
use serde_json::Value;

/// Two findings: one on an ASCII line, one on a line with non-ASCII
/// characters before it (columns count characters, not bytes).
const TWO: &str = "from shop.models import Product\n\n\nasync def f():\n    return Product.objects.get(pk=1)\n\n\nasync def g():\n    é = \"ü\"; return Product.objects.get(name=é)\n";

fn two() -> Project {
    let p = Project::new();
    p.write("shop/__init__.py", "")
        .write("shop/models.py", MODELS)
        .write("shop/states.py", TWO);
    p
}

#[test]
fn json_has_specs_shape_and_char_columns() {
    let p = two();
    let out = p.run(&["check", "--output-format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json = out.json();
    let findings = json.as_array().unwrap();
    assert_eq!(findings.len(), 2);
    let keys: Vec<&str> = findings[0].as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = vec![
        "code",
        "name",
        "message",
        "severity",
        "filename",
        "location",
        "end_location",
        "fix",
        "noqa_row",
        "url",
    ];
    let mut sorted_keys = keys.clone();
    sorted_keys.sort();
    expected.sort();
    assert_eq!(sorted_keys, expected);

    let f = &findings[0];
    assert_eq!(f["code"], "RDJ101");
    assert_eq!(f["name"], "blocking-queryset-call");
    assert_eq!(f["severity"], "error");
    let filename = f["filename"].as_str().unwrap();
    assert!(std::path::Path::new(filename).is_absolute(), "{filename}");
    assert!(filename.ends_with("shop/states.py"));
    assert_eq!(f["location"], serde_json::json!({"row": 5, "column": 12}));
    assert_eq!(f["end_location"], serde_json::json!({"row": 5, "column": 37}));
    assert_eq!(f["noqa_row"], 5);
    assert!(f["url"].as_str().unwrap().contains("rdj101"));
    assert!(f["fix"].is_null() || f["fix"].is_object());
    if let Some(fix) = f["fix"].as_object() {
        assert!(["safe", "unsafe", "display-only"].contains(&fix["applicability"].as_str().unwrap()));
        for e in fix["edits"].as_array().unwrap() {
            assert!(e["content"].is_string() && e["location"]["row"].is_u64() && e["end_location"]["column"].is_u64());
        }
    }

    // `    é = "ü"; return ` is 20 characters (23 bytes): the call starts at column 21.
    let g = &findings[1];
    assert_eq!(g["location"], serde_json::json!({"row": 9, "column": 21}));
    assert_eq!(g["end_location"], serde_json::json!({"row": 9, "column": 48}));
}

#[test]
fn json_with_no_findings_is_an_empty_array() {
    let p = Project::new();
    p.write("a.py", "x = 1\n");
    let out = p.run(&["check", "--output-format", "json"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.json(), serde_json::json!([]));
}

#[test]
fn json_lines_is_one_object_per_line() {
    let p = two();
    let out = p.run(&["check", "--output-format", "json-lines"]);
    assert_eq!(out.code, 1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    for line in lines {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["code"], "RDJ101");
        assert!(v["location"]["row"].is_u64());
    }
}

#[test]
fn concise_is_path_row_col_code_message() {
    let p = two();
    let out = p.run(&["check", "--output-format", "concise"]);
    assert_eq!(out.code, 1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("shop/states.py:5:12: RDJ101 "), "{}", out.stdout);
    assert!(lines[1].starts_with("shop/states.py:9:21: RDJ101 "), "{}", out.stdout);
    assert_eq!(lines[2], "Found 2 errors.");
}

#[test]
fn full_is_a_rich_snippet_with_a_summary() {
    let p = two();
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1);
    assert!(
        !out.stdout.contains('\u{1b}'),
        "no colors when stdout is not a terminal"
    );
    insta::assert_snapshot!("full_two_findings", out.stdout);
}

#[test]
fn full_renders_cr_only_and_crlf_sources_line_by_line() {
    let p = Project::new();
    p.write("shop/__init__.py", "").write("shop/models.py", MODELS);
    p.write("shop/cr.py", STATES_CR);
    p.write("shop/crlf.py", STATES_CR.replace('\r', "\r\n"));
    let out = p.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stdout.contains('\r'));
    insta::assert_snapshot!("full_cr_and_crlf", out.stdout);
}

const STATES_CR: &str = "from shop.models import Product\r\r\rasync def f():\r    return Product.objects.get(pk=1)\r";

#[test]
fn full_with_no_findings_says_so() {
    let p = Project::new();
    p.write("a.py", "x = 1\n");
    let out = p.run(&["check"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout.trim(), "All checks passed!");
}

#[test]
fn github_annotations() {
    let p = two();
    let out = p.run(&["check", "--output-format", "github"]);
    assert_eq!(out.code, 1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].starts_with("::error title=reflex-django-lsp (RDJ101),file=shop/states.py,line=5,col=12,endLine=5,endColumn=37::RDJ101 "),
        "{}",
        lines[0]
    );
}

#[test]
fn github_uses_warning_and_notice_for_other_severities() {
    let p = two();
    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp.severity]\nRDJ101 = \"info\"\n",
    );
    let out = p.run(&["check", "--output-format", "github"]);
    assert!(out.stdout.lines().all(|l| l.starts_with("::notice ")), "{}", out.stdout);
    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp.severity]\nRDJ1 = \"warning\"\n",
    );
    let out = p.run(&["check", "--output-format", "github"]);
    assert!(
        out.stdout.lines().all(|l| l.starts_with("::warning ")),
        "{}",
        out.stdout
    );
}

#[test]
fn sarif_is_structurally_valid() {
    let p = two();
    let out = p.run(&["check", "--output-format", "sarif"]);
    assert_eq!(out.code, 1);
    let sarif = out.json();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif"));
    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "reflex-django-lsp");
    let rules = driver["rules"].as_array().unwrap();
    assert!(rules.len() >= 18);
    for r in rules {
        assert!(r["id"].as_str().unwrap().starts_with("RDJ"));
        assert!(r["name"].is_string());
        assert!(!r["shortDescription"]["text"].as_str().unwrap().is_empty());
        assert!(r["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .contains("## What it does"));
        assert!(r["helpUri"].as_str().unwrap().starts_with("https://"));
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let r = &results[1];
    assert_eq!(r["ruleId"], "RDJ101");
    assert_eq!(r["level"], "error");
    assert!(r["message"]["text"].as_str().unwrap().contains("Product.objects.get"));
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "shop/states.py");
    assert_eq!(
        loc["region"],
        serde_json::json!({"startLine": 9, "startColumn": 21, "endLine": 9, "endColumn": 48})
    );
    let idx = r["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[idx]["id"], "RDJ101");
    if let Some(fixes) = r.get("fixes") {
        assert!(fixes[0]["artifactChanges"][0]["replacements"].is_array());
    }
}

#[test]
fn sarif_with_no_findings_has_an_empty_result_list() {
    let p = Project::new();
    p.write("a.py", "x = 1\n");
    let out = p.run(&["check", "--output-format", "sarif"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.json()["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn statistics_count_per_rule() {
    let p = two();
    let out = p.run(&["check", "--statistics"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "2\tRDJ101\t[*] blocking-queryset-call\n[*] fixable with `reflex-django-lsp check --fix`\n"
    );
    let out = p.run(&["check", "--statistics", "--output-format", "json"]);
    let json = out.json();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["code"], "RDJ101");
    assert_eq!(json[0]["name"], "blocking-queryset-call");
    assert_eq!(json[0]["count"], 2);
    assert_eq!(json[0]["fixable"], true);
    assert_eq!(json[0]["unsafe_fix"], false);
}

#[test]
fn statistics_mark_unsafe_fixes_and_rules_without_fixes() {
    let p = two();
    // RDJ401 (module-level models import in a Reflex module): an unsafe fix.
    p.write(
        "shop/page.py",
        "import reflex as rx\nfrom shop.models import Product\n\n\nclass S(rx.State):\n    async def load(self):\n        return await Product.objects.acount()\n",
    );
    let out = p.run(&["check", "--statistics", "--no-cache"]);
    assert_eq!(
        out.stdout,
        "2\tRDJ101\t[*] blocking-queryset-call\n1\tRDJ401\t[-] models-imported-before-setup\n[*] fixable with `reflex-django-lsp check --fix`\n[-] fixable with `reflex-django-lsp check --fix --unsafe-fixes` (the fix may change behaviour: review it)\n",
        "{}",
        out.stderr
    );
    let json = p
        .run(&["check", "--statistics", "--no-cache", "--output-format", "json"])
        .json();
    assert_eq!(
        (&json[1]["code"], &json[1]["fixable"], &json[1]["unsafe_fix"]),
        (&"RDJ401".into(), &true.into(), &true.into())
    );
}

#[test]
fn the_summary_counts_each_severity_and_info_does_not_fail() {
    let p = two();
    p.write(
        "shop/page.py",
        "import reflex as rx\nfrom shop.models import Product\n\n\nclass S(rx.State):\n    async def load(self):\n        return await Product.objects.acount()\n",
    );
    let summary = |out: &cli_support::Output| out.stdout.lines().find(|l| l.starts_with("Found ")).map(str::to_owned);
    let concise = ["check", "--output-format", "concise", "--no-cache"];

    let out = p.run(&concise);
    assert_eq!((summary(&out).as_deref(), out.code), (Some("Found 3 errors."), 1));

    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp.severity]\nRDJ101 = \"info\"\n",
    );
    let out = p.run(&concise);
    assert_eq!(
        (summary(&out).as_deref(), out.code),
        (Some("Found 1 error and 2 info findings."), 1)
    );
    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp.severity]\nRDJ101 = \"info\"\nRDJ401 = \"warning\"\n",
    );
    let out = p.run(&concise);
    assert_eq!(
        (summary(&out).as_deref(), out.code),
        (Some("Found 1 warning and 2 info findings."), 1),
        "a warning fails the run"
    );
    p.write(
        "pyproject.toml",
        "[tool.reflex-django-lsp.severity]\nRDJ101 = \"info\"\nRDJ401 = \"off\"\n",
    );
    let out = p.run(&concise);
    assert_eq!(
        (summary(&out).as_deref(), out.code),
        (Some("Found 2 info findings."), 0),
        "info findings alone do not fail the run"
    );
    let out = p.run(&["check", "--no-cache"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains("  ☞ `Product.objects.get()` blocks"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .ends_with("Found 2 info findings.\n[*] 2 fixable with the `--fix` option.\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn quiet_prints_only_the_findings_and_silent_nothing() {
    let p = two();
    let out = p.run(&["check", "-q", "--output-format", "concise"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout.lines().count(), 2, "{}", out.stdout);
    assert!(
        out.stdout.lines().all(|l| l.starts_with("shop/states.py:")),
        "{}",
        out.stdout
    );
    let out = p.run(&["check", "--quiet"]);
    assert!(
        !out.stdout.contains("Found") && !out.stdout.contains("fixable"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("blocking-queryset-call"));
    let out = p.run(&["check", "-s"]);
    assert_eq!((out.stdout.as_str(), out.stderr.as_str(), out.code), ("", "", 1));
    let out = p.run(&["check", "--silent", "--fix"]);
    assert_eq!((out.stdout.as_str(), out.stderr.as_str(), out.code), ("", "", 0));
    // Notes on stderr go too.
    std::fs::create_dir(p.path("empty")).unwrap();
    let out = p.run(&["check", "empty", "-q"]);
    assert_eq!((out.stdout.as_str(), out.stderr.as_str(), out.code), ("", "", 0));
    assert_eq!(p.run(&["check", "-q", "-s"]).code, 2);
}

#[test]
fn findings_are_sorted_by_file_then_position() {
    let p = two();
    p.write(
        "a_first.py",
        "from shop.models import Product\n\nasync def h():\n    Product.objects.count()\n",
    );
    let out = p.run(&["check", "--output-format", "concise"]);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("a_first.py:4:5: RDJ101"), "{}", out.stdout);
    assert!(lines[1].starts_with("shop/states.py:5:12"));
    assert!(lines[2].starts_with("shop/states.py:9:21"));
}

#[test]
fn paths_are_relative_to_the_current_directory() {
    let p = two();
    let out = p.run_in("shop", &["check", "--output-format", "concise"], None);
    assert!(out.stdout.starts_with("states.py:5:12: RDJ101"), "{}", out.stdout);
}

/// RDJ509's message names the database; a long path in it (or in any
/// message) must not be cut where `full` wraps the message.
#[test]
fn full_never_wraps_inside_a_path_or_a_code_span() {
    let p = Project::new();
    copy_dir(&repo().join("fixtures/shop"), p.root());
    let deep = p.path(&format!("{}/db.sqlite3", ["very-long-folder-name"; 8].join("/")));
    let url = format!("sqlite:///{}", deep.display());
    let out = p.run(&["check", "--select", "RDJ509", "--no-cache", "--database-url", &url]);
    assert!(out.stdout.contains("RDJ509"), "{}{}", out.stdout, out.stderr);
    let path = deep.display().to_string();
    assert!(path.len() > 120);
    // The URL (a code span) and the path in the reason stay whole on a line.
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines.iter().any(|l| l.contains(&format!("`{url}`"))), "{}", out.stdout);
    for line in &lines {
        assert_eq!(
            line.matches('`').count() % 2,
            0,
            "a code span cut: {line:?}\n{}",
            out.stdout
        );
    }
    // Every piece of the path that is printed is printed whole.
    let pieces = lines.iter().filter(|l| l.contains("very-long-folder-name")).count();
    let whole = lines.iter().filter(|l| l.contains(&path)).count();
    assert_eq!(pieces, whole, "{}", out.stdout);
    // Shorter messages still wrap at blanks to the width.
    let message_lines: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("  × ") || l.starts_with("  │ "))
        .collect();
    assert!(!message_lines.is_empty(), "{}", out.stdout);
}

fn repo() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
