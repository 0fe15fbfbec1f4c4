//! postgres catalog introspection (OWNER: live helper).
//!
//! One connection, one `READ ONLY` transaction at `REPEATABLE READ` (one
//! snapshot for every statement) whose `statement_timeout`, `lock_timeout`
//! and `idle_in_transaction_session_timeout` are set with `SET LOCAL`:
//! nothing outlives the transaction, so a pooler in transaction mode
//! (PgBouncer) hands on a connection with the session as it was. Statements
//! go through the simple query protocol (no prepared statements, one round
//! trip each). The catalog is read from `pg_catalog` with one statement each
//! for columns, indexes and foreign keys, for the tables of the schemas in
//! `current_schemas(false)` (the `search_path`); a name found in two schemas
//! is the first one's, as an unqualified name resolves.

use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::{ConnectOptions, Connection, Row};

use super::{
    bounded, column, statement_limit, Builder, LiveError, LiveErrorKind, LiveForeignKey, LiveSchema, Timeouts,
};
use crate::schema::url::DatabaseUrl;

/// The tables (ordinary and partitioned, not partitions, views, foreign or
/// temporary tables) visible through the `search_path`, one per name.
const TABLES: &str = "WITH s AS ( \
       SELECT n.oid, array_position(current_schemas(false), n.nspname) AS pos \
       FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY (current_schemas(false))), \
     t AS ( \
       SELECT DISTINCT ON (c.relname) c.oid, c.relname \
       FROM pg_catalog.pg_class c JOIN s ON s.oid = c.relnamespace \
       WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
       ORDER BY c.relname, s.pos) ";

const COLUMNS: &str = "SELECT t.oid::int8, t.relname::text, a.attname::text, \
       pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, \
       (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '') \
     FROM t JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped \
     ORDER BY t.relname, a.attnum";

// The indexes and foreign keys of every table in the search path's schemas,
// by table oid: the tables read above are picked out of them by oid. (Not
// joined with the table list, which stale catalog statistics, e.g. right
// after a large `migrate`, could turn into a tables x constraints loop.)

/// Key parts only (not `INCLUDE` columns); an expression part has no column.
const INDEXES: &str = "SELECT i.indrelid::int8, ic.relname::text, i.indisunique, i.indisprimary, a.attname::text, \
            i.indpred IS NOT NULL \
     FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid \
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
       LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum > 0 \
     WHERE ic.relnamespace IN (SELECT n.oid FROM pg_catalog.pg_namespace n \
         WHERE n.nspname = ANY (current_schemas(false))) \
       AND k.ord <= i.indnkeyatts \
     ORDER BY i.indrelid, ic.relname, k.ord";

const FOREIGN_KEYS: &str = "SELECT con.conrelid::int8, a.attname::text, rc.relname::text, ra.attname::text \
     FROM pg_catalog.pg_constraint con \
       JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid \
       CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(col, refcol, ord) \
       JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.col \
       JOIN pg_catalog.pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.refcol \
     WHERE con.contype = 'f' AND con.connamespace IN (SELECT n.oid FROM pg_catalog.pg_namespace n \
         WHERE n.nspname = ANY (current_schemas(false))) \
     ORDER BY con.conrelid, con.conname, k.ord";

fn options(url: &DatabaseUrl) -> PgConnectOptions {
    // Like libpq (and so Django): PG* environment variables and ~/.pgpass
    // fill in what the URL leaves out.
    let mut o = PgConnectOptions::new();
    if let Some(host) = url.host().or(url.param("host")) {
        o = if host.starts_with('/') {
            o.socket(host)
        } else {
            o.host(host)
        };
    }
    if let Some(port) = url.port() {
        o = o.port(port);
    }
    if let Some(user) = url.user().or(url.param("user")) {
        o = o.username(user);
    }
    if let Some(password) = url.password() {
        o = o.password(password);
    }
    if let Some(db) = url.database().or(url.param("dbname")) {
        o = o.database(db);
    }
    if let Some(mode) = url.param("sslmode").and_then(|m| m.parse().ok()) {
        o = o.ssl_mode(mode);
    }
    o.application_name("reflex-django-lsp")
        .statement_cache_capacity(0)
        .disable_statement_logging()
}

/// Connects and opens the read-only transaction in which every statement of
/// the introspection runs. Counts its statements in `queries`.
pub(crate) async fn connect_read_only(
    url: &DatabaseUrl,
    t: Timeouts,
    queries: &mut usize,
) -> Result<PgConnection, LiveError> {
    let doing = format!("connecting to PostgreSQL at {}", url.endpoint());
    let mut conn = bounded(t.connect, &doing, url, PgConnection::connect_with(&options(url))).await?;
    let ms = t.statement.as_millis().max(1);
    let setup = [
        "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY".to_owned(),
        format!("SET LOCAL statement_timeout = {ms}"),
        format!("SET LOCAL lock_timeout = {ms}"),
        // If we vanish mid-way, the server ends the transaction itself.
        format!("SET LOCAL idle_in_transaction_session_timeout = {}", ms * 2),
    ];
    for sql in &setup {
        if let Err(e) = run(&mut conn, queries, t, url, sql, "starting a read-only transaction").await {
            let _ = tokio::time::timeout(t.statement, conn.close()).await;
            return Err(e);
        }
    }
    Ok(conn)
}

