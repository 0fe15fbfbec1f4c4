//! sqlite catalog introspection (OWNER: live helper).
//!
//! The file is opened read-only (`SQLITE_OPEN_READONLY` and the `mode=ro`
//! of a URI; never created) so that **nothing is ever created or changed
//! next to it**, and read in one deferred transaction (a consistent
//! snapshot) with a constant number of statements: the table-valued pragma
//! functions joined with `sqlite_master` read every table's columns,
//! indexes and foreign keys in one statement each.
//!
//! A WAL-mode database needs care: even a read-only connection creates the
//! `-wal` and `-shm` files when they are missing (and, unable to checkpoint,
//! leaves them behind), and writes its read marks into an existing `-shm`.
//! So the mode is chosen from the file header and the side files
//! ([`OpenMode::for_file`]):
//! - rollback journal: `mode=ro`;
//! - WAL, with a `-shm` (a writer has it open, or left it): `mode=ro` and
//!   `readonly_shm=1`: the existing index is mapped read-only (or, with no
//!   writer alive, the `-wal` is read into private memory), so the WAL's
//!   committed content is seen and neither file is written;
//! - WAL, no `-shm`, no (or an empty) `-wal`: nothing is in a WAL, so
//!   `immutable=1` reads exactly the current state without any lock or side
//!   file;
//! - WAL, a `-wal` with content but no `-shm`: reading it would create the
//!   `-shm`, and the main file alone is stale: not read (an error saying so).
//!
//! A rowid table's `INTEGER PRIMARY KEY` has no index entry in SQLite: its
//! primary key shows only as the columns' `primary_key`. An index part on an
//! expression has an empty column name.

use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{ConnectOptions, Connection, Row};

use super::{
    bounded, column, statement_limit, Builder, LiveError, LiveErrorKind, LiveForeignKey, LiveSchema, Timeouts,
};
use crate::schema::url::DatabaseUrl;

/// `FROM` every base table `m` joined with `pragmas`: not SQLite's own
/// tables (`sqlite_%`), not views, not virtual tables (whose module may not
/// even be loaded here).
fn from_tables(pragmas: &str) -> String {
    format!(
        "sqlite_master m, {pragmas} WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         AND coalesce(m.sql, '') NOT LIKE 'CREATE VIRTUAL TABLE%'"
    )
}

async fn run(
    conn: &mut SqliteConnection,
    queries: &mut usize,
    t: Timeouts,
    url: &DatabaseUrl,
    sql: &str,
    doing: &str,
) -> Result<Vec<SqliteRow>, LiveError> {
    *queries += 1;
    bounded(statement_limit(t), doing, url, sqlx::raw_sql(sql).fetch_all(conn)).await
}

/// Opens `path` read-only; a missing file is an error (nothing is created).
pub(crate) async fn connect(url: &DatabaseUrl, path: &Path, t: Timeouts) -> Result<SqliteConnection, LiveError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(LiveError::new(
                LiveErrorKind::NotADatabase,
                format!("`{}` is a directory, not a SQLite database", path.display()),
                url,
            ))
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LiveError::new(
                LiveErrorKind::NotFound,
                format!("the SQLite database `{}` does not exist", path.display()),
                url,
            ))
        }
        Err(e) => {
            return Err(LiveError::new(
                LiveErrorKind::Unreachable,
                format!("cannot open the SQLite database `{}`: {e}", path.display()),
                url,
            ))
        }
    }
    let mode = match OpenMode::for_file(path) {
        Ok(mode) => mode,
        Err(why) => return Err(LiveError::new(LiveErrorKind::Unreachable, why, url)),
    };
    // sqlx passes a filename to SQLite as a URI (`SQLITE_OPEN_URI`) when it
    // adds no parameters of its own (no `immutable`, no `vfs`).
    let options = SqliteConnectOptions::new()
        .filename(mode.uri(path))
        .read_only(true)
        .create_if_missing(false)
        .immutable(false)
        // A writer holding the lock: wait for it at most the statement timeout.
        .busy_timeout(t.statement)
        .foreign_keys(false)
        .statement_cache_capacity(0)
        .disable_statement_logging();
    let doing = format!("opening the SQLite database `{}`", path.display());
    bounded(t.connect, &doing, url, SqliteConnection::connect_with(&options)).await
}

