//! RDJ504–RDJ508 against databases real Django 5.2 built.
//!
//! Each backend (SQLite always; PostgreSQL and MariaDB through the admin URLs
//! `RDJ_PG_URL` / `RDJ_MYSQL_URL`, or `.cache/databases.env` written by
//! `.ci/databases.sh`) gets a fresh database that `migrate` fills, read by
//! the crate's introspection. Two states are compared with it: Django's own
//! migration state (every field deconstructed by Django, contrib apps
//! included: `tests/schema/drift_dump.py`) and the models as the static
//! reader declares them. On the fresh database `compare` must report
//! nothing; after hand-made `ALTER TABLE`s, exactly the drift they made.
//!
//! A second project (`tests/schema/drift_project`) gathers the awkward cases:
//! multi-table inheritance, proxies, unmanaged models, custom `db_table` and
//! `db_column`, self-referential and named many-to-many tables, `through=`,
//! `to_field`, `db_constraint=False`, non-integer and small primary keys,
//! names longer than PostgreSQL's 63 characters, every Django field type,
//! `unique_together`, `Meta.indexes` (descending, partial) and
//! `UniqueConstraint`s (plain and conditional). Its migrations are made by
//! `makemigrations` in a temporary copy, and it must migrate without a
//! finding on every backend; Django's own `db_type` for every column must
//! equal `ddl::expected_tables`'.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use reflex_django_lsp::diagnostic::FileFinding;
use reflex_django_lsp::diagnostic::Severity;
use reflex_django_lsp::python::value::Value;
use reflex_django_lsp::schema::ddl::{canonical_type, expected_tables};
use reflex_django_lsp::schema::drift::compare;
use reflex_django_lsp::schema::live::{introspect_blocking, LiveSchema, Timeouts};
use reflex_django_lsp::schema::project::analyze;
use reflex_django_lsp::schema::settings::discover_projects;
use reflex_django_lsp::schema::state::{Field, ModelKey, ModelState, Origin, ProjectState};
use reflex_django_lsp::schema::url::DatabaseUrl;
use reflex_django_lsp::schema::Backend;
use serde_json::Value as Json;

// ---------------------------------------------------------------- Django

struct Django {
    python: PathBuf,
    project: PathBuf,
    url: String,
}

