//! Where the walker's findings go: it hands a blocking operation (what it
//! does, its range, its fix in async code) with the execution context it
//! computed to the rule that reports it there. The rules decide the
//! finding: the operation's own rule worded by `rules::messages` in an
//! `async def` body, RDJ108 (context, wording, fix) in sync code a
//! framework runs on the loop, RDJ107's call-path step in a summarized
//! helper; deferred code reports nothing. Also quotes code for the rules'
//! messages and says where an `await` may be inserted. It computes no
//! types, walks nothing and words no message.

use std::ops::Range;

use tree_sitter::Node;

use super::Walker;
use crate::checker::effects::{self, Effect, Receiver};
use crate::checker::Exec;
use crate::diagnostic::Finding;
use crate::index::ClassKind;
use crate::rules::rdj108_orm_in_sync_event_handler::{self, SyncContext};
use crate::rules::{messages, rdj107_blocking_call_via_helper, Rule};
use crate::syntax::field;

impl<'a> Walker<'a> {
    /// Compact source text for messages (whitespace folded, long calls elided).
    pub fn snippet(&self, node: Node<'_>) -> String {
        let raw: String = self.text(node).split_whitespace().collect::<Vec<_>>().join(" ");
        if raw.chars().count() > 60 {
            let cut: String = raw.chars().take(57).collect();
            format!("{cut}...")
        } else {
            raw
        }
    }

    /// `recv.method()` with the arguments elided, for messages.
    pub fn call_snippet(&self, callee: Node<'_>) -> String {
        let mut s = self.snippet(callee);
        s.push_str("()");
        s
    }

    /// A blocking operation: reported according to the execution context.
    pub fn report_blocking(&mut self, rule: Rule, range: Range<usize>, what: String) {
        self.report_blocking_fix(rule, range, what, None);
    }

    /// Like [`Self::report_blocking`], with the rewrite that fixes it in
    /// async code. Hands the operation to the rule that reports it where
    /// this code runs: RDJ108 in sync code a framework runs on the loop,
    /// the operation's own `rule` in an `async def` body, RDJ107's call
    /// path in a summarized helper; deferred code reports nothing.
    pub fn report_blocking_fix(
        &mut self,
        rule: Rule,
        range: Range<usize>,
        what: String,
        fix: Option<crate::diagnostic::Fix>,
    ) {
        if let Some(context) = SyncContext::of(self.exec) {
            if self.rules.contains(Rule::RDJ108) {
                let finding = rdj108_orm_in_sync_event_handler::finding(self, context, &what, range, fix);
                self.findings.push(finding);
            }
            return;
        }
        match self.exec {
            Exec::Async if self.rules.contains(rule) => {
                let msg = messages::in_async_function(&what, &self.function_name);
                self.findings.push(Finding::new(rule, msg, range).with_fix(fix));
            }
            // The summary keeps the first blocking operation's step.
            Exec::Summary if self.blocking.is_none() => {
                let step = rdj107_blocking_call_via_helper::call_path_step(rule, what, || self.operation_at(range));
                self.blocking = Some(step);
            }
            // Deferred code does not run on the loop, an unselected rule
            // says nothing (the sync contexts were RDJ108's above).
            _ => {}
        }
    }

    /// The code of a blocking operation, for call paths: a method call
    /// without its arguments (`Product.objects.get()`), anything else as
    /// written (`list(Product.objects.all())`, `order.customer`).
    pub(super) fn operation_at(&self, range: Range<usize>) -> String {
        let node = self.root.descendant_for_byte_range(range.start, range.end).map(|n| {
            std::iter::successors(Some(n), |p| p.parent())
                .take_while(|p| p.byte_range() == range)
                .last()
                .unwrap_or(n)
        });
        match node {
            Some(n) if n.kind() == "call" => match field(n, "function") {
                Some(f) if f.kind() == "attribute" => self.call_snippet(f),
                _ => self.snippet(n),
            },
            Some(n) => self.snippet(n),
            None => String::new(),
        }
    }

    /// A finding that does not depend on where the code runs (RDJ202, RDJ302).
    pub fn report(&mut self, rule: Rule, range: Range<usize>, message: String) {
        self.report_fix(rule, range, message, None);
    }

    pub fn report_fix(
        &mut self,
        rule: Rule,
        range: Range<usize>,
        message: String,
        fix: Option<crate::diagnostic::Fix>,
    ) {
        if self.exec.runs_on_loop() && self.rules.contains(rule) {
            self.findings.push(Finding::new(rule, message, range).with_fix(fix));
        }
    }

    /// A blocking method call (`qs.get()`, `instance.save()`, `session.save()`)
    /// on the loop: the effect its receiver's rule reports.
    pub(super) fn report_blocking_method(
        &mut self,
        call: Node<'a>,
        func: Node<'a>,
        on: Receiver,
        method: &'a str,
        args: Option<Node<'a>>,
    ) {
        effects::report(
            self,
            Effect::BlockingMethod {
                call,
                func,
                on,
                method,
                args,
            },
        );
    }

    /// Whether an `await` may be inserted at `node`: in the async body itself,
    /// not inside a lambda, a generator expression or a nested def.
    pub fn can_await_at(&self, node: Node<'_>) -> bool {
        // In a sync handler, computed var, lifespan task or GraphQL resolver
        // too: its fix makes it `async def` (RDJ108).
        if !self.exec.runs_on_loop() {
            return false;
        }
        let Some(scope) = self.scope else { return false };
        let mut cur = node.parent();
        while let Some(n) = cur {
            match n.kind() {
                "function_definition" => return n.start_byte() == scope,
                "lambda" | "generator_expression" | "class_definition" => return false,
                _ => {}
            }
            cur = n.parent();
        }
        false
    }

    /// The byte range of the function being analysed.
    pub fn function_range(&self) -> Option<Range<usize>> {
        let scope = self.scope?;
        let node = self.root.descendant_for_byte_range(scope, scope)?;
        std::iter::successors(Some(node), |n| n.parent())
            .find(|n| n.kind() == "function_definition" && n.start_byte() == scope)
            .map(|n| n.byte_range())
    }

    pub fn in_handler(&self) -> bool {
        matches!(self.exec, Exec::Async | Exec::SyncHandler)
            && matches!(
                self.class.map(|c| self.index.class_kind(c)),
                Some(ClassKind::State { .. })
            )
    }
}
