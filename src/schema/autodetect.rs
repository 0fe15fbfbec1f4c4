//! RDJ503: what `makemigrations` would generate (OWNER: lead).
