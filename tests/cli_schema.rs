//! The schema checks end to end through the binary: RDJ503 without any
//! database, the `schema` command, and the safety promises of SPEC §4 — a
//! database is only ever read (a SQLite file stays byte for byte the same),
//! a password never appears in any output, and an unreachable database is
//! one RDJ509 finding within the connect timeout while the static checks
//! still run; `schema` and RDJ509 say which database was read and where its
//! URL came from.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

/// A copy of `fixtures/shop` (without caches or databases).
fn shop_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_project(&common::repo().join("fixtures/shop"), dir.path());
    dir
}

fn edit(path: &Path, old: &str, new: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(text.matches(old).count(), 1, "{old:?} in {}", path.display());
    std::fs::write(path, text.replace(old, new)).unwrap();
}

fn line_of(path: &Path, needle: &str) -> u64 {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().position(|l| l.contains(needle)).expect(needle) as u64 + 1
}

/// `check DIR --select RDJ5 --output-format json` with extra arguments; the
/// raw output too (for the password checks).
fn check(dir: &Path, extra: &[&str], envs: &[(&str, &str)]) -> (Vec<Value>, String, Duration) {
    let started = Instant::now();
    let out = common::bin()
        .arg("check")
        .arg(dir)
        .args([
            "--select",
            "RDJ5",
            "--output-format",
            "json",
            "--exit-zero",
            "--no-cache",
        ])
        .args(extra)
        .envs(envs.iter().copied())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "check failed: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let findings: Vec<Value> = serde_json::from_str(&stdout).expect("JSON");
    (findings, format!("{stdout}{stderr}"), took)
}

