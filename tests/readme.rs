//! README.md stays true to the binary: its rule table lists exactly the rules
//! `rule --all` prints (code, name, default severity, in that order), its
//! configuration reference names every key the configuration accepts, and
//! its first commands are the two set-up commands.
//!
//! After adding or renaming a rule: `UPDATE_README=1 cargo test --test readme`
//! rewrites the table's generated columns. The "what it flags" column is
//! written by hand: it is kept for existing rules and starts as the first
//! sentence of "What it does" for a new one (shorten it then).

mod common;

use std::path::PathBuf;

const BEGIN: &str = "<!-- rules:begin -->\n";
const END: &str = "<!-- rules:end -->";

struct RuleDoc {
    code: String,
    name: String,
    severity: String,
    doc: String,
}

fn rules() -> Vec<RuleDoc> {
    let out = common::bin()
        .args(["rule", "--all", "--output-format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let all: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!all.is_empty());
    all.iter()
        .map(|r| RuleDoc {
            code: r["code"].as_str().unwrap().to_owned(),
            name: r["name"].as_str().unwrap().to_owned(),
            severity: r["severity"].as_str().unwrap().to_owned(),
            doc: r["doc"].as_str().unwrap().to_owned(),
        })
        .collect()
}

/// The cells of a table row, `|` inside a cell written `\|`.
fn cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().unwrap().push_str("\\|");
                chars.next();
            }
            '|' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out.iter().map(|c| c.trim().to_owned()).collect()
}

/// The first sentence of a rule's "What it does", on one line, for a table cell.
fn first_sentence(doc: &str) -> String {
    let what = doc
        .split("## What it does")
        .nth(1)
        .unwrap_or(doc)
        .split("\n\n")
        .find(|p| !p.trim().is_empty())
        .unwrap_or("");
    let what = what.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = what.find(". ").map_or(what.len(), |i| i + 1);
    let sentence = what[..end].trim_end_matches('.');
    // "Reports a …" / "Flags a …" → "a …": the column says what is flagged.
    let sentence = ["Reports ", "Flags "]
        .iter()
        .find_map(|verb| sentence.strip_prefix(verb))
        .unwrap_or(sentence);
    let mut chars = sentence.chars();
    let lowered = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    lowered.replace('|', "\\|")
}

fn table(rules: &[RuleDoc], summaries: &[(String, String)]) -> String {
    let mut out = String::from("| code | name | default severity | what it flags |\n|---|---|---|---|\n");
    for r in rules {
        let summary = summaries
            .iter()
            .find(|(code, _)| *code == r.code)
            .map(|(_, s)| s.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| first_sentence(&r.doc));
        out.push_str(&format!(
            "| [{}](docs/rules.md#{}) | {} | {} | {} |\n",
            r.code,
            r.code.to_ascii_lowercase(),
            r.name,
            r.severity,
            summary
        ));
    }
    out
}

fn readme_path() -> PathBuf {
    common::repo().join("README.md")
}

fn section<'a>(readme: &'a str, title: &str) -> &'a str {
    let start = readme
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("README.md has no `## {title}` section"));
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 4);
    &rest[..end]
}

#[test]
fn rule_table_is_rule_all() {
    let path = readme_path();
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme
        .find(BEGIN)
        .expect("README.md lacks the `<!-- rules:begin -->` marker")
        + BEGIN.len();
    let end = start
        + readme[start..]
            .find(END)
            .expect("README.md lacks the `<!-- rules:end -->` marker");
    let have = &readme[start..end];
    let summaries: Vec<(String, String)> = have
        .lines()
        .filter(|l| l.starts_with("| [RDJ") || l.starts_with("| RDJ"))
        .map(|l| {
            let c = cells(l);
            let code = c[0].trim_start_matches('[').split(']').next().unwrap().to_owned();
            (code, c.last().cloned().unwrap_or_default())
        })
        .collect();
    let rules = rules();
    let want = table(&rules, &summaries);
    if std::env::var_os("UPDATE_README").is_some() && have != want {
        // Written aside and renamed: the other tests read README.md meanwhile.
        let updated = format!("{}{}{}", &readme[..start], want, &readme[end..]);
        let aside = path.with_extension("md.update");
        std::fs::write(&aside, updated).unwrap();
        std::fs::rename(&aside, &path).unwrap();
        return;
    }
    assert!(
        have == want,
        "README.md's rule table differs from `reflex-django-lsp rule --all`: run `UPDATE_README=1 cargo test --test readme`\n--- README\n{have}\n--- rule --all\n{want}"
    );
    // Every row is in the table, in order, once.
    let codes: Vec<&str> = summaries.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(codes, rules.iter().map(|r| r.code.as_str()).collect::<Vec<_>>());
}

