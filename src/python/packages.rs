//! The framework packages: the top-level Python packages whose behaviour is
//! built-in knowledge of this tool (SPEC §4), one list for every reader.
//!
//! A fixed table and a name test: no syntax, no workspace, no I/O.

/// Packages whose behaviour is built-in knowledge (SPEC §4): names in them
/// resolve as external even when a copy of the package is in the workspace
/// (checking Django's own source, a vendored or stubbed `reflex`), so their
/// internals are never parsed or analysed as user code, and the settings
/// reader never takes one for a workspace app. The import sorter
/// (`rules::import_fix`) keeps them third-party for the same reason.
pub const FRAMEWORKS: &[&str] = &["django", "asgiref", "reflex", "reflex_django", "channels"];

/// Whether a dotted module or qualified name (`django.db.models.Model`,
/// `reflex`) lies in one of the [`FRAMEWORKS`].
pub fn is_framework(qualified: &str) -> bool {
    let top = qualified.split('.').next().unwrap_or(qualified);
    FRAMEWORKS.contains(&top)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_framework_is_known_by_its_top_level_package() {
        assert!(is_framework("django"));
        assert!(is_framework("django.db.models.Model"));
        assert!(is_framework("reflex_django.auth"));
        assert!(!is_framework("djangoapp.models"));
        assert!(!is_framework("shop.django"));
        assert!(!is_framework(""));
    }
}
