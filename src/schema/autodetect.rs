//! RDJ503: what `makemigrations` would generate, found statically by
//! comparing the declared models with the replayed migration state the way
//! Django's `MigrationAutodetector` does (field deconstructions, Meta
//! options, indexes, constraints), and naming each change as its operation's
//! `describe()` does ("Add field sku to product").
//!
//! Where a value cannot be evaluated statically it counts as unchanged
//! (`Value::same`), and models or apps we could not read are skipped:
//! precision over recall.

use std::collections::{BTreeMap, BTreeSet};

use super::migrations::ALTER_OPTION_KEYS;
use super::models::{Declared, UNKNOWN_AUTO_FIELD};
use super::patches::MigrationPatches;
use super::state::{Field, ModelState, Origin, ProjectState};
use crate::diagnostic::{FileFinding, Finding};
use crate::knowledge::models::fields::{positional_names, DJANGO_FIELDS};
use crate::python::value::Value;
use crate::registry::Rule;

/// The changes `makemigrations` would make for `apps` (the apps that have a
/// migrations folder whose files we could read).
pub fn detect(
    declared: &Declared,
    migrated: &ProjectState,
    apps: &BTreeSet<String>,
    patches: &MigrationPatches,
) -> Vec<FileFinding> {
    let mut out = Vec::new();
    if patches.detection_opaque {
        return out;
    }
    for (key, model) in &declared.state.models {
        if !apps.contains(&key.app) || declared.uncertain.contains(key) || migrated.uncertain.contains(key) {
            continue;
        }
        let Some(origin) = &model.origin else { continue };
        match migrated.get(key) {
            None => {
                let what = if model.is_proxy() {
                    "Create proxy model"
                } else {
                    "Create model"
                };
                push(&mut out, origin, format!("{what} `{}`", model.name));
            }
            Some(old) => compare_model(model, old, origin, patches, &mut out),
        }
    }
    for (key, old) in &migrated.models {
        if !apps.contains(&key.app)
            || declared.state.models.contains_key(key)
            || declared.uncertain.contains(key)
            || migrated.uncertain.contains(key)
            || declared.other_classes.contains(key)
            || declared.dynamic_apps.contains(&key.app)
        {
            continue;
        }
        if let Some(origin) = &old.origin {
            push(&mut out, origin, format!("Delete model `{}`", old.name));
        }
    }
    out
}

fn push(out: &mut Vec<FileFinding>, origin: &Origin, change: String) {
    let message = format!("{change}: the models differ from the migrations; run `makemigrations`");
    out.push(FileFinding::new(
        origin.path.clone(),
        Finding::new(Rule::RDJ503, message, origin.range.clone()),
    ));
}

fn compare_model(
    new: &ModelState,
    old: &ModelState,
    class_origin: &Origin,
    patches: &MigrationPatches,
    out: &mut Vec<FileFinding>,
) {
    let lower = new.name.to_ascii_lowercase();
    if new.is_proxy() != old.is_proxy() {
        let what = if new.is_proxy() {
            "Create proxy model"
        } else {
            "Create model"
        };
        push(
            out,
            class_origin,
            format!(
                "Delete model `{}`, then {} `{}`",
                old.name,
                what.to_lowercase(),
                new.name
            ),
        );
        return;
    }
    let tracks_fields = new.is_managed() && old.is_managed() && !new.is_proxy();
    if tracks_fields {
        for f in &new.fields {
            let at = f.origin.as_ref().unwrap_or(class_origin);
            match old.field(&f.name) {
                None => push(out, at, format!("Add field `{}` to `{lower}`", f.name)),
                Some(o) if !patches.fields_opaque && !same_field(f, o, patches) => {
                    push(out, at, format!("Alter field `{}` on `{lower}`", f.name))
                }
                Some(_) => {}
            }
        }
        for o in &old.fields {
            if new.field(&o.name).is_none() {
                push(out, class_origin, format!("Remove field `{}` from `{lower}`", o.name));
            }
        }
    }
    if !option(new, "db_table").same(&option(old, "db_table")) {
        let table = new
            .options
            .get("db_table")
            .map(|t| t.to_string())
            .unwrap_or_else(|| "(default)".to_owned());
        push(out, class_origin, format!("Rename table for `{lower}` to {table}"));
    }
    let options_changed = ALTER_OPTION_KEYS
        .iter()
        .filter(|k| !patches.ignored_options.contains(**k))
        .any(|k| !option(new, k).same(&option(old, k)));
    if options_changed && !patches.options_opaque {
        push(out, class_origin, format!("Change Meta options on `{lower}`"));
    }
    if !option(new, "db_table_comment").same(&option(old, "db_table_comment")) {
        push(out, class_origin, format!("Alter `{lower}` table comment"));
    }
    if !option(new, "order_with_respect_to").same(&option(old, "order_with_respect_to")) {
        push(out, class_origin, format!("Set order_with_respect_to on `{lower}`"));
    }
    if !together(new, "unique_together").same(&together(old, "unique_together")) {
        let n = together(new, "unique_together").as_list().map_or(0, <[Value]>::len);
        push(
            out,
            class_origin,
            format!("Alter unique_together for `{lower}` ({n} constraint(s))"),
        );
    }
    if new.is_managed() && old.is_managed() && !new.is_proxy() {
        compare_items(new, old, "indexes", class_origin, out);
        compare_items(new, old, "constraints", class_origin, out);
    }
}

