declare_rule! {
    /// ## What it does
    /// Reports that the configured database could not be reached or read: one
    /// finding per project, on the file that configures the database. The URL is
    /// shown with its password removed.
    ///
    /// ## Why is this bad?
    /// The live checks (RDJ501, RDJ502, RDJ504–RDJ508) did not run; the static
    /// checks still did.
    ///
    /// ## Example
    /// `DATABASE_URL=postgres://app:***@db.internal/shop` while the database host
    /// is not reachable from CI.
    ///
    /// ## Fix
    /// Start the database or correct the URL, or skip the live checks with
    /// `--no-database` / `database.enabled = false`.
    pub struct DatabaseUnavailable;
}
