declare_rule! {
    /// ## What it does
    /// Reports a unique constraint, index or foreign key that a field or `Meta`
    /// declares but the table lacks (or a foreign key that points at another
    /// table or column), and a unique constraint the table has that no field
    /// or `Meta` option declares. Constraints are compared by their columns,
    /// not by their names (which differ per backend and carry hashes). Extra
    /// indexes and foreign keys in the database are not reported.
    ///
    /// ## Why is this bad?
    /// A missing unique constraint lets duplicates in; a missing index makes
    /// look-ups scan the table; a missing foreign key lets rows point at nothing.
    /// An undeclared unique constraint rejects rows the model allows
    /// (`IntegrityError` on save).
    ///
    /// ## Example
    /// `slug = models.SlugField(unique=True)` but the unique index was dropped
    /// by hand; or `unique=True` was removed from a field and no migration
    /// dropped the constraint.
    ///
    /// ## Fix
    /// Create or drop the constraint with a migration (`AlterField`,
    /// `AddIndex`, `AddConstraint`, `AlterUniqueTogether`), or update the model
    /// to match the database.
    pub struct ConstraintMismatch;
}
