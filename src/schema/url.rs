//! Database URLs: parsing, backends, redaction (OWNER: live helper).
//!
//! The forms Django projects and Reflex apps write (dj-database-url,
//! SQLAlchemy): `sqlite:///relative.db` and `sqlite:////abs/path.db` (one
//! slash after `sqlite://` is stripped; a relative path is resolved against
//! the directory the caller names), `postgres://user:pass@host:port/name`
//! (`postgresql`, `postgresql+psycopg`, … : a `+driver` is dropped),
//! `mysql://…` and `mariadb://…` (`mysql+pymysql`, …). User, password,
//! host and database name are percent-decoded.
//!
//! Parsing is strict, because a URL that is read wrongly is connected to
//! wrongly: a host name taken from what is really part of a password would
//! be looked up in DNS. A server URL must be `scheme://…`; the userinfo ends
//! at the **last** `@` before the path (as browsers read it), so a raw `@`
//! in a password works (`mysql://u:p@ss@h/db`); but an `@` after the
//! authority (in the path, query or fragment) means the password held a raw
//! `/`, `?` or `#`, and the URL is refused ([`UrlError::AmbiguousUserinfo`])
//! rather than guessed at; a host must be a host name, an IP literal or a
//! percent-encoded socket folder.
//!
//! A password is never shown: `Debug`, `Display`, [`DatabaseUrl::redacted`]
//! and every [`UrlError`] leave it out; [`shown`] is how a URL that may not
//! parse is put in a message (all redaction is [`crate::redact`]'s).

use std::fmt;
use std::path::{Path, PathBuf};

use super::Backend;
use crate::redact::{self, percent_decode};

/// A parsed database URL. The password is kept for connecting only.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    target: Target,
    /// The URL as written, password replaced by `***`.
    redacted: String,
}

#[derive(Clone, PartialEq, Eq)]
enum Target {
    /// An absolute path (never `:memory:`).
    Sqlite(PathBuf),
    Endpoint(Endpoint),
}

#[derive(Clone, PartialEq, Eq)]
struct Endpoint {
    /// Host name or address (brackets of an IPv6 literal removed), or the
    /// directory of a Unix socket when it starts with `/`; `None` when the
    /// URL names none (the client library's default).
    host: Option<String>,
    port: Option<u16>,
    user: Option<String>,
    password: Option<String>,
    database: Option<String>,
    /// Query parameters, decoded (`sslmode`, `socket`, `host`, …).
    params: Vec<(String, String)>,
}

/// Why a URL could not be used. Never contains the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    /// No `scheme:` at all.
    NotAUrl,
    /// A scheme that is no database we read (the scheme is shown).
    UnsupportedScheme(String),
    /// `sqlite://` / `sqlite:///:memory:`: nothing persistent to read.
    InMemory,
    /// `sqlite:///` with no file name.
    MissingPath,
    /// A port that is not a number from 1 to 65535.
    BadPort,
    /// A percent-escape that is invalid or decodes to invalid UTF-8, in the
    /// named part (`user`, `password`, `host`, `database`, `path`, `query`).
    BadEncoding(&'static str),
    /// An `@` after the host: the user or password holds a raw `/`, `?` or
    /// `#`, so where the host starts cannot be told.
    AmbiguousUserinfo,
    /// A host that is no host name, IP literal or socket folder.
    BadHost,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::NotAUrl => {
                f.write_str("not a database URL (expected `scheme://…`, e.g. `postgres://user@host/name`)")
            }
            UrlError::UnsupportedScheme(s) => write!(
                f,
                "unsupported database URL scheme `{s}` (supported: sqlite, postgres/postgresql, mysql/mariadb)"
            ),
            UrlError::InMemory => f.write_str("an in-memory SQLite URL names no database to read"),
            UrlError::MissingPath => f.write_str("the SQLite URL names no file"),
            UrlError::BadPort => f.write_str("the database URL's port is not a number from 1 to 65535"),
            UrlError::BadEncoding(part) => write!(
                f,
                "the database URL's {part} has an invalid percent-escape or is not UTF-8"
            ),
            UrlError::AmbiguousUserinfo => f.write_str(
                "the database URL has an `@` after its host: a user name or password holding `/`, `?`, `#` or `@` must be percent-encoded (`%2F`, `%3F`, `%23`, `%40`)",
            ),
            UrlError::BadHost => f.write_str("the database URL's host is not a host name, an IP address or a socket folder"),
        }
    }
}

