//! Static knowledge of Python itself, shared by the index, the settings
//! evaluator and the migration and models readers: the one decoder of
//! string literals (`strings`), the list of framework packages
//! (`packages`) and module names as paths (`modules`: the candidate files
//! of a dotted name, relative imports made absolute) and the one type of
//! values as written (`value`).
//!
//! Ground level: it may use `syntax` (tree-sitter helpers) and nothing
//! else of the crate (no index, schema or checker); it never does I/O and
//! knows nothing of Django or of a workspace.

pub mod modules;
mod packages;
mod strings;
pub mod value;

pub use packages::{is_framework, FRAMEWORKS};
pub use strings::{string_value, string_value_with};
