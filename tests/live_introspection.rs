//! The live introspection (`schema::live`) against real databases that real
//! Django 5.2 built: `fixtures/shop` migrated into SQLite, PostgreSQL and
//! MariaDB (`tests/schema/django_db.py ... -- migrate`), and a generated
//! project with more tables (`benches/schema_live.py generate`).
//!
//! What it shows: the columns, indexes, foreign keys and applied migrations
//! Django created are read as they are; the number of statements does not
//! depend on the number of tables; nothing is written (the SQLite file is
//! unchanged byte for byte; PostgreSQL's statistics count no commit and no
//! row written by the session); a password appears in no error; an
//! unreachable or silent server fails within the connect timeout.
//!
//! PostgreSQL and MariaDB come from `RDJ_PG_URL` / `RDJ_MYSQL_URL` (admin
//! URLs that may create databases) or `.cache/databases.env`, both written
//! by `.ci/databases.sh`. Without them (or without Python and Django) a test
//! prints `skipped: why` and passes, except on CI, where it fails.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reflex_django_lsp::schema::live::{introspect_blocking, LiveErrorKind, LiveSchema, LiveTable, Timeouts};
use reflex_django_lsp::schema::url::DatabaseUrl;
use reflex_django_lsp::schema::Backend;
use sqlx::{Connection, Row};

// ---------------------------------------------------------------- helpers

fn python() -> Option<PathBuf> {
    match common::django_python() {
        Ok(p) => Some(p),
        Err(why) => {
            common::skip_or_fail(&why);
            None
        }
    }
}

/// An admin URL of a test server, from the environment or `.cache/databases.env`.
fn server(var: &str) -> Option<String> {
    common::database_server(var)
        .map_err(|why| common::skip_or_fail(&why))
        .ok()
}

/// The password of a URL as written (percent-encoded) and decoded.
fn passwords(url: &str) -> Vec<String> {
    let rest = url.split_once("://").map_or("", |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or_default();
    let Some((userinfo, _)) = authority.rsplit_once('@') else {
        return Vec::new();
    };
    let Some((_, raw)) = userinfo.split_once(':') else {
        return Vec::new();
    };
    let decoded = percent_decode(raw).unwrap_or_else(|| raw.to_owned());
    vec![raw.to_owned(), decoded]
}

fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `url` with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let authority = rest.split(['/', '?']).next().unwrap();
    format!("{scheme}://{authority}/{name}")
}

fn hide(text: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .fold(text.to_owned(), |t, s| t.replace(s.as_str(), "***"))
}

/// Runs Django's management `command` for `project` against `url`.
fn django(py: &Path, project: &Path, url: &str, command: &[&str]) {
    let out = Command::new(py)
        .arg(common::repo().join("tests/schema/django_db.py"))
        .arg("--project")
        .arg(project)
        .args(["--url", url, "--"])
        .args(command)
        .output()
        .expect("run django_db.py");
    assert!(
        out.status.success(),
        "django {command:?} failed:\n{}",
        hide(&String::from_utf8_lossy(&out.stderr), &passwords(url))
    );
}

/// The shop fixture, copied.
fn shop(dir: &Path) -> PathBuf {
    let project = dir.join("shop");
    common::copy_project(&common::repo().join("fixtures/shop"), &project);
    project
}

