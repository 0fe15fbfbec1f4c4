//! The live database, read-only: which migrations are applied and what the
//! tables, columns, indexes and foreign keys really are.
//!
//! Each backend reads its catalog with a constant number of queries (not one
//! per table). Sessions are read-only (SQLite `mode=ro`; PostgreSQL and
//! MySQL in a read-only transaction) and bounded by the connect and
//! statement timeouts of SPEC §3. No password is ever printed or logged.
//!
//! OWNER: live introspection (sqlite.rs, postgres.rs, mysql.rs, url.rs).

pub mod mysql;
pub mod postgres;
pub mod sqlite;

use std::collections::BTreeMap;

use super::Backend;

/// What the database holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveSchema {
    pub backend: Option<Backend>,
    /// Rows of `django_migrations` as `(app, name)`; `None` when the table
    /// does not exist (nothing was ever migrated).
    pub applied: Option<Vec<(String, String)>>,
    /// Tables (not views) of the default schema/database, by name.
    pub tables: BTreeMap<String, LiveTable>,
    /// How many statements the introspection ran (for the benchmark and the
    /// constant-query-count test).
    pub queries: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveTable {
    /// In table order.
    pub columns: Vec<LiveColumn>,
    /// Indexes and unique/primary-key constraints (a unique constraint is
    /// reported as a unique index; PostgreSQL and MySQL back each with one).
    pub indexes: Vec<LiveIndex>,
    pub foreign_keys: Vec<LiveForeignKey>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveColumn {
    pub name: String,
    /// The type as the database reports it, lowercased, parameters included
    /// (`varchar(200)`, `numeric(10,2)`, `timestamp with time zone`,
    /// `integer unsigned`, `int(10) unsigned`, `tinyint(1)`).
    pub raw_type: String,
    /// Character length of `varchar`/`char` columns.
    pub max_length: Option<i64>,
    /// Precision and scale of decimal columns.
    pub precision: Option<i64>,
    pub scale: Option<i64>,
    pub nullable: bool,
    /// Has a database default (`DEFAULT …`, identity, autoincrement, serial).
    pub has_default: bool,
    pub primary_key: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveIndex {
    pub name: String,
    /// Key columns in order; an expression part is an empty name.
    pub columns: Vec<String>,
    pub unique: bool,
    pub primary: bool,
    /// Has a `WHERE` clause (PostgreSQL, SQLite): it constrains only some rows.
    pub partial: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveForeignKey {
    pub column: String,
    pub ref_table: String,
    pub ref_column: String,
}

// ---------------------------------------------------------------------------
// Reading a database.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use super::url::DatabaseUrl;
use crate::redact;

/// How long a connection may take, and one introspection statement, unless
/// configured (`connect-timeout-ms`, `statement-timeout-ms`).
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 3000;
pub const DEFAULT_STATEMENT_TIMEOUT_MS: u64 = 5000;

/// How long connecting, and each statement, may take (SPEC §3:
/// `connect-timeout-ms`, `statement-timeout-ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub statement: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_millis(DEFAULT_CONNECT_TIMEOUT_MS),
            statement: Duration::from_millis(DEFAULT_STATEMENT_TIMEOUT_MS),
        }
    }
}

/// What went wrong, for RDJ509's message and for callers that retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LiveErrorKind {
    /// The server could not be reached (refused, no route, DNS, TLS
    /// required, protocol error) or the SQLite file could not be opened.
    Unreachable,
    /// The server refused the credentials or the access.
    Auth,
    /// The SQLite file or the server's database does not exist.
    NotFound,
    /// The target is not a database we can read (a file that is not SQLite).
    NotADatabase,
    /// A catalog query failed.
    Query,
    /// Connecting or a statement took longer than its timeout.
    Timeout,
}

impl LiveErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LiveErrorKind::Unreachable => "unreachable",
            LiveErrorKind::Auth => "authentication failed",
            LiveErrorKind::NotFound => "not found",
            LiveErrorKind::NotADatabase => "not a database",
            LiveErrorKind::Query => "query failed",
            LiveErrorKind::Timeout => "timeout",
        }
    }
}

/// A failed introspection. Its message never holds the password: every
/// message, including those the driver and the server produce, has the
/// URL's password (decoded and percent-encoded) replaced by `***`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveError {
    pub kind: LiveErrorKind,
    pub message: String,
}

impl fmt::Display for LiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LiveError {}

