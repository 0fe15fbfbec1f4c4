//! What the analysis knows about the APIs it meets, in one place: which
//! calls of Django (and of a few well-known third-party packages) run a
//! query, which async twin each has and since which Django version, what a
//! QuerySet or manager method returns, and which functions and classes
//! consume an iterable (and so evaluate a QuerySet given to them).
//!
//! Pure tables and look-ups: no syntax, no types, no inference. The walker
//! (`checker::walker`) asks these tables while it infers, turns what it
//! finds into effects (`checker::effects`), and the rules report them.

pub mod django;
pub mod third_party;