/// A generated project with `models` models (and so more tables than the
/// shop), its migrations made by Django's `makemigrations`.
fn generated(py: &Path, dir: &Path, models: usize) -> PathBuf {
    let project = dir.join("generated");
    let out = Command::new(py)
        .arg(common::repo().join("benches/schema_live.py"))
        .arg("generate")
        .arg(&project)
        .args(["--models", &models.to_string(), "--apps", "3"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let scratch = format!("sqlite:///{}", dir.join("makemigrations.sqlite3").display());
    django(py, &project, &scratch, &["makemigrations", "--noinput", "-v0"]);
    project
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// A fresh, empty database on the server of `admin`; returns its URL.
fn fresh_database(admin: &str, name: &str) -> String {
    block_on(async {
        if admin.starts_with("postgres") {
            let mut c = sqlx::PgConnection::connect(admin).await.unwrap();
            sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut c)
                .await
                .unwrap();
            sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .await
                .unwrap();
            c.close().await.unwrap();
        } else {
            let mut c = sqlx::MySqlConnection::connect(admin).await.unwrap();
            sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut c)
                .await
                .unwrap();
            sqlx::raw_sql(&format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"))
                .execute(&mut c)
                .await
                .unwrap();
            c.close().await.unwrap();
        }
    });
    with_database(admin, name)
}

fn drop_database(admin: &str, name: &str) {
    block_on(async {
        if admin.starts_with("postgres") {
            if let Ok(mut c) = sqlx::PgConnection::connect(admin).await {
                let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c)
                    .await;
            }
        } else if let Ok(mut c) = sqlx::MySqlConnection::connect(admin).await {
            let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut c)
                .await;
        }
    });
}

/// Runs SQL through an ordinary (read-write) session, as a user would.
fn execute(url: &str, sql: &str) {
    block_on(async {
        if url.starts_with("postgres") {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
            c.close().await.unwrap();
        } else if url.starts_with("mysql") {
            let mut c = sqlx::MySqlConnection::connect(url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
            c.close().await.unwrap();
        } else {
            let path = url.strip_prefix("sqlite:///").unwrap();
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
            c.close().await.unwrap();
        }
    });
}

fn read(url: &str, base: &Path) -> LiveSchema {
    let parsed = DatabaseUrl::parse(url, base).unwrap();
    let secrets = passwords(url);
    introspect_blocking(&parsed, Timeouts::default())
        .unwrap_or_else(|e| panic!("introspecting {parsed}: {}", hide(&e.to_string(), &secrets)))
}

fn unique_name(tag: &str) -> String {
    format!("rdj_live_{tag}_{}", std::process::id())
}

// ---------------------------------------------------------------- the shop's facts

fn table<'a>(s: &'a LiveSchema, name: &str) -> &'a LiveTable {
    s.tables
        .get(name)
        .unwrap_or_else(|| panic!("no table {name}: {:?}", s.tables.keys().collect::<Vec<_>>()))
}

fn col<'a>(t: &'a LiveTable, name: &str) -> &'a reflex_django_lsp::schema::live::LiveColumn {
    t.columns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn has_index(t: &LiveTable, columns: &[&str], unique: bool) -> bool {
    t.indexes
        .iter()
        .any(|i| i.columns == columns && i.unique == unique && !i.primary)
}

fn fks(t: &LiveTable) -> BTreeSet<(String, String, String)> {
    t.foreign_keys
        .iter()
        .map(|f| (f.column.clone(), f.ref_table.clone(), f.ref_column.clone()))
        .collect()
}

