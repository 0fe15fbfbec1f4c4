//! RDJ504–RDJ508: the models' expected tables (built by `ddl/`) compared
//! with the live schema (read by `live/`), and the findings' messages.
//! Pure: never connects to a database nor reads a file, and derives no
//! table of its own from the models (that is `ddl/`'s).
//!
//! Only tables of models in the state are looked at: tables of apps the
//! state does not know (contrib apps not modelled, other projects sharing
//! the database) are never reported. Constraints compare by their set of
//! columns, never by name (names differ per backend and carry hashes).
//! What the models declare is looked for; of what else the database has,
//! only unique constraints are reported (they reject rows the model
//! allows): extra indexes and foreign keys are not.

use std::collections::{BTreeMap, BTreeSet};

use super::ddl::{
    canonical_type, expected_tables, ConstraintSource, ExpectedColumn, ExpectedConstraint, ExpectedForeignKey,
    ExpectedTable,
};
use super::live::{LiveColumn, LiveSchema, LiveTable};
use super::state::{Origin, ProjectState};
use super::Backend;
use crate::diagnostic::{FileFinding, Finding, Severity};
use crate::registry::Rule;

/// Compares the state's expected tables with the database. Findings come in
/// the state's model order, each table's in a fixed order (table, columns,
/// unknown columns, unique constraints, indexes, foreign keys).
pub fn compare(state: &ProjectState, live: &LiveSchema, backend: Backend) -> Vec<FileFinding> {
    let expected: Vec<ExpectedTable> = expected_tables(state, backend)
        .into_iter()
        .filter(|t| !t.name.contains('"'))
        .collect();
    let fold = |s: &str| fold(backend, s);
    // Several models may share a table (Django warns, but allows it): a
    // column is unknown only when none of them maps it.
    let mut mapped: BTreeMap<String, (BTreeSet<String>, bool)> = BTreeMap::new();
    for t in &expected {
        let entry = mapped.entry(fold(&t.name)).or_insert_with(|| (BTreeSet::new(), true));
        entry.0.extend(t.columns.iter().map(|c| fold(&c.name)));
        entry.1 &= t.complete;
    }
    // MySQL with MyISAM tables has no foreign keys at all: Django creates
    // none there, so their absence says nothing.
    let check_fks = backend != Backend::Mysql || live.tables.values().any(|t| !t.foreign_keys.is_empty());
    let mut out = Vec::new();
    let mut reported_unknown = BTreeSet::new();
    for table in &expected {
        let mut sink = Sink { out: &mut out };
        let Some(live_table) = find_table(live, &table.name, backend) else {
            let message = match &table.m2m_field {
                Some(f) => format!("Table `{}` of `{}.{f}` is not in the database", table.name, table.label),
                None => format!(
                    "Table `{}` of model `{}` is not in the database",
                    table.name, table.label
                ),
            };
            sink.push(Rule::RDJ504, message, table.origin.as_ref(), None);
            continue;
        };
        let live_cols: BTreeMap<String, &LiveColumn> = live_table.columns.iter().map(|c| (fold(&c.name), c)).collect();
        let mut missing = BTreeSet::new();
        for col in &table.columns {
            let owner = owner(table, &col.field);
            let Some(lc) = live_cols.get(&fold(&col.name)) else {
                missing.insert(fold(&col.name));
                sink.push(
                    Rule::RDJ505,
                    format!("Column `{}` of `{owner}` is not in table `{}`", col.name, table.name),
                    col.origin.as_ref(),
                    None,
                );
                continue;
            };
            let expected_type = col.db_type.as_deref().map(|t| canonical_type(t, backend));
            let live_type = canonical_type(&lc.raw_type, backend);
            let type_differs = expected_type.as_ref().is_some_and(|t| !t.matches(&live_type, backend));
            let null_differs = col.null.is_some_and(|n| n != lc.nullable) && !lc.primary_key;
            if !type_differs && !null_differs {
                continue;
            }
            let null_word = |n: bool| if n { "NULL" } else { "NOT NULL" };
            let (model_type, live_type) = (
                expected_type.as_ref().map(|t| t.spelled(backend)),
                live_type.spelled(backend),
            );
            let message = match (type_differs, null_differs, model_type) {
                (true, true, Some(t)) => format!(
                    "`{owner}` is {t} {} in the model, {live_type} {} in the database",
                    null_word(!lc.nullable),
                    null_word(lc.nullable)
                ),
                (true, false, Some(t)) => {
                    format!("`{owner}` is {t} in the model, {live_type} in the database")
                }
                _ => format!(
                    "`{owner}` is {} in the model, {} in the database",
                    null_word(!lc.nullable),
                    null_word(lc.nullable)
                ),
            };
            sink.push(Rule::RDJ506, message, col.origin.as_ref(), None);
        }
        // Columns no field maps to (once per table, on its first model).
        let key = fold(&table.name);
        if let Some((known, complete)) = mapped.get(&key) {
            if *complete && reported_unknown.insert(key) {
                for lc in &live_table.columns {
                    if known.contains(&fold(&lc.name)) {
                        continue;
                    }
                    let blocking = !lc.nullable && !lc.has_default && !lc.primary_key;
                    let (severity, tail) = if blocking {
                        (
                            Severity::Error,
                            " (NOT NULL without a default: inserts through the model fail)",
                        )
                    } else {
                        (Severity::Info, "")
                    };
                    sink.push(
                        Rule::RDJ507,
                        format!(
                            "Column `{}` of table `{}` maps to no field of `{}`{tail}",
                            lc.name, table.name, table.label
                        ),
                        table.origin.as_ref(),
                        Some(severity),
                    );
                }
            }
        }
        let present = |cols: &[String]| {
            cols.iter()
                .all(|c| !missing.contains(&fold(c)) && live_cols.contains_key(&fold(c)))
        };
        let shapes = Shapes::new(live_table, backend);
        let mut seen: BTreeSet<(bool, BTreeSet<String>)> = BTreeSet::new();
        for u in &table.uniques {
            let set: BTreeSet<String> = u.columns.iter().map(|c| fold(c)).collect();
            if !present(&u.columns) || shapes.has_unique(&set) || !seen.insert((true, set)) {
                continue;
            }
            let message = format!(
                "Table `{}` has no unique constraint on {} for {}",
                table.name,
                column_list(&u.columns),
                declared_by(table, u)
            );
            sink.push(Rule::RDJ508, message, u.origin.as_ref(), None);
        }
        // Unique constraints the models do not declare: the database rejects
        // rows the model allows.
        if let (true, Some(declared)) = (table.complete, &table.declared_unique) {
            let declared: Vec<BTreeSet<String>> =
                declared.iter().map(|d| d.iter().map(|c| fold(c)).collect()).collect();
            let expected_cols: BTreeMap<String, &ExpectedColumn> =
                table.columns.iter().map(|c| (fold(&c.name), c)).collect();
            // A partial or expression index constrains something else than
            // plain rows of columns (often added by `RunSQL` on purpose).
            let plain = |i: &&super::live::LiveIndex| !i.partial && i.columns.iter().all(|c| !c.is_empty());
            for ix in live_table
                .indexes
                .iter()
                .filter(|i| i.unique && !i.primary)
                .filter(plain)
            {
                let set: BTreeSet<String> = ix.columns.iter().map(|c| fold(c)).collect();
                let plain_columns = !set.is_empty() && set.iter().all(|c| expected_cols.contains_key(c));
                if !plain_columns || shapes.is_primary(&set) || declared.contains(&set) || !seen.insert((true, set)) {
                    continue;
                }
                let cols: Vec<&ExpectedColumn> = ix
                    .columns
                    .iter()
                    .filter_map(|c| expected_cols.get(&fold(c)).copied())
                    .collect();
                let names: Vec<String> = cols.iter().map(|c| c.name.clone()).collect();
                let (owner, origin) = match cols.as_slice() {
                    [one] => (owner(table, &one.field), one.origin.as_ref()),
                    _ => (
                        table
                            .m2m_field
                            .as_ref()
                            .map_or_else(|| table.label.clone(), |f| format!("{}.{f}", table.label)),
                        table.origin.as_ref(),
                    ),
                };
                let message = format!(
                    "Table `{}` has a unique constraint on {} that `{owner}` does not declare",
                    table.name,
                    column_list(&names)
                );
                sink.push(Rule::RDJ508, message, origin, None);
            }
        }
        for ix in &table.indexes {
            let set: BTreeSet<String> = ix.columns.iter().map(|c| fold(c)).collect();
            if !present(&ix.columns) || shapes.has_index(&set) || !seen.insert((false, set)) {
                continue;
            }
            let message = format!(
                "Table `{}` has no index on {} for {}",
                table.name,
                column_list(&ix.columns),
                declared_by(table, ix)
            );
            sink.push(Rule::RDJ508, message, ix.origin.as_ref(), None);
        }
        if check_fks {
            for fk in &table.foreign_keys {
                if !present(std::slice::from_ref(&fk.column)) {
                    continue;
                }
                if let Some(message) = foreign_key_mismatch(table, fk, live_table, backend) {
                    sink.push(Rule::RDJ508, message, fk.origin.as_ref(), None);
                }
            }
        }
    }
    out
}

