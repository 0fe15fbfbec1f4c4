//! What a file's bytes say without parsing: the gates that decide whether
//! a file is parsed at all (`may_matter`, `may_have_findings`) and the
//! [`ByteFacts`] workspace-wide look-ups ask of every file (relation
//! fields, `related_name` templates, `AUTH_USER_MODEL`, class names).
//!
//! A leaf of the index: scans bytes only, knows nothing of summaries,
//! models or other files, never parses and never does I/O.

use std::path::Path;

/// What workspace-wide look-ups ask of every file's bytes, computed once per
/// file: an edited document gets a new entry, every other entry (and these
/// facts) is shared by the indexes the language server builds per analysis.
#[derive(Debug, Default)]
pub struct ByteFacts {
    /// `AUTH_USER_MODEL = …` (an assignment, not a mention).
    pub sets_auth_user_model: bool,
    /// A relation field call on an indented line (a model field, likely).
    pub declares_relation_field: bool,
    /// The names after each `class ` in the text.
    pub class_names: Vec<Box<str>>,
    /// String literals that template a reverse accessor name
    /// (`"%(app_label)s_%(class)s_items"`), in a file that declares
    /// relation fields: the accessors they make depend on the model.
    pub accessor_templates: Vec<Box<str>>,
    /// `related_query_name` is written in the file: a relation there names
    /// itself in query lookups (any relation kind, generic ones included).
    pub names_related_queries: bool,
}

/// Cheap byte-level test: can this file define or use anything we analyse?
/// Files that fail it are never parsed.
pub fn may_matter(bytes: &[u8]) -> bool {
    const NEEDLES: &[&[u8]] = &[
        b"async",
        b"django",
        b"reflex",
        b"models",
        b"objects",
        b"State",
        b"Model",
        b"Manager",
        b"QuerySet",
        b"AUTH_USER_MODEL",
    ];
    NEEDLES.iter().any(|n| memchr::memmem::find(bytes, n).is_some())
}

/// [`may_matter`] for a file at `path`: a package's `__init__.py` that
/// imports anything may re-export models (`from .product import Product`
/// in `shop/models/__init__.py`) without naming anything Django-like.
pub(super) fn file_may_matter(path: &Path, bytes: &[u8]) -> bool {
    may_matter(bytes)
        || (path.file_stem().is_some_and(|s| s == "__init__") && memchr::memmem::find(bytes, b"import").is_some())
}

/// Can this file have findings of its own? Only code that runs on the event
/// loop (`async def`), Reflex states and start-up modules are ever reported,
/// so other files are parsed only if resolution reaches them.
///
/// A Reflex state class is recognised by a `State` among its bases
/// (`class CartState(rx.State)`, `class Admin(BaseState)`): a state whose
/// bases and module never say `State` or `reflex` is not checked for the
/// state rules (RDJ108, RDJ3xx, RDJ6xx).
pub fn may_have_findings(bytes: &[u8]) -> bool {
    let find = |n: &[u8]| memchr::memmem::find(bytes, n).is_some();
    if find(b"reflex") || has_async_def(bytes) {
        return true;
    }
    memchr::memmem::find_iter(bytes, b"class ").any(|at| {
        let line_start = bytes[..at]
            .iter()
            .rposition(|b| *b == b'\n' || *b == b'\r')
            .map_or(0, |i| i + 1);
        let indented_header = bytes[line_start..at].iter().all(|b| *b == b' ' || *b == b'\t');
        let header_end = bytes[at..]
            .iter()
            .position(|b| *b == b':' || *b == b'\n')
            .map_or(bytes.len(), |i| at + i);
        // The bases, not the name: `class WorkflowState(models.Model)` is no state.
        let header = &bytes[at..header_end];
        let bases = header
            .iter()
            .position(|b| *b == b'(')
            .map_or(&header[..0], |i| &header[i..]);
        indented_header && memchr::memmem::find(bases, b"State").is_some()
    })
}

/// `async def` (any whitespace between the words): only such files have
/// code that runs on the event loop.
fn has_async_def(bytes: &[u8]) -> bool {
    memchr::memmem::find_iter(bytes, b"async").any(|at| {
        let rest = &bytes[at + 5..];
        let ws = rest.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
        ws > 0 && rest[ws..].starts_with(b"def")
    })
}

