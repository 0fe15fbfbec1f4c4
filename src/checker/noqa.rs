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
        if let Some(codes) = rest_trim.strip_prefix(':') {
            let codes: Vec<String> = codes
                .split([',', ' ', '\t'])
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .take_while(|c| {
                    c.chars().next().is_some_and(|ch| ch.is_ascii_alphabetic())
                        && c.chars().all(|ch| ch.is_ascii_alphanumeric())
                })
                .map(|c| c.to_ascii_uppercase())
                .collect();
            if codes.is_empty() {
                return Some(Directive::All);
            }
            return Some(Directive::Codes(codes));
        }
        return Some(Directive::All);
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