struct Sink<'a> {
    out: &'a mut Vec<FileFinding>,
}

impl Sink<'_> {
    /// A finding at `origin`; none when the thing has no known location.
    fn push(&mut self, rule: Rule, message: String, origin: Option<&Origin>, severity: Option<Severity>) {
        if let Some(o) = origin {
            let found = FileFinding::new(o.path.clone(), Finding::new(rule, message, o.range.clone()));
            self.out.push(match severity {
                Some(s) => found.with_case_severity(s),
                None => found,
            });
        }
    }
}

/// Table and column names compare exactly on PostgreSQL (Django quotes
/// them), case-insensitively on SQLite and MySQL.
fn fold(backend: Backend, s: &str) -> String {
    match backend {
        Backend::Postgres => s.to_owned(),
        _ => s.to_lowercase(),
    }
}

fn find_table<'a>(live: &'a LiveSchema, name: &str, backend: Backend) -> Option<&'a LiveTable> {
    live.tables.get(name).or_else(|| {
        (backend != Backend::Postgres)
            .then(|| {
                live.tables
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, t)| t)
            })
            .flatten()
    })
}

/// `app.Model.field` of a column (for an automatic many-to-many table: the
/// many-to-many field).
fn owner(table: &ExpectedTable, field: &str) -> String {
    match &table.m2m_field {
        Some(f) => format!("{}.{f}", table.label),
        None => format!("{}.{field}", table.label),
    }
}

