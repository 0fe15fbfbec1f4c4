declare_rule! {
    /// ## What it does
    /// Reports a migration file that the database's `django_migrations` table does not
    /// record as applied.
    ///
    /// ## Why is this bad?
    /// The code (and its models) expect the schema that migration creates. Until
    /// `migrate` runs, queries touching the new tables or columns fail with
    /// `OperationalError` / `ProgrammingError`, usually only in production.
    ///
    /// ## Example
    /// `catalog/migrations/0003_product_sku.py` exists, but the database was last
    /// migrated at `0002`.
    ///
    /// ## Fix
    /// Run `python manage.py migrate` (or `reflex django migrate`) against this
    /// database. Never run by this tool: it only reads the database.
    pub struct UnappliedMigration;
}