/// What Django 5.2's `migrate` created for `fixtures/shop`, as each backend
/// reports it.
fn assert_shop(s: &LiveSchema, backend: Backend) {
    assert_eq!(s.backend, Some(backend));
    let applied = s.applied.as_ref().expect("django_migrations exists");
    for m in [
        ("contenttypes", "0001_initial"),
        ("auth", "0001_initial"),
        ("catalog", "0001_initial"),
        ("catalog", "0002_order_paid_at_product_image_url"),
        ("reviews", "0001_initial"),
    ] {
        assert!(
            applied.contains(&(m.0.to_owned(), m.1.to_owned())),
            "{m:?} not applied: {applied:?}"
        );
    }
    let first_catalog = applied.iter().position(|a| a.0 == "catalog").unwrap();
    assert_eq!(applied[first_catalog].1, "0001_initial", "in the order applied");
    for t in s.tables.keys() {
        assert!(!t.starts_with("sqlite_"), "{t}: SQLite's own table");
        assert_ne!(t, "rdj_view", "a view is no table");
        assert_ne!(t, "rdj_hidden", "a table outside the default schema");
    }
    for t in [
        "django_migrations",
        "django_content_type",
        "auth_user",
        "catalog_category",
        "catalog_tag",
    ] {
        assert!(s.tables.contains_key(t), "{t}");
    }

    let product = table(s, "catalog_product");
    let names: Vec<&str> = product.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "created_at",
            "updated_at",
            "name",
            "slug",
            "sku",
            "description",
            "price",
            "stock",
            "is_published",
            "category_id",
            "image_url"
        ],
        "in table order (image_url added by 0002)"
    );
    let (varchar32, numeric, unsigned_int, boolean, datetime, bigint) = match backend {
        Backend::Sqlite => (
            "varchar(32)",
            "decimal",
            "integer unsigned",
            "bool",
            "datetime",
            "integer",
        ),
        Backend::Postgres => (
            "character varying(32)",
            "numeric(10,2)",
            "integer",
            "boolean",
            "timestamp with time zone",
            "bigint",
        ),
        Backend::Mysql => ("varchar(32)", "decimal(10,2)", "", "tinyint(1)", "datetime(6)", ""),
    };
    let sku = col(product, "sku");
    assert_eq!((sku.raw_type.as_str(), sku.max_length), (varchar32, Some(32)));
    assert!(!sku.nullable && !sku.has_default && !sku.primary_key);
    let price = col(product, "price");
    assert_eq!(price.raw_type, numeric);
    if backend != Backend::Sqlite {
        assert_eq!((price.precision, price.scale), (Some(10), Some(2)));
    }
    let stock = col(product, "stock");
    if backend == Backend::Mysql {
        // MariaDB `int(10) unsigned`, MySQL 8 `int unsigned`
        assert!(
            stock.raw_type.starts_with("int") && stock.raw_type.ends_with(" unsigned"),
            "{}",
            stock.raw_type
        );
    } else {
        assert_eq!(stock.raw_type, unsigned_int);
    }
    // Django's `default=0` is no database default.
    assert!(!stock.nullable && !stock.has_default);
    assert_eq!(col(product, "is_published").raw_type, boolean);
    assert_eq!(col(product, "created_at").raw_type, datetime);
    let id = col(product, "id");
    assert!(id.primary_key && id.has_default && !id.nullable, "{id:?}");
    if backend == Backend::Mysql {
        assert!(id.raw_type.starts_with("bigint"), "{}", id.raw_type);
    } else {
        assert_eq!(id.raw_type, bigint);
    }
    let image = col(product, "image_url");
    assert_eq!(image.max_length, Some(200));
    assert!(
        has_index(product, &["slug"], true),
        "unique slug: {:?}",
        product.indexes
    );
    assert!(has_index(product, &["sku"], true));
    assert!(product
        .indexes
        .iter()
        .any(|i| i.name == "catalog_pro_is_publ_cba3a6_idx"
            && i.columns == ["is_published", "category_id"]
            && !i.unique));
    if backend != Backend::Sqlite {
        assert!(product
            .indexes
            .iter()
            .any(|i| i.primary && i.unique && i.columns == ["id"]));
    }
    assert_eq!(
        fks(product),
        BTreeSet::from([("category_id".into(), "catalog_category".into(), "id".into())])
    );

    let tags = table(s, "catalog_product_tags");
    assert_eq!(
        fks(tags),
        BTreeSet::from([
            ("product_id".into(), "catalog_product".into(), "id".into()),
            ("tag_id".into(), "catalog_tag".into(), "id".into()),
        ])
    );
    assert!(has_index(tags, &["product_id", "tag_id"], true));

    let order = table(s, "catalog_order");
    let paid = col(order, "paid_at");
    assert!(paid.nullable && !paid.has_default);
    assert!(!col(order, "number").nullable);
    assert!(has_index(order, &["number"], true));
    let category = table(s, "catalog_category");
    assert!(col(category, "parent_id").nullable);
    assert_eq!(
        fks(category),
        BTreeSet::from([("parent_id".into(), "catalog_category".into(), "id".into())])
    );
}

