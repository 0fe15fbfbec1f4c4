declare_rule! {
    /// ## What it does
    /// Reports a managed, concrete model (not abstract, not a proxy,
    /// `managed = True`) whose table does not exist in the database, and a
    /// many-to-many field whose automatic table (`<table>_<field>`, or its
    /// `db_table`) does not.
    ///
    /// ## Why is this bad?
    /// Every query on the model fails with "no such table" / `relation does not
    /// exist`.
    ///
    /// ## Example
    /// `reviews.Review` is declared and migrated in the files, but the database
    /// was created from an older checkout.
    ///
    /// ## Fix
    /// Run `migrate`; if the table was renamed, set `Meta.db_table` to its name.
    pub struct MissingTable;
}