impl std::error::Error for UrlError {}

impl DatabaseUrl {
    /// Parses `url`; a relative SQLite path is resolved against `base_dir`
    /// (made absolute against the current directory if it is relative).
    pub fn parse(url: &str, base_dir: &Path) -> Result<DatabaseUrl, UrlError> {
        let url = url.trim();
        let colon = url.find(':').ok_or(UrlError::NotAUrl)?;
        let scheme = &url[..colon];
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            return Err(UrlError::NotAUrl);
        }
        let lower = scheme.to_ascii_lowercase();
        let base = lower.split('+').next().unwrap_or_default();
        let after = &url[colon + 1..];
        let backend = match base {
            "sqlite" | "sqlite3" | "spatialite" => Backend::Sqlite,
            "postgres" | "postgresql" | "pgsql" | "postgis" => Backend::Postgres,
            "mysql" | "mariadb" | "mysql2" | "mysqlgis" => Backend::Mysql,
            // What precedes a colon is a scheme only in `scheme://`: in
            // `user:password@host` it is a user name (and in `secret:x`
            // anything at all), never to be shown.
            _ if after.starts_with("//") => return Err(UrlError::UnsupportedScheme(shown_scheme(scheme))),
            _ => return Err(UrlError::NotAUrl),
        };
        let target = if backend == Backend::Sqlite {
            Target::Sqlite(sqlite_path(after, base_dir)?)
        } else {
            let rest = after.strip_prefix("//").ok_or(UrlError::NotAUrl)?;
            Target::Endpoint(parse_server(rest)?)
        };
        Ok(DatabaseUrl {
            backend,
            target,
            redacted: redact::redact_url(url),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL as written with its password replaced by `***` (also a
    /// `password=` query parameter).
    pub fn redacted(&self) -> String {
        self.redacted.clone()
    }

    /// The SQLite database file (absolute).
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.target {
            Target::Sqlite(p) => Some(p),
            Target::Endpoint(_) => None,
        }
    }

    /// The server's host (or socket directory, starting with `/`).
    pub fn host(&self) -> Option<&str> {
        self.server()?.host.as_deref()
    }

    pub fn port(&self) -> Option<u16> {
        self.server()?.port
    }

    pub fn user(&self) -> Option<&str> {
        self.server()?.user.as_deref()
    }

    /// The database name on the server.
    pub fn database(&self) -> Option<&str> {
        self.server()?.database.as_deref()
    }

    /// A decoded query parameter (`sslmode`, `socket`, …); the last one wins.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.server()?
            .params
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `host:port` or the socket, for messages (no credentials).
    pub fn endpoint(&self) -> String {
        match &self.target {
            Target::Sqlite(p) => p.display().to_string(),
            Target::Endpoint(s) => {
                let host = s.host.as_deref().unwrap_or("localhost");
                let host = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host.to_owned()
                };
                match s.port {
                    Some(p) => format!("{host}:{p}"),
                    None => host,
                }
            }
        }
    }

    /// The password, for connecting (and for scrubbing it out of messages);
    /// never to be shown.
    pub(crate) fn password(&self) -> Option<&str> {
        match &self.target {
            Target::Endpoint(s) => s.password.as_deref().or_else(|| {
                s.params
                    .iter()
                    .rev()
                    .find(|(k, _)| k == "password")
                    .map(|(_, v)| v.as_str())
            }),
            Target::Sqlite(_) => None,
        }
    }

    fn server(&self) -> Option<&Endpoint> {
        match &self.target {
            Target::Endpoint(s) => Some(s),
            Target::Sqlite(_) => None,
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("DatabaseUrl");
        d.field("backend", &self.backend);
        match &self.target {
            Target::Sqlite(p) => {
                d.field("path", p);
            }
            Target::Endpoint(s) => {
                d.field("host", &s.host)
                    .field("port", &s.port)
                    .field("user", &s.user)
                    .field("password", &s.password.as_ref().map(|_| "***"))
                    .field("database", &s.database);
                let params: Vec<(&str, &str)> = s
                    .params
                    .iter()
                    .map(|(k, v)| {
                        let v = if redact::is_secret_key(k) { "***" } else { v.as_str() };
                        (k.as_str(), v)
                    })
                    .collect();
                d.field("params", &params);
            }
        }
        d.field("url", &self.redacted).finish()
    }
}

/// `url` for a message, whether it parses or not: its redacted form when
/// it is a URL, else `***` when it does not even have the shape of one (a
/// password put where the URL goes, say).
pub fn shown(url: &str) -> String {
    match DatabaseUrl::parse(url, Path::new("/")) {
        Ok(parsed) => parsed.redacted(),
        Err(_) => redact::redact_unusable_url(url),
    }
}

/// A scheme as it may appear in a message: only URL scheme characters,
/// at most 32 of them (whatever was parsed as the scheme could be anything).
fn shown_scheme(scheme: &str) -> String {
    scheme.chars().take(32).collect()
}

/// `rest` is what follows `sqlite:`: `///relative.db`, `////abs.db`,
/// `//`, `relative.db` (sqlx's form), with an optional `?query`.
fn sqlite_path(rest: &str, base_dir: &Path) -> Result<PathBuf, UrlError> {
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let name = match rest.strip_prefix("//") {
        // The authority (empty, or `localhost`) ends at the next slash; the
        // one slash after it separates it from the path.
        // `sqlite://` and `sqlite:///` (no path) are in-memory databases
        // for dj-database-url and django-environ, as for SQLAlchemy.
        Some(after) => match after.find('/') {
            Some(slash) if after[slash + 1..].is_empty() => return Err(UrlError::InMemory),
            Some(slash) => &after[slash + 1..],
            None if after.is_empty() => return Err(UrlError::InMemory),
            None => return Err(UrlError::MissingPath),
        },
        None => rest,
    };
    if name == ":memory:" {
        return Err(UrlError::InMemory);
    }
    if name.is_empty() {
        return Err(UrlError::MissingPath);
    }
    let name = percent_decode(name).ok_or(UrlError::BadEncoding("path"))?;
    let path = PathBuf::from(name);
    if path.is_absolute() {
        return Ok(path);
    }
    let base = if base_dir.is_absolute() {
        base_dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(base_dir))
            .unwrap_or_else(|_| base_dir.to_path_buf())
    };
    Ok(base.join(path))
}

/// `rest` is what follows `scheme://`.
fn parse_server(rest: &str) -> Result<Endpoint, UrlError> {
    let (before_query, query) = match rest.find('?') {
        Some(q) => (&rest[..q], Some(&rest[q + 1..])),
        None => (rest, None),
    };
    let before_query = before_query.split('#').next().unwrap_or_default();
    let (authority, path) = match before_query.find('/') {
        Some(s) => (&before_query[..s], &before_query[s + 1..]),
        None => (before_query, ""),
    };
    // The authority ends at the first `/`, `?` or `#`; an `@` after it
    // means a raw `/`, `?` or `#` in the userinfo: no guessing where the
    // host starts (it could be part of the password).
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if rest[authority_end..].contains('@') {
        return Err(UrlError::AmbiguousUserinfo);
    }
    // The last `@` ends the userinfo: a password may hold a literal `@`.
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    let (user, password) = match userinfo {
        None => (None, None),
        Some(ui) => match ui.find(':') {
            Some(c) => (
                Some(&ui[..c]),
                Some(percent_decode(&ui[c + 1..]).ok_or(UrlError::BadEncoding("password"))?),
            ),
            None => (Some(ui), None),
        },
    };
    let user = user
        .filter(|u| !u.is_empty())
        .map(|u| percent_decode(u).ok_or(UrlError::BadEncoding("user")))
        .transpose()?;
    let (host, port) = split_host_port(hostport)?;
    let host = host
        .filter(|h| !h.is_empty())
        .map(|h| percent_decode(h).ok_or(UrlError::BadEncoding("host")))
        .transpose()?;
    if let Some(h) = &host {
        check_host(h)?;
    }
    let database = Some(path.trim_end_matches('/'))
        .filter(|p| !p.is_empty())
        .map(|p| percent_decode(p).ok_or(UrlError::BadEncoding("database")))
        .transpose()?;
    let mut params = Vec::new();
    for pair in query.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(&k.replace('+', " ")).ok_or(UrlError::BadEncoding("query"))?;
        let v = percent_decode(&v.replace('+', " ")).ok_or(UrlError::BadEncoding("query"))?;
        params.push((k, v));
    }
    Ok(Endpoint {
        host,
        port,
        user,
        password,
        database,
        params,
    })
}