// ---------------------------------------------------------------- SQLite

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>, std::time::SystemTime)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            let meta = e.metadata().unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
                meta.modified().unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn sqlite_shop_is_read_as_django_made_it_and_not_touched() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let project = shop(dir.path());
    let db_dir = dir.path().join("data");
    std::fs::create_dir(&db_dir).unwrap();
    let url = format!("sqlite:///{}", db_dir.join("db.sqlite3").display());
    django(&py, &project, &url, &["migrate", "--noinput", "-v0"]);
    execute(&url, "CREATE VIEW rdj_view AS SELECT id, sku FROM catalog_product");

    let before = snapshot(&db_dir);
    // The relative form, resolved against the base directory.
    let s = read("sqlite:///data/db.sqlite3", dir.path());
    assert_shop(&s, Backend::Sqlite);
    assert_eq!(
        s.queries, 6,
        "BEGIN, columns, indexes, foreign keys, django_migrations, ROLLBACK"
    );
    // SQLite only: Django's AUTOINCREMENT primary key is the rowid.
    let product = table(&s, "catalog_product");
    assert!(
        !product.indexes.iter().any(|i| i.primary),
        "a rowid primary key has no index"
    );
    assert_eq!(
        snapshot(&db_dir),
        before,
        "the file, its time and the folder are unchanged"
    );

    // More tables, the same number of statements.
    let generated = generated(&py, dir.path(), 80);
    let big_url = format!("sqlite:///{}", dir.path().join("big.sqlite3").display());
    django(&py, &generated, &big_url, &["migrate", "--noinput", "-v0"]);
    let big = read(&big_url, dir.path());
    assert!(
        big.tables.len() >= 80 && big.tables.len() > 3 * s.tables.len(),
        "{} tables",
        big.tables.len()
    );
    assert_eq!(big.queries, s.queries);
}

