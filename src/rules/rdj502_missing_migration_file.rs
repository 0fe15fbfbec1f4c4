declare_rule! {
    /// ## What it does
    /// Reports a migration that `django_migrations` records as applied but whose file
    /// is gone (and which no squashed migration `replaces`).
    ///
    /// ## Why is this bad?
    /// Django can no longer build the migration graph the database was migrated
    /// with: the next `migrate` fails with `NodeNotFoundError` when a later
    /// migration depends on it, or the schema silently differs from what the
    /// remaining files describe.
    ///
    /// ## Example
    /// `0003_order_note.py` was deleted after `migrate` applied it; the `order_note`
    /// column stays in the table.
    ///
    /// ## Fix
    /// Restore the file from version control, or squash the migrations properly
    /// (`squashmigrations`, keeping `replaces`) before deleting old ones.
    pub struct MissingMigrationFile;
}