impl LiveError {
    /// A new error whose message is scrubbed of `url`'s password.
    pub(crate) fn new(kind: LiveErrorKind, message: impl Into<String>, url: &DatabaseUrl) -> Self {
        LiveError {
            kind,
            message: scrub(&message.into(), url),
        }
    }

    /// A driver error met while `doing` (e.g. "connecting to 127.0.0.1:5432",
    /// "reading the columns"), classified.
    pub(crate) fn from_sqlx(err: sqlx::Error, doing: &str, url: &DatabaseUrl) -> Self {
        let kind = classify(&err, url);
        let detail = match &err {
            // The driver's Display adds "error returned from database: ".
            sqlx::Error::Database(db) => db.message().to_owned(),
            other => other.to_string(),
        };
        LiveError::new(kind, format!("{doing}: {detail}"), url)
    }
}

fn classify(err: &sqlx::Error, url: &DatabaseUrl) -> LiveErrorKind {
    use LiveErrorKind::*;
    match err {
        sqlx::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => Timeout,
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => Unreachable,
        sqlx::Error::Configuration(_) => Unreachable,
        sqlx::Error::Database(db) => match url.backend() {
            Backend::Postgres => postgres::classify(db.as_ref()),
            Backend::Mysql => mysql::classify(db.as_ref()),
            Backend::Sqlite => sqlite::classify(db.as_ref()),
        },
        sqlx::Error::PoolTimedOut => Timeout,
        _ => Query,
    }
}

/// `message` with whatever looks like credentials hidden
/// ([`redact::redact_message`]): URLs' userinfo, password-like keys, and
/// the password of `url` (as decoded, and as it would be percent-encoded)
/// and those of the client environment variables the drivers read
/// (`PGPASSWORD`, `MYSQL_PWD`) as whole tokens.
pub(crate) fn scrub(message: &str, url: &DatabaseUrl) -> String {
    let mut secrets: Vec<String> = Vec::new();
    if let Some(p) = url.password() {
        secrets.push(p.to_owned());
        secrets.push(redact::percent_encode(p));
    }
    for var in ["PGPASSWORD", "MYSQL_PWD"] {
        if let Ok(p) = std::env::var(var) {
            secrets.push(p);
        }
    }
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    redact::redact_message(message, &secrets)
}

/// Reads `url`'s database: applied migrations, tables, columns, indexes and
/// foreign keys, with a constant number of statements, in a read-only
/// session bounded by `timeouts` (connecting; each statement).
pub async fn introspect(url: &DatabaseUrl, timeouts: Timeouts) -> Result<LiveSchema, LiveError> {
    let mut schema = match url.backend() {
        Backend::Sqlite => sqlite::introspect(url, timeouts).await?,
        Backend::Postgres => postgres::introspect(url, timeouts).await?,
        Backend::Mysql => mysql::introspect(url, timeouts).await?,
    };
    schema.backend = Some(url.backend());
    Ok(schema)
}

/// [`introspect`] for synchronous callers (the CLI): runs it on a
/// current-thread runtime of its own (on a separate thread when called from
/// inside a runtime, where blocking on another would panic).
pub fn introspect_blocking(url: &DatabaseUrl, timeouts: Timeouts) -> Result<LiveSchema, LiveError> {
    let run = || -> Result<LiveSchema, LiveError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                LiveError::new(
                    LiveErrorKind::Query,
                    format!("cannot start the async runtime: {e}"),
                    url,
                )
            })?;
        rt.block_on(introspect(url, timeouts))
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| s.spawn(run).join()).unwrap_or_else(|_| {
            Err(LiveError::new(
                LiveErrorKind::Query,
                "the introspection thread panicked",
                url,
            ))
        })
    } else {
        run()
    }
}

/// `fut` bounded by `limit`; on expiry a [`LiveErrorKind::Timeout`] error
/// saying what was being done.
pub(crate) async fn bounded<T>(
    limit: Duration,
    doing: &str,
    url: &DatabaseUrl,
    fut: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, LiveError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(LiveError::from_sqlx(e, doing, url)),
        Err(_) => Err(LiveError::new(
            LiveErrorKind::Timeout,
            format!("{doing}: no answer within {} ms", limit.as_millis()),
            url,
        )),
    }
}

/// The client-side limit of one statement: the server-side timeout plus a
/// margin for the server to report its own cancellation first.
pub(crate) fn statement_limit(t: Timeouts) -> Duration {
    t.statement + Duration::from_millis(500)
}

