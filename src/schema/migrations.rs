//! Migration files read and replayed into a state (OWNER: lead).
