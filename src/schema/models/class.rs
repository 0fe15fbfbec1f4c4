//! One class declaration read: its app, its bases resolved (workspace
//! classes, Django's model base, contrib models, unknown packages), its
//! `class Meta` and the names its body binds, each field call handed to
//! `fields.rs`. Builds no `ModelState` (that is `inheritance.rs`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use tree_sitter::Node;

use super::fields::Callee;
use super::modules::{class_name, module_classes};
use super::{source, AppSpec, Base, ClassDecl, DeclId, DeclScope, ModelReader};
use crate::index::{ClassRef, Symbol, WorkspaceIndex};
use crate::schema::state::Origin;
use crate::schema::value;
use crate::syntax::{self, dotted, field, named_children, text};

/// Qualified names of the model base class.
const MODEL_ROOTS: &[&str] = &[
    "django.db.models.Model",
    "django.db.models.base.Model",
    "reflex_django.Model",
    "reflex_django.django.Model",
    "reflex_django.django.model.Model",
];

impl<'a> ModelReader<'a> {
    /// The apps whose folders hold `path`, innermost first.
    pub(super) fn apps_above<'p>(&'p self, path: &'p Path) -> impl Iterator<Item = &'a AppSpec> + 'p {
        path.ancestors().filter_map(|dir| self.apps_by_dir.get(dir).copied())
    }

    /// The app label of a class in `scope` (before `Meta.app_label`).
    fn app_of(&self, scope: DeclScope, node: Node<'_>, src: &str) -> Option<String> {
        match scope {
            DeclScope::Builtin => {
                // The nearest `# app: label` comment above the class.
                let before = &src[..node.start_byte()];
                let at = before.rfind("# app: ")?;
                Some(before[at + 7..].lines().next()?.trim().to_owned())
            }
            DeclScope::File(f) => self
                .apps_above(&self.index.file(f).path)
                .next()
                .map(|a| a.label.clone()),
        }
    }

    /// The declaration of class `name` at module level of `scope`, read on first use.
    pub(super) fn decl(&mut self, scope: DeclScope, name: &str) -> Option<DeclId> {
        let key = (scope, name.to_owned());
        if let Some(&id) = self.by_class.get(&key) {
            return Some(id);
        }
        if !self.visiting.insert(key.clone()) {
            return None; // a cycle in the bases
        }
        let decl = self.read_class(scope, name);
        self.visiting.remove(&key);
        let decl = decl?;
        let id = self.decls.len();
        self.decls.push(decl);
        self.by_class.insert(key, id);
        Some(id)
    }

    fn read_class(&mut self, scope: DeclScope, name: &str) -> Option<ClassDecl> {
        let index: &'a WorkspaceIndex = self.index;
        let (src, root) = source(index, scope)?;
        let classes = self
            .module_classes
            .entry(scope)
            .or_insert_with(|| {
                let by_name = module_classes(root)
                    .into_iter()
                    .map(|(n, _)| (class_name(n, src), (n.start_byte(), n.end_byte())));
                Arc::new(by_name.collect())
            })
            .clone();
        let &(start, end) = classes.get(name)?;
        let node = root.descendant_for_byte_range(start, end)?;
        if node.kind() != "class_definition" {
            return None;
        }
        let mut bases = Vec::new();
        // A metaclass of the project's own (Mayan EDMS rewrites a field's
        // `help_text` in one) may change any field as the class is built.
        let mut own_metaclass = false;
        if let Some(supers) = field(node, "superclasses") {
            for b in named_children(supers) {
                if b.kind() == "keyword_argument" {
                    let is_metaclass = field(b, "name").is_some_and(|n| text(n, src) == "metaclass");
                    let value = field(b, "value").and_then(|v| dotted(v, src)).unwrap_or_default();
                    own_metaclass |= is_metaclass && !value.ends_with("ModelBase");
                    continue;
                }
                if b.kind() == "comment" {
                    continue;
                }
                bases.push(self.base(scope, b, src));
            }
        }
        let name_node = field(node, "name")?;
        let origin = match scope {
            DeclScope::File(f) => Some(Origin {
                path: self.index.file(f).path.clone(),
                range: name_node.byte_range(),
            }),
            DeclScope::Builtin => None,
        };
        let mut decl = ClassDecl {
            name: name.to_owned(),
            app: self.app_of(scope, node, src),
            bases,
            fields: Vec::new(),
            meta: None,
            meta_bases: Vec::new(),
            origin,
            unreadable: own_metaclass,
            other_names: Vec::new(),
            dynamic: false,
        };
        // `guid = name = models.CharField(…)`: one field instance bound to
        // several names. Django contributes it once per name still bound
        // at the end of the body, and it ends up named after the last one:
        // (chain, name) for each name, to see which remain.
        let mut chained: HashMap<String, usize> = HashMap::new();
        let mut chain_count = 0;
        let lookup_scope = scope;
        let (module_consts, class_consts) = self.constants(scope, node, src);
        let lookup = |n: &str| class_consts.get(n).or_else(|| module_consts.get(n)).cloned();
        for stmt in syntax::body_statements(node) {
            let def = syntax::definition_of(stmt);
            if def.kind() == "class_definition" && class_name(def, src) == "Meta" {
                let mut meta = BTreeMap::new();
                for m in syntax::body_statements(def) {
                    if let Some((k, v)) = simple_assignment(m) {
                        meta.insert(text(k, src).to_owned(), value::parse(v, src, &lookup));
                    }
                }
                if let Some(supers) = field(def, "superclasses") {
                    for b in named_children(supers) {
                        if let Some(d) = dotted(b, src) {
                            if let Some(owner) = d.strip_suffix(".Meta") {
                                if let Base::Class(id) = self.base_named(lookup_scope, owner) {
                                    decl.meta_bases.push(id);
                                }
                            }
                        }
                    }
                }
                decl.meta = Some(meta);
                continue;
            }
            if def.kind() == "function_definition" {
                if let Some(name) = field(def, "name") {
                    decl.other_names.push(text(name, src).to_owned());
                }
                continue;
            }
            let Some((target, mut value_node)) = simple_assignment(stmt) else {
                continue;
            };
            // The names of a chained assignment, and the value they all get.
            let mut targets = vec![target];
            while value_node.kind() == "assignment" {
                match (field(value_node, "left"), field(value_node, "right")) {
                    (Some(l), Some(r)) if l.kind() == "identifier" => {
                        targets.push(l);
                        value_node = r;
                    }
                    _ => break,
                }
            }
            if value_node.kind() == "assignment" {
                decl.unreadable = true;
                continue;
            }
            for t in &targets {
                chained.remove(text(*t, src));
            }
            if targets.len() > 1 {
                chain_count += 1;
                for t in &targets {
                    chained.insert(text(*t, src).to_owned(), chain_count);
                }
            }
            let other = |decl: &mut ClassDecl| {
                for t in &targets {
                    decl.other_names.push(text(*t, src).to_owned());
                }
            };
            let value_node = syntax::unparen(value_node);
            if value_node.kind() != "call" {
                other(&mut decl);
                continue;
            }
            let Some(func) = field(value_node, "function").and_then(|f| dotted(f, src)) else {
                other(&mut decl);
                continue;
            };
            match self.callee(scope, &func) {
                Callee::Field(class, opaque) => {
                    for t in &targets {
                        let mut f = self.read_field(
                            scope,
                            text(*t, src),
                            class.clone(),
                            &func,
                            value_node,
                            stmt,
                            src,
                            &lookup,
                        );
                        f.opaque = opaque;
                        decl.fields.retain(|x| x.name != f.name);
                        decl.fields.push(f);
                    }
                }
                Callee::NotAField => other(&mut decl),
                Callee::Unknown => {
                    decl.unreadable = true;
                    decl.dynamic = true;
                }
            }
        }
        // One instance still bound to two names: Django's result (one
        // field, named after the last, contributed twice) is not modelled.
        let mut chains: Vec<usize> = chained.into_values().collect();
        chains.sort_unstable();
        if chains.windows(2).any(|w| w[0] == w[1]) {
            decl.unreadable = true;
        }
        Some(decl)
    }

    /// What a base class expression is.
    fn base(&mut self, scope: DeclScope, node: Node<'_>, src: &str) -> Base {
        let node = if node.kind() == "subscript" {
            field(node, "value").unwrap_or(node)
        } else {
            node
        };
        match dotted(node, src) {
            Some(d) => self.base_named(scope, &d),
            None => Base::Unknown,
        }
    }

    pub(super) fn base_named(&mut self, scope: DeclScope, dotted_name: &str) -> Base {
        match scope {
            DeclScope::Builtin => {
                if dotted_name == "models.Model" {
                    return Base::Model;
                }
                match self.decl(DeclScope::Builtin, dotted_name) {
                    Some(id) => Base::Class(id),
                    None => Base::Unknown,
                }
            }
            DeclScope::File(f) => match self.index.resolve_dotted(f, dotted_name, None) {
                Symbol::Class(ClassRef { file, index }) => {
                    let name = self.index.file(file).summary().classes[index].name.clone();
                    match self.decl(DeclScope::File(file), &name) {
                        Some(id) => Base::Class(id),
                        None => Base::Unknown,
                    }
                }
                Symbol::External(q) => self.external_base(&q),
                _ if matches!(dotted_name, "object" | "Generic" | "ABC") => Base::Plain,
                _ => Base::Unknown,
            },
        }
    }

    fn external_base(&mut self, q: &str) -> Base {
        if MODEL_ROOTS.contains(&q) {
            return Base::Model;
        }
        if q.starts_with("django.contrib.") {
            let last = q.rsplit('.').next().unwrap_or(q);
            return match self.decl(DeclScope::Builtin, last) {
                Some(id) => Base::Class(id),
                // `ModelAdmin`, `AppConfig`, forms: Django's, not models.
                None => Base::Plain,
            };
        }
        // Django's own classes other than the model base are not models
        // (managers, QuerySets, choices, forms); nor are the stdlib's.
        if q.starts_with("django.") || q.starts_with("typing.") || q.starts_with("abc.") || q == "object" {
            return Base::Plain;
        }
        Base::Unknown
    }
}

/// `name = value` as a statement: the name and value nodes.
pub fn simple_assignment(stmt: Node<'_>) -> Option<(Node<'_>, Node<'_>)> {
    if stmt.kind() != "expression_statement" {
        return None;
    }
    let assign = stmt.named_child(0)?;
    if assign.kind() != "assignment" {
        return None;
    }
    let left = field(assign, "left")?;
    if left.kind() != "identifier" {
        return None;
    }
    Some((left, field(assign, "right")?))
}
