//! Static knowledge of Python itself, shared by the index, the settings
//! evaluator and the migration and models readers: the one decoder of
//! string literals (`strings`) and the list of framework packages
//! (`packages`).
//!
//! Ground level: it may use `syntax` (tree-sitter helpers) and nothing
//! else of the crate (no index, schema or checker); it never does I/O and
//! knows nothing of Django or of a workspace.

mod packages;
mod strings;

pub use packages::{is_framework, FRAMEWORKS};
pub use strings::{string_value, string_value_with};
