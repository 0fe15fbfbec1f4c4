//! "Did you mean …?" for a misspelled configuration key or rule code: the
//! closest candidate by edit distance, offered only when it is close.
//!
//! Pure text over the registry's rule names: names no other part of
//! `config`, never does I/O.

use crate::registry::Rule;

/// How many edits a typo of `len` characters may need and still be offered
/// a suggestion: 1 for short words, 2 up to 8 characters, a quarter beyond.
fn max_distance(len: usize) -> usize {
    match len {
        0..=3 => 1,
        4..=8 => 2,
        n => n / 4,
    }
}

/// The candidate closest to `input` (ignoring ASCII case; transpositions
/// count as one edit), if it is within [`max_distance`]; ties go to the
/// first candidate.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input = input.trim().to_ascii_lowercase();
    if input.is_empty() {
        return None;
    }
    let limit = max_distance(input.chars().count());
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = strsim::damerau_levenshtein(&input, &candidate.to_ascii_lowercase());
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// ` did you mean "select"?` for an unknown key, or nothing.
pub fn key_hint<'a>(input: &str, keys: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(input, keys).map_or_else(String::new, |k| format!(" did you mean \"{k}\"?"))
}

/// The rule codes, their category prefixes (`RDJ1`) and the rule names.
fn selector_candidates() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for rule in Rule::ALL {
        let prefix = &rule.code()[..rule.code().len().min(4)];
        if !out.contains(&prefix) {
            out.push(prefix);
        }
    }
    out.extend(Rule::ALL.iter().map(|r| r.code()));
    out.extend(Rule::ALL.iter().map(|r| r.name()));
    out
}

/// The rule (or prefix) an unknown selector was probably meant to be:
/// `"RDJ101" (blocking-queryset-call)` for a typo of a code or a name.
pub fn rule_suggestion(input: &str) -> Option<String> {
    let candidates = selector_candidates();
    let best = did_you_mean(input, candidates.iter().copied())?;
    Some(match Rule::ALL.iter().find(|r| r.name() == best || r.code() == best) {
        Some(rule) => format!("\"{}\" ({})", rule.code(), rule.name()),
        None => format!("\"{best}\""),
    })
}

/// ` did you mean "RDJ101" (blocking-queryset-call)?` or nothing.
pub fn rule_hint(input: &str) -> String {
    rule_suggestion(input).map_or_else(String::new, |s| format!(" did you mean {s}?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_close_matches() {
        let keys = ["select", "ignore", "extend-select", "severity"];
        assert_eq!(did_you_mean("selct", keys), Some("select"));
        assert_eq!(did_you_mean("Select", keys), Some("select"));
        assert_eq!(did_you_mean("extend_select", keys), Some("extend-select"));
        assert_eq!(did_you_mean("severty", keys), Some("severity"));
        assert_eq!(did_you_mean("colour", keys), None);
        assert_eq!(did_you_mean("x", keys), None);
        assert_eq!(did_you_mean("", keys), None);
    }

    #[test]
    fn rule_codes_and_names() {
        assert_eq!(
            rule_suggestion("RDJ1O1").as_deref(),
            Some("\"RDJ101\" (blocking-queryset-call)")
        );
        assert_eq!(
            rule_suggestion("RJD101").as_deref(),
            Some("\"RDJ101\" (blocking-queryset-call)")
        );
        assert_eq!(
            rule_suggestion("blocking-queryset-call").as_deref(),
            Some("\"RDJ101\" (blocking-queryset-call)")
        );
        assert_eq!(
            rule_suggestion("blocking-queryset-cal").as_deref(),
            Some("\"RDJ101\" (blocking-queryset-call)")
        );
        assert_eq!(rule_suggestion("RJD1").as_deref(), Some("\"RDJ1\""));
        assert_eq!(rule_suggestion("E501"), None);
        assert_eq!(rule_suggestion("pyflakes"), None);
    }
}
