//! The Django project as its settings describe it, read statically
//! (OWNER: settings helper).