async fn run(
    conn: &mut PgConnection,
    queries: &mut usize,
    t: Timeouts,
    url: &DatabaseUrl,
    sql: &str,
    doing: &str,
) -> Result<Vec<PgRow>, LiveError> {
    *queries += 1;
    bounded(statement_limit(t), doing, url, sqlx::raw_sql(sql).fetch_all(conn)).await
}

pub(crate) async fn introspect(url: &DatabaseUrl, t: Timeouts) -> Result<LiveSchema, LiveError> {
    let mut queries = 0;
    let mut conn = connect_read_only(url, t, &mut queries).await?;
    let result = read(&mut conn, url, t, &mut queries).await;
    // Closing ends the transaction (rolled back: nothing was written).
    let _ = tokio::time::timeout(t.statement, conn.close()).await;
    result.map(|mut s| {
        s.queries = queries;
        s
    })
}

async fn read(conn: &mut PgConnection, url: &DatabaseUrl, t: Timeouts, q: &mut usize) -> Result<LiveSchema, LiveError> {
    let mut b = Builder::default();
    let mut names: std::collections::HashMap<i64, String> = Default::default();
    let doing = "reading the columns";
    for r in run(conn, q, t, url, &format!("{TABLES}{COLUMNS}"), doing).await? {
        let get = |e| LiveError::from_sqlx(e, doing, url);
        let oid: i64 = r.try_get(0).map_err(get)?;
        let table: String = r.try_get(1).map_err(get)?;
        let name: String = r.try_get(2).map_err(get)?;
        let ty: String = r.try_get(3).map_err(get)?;
        let notnull: bool = r.try_get(4).map_err(get)?;
        let has_default: bool = r.try_get(5).map_err(get)?;
        b.column(&table, column(name, &ty, !notnull, has_default, false));
        names.entry(oid).or_insert(table);
    }
    let doing = "reading the indexes";
    for r in run(conn, q, t, url, INDEXES, doing).await? {
        let get = |e| LiveError::from_sqlx(e, doing, url);
        let oid: i64 = r.try_get(0).map_err(get)?;
        let Some(table) = names.get(&oid) else { continue };
        let index: String = r.try_get(1).map_err(get)?;
        let unique: bool = r.try_get(2).map_err(get)?;
        let primary: bool = r.try_get(3).map_err(get)?;
        let col: Option<String> = r.try_get(4).map_err(get)?;
        let partial: bool = r.try_get(5).map_err(get)?;
        b.index_part(table, &index, (unique, primary, partial), col);
    }
    b.mark_primary_keys();
    let doing = "reading the foreign keys";
    for r in run(conn, q, t, url, FOREIGN_KEYS, doing).await? {
        let get = |e| LiveError::from_sqlx(e, doing, url);
        let oid: i64 = r.try_get(0).map_err(get)?;
        let Some(table) = names.get(&oid) else { continue };
        let fk = LiveForeignKey {
            column: r.try_get(1).map_err(get)?,
            ref_table: r.try_get(2).map_err(get)?,
            ref_column: r.try_get(3).map_err(get)?,
        };
        b.foreign_key(table, fk);
    }
    let applied = if b.tables.contains_key("django_migrations") {
        let doing = "reading django_migrations";
        let rows = run(
            conn,
            q,
            t,
            url,
            "SELECT app, name FROM django_migrations ORDER BY id",
            doing,
        )
        .await?;
        let mut applied = Vec::with_capacity(rows.len());
        for r in rows {
            let get = |e| LiveError::from_sqlx(e, doing, url);
            applied.push((r.try_get(0).map_err(get)?, r.try_get(1).map_err(get)?));
        }
        Some(applied)
    } else {
        None
    };
    run(conn, q, t, url, "ROLLBACK", "ending the read-only transaction").await?;
    Ok(LiveSchema {
        backend: None,
        applied,
        tables: b.tables,
        queries: 0,
    })
}

