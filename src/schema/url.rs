//! Database URLs: parsing, backends, redaction (OWNER: live helper).
