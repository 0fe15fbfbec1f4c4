//! Django's field classes: which class-body calls are fields (Django's own,
//! contrib.postgres', GIS', and third-party relation fields), what kind of
//! relation each is, and the names Django's `__init__` signatures give
//! positional arguments (for deconstruction, as migrations write fields).
//!
//! Knows only names: resolving a callee to its qualified name is the
//! caller's job. Never does I/O.

/// What a model field is, as far as relations go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Plain,
    ForeignKey,
    OneToOne,
    ManyToMany,
}

impl FieldKind {
    /// A forward relation to one object (cached on the instance once loaded).
    pub fn is_single_relation(self) -> bool {
        matches!(self, FieldKind::ForeignKey | FieldKind::OneToOne)
    }
}

/// The kind of field a call to `callee` (as written, dotted or not) builds,
/// judged by its class's last name: any package's relation fields
/// (django-modelcluster's `ParentalKey`, django-mptt's `TreeForeignKey`)
/// relate as Django's do; `GenericForeignKey` and `GenericRelation` are
/// private fields (no column), not fields here; any other `…Field` is plain.
pub fn field_kind(callee: &str) -> Option<FieldKind> {
    let last = callee.rsplit('.').next().unwrap_or(callee);
    match last {
        "ForeignKey" | "ParentalKey" | "TreeForeignKey" => Some(FieldKind::ForeignKey),
        "OneToOneField" => Some(FieldKind::OneToOne),
        "ManyToManyField" | "ParentalManyToManyField" => Some(FieldKind::ManyToMany),
        "GenericForeignKey" | "GenericRelation" => None,
        _ if last.ends_with("Field") => Some(FieldKind::Plain),
        _ => None,
    }
}

/// The modules whose every `…Field` class is a model field (as qualified
/// name prefixes): Django's models, GIS's, contrib.postgres'.
pub const MODEL_FIELD_MODULES: &[&str] = &[
    "django.db.models.",
    "django.contrib.gis.db.models.",
    "django.contrib.postgres.fields.",
];

/// The Django field class a qualified name is (`django.db.models.CharField`
/// → `CharField`); `None` for anything else, a package's class of the same
/// name included.
pub fn django_field_class(qualname: &str) -> Option<&str> {
    let last = qualname.rsplit('.').next().unwrap_or(qualname);
    (qualname.starts_with("django.") && DJANGO_FIELDS.contains(&last)).then_some(last)
}

/// Django's field classes (the last component of their import path).
pub const DJANGO_FIELDS: &[&str] = &[
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "BigIntegerField",
    "BinaryField",
    "BooleanField",
    "CharField",
    "CommaSeparatedIntegerField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "DurationField",
    "EmailField",
    "FileField",
    "FilePathField",
    "FloatField",
    "GeneratedField",
    "GenericIPAddressField",
    "ImageField",
    "IntegerField",
    "IPAddressField",
    "JSONField",
    "NullBooleanField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "TimeField",
    "URLField",
    "UUIDField",
    "ForeignKey",
    "OneToOneField",
    "ManyToManyField",
    // django.contrib.postgres.fields
    "ArrayField",
    "HStoreField",
    "IntegerRangeField",
    "BigIntegerRangeField",
    "DecimalRangeField",
    "DateTimeRangeField",
    "DateRangeField",
    "CICharField",
    "CIEmailField",
    "CITextField",
];

/// The names positional arguments bind to, per field class (Django's
/// `__init__` signatures).
pub fn positional_names(class: &str) -> &'static [&'static str] {
    const FIELD: &[&str] = &[
        "verbose_name",
        "name",
        "primary_key",
        "max_length",
        "unique",
        "blank",
        "null",
        "db_index",
        "rel",
        "default",
        "editable",
        "serialize",
        "unique_for_date",
        "unique_for_month",
        "unique_for_year",
        "choices",
        "help_text",
        "db_column",
        "db_tablespace",
        "auto_created",
        "validators",
        "error_messages",
    ];
    match class {
        "ForeignKey" => &[
            "to",
            "on_delete",
            "related_name",
            "related_query_name",
            "limit_choices_to",
            "parent_link",
            "to_field",
            "db_constraint",
        ],
        "OneToOneField" => &["to", "on_delete", "to_field"],
        "ManyToManyField" => &[
            "to",
            "related_name",
            "related_query_name",
            "limit_choices_to",
            "symmetrical",
            "through",
            "through_fields",
            "db_constraint",
            "db_table",
            "swappable",
        ],
        "DecimalField" => &["verbose_name", "name", "max_digits", "decimal_places"],
        "DateField" | "DateTimeField" | "TimeField" => &["verbose_name", "name", "auto_now", "auto_now_add"],
        "FileField" => &["verbose_name", "name", "upload_to", "storage"],
        "ImageField" => &["verbose_name", "name", "width_field", "height_field"],
        "FilePathField" => &[
            "verbose_name",
            "name",
            "path",
            "match",
            "recursive",
            "allow_files",
            "allow_folders",
        ],
        "GenericIPAddressField" => &["verbose_name", "name", "protocol", "unpack_ipv4"],
        "JSONField" => &["verbose_name", "name", "encoder", "decoder"],
        "URLField" | "EmailField" | "UUIDField" => &["verbose_name", "name"],
        "ArrayField" => &["base_field", "size"],
        _ => FIELD,
    }
}