/// Length, precision and scale from a type as written (`varchar(200)`,
/// `character varying(200)`, `numeric(10,2)`, `decimal(5)`): the length of
/// character types, the precision and scale of decimal types.
pub(crate) fn type_params(raw: &str) -> (Option<i64>, Option<i64>, Option<i64>) {
    let (Some(open), Some(close)) = (raw.find('('), raw.rfind(')')) else {
        return (None, None, None);
    };
    if close < open {
        return (None, None, None);
    }
    let base = raw[..open].trim();
    let nums: Vec<Option<i64>> = raw[open + 1..close].split(',').map(|p| p.trim().parse().ok()).collect();
    match base {
        "varchar"
        | "character varying"
        | "char"
        | "character"
        | "nvarchar"
        | "nchar"
        | "national char"
        | "national character"
        | "national character varying"
        | "national varchar"
        | "varying character"
        | "native character"
        | "bpchar" => (nums.first().copied().flatten(), None, None),
        "decimal" | "numeric" | "dec" | "fixed" => {
            let precision = nums.first().copied().flatten();
            let scale = match nums.get(1) {
                Some(s) => *s,
                None => precision.map(|_| 0),
            };
            (None, precision, scale)
        }
        _ => (None, None, None),
    }
}

/// Builds the tables from catalog rows already in table order.
#[derive(Default)]
pub(crate) struct Builder {
    pub tables: BTreeMap<String, LiveTable>,
}

impl Builder {
    pub fn column(&mut self, table: &str, column: LiveColumn) {
        self.tables.entry(table.to_owned()).or_default().columns.push(column);
    }

    /// One key part of an index, in order; `column` is `None` for an
    /// expression (reported as an empty column name). Rows of a table not
    /// seen among the columns are ignored (views, other schemas).
    pub fn index_part(
        &mut self,
        table: &str,
        index: &str,
        (unique, primary, partial): (bool, bool, bool),
        column: Option<String>,
    ) {
        let Some(t) = self.tables.get_mut(table) else { return };
        let column = column.unwrap_or_default();
        match t.indexes.last_mut() {
            Some(ix) if ix.name == index => ix.columns.push(column),
            _ => t.indexes.push(LiveIndex {
                name: index.to_owned(),
                columns: vec![column],
                unique: unique || primary,
                primary,
                partial,
            }),
        }
    }

    pub fn foreign_key(&mut self, table: &str, fk: LiveForeignKey) {
        if let Some(t) = self.tables.get_mut(table) {
            t.foreign_keys.push(fk);
        }
    }

    /// Marks the columns of each table's primary-key index.
    pub fn mark_primary_keys(&mut self) {
        for t in self.tables.values_mut() {
            let pk: Vec<String> = t
                .indexes
                .iter()
                .filter(|i| i.primary)
                .flat_map(|i| i.columns.clone())
                .collect();
            for c in &mut t.columns {
                if pk.contains(&c.name) {
                    c.primary_key = true;
                }
            }
        }
    }
}

