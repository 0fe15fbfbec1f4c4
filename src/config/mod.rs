//! Configuration files (SPEC §3).
//!
//! `[tool.reflex-django-lsp]` in `pyproject.toml`, or `reflex-django-lsp.toml`
//! / `.reflex-django-lsp.toml` with the same keys at top level. The nearest
//! file above a source file wins ([`ConfigResolver`]); `--config FILE`
//! overrides discovery. Every key and value is validated here, and every
//! problem is one line that names the file, the key and what is allowed.
//!
//! Layers, each naming only those above it in this list: `types` (the
//! keys and values of a config; no I/O), `suggest` ("did you mean" for a
//! misspelled key or rule) and `django_version` (the installed Django),
//! `parse` (text to a `Config`), `discovery` (which file applies to a
//! directory; reads files), `editor` (the editor's settings, through
//! `parse`), `settings` (a config with the command-line and editor layers
//! on top, resolved). This file only re-exports them.

mod discovery;
pub mod django_version;
pub mod editor;
mod parse;
pub mod settings;
pub mod suggest;
mod types;

pub use discovery::{load_config_file, ConfigResolver};
pub use parse::{parse_config, ConfigError};
pub use settings::{CliOverrides, Exclude, Settings};
pub use types::*;
