//! Per-file summaries: what other files need to know about a module, read
//! from its syntax tree once (imports, classes with their bodies, functions).
//! Its [`AssignedValue`] is a cheap, ranged view of a class attribute or assignment
//! for name resolution and the rules, not `python::value::Value` (that
//! module's comment says why).
//!
//! Reads one tree only: resolves no name (that is `resolve`), knows no
//! other file, does no I/O.

use std::ops::Range;

use tree_sitter::{Node, Tree};

use crate::python;
use crate::python::modules::absolute_module;
use crate::syntax::{self, dotted, field, named_children, text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportTarget {
    /// `import a.b as c` binds `c` to `a.b`; `import a.b` binds `a` to `a`.
    Module(String),
    /// `from m import n as k` binds `k` to member `n` of `m`.
    Member { module: String, name: String },
    /// `from m import *`.
    Star { module: String },
}

#[derive(Debug, Clone)]
pub struct ImportBinding {
    pub local: String,
    pub target: ImportTarget,
    /// Start byte of the enclosing function, or `None` at module level.
    pub scope: Option<usize>,
    pub stmt_range: Range<usize>,
    /// The module the statement executes: `a.b.c` for `import a.b.c`
    /// (which binds only `a`), `m` for `from m import n`.
    pub executes: String,
}

impl ImportBinding {
    /// Modules whose top-level code runs when this import runs: every
    /// package on the way (`a`, `a.b`, `a.b.c`), and `m.n` for `from m import n`
    /// when `n` is a submodule (the caller checks which exist).
    pub fn executed_modules(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut acc = String::new();
        for part in self.executes.split('.') {
            if !acc.is_empty() {
                acc.push('.');
            }
            acc.push_str(part);
            out.push(acc.clone());
        }
        if let ImportTarget::Member { module, name } = &self.target {
            out.push(format!("{module}.{name}"));
        }
        out
    }
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub annotation: Option<String>,
    /// How a call's arguments reach it (call-site specialisation maps them).
    pub kind: ParamKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// By position or by name.
    Positional,
    /// `*args`: takes the remaining positional arguments.
    VarPositional,
    /// After `*` or `*args`: by name only.
    KeywordOnly,
    /// `**kwargs`.
    VarKeyword,
}

/// The parameters of a `def` or `lambda` (`parameters` node), in order.
pub fn params_of(params: Node<'_>, src: &str) -> Vec<Param> {
    let mut out = Vec::new();
    let mut keyword_only = false;
    let kind = |keyword_only: bool| {
        if keyword_only {
            ParamKind::KeywordOnly
        } else {
            ParamKind::Positional
        }
    };
    for p in named_children(params) {
        let (name, annotation, kind) = match p.kind() {
            "identifier" => (text(p, src).to_owned(), None, kind(keyword_only)),
            "typed_parameter" => {
                let inner = p.named_child(0);
                let name = inner
                    .map(|n| match n.kind() {
                        "list_splat_pattern" | "dictionary_splat_pattern" => {
                            n.named_child(0).map(|i| text(i, src)).unwrap_or("")
                        }
                        _ => text(n, src),
                    })
                    .unwrap_or("")
                    .to_owned();
                let k = match inner.map(|n| n.kind()) {
                    Some("list_splat_pattern") => {
                        keyword_only = true;
                        ParamKind::VarPositional
                    }
                    Some("dictionary_splat_pattern") => ParamKind::VarKeyword,
                    _ => kind(keyword_only),
                };
                (name, field(p, "type").map(|t| text(t, src).to_owned()), k)
            }
            "default_parameter" | "typed_default_parameter" => (
                field(p, "name").map(|n| text(n, src).to_owned()).unwrap_or_default(),
                field(p, "type").map(|t| text(t, src).to_owned()),
                kind(keyword_only),
            ),
            "list_splat_pattern" => {
                keyword_only = true;
                let name = p.named_child(0).map(|n| text(n, src).to_owned()).unwrap_or_default();
                (name, None, ParamKind::VarPositional)
            }
            "dictionary_splat_pattern" => {
                let name = p.named_child(0).map(|n| text(n, src).to_owned()).unwrap_or_default();
                (name, None, ParamKind::VarKeyword)
            }
            "keyword_separator" => {
                keyword_only = true;
                continue;
            }
            _ => continue,
        };
        out.push(Param { name, annotation, kind });
    }
    out
}

#[derive(Debug, Clone)]
pub struct FunctionSummary {
    pub name: String,
    pub range: Range<usize>,
    pub is_async: bool,
    /// Dotted decorator names (`rx.event`, `transaction.atomic` for `@transaction.atomic(...)` too).
    pub decorators: Vec<String>,
    pub params: Vec<Param>,
}

/// A small, syntax-level view of a class attribute's value.
#[derive(Debug, Clone)]
pub enum AssignedValue {
    /// A call; `callee` is the dotted callee, or the callee's source text.
    Call {
        callee: String,
        dotted: bool,
        args: Vec<AssignedArg>,
        range: Range<usize>,
    },
    /// A list/tuple/set of string literals (with each literal's range).
    Strings(Vec<(String, Range<usize>)>),
    Str(String, Range<usize>),
    Name(String),
    Bool(bool),
    Other,
}

#[derive(Debug, Clone)]
pub struct AssignedArg {
    pub keyword: Option<String>,
    pub value: AssignedValue,
}

impl AssignedValue {
    pub fn keyword(&self, name: &str) -> Option<&AssignedValue> {
        match self {
            AssignedValue::Call { args, .. } => args
                .iter()
                .find(|a| a.keyword.as_deref() == Some(name))
                .map(|a| &a.value),
            _ => None,
        }
    }
    pub fn positional(&self, i: usize) -> Option<&AssignedValue> {
        match self {
            AssignedValue::Call { args, .. } => args.iter().filter(|a| a.keyword.is_none()).nth(i).map(|a| &a.value),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AssignedValue::Str(s, _) => Some(s),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClassAttr {
    pub name: String,
    pub value: AssignedValue,
    pub range: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Annotation {
    pub name: String,
    /// The annotation's type expression.
    pub type_range: Range<usize>,
    pub name_range: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct ClassSummary {
    pub name: String,
    pub range: Range<usize>,
    pub name_range: Range<usize>,
    /// Dotted base expressions; `ModelState[Product]` is recorded as `ModelState`.
    pub bases: Vec<String>,
    /// Type arguments of subscripted bases (`ModelState[Product]` → `Product`).
    pub base_type_args: Vec<String>,
    pub attrs: Vec<ClassAttr>,
    pub annotations: Vec<Annotation>,
    pub methods: Vec<FunctionSummary>,
    /// Attributes of the inner `class Meta`.
    pub meta: Vec<ClassAttr>,
}

impl ClassSummary {
    pub fn attr(&self, name: &str) -> Option<&ClassAttr> {
        self.attrs.iter().rev().find(|a| a.name == name)
    }
    pub fn meta_attr(&self, name: &str) -> Option<&ClassAttr> {
        self.meta.iter().rev().find(|a| a.name == name)
    }
    pub fn method(&self, name: &str) -> Option<&FunctionSummary> {
        self.methods.iter().rev().find(|m| m.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct Assignment {
    pub name: String,
    pub value: AssignedValue,
    pub range: Range<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct ModuleSummary {
    pub imports: Vec<ImportBinding>,
    pub classes: Vec<ClassSummary>,
    pub functions: Vec<FunctionSummary>,
    pub assignments: Vec<Assignment>,
    /// Start of the first module-level `configure_django()` / `django.setup()` call.
    pub bootstrap_at: Option<usize>,
    /// Defines Reflex pages (`@rx.page`, `app.add_page(...)`).
    pub defines_pages: bool,
    /// Each module-level name's binding (see [`ModuleSummary::binding`]), on first use.
    top_level: std::sync::OnceLock<rustc_hash::FxHashMap<String, TopLevel>>,
}

/// What a module-level name is bound to last in source order: an index into
/// the summary's `classes`, `functions`, `assignments` or `imports`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopLevel {
    Class(usize),
    Function(usize),
    Assignment(usize),
    Import(usize),
}

impl ModuleSummary {
    /// The last module-level binding of `name` (a class, function,
    /// assignment or import; not star imports). Looked up in a map built
    /// once: a module with 100,000 definitions is asked about each name.
    pub fn binding(&self, name: &str) -> Option<TopLevel> {
        let map = self.top_level.get_or_init(|| {
            let mut best: rustc_hash::FxHashMap<String, (usize, TopLevel)> = Default::default();
            let mut consider = |name: &str, at: usize, binding: TopLevel| {
                if best.get(name).is_none_or(|(b, _)| at >= *b) {
                    best.insert(name.to_owned(), (at, binding));
                }
            };
            for (i, c) in self.classes.iter().enumerate() {
                consider(&c.name, c.range.start, TopLevel::Class(i));
            }
            for (i, f) in self.functions.iter().enumerate() {
                consider(&f.name, f.range.start, TopLevel::Function(i));
            }
            for (i, a) in self.assignments.iter().enumerate() {
                consider(&a.name, a.range.start, TopLevel::Assignment(i));
            }
            for (i, b) in self.imports.iter().enumerate() {
                if b.scope.is_none() && !matches!(b.target, ImportTarget::Star { .. }) {
                    consider(&b.local, b.stmt_range.start, TopLevel::Import(i));
                }
            }
            best.into_iter().map(|(name, (_, binding))| (name, binding)).collect()
        });
        map.get(name).copied()
    }

    pub fn class(&self, name: &str) -> Option<(usize, &ClassSummary)> {
        self.classes.iter().enumerate().rev().find(|(_, c)| c.name == name)
    }
    pub fn function(&self, name: &str) -> Option<(usize, &FunctionSummary)> {
        self.functions.iter().enumerate().rev().find(|(_, f)| f.name == name)
    }
    pub fn module_import(&self, local: &str) -> Option<&ImportBinding> {
        self.imports
            .iter()
            .rev()
            .find(|b| b.scope.is_none() && b.local == local)
    }
}

/// From this many module-level statements on, definitions are summarized
/// in parallel.
const PARALLEL_STATEMENTS: usize = 64;

/// `package` is the dotted package of the module (for relative imports).
pub fn summarize(tree: &Tree, src: &str, package: &str) -> ModuleSummary {
    let root = tree.root_node();
    let mut summary = ModuleSummary {
        imports: collect_imports(root, src, package),
        ..Default::default()
    };
    let stmts = named_children(root);
    // Classes and functions are summarized on their own: a long module's in
    // parallel (the language server re-summarizes an edited file per change).
    enum Def {
        Class(ClassSummary),
        Function(FunctionSummary),
    }
    let summarize_def = |stmt: &Node<'_>| {
        let def = syntax::definition_of(*stmt);
        match def.kind() {
            "class_definition" => Some(Def::Class(class_summary(def, src))),
            "function_definition" => Some(Def::Function(function_summary(def, src))),
            _ => None,
        }
    };
    let defs: Vec<Option<Def>> = if stmts.len() >= PARALLEL_STATEMENTS {
        use rayon::prelude::*;
        stmts.par_iter().map(summarize_def).collect()
    } else {
        stmts.iter().map(summarize_def).collect()
    };
    for (stmt, def) in stmts.into_iter().zip(defs) {
        match def {
            Some(Def::Class(c)) => summary.classes.push(c),
            Some(Def::Function(f)) => {
                if f.decorators.iter().any(|d| d.ends_with("page") && d.starts_with("rx")) {
                    summary.defines_pages = true;
                }
                summary.functions.push(f);
            }
            None if stmt.kind() == "expression_statement" => {
                let Some(expr) = stmt.named_child(0) else { continue };
                if expr.kind() == "assignment" {
                    if let Some((names, Some(right))) = chained_assignment(expr, src) {
                        let value = value_of(right, src);
                        for name in names {
                            summary.assignments.push(Assignment {
                                name,
                                value: value.clone(),
                                range: expr.byte_range(),
                            });
                        }
                    }
                } else if expr.kind() == "call" {
                    let callee = field(expr, "function").and_then(|f| dotted(f, src)).unwrap_or_default();
                    let last = callee.rsplit('.').next().unwrap_or("");
                    if (last == "configure_django" || callee == "django.setup") && summary.bootstrap_at.is_none() {
                        summary.bootstrap_at = Some(stmt.start_byte());
                    }
                    if last == "add_page" {
                        summary.defines_pages = true;
                    }
                }
            }
            _ => {}
        }
    }
    summary
}

fn collect_imports(root: Node<'_>, src: &str, package: &str) -> Vec<ImportBinding> {
    let statements = named_children(root);
    let mut out = Vec::new();
    // Module-level imports (the ones start-up rules and most resolution
    // need): the module's own statements. (Not a tree-sitter query: its
    // cursor visits every node below, at a cost that grows with the depth,
    // which is quadratic on a file of 100,000 unclosed brackets.)
    for stmt in &statements {
        if matches!(
            stmt.kind(),
            "import_statement" | "import_from_statement" | "future_import_statement"
        ) {
            import_bindings(*stmt, src, package, &mut out);
        }
    }
    // Imports nested in functions and compound statements: a walk over
    // statement blocks only, never into expressions (most of a tree).
    for stmt in statements {
        nested_imports(stmt, src, package, &mut out, false);
    }
    out
}

fn nested_imports(node: Node<'_>, src: &str, package: &str, out: &mut Vec<ImportBinding>, nested: bool) {
    match node.kind() {
        "import_statement" | "import_from_statement" | "future_import_statement" if nested => {
            import_bindings(node, src, package, out);
        }
        kind if (syntax::holds_statements(kind)
            || matches!(kind, "function_definition" | "class_definition" | "decorated_definition"))
            // Most bodies import nothing: their bytes say so without a walk.
            && memchr::memmem::find(&src.as_bytes()[node.byte_range()], b"import").is_some() =>
        {
            for child in named_children(node) {
                nested_imports(child, src, package, out, true);
            }
        }
        _ => {}
    }
}

fn enclosing_function(node: Node<'_>) -> Option<usize> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if matches!(n.kind(), "function_definition" | "lambda") {
            return Some(n.start_byte());
        }
        cur = n.parent();
    }
    None
}

fn import_bindings(stmt: Node<'_>, src: &str, package: &str, out: &mut Vec<ImportBinding>) {
    let scope = enclosing_function(stmt);
    let stmt_range = stmt.byte_range();
    match stmt.kind() {
        "import_statement" => {
            for name in named_children(stmt) {
                let (module, alias) = match name.kind() {
                    "dotted_name" => (text(name, src).to_owned(), None),
                    "aliased_import" => (
                        field(name, "name").map(|n| text(n, src).to_owned()).unwrap_or_default(),
                        field(name, "alias").map(|n| text(n, src).to_owned()),
                    ),
                    _ => continue,
                };
                let module: String = module.split_whitespace().collect();
                let executes = module.clone();
                let (local, target) = match alias {
                    Some(alias) => (alias, module),
                    None => {
                        let first = module.split('.').next().unwrap_or("").to_owned();
                        (first.clone(), first)
                    }
                };
                out.push(ImportBinding {
                    local,
                    target: ImportTarget::Module(target),
                    scope,
                    stmt_range: stmt_range.clone(),
                    executes,
                });
            }
        }
        "import_from_statement" => {
            let Some(module_node) = field(stmt, "module_name") else {
                return;
            };
            let module = absolute_module(&text(module_node, src).split_whitespace().collect::<String>(), package);
            let mut cursor = stmt.walk();
            for child in stmt.children(&mut cursor) {
                if child.kind() == "wildcard_import" {
                    out.push(ImportBinding {
                        local: "*".into(),
                        target: ImportTarget::Star { module: module.clone() },
                        scope,
                        stmt_range: stmt_range.clone(),
                        executes: module.clone(),
                    });
                }
            }
            let mut cursor = stmt.walk();
            for name in stmt.children_by_field_name("name", &mut cursor) {
                let (member, local) = match name.kind() {
                    "dotted_name" => (text(name, src).to_owned(), text(name, src).to_owned()),
                    "aliased_import" => {
                        let member = field(name, "name").map(|n| text(n, src).to_owned()).unwrap_or_default();
                        let alias = field(name, "alias")
                            .map(|n| text(n, src).to_owned())
                            .unwrap_or_else(|| member.clone());
                        (member, alias)
                    }
                    _ => continue,
                };
                out.push(ImportBinding {
                    local,
                    target: ImportTarget::Member {
                        module: module.clone(),
                        name: member,
                    },
                    scope,
                    stmt_range: stmt_range.clone(),
                    executes: module.clone(),
                });
            }
        }
        _ => {}
    }
}

pub fn function_summary(def: Node<'_>, src: &str) -> FunctionSummary {
    let decorators = syntax::decorators(def)
        .into_iter()
        .filter_map(|d| {
            let callee = if d.kind() == "call" { field(d, "function")? } else { d };
            dotted(callee, src)
        })
        .collect();
    let params = field(def, "parameters")
        .map(|ps| params_of(ps, src))
        .unwrap_or_default();
    FunctionSummary {
        name: field(def, "name").map(|n| text(n, src).to_owned()).unwrap_or_default(),
        range: def.byte_range(),
        is_async: syntax::is_async(def),
        decorators,
        params,
    }
}

fn class_summary(def: Node<'_>, src: &str) -> ClassSummary {
    let name_node = field(def, "name");
    let mut bases = Vec::new();
    let mut base_type_args = Vec::new();
    if let Some(args) = field(def, "superclasses") {
        for arg in named_children(args) {
            match arg.kind() {
                "subscript" => {
                    if let Some(v) = field(arg, "value").and_then(|v| dotted(v, src)) {
                        bases.push(v);
                    }
                    let mut cursor = arg.walk();
                    for sub in arg.children_by_field_name("subscript", &mut cursor) {
                        if let Some(d) = dotted(sub, src) {
                            base_type_args.push(d);
                        }
                    }
                }
                "keyword_argument" => {}
                _ => {
                    if let Some(d) = dotted(arg, src) {
                        bases.push(d);
                    }
                }
            }
        }
    }
    let mut class = ClassSummary {
        name: name_node.map(|n| text(n, src).to_owned()).unwrap_or_default(),
        range: def.byte_range(),
        name_range: name_node.map(|n| n.byte_range()).unwrap_or(def.byte_range()),
        bases,
        base_type_args,
        attrs: Vec::new(),
        annotations: Vec::new(),
        methods: Vec::new(),
        meta: Vec::new(),
    };
    for stmt in syntax::body_statements(def) {
        let inner = syntax::definition_of(stmt);
        match inner.kind() {
            "function_definition" => class.methods.push(function_summary(inner, src)),
            "class_definition" if field(inner, "name").is_some_and(|n| text(n, src) == "Meta") => {
                for s in syntax::body_statements(inner) {
                    collect_class_assignment(s, src, &mut class.meta, &mut Vec::new());
                }
            }
            "expression_statement" => collect_class_assignment(stmt, src, &mut class.attrs, &mut class.annotations),
            _ => {}
        }
    }
    class
}

fn collect_class_assignment(stmt: Node<'_>, src: &str, attrs: &mut Vec<ClassAttr>, annotations: &mut Vec<Annotation>) {
    if stmt.kind() != "expression_statement" {
        return;
    }
    let Some(expr) = stmt.named_child(0) else { return };
    if expr.kind() != "assignment" {
        return;
    }
    let Some((names, right)) = chained_assignment(expr, src) else {
        return;
    };
    if let (Some(ty), Some(left)) = (field(expr, "type"), field(expr, "left")) {
        annotations.push(Annotation {
            name: names[0].clone(),
            type_range: ty.byte_range(),
            name_range: left.byte_range(),
        });
    }
    if let Some(right) = right {
        let value = value_of(right, src);
        for name in names {
            attrs.push(ClassAttr {
                name,
                value: value.clone(),
                range: expr.byte_range(),
            });
        }
    }
}

/// The names an assignment binds and the value it binds them to:
/// `default_text = notes = models.TextField()` binds both names to the
/// innermost value (`None` for a bare annotation). `None` when a target
/// is not a plain name (`a.b = …`, `a, b = …`).
fn chained_assignment<'t>(expr: Node<'t>, src: &str) -> Option<(Vec<String>, Option<Node<'t>>)> {
    let mut names = Vec::new();
    let mut node = expr;
    loop {
        let left = field(node, "left").filter(|l| l.kind() == "identifier")?;
        names.push(text(left, src).to_owned());
        match field(node, "right") {
            Some(inner) if inner.kind() == "assignment" => node = inner,
            right => return Some((names, right)),
        }
    }
}

pub fn value_of(node: Node<'_>, src: &str) -> AssignedValue {
    value_at(node, src, 0)
}

/// How deeply [`AssignedValue`]s nest (calls in calls' arguments); deeper ones are
/// `AssignedValue::Other`, so neither reading nor dropping one recurses with the input.
const MAX_VALUE_DEPTH: u32 = 16;

fn value_at(node: Node<'_>, src: &str, depth: u32) -> AssignedValue {
    if depth > MAX_VALUE_DEPTH {
        return AssignedValue::Other;
    }
    let node = syntax::unparen(node);
    match node.kind() {
        "call" => {
            let callee_node = field(node, "function");
            let (callee, is_dotted) = match callee_node.and_then(|c| dotted(c, src)) {
                Some(d) => (d, true),
                None => (callee_node.map(|c| text(c, src).to_owned()).unwrap_or_default(), false),
            };
            let mut args = Vec::new();
            if let Some(arglist) = field(node, "arguments") {
                for a in named_children(arglist) {
                    match a.kind() {
                        "keyword_argument" => args.push(AssignedArg {
                            keyword: field(a, "name").map(|n| text(n, src).to_owned()),
                            value: field(a, "value")
                                .map(|v| value_at(v, src, depth + 1))
                                .unwrap_or(AssignedValue::Other),
                        }),
                        "comment" => {}
                        _ => args.push(AssignedArg {
                            keyword: None,
                            value: value_at(a, src, depth + 1),
                        }),
                    }
                }
            }
            AssignedValue::Call {
                callee,
                dotted: is_dotted,
                args,
                range: node.byte_range(),
            }
        }
        "string" | "concatenated_string" => match python::string_value(node, src) {
            Some(s) => AssignedValue::Str(s, node.byte_range()),
            None => AssignedValue::Other,
        },
        "list" | "tuple" | "set" => {
            let mut items = Vec::new();
            for item in named_children(node) {
                if item.kind() == "comment" {
                    continue;
                }
                match python::string_value(item, src) {
                    Some(s) => items.push((s, item.byte_range())),
                    None => return AssignedValue::Other,
                }
            }
            AssignedValue::Strings(items)
        }
        "true" => AssignedValue::Bool(true),
        "false" => AssignedValue::Bool(false),
        "identifier" | "attribute" => dotted(node, src)
            .map(AssignedValue::Name)
            .unwrap_or(AssignedValue::Other),
        _ => AssignedValue::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary_of(src: &str) -> ModuleSummary {
        let tree = syntax::parse(src).expect("parses");
        summarize(&tree, src, "")
    }

    #[test]
    fn a_chained_assignment_binds_every_name() {
        let s = summary_of("Product = Item = apps.get_model('shop', 'Product')\n");
        for name in ["Product", "Item"] {
            let Some(TopLevel::Assignment(i)) = s.binding(name) else {
                panic!("{name} is bound by the assignment");
            };
            assert!(
                matches!(&s.assignments[i].value, AssignedValue::Call { callee, .. } if callee == "apps.get_model")
            );
        }
    }
}
