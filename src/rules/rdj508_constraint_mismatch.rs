declare_rule! {
    /// ## What it does
    /// Reports a unique constraint, index or foreign key that the field or `Meta`
    /// declares but the table lacks (or that points elsewhere).
    ///
    /// ## Why is this bad?
    /// A missing unique constraint lets duplicates in; a missing index makes
    /// look-ups scan the table; a missing foreign key lets rows point at nothing.
    ///
    /// ## Example
    /// `slug = models.SlugField(unique=True)` but the unique index was dropped
    /// by hand.
    ///
    /// ## Fix
    /// Create the constraint with a migration (`AlterField`, `AddIndex`,
    /// `AddConstraint`), or update the model to match the database.
    pub struct ConstraintMismatch;
}
