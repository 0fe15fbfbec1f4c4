//! Applying fixes to source text (pure; the CLI reads and writes files).
//!
//! Like ruff: fixes are applied in order of position, a fix whose edits
//! overlap one already applied waits for the next pass, and a pass whose
//! result parses worse than its input (new tree-sitter errors) is dropped.

use std::collections::BTreeMap;

use crate::diagnostic::{Applicability, Edit, Finding, Fix};

/// Which fixes to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixMode {
    /// `--fix`: safe fixes only.
    Safe,
    /// `--fix --unsafe-fixes`.
    SafeAndUnsafe,
}

impl FixMode {
    pub fn allows(self, applicability: Applicability) -> bool {
        match self {
            FixMode::Safe => applicability == Applicability::Safe,
            FixMode::SafeAndUnsafe => applicability >= Applicability::Unsafe,
        }
    }
}

/// The result of applying one pass of fixes to one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    /// How many fixes were applied.
    pub count: usize,
    /// The rule of each applied fix (`check --show-fixes`).
    pub rules: Vec<crate::registry::Rule>,
}

/// How many passes a fix run makes at most (`check --fix`, the editor's
/// fix-all): a pass can enable fixes that overlapped or did not exist yet.
pub const MAX_PASSES: usize = 10;

/// One pass over one text, as every fix run does it.
#[derive(Debug)]
pub enum Pass {
    /// No allowed fix changed the text.
    Unchanged,
    /// The result parses worse than the input: the whole pass is dropped.
    Dropped,
    Fixed(Applied),
}

/// Applies one pass (see [`apply`]) and keeps it only if it parses no worse.
pub fn pass(text: &str, findings: &[Finding], mode: FixMode) -> Pass {
    let applied = apply(text, findings, mode);
    if applied.count == 0 || applied.text == text {
        Pass::Unchanged
    } else if syntax_errors(&applied.text) > syntax_errors(text) {
        Pass::Dropped
    } else {
        Pass::Fixed(applied)
    }
}

/// Applies the allowed fixes of `findings` that do not overlap each other.
/// Deterministic: fixes are taken in order of their first edit, ties by rule.
pub fn apply(text: &str, findings: &[Finding], mode: FixMode) -> Applied {
    let mut fixes: Vec<(&Fix, crate::registry::Rule)> = findings
        .iter()
        .filter_map(|f| f.fix.as_ref().map(|fix| (fix, f.rule)))
        .filter(|(fix, _)| mode.allows(fix.applicability) && !fix.edits.is_empty())
        .collect();
    fixes.sort_by_key(|(fix, _)| fix.edits.iter().map(|e| (e.range.start, e.range.end)).min());
    // The edits taken so far, by position; no two of them overlap, so an
    // edit can only clash with its neighbours there (a fix may hold
    // thousands of edits: RDJ401's, one per function).
    let mut taken: BTreeMap<(usize, usize), &Edit> = BTreeMap::new();
    let mut count = 0;
    let mut rules = Vec::new();
    for (fix, rule) in fixes {
        let valid = fix.edits.iter().all(|e| {
            e.range.start <= e.range.end
                && e.range.end <= text.len()
                && text.is_char_boundary(e.range.start)
                && text.is_char_boundary(e.range.end)
        });
        if valid && !overlaps_itself(fix) && !fix.edits.iter().any(|e| overlaps_taken(e, &taken)) {
            taken.extend(fix.edits.iter().map(|e| ((e.range.start, e.range.end), e)));
            count += 1;
            rules.push(rule);
        }
    }
    let taken: Vec<&Edit> = taken.into_values().collect();
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in taken {
        out.push_str(&text[at..e.range.start]);
        out.push_str(&e.content);
        at = e.range.end;
    }
    out.push_str(&text[at..]);
    Applied {
        text: out,
        count,
        rules,
    }
}

/// Whether two edits of `fix` overlap (it is then not applied: the text
/// would not be what the fix meant). Sorted by position, an overlap shows
/// between neighbours.
fn overlaps_itself(fix: &Fix) -> bool {
    let mut edits: Vec<&Edit> = fix.edits.iter().collect();
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    edits.windows(2).any(|pair| overlap(pair[0], pair[1]))
}

/// Whether `edit` overlaps one of `taken` (which do not overlap each other):
/// the last one starting before it, or one starting within it.
fn overlaps_taken(edit: &Edit, taken: &BTreeMap<(usize, usize), &Edit>) -> bool {
    let (start, end) = (edit.range.start, edit.range.end);
    let before = taken.range(..(start, 0)).next_back().map(|(_, e)| *e);
    let within = taken.range((start, 0)..=(end, usize::MAX)).map(|(_, e)| *e);
    before.into_iter().chain(within).any(|t| overlap(edit, t))
}

/// Two edits conflict when their ranges intersect, or both insert at one point.
fn overlap(a: &Edit, b: &Edit) -> bool {
    if a.range.is_empty() && b.range.is_empty() {
        return a.range.start == b.range.start;
    }
    a.range.start < b.range.end && b.range.start < a.range.end
        || (a.range.is_empty() && b.range.start < a.range.start && a.range.start < b.range.end)
        || (b.range.is_empty() && a.range.start < b.range.start && b.range.start < a.range.end)
}