impl Django {
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = Command::new(&self.python)
            .arg(common::repo().join("tests/schema/django_db.py"))
            .arg("--project")
            .arg(&self.project)
            .args(["--url", &self.url, "--"])
            .args(args)
            .envs(env.iter().copied())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .expect("run python");
        // Never print the URL: it may hold a password.
        assert!(
            out.status.success(),
            "django {:?} failed:\n{}",
            args.first(),
            String::from_utf8_lossy(&out.stderr).replace(&self.url, "<url>")
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn dump(&self, what: &str) -> Json {
        let script = common::repo().join("tests/schema/drift_dump.py");
        let code = format!("exec(open({:?}).read()); dump({what:?})", script.to_str().unwrap());
        let out = self.run(&["shell", "-c", &code], &[]);
        let json = out.split("@@DUMP@@").nth(1).expect("dump output");
        serde_json::from_str(json.trim()).expect("dump JSON")
    }

    fn execute(&self, statements: &[&str]) {
        let sql = serde_json::to_string(statements).unwrap();
        let code = "import os, json\nfrom django.db import connection\nwith connection.cursor() as c:\n    for s in json.loads(os.environ['RDJ_SQL']):\n        c.execute(s)";
        self.run(&["shell", "-c", code], &[("RDJ_SQL", &sql)]);
    }
}

/// An admin URL from the environment or `.cache/databases.env`.
fn admin_url(key: &str) -> Option<String> {
    common::database_server(key).ok()
}

/// A fresh database on a server (dropped when the value goes).
struct ServerDb {
    python: PathBuf,
    admin: String,
    name: String,
    url: String,
}

const ADMIN_PY: &str = r#"
import os, sys
from urllib.parse import urlsplit, unquote
u = urlsplit(os.environ["RDJ_ADMIN"])
action, name = sys.argv[1], sys.argv[2]
try:
    if u.scheme.startswith("postgres"):
        import psycopg
        with psycopg.connect(os.environ["RDJ_ADMIN"], autocommit=True, connect_timeout=10) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            if action == "create":
                c.execute(f'CREATE DATABASE "{name}"')
    else:
        import pymysql
        c = pymysql.connect(host=u.hostname, port=u.port or 3306, user=unquote(u.username or ""),
                            password=unquote(u.password or ""), autocommit=True, connect_timeout=10)
        cur = c.cursor()
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        if action == "create":
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
except Exception as e:
    print(type(e).__name__, file=sys.stderr)
    sys.exit(1)
"#;

impl ServerDb {
    fn create(python: &Path, admin: &str, name: &str) -> Result<ServerDb, String> {
        let out = Command::new(python)
            .args(["-c", ADMIN_PY, "create", name])
            .env("RDJ_ADMIN", admin)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "cannot create a database ({})",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let (head, _) = admin.rsplit_once('/').ok_or("admin URL without a database")?;
        Ok(ServerDb {
            python: python.to_owned(),
            admin: admin.to_owned(),
            name: name.to_owned(),
            url: format!("{head}/{name}"),
        })
    }
}

impl Drop for ServerDb {
    fn drop(&mut self) {
        let _ = Command::new(&self.python)
            .args(["-c", ADMIN_PY, "drop", &self.name])
            .env("RDJ_ADMIN", &self.admin)
            .output();
    }
}

/// The databases to test on: SQLite in `dir`, plus each server configured.
fn databases(python: &Path, dir: &Path, tag: &str) -> Vec<(Backend, String, Option<ServerDb>)> {
    let mut out = vec![(
        Backend::Sqlite,
        format!("sqlite:///{}", dir.join(format!("{tag}.db")).display()),
        None,
    )];
    let name = format!("rdj_drift_{tag}_{}", std::process::id());
    for (key, backend) in [("RDJ_PG_URL", Backend::Postgres), ("RDJ_MYSQL_URL", Backend::Mysql)] {
        let Some(admin) = admin_url(key) else {
            common::skip_or_fail(&format!(
                "{key} is not set (bash .ci/databases.sh): {} not tested",
                backend.as_str()
            ));
            continue;
        };
        match ServerDb::create(python, &admin, &name) {
            Ok(db) => out.push((backend, db.url.clone(), Some(db))),
            Err(e) => common::skip_or_fail(&format!("{}: {e}", backend.as_str())),
        }
    }
    out
}

// ---------------------------------------------------------------- JSON → types

fn value(j: &Json) -> Value {
    let (tag, v) = j.as_object().and_then(|o| o.iter().next()).expect("tagged value");
    match tag.as_str() {
        "none" => Value::None,
        "bool" => Value::Bool(v.as_bool().unwrap()),
        "int" => Value::Int(v.as_i64().unwrap()),
        "number" => Value::Number(v.as_str().unwrap().to_owned()),
        "str" => Value::Str(v.as_str().unwrap().to_owned()),
        "list" => Value::List(v.as_array().unwrap().iter().map(value).collect()),
        "set" => Value::Set(v.as_array().unwrap().iter().map(value).collect()),
        "dict" => Value::Dict(
            v.as_array()
                .unwrap()
                .iter()
                .map(|p| (value(&p[0]), value(&p[1])))
                .collect(),
        ),
        "name" => Value::Name(v.as_str().unwrap().to_owned()),
        "call" => Value::Call {
            func: v["func"].as_str().unwrap().to_owned(),
            args: v["args"].as_array().unwrap().iter().map(value).collect(),
            kwargs: kwargs(&v["kwargs"]),
        },
        _ => Value::Opaque(v.to_string()),
    }
}

fn kwargs(j: &Json) -> Vec<(String, Value)> {
    j.as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_owned(), value(&p[1])))
        .collect()
}

