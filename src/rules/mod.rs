//! The rule registry: one line per rule.
//!
//! Adding a rule touches three places: a new file here (its documentation as
//! the doc comment of `declare_rule!`, and its check function), one line in
//! `registry!` below, and one call in the checker's dispatch
//! (`checker/dispatch.rs`). Fixture tests go in `tests/rules/<code>.py`.

use crate::diagnostic::Severity;

/// Declares a rule's marker type with its documentation (what, why, example,
/// fix) taken from the doc comment, so the docs live next to the logic.
macro_rules! declare_rule {
    ($(#[doc = $doc:expr])* pub struct $name:ident;) => {
        $(#[doc = $doc])*
        pub struct $name;
        impl $name {
            pub const DOC: &'static str = concat!($($doc, "\n"),*);
        }
    };
}
#[allow(unused_imports)]
pub(crate) use declare_rule;

macro_rules! registry {
    ($(($code:ident, $name:literal, $severity:ident, $module:ident :: $ty:ident),)*) => {
        $(pub mod $module;)*

        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $($code,)* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$code,)*];

            pub fn code(self) -> &'static str {
                match self { $(Rule::$code => stringify!($code),)* }
            }

            /// The kebab-case name (stable, part of the JSON output).
            pub fn name(self) -> &'static str {
                match self { $(Rule::$code => $name,)* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $(Rule::$code => Severity::$severity,)* }
            }

            /// Markdown documentation: what, why, example, fix.
            pub fn doc(self) -> &'static str {
                match self { $(Rule::$code => $module::$ty::DOC,)* }
            }
        }
    };
}

pub mod atomic_fix;
pub mod fixes;
pub mod import_fix;
pub mod modelstate;

registry! {
    (RDJ000, "unreadable-source", Error, rdj000_unreadable_source::UnreadableSource),
    (RDJ101, "blocking-queryset-call", Error, rdj101_blocking_queryset_call::BlockingQuerysetCall),
    (RDJ102, "blocking-model-method", Error, rdj102_blocking_model_method::BlockingModelMethod),
    (RDJ103, "sync-queryset-evaluation", Error, rdj103_sync_queryset_evaluation::SyncQuerysetEvaluation),
    (RDJ104, "lazy-relation-access", Error, rdj104_lazy_relation_access::LazyRelationAccess),
    (RDJ105, "blocking-related-manager", Error, rdj105_blocking_related_manager::BlockingRelatedManager),
    (RDJ106, "blocking-django-api", Error, rdj106_blocking_django_api::BlockingDjangoApi),
    (RDJ107, "blocking-call-via-helper", Error, rdj107_blocking_call_via_helper::BlockingCallViaHelper),
    (RDJ108, "orm-in-sync-event-handler", Error, rdj108_orm_in_sync_event_handler::OrmInSyncEventHandler),
    (RDJ201, "sync-atomic-in-async", Error, rdj201_sync_atomic_in_async::SyncAtomicInAsync),
    (RDJ202, "broken-async-atomic", Error, rdj202_broken_async_atomic::BrokenAsyncAtomic),
    (RDJ301, "model-in-state-annotation", Error, rdj301_model_in_state_annotation::ModelInStateAnnotation),
    (RDJ302, "model-assigned-to-state", Error, rdj302_model_assigned_to_state::ModelAssignedToState),
    (RDJ401, "models-imported-before-setup", Error, rdj401_models_imported_before_setup::ModelsImportedBeforeSetup),
    (RDJ501, "unapplied-migration", Error, rdj501_unapplied_migration::UnappliedMigration),
    (RDJ502, "missing-migration-file", Error, rdj502_missing_migration_file::MissingMigrationFile),
    (RDJ503, "model-without-migration", Error, rdj503_model_without_migration::ModelWithoutMigration),
    (RDJ504, "missing-table", Error, rdj504_missing_table::MissingTable),
    (RDJ505, "missing-column", Error, rdj505_missing_column::MissingColumn),
    (RDJ506, "column-mismatch", Error, rdj506_column_mismatch::ColumnMismatch),
    (RDJ507, "unknown-column", Info, rdj507_unknown_column::UnknownColumn),
    (RDJ508, "constraint-mismatch", Warning, rdj508_constraint_mismatch::ConstraintMismatch),
    (RDJ509, "database-unavailable", Warning, rdj509_database_unavailable::DatabaseUnavailable),
    (RDJ601, "unknown-model-field", Error, rdj601_unknown_model_field::UnknownModelField),
    (RDJ602, "invalid-select-related", Error, rdj602_invalid_select_related::InvalidSelectRelated),
    (RDJ603, "invalid-prefetch", Error, rdj603_invalid_prefetch::InvalidPrefetch),
    (RDJ604, "related-field-without-join", Warning, rdj604_related_field_without_join::RelatedFieldWithoutJoin),
}