#[test]
fn configuration_reference_names_every_key() {
    let readme = std::fs::read_to_string(readme_path()).unwrap();
    let reference = section(&readme, "Configuration");
    for key in reflex_django_lsp::config::KEYS {
        if *key == "database" {
            continue;
        }
        assert!(
            reference.contains(&format!("| `{key}` |")),
            "README's Configuration table lacks `{key}`"
        );
    }
    for key in reflex_django_lsp::config::DATABASE_KEYS {
        assert!(
            reference.contains(&format!("| `database.{key}` |")),
            "README's Configuration table lacks `database.{key}`"
        );
    }
    // The documented defaults are the code's.
    let row = |key: &str| {
        reference
            .lines()
            .find(|l| l.starts_with(&format!("| `{key}` |")))
            .map(cells)
            .unwrap()
    };
    use reflex_django_lsp::config as c;
    assert_eq!(
        row("follow-calls-depth")[1],
        format!("`{}`", c::DEFAULT_FOLLOW_CALLS_DEPTH)
    );
    assert_eq!(
        row("database.connect-timeout-ms")[1],
        format!("`{}`", c::DEFAULT_CONNECT_TIMEOUT_MS)
    );
    assert_eq!(
        row("database.statement-timeout-ms")[1],
        format!("`{}`", c::DEFAULT_STATEMENT_TIMEOUT_MS)
    );
    assert!(row("django-version")[1].ends_with(&format!("else `\"{}\"`", c::DjangoVersion::DEFAULT)));
    // Every key the reference names is accepted by the configuration.
    for line in reference.lines().filter(|l| l.starts_with("| `")) {
        let key = cells(line)[0].trim_matches('`').to_owned();
        let known = match key.strip_prefix("database.") {
            Some(k) => c::DATABASE_KEYS.contains(&k),
            None => c::KEYS.contains(&key.as_str()),
        };
        assert!(
            known,
            "README documents `{key}`, which the configuration does not accept"
        );
    }
}

#[test]
fn setup_is_two_commands() {
    // A newcomer's two commands: the main job on fixtures/, the whole suite.
    let readme = std::fs::read_to_string(readme_path()).unwrap();
    let setup = section(&readme, "Set-up");
    let block = setup
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a ```sh block in Set-up");
    let commands: Vec<&str> = block
        .lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(commands, ["cargo run --release -- check fixtures/shop", "bash .ci/run"]);
    assert!(common::repo().join(".ci/run").exists());
    // And Set-up is the first section.
    let first = readme.find("\n## ").unwrap();
    assert!(readme[first..].starts_with("\n## Set-up\n"));
}

#[test]
fn sample_output_is_the_real_output() {
    // Set-up's sample: the first findings exactly as printed, `...`, then the
    // closing lines exactly as printed.
    let readme = std::fs::read_to_string(readme_path()).unwrap();
    let setup = section(&readme, "Set-up");
    let sample = setup
        .split("```")
        .skip(1)
        .step_by(2)
        .find_map(|block| block.strip_prefix('\n').filter(|b| b.contains("\n...\n")))
        .expect("a plain ``` block with the sample output in Set-up");
    let (head, tail) = sample
        .split_once("\n...\n")
        .expect("the sample elides the middle with `...`");
    let out = common::bin()
        .args(["check", "fixtures/shop", "--no-cache"])
        .current_dir(common::repo())
        .env_remove("CLICOLOR_FORCE")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let real = String::from_utf8(out.stdout).unwrap();
    assert!(
        real.starts_with(&format!("{head}\n")),
        "README's sample output does not begin as `check fixtures/shop` does:\n--- README\n{head}\n--- real\n{}",
        &real[..real.len().min(head.len() + 200)]
    );
    assert!(
        real.ends_with(tail),
        "README's sample output does not end as `check fixtures/shop` does:\n--- README\n{tail}--- real\n{}",
        &real[real.len().saturating_sub(tail.len() + 200)..]
    );
}
