//! postgres catalog introspection (OWNER: live helper).
