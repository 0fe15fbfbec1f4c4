//! reflex-django-lsp: a linter and language server for Django ORM use from
//! async code (Reflex apps with the reflex-django plugin).
//!
//! Layers (see ARCHITECTURE.md): `source`/`syntax` → `index` → `checker`
//! (+ `rules`) → `cli` / `server`. The analysis core (index, checker, rules)
//! does no I/O.

pub mod cache;
pub mod checker;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod fix;
pub mod index;
pub mod knowledge;
pub mod output;
pub mod paths;
pub mod pipeline;
pub mod python;
pub mod redact;
pub mod registry;
pub mod rules;
pub mod schema;
pub mod server;
pub mod source;
pub mod syntax;
pub mod workspace;