/// A host name (letters, digits, `-`, `.`, `_`), an IP literal, or a
/// socket folder (a percent-encoded absolute path).
fn check_host(host: &str) -> Result<(), UrlError> {
    if host.starts_with('/') || host.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    if host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    {
        Ok(())
    } else {
        Err(UrlError::BadHost)
    }
}

fn split_host_port(hostport: &str) -> Result<(Option<&str>, Option<u16>), UrlError> {
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let end = v6.find(']').ok_or(UrlError::NotAUrl)?;
        let after = &v6[end + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(UrlError::NotAUrl),
        };
        (Some(&v6[..end]), port)
    } else {
        match hostport.rfind(':') {
            Some(c) => (Some(&hostport[..c]), Some(&hostport[c + 1..])),
            None => (Some(hostport), None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(UrlError::BadPort),
        },
    };
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> DatabaseUrl {
        DatabaseUrl::parse(url, Path::new("/base/dir")).unwrap()
    }

    #[test]
    fn sqlite_relative_and_absolute() {
        let u = parse("sqlite:///reflex.db");
        assert_eq!(u.backend(), Backend::Sqlite);
        assert_eq!(u.sqlite_path(), Some(Path::new("/base/dir/reflex.db")));
        let u = parse("sqlite:////var/data/app.db");
        assert_eq!(u.sqlite_path(), Some(Path::new("/var/data/app.db")));
        let u = parse("sqlite:///sub/dir/db.sqlite3?mode=rwc");
        assert_eq!(u.sqlite_path(), Some(Path::new("/base/dir/sub/dir/db.sqlite3")));
        // Driver suffixes (Reflex's async engine) and sqlx's short form.
        let u = parse("sqlite+aiosqlite:///reflex.db");
        assert_eq!(u.sqlite_path(), Some(Path::new("/base/dir/reflex.db")));
        let u = parse("sqlite:app.db");
        assert_eq!(u.sqlite_path(), Some(Path::new("/base/dir/app.db")));
        let u = parse("sqlite3:///my%20db.sqlite3");
        assert_eq!(u.sqlite_path(), Some(Path::new("/base/dir/my db.sqlite3")));
        let u = parse("sqlite://localhost/x.db");
        assert_eq!(u.sqlite_path(), Some(Path::new("/base/dir/x.db")));
        assert_eq!(u.host(), None);
    }

    #[test]
    fn sqlite_relative_base_is_made_absolute() {
        let u = DatabaseUrl::parse("sqlite:///x.db", Path::new("proj")).unwrap();
        let p = u.sqlite_path().unwrap();
        assert!(p.is_absolute(), "{p:?}");
        assert!(p.ends_with("proj/x.db"));
    }

    #[test]
    fn sqlite_in_memory_and_empty() {
        let base = Path::new("/b");
        assert_eq!(DatabaseUrl::parse("sqlite://", base), Err(UrlError::InMemory));
        assert_eq!(DatabaseUrl::parse("sqlite:///:memory:", base), Err(UrlError::InMemory));
        assert_eq!(DatabaseUrl::parse("sqlite:///", base), Err(UrlError::InMemory));
        assert_eq!(DatabaseUrl::parse("sqlite:", base), Err(UrlError::MissingPath));
    }

    #[test]
    fn postgres_forms() {
        for scheme in [
            "postgres",
            "postgresql",
            "postgresql+psycopg",
            "postgresql+asyncpg",
            "PostgreSQL",
        ] {
            let u = parse(&format!("{scheme}://alice:s3cr%40t@db.example:6543/shop%2Ddb"));
            assert_eq!(u.backend(), Backend::Postgres, "{scheme}");
            assert_eq!(u.host(), Some("db.example"));
            assert_eq!(u.port(), Some(6543));
            assert_eq!(u.user(), Some("alice"));
            assert_eq!(u.password(), Some("s3cr@t"));
            assert_eq!(u.database(), Some("shop-db"));
        }
        let u = parse("postgres://localhost/app");
        assert_eq!((u.user(), u.password(), u.port()), (None, None, None));
        let u = parse("postgres://u@[::1]:5432/app?sslmode=disable");
        assert_eq!(u.host(), Some("::1"));
        assert_eq!(u.port(), Some(5432));
        assert_eq!(u.param("sslmode"), Some("disable"));
        assert_eq!(u.endpoint(), "[::1]:5432");
        // A socket directory as the (percent-encoded) host, as dj-database-url allows.
        let u = parse("postgres://%2Fvar%2Frun%2Fpostgresql/app");
        assert_eq!(u.host(), Some("/var/run/postgresql"));
        let u = parse("postgres:///app");
        assert_eq!((u.host(), u.database()), (None, Some("app")));
    }

    #[test]
    fn mysql_forms() {
        for scheme in ["mysql", "mariadb", "mysql+pymysql", "mysql+mysqldb", "mysql+aiomysql"] {
            let u = parse(&format!("{scheme}://root:pw@127.0.0.1:3307/shop"));
            assert_eq!(u.backend(), Backend::Mysql, "{scheme}");
            assert_eq!(u.endpoint(), "127.0.0.1:3307");
            assert_eq!(u.database(), Some("shop"));
        }
        let u = parse("mysql://u:p@ss@h/db");
        assert_eq!(u.password(), Some("p@ss"));
        assert_eq!(u.host(), Some("h"));
    }

    #[test]
    fn errors_never_show_the_password() {
        let base = Path::new("/b");
        let cases = [
            ("oracle://u:hunter2@h/db", UrlError::UnsupportedScheme("oracle".into())),
            ("u:hunter2@h/db", UrlError::NotAUrl),
            ("hunter2:x", UrlError::NotAUrl),
            ("hunter2", UrlError::NotAUrl),
            (
                "postgress://u:hunter2@h/db",
                UrlError::UnsupportedScheme("postgress".into()),
            ),
            ("postgres://u:p@ss/hunter2.invalid@h/db", UrlError::AmbiguousUserinfo),
            ("postgres://u:hunter2/x@h/db", UrlError::AmbiguousUserinfo),
            ("postgres://u:hunter2?x@h/db", UrlError::AmbiguousUserinfo),
            ("postgres://u:hunter2#x@h/db", UrlError::AmbiguousUserinfo),
            ("postgres://u:pw@h/db?options=hunter2@x", UrlError::AmbiguousUserinfo),
            ("postgres://u:hunter2@bad host/db", UrlError::BadHost),
            ("postgres://u:hunter2:x@h!/db", UrlError::BadHost),
            ("postgres:/u:hunter2@h/db", UrlError::NotAUrl),
            ("postgres://u:hunter2@h:99999/db", UrlError::BadPort),
            ("postgres://u:hunter2@h:abc/db", UrlError::BadPort),
            ("postgres://u:hunter2%zz@h/db", UrlError::BadEncoding("password")),
            ("mysql://u:hunter2%ff@h/db", UrlError::BadEncoding("password")),
        ];
        for (url, want) in cases {
            let err = DatabaseUrl::parse(url, base).unwrap_err();
            assert_eq!(err, want, "{url}");
            assert!(!err.to_string().contains("hunter2"), "{err}");
            assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
            assert!(!shown(url).contains("hunter2"), "{url}: {}", shown(url));
        }
    }

    #[test]
    fn redaction_everywhere() {
        let u = parse("postgresql+psycopg://alice:hunter%402@db:5432/shop?sslmode=require&password=hunter3");
        for shown in [u.redacted(), u.to_string(), format!("{u:?}"), format!("{u:#?}")] {
            assert!(!shown.contains("hunter"), "{shown}");
        }
        assert_eq!(
            u.redacted(),
            "postgresql+psycopg://alice:***@db:5432/shop?sslmode=require&password=***"
        );
        assert_eq!(u.password(), Some("hunter@2"));
        let u = parse("mysql://u:p@ss@h/db");
        assert_eq!(u.redacted(), "mysql://u:***@h/db");
        assert!(!format!("{u:?}").contains("p@ss"));
        // The last `@` before the path separates, as in browsers.
        let u = parse("postgres://azure@server:p@ss@db.example/app");
        assert_eq!(
            (u.user(), u.password(), u.host()),
            (Some("azure@server"), Some("p@ss"), Some("db.example"))
        );
        assert_eq!(u.redacted(), "postgres://azure@server:***@db.example/app");
        // Without userinfo password: unchanged.
        assert_eq!(parse("postgres://u@h/db").redacted(), "postgres://u@h/db");
        assert_eq!(parse("sqlite:///x.db").redacted(), "sqlite:///x.db");
    }
}
