//! mysql catalog introspection (OWNER: live helper).
//!
//! MySQL and MariaDB. One connection: `SELECT VERSION(), DATABASE()` tells
//! the flavour, whose statement time limit is then set for the session
//! (MariaDB `max_statement_time` in seconds, MySQL `max_execution_time` in
//! milliseconds) with `lock_wait_timeout`; the session is made read-only
//! (`SET SESSION TRANSACTION READ ONLY`: a read-only transaction alone would
//! let a DDL statement commit it implicitly and run) and everything is read
//! in a `START TRANSACTION READ ONLY` that is rolled back. The driver's own
//! session set-up (`SET sql_mode…, time_zone…, NAMES…`) is turned off. The
//! catalog is read from `information_schema` (COLUMNS of the base tables in
//! TABLES, STATISTICS, KEY_COLUMN_USAGE) for `DATABASE()`, one statement
//! each, through the text protocol (no prepared statements).

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlDatabaseError, MySqlRow};
use sqlx::{ConnectOptions, Connection, Row};

use super::{
    bounded, column, statement_limit, Builder, LiveError, LiveErrorKind, LiveForeignKey, LiveSchema, Timeouts,
};
use crate::schema::url::DatabaseUrl;

/// Base tables only (not views). A semi-join: joining `TABLES` itself makes
/// MariaDB open every table for its statistics (25x slower).
const COLUMNS: &str = "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE, c.COLUMN_DEFAULT, c.EXTRA \
     FROM information_schema.COLUMNS c \
     WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME IN ( \
       SELECT t.TABLE_NAME FROM information_schema.TABLES t \
       WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE') \
     ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION";

/// An expression key part (MySQL 8 functional index) has no COLUMN_NAME.
const INDEXES: &str = "SELECT TABLE_NAME, INDEX_NAME, CAST(NON_UNIQUE AS SIGNED), COLUMN_NAME \
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
     ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";

const FOREIGN_KEYS: &str = "SELECT TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME \
     FROM information_schema.KEY_COLUMN_USAGE \
     WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL \
     ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION";

fn options(url: &DatabaseUrl) -> MySqlConnectOptions {
    let mut o = MySqlConnectOptions::new();
    if let Some(socket) = url.param("unix_socket").or(url.param("socket")) {
        o = o.socket(socket);
    } else if let Some(host) = url.host() {
        o = if host.starts_with('/') {
            o.socket(host)
        } else {
            o.host(host)
        };
    }
    if let Some(port) = url.port() {
        o = o.port(port);
    }
    if let Some(user) = url.user() {
        o = o.username(user);
    }
    if let Some(password) = url.password() {
        o = o.password(password);
    }
    if let Some(db) = url.database() {
        o = o.database(db);
    }
    o.pipes_as_concat(false)
        .no_engine_substitution(false)
        .timezone(None)
        .set_names(false)
        .statement_cache_capacity(0)
        .disable_statement_logging()
}

/// The connection's server flavour, learnt by [`connect_read_only`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Server {
    pub version: String,
    pub mariadb: bool,
    pub database: Option<String>,
}

/// Connects, sets the statement limits and opens the read-only transaction
/// in which every statement of the introspection runs.
pub(crate) async fn connect_read_only(
    url: &DatabaseUrl,
    t: Timeouts,
    queries: &mut usize,
) -> Result<(MySqlConnection, Server), LiveError> {
    let doing = format!("connecting to MySQL at {}", url.endpoint());
    let mut conn = bounded(t.connect, &doing, url, MySqlConnection::connect_with(&options(url))).await?;
    match setup(&mut conn, url, t, queries).await {
        Ok(server) => Ok((conn, server)),
        Err(e) => {
            let _ = tokio::time::timeout(t.statement, conn.close()).await;
            Err(e)
        }
    }
}

