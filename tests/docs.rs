//! `docs/rules.md` is every rule's documentation as `rule --all` prints it
//! (from the doc comments of `src/rules/`), with the anchors that the rules'
//! documentation URLs (`#rdj101`) point at. After changing a rule's
//! documentation: `UPDATE_DOCS=1 cargo test --test docs`.

use std::path::Path;
use std::process::Command;

fn generated() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_reflex-django-lsp"))
        .args(["rule", "--all"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut doc = String::from(
        "# Rules\n\n<!-- Generated from the rules' documentation by `UPDATE_DOCS=1 cargo test --test docs`; do not edit. -->\n",
    );
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        if in_code || line.starts_with("```") {
            doc.push_str(line);
            doc.push('\n');
            continue;
        }
        if line.starts_with("Documentation: ") || (line.is_empty() && doc.ends_with("\n\n")) {
            continue; // the link to this very page; repeated blank lines
        }
        if let Some(title) = line.strip_prefix("# ") {
            // `# name (RDJ101)` → an anchor `rdj101` and a second-level title.
            let code = title.rsplit_once('(').map_or("", |(_, c)| c.trim_end_matches(')'));
            if !doc.ends_with("\n\n") {
                doc.push('\n');
            }
            doc.push_str(&format!("<a id=\"{}\"></a>\n\n## {title}\n", code.to_ascii_lowercase()));
        } else if let Some(section) = line.strip_prefix("## ") {
            doc.push_str(&format!("### {section}\n"));
        } else {
            doc.push_str(line);
            doc.push('\n');
        }
    }
    while doc.ends_with("\n\n") {
        doc.pop();
    }
    assert!(!in_code, "an unclosed code block in the rules' documentation");
    doc
}

#[test]
fn docs_rules_md_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let want = generated();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is out of date: run `UPDATE_DOCS=1 cargo test --test docs`"
    );
    // Every rule has its anchor.
    for code in ["rdj000", "rdj101", "rdj108", "rdj202", "rdj302", "rdj401", "rdj604"] {
        assert!(have.contains(&format!("<a id=\"{code}\"></a>")), "{code}");
    }
}