fn option(m: &ModelState, key: &str) -> Value {
    match m.options.get(key) {
        Some(Value::List(v) | Value::Set(v)) if v.is_empty() => Value::None,
        Some(v) => v.clone(),
        None => Value::None,
    }
}

/// `unique_together` normalized: `("a", "b")` means `{("a", "b")}`.
fn together(m: &ModelState, key: &str) -> Value {
    match m.options.get(key) {
        Some(Value::List(items) | Value::Set(items)) => {
            if !items.is_empty() && items.iter().all(|i| matches!(i, Value::Str(_))) {
                Value::Set(vec![Value::List(items.clone())])
            } else {
                Value::Set(items.clone())
            }
        }
        _ => Value::Set(Vec::new()),
    }
}

/// Indexes or constraints: added ones and removed ones. An index declared
/// without a name matches a migration's index with any name (makemigrations
/// names it from a hash of the table and fields).
fn compare_items(new: &ModelState, old: &ModelState, key: &str, class_origin: &Origin, out: &mut Vec<FileFinding>) {
    let items = |m: &ModelState| {
        m.options
            .get(key)
            .and_then(Value::as_list)
            .map(<[Value]>::to_vec)
            .unwrap_or_default()
    };
    let (new_items, old_items) = (items(new), items(old));
    let lower = new.name.to_ascii_lowercase();
    // Membership, as the autodetector's `idx not in old_indexes`: a state
    // holding one index twice (an AddIndex and a RenameIndex of it, as
    // django-taggit's migrations leave) is no change.
    for n in &new_items {
        match old_items.iter().any(|o| same_item(n, o)) {
            true => {}
            false => {
                let name = n
                    .call_kwarg("name")
                    .and_then(Value::as_str)
                    .map(|s| format!(" `{s}`"))
                    .unwrap_or_default();
                let what = if key == "indexes" {
                    let fields = n.call_kwarg("fields").map(|f| f.to_string()).unwrap_or_default();
                    format!("Create index{name} on field(s) {fields} of model `{lower}`")
                } else {
                    format!("Create constraint{name} on model `{lower}`")
                };
                push(out, class_origin, what);
            }
        }
    }
    for o in &old_items {
        if !new_items.iter().any(|n| same_item(n, o)) {
            let name = o.call_kwarg("name").and_then(Value::as_str).unwrap_or("?");
            let what = if key == "indexes" {
                format!("Remove index `{name}` from `{lower}`")
            } else {
                format!("Remove constraint `{name}` from model `{lower}`")
            };
            push(out, class_origin, what);
        }
    }
}

