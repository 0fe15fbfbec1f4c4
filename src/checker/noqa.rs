//! `# noqa` suppression (SPEC §3): `# noqa` or `# noqa: RDJ101, RDJ104` on
//! the line where a finding starts; `# reflex-django-lsp: noqa` on a line of
//! its own suppresses the whole file.

use crate::diagnostic::Finding;
use crate::source::LineIndex;

/// What a line's `# noqa` comment suppresses.
#[derive(Debug, PartialEq, Eq)]
pub enum Directive {
    All,
    Codes(Vec<String>),
}

/// Parses the `# noqa` directive of one line, if any.
pub fn directive(line: &str) -> Option<Directive> {
    parse(line).map(|(d, _)| d)
}

/// The insertion that makes `line` suppress `code` too: a byte offset in the
/// line and the text to insert there (a new comment, or one more code in the
/// existing list). `None` when a bare `# noqa` already suppresses everything.
pub fn add_code(line: &str, code: &str) -> Option<(usize, String)> {
    match parse(line) {
        None => Some((line.len(), format!("  # noqa: {code}"))),
        Some((Directive::All, _)) => None,
        Some((Directive::Codes(_), end)) => Some((end, format!(", {code}"))),
    }
}

/// The directive, and the byte offset right after its last code.
fn parse(line: &str) -> Option<(Directive, usize)> {
    let lower = line.to_ascii_lowercase();
    let mut search = 0;
    while let Some(pos) = lower[search..].find("noqa") {
        let at = search + pos;
        search = at + 4;
        let before = lower[..at].trim_end();
        if !before.ends_with('#') {
            continue;
        }
        let rest = &line[at + 4..];
        let rest_trim = rest.trim_start();
        let Some(codes) = rest_trim.strip_prefix(':') else {
            return Some((Directive::All, at + 4));
        };
        // Codes separated by commas and blanks, up to the first word that
        // is not a code (e.g. another comment).
        let codes_start = line.len() - codes.len();
        let mut found = Vec::new();
        let mut end = codes_start;
        for (i, word) in codes.split_inclusive([',', ' ', '\t']).scan(0, |offset, w| {
            let start = *offset;
            *offset += w.len();
            Some((start, w))
        }) {
            let word = word.trim_end_matches([',', ' ', '\t']);
            if word.is_empty() {
                continue;
            }
            let is_code = word.chars().next().is_some_and(|ch| ch.is_ascii_alphabetic())
                && word.chars().all(|ch| ch.is_ascii_alphanumeric());
            if !is_code {
                break;
            }
            found.push(word.to_ascii_uppercase());
            end = codes_start + i + word.len();
        }
        if found.is_empty() {
            return Some((Directive::All, at + 4));
        }
        return Some((Directive::Codes(found), end));
    }
    None
}

fn file_exempt(src: &str) -> bool {
    src.lines().any(|l| {
        let t = l.trim();
        t.starts_with('#') && {
            let body = t.trim_start_matches('#').trim().to_ascii_lowercase();
            body == "reflex-django-lsp: noqa"
        }
    })
}

pub fn filter(src: &str, lines: &LineIndex, findings: Vec<Finding>) -> Vec<Finding> {
    if findings.is_empty() {
        return findings;
    }
    if file_exempt(src) {
        return Vec::new();
    }
    findings
        .into_iter()
        .filter(|f| {
            let line = lines.line_of(f.range.start);
            let text = &src[lines.line_range(src, line)];
            match directive(text) {
                None => true,
                Some(Directive::All) => false,
                Some(Directive::Codes(codes)) => !codes.iter().any(|c| f.rule.code().starts_with(c.as_str())),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directives() {
        assert_eq!(directive("x = 1  # noqa"), Some(Directive::All));
        assert_eq!(
            directive("x = 1  # noqa: RDJ101, rdj104"),
            Some(Directive::Codes(vec!["RDJ101".into(), "RDJ104".into()]))
        );
        assert_eq!(
            directive("x = 1  # NOQA:RDJ101"),
            Some(Directive::Codes(vec!["RDJ101".into()]))
        );
        assert_eq!(directive("x = 'noqa'"), None);
        assert_eq!(add_code("x = 1", "RDJ101"), Some((5, "  # noqa: RDJ101".to_owned())));
        let line = "x = 1  # NOQA:RDJ104 , RDJ105  # why";
        let (at, text) = add_code(line, "RDJ101").unwrap();
        assert_eq!(
            (&line[..at], text.as_str()),
            ("x = 1  # NOQA:RDJ104 , RDJ105", ", RDJ101")
        );
        assert_eq!(add_code("x = 1  # noqa", "RDJ101"), None);
        assert_eq!(
            directive("x = 1  # type: ignore  # noqa: RDJ1"),
            Some(Directive::Codes(vec!["RDJ1".into()]))
        );
    }

    #[test]
    fn file_level_exemption() {
        assert!(file_exempt("import x\n# reflex-django-lsp: noqa\n"));
        assert!(!file_exempt("x = 1  # reflex-django-lsp: noqa\n"));
    }
}
