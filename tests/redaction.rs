//! No password ever reaches the user (issue 14): 44 shapes of database URL
//! with a password, given through every source (`--database-url`,
//! `DATABASE_URL`, the config file, the settings module, the editor's
//! `databaseUrl`), and every output path: `check` in every format,
//! `schema` (text, JSON), configuration errors, the server's diagnostics and
//! log messages. Every password holds the marker `Zq9` in each of its
//! pieces, so a password shown whole or in part — or a host name taken from
//! one and looked up — shows as `Zq9` in the output.

mod common;

use std::path::Path;

use common::lsp::Lsp;
use serde_json::{json, Value};

const MARKER: &str = "Zq9";
const PW: &str = "Zq9-Secret";

/// (URL, whether it is shaped like a URL, so that a settings module holding
/// it in a string literal can be recognized as holding a password).
fn shapes() -> Vec<(String, bool)> {
    let pw = |t: &str| t.replace("{pw}", PW);
    let with = |t: &str, p: &str| t.replace("{pw}", p);
    let mut out: Vec<String> = [
        // Well-formed, every backend and driver suffix.
        "postgres://u:{pw}@127.0.0.1:1/db",
        "postgresql://u:{pw}@127.0.0.1:1/db",
        "postgresql+psycopg://u:{pw}@127.0.0.1:1/db",
        "postgresql+asyncpg://u:{pw}@127.0.0.1:1/db",
        "POSTGRES://u:{pw}@127.0.0.1:1/db",
        "mysql://u:{pw}@127.0.0.1:1/db",
        "mysql+pymysql://u:{pw}@127.0.0.1:1/db",
        "mariadb://u:{pw}@127.0.0.1:1/db",
        "postgres://:{pw}@127.0.0.1:1/db",
        "postgres://user%40corp:{pw}@127.0.0.1:1/db",
        "postgres://u:{pw}@[::1]:1/db",
        "postgres://u:{pw}@127.0.0.1:1",
        "postgres://u:{pw}@127.0.0.1:1/db#fragment",
        "postgres://u:{pw}@127.0.0.1:1/db?sslmode=disable",
        "postgres://u:{pw}@/db?host=/nonexistent-socket-dir",
        // Malformed: one slash, no scheme, misspelled or unknown scheme.
        "postgres:/u:{pw}@host/db",
        "mysql:/u:{pw}@host/db",
        "u:{pw}@host/db",
        "//u:{pw}@host/db",
        "postgress://u:{pw}@h/db",
        "postgre://u:{pw}@h/db",
        "oracle://u:{pw}@h/db",
        // Passwords in the query, keys plain and percent-encoded.
        "postgres://127.0.0.1:1/db?password={pw}",
        "postgres://127.0.0.1:1/db?PASSWORD={pw}&sslmode=disable",
        "postgres://127.0.0.1:1/db?pass%77ord={pw}",
        "postgres://127.0.0.1:1/db?%70assword={pw}",
        "postgres://127.0.0.1:1/db?sslmode=disable&pwd={pw}",
        "mysql://127.0.0.1:1/db?pass={pw}",
        // Invalid parts after a password.
        "postgres://u:{pw}@127.0.0.1:99999/db",
        "postgres://u:{pw}@127.0.0.1:abc/db",
        "postgres://u:{pw}%zz@127.0.0.1:1/db",
        "postgres://u:{pw}@bad host/db",
        // Not a URL at all: a password where the URL goes.
        "{pw}",
        "{pw}:x",
    ]
    .iter()
    .map(|t| pw(t))
    .collect();
    // Raw special characters in the password: `@`, `/` (whose second half
    // must never be looked up as a host), `?`, `#`, `:`, a space, `%`.
    for (template, password) in [
        ("postgres://u:{pw}@127.0.0.1:1/db", "Zq9a@Zq9b"),
        ("mysql://u:{pw}@127.0.0.1:1/db", "Zq9a@Zq9b"),
        ("postgres://u:{pw}@127.0.0.1:1/db", "Zq9a/Zq9evil.invalid"),
        ("postgres://u:{pw}@127.0.0.1:1/db", "Zq9a@Zq9evil.invalid/Zq9c"),
        ("postgres://u:{pw}@127.0.0.1:1/db", "Zq9a?Zq9b"),
        ("postgres://u:{pw}@127.0.0.1:1/db", "Zq9a#Zq9b"),
        ("postgres://u:{pw}@127.0.0.1:1/db", "Zq9a:Zq9b"),
        ("postgres://u:{pw}@127.0.0.1:1/db", "Zq9a Zq9b"),
        ("postgres://u:{pw}@127.0.0.1:1/db", "Zq9a%40Zq9b"),
        ("u:{pw}@host/db", "Zq9a/Zq9b"),
    ] {
        out.push(with(template, password));
    }
    out.into_iter()
        .map(|u| {
            let url_shaped = u.contains('@') || u.contains("://");
            (u, url_shaped)
        })
        .collect()
}