/// A column from a catalog row; length, precision and scale parsed from the
/// (lowercased) type.
pub(crate) fn column(name: String, raw_type: &str, nullable: bool, has_default: bool, primary_key: bool) -> LiveColumn {
    let raw_type = raw_type.trim().to_lowercase();
    let (max_length, precision, scale) = type_params(&raw_type);
    LiveColumn {
        name,
        raw_type,
        max_length,
        precision,
        scale,
        nullable,
        has_default,
        primary_key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A test server's URL from the environment (`RDJ_PG_URL`,
    /// `RDJ_MYSQL_URL`) or from `.cache/databases.env` (written by
    /// `.ci/databases.sh`). Without one: `None` after printing why, or a
    /// failure on CI, where the test command starts the servers.
    pub(crate) fn server_url(var: &str) -> Option<DatabaseUrl> {
        let from_file = || {
            let env = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/databases.env");
            let text = std::fs::read_to_string(env).ok()?;
            text.lines()
                .find_map(|l| l.strip_prefix(var)?.strip_prefix('=').map(|v| v.trim().to_owned()))
        };
        let url = std::env::var(var).ok().filter(|v| !v.is_empty()).or_else(from_file);
        let url = url.map(|u| DatabaseUrl::parse(&u, Path::new("/")).expect("a valid test server URL"));
        // A server named by a stale file (stopped since) is no server.
        let answers = |u: &DatabaseUrl| {
            use std::net::ToSocketAddrs;
            let addr = (u.host().unwrap_or("127.0.0.1"), u.port().unwrap_or(0))
                .to_socket_addrs()
                .ok()?
                .next()?;
            std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()
        };
        match url {
            Some(url) if answers(&url).is_some() => Some(url),
            url => {
                let why = match url {
                    Some(u) => format!(
                        "the {var} server at {} does not answer (run `bash .ci/databases.sh`)",
                        u.endpoint()
                    ),
                    None => format!(
                        "{var} is not set and .cache/databases.env does not name it (run `bash .ci/databases.sh`)"
                    ),
                };
                if std::env::var_os("CI").is_some() {
                    panic!("required on CI: {why}");
                }
                eprintln!("skipped: {why}");
                None
            }
        }
    }

    /// A current-thread runtime for the tests' async code.
    pub(crate) fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn type_parameters() {
        assert_eq!(type_params("varchar(200)"), (Some(200), None, None));
        assert_eq!(type_params("character varying(32)"), (Some(32), None, None));
        assert_eq!(type_params("char(3)"), (Some(3), None, None));
        assert_eq!(type_params("numeric(10,2)"), (None, Some(10), Some(2)));
        assert_eq!(type_params("decimal(10, 2)"), (None, Some(10), Some(2)));
        assert_eq!(type_params("decimal(7)"), (None, Some(7), Some(0)));
        assert_eq!(type_params("decimal"), (None, None, None));
        assert_eq!(type_params("int(10) unsigned"), (None, None, None));
        assert_eq!(type_params("tinyint(1)"), (None, None, None));
        assert_eq!(type_params("datetime(6)"), (None, None, None));
        assert_eq!(type_params("timestamp(3) with time zone"), (None, None, None));
    }

    #[test]
    fn scrub_removes_decoded_and_encoded_passwords() {
        let url = DatabaseUrl::parse("postgres://u:p%40ss%3Aw0rd@h/db", Path::new("/")).unwrap();
        let msg = "auth failed for p@ss:w0rd (was p%40ss%3Aw0rd)";
        assert_eq!(scrub(msg, &url), "auth failed for *** (was ***)");
        let e = LiveError::new(LiveErrorKind::Auth, msg, &url);
        assert!(!e.to_string().contains("w0rd") && !format!("{e:?}").contains("w0rd"));
    }

    #[test]
    fn scrub_never_garbles_a_message_around_a_short_password() {
        // A one-letter password replaced everywhere would turn "lookup"
        // into "looku***" and so reveal itself.
        let url = DatabaseUrl::parse("postgres://u:p@h/db", Path::new("/")).unwrap();
        let msg = "connecting to h: failed to lookup address information";
        assert_eq!(scrub(msg, &url), msg);
        // Where it is written as a password, it is still hidden.
        assert_eq!(
            scrub("bad conninfo password=p host=h", &url),
            "bad conninfo password=*** host=h"
        );
        let url = DatabaseUrl::parse("postgres://u:hunter22@h/db", Path::new("/")).unwrap();
        assert_eq!(
            scrub("hunter22 rejected; hunter22x unknown", &url),
            "*** rejected; hunter22x unknown"
        );
    }

    #[test]
    fn builder_groups_index_parts_and_marks_primary_keys() {
        let mut b = Builder::default();
        b.column("t", column("id".into(), "BIGINT", false, true, false));
        b.column("t", column("a".into(), "varchar(10)", true, false, false));
        b.index_part("t", "t_pkey", (true, true, false), Some("id".into()));
        b.index_part("t", "t_a_b", (false, false, false), Some("a".into()));
        b.index_part("t", "t_a_b", (false, false, false), None);
        b.index_part("view", "v_ix", (false, false, false), Some("x".into()));
        b.mark_primary_keys();
        let t = &b.tables["t"];
        assert!(t.columns[0].primary_key && !t.columns[1].primary_key);
        assert_eq!(t.columns[0].raw_type, "bigint");
        assert_eq!(t.columns[1].max_length, Some(10));
        assert_eq!(t.indexes.len(), 2);
        assert_eq!(t.indexes[1].columns, vec!["a".to_owned(), String::new()]);
        assert!(t.indexes[0].unique && t.indexes[0].primary);
        assert!(!b.tables.contains_key("view"));
    }

    #[test]
    fn blocking_inside_a_runtime_does_not_panic() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let url = DatabaseUrl::parse("sqlite:////nonexistent/dir/x.db", Path::new("/")).unwrap();
        let err = rt
            .block_on(async { introspect_blocking(&url, Timeouts::default()) })
            .unwrap_err();
        assert_eq!(err.kind, LiveErrorKind::NotFound);
    }
}
