//! The models as declared, read from models files (OWNER: lead).