/// Origins name what they locate (`catalog.Product`, `catalog.Product.sku`)
/// so that findings can be checked by their path.
fn origin(label: &str) -> Option<Origin> {
    Some(Origin {
        path: PathBuf::from(label),
        range: 0..0,
    })
}

fn state_from(j: &Json) -> ProjectState {
    let mut state = ProjectState::default();
    for m in j.as_array().unwrap() {
        let app = m["app"].as_str().unwrap();
        let name = m["name"].as_str().unwrap();
        let label = format!("{app}.{name}");
        let fields = m["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let fname = f["name"].as_str().unwrap();
                Field {
                    name: fname.to_owned(),
                    class: f["class"].as_str().map(str::to_owned),
                    written_class: f["written_class"].as_str().unwrap().to_owned(),
                    kwargs: kwargs(&f["kwargs"]).into_iter().collect(),
                    origin: origin(&format!("{label}.{fname}")),
                    opaque: false,
                }
            })
            .collect();
        let model = ModelState {
            app_label: app.to_owned(),
            name: name.to_owned(),
            fields,
            options: kwargs(&m["options"]).into_iter().collect(),
            bases: m["bases"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|b| ModelKey::parse(b.as_str()?))
                .collect(),
            origin: origin(&label),
        };
        state.models.insert(model.key(), model);
    }
    state
}

/// The database as the crate's own introspection reads it.
fn live(url: &str, backend: Backend) -> LiveSchema {
    let parsed = DatabaseUrl::parse(url, Path::new("/")).unwrap_or_else(|e| panic!("URL: {e}"));
    let live = introspect_blocking(&parsed, Timeouts::default()).unwrap_or_else(|e| panic!("introspection: {e}"));
    assert_eq!(live.backend, Some(backend));
    live
}

/// The project's models as the static reader declares them (what `check`
/// compares), uncertain models left out as `check` does.
fn declared(root: &Path) -> ProjectState {
    let loaded = common::load_tree(root);
    let mut projects = discover_projects(&loaded.index, &|_| None, &|p| p.exists());
    assert_eq!(projects.len(), 1, "one project in {}", root.display());
    let schema = analyze(&loaded.index, projects.remove(0), (5, 2));
    let mut state = schema.declared.state.clone();
    state.models.retain(|k, _| !schema.declared.uncertain.contains(k));
    state
}

