//! `check --add-noqa`: adds `# noqa: CODE` to the line of every current
//! finding, for adopting the tool on a codebase with many findings (ruff's
//! `--add-noqa`).
//!
//! The comment goes where `checker::noqa` looks for it: the line the
//! finding starts on, merged into a `# noqa: …` list already there. A line
//! that cannot end with a comment (it ends inside a multi-line string, or
//! with a `\` continuation) is left alone and named in a warning. Running it
//! twice changes nothing: the findings are gone after the first run.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;

use super::{CheckArgs, Fatal, EXIT_OK};
use crate::checker::noqa;
use crate::output::{display_path, io_error_message, FileReport};
use crate::registry::Rule;

pub fn run(args: &CheckArgs, files: Vec<FileReport>) -> Result<i32, Fatal> {
    let mut added = 0;
    let mut skipped: Vec<String> = Vec::new();
    for file in &files {
        let (edits, lines_skipped) = edits_for(file);
        for line in lines_skipped {
            skipped.push(format!("{}:{}", display_path(&file.path), line + 1));
        }
        if edits.is_empty() {
            continue;
        }
        // The file must still be the text the findings were computed on.
        let current = std::fs::read(&file.path)
            .ok()
            .and_then(|bytes| crate::source::decode_owned(bytes).ok());
        if current.as_deref() != Some(&*file.text) {
            if !args.quiet && !args.silent {
                eprintln!(
                    "warning: {}: changed while it was checked; no noqa added",
                    display_path(&file.path)
                );
            }
            continue;
        }
        let mut text = file.text.to_string();
        // From the end, so earlier offsets stay valid.
        for (range, line) in edits.iter().rev() {
            text.replace_range(range.clone(), line);
        }
        write(&file.path, &text)?;
        added += edits.len();
    }
    if !args.quiet && !args.silent {
        if !skipped.is_empty() {
            eprintln!(
                "warning: no noqa added where a line cannot end with a comment (inside a multi-line string or after `\\`): {}",
                skipped.join(", ")
            );
        }
        eprintln!("Added {added} noqa directive{}.", if added == 1 { "" } else { "s" });
    }
    Ok(EXIT_OK)
}

fn write(path: &Path, text: &str) -> Result<(), Fatal> {
    super::fix::write(path, text).map_err(|e| {
        Fatal(format!(
            "{}: cannot add noqa: {}",
            display_path(path),
            io_error_message(&e)
        ))
    })
}

/// The new text of each line to change (its range without the line
/// ending), and the 0-based lines that cannot take a comment.
fn edits_for(file: &FileReport) -> (Vec<(Range<usize>, String)>, Vec<usize>) {
    let text = &*file.text;
    // A file that could not be read has no text to annotate.
    if text.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut by_line: BTreeMap<usize, BTreeSet<Rule>> = BTreeMap::new();
    for finding in &file.findings {
        by_line
            .entry(file.lines.line_of(finding.range.start.min(text.len())))
            .or_default()
            .insert(finding.rule);
    }
    let tree = crate::syntax::parse(text);
    let mut edits = Vec::new();
    let mut skipped = Vec::new();
    for (line, rules) in by_line {
        let range = file.lines.line_range(text, line);
        let can_comment = tree
            .as_ref()
            .is_some_and(|tree| line_can_end_with_comment(text, range.clone(), tree));
        if !can_comment {
            skipped.push(line);
            continue;
        }
        let mut new_line = text[range.clone()].to_owned();
        for rule in rules {
            if let Some((at, insert)) = noqa::add_code(&new_line, rule.code()) {
                new_line.insert_str(at, &insert);
            }
        }
        if new_line != text[range.clone()] {
            edits.push((range, new_line));
        }
    }
    (edits, skipped)
}

/// A comment can be appended to the line: its end is not inside a string
/// (a triple-quoted string going on below) and it is not continued by `\`.
fn line_can_end_with_comment(text: &str, line: Range<usize>, tree: &tree_sitter::Tree) -> bool {
    if text[line.clone()].trim_end().ends_with('\\') {
        return false;
    }
    // Down from the root through the nodes that hold `end` (a cursor: asking
    // a node for its parent costs the tree's depth, which a long expression
    // on the line can make as large as the file).
    let end = line.end;
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        if node.kind() == "string" && node.start_byte() < end && end < node.end_byte() {
            return false;
        }
        let holds_end = cursor.goto_first_child_for_byte(end).is_some() && cursor.node().start_byte() <= end;
        if !holds_end {
            return true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Finding;
    use crate::source::LineIndex;
    use std::path::PathBuf;
    use std::sync::Arc;

    fn file(text: &str, findings: Vec<Finding>) -> FileReport {
        FileReport {
            path: PathBuf::from("x.py"),
            text: Arc::from(text),
            lines: LineIndex::new(text),
            findings,
        }
    }

    fn apply(text: &str, findings: Vec<Finding>) -> (String, Vec<usize>) {
        let (edits, skipped) = edits_for(&file(text, findings));
        let mut out = text.to_owned();
        for (range, line) in edits.iter().rev() {
            out.replace_range(range.clone(), line);
        }
        (out, skipped)
    }

    #[test]
    fn adds_and_merges() {
        let text = "a = f()\r\nb = g()  # noqa: RDJ104  # why\nc = h()  # noqa\n";
        let at = |needle: &str| {
            let i = text.find(needle).unwrap();
            i..i + needle.len()
        };
        let (out, skipped) = apply(
            text,
            vec![
                Finding::new(Rule::RDJ101, "", at("f()")),
                Finding::new(Rule::RDJ102, "", at("a")),
                Finding::new(Rule::RDJ101, "", at("g()")),
                Finding::new(Rule::RDJ101, "", at("h()")),
            ],
        );
        assert!(skipped.is_empty());
        assert_eq!(
            out,
            "a = f()  # noqa: RDJ101, RDJ102\r\nb = g()  # noqa: RDJ104, RDJ101  # why\nc = h()  # noqa\n"
        );
    }

    #[test]
    fn skips_lines_that_cannot_end_with_a_comment() {
        let text = "x = f(\"\"\"a\nb\"\"\")\ny = 1 + \\\n    2\nz = g()\n";
        let at = |needle: &str| {
            let i = text.find(needle).unwrap();
            i..i + 1
        };
        let (out, skipped) = apply(
            text,
            vec![
                Finding::new(Rule::RDJ101, "", at("f(")),
                Finding::new(Rule::RDJ101, "", at("y =")),
                Finding::new(Rule::RDJ101, "", at("g()")),
            ],
        );
        assert_eq!(skipped, vec![0, 2]);
        assert_eq!(out, text.replace("z = g()", "z = g()  # noqa: RDJ101"));
    }
}
