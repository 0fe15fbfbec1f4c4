declare_rule! {
    /// ## What it does
    /// Reports a column in a model's table that no field maps to. It is an
    /// `error` when the column is `NOT NULL` without a default (every insert
    /// through the model fails), else `info`.
    ///
    /// ## Why is this bad?
    /// Django never writes the column. When it is `NOT NULL` without a database
    /// default, `Model.objects.create()` fails with an integrity error; otherwise
    /// it is dead weight or a sign of a migration that was deleted or rolled back
    /// by hand.
    ///
    /// ## Example
    /// `ALTER TABLE catalog_product ADD COLUMN legacy_code varchar(10) NOT NULL`
    /// run by hand.
    ///
    /// ## Fix
    /// Add the field to the model (and a migration), or drop the column.
    pub struct UnknownColumn;
}