fn show(findings: &[FileFinding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "  {} {} {:?}: {}",
                f.finding.rule.code(),
                f.path.display(),
                f.case_severity.then_some(f.finding.severity),
                f.finding.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn python() -> Option<PathBuf> {
    match common::django_python() {
        Ok(p) => Some(p),
        Err(why) => {
            common::skip_or_fail(&why);
            None
        }
    }
}

// ---------------------------------------------------------------- the shop

struct Mutation {
    backends: &'static [Backend],
    /// Per backend (SQLite, PostgreSQL, MySQL) the SQL, or `None`.
    sql: [&'static [&'static str]; 3],
}

/// Hand-made drift: each statement and the findings it must yield.
fn shop_mutations() -> Vec<(Mutation, &'static [(&'static str, &'static str)])> {
    use Backend::*;
    const ALL: &[Backend] = &[Sqlite, Postgres, Mysql];
    vec![
        (
            Mutation { backends: ALL, sql: [
                &["ALTER TABLE catalog_product DROP COLUMN image_url"],
                &["ALTER TABLE catalog_product DROP COLUMN image_url"],
                &["ALTER TABLE catalog_product DROP COLUMN image_url"],
            ] },
            &[("RDJ505", "catalog.Product.image_url")],
        ),
        (
            Mutation { backends: ALL, sql: [
                &["DROP INDEX catalog_pro_is_publ_cba3a6_idx"],
                &["DROP INDEX catalog_pro_is_publ_cba3a6_idx"],
                &["DROP INDEX catalog_pro_is_publ_cba3a6_idx ON catalog_product"],
            ] },
            &[("RDJ508", "catalog.Product")],
        ),
        (
            Mutation { backends: ALL, sql: [
                &["ALTER TABLE catalog_product ADD COLUMN legacy_code varchar(10) NULL"],
                &["ALTER TABLE catalog_product ADD COLUMN legacy_code varchar(10) NOT NULL"],
                &["ALTER TABLE catalog_product ADD COLUMN legacy_code varchar(10) NOT NULL"],
            ] },
            &[("RDJ507", "catalog.Product")],
        ),
        (
            Mutation { backends: ALL, sql: [
                &["DROP TABLE reviews_question"],
                &["DROP TABLE reviews_question"],
                &["DROP TABLE reviews_question"],
            ] },
            &[("RDJ504", "reviews.Question")],
        ),
        (
            // The through table's unique pair.
            Mutation { backends: &[Sqlite, Postgres], sql: [
                &["DROP INDEX catalog_product_tags_product_id_tag_id_daa0ee1f_uniq"],
                &["ALTER TABLE catalog_product_tags DROP CONSTRAINT catalog_product_tags_product_id_tag_id_daa0ee1f_uniq"],
                &[],
            ] },
            &[("RDJ508", "catalog.Product.tags")],
        ),
        (
            Mutation { backends: &[Sqlite, Postgres], sql: [
                &["DROP INDEX reviews_review_author_id_ed71e278"],
                &["DROP INDEX reviews_review_author_id_ed71e278"],
                &[],
            ] },
            &[("RDJ508", "reviews.Review.author")],
        ),
        (
            Mutation { backends: &[Postgres, Mysql], sql: [
                &[],
                &["ALTER TABLE catalog_product ALTER COLUMN name TYPE varchar(100)"],
                &["ALTER TABLE catalog_product MODIFY name varchar(100) NOT NULL"],
            ] },
            &[("RDJ506", "catalog.Product.name")],
        ),
        (
            Mutation { backends: &[Postgres, Mysql], sql: [
                &[],
                &["ALTER TABLE catalog_address ALTER COLUMN city DROP NOT NULL"],
                &["ALTER TABLE catalog_address MODIFY city varchar(100) NULL"],
            ] },
            &[("RDJ506", "catalog.Address.city")],
        ),
        (
            Mutation { backends: &[Postgres, Mysql], sql: [
                &[],
                &["ALTER TABLE catalog_order ALTER COLUMN total TYPE numeric(14,2)"],
                &["ALTER TABLE catalog_order MODIFY total numeric(14,2) NOT NULL"],
            ] },
            &[("RDJ506", "catalog.Order.total")],
        ),
        (
            Mutation { backends: &[Postgres, Mysql], sql: [
                &[],
                &["ALTER TABLE catalog_product DROP CONSTRAINT catalog_product_sku_key"],
                &["ALTER TABLE catalog_product DROP INDEX sku"],
            ] },
            &[("RDJ508", "catalog.Product.sku")],
        ),
        (
            Mutation { backends: &[Postgres, Mysql], sql: [
                &[],
                &["ALTER TABLE catalog_product DROP CONSTRAINT catalog_product_category_id_35bf920b_fk_catalog_category_id"],
                &["ALTER TABLE catalog_product DROP FOREIGN KEY catalog_product_category_id_35bf920b_fk_catalog_category_id"],
            ] },
            &[("RDJ508", "catalog.Product.category")],
        ),
        (
            Mutation { backends: &[Postgres], sql: [
                &[],
                &["ALTER TABLE catalog_cartitem DROP CONSTRAINT unique_product_per_cart"],
                &[],
            ] },
            &[("RDJ508", "catalog.CartItem")],
        ),
        (
            // SQLite: the declared types rewritten in place (same columns,
            // same order; what a hand-made table rebuild leaves).
            Mutation { backends: &[Sqlite], sql: [
                &[
                    "PRAGMA writable_schema = ON",
                    r#"UPDATE sqlite_master SET sql = replace(sql, '"name" varchar(200) NOT NULL', '"name" varchar(100) NOT NULL') WHERE name = 'catalog_product'"#,
                    r#"UPDATE sqlite_master SET sql = replace(sql, '"city" varchar(100) NOT NULL', '"city" varchar(100) NULL') WHERE name = 'catalog_address'"#,
                    r#"UPDATE sqlite_master SET sql = replace(sql, ' REFERENCES "catalog_product" ("id") DEFERRABLE INITIALLY DEFERRED', '') WHERE name = 'reviews_review'"#,
                    "PRAGMA writable_schema = OFF",
                ],
                &[],
                &[],
            ] },
            &[("RDJ506", "catalog.Product.name"), ("RDJ506", "catalog.Address.city"), ("RDJ508", "reviews.Review.product")],
        ),
    ]
}

fn key(f: &FileFinding) -> (String, String) {
    (f.finding.rule.code().to_owned(), f.path.display().to_string())
}

#[test]
fn shop_fresh_databases_have_no_drift_and_mutations_are_found() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (backend, url, _db) in databases(&python, dir.path(), "shop") {
        let django = Django {
            python: python.clone(),
            project: common::repo().join("fixtures/shop"),
            url,
        };
        django.run(&["migrate", "--noinput"], &[]);
        let state = state_from(&django.dump("state"));
        assert!(state.models.len() > 15, "the shop's state (with contrib apps)");
        let fresh = live(&django.url, backend);
        let findings = compare(&state, &fresh, backend);
        assert!(
            findings.is_empty(),
            "{}: fresh database, yet:\n{}",
            backend.as_str(),
            show(&findings)
        );
        let declared = declared(&django.project);
        let ours: Vec<&ModelKey> = state
            .models
            .keys()
            .filter(|k| ["catalog", "reviews", "edge"].contains(&k.app.as_str()))
            .collect();
        let read: Vec<&ModelKey> = ours
            .iter()
            .copied()
            .filter(|k| declared.models.contains_key(k))
            .collect();
        assert_eq!(read, ours, "the static reader reads every model with certainty");
        let findings = compare(&declared, &fresh, backend);
        let why = format!(
            "{}: fresh database, the models as read statically, yet:\n{}",
            backend.as_str(),
            show(&findings)
        );
        assert!(findings.is_empty(), "{why}");

        let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
        let idx = Backend::ALL.iter().position(|b| *b == backend).unwrap();
        for (m, yields) in shop_mutations() {
            if !m.backends.contains(&backend) {
                continue;
            }
            django.execute(m.sql[idx]);
            expected.extend(yields.iter().map(|(r, p)| (r.to_string(), p.to_string())));
        }
        let findings = compare(&state, &live(&django.url, backend), backend);
        let got: BTreeSet<(String, String)> = findings.iter().map(key).collect();
        assert_eq!(got, expected, "{}:\n{}", backend.as_str(), show(&findings));
        assert_eq!(findings.len(), expected.len(), "one finding each:\n{}", show(&findings));
        // Messages name the table and column.
        let msg = |rule: &str, path: &str| {
            findings
                .iter()
                .find(|f| key(f) == (rule.to_owned(), path.to_owned()))
                .map(|f| f.finding.message.clone())
                .unwrap()
        };
        assert_eq!(
            msg("RDJ505", "catalog.Product.image_url"),
            "Column `image_url` of `catalog.Product.image_url` is not in table `catalog_product`"
        );
        assert_eq!(
            msg("RDJ504", "reviews.Question"),
            "Table `reviews_question` of model `reviews.Question` is not in the database"
        );
        let unknown = findings.iter().find(|f| f.finding.rule.code() == "RDJ507").unwrap();
        assert!(
            unknown.finding.message.contains("`legacy_code`"),
            "{}",
            unknown.finding.message
        );
        let not_null = backend != Backend::Sqlite;
        assert_eq!(
            unknown.case_severity.then_some(unknown.finding.severity),
            Some(if not_null { Severity::Error } else { Severity::Info })
        );
        if backend != Backend::Sqlite || expected.contains(&("RDJ506".into(), "catalog.Product.name".into())) {
            assert_eq!(
                msg("RDJ506", "catalog.Product.name"),
                "`catalog.Product.name` is varchar(200) in the model, varchar(100) in the database"
            );
            assert_eq!(
                msg("RDJ506", "catalog.Address.city"),
                "`catalog.Address.city` is NOT NULL in the model, NULL in the database"
            );
        }
    }
}

