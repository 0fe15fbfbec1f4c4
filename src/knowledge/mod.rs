//! What the analysis knows about the APIs it meets, in one place: which
//! calls of Django (and of a few well-known third-party packages) run a
//! query, which async twin each has and since which Django version, what a
//! QuerySet or manager method returns, and which functions and classes
//! consume an iterable (and so evaluate a QuerySet given to them); and
//! what Django's model layer is (`models/`: its field classes, its contrib
//! models described once, in `contrib.py`).
//!
//! Pure tables and look-ups: no syntax, no types, no inference. The walker
//! (`checker::walker`) asks these tables while it infers, turns what it
//! finds into effects (`checker::effects`), and the rules report them.

pub mod django;
pub mod models;
pub mod third_party;

/// The text of every oracle case file (`fixtures/oracle/cases/*.py`): the
/// tables' tests check that each entry is exercised there.
#[cfg(test)]
fn oracle_case_sources() -> String {
    let cases_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/oracle/cases");
    std::fs::read_dir(&cases_dir)
        .expect("the oracle's case directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .map(|p| std::fs::read_to_string(p).expect("an oracle case file"))
        .collect()
}
