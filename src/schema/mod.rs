//! Schema checks (SPEC §4, RDJ5xx): the models as declared, the migrations
//! replayed, and the live database, compared.
//!
//! ```text
//!  settings.rs ──► apps, AUTH_USER_MODEL, DEFAULT_AUTO_FIELD, database URL
//!  models.rs   ──► ProjectState (declared) ─┐
//!  migrations/ ──► ProjectState (replayed) ─┴► autodetect.rs ► RDJ503
//!  live/       ──► LiveSchema ─┬► RDJ501/502 (applied vs files)
//!  ddl/        ──► expected    ─┴► drift.rs ► RDJ504–508
//! ```
//!
//! Everything but `live/` is pure: it reads the workspace index only.

pub mod applied;
pub mod autodetect;
pub mod check;
pub mod ddl;
pub mod drift;
pub mod live;
pub mod migrations;
pub mod models;
pub mod patches;
pub mod project;
pub mod settings;
pub mod state;
pub mod url;
pub mod value;

/// A database backend Django supports and we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::Mysql];

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
            Backend::Mysql => "mysql",
        }
    }
}
