declare_rule! {
    /// ## What it does
    /// Reports a column whose type, nullability, length or precision differs from
    /// what the field declares, as Django would create it for this backend
    /// (`varchar(200)` and `character varying(200)` are the same type; SQLite's
    /// `decimal` has no precision to compare). Fields of custom classes are
    /// compared only on what is certain. Types are spelled as the backend
    /// spells them (`numeric(10,2)` on PostgreSQL, `decimal(10,2)` on MySQL),
    /// the same as the `schema` command shows them.
    ///
    /// ## Why is this bad?
    /// Writes that the model allows fail in the database (a longer string than
    /// `varchar(n)`, `None` into a `NOT NULL` column), or values come back
    /// rounded or truncated.
    ///
    /// ## Example
    /// `name = models.CharField(max_length=200)` while the column is
    /// `varchar(100)` after a hand-made `ALTER TABLE`.
    ///
    /// ## Fix
    /// Make a migration that brings the column to the field's definition, or
    /// change the field to match the database.
    pub struct ColumnMismatch;
}
