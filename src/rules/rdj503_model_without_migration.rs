declare_rule! {
    /// ## What it does
    /// Reports a difference between the models as declared and the state the
    /// migrations build: what `python manage.py makemigrations --check` would
    /// report, found statically. The finding sits on the model or field line and
    /// names the change the way `makemigrations` would ("Add field `sku` to
    /// `product`").
    ///
    /// ## Why is this bad?
    /// A model change without its migration never reaches the database: queries
    /// referring to the new field fail at runtime, and the next developer's
    /// `makemigrations` picks up your change in an unrelated migration.
    ///
    /// ## Example
    /// ```python
    /// class Product(models.Model):
    ///     name = models.CharField(max_length=200)
    ///     sku = models.CharField(max_length=32)  # no migration adds `sku`
    /// ```
    ///
    /// ## Fix
    /// Run `python manage.py makemigrations` and commit the new migration.
    pub struct ModelWithoutMigration;
}