fn summary(findings: &[Value], root: &Path) -> Vec<(String, String, u64)> {
    let root = root.canonicalize().unwrap();
    let mut out: Vec<_> = findings
        .iter()
        .map(|f| {
            let file = PathBuf::from(f["filename"].as_str().unwrap());
            let rel = file.strip_prefix(&root).unwrap_or(&file).display().to_string();
            (
                f["code"].as_str().unwrap().to_owned(),
                rel,
                f["location"]["row"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn models_matching_their_migrations_give_no_schema_finding() {
    for project in ["shop", "accounts", "library"] {
        let dir = common::repo().join("fixtures").join(project);
        let (findings, _, _) = check(&dir, &["--no-database"], &[]);
        assert!(findings.is_empty(), "{project}: {findings:#?}");
    }
}

#[test]
fn a_field_without_migration_is_rdj503_on_its_line_without_any_database() {
    let dir = shop_copy();
    let models = dir.path().join("catalog/models.py");
    edit(
        &models,
        "    image_url = models.URLField(blank=True)\n",
        "    image_url = models.URLField(blank=True)\n    barcode = models.CharField(max_length=13, blank=True)\n",
    );
    edit(
        &models,
        "    phone = models.CharField(max_length=32, blank=True)",
        "    phone = models.CharField(max_length=40, blank=True)",
    );
    let (findings, _, _) = check(dir.path(), &["--no-database"], &[]);
    assert_eq!(
        summary(&findings, dir.path()),
        [
            (
                "RDJ503".to_owned(),
                "catalog/models.py".to_owned(),
                line_of(&models, "barcode = ")
            ),
            (
                "RDJ503".to_owned(),
                "catalog/models.py".to_owned(),
                line_of(&models, "phone = ")
            ),
        ]
    );
    let messages: Vec<&str> = findings.iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("Add field `barcode` to `product`")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("Alter field `phone` on `customer`")),
        "{messages:?}"
    );
    // `# noqa` works as for any rule.
    edit(
        &models,
        "    barcode = models.CharField(max_length=13, blank=True)\n",
        "    barcode = models.CharField(max_length=13, blank=True)  # noqa: RDJ503\n",
    );
    let (findings, _, _) = check(dir.path(), &["--no-database"], &[]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
}

#[test]
fn an_unreachable_database_is_one_rdj509_within_the_timeout_and_static_checks_still_run() {
    let dir = shop_copy();
    let models = dir.path().join("catalog/models.py");
    edit(
        &models,
        "    image_url = models.URLField(blank=True)\n",
        "    image_url = models.URLField(blank=True)\n    barcode = models.CharField(max_length=13, blank=True)\n",
    );
    std::fs::write(
        dir.path().join(".reflex-django-lsp.toml"),
        "[database]\nconnect-timeout-ms = 800\n",
    )
    .unwrap();
    // A server that accepts connections and never answers: the connect
    // timeout decides.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let conns: Vec<_> = silent.incoming().take(8).collect();
        std::thread::sleep(Duration::from_secs(30));
        drop(conns);
    });
    for url in [
        "postgres://shop:Sup3r-S3cret-pw@127.0.0.1:1/shop".to_owned(),
        "mysql://shop:Sup3r-S3cret-pw@127.0.0.1:1/shop".to_owned(),
        format!("postgres://shop:Sup3r-S3cret-pw@127.0.0.1:{port}/shop"),
        format!("mysql://shop:Sup3r-S3cret-pw@127.0.0.1:{port}/shop"),
    ] {
        let url = url.as_str();
        let (findings, raw, took) = check(dir.path(), &["--database-url", url], &[]);
        assert!(!raw.contains("Sup3r-S3cret-pw"), "password printed: {raw}");
        let codes = summary(&findings, dir.path());
        let unavailable: Vec<_> = codes.iter().filter(|c| c.0 == "RDJ509").collect();
        assert_eq!(unavailable.len(), 1, "{url}: {codes:?}");
        assert_eq!(
            unavailable[0].1, "shop_project/settings.py",
            "on the file that configures the database"
        );
        assert!(
            codes.iter().any(|c| c.0 == "RDJ503"),
            "static checks still run: {codes:?}"
        );
        assert!(took < Duration::from_millis(800 + 2500), "{url}: took {took:?}");
        let message = findings.iter().find(|f| f["code"] == "RDJ509").unwrap()["message"]
            .as_str()
            .unwrap();
        assert!(message.contains("***"), "the URL shown without its password: {message}");
    }
    // The same through the environment, and in every output format.
    for format in ["full", "concise", "json-lines", "github", "sarif"] {
        let out = common::bin()
            .current_dir(dir.path())
            .args([
                "check",
                ".",
                "--select",
                "RDJ5",
                "--no-cache",
                "--output-format",
                format,
            ])
            .env("DATABASE_URL", "postgres://shop:Sup3r-S3cret-pw@127.0.0.1:1/shop")
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains("RDJ509"), "{format}: {all}");
        assert!(!all.contains("Sup3r-S3cret-pw"), "{format}: password printed: {all}");
    }
}

#[test]
fn a_sqlite_file_the_settings_name_but_nobody_created_is_no_finding() {
    // The shop's settings name BASE_DIR / "db.sqlite3", which a fresh
    // checkout does not have: no database yet, nothing to compare.
    let dir = shop_copy();
    let (findings, _, _) = check(dir.path(), &[], &[]);
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(!dir.path().join("db.sqlite3").exists(), "never created");
    // Named explicitly, a missing file is an error (and still not created).
    let missing = dir.path().join("missing.db");
    let url = format!("sqlite:///{}", missing.display());
    let (findings, _, _) = check(dir.path(), &["--database-url", &url], &[]);
    let codes = summary(&findings, dir.path());
    assert_eq!(codes.iter().filter(|c| c.0 == "RDJ509").count(), 1, "{codes:?}");
    assert!(!missing.exists());
}

#[test]
fn in_memory_test_databases_in_the_settings_are_no_finding() {
    // `sqlite://` and `sqlite:///` are in-memory for dj-database-url and
    // django-environ (test settings use them): nothing to read, no RDJ509.
    // Asked for explicitly, it is one.
    for url in ["sqlite://", "sqlite:///", "sqlite:///:memory:"] {
        let dir = shop_copy();
        let settings = dir.path().join("shop_project/settings.py");
        let text = std::fs::read_to_string(&settings).unwrap();
        let start = text.find("DATABASES = {").unwrap();
        let end = start + text[start..].find("\n}\n").unwrap() + 3;
        let text = format!(
            "{}import dj_database_url\nDATABASES = {{'default': dj_database_url.config(default='{url}')}}\n{}",
            &text[..start],
            &text[end..]
        );
        std::fs::write(&settings, text).unwrap();
        let (findings, _, _) = check(dir.path(), &[], &[]);
        assert!(findings.is_empty(), "{url}: {findings:#?}");
        let (findings, _, _) = check(dir.path(), &["--database-url", url], &[]);
        let codes = summary(&findings, dir.path());
        assert_eq!(codes.iter().filter(|c| c.0 == "RDJ509").count(), 1, "{url}: {codes:?}");
    }
}

/// Real Django migrates a copy of the shop into a SQLite file.
fn migrated_shop() -> Option<(tempfile::TempDir, PathBuf)> {
    let python = match common::django_python() {
        Ok(p) => p,
        Err(why) => {
            common::skip_or_fail(&why);
            return None;
        }
    };
    let dir = shop_copy();
    let db = dir.path().join("db.sqlite3");
    let out = Command::new(python)
        .arg(common::repo().join("tests/schema/django_db.py"))
        .args(["--project"])
        .arg(dir.path())
        .args([
            "--url",
            &format!("sqlite:///{}", db.display()),
            "--",
            "migrate",
            "--noinput",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "migrate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some((dir, db))
}

#[test]
fn a_migrated_sqlite_database_is_read_and_never_written() {
    let Some((dir, db)) = migrated_shop() else { return };
    let before = std::fs::read(&db).unwrap();
    let modified = std::fs::metadata(&db).unwrap().modified().unwrap();
    // The settings' own database (BASE_DIR / "db.sqlite3"): it exists now.
    let (findings, _, _) = check(dir.path(), &[], &[]);
    assert!(findings.is_empty(), "{findings:#?}");
    // Drift appears once the models change: RDJ503 and RDJ505 on the field.
    let models = dir.path().join("catalog/models.py");
    edit(
        &models,
        "    image_url = models.URLField(blank=True)\n",
        "    image_url = models.URLField(blank=True)\n    barcode = models.CharField(max_length=13, blank=True)\n",
    );
    let (findings, _, _) = check(dir.path(), &[], &[]);
    let line = line_of(&models, "barcode = ");
    assert_eq!(
        summary(&findings, dir.path()),
        [
            ("RDJ503".to_owned(), "catalog/models.py".to_owned(), line),
            ("RDJ505".to_owned(), "catalog/models.py".to_owned(), line),
        ]
    );
    assert_eq!(std::fs::read(&db).unwrap(), before, "the database file changed");
    assert_eq!(std::fs::metadata(&db).unwrap().modified().unwrap(), modified);
    for suffix in ["-wal", "-shm", "-journal"] {
        let side = PathBuf::from(format!("{}{suffix}", db.display()));
        assert!(
            !side.exists() || std::fs::metadata(&side).unwrap().len() == 0,
            "{} written",
            side.display()
        );
    }
}

#[test]
fn the_schema_command_prints_tables_per_backend_and_the_drift() {
    let dir = common::repo().join("fixtures/shop");
    let out = common::bin()
        .args(["schema"])
        .arg(&dir)
        .args(["--no-database"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("catalog.Product → table catalog_product"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("price ") && l.contains("decimal  ") && l.contains("numeric(10,2)  ")),
        "{text}"
    );
    assert!(text.contains("Drift: none"), "{text}");
    let out = common::bin()
        .args(["schema"])
        .arg(&dir)
        .args(["--no-database", "--output-format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let tables = json["projects"][0]["tables"].as_array().unwrap();
    let product = tables
        .iter()
        .find(|t| t["table"]["sqlite"] == "catalog_product")
        .unwrap();
    let sku = product["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "sku")
        .unwrap();
    assert_eq!(sku["types"]["sqlite"], "varchar(32)");
    assert_eq!(sku["types"]["postgresql"], "varchar(32)");
    // Each backend's own spelling, the one RDJ506 uses too.
    let price = product["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "price")
        .unwrap();
    assert_eq!(price["types"]["sqlite"], "decimal");
    assert_eq!(price["types"]["postgresql"], "numeric(10,2)");
    assert_eq!(price["types"]["mysql"], "decimal(10,2)");
    let id = product["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "id")
        .unwrap();
    assert_eq!(id["types"]["sqlite"], "integer");
    assert!(
        id["types"]["postgresql"].as_str().unwrap().starts_with("bigint"),
        "{id}"
    );
    let m2m = tables
        .iter()
        .find(|t| t["table"]["sqlite"] == "catalog_product_tags")
        .unwrap();
    assert_eq!(m2m["many_to_many_field"], "tags");
    assert_eq!(json["findings"].as_array().unwrap().len(), 0);
    // The same project prints the same bytes (CI jobs diff it): backends in
    // one order, not a hash map's.
    let raw = String::from_utf8_lossy(&out.stdout);
    let at = |key: &str| raw.find(&format!("\"{key}\": \"catalog_product\"")).unwrap();
    assert!(
        at("mysql") < at("postgresql") && at("postgresql") < at("sqlite"),
        "{raw}"
    );
}

#[test]
fn a_cached_result_is_not_reused_once_the_configured_database_appears() {
    let dir = shop_copy();
    let cached = |dir: &Path| -> Vec<Value> {
        let out = common::bin()
            .arg("check")
            .arg(dir)
            .args(["--select", "RDJ5", "--output-format", "json", "--exit-zero"])
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // Files older than the cache's racy window, so that the run is stored.
    std::thread::sleep(Duration::from_millis(2100));
    assert!(cached(dir.path()).is_empty());
    assert!(cached(dir.path()).is_empty(), "served from the cache");
    // The settings' db.sqlite3 appears (here: not a database at all).
    std::fs::write(dir.path().join("db.sqlite3"), "not a database\n").unwrap();
    let findings = cached(dir.path());
    assert_eq!(
        summary(&findings, dir.path())
            .iter()
            .filter(|c| c.0 == "RDJ509")
            .count(),
        1,
        "{findings:#?}"
    );
    // And a database given in the environment is part of the key too.
    std::fs::remove_file(dir.path().join("db.sqlite3")).unwrap();
    assert!(cached(dir.path()).is_empty());
    let out = common::bin()
        .arg("check")
        .arg(dir.path())
        .args(["--select", "RDJ5", "--output-format", "concise", "--exit-zero"])
        .env("DATABASE_URL", "postgres://u:pw@127.0.0.1:1/x")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("RDJ509"));
}

#[test]
fn two_projects_sharing_an_app_report_its_change_once() {
    // A test project and an example project both install `shared` (found
    // by module name from each): the field added without a migration is
    // one finding, not one per project.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("shared/__init__.py", "");
    write(
        "shared/models.py",
        "from django.db import models\n\n\nclass Note(models.Model):\n    text = models.TextField()\n    extra = models.IntegerField(default=0)\n",
    );
    write("shared/migrations/__init__.py", "");
    write(
        "shared/migrations/0001_initial.py",
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n    operations = [\n        migrations.CreateModel(\n            name='Note',\n            fields=[\n                ('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),\n                ('text', models.TextField()),\n            ],\n        ),\n    ]\n",
    );
    for project in ["tests_project", "example"] {
        write(
            &format!("{project}/manage.py"),
            &format!("import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', '{project}_settings')\n"),
        );
        write(
            &format!("{project}/{project}_settings.py"),
            "INSTALLED_APPS = ['shared']\nDEFAULT_AUTO_FIELD = 'django.db.models.AutoField'\n",
        );
    }
    let (findings, _, _) = check(root, &["--no-database"], &[]);
    assert_eq!(
        summary(&findings, root),
        vec![("RDJ503".to_owned(), "shared/models.py".to_owned(), 6)],
        "{findings:?}"
    );
}

/// A local port nobody listens on: connections to it are refused at once.
fn refused_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// `schema .` in `dir` (so paths print relative to it), as text and as JSON,
/// with `DATABASE_URL` and friends unset unless `envs` sets them.
fn schema_in(dir: &Path, extra: &[&str], envs: &[(&str, &str)]) -> (String, Value) {
    let run = |format: &str| {
        let out = common::bin()
            .current_dir(dir)
            .args(["schema", ".", "--output-format", format])
            .args(extra)
            .env_remove("DATABASE_URL")
            .env_remove("RX_DATABASE_URL")
            .env_remove("REFLEX_DJANGO_DATABASE_URL")
            .envs(envs.iter().copied())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "schema failed: {stdout}{stderr}"
        );
        assert!(
            !stdout.contains("Sup3r-S3cret-pw") && !stderr.contains("Sup3r-S3cret-pw"),
            "password printed: {stdout}{stderr}"
        );
        stdout
    };
    let text = run("text");
    let json = serde_json::from_str(&run("json")).expect("JSON");
    (text, json)
}

/// The one RDJ509 of a `schema` JSON output: (file relative to `root`, row, message).
fn rdj509(json: &Value, root: &Path) -> (String, u64, String) {
    let root = root.canonicalize().unwrap();
    let found: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "RDJ509")
        .collect();
    assert_eq!(found.len(), 1, "{json:#}");
    let file = PathBuf::from(found[0]["filename"].as_str().unwrap());
    (
        file.strip_prefix(&root).unwrap_or(&file).display().to_string(),
        found[0]["location"]["row"].as_u64().unwrap(),
        found[0]["message"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn schema_and_rdj509_name_the_database_read_and_where_its_url_came_from() {
    let port = refused_port();
    let url = format!("postgres://shop:Sup3r-S3cret-pw@127.0.0.1:{port}/shop");
    let shown = format!("postgres://shop:***@127.0.0.1:{port}/shop");
    const SETTINGS_PY: &str = "shop_project/settings.py";

    struct Case {
        name: &'static str,
        setup: Box<dyn Fn(&Path)>,
        args: Vec<String>,
        envs: Vec<(&'static str, String)>,
        from: String,
        source: &'static str,
        /// The file that sets the URL, and the text on the line that does.
        file: Option<&'static str>,
        needle: Option<&'static str>,
        /// Where RDJ509 sits when the URL has no line of its own (row 1).
        at_file: &'static str,
        /// The URL shown; `None`: the project's `reflex.db` as a SQLite URL.
        shown_url: Option<String>,
    }
    fn without_databases(dir: &Path) {
        let settings = dir.join(SETTINGS_PY);
        let text = std::fs::read_to_string(&settings).unwrap();
        let start = text.find("DATABASES = {").unwrap();
        let end = start + text[start..].find("\n}\n").unwrap() + 3;
        std::fs::write(&settings, format!("{}{}", &text[..start], &text[end..])).unwrap();
    }
    let rx_url = url.clone();
    let settings_port = port;
    let cases = vec![
        Case {
            name: "flag",
            setup: Box::new(|_| {}),
            args: vec!["--database-url".into(), url.clone()],
            envs: vec![],
            from: "`--database-url`".into(),
            source: "flag",
            file: None,
            needle: None,
            at_file: SETTINGS_PY,
            shown_url: Some(shown.clone()),
        },
        Case {
            name: "flag over environment",
            setup: Box::new(|_| {}),
            args: vec!["--database-url".into(), url.clone()],
            envs: vec![("DATABASE_URL", "postgres://other@127.0.0.1:1/elsewhere".into())],
            from: "`--database-url`".into(),
            source: "flag",
            file: None,
            needle: None,
            at_file: SETTINGS_PY,
            shown_url: Some(shown.clone()),
        },
        Case {
            name: "environment",
            setup: Box::new(|_| {}),
            args: vec![],
            envs: vec![("RX_DATABASE_URL", url.clone())],
            from: "the environment variable `RX_DATABASE_URL`".into(),
            source: "env:RX_DATABASE_URL",
            file: None,
            needle: None,
            at_file: SETTINGS_PY,
            shown_url: Some(shown.clone()),
        },
        Case {
            name: "config file",
            setup: Box::new({
                let url = url.clone();
                move |dir: &Path| {
                    std::fs::write(
                        dir.join(".reflex-django-lsp.toml"),
                        format!("[database]\nurl = \"{url}\"\n"),
                    )
                    .unwrap()
                }
            }),
            args: vec![],
            envs: vec![],
            from: "`[database] url` in .reflex-django-lsp.toml".into(),
            source: "config",
            file: Some(".reflex-django-lsp.toml"),
            needle: None,
            at_file: SETTINGS_PY,
            shown_url: Some(shown.clone()),
        },
        Case {
            name: "pyproject.toml",
            setup: Box::new({
                let url = url.clone();
                move |dir: &Path| {
                    let path = dir.join("pyproject.toml");
                    let text = std::fs::read_to_string(&path).unwrap();
                    std::fs::write(
                        &path,
                        format!("{text}\n[tool.reflex-django-lsp.database]\nurl = \"{url}\"\n"),
                    )
                    .unwrap()
                }
            }),
            args: vec![],
            envs: vec![],
            from: "`[tool.reflex-django-lsp.database] url` in pyproject.toml".into(),
            source: "config",
            file: Some("pyproject.toml"),
            needle: None,
            at_file: SETTINGS_PY,
            shown_url: Some(shown.clone()),
        },
        Case {
            name: "settings",
            setup: Box::new(move |dir: &Path| {
                edit(
                    &dir.join(SETTINGS_PY),
                    "        \"ENGINE\": \"django.db.backends.sqlite3\",\n        \"NAME\": BASE_DIR / \"db.sqlite3\",\n",
                    &format!(
                        "        \"ENGINE\": \"django.db.backends.postgresql\",\n        \"NAME\": \"shop\",\n        \
                         \"USER\": \"shop\",\n        \"PASSWORD\": \"Sup3r-S3cret-pw\",\n        \
                         \"HOST\": \"127.0.0.1\",\n        \"PORT\": \"{settings_port}\",\n"
                    ),
                )
            }),
            args: vec![],
            envs: vec![],
            from: format!("`DATABASES` in {SETTINGS_PY}:LINE"),
            source: "settings",
            file: Some(SETTINGS_PY),
            needle: Some("DATABASES = {"),
            at_file: SETTINGS_PY,
            shown_url: Some(shown.clone()),
        },
        Case {
            name: "rxconfig",
            setup: Box::new(move |dir: &Path| {
                without_databases(dir);
                edit(
                    &dir.join("rxconfig.py"),
                    "    app_name=\"shop\",\n",
                    &format!("    app_name=\"shop\",\n    db_url=\"{rx_url}\",\n"),
                );
            }),
            args: vec![],
            envs: vec![],
            from: "`db_url` in rxconfig.py:LINE".into(),
            source: "rxconfig",
            file: Some("rxconfig.py"),
            needle: Some("db_url="),
            at_file: "rxconfig.py",
            shown_url: Some(shown.clone()),
        },
        Case {
            name: "default file",
            setup: Box::new(move |dir: &Path| {
                without_databases(dir);
                std::fs::write(dir.join("reflex.db"), "not a SQLite database, whatever its name says\n").unwrap();
            }),
            args: vec![],
            envs: vec![],
            from: "the default database file in the project folder".into(),
            source: "default-file",
            file: None,
            needle: None,
            at_file: SETTINGS_PY,
            shown_url: None,
        },
    ];
    for case in cases {
        let name = case.name;
        let dir = shop_copy();
        (case.setup)(dir.path());
        let root = dir.path().canonicalize().unwrap();
        let url = case
            .shown_url
            .clone()
            .unwrap_or_else(|| format!("sqlite:///{}", root.join("reflex.db").display()));
        let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
        let envs: Vec<(&str, &str)> = case.envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (text, json) = schema_in(dir.path(), &args, &envs);
        let line = case
            .needle
            .zip(case.file)
            .map(|(needle, file)| line_of(&root.join(file), needle));
        let from = case.from.replace("LINE", &line.unwrap_or(0).to_string());

        let described = format!("  database: {url} (from {from})\n");
        assert!(text.contains(&described), "{name}: expected {described:?} in\n{text}");
        let db = &json["projects"][0]["database"];
        assert_eq!(db["url"], url.as_str(), "{name}: {db}");
        assert_eq!(db["source"], case.source, "{name}: {db}");
        assert_eq!(
            db["file"].as_str().map(PathBuf::from),
            case.file.map(|f| root.join(f)),
            "{name}: {db}"
        );
        assert_eq!(db["line"].as_u64(), line, "{name}: {db}");
        let absolute_from = match case.file {
            Some(f) => from.replace(&format!(" in {f}"), &format!(" in {}", root.join(f).display())),
            None => from.clone(),
        };
        assert_eq!(db["description"], absolute_from.as_str(), "{name}: {db}");

        // RDJ509 on the line that set the URL, else at the start of the
        // settings module; its message says where the URL came from (paths
        // from the project folder, here the same as from the current one).
        let (file, row, message) = rdj509(&json, &root);
        let at = (
            case.at_file,
            line.filter(|_| case.file == Some(case.at_file)).unwrap_or(1),
        );
        assert_eq!((file.as_str(), row), at, "{name}: {message}");
        let says = format!("The database `{url}` (from {from}) could not be read: ");
        assert!(message.starts_with(&says), "{name}: expected {says:?}, got {message:?}");
        let (place, finding) = (format!("  {}:{}:", at.0, at.1), format!(": RDJ509 {says}"));
        assert!(
            text.lines().any(|l| l.starts_with(&place) && l.contains(&finding)),
            "{name}: expected {place}…{finding} in\n{text}"
        );
        assert_eq!(db["not_read"], Value::Null, "{name}: {db}");
    }

    // A configured database that was not read is said to be.
    let dir = shop_copy();
    let root = dir.path().canonicalize().unwrap();
    let line = line_of(&root.join(SETTINGS_PY), "DATABASES = {");
    let configured = format!(
        "  database: sqlite:///{} (from `DATABASES` in {SETTINGS_PY}:{line}; not read: ",
        root.join("db.sqlite3").display()
    );
    for (args, why) in [
        (&[][..], "the file does not exist yet"),
        (&["--no-database"][..], "`--no-database`"),
    ] {
        let (text, json) = schema_in(dir.path(), args, &[]);
        assert!(text.contains(&format!("{configured}{why})\n")), "{args:?}: {text}");
        assert_eq!(json["projects"][0]["database"]["not_read"], why, "{args:?}");
        assert!(json["findings"].as_array().unwrap().is_empty(), "{json:#}");
    }
}

/// Issue 13: `schema` printed a project at the current folder by its
/// absolute path, and one below it relative. Both are relative now: the
/// current folder is `.`, its files relative to it.
#[test]
fn schema_prints_the_project_folder_relative_to_the_current_one() {
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("shop");
    common::copy_project(&common::repo().join("fixtures/shop"), &inner);
    let absolute = dir.path().canonicalize().unwrap();
    for (cwd, project, settings) in [
        (inner.as_path(), ".", "shop_project/settings.py"),
        (dir.path(), "shop", "shop/shop_project/settings.py"),
    ] {
        let (text, _) = schema_in(cwd, &["--no-database"], &[]);
        let head: Vec<&str> = text.lines().take(2).collect();
        assert_eq!(
            head,
            [format!("Project {project}"), format!("  settings: {settings}")],
            "in {}:\n{text}",
            cwd.display()
        );
        let paths: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("  database: "))
            .filter(|l| l.contains(absolute.to_str().unwrap()) || l.contains(dir.path().to_str().unwrap()))
            .collect();
        assert!(paths.is_empty(), "absolute paths in {}: {paths:?}", cwd.display());
    }
}

/// `check DIR --select RDJ503` as JSON (no database), and the exit code
/// without `--exit-zero`.
fn check_rdj503(dir: &Path) -> (Vec<Value>, Option<i32>) {
    let run = |extra: &[&str]| {
        common::bin()
            .arg("check")
            .arg(dir)
            .args(["--select", "RDJ503", "--no-database", "--no-cache"])
            .args(extra)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let json = run(&["--output-format", "json", "--exit-zero"]);
    let findings = serde_json::from_slice(&json.stdout).expect("JSON");
    (findings, run(&[]).status.code())
}

/// (severity, file relative to `root`, row, message) of each finding.
fn with_severity(findings: &[Value], root: &Path) -> Vec<(String, String, u64, String)> {
    let root = root.canonicalize().unwrap();
    let mut out: Vec<_> = findings
        .iter()
        .map(|f| {
            let file = PathBuf::from(f["filename"].as_str().unwrap());
            (
                f["severity"].as_str().unwrap().to_owned(),
                file.strip_prefix(&root).unwrap_or(&file).display().to_string(),
                f["location"]["row"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Issue 13: a patch of the migration machinery RDJ503 cannot read silences
/// what it may affect, and says so once, as an `info` note on the patch
/// (which never fails a run), naming what is silenced and the other places
/// that patch the same thing.
#[test]
fn an_unreadable_patch_is_one_info_note_naming_what_it_silences() {
    let dir = shop_copy();
    let root = dir.path();
    // Nautobot's shape: a replacement deconstruct that does more than pop
    // keys, installed from two command modules.
    std::fs::write(
        root.join("catalog/migration_utils.py"),
        "from django.db import models\n\n_deconstruct = models.Field.deconstruct\n\n\n\
         def custom_deconstruct(field):\n    name, path, args, kwargs = _deconstruct(field)\n    \
         kwargs.pop(\"help_text\", None)\n    if hasattr(field, \"CHOICES\"):\n        \
         kwargs[\"choices\"] = field.CHOICES\n    return name, path, args, kwargs\n",
    )
    .unwrap();
    let commands = root.join("catalog/management/commands");
    std::fs::create_dir_all(&commands).unwrap();
    std::fs::write(root.join("catalog/management/__init__.py"), "").unwrap();
    std::fs::write(commands.join("__init__.py"), "").unwrap();
    for command in ["makemigrations", "migrate"] {
        std::fs::write(
            commands.join(format!("{command}.py")),
            format!(
                "from django.core.management.commands.{command} import Command  # noqa: F401\n\
                 from django.db import models\n\nfrom catalog.migration_utils import custom_deconstruct\n\n\
                 models.Field.deconstruct = custom_deconstruct\n"
            ),
        )
        .unwrap();
    }
    let models = root.join("catalog/models.py");
    // Altered (silenced by the patch) and added (still reported).
    edit(
        &models,
        "    sku = models.CharField(\"SKU\", max_length=32, unique=True)\n",
        "    sku = models.CharField(\"SKU\", max_length=40, unique=True)\n",
    );
    edit(
        &models,
        "    stock = models.PositiveIntegerField(default=0)\n",
        "    stock = models.PositiveIntegerField(default=0)\n    weight = models.IntegerField(default=0)\n",
    );

    let note = (
        "info".to_owned(),
        "catalog/management/commands/makemigrations.py".to_owned(),
        6,
        "`models.Field.deconstruct = custom_deconstruct` replaces `Field.deconstruct` in a way that cannot be \
         read statically (also at catalog/management/commands/migrate.py:6): RDJ503 reports no altered field \
         in this project (added, removed and renamed fields and models still are)"
            .to_owned(),
    );
    let weight = line_of(&models, "weight = models.IntegerField(");
    let (findings, code) = check_rdj503(root);
    assert_eq!(
        with_severity(&findings, root),
        vec![
            (
                "error".to_owned(),
                "catalog/models.py".to_owned(),
                weight,
                "Add field `weight` to `product`: the models differ from the migrations; run `makemigrations`"
                    .to_owned()
            ),
            note.clone(),
        ],
    );
    assert_eq!(code, Some(1), "the added field fails the run");

    // The note alone never fails a run.
    edit(&models, "    weight = models.IntegerField(default=0)\n", "");
    let (findings, code) = check_rdj503(root);
    assert_eq!(with_severity(&findings, root), vec![note]);
    assert_eq!(code, Some(0), "an info note failed the run");

    // A custom autodetector silences all of RDJ503: that one note, and not
    // the narrower one about fields.
    std::fs::write(
        commands.join("makemigrations.py"),
        "from django.core.management.commands.makemigrations import Command as BaseCommand\n\n\
         from catalog.detector import Detector\n\n\nclass Command(BaseCommand):\n    autodetector = Detector\n",
    )
    .unwrap();
    std::fs::remove_file(commands.join("migrate.py")).unwrap();
    edit(
        &models,
        "    stock = models.PositiveIntegerField(default=0)\n",
        "    stock = models.PositiveIntegerField(default=0)\n    weight = models.IntegerField(default=0)\n",
    );
    let (findings, code) = check_rdj503(root);
    assert_eq!(
        with_severity(&findings, root),
        vec![(
            "info".to_owned(),
            "catalog/management/commands/makemigrations.py".to_owned(),
            7,
            "`autodetector = Detector` changes what `makemigrations` detects in a way that cannot be read \
             statically: RDJ503 reports nothing for this project"
                .to_owned()
        )]
    );
    assert_eq!(code, Some(0));
}
