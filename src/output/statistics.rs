//! `check --statistics`: counts per rule, like ruff's.
//!
//! Text: `COUNT<TAB>CODE<TAB>[*] name` (`[*]` when a safe fix exists), most
//! frequent first. JSON: `[{"code", "name", "count", "fixable"}]`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use crate::diagnostic::Applicability;
use crate::rules::Rule;

#[derive(Debug, Serialize)]
pub struct RuleCount {
    pub code: &'static str,
    pub name: &'static str,
    pub count: usize,
    pub fixable: bool,
}

pub fn counts(report: &Report) -> Vec<RuleCount> {
    let mut by_rule: BTreeMap<Rule, (usize, bool)> = BTreeMap::new();
    for (_, finding) in report.iter() {
        let e = by_rule.entry(finding.rule).or_default();
        e.0 += 1;
        e.1 |= finding
            .fix
            .as_ref()
            .is_some_and(|f| f.applicability == Applicability::Safe);
    }
    let mut out: Vec<RuleCount> = by_rule
        .into_iter()
        .map(|(rule, (count, fixable))| RuleCount {
            code: rule.code(),
            name: rule.name(),
            count,
            fixable,
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
        let marker = if c.fixable { "[*]" } else { "[ ]" };
        writeln!(
            out,
            "{:>count_width$}\t{:<code_width$}\t{marker} {}",
            c.count, c.code, c.name
        )?;
    }
    Ok(())
}

pub fn write_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &counts(report)).map_err(io::Error::other)?;
    writeln!(out)
}
