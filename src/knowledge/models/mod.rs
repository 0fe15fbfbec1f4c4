//! What Django's model layer is, described once for every reader of models:
//! its field classes (`fields.rs`: which calls are fields, what kind of
//! relation, how positional arguments bind) and its contrib models
//! (`contrib.py`, Django 5.2's declarations, and `contrib_models.rs`, their
//! projection generated from it for the index).
//!
//! Pure tables and the small functions that read them: never does I/O,
//! names no other module of the crate (both `index` and `schema` read it;
//! the rest of `knowledge` is the query API).

pub mod contrib;
// Generated (see `contrib.rs`), laid out one field a line.
#[rustfmt::skip]
mod contrib_models;
pub mod fields;

pub use fields::FieldKind;
