declare_rule! {
    /// ## What it does
    /// Reports that the configured database could not be reached or read: one
    /// finding per project. The message names the database (its password
    /// removed) and where its URL came from: `--database-url`, the editor
    /// setting `databaseUrl`, a config file's `[database] url`, an environment
    /// variable, the settings' `DATABASES`, `rxconfig.py`'s `db_url`, or a
    /// default database file. The finding sits on the statement that set the
    /// URL (`DATABASES`, `db_url=`); a URL from outside the project's Python
    /// files has no such line, so the finding sits at the start of the settings
    /// module (else `manage.py`, `rxconfig.py`, a models file).
    ///
    /// ## Why is this bad?
    /// The live checks (RDJ501, RDJ502, RDJ504–RDJ508) did not run; the static
    /// checks still did.
    ///
    /// ## Example
    /// `DATABASE_URL=postgres://app:***@db.internal/shop` while the database host
    /// is not reachable from CI:
    /// ``The database `postgres://app:***@db.internal/shop` (from the environment
    /// variable `DATABASE_URL`) could not be read: …``.
    ///
    /// ## Fix
    /// Start the database or correct the URL where the message says it came
    /// from, or skip the live checks with `--no-database` /
    /// `database.enabled = false`.
    pub struct DatabaseUnavailable;
}