impl Rule {
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.code().eq_ignore_ascii_case(code))
    }

    /// Rules selected by a code or a prefix (`RDJ`, `RDJ1`, `RDJ10`, `RDJ101`).
    pub fn matching(selector: &str) -> impl Iterator<Item = Rule> + '_ {
        let sel = selector.trim().to_ascii_uppercase();
        Rule::ALL
            .iter()
            .copied()
            .filter(move |r| !sel.is_empty() && r.code().starts_with(sel.as_str()))
    }

    /// The documentation as markdown, without the doc comments' indentation
    /// (for `rule`, SARIF help and LSP hover).
    pub fn documentation(self) -> String {
        let doc = self.doc();
        let indent = doc
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start_matches(' ').len())
            .min()
            .unwrap_or(0);
        let lines: Vec<&str> = doc
            .lines()
            .map(|l| {
                if l.len() >= indent {
                    &l[indent..]
                } else {
                    l.trim_start_matches(' ')
                }
            })
            .collect();
        lines.join("\n").trim().to_owned()
    }

    /// Documentation URL shown in JSON/SARIF output.
    pub fn url(self) -> String {
        format!(
            "https://github.com/reflex-django-lsp/reflex-django-lsp/blob/main/docs/rules.md#{}",
            self.code().to_ascii_lowercase()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_documented_with_the_four_sections() {
        for rule in Rule::ALL {
            let doc = rule.doc();
            for section in ["## What it does", "## Why is this bad?", "## Example", "## Fix"] {
                assert!(doc.contains(section), "{} lacks {section:?}", rule.code());
            }
        }
    }

    #[test]
    fn selection_by_prefix() {
        let rdj1: Vec<_> = Rule::matching("RDJ1").collect();
        assert_eq!(rdj1.len(), 8);
        assert_eq!(Rule::matching("rdj101").collect::<Vec<_>>(), vec![Rule::RDJ101]);
        assert_eq!(Rule::matching("").count(), 0);
    }
}

/// A set of rules (a bitset over `Rule::ALL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct RuleSet(u128);

impl RuleSet {
    pub const fn empty() -> RuleSet {
        RuleSet(0)
    }
    pub fn all() -> RuleSet {
        Rule::ALL.iter().copied().collect()
    }
    pub fn insert(&mut self, rule: Rule) {
        self.0 |= 1u128 << (rule as usize);
    }
    pub fn remove(&mut self, rule: Rule) {
        self.0 &= !(1u128 << (rule as usize));
    }
    pub fn contains(&self, rule: Rule) -> bool {
        self.0 & (1u128 << (rule as usize)) != 0
    }
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = Rule> + '_ {
        Rule::ALL.iter().copied().filter(|r| self.contains(*r))
    }
}

impl FromIterator<Rule> for RuleSet {
    fn from_iter<I: IntoIterator<Item = Rule>>(iter: I) -> Self {
        let mut set = RuleSet::empty();
        for r in iter {
            set.insert(r);
        }
        set
    }
}
