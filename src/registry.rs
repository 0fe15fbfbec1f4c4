//! The rule registry: every rule's code, name and default severity, one
//! line per rule, and the set type that selections are made of.
//!
//! A leaf: it depends on nothing else in the crate, so the ground floor
//! (`diagnostic`), the configuration, the caches and the output can all name
//! rules without depending on the rules' logic. A rule's documentation and
//! check live in its own file under `rules/` (listed once more in
//! `rules/mod.rs`, where the compiler checks that every code here has one).

/// How serious a finding is (a rule's default, or the configured one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! registry {
    ($(($code:ident, $name:literal, $severity:ident),)*) => {
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
        }
    };
}

registry! {
    (RDJ000, "unreadable-source", Error),
    (RDJ101, "blocking-queryset-call", Error),
    (RDJ102, "blocking-model-method", Error),
    (RDJ103, "sync-queryset-evaluation", Error),
    (RDJ104, "lazy-relation-access", Error),
    (RDJ105, "blocking-related-manager", Error),
    (RDJ106, "blocking-django-api", Error),
    (RDJ107, "blocking-call-via-helper", Error),
    (RDJ108, "orm-in-sync-event-handler", Error),
    (RDJ201, "sync-atomic-in-async", Error),
    (RDJ202, "broken-async-atomic", Error),
    (RDJ301, "model-in-state-annotation", Error),
    (RDJ302, "model-assigned-to-state", Error),
    (RDJ401, "models-imported-before-setup", Error),
    (RDJ501, "unapplied-migration", Error),
    (RDJ502, "missing-migration-file", Error),
    (RDJ503, "model-without-migration", Error),
    (RDJ504, "missing-table", Error),
    (RDJ505, "missing-column", Error),
    (RDJ506, "column-mismatch", Error),
    (RDJ507, "unknown-column", Info),
    (RDJ508, "constraint-mismatch", Warning),
    (RDJ509, "database-unavailable", Warning),
    (RDJ601, "unknown-model-field", Error),
    (RDJ602, "invalid-select-related", Error),
    (RDJ603, "invalid-prefetch", Error),
    (RDJ604, "related-field-without-join", Warning),
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
    /// Documentation URL shown in JSON/SARIF output.
    pub fn url(self) -> String {
        format!(
            "https://github.com/reflex-django-lsp/reflex-django-lsp/blob/main/docs/rules.md#{}",
            self.code().to_ascii_lowercase()
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_by_prefix() {
        let rdj1: Vec<_> = Rule::matching("RDJ1").collect();
        assert_eq!(rdj1.len(), 8);
        assert_eq!(Rule::matching("rdj101").collect::<Vec<_>>(), vec![Rule::RDJ101]);
        assert_eq!(Rule::matching("").count(), 0);
    }
}