/// By SQLSTATE.
pub(crate) fn classify(db: &dyn sqlx::error::DatabaseError) -> LiveErrorKind {
    let code = db.code().unwrap_or_default();
    match code.as_ref() {
        // invalid_password, invalid_authorization_specification, insufficient_privilege
        "28P01" | "28000" | "42501" => LiveErrorKind::Auth,
        // invalid_catalog_name: the database does not exist
        "3D000" => LiveErrorKind::NotFound,
        // query_canceled (statement_timeout), lock_not_available (lock_timeout)
        "57014" | "55P03" => LiveErrorKind::Timeout,
        // cannot_connect_now, too_many_connections, admin/crash shutdown
        "57P03" | "53300" | "57P01" | "57P02" => LiveErrorKind::Unreachable,
        _ => LiveErrorKind::Query,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::live::tests::{block_on, server_url};
    use std::time::{Duration, Instant};

    fn timeouts() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(3),
            statement: Duration::from_millis(400),
        }
    }

    async fn db_code(conn: &mut PgConnection, sql: &str) -> Option<String> {
        match sqlx::raw_sql(sql).execute(conn).await {
            Ok(_) => None,
            Err(sqlx::Error::Database(db)) => db.code().map(|c| c.into_owned()),
            Err(e) => panic!("{sql}: not a database error: {e}"),
        }
    }

    #[test]
    fn the_read_only_session_refuses_writes() {
        let Some(url) = server_url("RDJ_PG_URL") else { return };
        block_on(async {
            // A table to write to, made by an ordinary session.
            let mut admin = PgConnection::connect_with(&options(&url)).await.unwrap();
            sqlx::raw_sql(
                "CREATE TABLE IF NOT EXISTS rdj_live_rw_target (a int); TRUNCATE rdj_live_rw_target; \
                 CREATE SEQUENCE IF NOT EXISTS rdj_live_rw_seq",
            )
            .execute(&mut admin)
            .await
            .unwrap();
            for write in [
                "INSERT INTO rdj_live_rw_target VALUES (1)",
                "UPDATE rdj_live_rw_target SET a = 2",
                "DELETE FROM rdj_live_rw_target",
                "SELECT nextval('rdj_live_rw_seq')",
                "CREATE TABLE rdj_probe_written (a int)",
                "CREATE TEMP TABLE rdj_probe_temp (a int)",
                "CREATE DATABASE rdj_probe_db",
            ] {
                let mut n = 0;
                let mut conn = connect_read_only(&url, timeouts(), &mut n).await.unwrap();
                assert_eq!(n, 4, "BEGIN and three SET LOCAL");
                let code = db_code(&mut conn, write).await;
                // 25006 read_only_sql_transaction; 25001 active_sql_transaction
                // (CREATE DATABASE cannot run in a transaction block).
                assert!(
                    matches!(code.as_deref(), Some("25006") | Some("25001")),
                    "{write}: {code:?}"
                );
                conn.close().await.unwrap();
            }
            // Reads assign no transaction id: nothing was written.
            let mut n = 0;
            let mut conn = connect_read_only(&url, timeouts(), &mut n).await.unwrap();
            let rows = run(
                &mut conn,
                &mut n,
                timeouts(),
                &url,
                &format!("{TABLES}{COLUMNS}"),
                "columns",
            )
            .await
            .unwrap();
            assert!(!rows.is_empty());
            let row =
                sqlx::raw_sql("SELECT txid_current_if_assigned() IS NULL, current_setting('transaction_read_only')")
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
            assert!(row.get::<bool, _>(0));
            assert_eq!(row.get::<String, _>(1), "on");
            conn.close().await.unwrap();
            let probe = &mut admin;
            let rows: i64 = sqlx::raw_sql("SELECT count(*) FROM rdj_live_rw_target")
                .fetch_one(&mut *probe)
                .await
                .unwrap()
                .get(0);
            assert_eq!(rows, 0);
            let left: i64 = sqlx::raw_sql("SELECT count(*) FROM pg_class WHERE relname LIKE 'rdj_probe%'")
                .fetch_one(&mut *probe)
                .await
                .unwrap()
                .get(0);
            assert_eq!(left, 0);
            let dbs: i64 = sqlx::raw_sql("SELECT count(*) FROM pg_database WHERE datname = 'rdj_probe_db'")
                .fetch_one(&mut *probe)
                .await
                .unwrap()
                .get(0);
            assert_eq!(dbs, 0);
        });
    }

    #[test]
    fn statements_are_bounded_by_the_statement_timeout() {
        let Some(url) = server_url("RDJ_PG_URL") else { return };
        block_on(async {
            let mut n = 0;
            let mut conn = connect_read_only(&url, timeouts(), &mut n).await.unwrap();
            let started = Instant::now();
            let err = run(&mut conn, &mut n, timeouts(), &url, "SELECT pg_sleep(10)", "sleeping")
                .await
                .unwrap_err();
            assert_eq!(err.kind, LiveErrorKind::Timeout, "{err}");
            assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
            assert!(err.message.starts_with("sleeping: "), "{err}");
        });
    }
}
