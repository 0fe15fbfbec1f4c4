//! RDJ504–RDJ508: the models' expected tables against the live database
//! (OWNER: columns/drift helper).
//!
//! Only tables of models in the state are looked at: tables of apps the
//! state does not know (contrib apps not modelled, other projects sharing
//! the database) are never reported. Constraints compare by their set of
//! columns, never by name (names differ per backend and carry hashes), and
//! only what the models declare is looked for: extra indexes or constraints
//! in the database are not reported.

use std::collections::{BTreeMap, BTreeSet};

use super::columns::{
    canonical_type, expected_tables, ConstraintSource, ExpectedConstraint, ExpectedForeignKey, ExpectedTable,
};
use super::live::{LiveColumn, LiveSchema, LiveTable};
use super::state::{Origin, ProjectState};
use super::{Backend, SchemaFinding};
use crate::diagnostic::Severity;
use crate::rules::Rule;

/// Compares the state's expected tables with the database. Findings come in
/// the state's model order, each table's in a fixed order (table, columns,
/// unknown columns, unique constraints, indexes, foreign keys).
pub fn compare(state: &ProjectState, live: &LiveSchema, backend: Backend) -> Vec<SchemaFinding> {
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
            let message = match (type_differs, null_differs, &expected_type) {
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
    out: &'a mut Vec<SchemaFinding>,
}

impl Sink<'_> {
    /// A finding at `origin`; none when the thing has no known location.
    fn push(&mut self, rule: Rule, message: String, origin: Option<&Origin>, severity: Option<Severity>) {
        if let Some(o) = origin {
            self.out.push(SchemaFinding {
                rule,
                message,
                path: o.path.clone(),
                range: o.range.clone(),
                severity,
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
        if !pk.is_empty() {
            uniques.push(pk.iter().cloned().collect());
            indexes.push(pk);
        }
        Shapes { uniques, indexes }
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
