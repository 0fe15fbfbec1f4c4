//! Output formats (SPEC §2).
