//! The evaluator's statements: imports (workspace modules evaluated, star
//! imports, `ImportError`), `if` / `try` (known branches taken, unknown ones
//! joined), assignments and augmented assignments, mutating calls, and what
//! a statement it does not model may change (those names become unknown).
//!
//! Works on one module's syntax and scope; no I/O.

use tree_sitter::Node;

use super::value::{binop, join, mutate, set_path, Binding, Namespace, Val};
use super::{Evaluator, ImportOutcome, ImportedModule, ModuleFile, ModuleScope};
use crate::python::{always_importable, is_framework};
use crate::schema::state::Origin;
use crate::syntax::{field, named_children, text, unparen};

impl Evaluator<'_> {
    pub(super) fn exec_block(
        &mut self,
        cx: &ModuleFile,
        block: Node,
        scope: &mut Namespace,
        maybe: &mut bool,
    ) -> ImportOutcome {
        for stmt in named_children(block) {
            if self.exec(cx, stmt, scope, maybe) == ImportOutcome::ImportError {
                return ImportOutcome::ImportError;
            }
        }
        ImportOutcome::Ok
    }

    fn origin(&self, cx: &ModuleFile, node: Node) -> Option<Origin> {
        Some(Origin {
            path: cx.path.to_path_buf(),
            range: node.byte_range(),
        })
    }

    fn exec(&mut self, cx: &ModuleFile, stmt: Node, scope: &mut Namespace, maybe: &mut bool) -> ImportOutcome {
        match stmt.kind() {
            "expression_statement" => {
                for child in named_children(stmt) {
                    self.exec_expression_statement(cx, child, stmt, scope);
                }
            }
            "import_statement" => {
                for name in named_children(stmt) {
                    let (dotted, alias) = match name.kind() {
                        "aliased_import" => (
                            field(name, "name").and_then(|n| crate::syntax::dotted(n, cx.src)),
                            field(name, "alias").map(|a| text(a, cx.src).to_owned()),
                        ),
                        _ => (crate::syntax::dotted(name, cx.src), None),
                    };
                    let Some(dotted) = dotted else { continue };
                    let top = dotted.split('.').next().unwrap_or("").to_owned();
                    if !always_importable(&top) && self.resolve_module(&dotted, Some(cx.file)).is_none() {
                        *maybe = true;
                    }
                    let origin = self.origin(cx, stmt);
                    match alias {
                        Some(a) => scope.insert(
                            a,
                            Binding {
                                val: Val::Ext(dotted),
                                origin,
                            },
                        ),
                        None => scope.insert(
                            top.clone(),
                            Binding {
                                val: Val::Ext(top),
                                origin,
                            },
                        ),
                    };
                }
            }
            "import_from_statement" => return self.exec_import_from(cx, stmt, scope, maybe),
            "future_import_statement"
            | "pass_statement"
            | "comment"
            | "global_statement"
            | "nonlocal_statement"
            | "assert_statement"
            | "print_statement" => {}
            "if_statement" => return self.exec_if(cx, stmt, scope, maybe),
            "try_statement" => return self.exec_try(cx, stmt, scope, maybe),
            "with_statement" => {
                taint_with_targets(cx, stmt, scope);
                if let Some(body) = field(stmt, "body") {
                    return self.exec_block(cx, body, scope, maybe);
                }
            }
            "function_definition" | "class_definition" | "decorated_definition" => {
                let def = crate::syntax::definition_of(stmt);
                if let Some(name) = field(def, "name") {
                    scope.insert(
                        text(name, cx.src).to_owned(),
                        Binding {
                            val: Val::Unknown,
                            origin: self.origin(cx, stmt),
                        },
                    );
                }
            }
            "delete_statement" => {
                for target in named_children(stmt) {
                    let targets = if target.kind() == "expression_list" {
                        named_children(target)
                    } else {
                        vec![target]
                    };
                    for t in targets {
                        if t.kind() == "identifier" {
                            scope.remove(text(t, cx.src));
                        } else {
                            taint_node(cx, t, scope);
                        }
                    }
                }
            }
            // Loops, `match`, anything else: every name it may assign or
            // mutate becomes unknown.
            _ => taint_node(cx, stmt, scope),
        }
        ImportOutcome::Ok
    }

    fn exec_import_from(
        &mut self,
        cx: &ModuleFile,
        stmt: Node,
        scope: &mut Namespace,
        maybe: &mut bool,
    ) -> ImportOutcome {
        let Some(module) = field(stmt, "module_name") else {
            return ImportOutcome::Ok;
        };
        let star = named_children(stmt).iter().any(|c| c.kind() == "wildcard_import");
        let target = self.resolve_import(cx, module);
        let origin = self.origin(cx, stmt);
        let imported: ModuleScope = match &target {
            // A workspace module that cannot be evaluated (it fails, or imports
            // itself): its names are unknown.
            ImportedModule::Workspace(id) => self.module_scope(*id),
            ImportedModule::Missing => return ImportOutcome::ImportError,
            ImportedModule::External(name) => {
                let top = name.split('.').next().unwrap_or("");
                if !always_importable(top) && !is_framework(name) {
                    *maybe = true;
                }
                None
            }
        };
        if star {
            match (&target, imported) {
                (ImportedModule::Workspace(_), Some(names)) => {
                    for (k, b) in names.iter() {
                        if !k.starts_with('_') {
                            scope.insert(k.clone(), b.clone());
                        }
                    }
                }
                _ => {
                    // Any name may have been replaced (imports excepted).
                    for b in scope.values_mut() {
                        if !matches!(b.val, Val::Ext(_)) {
                            b.val = Val::Unknown;
                            b.origin = origin.clone();
                        }
                    }
                }
            }
            return ImportOutcome::Ok;
        }
        let prefix = match &target {
            ImportedModule::External(name) => Some(name.clone()),
            _ => None,
        };
        let mut cursor = stmt.walk();
        for name in stmt.children_by_field_name("name", &mut cursor) {
            let (orig, alias) = match name.kind() {
                "aliased_import" => (
                    field(name, "name").and_then(|n| crate::syntax::dotted(n, cx.src)),
                    field(name, "alias").map(|a| text(a, cx.src).to_owned()),
                ),
                _ => (crate::syntax::dotted(name, cx.src), None),
            };
            let Some(orig) = orig else { continue };
            let bound = alias.unwrap_or_else(|| orig.clone());
            let val = match (&prefix, &imported) {
                (Some(p), _) if !p.starts_with('.') => Val::Ext(format!("{p}.{orig}")),
                (_, Some(names)) => names.get(&orig).map(|b| b.val.clone()).unwrap_or(Val::Unknown),
                _ => Val::Unknown,
            };
            scope.insert(
                bound,
                Binding {
                    val,
                    origin: origin.clone(),
                },
            );
        }
        ImportOutcome::Ok
    }

    fn exec_if(&mut self, cx: &ModuleFile, stmt: Node, scope: &mut Namespace, maybe: &mut bool) -> ImportOutcome {
        // The branches in order: (condition, block); `else` has no condition.
        let mut branches: Vec<(Option<Node>, Node)> = Vec::new();
        if let (Some(c), Some(b)) = (field(stmt, "condition"), field(stmt, "consequence")) {
            branches.push((Some(c), b));
        }
        let mut cursor = stmt.walk();
        for alt in stmt.children_by_field_name("alternative", &mut cursor) {
            match alt.kind() {
                "elif_clause" => {
                    if let (Some(c), Some(b)) = (field(alt, "condition"), field(alt, "consequence")) {
                        branches.push((Some(c), b));
                    }
                }
                "else_clause" => {
                    if let Some(b) = field(alt, "body") {
                        branches.push((None, b));
                    }
                }
                _ => {}
            }
        }
        // Walk the chain while conditions are known; from the first unknown
        // one on, every remaining branch (and falling through) is possible.
        let mut possible: Vec<Node> = Vec::new();
        let mut falls_through = true;
        for (cond, block) in branches {
            match cond {
                None => {
                    possible.push(block);
                    falls_through = false;
                    break;
                }
                Some(c) => {
                    let v = self.eval(cx, c, scope);
                    match v.truthy() {
                        Some(true) if possible.is_empty() => {
                            possible.push(block);
                            falls_through = false;
                            break;
                        }
                        Some(false) => {}
                        _ => possible.push(block),
                    }
                }
            }
        }
        if possible.len() == 1 && !falls_through {
            return self.exec_block(cx, possible[0], scope, maybe);
        }
        let before = scope.clone();
        let mut outcomes: Vec<Namespace> = Vec::new();
        if falls_through {
            outcomes.push(before.clone());
        }
        for block in possible {
            let mut s = before.clone();
            if self.exec_block(cx, block, &mut s, maybe) == ImportOutcome::ImportError {
                // One possible path fails to import: everything it touched is unknown.
                taint_node(cx, block, &mut s);
            }
            outcomes.push(s);
        }
        let mut it = outcomes.into_iter();
        let mut joined = it.next().unwrap_or(before);
        for s in it {
            joined = join(&joined, &s);
        }
        *scope = joined;
        ImportOutcome::Ok
    }

    fn exec_try(&mut self, cx: &ModuleFile, stmt: Node, scope: &mut Namespace, maybe: &mut bool) -> ImportOutcome {
        let before = scope.clone();
        let mut body_maybe = false;
        let body = field(stmt, "body");
        let outcome = match body {
            Some(b) => self.exec_block(cx, b, scope, &mut body_maybe),
            None => ImportOutcome::Ok,
        };
        let clauses = named_children(stmt);
        let handler = clauses
            .iter()
            .copied()
            .filter(|c| c.kind() == "except_clause")
            .find(|c| catches_import_error(cx, *c));
        let mut result = ImportOutcome::Ok;
        match outcome {
            ImportOutcome::ImportError => match handler.and_then(block_of) {
                Some(h) => result = self.exec_block(cx, h, scope, maybe),
                None => result = ImportOutcome::ImportError,
            },
            ImportOutcome::Ok => {
                if let Some(e) = clauses
                    .iter()
                    .find(|c| c.kind() == "else_clause")
                    .and_then(|c| field(*c, "body"))
                {
                    result = self.exec_block(cx, e, scope, maybe);
                }
                if body_maybe {
                    // An import outside the workspace may fail: the handler may run.
                    match handler.and_then(block_of) {
                        Some(h) => {
                            let mut alt = before.clone();
                            if self.exec_block(cx, h, &mut alt, maybe) == ImportOutcome::ImportError {
                                taint_node(cx, h, &mut alt);
                            }
                            *scope = join(scope, &alt);
                        }
                        None => *maybe = true,
                    }
                }
            }
        }
        if let Some(f) = clauses.iter().find(|c| c.kind() == "finally_clause") {
            if let Some(b) = named_children(*f).into_iter().find(|n| n.kind() == "block") {
                if self.exec_block(cx, b, scope, maybe) == ImportOutcome::ImportError {
                    return ImportOutcome::ImportError;
                }
            }
        }
        result
    }

    fn exec_expression_statement(&mut self, cx: &ModuleFile, node: Node, stmt: Node, scope: &mut Namespace) {
        match node.kind() {
            "assignment" => {
                // `a = b = value`: every target, one value.
                let mut targets = Vec::new();
                let mut cur = node;
                loop {
                    if let Some(l) = field(cur, "left") {
                        targets.push(l);
                    }
                    match field(cur, "right") {
                        Some(r) if r.kind() == "assignment" => cur = r,
                        Some(r) => {
                            let val = self.eval(cx, r, scope);
                            for t in targets {
                                self.assign(cx, t, val.clone(), stmt, scope);
                            }
                            return;
                        }
                        None => return, // `X: int`
                    }
                }
            }
            "augmented_assignment" => {
                let (Some(left), Some(right)) = (field(node, "left"), field(node, "right")) else {
                    return;
                };
                let op = field(node, "operator").map(|o| text(o, cx.src)).unwrap_or("");
                let current = self.eval(cx, left, scope);
                let rhs = self.eval(cx, right, scope);
                let val = binop(&current, op.trim_end_matches('='), &rhs);
                self.assign(cx, left, val, stmt, scope);
            }
            "call" => self.exec_call_statement(cx, node, stmt, scope),
            _ => {
                // A docstring or an expression: evaluated for its effects
                // (`os.environ.setdefault(...)` nested in one is rare).
            }
        }
    }

    /// `X.append(...)`, `DATABASES["default"].update(...)`,
    /// `os.environ.setdefault(...)`, `load_dotenv()`: a call whose effect matters.
    fn exec_call_statement(&mut self, cx: &ModuleFile, call: Node, stmt: Node, scope: &mut Namespace) {
        let func = field(call, "function").map(unparen);
        if let Some(f) = func.filter(|f| f.kind() == "attribute") {
            let method = field(f, "attribute").map(|a| text(a, cx.src)).unwrap_or("");
            let object = field(f, "object");
            if let Some(obj) = object.filter(|o| place_root(cx, *o).is_some_and(|r| scope.contains_key(r))) {
                let current = self.eval(cx, obj, scope);
                if matches!(current, Val::List(_) | Val::Dict(_) | Val::Unknown | Val::DbUrl(_)) {
                    let args = self.args(cx, call, scope);
                    let new = mutate(current, method, args);
                    self.assign(cx, obj, new, stmt, scope);
                    return;
                }
            }
        }
        // Not a known container: evaluate it for its side effects. Unknown
        // calls may mutate their arguments: names passed are tainted.
        let val = self.eval(cx, call, scope);
        if !val.is_known() {
            if let Some(args) = field(call, "arguments") {
                for a in named_children(args) {
                    let a = if a.kind() == "keyword_argument" {
                        field(a, "value").unwrap_or(a)
                    } else {
                        a
                    };
                    if let Some(root) = place_root(cx, unparen(a)) {
                        if let Some(b) = scope.get_mut(root) {
                            if matches!(b.val, Val::List(_) | Val::Dict(_)) {
                                b.val = Val::Unknown;
                                b.origin = self.origin(cx, stmt);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Assigns `val` to a target: a name, a subscript chain, a tuple.
    fn assign(&mut self, cx: &ModuleFile, target: Node, val: Val, stmt: Node, scope: &mut Namespace) {
        let target = unparen(target);
        match target.kind() {
            "identifier" => {
                scope.insert(
                    text(target, cx.src).to_owned(),
                    Binding {
                        val,
                        origin: self.origin(cx, stmt),
                    },
                );
            }
            "subscript" => {
                // os.environ["K"] = v
                if let Some(obj) = field(target, "value") {
                    if let Val::Ext(q) = self.eval(cx, obj, scope) {
                        if q == "os.environ" {
                            let key = field(target, "subscript").map(|k| self.eval(cx, k, scope));
                            match (key.as_ref().and_then(Val::as_str), val.as_str()) {
                                (Some(k), Some(v)) => {
                                    self.overlay.insert(k.to_owned(), Some(v.to_owned()));
                                }
                                _ => self.env_opaque = true,
                            }
                            return;
                        }
                    }
                }
                let mut keys = Vec::new();
                let mut cur = target;
                while cur.kind() == "subscript" {
                    let Some(k) = field(cur, "subscript") else { return };
                    keys.push(self.eval(cx, k, scope));
                    match field(cur, "value").map(unparen) {
                        Some(v) => cur = v,
                        None => return,
                    }
                }
                keys.reverse();
                if cur.kind() != "identifier" {
                    taint_node(cx, cur, scope);
                    return;
                }
                let name = text(cur, cx.src).to_owned();
                let origin = self.origin(cx, stmt);
                let binding = scope.entry(name).or_insert(Binding {
                    val: Val::Unknown,
                    origin: None,
                });
                set_path(&mut binding.val, &keys, val);
                binding.origin = origin;
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "expression_list" | "tuple" | "list" => {
                let targets = named_children(target);
                match val {
                    Val::List(items) if items.len() == targets.len() => {
                        for (t, v) in targets.into_iter().zip(items) {
                            self.assign(cx, t, v, stmt, scope);
                        }
                    }
                    _ => {
                        for t in targets {
                            self.assign(cx, t, Val::Unknown, stmt, scope);
                        }
                    }
                }
            }
            // `obj.attr = …`: does not change a module-level name's value
            // for anything we read.
            _ => {}
        }
    }
}

fn block_of(c: Node<'_>) -> Option<Node<'_>> {
    named_children(c).into_iter().rev().find(|n| n.kind() == "block")
}

/// The name at the root of `a`, `a[k]`, `a[k].b`.
fn place_root<'s>(cx: &ModuleFile<'s>, node: Node) -> Option<&'s str> {
    let node = unparen(node);
    match node.kind() {
        "identifier" => Some(text(node, cx.src)),
        "subscript" => place_root(cx, field(node, "value")?),
        _ => None,
    }
}

/// Every name a statement may assign or mutate becomes unknown.
fn taint_node(cx: &ModuleFile, node: Node, scope: &mut Namespace) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        let roots: Vec<Node> = match n.kind() {
            "assignment" | "augmented_assignment" => field(n, "left").into_iter().collect(),
            "for_statement" | "for_in_clause" => field(n, "left").into_iter().collect(),
            "named_expression" => field(n, "name").into_iter().collect(),
            "as_pattern_target" => vec![n],
            "call" => field(n, "function")
                .filter(|f| f.kind() == "attribute")
                .and_then(|f| field(f, "object"))
                .into_iter()
                .collect(),
            "import_from_statement" if named_children(n).iter().any(|c| c.kind() == "wildcard_import") => {
                for b in scope.values_mut() {
                    if !matches!(b.val, Val::Ext(_)) {
                        b.val = Val::Unknown;
                    }
                }
                Vec::new()
            }
            "import_statement" | "import_from_statement" | "function_definition" | "class_definition" => {
                let mut names = Vec::new();
                let mut cursor = n.walk();
                for c in n.children_by_field_name("name", &mut cursor) {
                    names.push(c);
                }
                names
            }
            _ => Vec::new(),
        };
        for r in roots {
            taint_target(cx, r, scope);
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
}

fn taint_target(cx: &ModuleFile, target: Node, scope: &mut Namespace) {
    let target = unparen(target);
    match target.kind() {
        "identifier" => {
            let name = text(target, cx.src).to_owned();
            scope.insert(
                name,
                Binding {
                    val: Val::Unknown,
                    origin: None,
                },
            );
        }
        "aliased_import" => {
            if let Some(a) = field(target, "alias") {
                taint_target(cx, a, scope);
            }
        }
        "dotted_name" => {
            if let Some(first) = target.named_child(0) {
                taint_target(cx, first, scope);
            }
        }
        "subscript" | "attribute" => {
            let inner = field(
                target,
                if target.kind() == "subscript" {
                    "value"
                } else {
                    "object"
                },
            );
            if let Some(i) = inner {
                if let Some(root) = place_root(cx, i) {
                    if let Some(b) = scope.get_mut(root) {
                        if !matches!(b.val, Val::Ext(_)) {
                            b.val = Val::Unknown;
                        }
                    }
                }
            }
        }
        _ => {
            for c in named_children(target) {
                taint_target(cx, c, scope);
            }
        }
    }
}

fn taint_with_targets(cx: &ModuleFile, stmt: Node, scope: &mut Namespace) {
    let mut stack = vec![stmt];
    while let Some(n) = stack.pop() {
        if n.kind() == "block" {
            continue;
        }
        if n.kind() == "as_pattern" {
            if let Some(alias) = field(n, "alias") {
                taint_target(cx, alias, scope);
            }
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
}

/// Does this `except` clause catch an `ImportError`?
fn catches_import_error(cx: &ModuleFile, clause: Node) -> bool {
    let values: Vec<Node> = {
        let mut cursor = clause.walk();
        clause.children_by_field_name("value", &mut cursor).collect()
    };
    if values.is_empty() {
        return true; // bare `except:`
    }
    let names = ["ImportError", "ModuleNotFoundError", "Exception", "BaseException"];
    values.iter().any(|v| {
        let v = unparen(*v);
        let candidates = if matches!(v.kind(), "tuple" | "expression_list") {
            named_children(v)
        } else {
            vec![v]
        };
        candidates.iter().any(|c| {
            let t = text(*c, cx.src);
            names.contains(&t.rsplit('.').next().unwrap_or(t))
        })
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::schema::settings::evaluator::{Evaluator, Val};
    use crate::schema::settings::test_support::*;
    use crate::schema::settings::Inputs;

    #[test]
    fn environment_reads_inside_settings() {
        let settings = r#"
import os
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent
DATABASES = {
    "default": {
        "ENGINE": os.environ.get("DB_ENGINE", "django.db.backends.sqlite3"),
        "NAME": os.getenv("DB_NAME", str(BASE_DIR / "db.sqlite3")),
    }
}
if os.environ.get("USE_PG"):
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
    DATABASES["default"]["NAME"] = os.environ["PGDATABASE"]
    DATABASES["default"]["HOST"] = "localhost"
"#;
        assert_eq!(url_of(settings).as_deref(), Some("sqlite:////w/db.sqlite3"));
        let db = db_of(settings, &[("USE_PG", "1"), ("PGDATABASE", "shop")], &[]).unwrap();
        assert_eq!(db.url, "postgres://localhost/shop");
        // The last statement that changed DATABASES is the origin.
        let index = settings_ws(settings);
        assert_eq!(
            origin_text(&index, db.origin.as_ref().unwrap()),
            "DATABASES[\"default\"][\"HOST\"] = \"localhost\""
        );
        // `os.environ["K"]` of a missing variable raises: unknown.
        assert_eq!(db_of(settings, &[("USE_PG", "1")], &[]), None);
        // A condition we cannot decide: the branches disagree, unknown.
        let undecidable = format!(
            "import sys\n{}\nif 'test' in sys.argv:\n    DATABASES = {{}}\n",
            settings
        );
        assert_eq!(url_of(&undecidable), None);
        // ... unless they agree.
        let agreeing = format!("import sys\n{settings}\nif 'test' in sys.argv:\n    X = 1\n");
        assert_eq!(url_of(&agreeing).as_deref(), Some("sqlite:////w/db.sqlite3"));
    }

    #[test]
    fn evaluator_details() {
        // Loops taint, f-strings, parents[n], list splats, conditional expressions, try/else.
        let s = r#"
import os
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]
APPS = ["a"]
for x in ["b"]:
    APPS.append(x)
BASE = ["django.contrib.auth"]
INSTALLED_APPS = [*BASE, "django.contrib.admin"] if True else []
NAME = f"{ROOT}/f.db"
try:
    import psycopg
except ImportError:
    ENGINE = "django.db.backends.sqlite3"
else:
    ENGINE = "django.db.backends.sqlite3"
DATABASES = {"default": {"ENGINE": ENGINE, "NAME": NAME}}
"#;
        let index = settings_ws(s);
        let p = only(&index);
        assert_eq!(p.installed_apps, ["django.contrib.auth", "django.contrib.admin"]);
        assert_eq!(p.database.unwrap().url, "sqlite:////w/f.db");
        let mut python = Evaluator::new(Inputs {
            index: &index,
            env: &no_env,
            exists: &nothing_exists,
        });
        let settings = index.file_by_path(Path::new("/w/proj/settings.py")).unwrap();
        python.reset(Path::new("/w"));
        let scope = python.module_scope(settings).unwrap();
        assert!(scope.get("APPS").unwrap().val == Val::Unknown);
        // An import that may fail with different handler values: unknown.
        let s2 = "try:\n    import psycopg\n    E = 'pg'\nexcept ImportError:\n    E = 'sqlite'\nDATABASES = {'default': {'ENGINE': E, 'NAME': '/x'}}\n";
        assert_eq!(url_of(s2), None);
    }
}