async fn setup(conn: &mut MySqlConnection, url: &DatabaseUrl, t: Timeouts, q: &mut usize) -> Result<Server, LiveError> {
    let doing = "reading the server version";
    let rows = run(conn, q, t, url, "SELECT VERSION(), DATABASE()", doing).await?;
    let row = rows
        .first()
        .ok_or_else(|| LiveError::new(LiveErrorKind::Query, format!("{doing}: no row"), url))?;
    let version = text(row, 0)
        .map_err(|e| LiveError::from_sqlx(e, doing, url))?
        .unwrap_or_default();
    let database = text(row, 1).map_err(|e| LiveError::from_sqlx(e, doing, url))?;
    let mariadb = version.to_ascii_lowercase().contains("mariadb");
    let ms = t.statement.as_millis().max(1);
    let lock_secs = t.statement.as_secs().max(1);
    let limits = if mariadb {
        format!(
            "SET SESSION max_statement_time = {:.3}, lock_wait_timeout = {lock_secs}, innodb_lock_wait_timeout = {lock_secs}",
            ms as f64 / 1000.0
        )
    } else {
        format!(
            "SET SESSION max_execution_time = {ms}, lock_wait_timeout = {lock_secs}, innodb_lock_wait_timeout = {lock_secs}"
        )
    };
    run(conn, q, t, url, &limits, "setting the statement time limit").await?;
    // Both: a DDL statement would implicitly commit a read-only transaction
    // and run; in a read-only session it fails (error 1792).
    let doing = "starting a read-only transaction";
    run(conn, q, t, url, "SET SESSION TRANSACTION READ ONLY", doing).await?;
    run(conn, q, t, url, "START TRANSACTION READ ONLY", doing).await?;
    Ok(Server {
        version,
        mariadb,
        database,
    })
}

async fn run(
    conn: &mut MySqlConnection,
    queries: &mut usize,
    t: Timeouts,
    url: &DatabaseUrl,
    sql: &str,
    doing: &str,
) -> Result<Vec<MySqlRow>, LiveError> {
    *queries += 1;
    bounded(statement_limit(t), doing, url, sqlx::raw_sql(sql).fetch_all(conn)).await
}

/// A text value whatever the server typed it (`information_schema` columns
/// are VARCHAR, TEXT or BLOB-like depending on the version and flavour).
fn text(row: &MySqlRow, i: usize) -> Result<Option<String>, sqlx::Error> {
    let bytes: Option<Vec<u8>> = row.try_get_unchecked(i)?;
    Ok(bytes.map(|b| String::from_utf8_lossy(&b).into_owned()))
}

fn int(row: &MySqlRow, i: usize) -> Result<i64, sqlx::Error> {
    let s = text(row, i)?.unwrap_or_default();
    s.trim()
        .parse()
        .map_err(|_| sqlx::Error::Decode(format!("not an integer: {s:?}").into()))
}

pub(crate) async fn introspect(url: &DatabaseUrl, t: Timeouts) -> Result<LiveSchema, LiveError> {
    let mut queries = 0;
    let (mut conn, server) = connect_read_only(url, t, &mut queries).await?;
    let result = read(&mut conn, &server, url, t, &mut queries).await;
    let _ = tokio::time::timeout(t.statement, conn.close()).await;
    result.map(|mut s| {
        s.queries = queries;
        s
    })
}

