//! Coroutines that sync code runs on an event loop of its own
//! (`asyncio.run(f(x))`, `async_to_sync(f)(x)`), collected with their
//! argument types and literal flags for `checker::runners`. It only
//! records: never reports.

use tree_sitter::Node;

use super::helpers::function_called_by;
use super::Walker;
use crate::checker;
use crate::checker::types::{Callable, Ty};
use crate::knowledge::django;
use crate::syntax::{self, field, named_children};

impl<'a> Walker<'a> {
    /// `asyncio.run(<call>)`, `loop.run_until_complete(<call>)`: the
    /// coroutine `call` makes is run to its end on an event loop right here.
    pub(super) fn is_run_on_own_loop(&self, call: Node<'a>) -> bool {
        let runner = call
            .parent()
            .filter(|a| a.kind() == "argument_list" && a.named_child(0) == Some(call))
            .and_then(|a| a.parent())
            .filter(|r| r.kind() == "call");
        let Some(func) = runner.and_then(|r| field(r, "function")) else {
            return false;
        };
        if func.kind() == "attribute"
            && field(func, "attribute").is_some_and(|a| self.text(a) == django::LOOP_RUN_METHOD)
        {
            return true;
        }
        syntax::dotted(func, self.src).is_some_and(|name| {
            self.index
                .is_external(self.file, &name, self.scope, &[django::COROUTINE_RUNNER])
        })
    }

    /// `async_to_sync(f)(args)`: `f` is run with `args` on an event loop
    /// right here (`func` is the `async_to_sync(f)` call).
    pub(super) fn note_wrapped_coroutine_run(&mut self, call: Node<'a>, func: Node<'a>, args: Option<Node<'a>>) {
        let wraps = field(func, "function")
            .and_then(|f| syntax::dotted(f, self.src))
            .is_some_and(|name| {
                self.index
                    .is_external(self.file, &name, self.scope, &[django::COROUTINE_FUNCTION_RUNNER])
            });
        let Some(wrapped) = field(func, "arguments")
            .and_then(|a| a.named_child(0))
            .filter(|_| wraps)
        else {
            return;
        };
        let wrapped_ty = self.eval_quiet(wrapped);
        let Some(callee) = function_called_by(&wrapped_ty).cloned() else {
            return;
        };
        let receiver = match (&callee, field(wrapped, "object")) {
            (Callable::Workspace(f), Some(object)) if wrapped.kind() == "attribute" => {
                let recv = self.eval_quiet(object);
                self.method_receiver(*f, &recv)
            }
            _ => None,
        };
        let args = self.call_arguments(&callee, receiver, args);
        self.note_coroutine_run(call, &callee, &args);
    }

    /// What a call says about its callee's flags: its `True` / `False`
    /// arguments, by name and by position.
    pub(super) fn literal_flags(&self, args: Option<Node<'a>>) -> checker::runners::CallFlags {
        let mut flags = checker::runners::CallFlags {
            positional: Some(Vec::new()),
            keywords: Vec::new(),
        };
        for arg in args.map(named_children).unwrap_or_default() {
            match arg.kind() {
                "keyword_argument" => {
                    let name = field(arg, "name").map(|n| self.text(n).to_owned());
                    let value = field(arg, "value").and_then(|v| literal_bool(v.kind()));
                    if let (Some(name), Some(value)) = (name, value) {
                        flags.keywords.push((name, value));
                    }
                }
                "list_splat" | "dictionary_splat" => flags.positional = None,
                "comment" => {}
                kind => {
                    if let Some(given) = flags.positional.as_mut() {
                        given.push(literal_bool(kind));
                    }
                }
            }
        }
        flags
    }

    /// Remembers a coroutine run on an event loop with these arguments.
    pub(super) fn note_coroutine_run(&mut self, call: Node<'a>, callee: &Callable, args: &[(String, Ty)]) {
        let Callable::Workspace(f) = callee else { return };
        if !self.index.function(*f).is_async || args.is_empty() {
            return;
        }
        let run = checker::runners::CoroutineRun {
            callee: *f,
            args: args.to_vec(),
            flags: self.literal_flags(field(call, "arguments")),
            caller: self.function_name.clone(),
            file: self.file,
            at: call.start_byte(),
        };
        if let Some(runs) = self.coroutine_runs.as_mut() {
            runs.push(run);
        }
    }
}

/// `True` / `False` literals (by node kind).
fn literal_bool(kind: &str) -> Option<bool> {
    match kind {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}
