//! Applying fixes to source text (pure; the CLI reads and writes files).
//!
//! Like ruff: fixes are applied in order of position, a fix whose edits
//! overlap one already applied waits for the next pass, and a pass whose
//! result parses worse than its input (new tree-sitter errors) is dropped.

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
    pub rules: Vec<crate::rules::Rule>,
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
    let mut fixes: Vec<(&Fix, crate::rules::Rule)> = findings
        .iter()
        .filter_map(|f| f.fix.as_ref().map(|fix| (fix, f.rule)))
        .filter(|(fix, _)| mode.allows(fix.applicability) && !fix.edits.is_empty())
        .collect();
    fixes.sort_by_key(|(fix, _)| fix.edits.iter().map(|e| (e.range.start, e.range.end)).min());
    let mut taken: Vec<&Edit> = Vec::new();
    let mut count = 0;
    let mut rules = Vec::new();
    for (fix, rule) in fixes {
        let valid = fix.edits.iter().all(|e| {
            e.range.start <= e.range.end
                && e.range.end <= text.len()
                && text.is_char_boundary(e.range.start)
                && text.is_char_boundary(e.range.end)
        });
        let overlaps = fix.edits.iter().any(|e| taken.iter().any(|t| overlap(e, t)));
        if valid && !overlaps {
            taken.extend(fix.edits.iter());
            count += 1;
            rules.push(rule);
        }
    }
    taken.sort_by_key(|e| (e.range.start, e.range.end));
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
    use crate::rules::Rule;

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
    fn counts_syntax_errors() {
        assert_eq!(syntax_errors("x = 1\n"), 0);
        assert!(syntax_errors("x = (1\n") > 0);
    }
}