/// An index or constraint as Django holds it: `Index` (and its subclasses)
/// and `UniqueConstraint` turn each positional string expression into
/// `F(name)` (weblate: `Index(MD5("source"), "translation", …)`); only at
/// the top level, a function's arguments stay as written.
fn expressions_as_f(item: &Value) -> Value {
    match item {
        Value::Call { func, args, kwargs } => Value::Call {
            func: func.clone(),
            args: args
                .iter()
                .map(|a| match a {
                    Value::Str(_) => Value::Call {
                        func: "F".to_owned(),
                        args: vec![a.clone()],
                        kwargs: Vec::new(),
                    },
                    _ => a.clone(),
                })
                .collect(),
            kwargs: kwargs.clone(),
        },
        _ => item.clone(),
    }
}

fn same_item(new: &Value, old: &Value) -> bool {
    match (&expressions_as_f(new), &expressions_as_f(old)) {
        (
            Value::Call {
                func: fa,
                args: aa,
                kwargs: ka,
            },
            Value::Call {
                func: fb,
                args: ab,
                kwargs: kb,
            },
        ) => {
            let strip = |k: &[(String, Value)], other_has_name: bool, own_has_name: bool| -> Vec<(String, Value)> {
                k.iter()
                    .filter(|(n, _)| !(n == "name" && (!other_has_name || !own_has_name)))
                    .cloned()
                    .collect()
            };
            let (na, nb) = (ka.iter().any(|(n, _)| n == "name"), kb.iter().any(|(n, _)| n == "name"));
            let a = Value::Call {
                func: fa.clone(),
                args: aa.clone(),
                kwargs: strip(ka, nb, na),
            };
            let b = Value::Call {
                func: fb.clone(),
                args: ab.clone(),
                kwargs: strip(kb, na, nb),
            };
            a.same(&b)
        }
        _ => new.same(old),
    }
}

/// Would the autodetector see these two deconstructions as equal (after
/// the project's patches of `deconstruct()`)?
pub fn same_field(a: &Field, b: &Field, patches: &MigrationPatches) -> bool {
    let (a, b) = (&patches.apply(a), &patches.apply(b));
    if a.written_class == UNKNOWN_AUTO_FIELD || b.written_class == UNKNOWN_AUTO_FIELD {
        return true; // an implicit primary key of a class we cannot know
    }
    let last = |f: &Field| {
        f.written_class
            .rsplit('.')
            .next()
            .unwrap_or(&f.written_class)
            .to_owned()
    };
    // (A class whose own `deconstruct()` may write another path: not its
    // name.)
    if last(a) != last(b) && !a.opaque && !b.opaque {
        return false;
    }
    // A field class that is not Django's own (a package's
    // `PickledObjectField`, a project's `MoneyField(DecimalField)`) may add
    // or drop keyword arguments in its `__init__` or `deconstruct()`
    // (`editable=False`): only arguments both sides have are compared.
    let custom = |f: &Field| f.class.as_deref() != Some(last(f).as_str());
    let lenient = custom(a) || custom(b);
    let (na, nb) = (normalized(a), normalized(b));
    let keys: BTreeSet<&String> = na.keys().chain(nb.keys()).collect();
    let same = keys.into_iter().all(|k| match (na.get(k), nb.get(k)) {
        // `ArrayField(base_field=…)`: a field itself, deconstructed as one.
        (Some(x), Some(y)) if k == "base_field" => match (nested_field(x), nested_field(y)) {
            (Some(x), Some(y)) => same_field(&x, &y, patches),
            _ => x.same(y),
        },
        // A storage object deconstructs as its class chooses (a lazy
        // wrapper often names another class: Mayan EDMS's
        // `DefinedStorageLazy` writes `FakeStorageSubclass()`): only two
        // instances of one class are compared.
        (Some(x), Some(y)) if k == "storage" => x.last_name() != y.last_name() || x.same(y),
        (Some(x), Some(y)) => x.same(y),
        _ => lenient,
    });
    same
}