/// How a database file is opened so that nothing next to it changes (see
/// the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenMode {
    /// `mode=ro`: a rollback-journal database.
    ReadOnly,
    /// `mode=ro&readonly_shm=1`: a WAL database whose `-shm` exists.
    ReadOnlySharedMemory,
    /// `mode=ro&immutable=1`: a WAL database with nothing in a WAL.
    Immutable,
}

impl OpenMode {
    /// The mode for the database at `path` (which exists), or why it cannot
    /// be read without writing next to it.
    pub(crate) fn for_file(path: &Path) -> Result<OpenMode, String> {
        use std::io::Read;
        // Bytes 18 and 19 of the header: 2 for WAL (1 for a rollback journal).
        let mut header = [0u8; 20];
        let wal = std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut header))
            .is_ok_and(|()| header.starts_with(b"SQLite format 3\0") && header[19] == 2);
        if !wal {
            // Not SQLite at all is SQLite's to say (SQLITE_NOTADB).
            return Ok(OpenMode::ReadOnly);
        }
        let side = |suffix: &str| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            std::fs::metadata(std::path::PathBuf::from(name)).ok()
        };
        if side("-shm").is_some() {
            return Ok(OpenMode::ReadOnlySharedMemory);
        }
        match side("-wal") {
            Some(wal) if wal.len() > 0 => Err(format!(
                "the SQLite database `{}` is in WAL mode and its `-wal` file has content but no `-shm` index: \
                 reading it would create one next to it (opening it once with the application rebuilds the index)",
                path.display()
            )),
            _ => Ok(OpenMode::Immutable),
        }
    }

    /// The `file:` URI opening `path` in this mode (the path percent-encoded).
    fn uri(self, path: &Path) -> String {
        #[cfg(unix)]
        let bytes = {
            use std::os::unix::ffi::OsStrExt;
            path.as_os_str().as_bytes().to_vec()
        };
        #[cfg(not(unix))]
        let bytes = {
            let p = path.to_string_lossy().replace('\\', "/");
            if p.starts_with('/') { p } else { format!("/{p}") }.into_bytes()
        };
        let mut encoded = String::with_capacity(bytes.len() + 16);
        for b in bytes {
            if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~') {
                encoded.push(b as char);
            } else {
                encoded.push_str(&format!("%{b:02X}"));
            }
        }
        let params = match self {
            OpenMode::ReadOnly => "mode=ro",
            OpenMode::ReadOnlySharedMemory => "mode=ro&readonly_shm=1",
            OpenMode::Immutable => "mode=ro&immutable=1",
        };
        format!("file://{encoded}?{params}")
    }
}

pub(crate) async fn introspect(url: &DatabaseUrl, t: Timeouts) -> Result<LiveSchema, LiveError> {
    let path = url.sqlite_path().expect("a SQLite URL has a path");
    let mut conn = connect(url, path, t).await?;
    let result = read(&mut conn, url, t).await;
    // Ends the read transaction (if the read stopped halfway) and the connection.
    let _ = tokio::time::timeout(t.statement, conn.close()).await;
    result
}

