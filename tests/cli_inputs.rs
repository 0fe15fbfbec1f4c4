//! What `check` reads: paths, stdin, and hostile input (unreadable, wrongly
//! encoded, odd line endings, syntax errors, huge and deeply nested files).
//! None of it may crash; I/O problems on named paths exit 2, problems with a
//! file's content are one RDJ000 finding.

mod cli_support;

use cli_support::{Project, CLEAN, MODELS, STATES};

fn json_check(p: &Project, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["check", "--output-format", "json"];
    all.extend_from_slice(args);
    let out = p.run(&all);
    out.assert_no_crash();
    out.json()
}

#[test]
fn default_path_is_the_current_directory() {
    let p = Project::shop();
    let out = p.run(&["check", "--output-format", "concise"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.starts_with("shop/states.py:5:12: RDJ101"), "{}", out.stdout);
}

#[test]
fn a_single_file_still_sees_models_elsewhere_in_the_workspace() {
    let p = Project::shop();
    let out = p.run(&["check", "shop/states.py", "--output-format", "concise"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    // The finding, `Found 1 error.` and the `[*] 1 fixable` line.
    assert_eq!(out.stdout.lines().count(), 3, "{}", out.stdout);
    // ... and only the named file is reported.
    p.write("shop/other.py", STATES);
    let out = p.run(&["check", "shop/states.py", "--output-format", "concise"]);
    assert!(!out.stdout.contains("other.py"), "{}", out.stdout);
    // From a sub folder (workspace root found through pyproject.toml).
    let out = p.run_in("shop", &["check", "states.py", "--output-format", "concise"], None);
    assert!(out.stdout.starts_with("states.py:5:12: RDJ101"), "{}", out.stdout);
}

#[test]
fn several_paths_and_duplicates() {
    let p = Project::shop();
    p.write("app/states.py", STATES);
    let out = p.run(&[
        "check",
        "shop",
        "app/states.py",
        "shop/states.py",
        "--output-format",
        "concise",
    ]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout.lines().filter(|l| l.contains("RDJ101")).count(),
        2,
        "{}",
        out.stdout
    );
}

#[test]
fn nonexistent_path_exits_2() {
    let p = Project::shop();
    p.run(&["check", "nope.py"])
        .assert_error("error: nope.py: No such file or directory");
    p.run(&["check", "shop", "missing/dir"])
        .assert_error("missing/dir: No such file or directory");
}

#[test]
fn empty_and_blank_files_are_clean() {
    let p = Project::new();
    p.write("empty.py", "");
    p.write("blank.py", "\n\n   \r\n\t\n");
    p.write("only_comment.py", "# nothing here\n");
    let out = p.run(&[
        "check",
        "empty.py",
        "blank.py",
        "only_comment.py",
        "--output-format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json(), serde_json::json!([]));
}

#[test]
fn empty_directory_exits_0_with_a_note() {
    let p = Project::new();
    std::fs::create_dir(p.path("empty")).unwrap();
    p.write("empty/readme.txt", "not python");
    let out = p.run(&["check", "empty"]);
    assert_eq!(out.code, 0);
    assert!(out.stderr.contains("No Python files found"), "{}", out.stderr);
    let out = p.run(&["check", "empty", "--output-format", "json"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.json(), serde_json::json!([]));
}

#[test]
fn stdin_with_a_filename_is_analysed_within_its_workspace() {
    let p = Project::shop();
    p.write("shop/states.py", CLEAN);
    let out = p.run_stdin(
        &[
            "check",
            "-",
            "--stdin-filename",
            "shop/states.py",
            "--output-format",
            "json",
        ],
        STATES.as_bytes(),
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert!(json[0]["filename"].as_str().unwrap().ends_with("shop/states.py"));
    assert_eq!(json[0]["location"]["row"], 5);

    // The source on disk is not what is checked.
    let out = p.run_stdin(&["check", "-", "--stdin-filename", "shop/states.py"], CLEAN.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stdout);

    // A name that does not exist on disk, and --stdin-filename without `-`.
    let out = p.run_stdin(
        &["check", "--stdin-filename", "shop/new.py", "--output-format", "concise"],
        STATES.as_bytes(),
    );
    assert_eq!(out.code, 1);
    assert!(out.stdout.starts_with("shop/new.py:5:12: RDJ101"), "{}", out.stdout);
}

#[test]
fn stdin_uses_the_config_of_its_filename() {
    let p = Project::shop();
    p.write("app/reflex-django-lsp.toml", "ignore = [\"RDJ101\"]\n");
    let out = p.run_stdin(&["check", "-", "--stdin-filename", "app/x.py"], STATES.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stdout);
    let out = p.run_stdin(&["check", "-", "--stdin-filename", "shop/x.py"], STATES.as_bytes());
    assert_eq!(out.code, 1);
}

#[test]
fn stdin_without_a_filename_does_not_crash() {
    let p = Project::shop();
    let out = p.run_stdin(&["check", "-", "--output-format", "concise"], b"x = 1\n");
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn unreadable_file_is_rdj000() {
    use std::os::unix::fs::PermissionsExt;
    let p = Project::shop();
    p.write("shop/secret.py", STATES);
    let path = p.path("shop/secret.py");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        eprintln!("skipped: running as root (chmod 000 files stay readable)");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        return;
    }
    let json = json_check(&p, &[]);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let rdj000: Vec<_> = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "RDJ000")
        .collect();
    assert_eq!(rdj000.len(), 1);
    assert!(rdj000[0]["filename"].as_str().unwrap().ends_with("secret.py"));
    assert!(rdj000[0]["message"].as_str().unwrap().contains("Permission denied"));
    assert_eq!(rdj000[0]["location"], serde_json::json!({"row": 1, "column": 1}));
}

#[test]
fn symlink_loop_and_dangling_symlink_are_rdj000() {
    // Readable by nobody, root included.
    let p = Project::shop();
    std::os::unix::fs::symlink("loop.py", p.path("shop/loop.py")).unwrap();
    std::os::unix::fs::symlink("gone.py", p.path("shop/dangling.py")).unwrap();
    let json = json_check(&p, &[]);
    let mut rdj000: Vec<String> = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "RDJ000")
        .map(|f| f["filename"].as_str().unwrap().rsplit('/').next().unwrap().to_owned())
        .collect();
    rdj000.sort();
    assert_eq!(rdj000, vec!["dangling.py", "loop.py"]);
    // Named explicitly, too.
    let json = json_check(&p, &["shop/loop.py"]);
    assert_eq!(json[0]["code"], "RDJ000");
}

#[test]
fn a_directory_named_x_py_is_a_directory() {
    let p = Project::shop();
    std::fs::create_dir_all(p.path("shop/x.py")).unwrap();
    p.write("shop/x.py/inner.py", STATES);
    let out = p.run(&["check", "--output-format", "concise"]);
    out.assert_no_crash();
    assert!(out.stdout.contains("shop/x.py/inner.py:5:12: RDJ101"), "{}", out.stdout);
    let out = p.run(&["check", "shop/x.py", "--output-format", "concise"]);
    out.assert_no_crash();
    assert!(out.stdout.contains("inner.py"), "{}", out.stdout);
}

#[test]
fn utf16_and_invalid_utf8_are_rdj000() {
    let p = Project::shop();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(STATES.encode_utf16().flat_map(|u| u.to_le_bytes()));
    p.write("shop/utf16.py", utf16);
    p.write("shop/latin1.py", b"name = 'caf\xe9'\nasync def f():\n    pass\n");
    let json = json_check(&p, &["shop/utf16.py", "shop/latin1.py"]);
    let findings = json.as_array().unwrap();
    assert_eq!(findings.len(), 2, "{json:#}");
    for f in findings {
        assert_eq!(f["code"], "RDJ000");
        assert_eq!(f["location"], serde_json::json!({"row": 1, "column": 1}));
    }
    assert!(findings[0]["filename"].as_str().unwrap().ends_with("latin1.py"));
    assert!(findings[1]["message"].as_str().unwrap().contains("UTF-16"));
    // The full format shows them without a snippet, and does not crash.
    let out = p.run(&["check", "shop/utf16.py"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("RDJ000") && out.stdout.contains("UTF-16"),
        "{}",
        out.stdout
    );
}

#[test]
fn bom_cr_only_and_crlf_sources() {
    let p = Project::shop();
    p.write("shop/bom.py", format!("\u{feff}{STATES}"));
    p.write("shop/cr.py", STATES.replace('\n', "\r"));
    p.write("shop/crlf.py", STATES.replace('\n', "\r\n"));
    let json = json_check(&p, &["shop/bom.py", "shop/cr.py", "shop/crlf.py"]);
    let findings = json.as_array().unwrap();
    assert_eq!(findings.len(), 3, "{json:#}");
    for f in findings {
        assert_eq!(f["code"], "RDJ101");
        assert_eq!(
            f["location"],
            serde_json::json!({"row": 5, "column": 12}),
            "{}",
            f["filename"]
        );
        assert_eq!(
            f["end_location"],
            serde_json::json!({"row": 5, "column": 37}),
            "{}",
            f["filename"]
        );
    }
    for format in ["full", "concise", "github", "sarif", "json-lines"] {
        p.run(&["check", "shop", "--output-format", format]).assert_no_crash();
    }
}

#[test]
fn syntax_errors_do_not_crash() {
    let p = Project::shop();
    p.write(
        "shop/broken.py",
        "from shop.models import Product\n\nasync def f(:\n    return Product.objects.get(pk=1\n\nclass (\n",
    );
    p.write(
        "shop/garbage.py",
        "\"\"\"unterminated\n)))]]]}}}\n\tasync async await\n",
    );
    for format in ["full", "concise", "json", "sarif"] {
        p.run(&["check", "--output-format", format]).assert_no_crash();
    }
}

#[test]
fn a_5_mb_file_finishes() {
    let p = Project::shop();
    let mut src =
        String::from("from shop.models import Product\n\n\nasync def f():\n    return Product.objects.get(pk=1)\n\n");
    let mut i = 0;
    while src.len() < 5 * 1024 * 1024 {
        src.push_str(&format!(
            "value_{i} = {{\"key\": [{i}, {i}, \"some padding text to make the line longer\"]}}\n"
        ));
        i += 1;
    }
    src.push_str("\n\nasync def g():\n    return Product.objects.count()\n");
    p.write("shop/huge.py", &src);
    let started = std::time::Instant::now();
    let json = json_check(&p, &["shop/huge.py"]);
    let rows: Vec<u64> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "{json:#}");
    assert_eq!(rows[0], 5);
    eprintln!("5 MB file checked in {:?}", started.elapsed());
    p.run(&["check", "shop/huge.py"]).assert_no_crash();
}

#[test]
fn deep_nesting_does_not_crash() {
    let p = Project::shop();
    let depth = 500;
    // 500 nested parentheses, lists and calls.
    let expr = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
    let list = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let calls = format!("{}Product.objects.get(pk=1){}", "f(".repeat(depth), ")".repeat(depth));
    // 500 nested blocks (Python itself stops at 100; we must not crash).
    let mut blocks = String::from("async def deep():\n");
    for level in 1..=depth {
        blocks.push_str(&" ".repeat(level));
        blocks.push_str("if x:\n");
    }
    blocks.push_str(&" ".repeat(depth + 1));
    blocks.push_str("Product.objects.get(pk=1)\n");
    // 500 nested functions.
    let mut funcs = String::new();
    for level in 0..depth {
        funcs.push_str(&" ".repeat(level));
        funcs.push_str(if level % 2 == 0 {
            "async def a():\n"
        } else {
            "def b():\n"
        });
    }
    funcs.push_str(&" ".repeat(depth));
    funcs.push_str("return Product.objects.get(pk=1)\n");
    let src = format!("from shop.models import Product\n\nx = {expr}\ny = {list}\n\nasync def g():\n    return {calls}\n\n{blocks}\n{funcs}");
    p.write("shop/deep.py", src);
    for format in ["json", "full"] {
        p.run(&["check", "shop/deep.py", "--output-format", format])
            .assert_no_crash();
    }
}

#[test]
fn noqa_comments_suppress_findings() {
    let p = Project::shop();
    p.write(
        "shop/states.py",
        STATES.replace("get(pk=1)", "get(pk=1)  # noqa: RDJ101"),
    );
    let out = p.run(&["check"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn models_file_alone_is_fine() {
    let p = Project::new();
    p.write("models.py", MODELS);
    let out = p.run(&["check", "models.py"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
}
