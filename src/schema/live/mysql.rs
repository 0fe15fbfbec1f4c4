//! mysql catalog introspection (OWNER: live helper).