#[test]
fn a_missing_sqlite_file_is_an_error_and_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::parse("sqlite:///missing.db", dir.path()).unwrap();
    let err = introspect_blocking(&url, Timeouts::default()).unwrap_err();
    assert_eq!(err.kind, LiveErrorKind::NotFound);
    assert!(err.message.contains("missing.db"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing created");
}

// ---------------------------------------------------------------- PostgreSQL

/// `(xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted)` of a database.
fn pg_stats(admin: &str, db: &str) -> [i64; 5] {
    block_on(async {
        let mut c = sqlx::PgConnection::connect(admin).await.unwrap();
        sqlx::raw_sql("SELECT pg_stat_clear_snapshot()")
            .execute(&mut c)
            .await
            .unwrap();
        let row = sqlx::query(
            "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted \
             FROM pg_stat_database WHERE datname = $1",
        )
        .bind(db)
        .fetch_one(&mut c)
        .await
        .unwrap();
        c.close().await.unwrap();
        [0, 1, 2, 3, 4].map(|i| row.get::<i64, _>(i))
    })
}

/// Waits until the statistics of `db` differ from `from` (a session's
/// counters are flushed when it ends, a moment after the client left).
fn pg_stats_after(admin: &str, db: &str, from: [i64; 5]) -> [i64; 5] {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = pg_stats(admin, db);
        if now != from || Instant::now() > deadline {
            // One more look: the flush is done once it shows.
            std::thread::sleep(Duration::from_millis(200));
            return pg_stats(admin, db);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn postgres_shop_is_read_as_django_made_it_and_nothing_is_written() {
    let Some(py) = python() else { return };
    let Some(admin) = server("RDJ_PG_URL") else { return };
    let dir = tempfile::tempdir().unwrap();
    let project = shop(dir.path());
    let name = unique_name("pg_shop");
    let url = fresh_database(&admin, &name);
    django(&py, &project, &url, &["migrate", "--noinput", "-v0"]);
    execute(
        &url,
        "CREATE VIEW rdj_view AS SELECT id, sku FROM catalog_product; \
         CREATE SCHEMA rdj_elsewhere; CREATE TABLE rdj_elsewhere.rdj_hidden (a int)",
    );

    // A bare connection commits its start-up transaction; the introspection
    // must commit nothing more and write no row.
    let settle = pg_stats(&admin, &name);
    let settled = pg_stats_after(&admin, &name, settle);
    block_on(async {
        let c = sqlx::PgConnection::connect(&url).await.unwrap();
        c.close().await.unwrap();
    });
    let control = pg_stats_after(&admin, &name, settled);
    let bare_commits = control[0] - settled[0];

    let s = read(&url, dir.path());
    let after = pg_stats_after(&admin, &name, control);
    assert_eq!(
        after[1] - control[1],
        1,
        "one transaction, rolled back: {control:?} → {after:?}"
    );
    assert_eq!(
        after[0] - control[0],
        bare_commits,
        "no commit beyond the session's start: {control:?} → {after:?}"
    );
    assert_eq!(after[2..], control[2..], "no row inserted, updated or deleted");

    assert_shop(&s, Backend::Postgres);
    assert_eq!(
        s.queries, 9,
        "BEGIN, 3 SET LOCAL, columns, indexes, foreign keys, django_migrations, ROLLBACK"
    );
    let product = table(&s, "catalog_product");
    assert!(product
        .indexes
        .iter()
        .any(|i| i.name == "catalog_product_slug_key" && i.unique));

    let generated = generated(&py, dir.path(), 80);
    let big_name = unique_name("pg_big");
    let big_url = fresh_database(&admin, &big_name);
    django(&py, &generated, &big_url, &["migrate", "--noinput", "-v0"]);
    let big = read(&big_url, dir.path());
    assert!(
        big.tables.len() >= 80 && big.tables.len() > 3 * s.tables.len(),
        "{} tables",
        big.tables.len()
    );
    assert_eq!(big.queries, s.queries);
    drop_database(&admin, &name);
    drop_database(&admin, &big_name);
}

#[test]
fn postgres_errors_never_show_the_password() {
    let Some(admin) = server("RDJ_PG_URL") else { return };
    let real = passwords(&admin);
    assert!(!real.is_empty(), "the test server's URL has a password");
    let user_end = admin.find("://").unwrap() + 3 + admin[admin.find("://").unwrap() + 3..].find(':').unwrap();
    let at = admin.rfind('@').unwrap();
    let wrong = format!("{}:Wr0ng%40Secret%3Ax{}", &admin[..user_end], &admin[at..]);
    let wrong_secrets = passwords(&wrong);
    let err = introspect_blocking(
        &DatabaseUrl::parse(&wrong, Path::new("/")).unwrap(),
        Timeouts::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind, LiveErrorKind::Auth, "{err}");
    assert!(err.message.contains("authentication"), "{err}");
    let missing = with_database(&admin, "rdj_no_such_database");
    let err2 = introspect_blocking(
        &DatabaseUrl::parse(&missing, Path::new("/")).unwrap(),
        Timeouts::default(),
    )
    .unwrap_err();
    assert_eq!(err2.kind, LiveErrorKind::NotFound, "{err2}");
    for shown in [
        err.to_string(),
        format!("{err:?}"),
        err2.to_string(),
        format!("{err2:?}"),
    ] {
        for secret in real.iter().chain(&wrong_secrets) {
            assert!(!shown.contains(secret.as_str()), "password shown in {shown:?}");
        }
    }
}

// ---------------------------------------------------------------- MariaDB / MySQL

#[test]
fn mysql_shop_is_read_as_django_made_it() {
    let Some(py) = python() else { return };
    let Some(admin) = server("RDJ_MYSQL_URL") else { return };
    let dir = tempfile::tempdir().unwrap();
    let project = shop(dir.path());
    let name = unique_name("my_shop");
    let url = fresh_database(&admin, &name);
    django(&py, &project, &url, &["migrate", "--noinput", "-v0"]);
    execute(&url, "CREATE VIEW rdj_view AS SELECT id, sku FROM catalog_product");
    let s = read(&url, dir.path());
    assert_shop(&s, Backend::Mysql);
    assert_eq!(
        s.queries, 9,
        "version, limits, read-only session and transaction, columns, indexes, foreign keys, django_migrations, ROLLBACK"
    );
    let product = table(&s, "catalog_product");
    assert!(product
        .indexes
        .iter()
        .any(|i| i.name == "PRIMARY" && i.primary && i.columns == ["id"]));

    let generated = generated(&py, dir.path(), 80);
    let big_name = unique_name("my_big");
    let big_url = fresh_database(&admin, &big_name);
    django(&py, &generated, &big_url, &["migrate", "--noinput", "-v0"]);
    let big = read(&big_url, dir.path());
    assert!(
        big.tables.len() >= 80 && big.tables.len() > 3 * s.tables.len(),
        "{} tables",
        big.tables.len()
    );
    assert_eq!(big.queries, s.queries);
    drop_database(&admin, &name);
    drop_database(&admin, &big_name);
}

#[test]
fn mysql_errors_never_show_the_password() {
    let Some(admin) = server("RDJ_MYSQL_URL") else { return };
    let real = passwords(&admin);
    let scheme_end = admin.find("://").unwrap() + 3;
    let user_end = scheme_end + admin[scheme_end..].find(':').unwrap();
    let at = admin.rfind('@').unwrap();
    let wrong = format!("{}:Wr0ng%40Secret%3Ax{}", &admin[..user_end], &admin[at..]);
    let wrong_secrets = passwords(&wrong);
    let err = introspect_blocking(
        &DatabaseUrl::parse(&wrong, Path::new("/")).unwrap(),
        Timeouts::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind, LiveErrorKind::Auth, "{err}");
    let missing = with_database(&admin, "rdj_no_such_database");
    let err2 = introspect_blocking(
        &DatabaseUrl::parse(&missing, Path::new("/")).unwrap(),
        Timeouts::default(),
    )
    .unwrap_err();
    assert_eq!(err2.kind, LiveErrorKind::NotFound, "{err2}");
    for shown in [
        err.to_string(),
        format!("{err:?}"),
        err2.to_string(),
        format!("{err2:?}"),
    ] {
        for secret in real.iter().chain(&wrong_secrets) {
            assert!(!shown.contains(secret.as_str()), "password shown in {shown:?}");
        }
    }
}

// ---------------------------------------------------------------- unreachable servers

#[test]
fn a_refused_connection_fails_fast_without_the_password() {
    let timeouts = Timeouts {
        connect: Duration::from_millis(1500),
        statement: Duration::from_millis(500),
    };
    for url in [
        "postgres://rdj:Unreach%40ble-S3cret@127.0.0.1:1/app",
        "mysql://rdj:Unreach%40ble-S3cret@127.0.0.1:1/app",
    ] {
        let started = Instant::now();
        let err = introspect_blocking(&DatabaseUrl::parse(url, Path::new("/")).unwrap(), timeouts).unwrap_err();
        assert!(
            started.elapsed() < timeouts.connect + Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(err.kind, LiveErrorKind::Unreachable, "{err}");
        assert!(err.message.contains("127.0.0.1:1"), "{err}");
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains("S3cret"), "{shown}");
        }
    }
}

#[test]
fn a_silent_server_times_out_within_the_connect_timeout() {
    // Accepts TCP connections (the kernel completes the handshake for the
    // backlog) and never answers: the client waits for a greeting.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let timeouts = Timeouts {
        connect: Duration::from_millis(700),
        statement: Duration::from_millis(500),
    };
    for scheme in ["postgres", "mysql"] {
        let url = format!("{scheme}://rdj:Silent%40S3cret@127.0.0.1:{port}/app");
        let started = Instant::now();
        let err = introspect_blocking(&DatabaseUrl::parse(&url, Path::new("/")).unwrap(), timeouts).unwrap_err();
        let took = started.elapsed();
        assert_eq!(err.kind, LiveErrorKind::Timeout, "{scheme}: {err}");
        assert!(
            took >= timeouts.connect && took < timeouts.connect + Duration::from_millis(500),
            "{took:?}"
        );
        assert!(
            !err.to_string().contains("S3cret") && !format!("{err:?}").contains("S3cret"),
            "{err:?}"
        );
    }
    drop(silent);
}