/// How many syntax errors tree-sitter finds in `text` (ERROR and MISSING nodes).
pub fn syntax_errors(text: &str) -> usize {
    let Some(tree) = crate::syntax::parse(text) else {
        return usize::MAX;
    };
    let mut count = 0;
    let mut cursor = tree.walk();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            count += 1;
        }
        if node.has_error() {
            cursor.reset(node);
            if cursor.goto_first_child() {
                loop {
                    stack.push(cursor.node());
                    if !cursor.goto_next_sibling() {
                        break;
                    }
                }
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Rule;

    fn finding(edits: Vec<(usize, usize, &str)>, applicability: Applicability) -> Finding {
        Finding::new(Rule::RDJ101, "m", 0..0).with_fix(Some(Fix {
            applicability,
            message: "fix".into(),
            edits: edits
                .into_iter()
                .map(|(s, e, c)| Edit {
                    range: s..e,
                    content: c.into(),
                })
                .collect(),
        }))
    }

    #[test]
    fn applies_in_order_and_skips_overlaps() {
        let text = "a = x.get()\nb = y.get()\n";
        let f1 = finding(vec![(4, 4, "await "), (6, 9, "aget")], Applicability::Safe);
        let f2 = finding(vec![(18, 21, "aget"), (16, 16, "await ")], Applicability::Safe);
        let clash = finding(vec![(6, 9, "first")], Applicability::Safe);
        let out = apply(text, &[f2, clash, f1], FixMode::Safe);
        assert_eq!(out.text, "a = await x.aget()\nb = await y.aget()\n");
        assert_eq!(out.count, 2);
    }

    #[test]
    fn unsafe_fixes_need_the_mode() {
        let text = "x = qs[0]\n";
        let f = finding(vec![(4, 9, "await qs[0:1].aget()")], Applicability::Unsafe);
        assert_eq!(apply(text, std::slice::from_ref(&f), FixMode::Safe).count, 0);
        assert_eq!(
            apply(text, &[f], FixMode::SafeAndUnsafe).text,
            "x = await qs[0:1].aget()\n"
        );
    }

    #[test]
    fn a_fix_whose_edits_overlap_is_not_applied() {
        let text = "abcdef\n";
        let f = finding(vec![(0, 3, "x"), (2, 4, "y")], Applicability::Safe);
        let inside = finding(vec![(0, 4, "x"), (2, 2, "y")], Applicability::Safe);
        let twice = finding(vec![(5, 5, "x"), (5, 5, "y")], Applicability::Safe);
        let ok = finding(vec![(4, 4, "<"), (4, 5, "E"), (5, 5, ">")], Applicability::Safe);
        let out = apply(text, &[f, inside, twice, ok], FixMode::Safe);
        assert_eq!((out.text.as_str(), out.count), ("abcd<E>f\n", 1));
    }

    /// Neighbours decide: an insertion where a replacement starts or ends is
    /// fine, inside it is not.
    #[test]
    fn overlaps_with_taken_edits() {
        let text = "0123456789\n";
        let taken = finding(vec![(2, 4, "ab"), (6, 6, "^")], Applicability::Safe);
        let clashes = [
            vec![(3, 3, "x")],
            vec![(3, 5, "x")],
            vec![(1, 3, "x")],
            vec![(0, 9, "x")],
            vec![(6, 6, "x")],
            vec![(5, 7, "x")],
            vec![(8, 8, "x"), (2, 4, "ab")],
        ];
        for edits in clashes {
            let out = apply(
                text,
                &[taken.clone(), finding(edits.clone(), Applicability::Safe)],
                FixMode::Safe,
            );
            assert_eq!(out.count, 1, "{edits:?}");
        }
        let fine = finding(
            vec![(2, 2, "<"), (4, 4, ">"), (4, 6, "xy"), (7, 7, "!")],
            Applicability::Safe,
        );
        let out = apply(text, &[taken, fine], FixMode::Safe);
        assert_eq!((out.text.as_str(), out.count), ("01<ab>xy^6!789\n", 2));
    }

    /// One fix with an edit per function of a large file (RDJ401's), and
    /// many small fixes: linear, not quadratic, in the number of edits.
    #[test]
    fn many_edits_apply_quickly() {
        let n = 200_000;
        let text = "x\n".repeat(n);
        let one = finding((0..n).map(|i| (2 * i, 2 * i, "y")).collect(), Applicability::Safe);
        let started = std::time::Instant::now();
        let out = apply(&text, &[one], FixMode::Safe);
        assert_eq!(out.text, "yx\n".repeat(n));
        let many: Vec<Finding> = (0..n)
            .map(|i| finding(vec![(2 * i, 2 * i + 1, "z")], Applicability::Safe))
            .collect();
        let out = apply(&text, &many, FixMode::Safe);
        assert_eq!(out.count, n);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn counts_syntax_errors() {
        assert_eq!(syntax_errors("x = 1\n"), 0);
        assert!(syntax_errors("x = (1\n") > 0);
    }
}