async fn read(conn: &mut SqliteConnection, url: &DatabaseUrl, t: Timeouts) -> Result<LiveSchema, LiveError> {
    let mut queries = 0;
    let q = &mut queries;

    // A deferred transaction takes a read lock at the first SELECT and keeps
    // it: the statements below see one state of the file.
    run(conn, q, t, url, "BEGIN", "starting a read transaction").await?;

    let mut b = Builder::default();
    let columns = format!(
        "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value IS NOT NULL, p.pk, p.hidden \
         FROM {} ORDER BY m.name, p.cid",
        from_tables("pragma_table_xinfo(m.name) p")
    );
    let rows = run(conn, q, t, url, &columns, "reading the columns").await?;
    let mut pk_counts: std::collections::HashMap<String, usize> = Default::default();
    for r in &rows {
        let table: String = r
            .try_get(0)
            .map_err(|e| LiveError::from_sqlx(e, "reading the columns", url))?;
        let hidden: i64 = r.try_get(6).unwrap_or(0);
        if hidden == 1 {
            // A virtual table's hidden column (2 and 3 are generated columns).
            continue;
        }
        let pk: i64 = r.try_get(5).unwrap_or(0);
        if pk > 0 {
            *pk_counts.entry(table.clone()).or_default() += 1;
        }
    }
    for r in &rows {
        let get = |e| LiveError::from_sqlx(e, "reading the columns", url);
        let table: String = r.try_get(0).map_err(get)?;
        let name: String = r.try_get(1).map_err(get)?;
        let ty: String = r.try_get::<Option<String>, _>(2).map_err(get)?.unwrap_or_default();
        let notnull: i64 = r.try_get(3).map_err(get)?;
        let has_default: i64 = r.try_get(4).map_err(get)?;
        let pk: i64 = r.try_get(5).map_err(get)?;
        let hidden: i64 = r.try_get(6).map_err(get)?;
        if hidden == 1 {
            continue;
        }
        // The one-column `INTEGER PRIMARY KEY` is the rowid: SQLite assigns it.
        let rowid = pk > 0 && ty.eq_ignore_ascii_case("integer") && pk_counts.get(&table) == Some(&1);
        let generated = hidden == 2 || hidden == 3;
        b.column(
            &table,
            column(
                name,
                &ty,
                notnull == 0 && pk == 0,
                has_default != 0 || rowid || generated,
                pk > 0,
            ),
        );
    }

    let indexes = format!(
        "SELECT m.name, il.name, il.\"unique\", il.origin, ii.name, il.partial \
         FROM {} ORDER BY m.name, il.name, ii.seqno",
        from_tables("pragma_index_list(m.name) il, pragma_index_info(il.name) ii")
    );
    for r in run(conn, q, t, url, &indexes, "reading the indexes").await? {
        let get = |e| LiveError::from_sqlx(e, "reading the indexes", url);
        let table: String = r.try_get(0).map_err(get)?;
        let index: String = r.try_get(1).map_err(get)?;
        let unique: i64 = r.try_get(2).map_err(get)?;
        let origin: String = r.try_get(3).map_err(get)?;
        let col: Option<String> = r.try_get(4).map_err(get)?;
        let partial: i64 = r.try_get(5).map_err(get)?;
        b.index_part(&table, &index, (unique != 0, origin == "pk", partial != 0), col);
    }

    let fks = format!(
        "SELECT m.name, f.\"from\", f.\"table\", f.\"to\" FROM {} ORDER BY m.name, f.id, f.seq",
        from_tables("pragma_foreign_key_list(m.name) f")
    );
    let mut implicit = Vec::new();
    for r in run(conn, q, t, url, &fks, "reading the foreign keys").await? {
        let get = |e| LiveError::from_sqlx(e, "reading the foreign keys", url);
        let table: String = r.try_get(0).map_err(get)?;
        let from: String = r.try_get(1).map_err(get)?;
        let ref_table: String = r.try_get(2).map_err(get)?;
        let to: Option<String> = r.try_get(3).map_err(get)?;
        match to {
            Some(ref_column) => b.foreign_key(
                &table,
                LiveForeignKey {
                    column: from,
                    ref_table,
                    ref_column,
                },
            ),
            // `REFERENCES t` without a column: t's primary key.
            None => implicit.push((table, from, ref_table)),
        }
    }
    for (table, from, ref_table) in implicit {
        let ref_column = b
            .tables
            .get(&ref_table)
            .and_then(|t| t.columns.iter().find(|c| c.primary_key))
            .map(|c| c.name.clone())
            .unwrap_or_default();
        b.foreign_key(
            &table,
            LiveForeignKey {
                column: from,
                ref_table,
                ref_column,
            },
        );
    }

    let applied = if b.tables.contains_key("django_migrations") {
        let rows = run(
            conn,
            q,
            t,
            url,
            "SELECT app, name FROM django_migrations ORDER BY id",
            "reading django_migrations",
        )
        .await?;
        let mut applied = Vec::with_capacity(rows.len());
        for r in rows {
            let get = |e| LiveError::from_sqlx(e, "reading django_migrations", url);
            applied.push((r.try_get(0).map_err(get)?, r.try_get(1).map_err(get)?));
        }
        Some(applied)
    } else {
        None
    };
    run(conn, q, t, url, "ROLLBACK", "ending the read transaction").await?;

    Ok(LiveSchema {
        backend: None,
        applied,
        tables: b.tables,
        queries,
    })
}