/// A field written as a value (`ArrayField`'s `base_field=models.CharField(max_length=9)`).
fn nested_field(v: &Value) -> Option<Field> {
    let Value::Call { func, args, kwargs } = v else {
        return None;
    };
    let last = func.rsplit('.').next().unwrap_or(func);
    let class = DJANGO_FIELDS.contains(&last).then(|| last.to_owned());
    let names = positional_names(class.as_deref().unwrap_or(""));
    let mut map: BTreeMap<String, Value> = args
        .iter()
        .enumerate()
        .map(|(i, a)| {
            (
                names.get(i).map(|n| (*n).to_owned()).unwrap_or_else(|| format!("#{i}")),
                a.clone(),
            )
        })
        .collect();
    map.extend(kwargs.iter().cloned());
    Some(Field {
        name: String::new(),
        class,
        written_class: func.clone(),
        kwargs: map,
        origin: None,
        opaque: false,
    })
}

/// A field's keyword arguments with Django's defaults removed, so that
/// writing a default explicitly (`blank=False`) and leaving it out compare
/// equal (what `deconstruct()` achieves on each side).
pub fn normalized(f: &Field) -> BTreeMap<String, Value> {
    let class = f
        .class
        .clone()
        .unwrap_or_else(|| f.written_class.rsplit('.').next().unwrap_or("").to_owned());
    let mut kw = f.kwargs.clone();
    // Not part of any deconstruction.
    for k in ["symmetrical", "swappable"] {
        kw.remove(k);
    }
    // Wagtail's `StreamField` deconstructs its blocks into a numbered
    // `block_lookup` table (Wagtail 6.2+), not as the model writes them
    // (`[("link", LinkBlock())]` against `[("link", 10)]`): the blocks are
    // not compared (coderedcms's project templates).
    if f.written_class.rsplit('.').next() == Some("StreamField") {
        for k in ["block_types", "block_lookup", "use_json_field"] {
            kw.remove(k);
        }
        // The blocks, given first, bound as a field's first positional.
        if kw.get("verbose_name").is_some_and(|v| v.as_list().is_some()) {
            kw.remove("verbose_name");
        }
    }
    let mut defaults: Vec<(&str, Value)> = vec![
        ("primary_key", Value::Bool(false)),
        ("unique", Value::Bool(false)),
        ("blank", Value::Bool(false)),
        ("null", Value::Bool(false)),
        ("db_index", Value::Bool(false)),
        ("editable", Value::Bool(true)),
        ("serialize", Value::Bool(true)),
        ("auto_created", Value::Bool(false)),
        ("choices", Value::None),
        ("help_text", Value::Str(String::new())),
        ("verbose_name", Value::None),
        ("db_column", Value::None),
        ("db_tablespace", Value::None),
        ("db_comment", Value::None),
        ("db_collation", Value::None),
        ("error_messages", Value::None),
        ("validators", Value::List(Vec::new())),
        ("unique_for_date", Value::None),
        ("unique_for_month", Value::None),
        ("unique_for_year", Value::None),
        ("related_name", Value::None),
        ("related_query_name", Value::None),
        ("limit_choices_to", Value::None),
        ("parent_link", Value::Bool(false)),
        ("db_constraint", Value::Bool(true)),
        ("to_field", Value::None),
        ("through", Value::None),
        ("through_fields", Value::None),
        ("db_table", Value::None),
    ];
    let mut set = |k: &'static str, v: Value| {
        defaults.retain(|(d, _)| *d != k);
        defaults.push((k, v));
    };
    let auto_time = matches!(class.as_str(), "DateField" | "DateTimeField" | "TimeField")
        && (kw.get("auto_now").and_then(Value::as_bool) == Some(true)
            || kw.get("auto_now_add").and_then(Value::as_bool) == Some(true));
    match class.as_str() {
        "SlugField" => {
            set("max_length", Value::Int(50));
            set("db_index", Value::Bool(true));
            set("allow_unicode", Value::Bool(false));
        }
        "URLField" => set("max_length", Value::Int(200)),
        // Its __init__ sets 254; deconstruct keeps it, the model may omit it.
        "EmailField" => set("max_length", Value::Int(254)),
        "FileField" | "ImageField" => {
            set("max_length", Value::Int(100));
            set("upload_to", Value::Str(String::new()));
        }
        "FilePathField" => {
            set("max_length", Value::Int(100));
            set("path", Value::Str(String::new()));
            set("match", Value::None);
            set("recursive", Value::Bool(false));
            set("allow_files", Value::Bool(true));
            set("allow_folders", Value::Bool(false));
        }
        "GenericIPAddressField" => {
            set("max_length", Value::Int(39));
            set("protocol", Value::Str("both".to_owned()));
            set("unpack_ipv4", Value::Bool(false));
        }
        "BinaryField" => set("editable", Value::Bool(false)),
        // Its __init__ forces null=True, blank=True; deconstruct drops both
        // (Django up to 3.2, where models may still use it).
        "NullBooleanField" => {
            kw.remove("null");
            kw.remove("blank");
        }
        "ForeignKey" => set("db_index", Value::Bool(true)),
        "OneToOneField" => {
            set("db_index", Value::Bool(true));
            kw.remove("unique");
        }
        "ArrayField" => set("size", Value::None),
        "UUIDField" | "IPAddressField" => {
            kw.remove("max_length");
        }
        "AutoField" | "BigAutoField" | "SmallAutoField" => {
            kw.remove("blank");
            set("primary_key", Value::Bool(true));
        }
        "DateField" | "DateTimeField" | "TimeField" => {
            set("auto_now", Value::Bool(false));
            set("auto_now_add", Value::Bool(false));
        }
        _ => {}
    }
    if auto_time {
        kw.remove("blank");
        kw.remove("editable");
    }
    // `Options.setup_pk` sets `serialize = False` on the primary key.
    if kw.get("primary_key").and_then(Value::as_bool) == Some(true) || class.ends_with("AutoField") {
        kw.remove("serialize");
    }
    for (k, d) in defaults {
        if kw.get(k).is_some_and(|v| is_default(v, &d)) {
            kw.remove(k);
        }
    }
    kw
}