/// The byte-level facts of a file's text.
pub(super) fn byte_facts(text: &[u8]) -> ByteFacts {
    let sets_auth_user_model = memchr::memmem::find_iter(text, b"AUTH_USER_MODEL").any(|at| {
        let rest = &text[at + b"AUTH_USER_MODEL".len()..];
        let ws = rest.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
        rest.get(ws) == Some(&b'=') && rest.get(ws + 1) != Some(&b'=')
    });
    let class_names = memchr::memmem::find_iter(text, b"class ")
        .filter_map(|at| {
            let rest = &text[at + 6..];
            let len = rest
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b >= 0x80)
                .count();
            std::str::from_utf8(&rest[..len])
                .ok()
                .filter(|n| !n.is_empty())
                .map(Box::from)
        })
        .collect();
    let declares_relation_field = declares_relation_field(text);
    let accessor_templates = if declares_relation_field {
        accessor_templates(text)
    } else {
        Vec::new()
    };
    let names_related_queries = memchr::memmem::find(text, b"related_query_name").is_some();
    ByteFacts {
        sets_auth_user_model,
        declares_relation_field,
        class_names,
        accessor_templates,
        names_related_queries,
    }
}

/// The placeholders Django fills in a `related_name` (the model's name in
/// lower case, its app label).
pub(super) const ACCESSOR_PLACEHOLDERS: [&str; 2] = ["%(class)s", "%(app_label)s"];

/// The string literals of `text` (on one line, between a pair of the same
/// quote) that hold one of the [`ACCESSOR_PLACEHOLDERS`].
fn accessor_templates(text: &[u8]) -> Vec<Box<str>> {
    let mut out: Vec<Box<str>> = Vec::new();
    for placeholder in ACCESSOR_PLACEHOLDERS {
        for at in memchr::memmem::find_iter(text, placeholder.as_bytes()) {
            let line_start = memchr::memrchr2(b'\n', b'\r', &text[..at]).map_or(0, |i| i + 1);
            let Some(open) = memchr::memrchr2(b'"', b'\'', &text[line_start..at]).map(|i| line_start + i) else {
                continue;
            };
            let quote = text[open];
            let rest = &text[at..];
            let line_len = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
            let Some(close) = memchr::memchr(quote, &rest[..line_len]).map(|i| at + i) else {
                continue;
            };
            if let Ok(literal) = std::str::from_utf8(&text[open + 1..close]) {
                if !out.iter().any(|t| **t == *literal) {
                    out.push(literal.into());
                }
            }
        }
    }
    out
}

/// Does the text call a relation field constructor on an indented line
/// outside a comment, as a model's field declaration does? Checked before a
/// file is parsed for its models: test modules that only mention
/// `ForeignKey` in docstrings and comments are not parsed for it.
fn declares_relation_field(text: &[u8]) -> bool {
    const CALLS: [&[u8]; 4] = [b"ForeignKey(", b"OneToOneField(", b"ManyToManyField(", b"ParentalKey("];
    CALLS.iter().any(|call| {
        memchr::memmem::find_iter(text, call).any(|at| {
            let line_start = memchr::memrchr2(b'\n', b'\r', &text[..at]).map_or(0, |i| i + 1);
            let line = &text[line_start..at];
            line.first().is_some_and(|b| *b == b' ' || *b == b'\t') && !line.contains(&b'#')
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_that_can_have_findings() {
        assert!(may_have_findings(b"async def f(): pass"));
        assert!(may_have_findings(b"async  def f(): pass"));
        assert!(!may_have_findings(b"import asyncio\nasyncio.run(main())"));
        assert!(may_have_findings(b"import reflex as rx"));
        assert!(may_have_findings(b"class Cart(BaseState):\n    pass"));
        assert!(!may_have_findings(
            b"from django.db.migrations.state import ProjectState\nstate = ProjectState()"
        ));
        assert!(!may_have_findings(b"class Product(models.Model):\n    name = 1"));
        assert!(!may_have_findings(b"class WorkflowState(models.Model):\n    name = 1"));
    }

    #[test]
    fn relation_fields_are_declarations_not_mentions() {
        assert!(declares_relation_field(
            b"class A(models.Model):\n    b = models.ForeignKey(B, models.CASCADE)\n"
        ));
        assert!(declares_relation_field(
            b"class A(Model):\n\tb = ManyToManyField(\r\n  'B')\n"
        ));
        // Docstrings, comments and module-level code are not field declarations.
        assert!(!declares_relation_field(
            b"def test():\n    \"\"\"ForeignKey 'x' is allowed\"\"\"\n"
        ));
        assert!(!declares_relation_field(
            b"class T:\n    X = 1  # ForeignKey(unique=True)\n"
        ));
        assert!(!declares_relation_field(b"ForeignKey(B)\n"));
    }

    #[test]
    fn accessor_templates_are_the_literals_holding_a_placeholder() {
        let text = b"    a = ForeignKey(B, related_name=\"%(app_label)s_%(class)s_items\")\n    msg = '%(class)s must be %(x)s'\n";
        assert_eq!(
            accessor_templates(text),
            vec![
                Box::from("%(app_label)s_%(class)s_items"),
                Box::from("%(class)s must be %(x)s")
            ]
        );
    }
}
