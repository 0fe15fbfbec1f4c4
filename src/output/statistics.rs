//! `check --statistics`: counts per rule, like ruff's.
//!
//! Text: `COUNT<TAB>CODE<TAB>[*] name`, most frequent first, where `[*]`
//! marks a rule with a safe fix (`--fix` applies it), `[-]` one whose fix is
//! unsafe (`--fix --unsafe-fixes`) and `[ ]` one without an automatic fix;
//! a legend for the markers used follows the table. JSON:
//! `[{"code", "name", "count", "fixable", "unsafe_fix"}]` (`fixable`: the
//! rule has an automatic fix; `unsafe_fix`: only an unsafe one).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use crate::diagnostic::Applicability;
use crate::registry::Rule;

#[derive(Debug, Serialize)]
pub struct RuleCount {
    pub code: &'static str,
    pub name: &'static str,
    pub count: usize,
    /// Some finding of the rule has a fix that `--fix` can apply (safe, or
    /// unsafe with `--unsafe-fixes`).
    pub fixable: bool,
    /// The rule's fixes are all unsafe: they need `--unsafe-fixes`.
    pub unsafe_fix: bool,
}

pub fn counts(report: &Report) -> Vec<RuleCount> {
    // Per rule: count, and the best applicability among its findings' fixes.
    let mut by_rule: BTreeMap<Rule, (usize, Option<Applicability>)> = BTreeMap::new();
    for (_, finding) in report.iter() {
        let e = by_rule.entry(finding.rule).or_default();
        e.0 += 1;
        let applicability = finding
            .fix
            .as_ref()
            .filter(|f| !f.edits.is_empty() && f.applicability >= Applicability::Unsafe)
            .map(|f| f.applicability);
        e.1 = e.1.max(applicability);
    }
    let mut out: Vec<RuleCount> = by_rule
        .into_iter()
        .map(|(rule, (count, best))| RuleCount {
            code: rule.code(),
            name: rule.name(),
            count,
            fixable: best.is_some(),
            unsafe_fix: best == Some(Applicability::Unsafe),
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    out
}

pub fn write_text(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let counts = counts(report);
    let count_width = counts.iter().map(|c| c.count.to_string().len()).max().unwrap_or(1);
    let code_width = counts.iter().map(|c| c.code.len()).max().unwrap_or(1);
    for c in &counts {
        let marker = match (c.fixable, c.unsafe_fix) {
            (true, false) => "[*]",
            (true, true) => "[-]",
            (false, _) => "[ ]",
        };
        writeln!(
            out,
            "{:>count_width$}\t{:<code_width$}\t{marker} {}",
            c.count, c.code, c.name
        )?;
    }
    if counts.iter().any(|c| c.fixable && !c.unsafe_fix) {
        writeln!(out, "[*] fixable with `reflex-django-lsp check --fix`")?;
    }
    if counts.iter().any(|c| c.unsafe_fix) {
        writeln!(
            out,
            "[-] fixable with `reflex-django-lsp check --fix --unsafe-fixes` (the fix may change behaviour: review it)"
        )?;
    }
    Ok(())
}

pub fn write_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &counts(report)).map_err(io::Error::other)?;
    writeln!(out)
}