/// Strictly equal to the default (a name or opaque value is never taken for
/// a default: `null=FLAG` stays, and compares leniently later).
fn is_default(v: &Value, d: &Value) -> bool {
    match (v, d) {
        (Value::List(a) | Value::Set(a), Value::List(b)) => a.is_empty() && b.is_empty(),
        _ => v == d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::FileId;
    use crate::schema::migrations::{plan, read_app_migrations, replay};
    use crate::schema::models::read_models;
    use crate::schema::models::tests::{load_dir, shop_apps};
    use std::path::Path;

    #[test]
    fn the_shop_models_match_their_migrations() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shop");
        let index = load_dir(&root);
        let apps = shop_apps(&index, &root);
        let declared = read_models(&index, &apps, "auth.User");
        let mut all = Vec::new();
        for app in &apps {
            let files: Vec<FileId> = (0..index.files.len())
                .filter(|&f| index.file(f).path.starts_with(app.dir.join("migrations")))
                .collect();
            let (m, readable) = read_app_migrations(&index, &app.label, &files, "auth.User");
            assert!(readable);
            all.extend(m);
        }
        let migrated = replay(&plan(&all));
        let labels: BTreeSet<String> = apps.iter().map(|a| a.label.clone()).collect();
        let found = detect(&declared, &migrated, &labels, &MigrationPatches::default());
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn defaults_written_out_compare_equal() {
        let none = MigrationPatches::default();
        let field = |kw: &[(&str, Value)]| Field {
            name: "x".into(),
            class: Some("SlugField".into()),
            written_class: "models.SlugField".into(),
            kwargs: kw.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
            origin: None,
            opaque: false,
        };
        assert!(same_field(
            &field(&[]),
            &field(&[("max_length", Value::Int(50)), ("blank", Value::Bool(false))]),
            &none
        ));
        assert!(!same_field(
            &field(&[]),
            &field(&[("max_length", Value::Int(60))]),
            &none
        ));
        assert!(!same_field(&field(&[]), &field(&[("null", Value::Bool(true))]), &none));
        assert!(!same_field(
            &field(&[]),
            &field(&[("db_index", Value::Bool(false))]),
            &none
        ));
    }
}