fn column_list(cols: &[String]) -> String {
    match cols {
        [one] => format!("`{one}`"),
        _ => format!(
            "({})",
            cols.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn declared_by(table: &ExpectedTable, c: &ExpectedConstraint) -> String {
    match &c.source {
        ConstraintSource::Field(f) => format!("`{}.{f}`", table.label),
        ConstraintSource::ManyToMany(f) => format!("`{}.{f}`", table.label),
        ConstraintSource::UniqueTogether(_) => format!("`unique_together` of `{}`", table.label),
        ConstraintSource::Constraint(Some(n)) => format!("constraint `{n}` of `{}`", table.label),
        ConstraintSource::Constraint(None) => format!("a constraint of `{}`", table.label),
        ConstraintSource::MetaIndex(Some(n)) => format!("index `{n}` of `{}`", table.label),
        ConstraintSource::MetaIndex(None) => format!("an index in `Meta.indexes` of `{}`", table.label),
        ConstraintSource::CompositePrimaryKey(_) => format!("the primary key of `{}`", table.label),
    }
}

/// The unique column sets and index column lists of a live table, the
/// primary key included (SQLite's rowid primary key has no index entry).
struct Shapes {
    primary: Option<BTreeSet<String>>,
    uniques: Vec<BTreeSet<String>>,
    indexes: Vec<Vec<String>>,
}

impl Shapes {
    fn new(t: &LiveTable, backend: Backend) -> Shapes {
        let mut uniques = Vec::new();
        let mut indexes = Vec::new();
        for ix in &t.indexes {
            let cols: Vec<String> = ix.columns.iter().map(|c| fold(backend, c)).collect();
            if cols.is_empty() {
                continue;
            }
            if ix.unique || ix.primary {
                uniques.push(cols.iter().cloned().collect());
            }
            indexes.push(cols);
        }
        let pk: Vec<String> = t
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| fold(backend, &c.name))
            .collect();
        let primary = (!pk.is_empty()).then(|| pk.iter().cloned().collect::<BTreeSet<String>>());
        if let Some(p) = &primary {
            uniques.push(p.clone());
            indexes.push(pk);
        }
        Shapes {
            primary,
            uniques,
            indexes,
        }
    }

    /// The primary key is exactly these columns.
    fn is_primary(&self, set: &BTreeSet<String>) -> bool {
        self.primary.as_ref() == Some(set)
    }

    /// A unique constraint (or the primary key) on exactly these columns.
    fn has_unique(&self, set: &BTreeSet<String>) -> bool {
        self.uniques.iter().any(|u| u == set)
    }

    /// An index (unique or not) whose leading columns are these.
    fn has_index(&self, set: &BTreeSet<String>) -> bool {
        self.indexes
            .iter()
            .any(|ix| ix.len() >= set.len() && ix[..set.len()].iter().cloned().collect::<BTreeSet<_>>() == *set)
    }
}

fn foreign_key_mismatch(
    table: &ExpectedTable,
    fk: &ExpectedForeignKey,
    live: &LiveTable,
    backend: Backend,
) -> Option<String> {
    let col = fold(backend, &fk.column);
    let on_column: Vec<_> = live
        .foreign_keys
        .iter()
        .filter(|l| fold(backend, &l.column) == col)
        .collect();
    let owner = owner(table, &fk.field);
    let target = match (&fk.to_table, &fk.to_column) {
        (Some(t), Some(c)) => format!(" to `{t}.{c}`"),
        (Some(t), None) => format!(" to `{t}`"),
        _ => String::new(),
    };
    if on_column.is_empty() {
        return Some(format!(
            "Column `{}` of table `{}` has no foreign key{target} for `{owner}`",
            fk.column, table.name
        ));
    }
    let Some(to_table) = &fk.to_table else { return None };
    let ok = on_column.iter().any(|l| {
        fold(backend, &l.ref_table) == fold(backend, to_table)
            && (l.ref_column.is_empty()
                || fk
                    .to_column
                    .as_ref()
                    .is_none_or(|c| fold(backend, c) == fold(backend, &l.ref_column)))
    });
    if ok {
        return None;
    }
    let actual = on_column
        .iter()
        .map(|l| {
            if l.ref_column.is_empty() {
                format!("`{}`", l.ref_table)
            } else {
                format!("`{}.{}`", l.ref_table, l.ref_column)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "The foreign key of column `{}` in table `{}` points at {actual}, not{} (`{owner}`)",
        fk.column,
        table.name,
        target.trim_start_matches(" to")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::value::Value;
    use crate::schema::ddl::test_states::{auto, field, model, names, s, state};
    use crate::schema::live::{LiveForeignKey, LiveIndex};

    fn col(name: &str, ty: &str, nullable: bool) -> LiveColumn {
        LiveColumn {
            name: name.to_owned(),
            raw_type: ty.to_owned(),
            max_length: None,
            precision: None,
            scale: None,
            nullable,
            has_default: false,
            primary_key: false,
        }
    }

    fn pk(name: &str, ty: &str) -> LiveColumn {
        LiveColumn {
            primary_key: true,
            has_default: true,
            ..col(name, ty, false)
        }
    }

    fn index(name: &str, cols: &[&str], unique: bool) -> LiveIndex {
        LiveIndex {
            name: name.to_owned(),
            columns: cols.iter().map(|c| c.to_string()).collect(),
            unique,
            primary: false,
            partial: false,
        }
    }

    fn fk(column: &str, table: &str, to: &str) -> LiveForeignKey {
        LiveForeignKey {
            column: column.to_owned(),
            ref_table: table.to_owned(),
            ref_column: to.to_owned(),
        }
    }

    /// catalog.Category and catalog.Product (sku unique, FK to category,
    /// M2M to Tag, unique_together), as Django creates them on PostgreSQL.
    fn shop() -> (ProjectState, LiveSchema) {
        let st = state(vec![
            model("catalog", "Category", vec![auto("BigAutoField")], &[]),
            model("catalog", "Tag", vec![auto("BigAutoField")], &[]),
            model(
                "catalog",
                "Product",
                vec![
                    auto("BigAutoField"),
                    field("name", "CharField", &[("max_length", Value::Int(200))]),
                    field(
                        "sku",
                        "CharField",
                        &[("max_length", Value::Int(32)), ("unique", Value::Bool(true))],
                    ),
                    field(
                        "price",
                        "DecimalField",
                        &[("max_digits", Value::Int(10)), ("decimal_places", Value::Int(2))],
                    ),
                    field("note", "TextField", &[("null", Value::Bool(true))]),
                    field("category", "ForeignKey", &[("to", s("catalog.category"))]),
                    field("tags", "ManyToManyField", &[("to", s("catalog.tag"))]),
                ],
                &[("unique_together", Value::List(vec![names(&["name", "category"])]))],
            ),
        ]);
        let mut live = LiveSchema {
            backend: Some(Backend::Postgres),
            ..LiveSchema::default()
        };
        let simple = |name: &str| LiveTable {
            columns: vec![pk("id", "bigint")],
            indexes: vec![LiveIndex {
                primary: true,
                ..index(&format!("{name}_pkey"), &["id"], true)
            }],
            foreign_keys: vec![],
        };
        live.tables
            .insert("catalog_category".into(), simple("catalog_category"));
        live.tables.insert("catalog_tag".into(), simple("catalog_tag"));
        live.tables.insert(
            "catalog_product".into(),
            LiveTable {
                columns: vec![
                    pk("id", "bigint"),
                    col("name", "character varying(200)", false),
                    col("sku", "character varying(32)", false),
                    col("price", "numeric(10,2)", false),
                    col("note", "text", true),
                    col("category_id", "bigint", false),
                ],
                indexes: vec![
                    LiveIndex {
                        primary: true,
                        ..index("catalog_product_pkey", &["id"], true)
                    },
                    index("catalog_product_sku_key", &["sku"], true),
                    index("catalog_product_sku_like", &["sku"], false),
                    index("catalog_product_category_id_1", &["category_id"], false),
                    index("catalog_product_name_category_id_uniq", &["name", "category_id"], true),
                ],
                foreign_keys: vec![fk("category_id", "catalog_category", "id")],
            },
        );
        live.tables.insert(
            "catalog_product_tags".into(),
            LiveTable {
                columns: vec![
                    pk("id", "bigint"),
                    col("product_id", "bigint", false),
                    col("tag_id", "bigint", false),
                ],
                indexes: vec![
                    index("u", &["product_id", "tag_id"], true),
                    index("a", &["product_id"], false),
                    index("b", &["tag_id"], false),
                ],
                foreign_keys: vec![
                    fk("product_id", "catalog_product", "id"),
                    fk("tag_id", "catalog_tag", "id"),
                ],
            },
        );
        // Tables of apps the state does not know are never reported.
        live.tables.insert(
            "auth_user".into(),
            LiveTable {
                columns: vec![col("x", "text", false)],
                ..LiveTable::default()
            },
        );
        (st, live)
    }

    fn run(st: &ProjectState, live: &LiveSchema) -> Vec<(String, String, String)> {
        compare(st, live, Backend::Postgres)
            .into_iter()
            .map(|f| {
                (
                    f.finding.rule.code().to_owned(),
                    f.path.display().to_string(),
                    f.finding.message,
                )
            })
            .collect()
    }

    fn product_table(live: &mut LiveSchema) -> &mut LiveTable {
        live.tables.get_mut("catalog_product").unwrap()
    }

    #[test]
    fn a_matching_database_has_no_findings() {
        let (st, live) = shop();
        assert_eq!(run(&st, &live), []);
    }

    #[test]
    fn rdj504_missing_tables() {
        let (st, mut live) = shop();
        live.tables.remove("catalog_product");
        live.tables.remove("catalog_product_tags");
        assert_eq!(
            run(&st, &live),
            [
                (
                    "RDJ504".into(),
                    "model:catalog.Product".into(),
                    "Table `catalog_product` of model `catalog.Product` is not in the database".into()
                ),
                (
                    "RDJ504".into(),
                    "field:tags".into(),
                    "Table `catalog_product_tags` of `catalog.Product.tags` is not in the database".into()
                ),
            ]
        );
    }

    #[test]
    fn rdj505_missing_column_and_nothing_cascades() {
        let (st, mut live) = shop();
        product_table(&mut live)
            .columns
            .retain(|c| c.name != "sku" && c.name != "category_id");
        assert_eq!(
            run(&st, &live),
            [
                (
                    "RDJ505".into(),
                    "field:sku".into(),
                    "Column `sku` of `catalog.Product.sku` is not in table `catalog_product`".into()
                ),
                (
                    "RDJ505".into(),
                    "field:category".into(),
                    "Column `category_id` of `catalog.Product.category` is not in table `catalog_product`".into()
                ),
            ],
            "no unique, index or foreign key finding for a missing column"
        );
    }

    #[test]
    fn rdj506_type_length_precision_nullability() {
        let (st, mut live) = shop();
        let t = product_table(&mut live);
        t.columns[1].raw_type = "character varying(100)".into();
        t.columns[3].raw_type = "numeric(12,2)".into();
        t.columns[4].nullable = false;
        t.columns[5] = col("category_id", "integer", true);
        let got = run(&st, &live);
        let messages: Vec<_> = got.iter().map(|(r, p, m)| format!("{r} {p} {m}")).collect();
        assert_eq!(
            messages,
            [
                "RDJ506 field:name `catalog.Product.name` is varchar(200) in the model, varchar(100) in the database",
                "RDJ506 field:price `catalog.Product.price` is numeric(10,2) in the model, numeric(12,2) in the database",
                "RDJ506 field:note `catalog.Product.note` is NULL in the model, NOT NULL in the database",
                "RDJ506 field:category `catalog.Product.category` is bigint NOT NULL in the model, integer NULL in the database",
            ]
        );
    }

    #[test]
    fn rdj506_spells_a_type_as_the_schema_command_does() {
        let (st, mut live) = shop();
        // MySQL's name for it, read from a PostgreSQL database: still spelled
        // the PostgreSQL way, as `schema` shows the model's column.
        product_table(&mut live).columns[3].raw_type = "decimal(12,2)".into();
        let tables = expected_tables(&st, Backend::Postgres);
        let price = tables
            .iter()
            .find(|t| t.name == "catalog_product")
            .and_then(|t| t.columns.iter().find(|c| c.name == "price"))
            .and_then(|c| c.db_type.as_deref())
            .unwrap();
        let shown = crate::schema::ddl::spell_type(price, Backend::Postgres);
        assert_eq!(shown, "numeric(10,2)");
        let got = run(&st, &live);
        assert_eq!(
            got.iter().map(|(_, _, m)| m.as_str()).collect::<Vec<_>>(),
            [format!(
                "`catalog.Product.price` is {shown} in the model, numeric(12,2) in the database"
            )]
        );
    }

    #[test]
    fn rdj507_unknown_columns_error_only_when_inserts_fail() {
        let (st, mut live) = shop();
        let t = product_table(&mut live);
        t.columns.push(col("legacy", "character varying(10)", false));
        t.columns.push(LiveColumn {
            has_default: true,
            ..col("with_default", "integer", false)
        });
        t.columns.push(col("optional", "integer", true));
        let findings = compare(&st, &live, Backend::Postgres);
        let got: Vec<_> = findings
            .iter()
            .map(|f| {
                (
                    f.finding.rule.code(),
                    f.path.display().to_string(),
                    f.case_severity.then_some(f.finding.severity),
                )
            })
            .collect();
        let at = "model:catalog.Product".to_string();
        assert_eq!(
            got,
            [
                ("RDJ507", at.clone(), Some(Severity::Error)),
                ("RDJ507", at.clone(), Some(Severity::Info)),
                ("RDJ507", at, Some(Severity::Info)),
            ]
        );
        assert_eq!(
            findings[0].finding.message,
            "Column `legacy` of table `catalog_product` maps to no field of `catalog.Product` \
             (NOT NULL without a default: inserts through the model fail)"
        );
    }

    #[test]
    fn rdj508_unique_index_and_foreign_keys_by_column_set() {
        let (st, mut live) = shop();
        let t = product_table(&mut live);
        // The unique on sku gone (the _like index is not unique), the
        // unique_together gone, the FK index replaced by a two-column index
        // leading with category_id (which satisfies it), the FK re-pointed.
        t.indexes
            .retain(|i| i.name != "catalog_product_sku_key" && i.name != "catalog_product_name_category_id_uniq");
        t.indexes.retain(|i| i.name != "catalog_product_category_id_1");
        t.indexes.push(index("other", &["category_id", "sku"], false));
        t.foreign_keys = vec![fk("category_id", "catalog_tag", "id")];
        live.tables.get_mut("catalog_product_tags").unwrap().foreign_keys.pop();
        let got: Vec<_> = run(&st, &live)
            .into_iter()
            .map(|(r, p, m)| format!("{r} {p} {m}"))
            .collect();
        assert_eq!(
            got,
            [
                "RDJ508 field:sku Table `catalog_product` has no unique constraint on `sku` for `catalog.Product.sku`",
                "RDJ508 model:catalog.Product Table `catalog_product` has no unique constraint on (`name`, `category_id`) \
                 for `unique_together` of `catalog.Product`",
                "RDJ508 field:category The foreign key of column `category_id` in table `catalog_product` points at \
                 `catalog_tag.id`, not `catalog_category.id` (`catalog.Product.category`)",
                "RDJ508 field:tags Column `tag_id` of table `catalog_product_tags` has no foreign key to `catalog_tag.id` \
                 for `catalog.Product.tags`",
            ]
        );
    }

    #[test]
    fn rdj508_unique_constraints_the_model_does_not_declare() {
        let (mut st, mut live) = shop();
        // A conditional UniqueConstraint on `name` explains a unique index
        // on it; nothing explains the one on `price`, nor on (sku, price).
        let product = st
            .models
            .get_mut(&crate::schema::state::ModelKey::new("catalog", "product"))
            .unwrap();
        product.options.insert(
            "constraints".into(),
            Value::List(vec![Value::Call {
                func: "models.UniqueConstraint".into(),
                args: vec![],
                kwargs: vec![
                    ("fields".into(), names(&["name"])),
                    ("name".into(), s("partial")),
                    ("condition".into(), Value::Opaque("Q(x=1)".into())),
                ],
            }]),
        );
        let t = product_table(&mut live);
        t.indexes.push(index("partial", &["name"], true));
        t.indexes.push(index("by_hand", &["price"], true));
        t.indexes.push(index("pair", &["price", "sku"], true));
        t.indexes.push(index("expression", &[""], true));
        t.indexes.push(index("plain", &["price", "note"], false));
        // A partial unique index (`RunSQL`, `WHERE deleted_at IS NULL`)
        // constrains some rows only: not reported.
        t.indexes.push(LiveIndex {
            partial: true,
            ..index("soft_delete", &["note"], true)
        });
        live.tables
            .get_mut("catalog_product_tags")
            .unwrap()
            .indexes
            .push(index("one_tag", &["tag_id"], true));
        let got: Vec<_> = run(&st, &live)
            .into_iter()
            .map(|(r, p, m)| format!("{r} {p} {m}"))
            .collect();
        assert_eq!(
            got,
            [
                "RDJ508 field:price Table `catalog_product` has a unique constraint on `price` that \
                 `catalog.Product.price` does not declare",
                "RDJ508 model:catalog.Product Table `catalog_product` has a unique constraint on (`price`, `sku`) \
                 that `catalog.Product` does not declare",
                "RDJ508 field:tags Table `catalog_product_tags` has a unique constraint on `tag_id` that \
                 `catalog.Product.tags` does not declare",
            ]
        );
        // A field subclass may make itself unique: not reported.
        let product = st
            .models
            .get_mut(&crate::schema::state::ModelKey::new("catalog", "product"))
            .unwrap();
        product
            .fields
            .iter_mut()
            .find(|f| f.name == "price")
            .unwrap()
            .written_class = "money.MoneyField".into();
        let got = run(&st, &live);
        assert_eq!(got.len(), 2, "{got:?}");
    }

    #[test]
    fn primary_keys_satisfy_unique_and_extra_indexes_are_fine() {
        // A unique field that is also the primary key needs no other index;
        // SQLite's rowid primary key has no index entry at all.
        let st = state(vec![model(
            "a",
            "Code",
            vec![field(
                "code",
                "CharField",
                &[
                    ("max_length", Value::Int(5)),
                    ("primary_key", Value::Bool(true)),
                    ("unique", Value::Bool(true)),
                ],
            )],
            &[],
        )]);
        let mut live = LiveSchema::default();
        live.tables.insert(
            "a_code".into(),
            LiveTable {
                columns: vec![pk("code", "varchar(5)")],
                indexes: vec![index("extra", &["code"], false)],
                foreign_keys: vec![],
            },
        );
        assert!(compare(&st, &live, Backend::Sqlite).is_empty());
    }

    #[test]
    fn sqlite_and_mysql_names_fold_case_and_myisam_has_no_foreign_keys() {
        let (st, live) = shop();
        let mut upper = LiveSchema::default();
        for (name, t) in &live.tables {
            let mut t = t.clone();
            for c in &mut t.columns {
                c.name = c.name.to_uppercase();
                c.raw_type = match c.raw_type.as_str() {
                    "character varying(200)" => "varchar(200)".into(),
                    "character varying(32)" => "varchar(32)".into(),
                    "text" => "longtext".into(),
                    _ => c.raw_type.clone(),
                };
            }
            t.columns.retain(|c| c.name != "PRICE");
            t.foreign_keys.clear();
            upper.tables.insert(name.to_uppercase(), t);
        }
        let got: Vec<_> = compare(&st, &upper, Backend::Mysql)
            .into_iter()
            .map(|f| f.finding.message)
            .collect();
        assert_eq!(
            got,
            ["Column `price` of `catalog.Product.price` is not in table `catalog_product`"]
        );
        // PostgreSQL names are case-sensitive.
        let got = compare(&st, &upper, Backend::Postgres);
        assert_eq!(got.iter().filter(|f| f.finding.rule == Rule::RDJ504).count(), 4);
    }

    #[test]
    fn models_without_tables_and_things_without_a_location() {
        let mut unmanaged = model("a", "View", vec![auto("AutoField")], &[("managed", Value::Bool(false))]);
        unmanaged.origin = Some(Origin {
            path: "model:a.View".into(),
            range: 0..1,
        });
        let proxy = model("a", "Proxy", vec![], &[("proxy", Value::Bool(true))]);
        let abstract_ = model("a", "Base", vec![], &[("abstract", Value::Bool(true))]);
        let mut nowhere = model("a", "Nowhere", vec![auto("AutoField")], &[]);
        nowhere.origin = None;
        let st = state(vec![unmanaged, proxy, abstract_, nowhere]);
        assert!(compare(&st, &LiveSchema::default(), Backend::Sqlite).is_empty());
    }
}
