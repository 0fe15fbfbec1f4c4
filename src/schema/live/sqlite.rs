//! sqlite catalog introspection (OWNER: live helper).