// ---------------------------------------------------------------- the edge project

#[test]
fn edge_project_has_no_drift_and_django_agrees_on_every_column() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    common::copy_project(&common::repo().join("tests/schema/drift_project"), &project);
    let sqlite = format!("sqlite:///{}", dir.path().join("makemigrations.db").display());
    Django {
        python: python.clone(),
        project: project.clone(),
        url: sqlite,
    }
    .run(&["makemigrations", "edge", "--noinput"], &[]);
    for (backend, url, _db) in databases(&python, dir.path(), "edge") {
        let django = Django {
            python: python.clone(),
            project: project.clone(),
            url,
        };
        django.run(&["migrate", "--noinput"], &[]);
        let state = state_from(&django.dump("state"));
        let fresh = live(&django.url, backend);
        let findings = compare(&state, &fresh, backend);
        assert!(
            findings.is_empty(),
            "{}: fresh database, yet:\n{}",
            backend.as_str(),
            show(&findings)
        );
        let declared = declared(&django.project);
        let ours: Vec<&ModelKey> = state
            .models
            .keys()
            .filter(|k| ["catalog", "reviews", "edge"].contains(&k.app.as_str()))
            .collect();
        let read: Vec<&ModelKey> = ours
            .iter()
            .copied()
            .filter(|k| declared.models.contains_key(k))
            .collect();
        assert_eq!(read, ours, "the static reader reads every model with certainty");
        let findings = compare(&declared, &fresh, backend);
        let why = format!(
            "{}: fresh database, the models as read statically, yet:\n{}",
            backend.as_str(),
            show(&findings)
        );
        assert!(findings.is_empty(), "{why}");

        // Drift the awkward cases: a renamed `db_column`, a named through
        // table dropped, a descending index dropped, a foreign key to a
        // child model (its parent link) re-pointed at the parent.
        let sql: &[&str] = match backend {
            Backend::Sqlite => &[
                r#"ALTER TABLE edge_places RENAME COLUMN "LegacyCol" TO legacy"#,
                "DROP TABLE edge_person_favs",
                "DROP INDEX place_created_name",
                "PRAGMA writable_schema = ON",
                r#"UPDATE sqlite_master SET sql = replace(sql, 'REFERENCES "edge_restaurant" ("place_ptr_id")', 'REFERENCES "edge_places" ("id")') WHERE name = 'edge_membership'"#,
                "PRAGMA writable_schema = OFF",
            ],
            Backend::Postgres => &[
                r#"ALTER TABLE edge_places RENAME COLUMN "LegacyCol" TO legacy"#,
                "DROP TABLE edge_person_favs",
                "DROP INDEX place_created_name",
                "DO $$ DECLARE n text; BEGIN SELECT conname INTO n FROM pg_constraint WHERE conrelid = 'edge_membership'::regclass AND contype = 'f' AND confrelid = 'edge_restaurant'::regclass; EXECUTE format('ALTER TABLE edge_membership DROP CONSTRAINT %I', n); END $$",
                "ALTER TABLE edge_membership ADD CONSTRAINT moved FOREIGN KEY (restaurant_id) REFERENCES edge_places (id)",
            ],
            Backend::Mysql => &[
                "ALTER TABLE edge_places RENAME COLUMN LegacyCol TO legacy",
                "DROP TABLE edge_person_favs",
                "DROP INDEX place_created_name ON edge_places",
            ],
        };
        let mut expected: BTreeSet<(String, String)> = [
            ("RDJ505", "edge.Place.legacy"),
            ("RDJ507", "edge.Place"),
            ("RDJ504", "edge.Person.favourites"),
            ("RDJ508", "edge.Place"),
        ]
        .iter()
        .map(|(r, p)| (r.to_string(), p.to_string()))
        .collect();
        if backend != Backend::Mysql {
            expected.insert(("RDJ508".into(), "edge.Membership.restaurant".into()));
        }
        django.execute(sql);
        let findings = compare(&state, &live(&django.url, backend), backend);
        let got: BTreeSet<(String, String)> = findings.iter().map(key).collect();
        assert_eq!(got, expected, "{}:\n{}", backend.as_str(), show(&findings));
        assert_eq!(findings.len(), expected.len(), "one finding each:\n{}", show(&findings));
        if backend != Backend::Mysql {
            let moved = findings
                .iter()
                .find(|f| f.path == Path::new("edge.Membership.restaurant"))
                .unwrap();
            assert_eq!(
                moved.finding.message,
                "The foreign key of column `restaurant_id` in table `edge_membership` points at `edge_places.id`, \
                 not `edge_restaurant.place_ptr_id` (`edge.Membership.restaurant`)"
            );
        }
        let live = fresh;

        // Django's own db_type for every column of every table.
        let tables: BTreeMap<String, _> = expected_tables(&state, backend)
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        let mut checked = 0;
        for row in django.dump("db_types").as_array().unwrap() {
            let table = row["table"].as_str().unwrap();
            let column = row["column"].as_str().unwrap();
            let t = tables
                .get(table)
                .unwrap_or_else(|| panic!("{}: table {table} not expected", backend.as_str()));
            let c = t
                .columns
                .iter()
                .find(|c| c.name == column)
                .unwrap_or_else(|| panic!("{table}.{column} not expected"));
            let django_type = row["db_type"].as_str().unwrap();
            match &c.db_type {
                Some(ours) => {
                    // The auto-increment suffix is data_types_suffix on
                    // SQLite/PostgreSQL, part of data_types on MySQL.
                    // MariaDB 10.7+ makes UUIDField a native `uuid`,
                    // which depends on the server's version.
                    let mariadb_uuid = backend == Backend::Mysql && ours == "char(32)" && django_type == "uuid";
                    assert!(
                        ours == django_type || mariadb_uuid,
                        "{}: {table}.{column}: ours {ours}, Django {django_type}",
                        backend.as_str()
                    );
                    checked += 1;
                }
                // Generated columns' types are their output field's.
                None => assert!(
                    (column == "id" && t.m2m_field.is_some()) || column == "total",
                    "{}: {table}.{column}: type unknown, Django says {django_type}",
                    backend.as_str()
                ),
            }
            if !row["pk"].as_bool().unwrap() && column != "total" {
                assert_eq!(
                    c.null,
                    Some(row["null"].as_bool().unwrap()),
                    "{table}.{column} nullability"
                );
            }
        }
        assert!(checked > 50, "{}: only {checked} columns compared", backend.as_str());
        // The long names were truncated the way Django does.
        let long = tables
            .keys()
            .filter(|t| t.starts_with("edge_averylongmodelname"))
            .count();
        assert_eq!(long, 2, "{:?}", tables.keys().collect::<Vec<_>>());
        if backend == Backend::Postgres {
            assert!(tables.keys().all(|t| t.len() <= 63));
        }
        // And the types compare equal to what the catalog reports.
        for t in tables.values() {
            let lt = &live.tables[&t.name];
            for c in &t.columns {
                let Some(ty) = &c.db_type else { continue };
                let lc = lt.columns.iter().find(|l| l.name == c.name).unwrap();
                assert!(
                    canonical_type(ty, backend).matches(&canonical_type(&lc.raw_type, backend), backend),
                    "{}: {}.{}: {ty} vs {}",
                    backend.as_str(),
                    t.name,
                    c.name,
                    lc.raw_type
                );
            }
        }
    }
}
