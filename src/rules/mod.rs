//! The rules: one file per rule (its documentation as the doc comment of
//! `declare_rule!`, and its check function), and the fixes they share.
//!
//! Adding a rule touches these places: a new file here, one line in the
//! registry (`src/registry.rs`: code, name, severity), one line in
//! `rule_modules!` below (its file and documentation), and one call in the
//! checker's dispatch (`checker/dispatch.rs`). Fixture tests go in
//! `tests/rules/<code>.py`.

pub use crate::registry::{Rule, RuleSet};

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

/// Each rule's file and documentation. The match is exhaustive: a code in the
/// registry without a line here does not compile.
macro_rules! rule_modules {
    ($($code:ident => $module:ident :: $ty:ident,)*) => {
        $(pub mod $module;)*

        impl Rule {
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
pub mod messages;
pub mod modelstate;

rule_modules! {
    RDJ000 => rdj000_unreadable_source::UnreadableSource,
    RDJ101 => rdj101_blocking_queryset_call::BlockingQuerysetCall,
    RDJ102 => rdj102_blocking_model_method::BlockingModelMethod,
    RDJ103 => rdj103_sync_queryset_evaluation::SyncQuerysetEvaluation,
    RDJ104 => rdj104_lazy_relation_access::LazyRelationAccess,
    RDJ105 => rdj105_blocking_related_manager::BlockingRelatedManager,
    RDJ106 => rdj106_blocking_django_api::BlockingDjangoApi,
    RDJ107 => rdj107_blocking_call_via_helper::BlockingCallViaHelper,
    RDJ108 => rdj108_orm_in_sync_event_handler::OrmInSyncEventHandler,
    RDJ201 => rdj201_sync_atomic_in_async::SyncAtomicInAsync,
    RDJ202 => rdj202_broken_async_atomic::BrokenAsyncAtomic,
    RDJ301 => rdj301_model_in_state_annotation::ModelInStateAnnotation,
    RDJ302 => rdj302_model_assigned_to_state::ModelAssignedToState,
    RDJ401 => rdj401_models_imported_before_setup::ModelsImportedBeforeSetup,
    RDJ501 => rdj501_unapplied_migration::UnappliedMigration,
    RDJ502 => rdj502_missing_migration_file::MissingMigrationFile,
    RDJ503 => rdj503_model_without_migration::ModelWithoutMigration,
    RDJ504 => rdj504_missing_table::MissingTable,
    RDJ505 => rdj505_missing_column::MissingColumn,
    RDJ506 => rdj506_column_mismatch::ColumnMismatch,
    RDJ507 => rdj507_unknown_column::UnknownColumn,
    RDJ508 => rdj508_constraint_mismatch::ConstraintMismatch,
    RDJ509 => rdj509_database_unavailable::DatabaseUnavailable,
    RDJ601 => rdj601_unknown_model_field::UnknownModelField,
    RDJ602 => rdj602_invalid_select_related::InvalidSelectRelated,
    RDJ603 => rdj603_invalid_prefetch::InvalidPrefetch,
    RDJ604 => rdj604_related_field_without_join::RelatedFieldWithoutJoin,
}

impl Rule {
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
}
