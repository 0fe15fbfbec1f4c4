//! Static knowledge of Python itself, shared by the index, the settings
//! evaluator, the import sorter and the migration and models readers:
//! - `strings`: the one decoder of string literals;
//! - `value`: the one type of values as written, and its reader;
//! - `modules`: module names as paths (the candidate files of a dotted
//!   name, relative imports made absolute);
//! - `packages`: the framework packages, built-in knowledge;
//! - `stdlib`: the standard library's module names, and those whose
//!   import cannot fail.
//!
//! Ground level: it may use `syntax` (tree-sitter helpers) and nothing
//! else of the crate (no index, schema or checker); it never does I/O and
//! knows nothing of Django's behaviour (only which packages are the
//! frameworks) or of a workspace.

pub mod modules;
mod packages;
mod stdlib;
mod strings;
pub mod value;

pub use packages::{is_framework, FRAMEWORKS};
pub use stdlib::{always_importable, is_standard_library};
pub use strings::{string_value, string_value_with};