/// A copy of the shop project whose database comes from `source`.
fn project(url: &str, source: Source) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_project(&common::repo().join("fixtures/shop"), dir.path());
    match source {
        Source::Config => std::fs::write(
            dir.path().join(".reflex-django-lsp.toml"),
            format!("[database]\nurl = {}\n", toml_string(url)),
        )
        .unwrap(),
        Source::Settings => {
            let settings = dir.path().join("shop_project/settings.py");
            let text = std::fs::read_to_string(&settings).unwrap();
            let start = text.find("DATABASES = {").unwrap();
            let end = start + text[start..].find("\n}\n").unwrap() + 3;
            let text = format!(
                "{}import dj_database_url\nDATABASES = {{'default': dj_database_url.config(default={:?})}}\n{}",
                &text[..start],
                url,
                &text[end..]
            );
            std::fs::write(&settings, text).unwrap();
        }
        Source::Flag | Source::Environment => {}
    }
    dir
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    Flag,
    Environment,
    Config,
    Settings,
}

const SOURCES: [Source; 4] = [Source::Flag, Source::Environment, Source::Config, Source::Settings];

/// Runs the binary with `url` from `source`; stdout and stderr together.
fn run(dir: &Path, url: &str, source: Source, args: &[&str]) -> String {
    let mut cmd = common::bin();
    cmd.current_dir(dir).args(args).env_remove("DATABASE_URL");
    match source {
        Source::Flag => {
            cmd.args(["--database-url", url]);
        }
        Source::Environment => {
            cmd.env("DATABASE_URL", url);
        }
        Source::Config | Source::Settings => {}
    }
    let out = cmd.output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The password is nowhere, no host was taken from it, and the finding says
/// why the database could not be read.
fn assert_hidden(output: &str, url: &str, what: &str) {
    assert!(
        !output.contains(MARKER),
        "{what}: a password shown for {url:?}:\n{output}"
    );
    assert!(
        !output.contains("evil"),
        "{what}: a host from a password for {url:?}:\n{output}"
    );
    // A connection attempt names the real host only.
    // (The `full` format wraps lines behind a `│`.)
    let flat = output
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for attempt in flat.match_indices("connecting to ") {
        let named = &flat[attempt.0 + "connecting to ".len()..];
        assert!(
            ["127.0.0.1", "[::1]", "localhost"]
                .iter()
                .any(|h| named.starts_with(h) || named.contains(&format!(" at {h}"))),
            "{what}: {url:?}: {output}"
        );
    }
}

#[test]
fn there_are_enough_shapes() {
    assert!(shapes().len() >= 40, "{}", shapes().len());
}

#[test]
fn check_in_every_format_never_shows_a_password() {
    let formats = ["full", "concise", "json", "json-lines", "github", "sarif"];
    for (i, (url, url_shaped)) in shapes().into_iter().enumerate() {
        for (j, format) in formats.iter().enumerate() {
            let mut source = SOURCES[(i + j) % SOURCES.len()];
            // A settings literal that is not even shaped like a URL cannot
            // be told from any other string in a source snippet.
            if source == Source::Settings && !url_shaped {
                source = Source::Flag;
            }
            let dir = project(&url, source);
            let out = run(
                dir.path(),
                &url,
                source,
                &[
                    "check",
                    ".",
                    "--select",
                    "RDJ5",
                    "--no-cache",
                    "--exit-zero",
                    "--output-format",
                    format,
                ],
            );
            assert_hidden(&out, &url, &format!("check --output-format {format} ({source:?})"));
            assert!(out.contains("RDJ509"), "{url:?} {format} {source:?}: {out}");
        }
    }
}

#[test]
fn schema_in_every_format_never_shows_a_password() {
    for (i, (url, url_shaped)) in shapes().into_iter().enumerate() {
        for (j, format) in ["text", "json"].iter().enumerate() {
            let mut source = SOURCES[(i + j) % SOURCES.len()];
            if source == Source::Settings && !url_shaped {
                source = Source::Flag;
            }
            let dir = project(&url, source);
            let out = run(dir.path(), &url, source, &["schema", ".", "--output-format", format]);
            assert_hidden(&out, &url, &format!("schema --output-format {format} ({source:?})"));
        }
    }
}

#[test]
fn a_url_echoed_by_a_configuration_error_is_redacted() {
    for (url, url_shaped) in shapes() {
        if !url_shaped {
            continue; // a bare word is echoed as the unknown rule code it is
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app.py"), "x = 1\n").unwrap();
        for config in [
            format!("select = [{}]\n", toml_string(&url)),
            format!("ignore = [{}]\n", toml_string(&url)),
            format!("[severity]\n{} = \"error\"\n", toml_string(&url)),
            format!("django-version = {}\n", toml_string(&url)),
            format!("[database]\npassword = {}\n", toml_string(&url)),
            format!("[database]\nurl = [{}]\n", toml_string(&url)),
        ] {
            std::fs::write(dir.path().join(".reflex-django-lsp.toml"), &config).unwrap();
            let out = run(dir.path(), &url, Source::Config, &["check", ".", "--no-cache"]);
            assert!(out.contains(".reflex-django-lsp.toml"), "a config error: {out}");
            assert_hidden(&out, &url, &format!("config error for {config:?}"));
        }
    }
}

#[test]
fn a_password_in_the_settings_dict_is_masked_in_the_source_snippet() {
    for password in [PW, "Zq9a@Zq9b/Zq9c", "Zq9 x", "Zq9'"] {
        let dir = tempfile::tempdir().unwrap();
        common::copy_project(&common::repo().join("fixtures/shop"), dir.path());
        let settings = dir.path().join("shop_project/settings.py");
        let text = std::fs::read_to_string(&settings).unwrap();
        let start = text.find("DATABASES = {").unwrap();
        let end = start + text[start..].find("\n}\n").unwrap() + 3;
        // The finding spans the dict: the snippet shows every line of it.
        let text = format!(
            "{}DB_PASSWORD = {password:?}\nDATABASES = {{\"default\": {{\"ENGINE\": \"django.db.backends.postgresql\", \"NAME\": \"shop\", \"USER\": \"shop\",\n    \"PASSWORD\": {password:?}, \"HOST\": \"127.0.0.1\", \"PORT\": \"1\"}}}}\n{}",
            &text[..start],
            &text[end..]
        );
        std::fs::write(&settings, text).unwrap();
        let out = run(
            dir.path(),
            "",
            Source::Settings,
            &["check", ".", "--select", "RDJ5", "--no-cache", "--exit-zero"],
        );
        assert!(out.contains("\"PASSWORD\": \"********\""), "{out}");
        assert!(out.contains("DB_PASSWORD = \"********\""), "{out}");
        assert_hidden(&out, password, "full snippet");
    }
}

#[test]
fn a_one_letter_password_garbles_no_message() {
    for url in [
        "postgres://u:p@127.0.0.1:1/db",
        "postgres://u:o@127.0.0.1:1/db",
        "mysql://u:e@127.0.0.1:1/db",
    ] {
        let dir = project(url, Source::Flag);
        let out = run(
            dir.path(),
            url,
            Source::Flag,
            &[
                "check",
                ".",
                "--select",
                "RDJ5",
                "--no-cache",
                "--exit-zero",
                "--output-format",
                "concise",
            ],
        );
        assert!(out.contains("u:***@127.0.0.1:1"), "{out}");
        // `***` only ever replaces whole parts, never letters inside words.
        for (at, _) in out.match_indices("***") {
            let before = out[..at].chars().next_back();
            let after = out[at + 3..].chars().next();
            assert!(
                !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric),
                "{url}: {out}"
            );
        }
    }
}

/// Every message the server sent until the settings file's RDJ509 arrived
/// and shortly after, as text.
fn server_session(url: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    common::copy_project(&common::repo().join("fixtures/shop"), dir.path());
    let root = dir.path().canonicalize().unwrap();
    // A broken config file (its error is logged and shown), and the URL in
    // the editor's settings, also where it is not valid (`select`).
    std::fs::write(
        root.join(".reflex-django-lsp.toml"),
        format!("select = [{}]\n", toml_string(url)),
    )
    .unwrap();
    let mut lsp = Lsp::start_with_env(&root, &[("DATABASE_URL", url)]);
    let uri_of = |p: &Path| format!("file://{}", p.display());
    let options = json!({"databaseUrl": url, "select": [url], "exclude": [url], "severity": {url: url}});
    let mut seen: Vec<Value> = Vec::new();
    seen.push(lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri_of(&root), "initializationOptions": options, "capabilities": {}}),
    ));
    lsp.notify("initialized", json!({}));
    lsp.notify("workspace/didChangeConfiguration", json!({"settings": options}));
    let settings = root.join("shop_project/settings.py");
    let settings_uri = uri_of(&settings);
    lsp.open(&settings_uri, &std::fs::read_to_string(&settings).unwrap());
    let diags = lsp.diagnostics_until(&settings_uri, |d| d.iter().any(|d| d["code"] == "RDJ509"));
    seen.extend(diags);
    while let Some(msg) = lsp.next_unanswered(std::time::Duration::from_millis(300)) {
        seen.push(msg);
    }
    lsp.shutdown();
    serde_json::to_string(&seen).unwrap()
}

#[test]
fn the_server_never_shows_a_password() {
    for (url, url_shaped) in shapes() {
        let all = server_session(&url);
        assert!(all.contains("RDJ509"), "{url}: {all}");
        assert!(all.contains("window/logMessage"), "the config error is logged: {all}");
        if url_shaped {
            assert_hidden(&all, &url, "server");
        } else {
            // A bare word in `select` is an unknown rule code (shown as it
            // is, being no URL), but never as the database URL.
            let rdj509: Vec<&str> = all.match_indices("The database `").map(|(i, _)| &all[i..]).collect();
            assert!(
                rdj509.iter().all(|m| m.starts_with("The database `***`")),
                "{url}: {all}"
            );
        }
    }
}
