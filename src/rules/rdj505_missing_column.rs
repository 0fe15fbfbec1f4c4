declare_rule! {
    /// ## What it does
    /// Reports a model field whose column is not in its table.
    ///
    /// ## Why is this bad?
    /// Any query that selects the model (Django selects every concrete field)
    /// fails with "no such column" / `column does not exist`, not just code that
    /// uses the field.
    ///
    /// ## Example
    /// A migration was applied with `migrate --fake`, so `django_migrations`
    /// records it but the column was never added.
    ///
    /// ## Fix
    /// Apply the missing migration for real (roll back the fake with
    /// `migrate app <previous>` `--fake`, then `migrate`), or add the column the
    /// way the migration would.
    pub struct MissingColumn;
}
