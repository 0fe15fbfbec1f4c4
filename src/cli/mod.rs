//! Command line (owned by the CLI work).