async fn read(
    conn: &mut MySqlConnection,
    server: &Server,
    url: &DatabaseUrl,
    t: Timeouts,
    q: &mut usize,
) -> Result<LiveSchema, LiveError> {
    if server.database.is_none() {
        return Err(LiveError::new(
            LiveErrorKind::NotFound,
            format!("the URL for MySQL at {} names no database", url.endpoint()),
            url,
        ));
    }
    let mut b = Builder::default();
    let doing = "reading the columns";
    for r in run(conn, q, t, url, COLUMNS, doing).await? {
        let get = |e| LiveError::from_sqlx(e, doing, url);
        let table = text(&r, 0).map_err(get)?.unwrap_or_default();
        let name = text(&r, 1).map_err(get)?.unwrap_or_default();
        let ty = text(&r, 2).map_err(get)?.unwrap_or_default();
        let nullable = text(&r, 3).map_err(get)?.is_some_and(|n| n.eq_ignore_ascii_case("YES"));
        let default = text(&r, 4).map_err(get)?;
        let extra = text(&r, 5).map_err(get)?.unwrap_or_default().to_ascii_lowercase();
        // MariaDB (10.2.7+) reports a nullable column's implicit default as
        // the literal `NULL` (a string default is quoted there).
        let explicit_default = match default.as_deref() {
            None => false,
            Some("NULL") if server.mariadb => false,
            Some(_) => true,
        };
        let has_default = explicit_default || extra.contains("auto_increment") || extra.contains("generated");
        b.column(&table, column(name, &ty, nullable, has_default, false));
    }
    let doing = "reading the indexes";
    for r in run(conn, q, t, url, INDEXES, doing).await? {
        let get = |e| LiveError::from_sqlx(e, doing, url);
        let table = text(&r, 0).map_err(get)?.unwrap_or_default();
        let index = text(&r, 1).map_err(get)?.unwrap_or_default();
        let non_unique = int(&r, 2).map_err(get)?;
        let col = text(&r, 3).map_err(get)?;
        let primary = index == "PRIMARY";
        b.index_part(&table, &index, (non_unique == 0, primary, false), col);
    }
    b.mark_primary_keys();
    let doing = "reading the foreign keys";
    for r in run(conn, q, t, url, FOREIGN_KEYS, doing).await? {
        let get = |e| LiveError::from_sqlx(e, doing, url);
        let table = text(&r, 0).map_err(get)?.unwrap_or_default();
        let fk = LiveForeignKey {
            column: text(&r, 1).map_err(get)?.unwrap_or_default(),
            ref_table: text(&r, 2).map_err(get)?.unwrap_or_default(),
            ref_column: text(&r, 3).map_err(get)?.unwrap_or_default(),
        };
        b.foreign_key(&table, fk);
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
            applied.push((
                text(&r, 0).map_err(get)?.unwrap_or_default(),
                text(&r, 1).map_err(get)?.unwrap_or_default(),
            ));
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

/// By MySQL/MariaDB error number.
pub(crate) fn classify(db: &dyn sqlx::error::DatabaseError) -> LiveErrorKind {
    let Some(e) = db.try_downcast_ref::<MySqlDatabaseError>() else {
        return LiveErrorKind::Query;
    };
    match e.number() {
        // access denied (user, database, table), password expired
        1044 | 1045 | 1142 | 1227 | 1698 | 1820 | 1862 => LiveErrorKind::Auth,
        // unknown database
        1049 => LiveErrorKind::NotFound,
        // MySQL max_execution_time, MariaDB max_statement_time, lock waits
        3024 | 1969 | 1205 => LiveErrorKind::Timeout,
        // too many connections, host blocked, server shutting down
        1040 | 1129 | 1130 | 1053 => LiveErrorKind::Unreachable,
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
            statement: Duration::from_millis(500),
        }
    }

    #[test]
    fn the_read_only_session_refuses_writes() {
        let Some(url) = server_url("RDJ_MYSQL_URL") else { return };
        block_on(async {
            for write in [
                // DDL would commit a read-only transaction implicitly and run:
                // the read-only session refuses it.
                "CREATE TABLE rdj_probe_written (a int)",
                "CREATE DATABASE rdj_probe_db",
                "INSERT INTO mysql.help_topic (help_topic_id, name, help_category_id, description, example, url) \
                 VALUES (99999, 'rdj_probe', 1, '', '', '')",
                "ROLLBACK; CREATE TABLE rdj_probe_after (a int)",
            ] {
                let mut n = 0;
                let (mut conn, server) = connect_read_only(&url, timeouts(), &mut n).await.unwrap();
                assert_eq!(n, 4, "version, limits, read-only session, read-only transaction");
                assert!(server.database.is_some());
                let err = sqlx::raw_sql(write).execute(&mut conn).await.unwrap_err();
                let number = match &err {
                    sqlx::Error::Database(db) => db.try_downcast_ref::<MySqlDatabaseError>().map(|e| e.number()),
                    _ => None,
                };
                // 1792: cannot execute statement in a READ ONLY transaction.
                assert_eq!(number, Some(1792), "{write}: {err}");
                conn.close().await.unwrap();
            }
            let mut probe = MySqlConnection::connect_with(&options(&url)).await.unwrap();
            let row = sqlx::raw_sql(
                "SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_NAME LIKE 'rdj\\_probe%') \
                 + (SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'rdj_probe_db') \
                 + (SELECT COUNT(*) FROM mysql.help_topic WHERE help_topic_id = 99999)",
            )
            .fetch_one(&mut probe)
            .await
            .unwrap();
            assert_eq!(int(&row, 0).unwrap(), 0);
        });
    }

    #[test]
    fn statements_are_bounded_by_the_statement_timeout() {
        let Some(url) = server_url("RDJ_MYSQL_URL") else { return };
        block_on(async {
            let mut n = 0;
            let (mut conn, _) = connect_read_only(&url, timeouts(), &mut n).await.unwrap();
            let started = Instant::now();
            // MariaDB interrupts the statement (error 1969); MySQL's SLEEP
            // returns 1 early. Either way it ends within the limit.
            let r = run(&mut conn, &mut n, timeouts(), &url, "SELECT SLEEP(10)", "sleeping").await;
            assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
            if let Err(err) = r {
                assert_eq!(err.kind, LiveErrorKind::Timeout, "{err}");
            }
        });
    }
}