pub(crate) fn classify(db: &dyn sqlx::error::DatabaseError) -> LiveErrorKind {
    // Primary result codes (the low byte of an extended code).
    let code = db.code().and_then(|c| c.parse::<i64>().ok()).map(|c| c & 0xff);
    match code {
        Some(26) => LiveErrorKind::NotADatabase,     // SQLITE_NOTADB
        Some(14) => LiveErrorKind::Unreachable,      // SQLITE_CANTOPEN
        Some(23) => LiveErrorKind::Auth,             // SQLITE_AUTH
        Some(5) | Some(6) => LiveErrorKind::Timeout, // SQLITE_BUSY, SQLITE_LOCKED
        _ => LiveErrorKind::Query,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::live::tests::block_on;
    use std::time::Duration;

    fn timeouts() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(3),
            statement: Duration::from_secs(3),
        }
    }

    #[test]
    fn the_read_only_connection_refuses_writes_and_changes_no_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        block_on(async {
            let rw = SqliteConnectOptions::new().filename(&path).create_if_missing(true);
            let mut conn = SqliteConnection::connect_with(&rw).await.unwrap();
            sqlx::raw_sql("CREATE TABLE t (id integer PRIMARY KEY, a varchar(3)); INSERT INTO t (a) VALUES ('x')")
                .execute(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
        });
        let before = std::fs::read(&path).unwrap();
        let url = DatabaseUrl::parse(&format!("sqlite:///{}", path.display()), Path::new("/")).unwrap();
        block_on(async {
            let mut conn = connect(&url, &path, timeouts()).await.unwrap();
            for write in [
                "INSERT INTO t (a) VALUES ('y')",
                "CREATE TABLE u (a int)",
                "PRAGMA user_version = 7",
                "PRAGMA journal_mode = WAL",
                "VACUUM",
            ] {
                let r = sqlx::raw_sql(write).execute(&mut conn).await;
                // journal_mode on a read-only connection is refused quietly
                // (the mode stays `delete`); every other write is an error.
                if write.contains("journal_mode") {
                    let mode: String = sqlx::raw_sql("PRAGMA journal_mode")
                        .fetch_one(&mut conn)
                        .await
                        .unwrap()
                        .get(0);
                    assert_eq!(mode, "delete");
                    continue;
                }
                let err = r.expect_err(write);
                let kind = match &err {
                    sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
                    _ => None,
                };
                assert_eq!(kind.as_deref(), Some("8"), "{write}: {err}"); // SQLITE_READONLY
            }
            conn.close().await.unwrap();
        });
        assert_eq!(std::fs::read(&path).unwrap(), before);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("db.sqlite3")],
            "no journal or WAL left"
        );
    }

    #[test]
    fn a_wal_database_is_read_in_its_current_state() {
        // What a writer committed to the WAL (and not yet to the main file)
        // is seen, and the main file is not changed.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.db");
        let url = DatabaseUrl::parse(&format!("sqlite:///{}", path.display()), Path::new("/")).unwrap();
        block_on(async {
            let writer = wal_database(&path).await;
            let main_file = std::fs::read(&path).unwrap();
            let s = introspect(&url, timeouts()).await.unwrap();
            assert_eq!(s.tables.keys().collect::<Vec<_>>(), ["first", "second"]);
            assert_eq!(s.tables["second"].columns[0].max_length, Some(5));
            assert_eq!(std::fs::read(&path).unwrap(), main_file);
            writer.close().await.unwrap();
        });
    }

    /// The names of the files in `dir`, sorted.
    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// A WAL database at `path` with tables `first` (checkpointed) and
    /// `second` (only in the WAL while the returned writer is open).
    async fn wal_database(path: &Path) -> SqliteConnection {
        let rw = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
        let mut writer = SqliteConnection::connect_with(&rw).await.unwrap();
        for sql in [
            "PRAGMA wal_autocheckpoint = 0",
            "CREATE TABLE first (a int)",
            "PRAGMA wal_checkpoint(TRUNCATE)",
            "CREATE TABLE second (b varchar(5) NOT NULL)",
        ] {
            sqlx::raw_sql(sql).execute(&mut writer).await.unwrap();
        }
        writer
    }

    #[test]
    fn the_open_mode_follows_the_header_and_the_side_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.db");
        block_on(async {
            let writer = wal_database(&path).await;
            assert_eq!(OpenMode::for_file(&path), Ok(OpenMode::ReadOnlySharedMemory));
            // A copy of the database and its WAL without the index.
            let copy = dir.path().join("copy");
            std::fs::create_dir(&copy).unwrap();
            std::fs::copy(&path, copy.join("wal.db")).unwrap();
            std::fs::copy(dir.path().join("wal.db-wal"), copy.join("wal.db-wal")).unwrap();
            let err = OpenMode::for_file(&copy.join("wal.db")).unwrap_err();
            assert!(err.contains("no `-shm`"), "{err}");
            let url =
                DatabaseUrl::parse(&format!("sqlite:///{}", copy.join("wal.db").display()), Path::new("/")).unwrap();
            let before = files_in(&copy);
            let err = introspect(&url, timeouts()).await.unwrap_err();
            assert_eq!(err.kind, LiveErrorKind::Unreachable, "{err}");
            assert_eq!(files_in(&copy), before, "nothing created");
            writer.close().await.unwrap();
        });
        // The last connection closed: checkpointed, no side file left.
        assert_eq!(files_in(dir.path()), ["copy", "wal.db"]);
        assert_eq!(OpenMode::for_file(&path), Ok(OpenMode::Immutable));
        let plain = dir.path().join("plain.db");
        std::fs::write(&plain, b"not a database").unwrap();
        assert_eq!(OpenMode::for_file(&plain), Ok(OpenMode::ReadOnly));
    }

    #[test]
    fn a_wal_database_without_side_files_is_read_without_creating_any() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.db");
        block_on(async { wal_database(&path).await.close().await.unwrap() });
        assert_eq!(files_in(dir.path()), ["wal.db"]);
        let before = std::fs::read(&path).unwrap();
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        let url = DatabaseUrl::parse(&format!("sqlite:///{}", path.display()), Path::new("/")).unwrap();
        let s = block_on(introspect(&url, timeouts())).unwrap();
        assert_eq!(s.tables.keys().collect::<Vec<_>>(), ["first", "second"]);
        assert_eq!(files_in(dir.path()), ["wal.db"], "no -wal or -shm created");
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), modified);
    }

    #[test]
    fn the_uri_encodes_the_path() {
        let uri = OpenMode::ReadOnlySharedMemory.uri(Path::new("/tmp/a b?c#d%e.db"));
        assert_eq!(uri, "file:///tmp/a%20b%3Fc%23d%25e.db?mode=ro&readonly_shm=1");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("odd name?#%.db");
        block_on(async {
            let rw = SqliteConnectOptions::new().filename(&path).create_if_missing(true);
            let mut conn = SqliteConnection::connect_with(&rw).await.unwrap();
            sqlx::raw_sql("CREATE TABLE t (a int)")
                .execute(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
        });
        let url = DatabaseUrl::parse(
            &format!(
                "sqlite:///{}",
                path.display()
                    .to_string()
                    .replace('%', "%25")
                    .replace('?', "%3F")
                    .replace('#', "%23")
            ),
            Path::new("/"),
        )
        .unwrap();
        assert_eq!(url.sqlite_path(), Some(path.as_path()));
        let s = block_on(introspect(&url, timeouts())).unwrap();
        assert_eq!(s.tables.keys().collect::<Vec<_>>(), ["t"]);
    }

    #[test]
    fn a_missing_file_is_an_error_and_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent.db");
        let url = DatabaseUrl::parse(&format!("sqlite:///{}", path.display()), Path::new("/")).unwrap();
        let err = block_on(introspect(&url, timeouts())).unwrap_err();
        assert_eq!(err.kind, LiveErrorKind::NotFound);
        assert!(err.message.contains("absent.db"), "{err}");
        assert!(!path.exists());
        // Opening past the existence check cannot create it either.
        let options = SqliteConnectOptions::new().filename(&path).read_only(true);
        assert!(block_on(SqliteConnection::connect_with(&options)).is_err());
        assert!(!path.exists());
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_not_a_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.db");
        std::fs::write(
            &path,
            "this is not a database, just text long enough to fill a header ....................",
        )
        .unwrap();
        let url = DatabaseUrl::parse(&format!("sqlite:///{}", path.display()), Path::new("/")).unwrap();
        let err = block_on(introspect(&url, timeouts())).unwrap_err();
        assert_eq!(err.kind, LiveErrorKind::NotADatabase, "{err}");
        let err = block_on(introspect(
            &DatabaseUrl::parse(&format!("sqlite:///{}", dir.path().display()), Path::new("/")).unwrap(),
            timeouts(),
        ))
        .unwrap_err();
        assert_eq!(err.kind, LiveErrorKind::NotADatabase, "{err}");
    }

    #[test]
    fn tables_columns_indexes_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        block_on(async {
            let rw = SqliteConnectOptions::new().filename(&path).create_if_missing(true);
            let mut conn = SqliteConnection::connect_with(&rw).await.unwrap();
            sqlx::raw_sql(
                "CREATE TABLE parent (code varchar(8) NOT NULL PRIMARY KEY, n integer unsigned NULL DEFAULT 3);
                 CREATE TABLE child (id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
                    parent_id varchar(8) NOT NULL REFERENCES parent (code),
                    other_id varchar(8) NULL REFERENCES parent,
                    price decimal(10, 2) NOT NULL,
                    total integer GENERATED ALWAYS AS (id * 2) VIRTUAL,
                    UNIQUE (parent_id, price));
                 CREATE INDEX child_lower ON child (lower(parent_id), price);
                 CREATE VIEW v AS SELECT * FROM child;",
            )
            .execute(&mut conn)
            .await
            .unwrap();
            conn.close().await.unwrap();
        });
        let url = DatabaseUrl::parse(&format!("sqlite:///{}", path.display()), Path::new("/")).unwrap();
        let s = block_on(introspect(&url, timeouts())).unwrap();
        assert_eq!(
            s.tables.keys().collect::<Vec<_>>(),
            ["child", "parent"],
            "no view, no sqlite_sequence"
        );
        assert_eq!(s.applied, None);
        assert_eq!(s.queries, 5, "BEGIN, columns, indexes, foreign keys, ROLLBACK");
        let parent = &s.tables["parent"];
        let code = &parent.columns[0];
        assert_eq!(
            (code.raw_type.as_str(), code.max_length, code.nullable),
            ("varchar(8)", Some(8), false)
        );
        assert!(code.primary_key && !code.has_default, "a text primary key is no rowid");
        let n = &parent.columns[1];
        assert_eq!(
            (n.raw_type.as_str(), n.nullable, n.has_default),
            ("integer unsigned", true, true)
        );
        assert!(parent.indexes.iter().any(|i| i.primary && i.columns == ["code"]));
        let child = &s.tables["child"];
        let names: Vec<&str> = child.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "parent_id", "other_id", "price", "total"]);
        assert!(
            child.columns[0].primary_key && child.columns[0].has_default,
            "rowid alias"
        );
        assert_eq!(
            (child.columns[3].precision, child.columns[3].scale),
            (Some(10), Some(2))
        );
        assert!(child.columns[4].has_default, "generated column");
        assert!(child
            .indexes
            .iter()
            .any(|i| i.unique && !i.primary && i.columns == ["parent_id", "price"]));
        let lower = child.indexes.iter().find(|i| i.name == "child_lower").unwrap();
        assert_eq!(lower.columns, ["", "price"]);
        let mut fks: Vec<(&str, &str, &str)> = child
            .foreign_keys
            .iter()
            .map(|f| (f.column.as_str(), f.ref_table.as_str(), f.ref_column.as_str()))
            .collect();
        fks.sort();
        assert_eq!(fks, [("other_id", "parent", "code"), ("parent_id", "parent", "code")]);
    }
}
