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
    pub columns: Vec<String>,
    pub unique: bool,
    pub primary: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveForeignKey {
    pub column: String,
    pub ref_table: String,
    pub ref_column: String,
}
