//! `rule CODE | --all [--output-format text|json]`.

use std::io::Write;

use serde::Serialize;

use super::{Fatal, RuleArgs, RuleFormat, EXIT_OK};
use crate::registry::Rule;

#[derive(Serialize)]
struct RuleDoc {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    doc: String,
    url: String,
}

fn rule_doc(rule: Rule) -> RuleDoc {
    RuleDoc {
        code: rule.code(),
        name: rule.name(),
        severity: rule.default_severity().as_str(),
        doc: crate::output::rule_doc(rule),
        url: rule.url(),
    }
}

fn text(rule: Rule) -> String {
    format!(
        "# {} ({})\n\nDefault severity: {}\n\n{}\n\nDocumentation: {}\n",
        rule.name(),
        rule.code(),
        rule.default_severity().as_str(),
        crate::output::rule_doc(rule),
        rule.url()
    )
}

pub fn rule(args: RuleArgs) -> Result<i32, Fatal> {
    let rules: Vec<Rule> = if args.all {
        Rule::ALL.to_vec()
    } else {
        let code = args.code.unwrap_or_default();
        let code = code.trim();
        // A code (RDJ101) or a name (blocking-queryset-call).
        let found = Rule::from_code(code).or_else(|| Rule::ALL.iter().copied().find(|r| r.name() == code));
        match found {
            Some(r) => vec![r],
            None => {
                return Err(Fatal(format!(
                    "unknown rule code \"{code}\";{} `reflex-django-lsp rule --all` lists them",
                    crate::config::suggest::rule_hint(code)
                )));
            }
        }
    };
    let out = match args.output_format {
        RuleFormat::Json => {
            let docs: Vec<RuleDoc> = rules.iter().map(|r| rule_doc(*r)).collect();
            // Always an array, also for one rule, so consumers parse one shape.
            serde_json::to_string_pretty(&docs).map_err(|e| Fatal(e.to_string()))? + "\n"
        }
        RuleFormat::Text => rules.iter().map(|r| text(*r)).collect::<Vec<_>>().join("\n"),
    };
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(out.as_bytes()).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(EXIT_OK),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(EXIT_OK),
        Err(e) => Err(Fatal(format!(
            "writing output: {}",
            crate::output::io_error_message(&e)
        ))),
    }
}
