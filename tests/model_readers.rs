//! Issue 16, "two readers of Django models that already disagree": a
//! workspace model class is read twice — by the index for the checker
//! (`index::models`: `ModelInfo` with its `FieldInfo`s) and by the schema
//! for RDJ503 and the live drift (`schema::models::read_models`:
//! `ModelState` with deconstructed fields). This test reads the same
//! projects with both and compares what both claim to know, model by model:
//!
//! - the model is a concrete model (not abstract) on both sides;
//! - its fields by name — declared and inherited, multi-table parents'
//!   fields included — each with its relation kind (FK / O2O / M2M), its
//!   target model, `related_name`, `primary_key` and `unique`;
//! - whether `obj.id` exists (the automatic primary key, its own or a
//!   multi-table parent's);
//! - its multi-table parents, transitively.
//!
//! What each side means, so that like is compared with like:
//! - The schema's `ModelState` is Django's `ModelState.from_model`: a
//!   model's *local* fields only, with the auto-created `id` and
//!   `<parent>_ptr` links, a proxy without fields. Its projection walks the
//!   concrete bases (`bases`) to collect every field an instance has and
//!   leaves the auto-created ones out (they are `id_attribute` and `parents`).
//! - The index's `fields` are the fields written in the class and its model
//!   bases (abstract and concrete), never the auto-created ones; `obj.id` is
//!   its `own_member("id")`; its `parents` hold abstract bases too, which
//!   are left out.
//! - Targets name models by identity: a workspace model as the schema keys
//!   it (the class's `app.model`), whatever label the index gave it.
//!
//! Models the schema calls `uncertain` (a base or a class attribute it
//! cannot see into) are skipped, as are models whose multi-table parents
//! are; every other model both readers know is compared. Inputs: the
//! fixture projects, every scenario of the schema corpus (its file steps
//! applied to a copy of its fixture), the released packages of
//! `tests/real_packages.txt` (`RDJ_REAL_PACKAGES`, else
//! `.cache/real-packages`; skipped without them, failing under `CI`), and
//! any folders named in `RDJ_MODEL_READERS_TREES` (`path1:path2`, for
//! released applications compared by hand).

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use reflex_django_lsp::index::{ClassRef, FieldKind, ModelId, ModelInfo, Symbol, WorkspaceIndex};
use reflex_django_lsp::python::value::Value;
use reflex_django_lsp::schema::project::analyze;
use reflex_django_lsp::schema::settings::discover_projects;
use reflex_django_lsp::schema::state::{Field, ModelKey, ModelState, ProjectState};

/// The Django version the projects are read for (the fixtures pin 5.2).
const DJANGO: (u32, u32) = (5, 2);

/// How the index's view names a model of an installed package it saw
/// imported (`from django_celery_beat.models import ClockedSchedule`).
const INSTALLED: &str = "installed:";

/// What both readers say about one field.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldView {
    kind: FieldKind,
    /// The related model as `app.model` (relations only); `None`: unknown.
    target: Option<String>,
    related_name: Option<String>,
    primary_key: bool,
    /// `unique=True`, or a one-to-one field (not merely the primary key).
    unique: bool,
    /// A private field (index only): a workspace class that registers itself
    /// `private_only` or extends `GenericRelation`. It has no migration, so
    /// the schema leaves it out; on an instance it is an attribute like any
    /// field (`obj.history`, `filter(history__…)`), which the index keeps.
    private: bool,
}

/// What both readers say about one model.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct ModelView {
    is_abstract: bool,
    fields: BTreeMap<String, FieldView>,
    /// `obj.id` exists.
    id_attribute: bool,
    /// Concrete multi-table parents, transitively, as `app.model`.
    parents: BTreeSet<String>,
}

/// The comparison over one input.
#[derive(Debug, Default)]
struct Tally {
    compared: usize,
    uncertain: usize,
    /// Relations whose target only the schema knows (see `Meanings::same_field`).
    index_silent: usize,
    disagreements: Vec<String>,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.compared += other.compared;
        self.uncertain += other.uncertain;
        self.index_silent += other.index_silent;
        self.disagreements.extend(other.disagreements);
    }
}

/// A field Django adds (the automatic `id`, a `<parent>_ptr` link): the
/// schema marks it `auto_created` and gives it no line of its own (a field
/// written `id = AutoField(auto_created=True, …)` keeps its line).
fn is_auto_created(f: &Field, model: &ModelState) -> bool {
    matches!(f.kwarg("auto_created"), Some(Value::Bool(true))) && f.origin == model.origin
}

fn flag(f: &Field, name: &str) -> bool {
    matches!(f.kwarg(name), Some(Value::Bool(true)))
}

/// A schema field as the view: its kind from the Django class it is (or
/// derives from).
fn schema_field(f: &Field) -> FieldView {
    let kind = match f.class.as_deref() {
        Some("ForeignKey") => FieldKind::ForeignKey,
        Some("OneToOneField") => FieldKind::OneToOne,
        Some("ManyToManyField") => FieldKind::ManyToMany,
        _ => FieldKind::Plain,
    };
    FieldView {
        kind,
        target: (kind != FieldKind::Plain)
            .then(|| f.target().map(|k| k.to_string()))
            .flatten(),
        related_name: f.kwarg("related_name").and_then(Value::as_str).map(str::to_owned),
        primary_key: f.primary_key(),
        unique: flag(f, "unique") || kind == FieldKind::OneToOne,
        private: false,
    }
}

/// The schema's model with its concrete parents' fields (an instance's
/// fields), `None` when a parent is not in the state or is uncertain.
fn schema_view(state: &ProjectState, uncertain: &BTreeSet<ModelKey>, model: &ModelState) -> Option<ModelView> {
    let mut view = ModelView::default();
    let mut chain = vec![model];
    let mut i = 0;
    while i < chain.len() && chain.len() < 64 {
        for base in &chain[i].bases {
            if uncertain.contains(base) {
                return None;
            }
            let parent = state.get(base)?;
            if view.parents.insert(base.to_string()) {
                chain.push(parent);
            }
        }
        i += 1;
    }
    for m in chain.iter().rev() {
        for f in &m.fields {
            if f.name == "id" {
                view.id_attribute = true;
            }
            if !is_auto_created(f, m) {
                view.fields.insert(f.name.clone(), schema_field(f));
            }
        }
    }
    Some(view)
}

/// Who the readers are for one project: the index, and the schema's keys
/// of the workspace classes (targets are compared by identity).
struct Readers<'a> {
    index: &'a WorkspaceIndex,
    schema_key_of: HashMap<(usize, usize), ModelKey>,
}

impl Readers<'_> {
    /// A model the index knows, as `app.model`: the schema's key for a
    /// workspace class, else the index's label and name.
    fn key_of(&self, id: ModelId) -> String {
        let m = self.index.model(id);
        if !m.fields_known {
            // A model of an installed package, seen only imported: known
            // by its qualified name, no app label.
            return format!("{INSTALLED}{}", m.qualname);
        }
        m.class
            .and_then(|c| self.schema_key_of.get(&(c.file, c.index)))
            .map(ModelKey::to_string)
            .unwrap_or_else(|| ModelKey::new(&m.app_label, &m.name).to_string())
    }

    fn index_view(&self, m: &ModelInfo) -> ModelView {
        let mut view = ModelView {
            is_abstract: m.is_abstract,
            id_attribute: m.own_member("id").is_some(),
            ..ModelView::default()
        };
        for f in m.fields() {
            if f.decl.is_none() && f.name == "id" && f.primary_key {
                // The contrib models' table lists their automatic `id` as a
                // field (a multi-table child of `auth.Group` inherits it);
                // the schema's is auto-created: both are `id_attribute`.
                continue;
            }
            let field = FieldView {
                kind: f.kind,
                target: f.target.map(|t| self.key_of(t)),
                related_name: f.related_name.clone(),
                primary_key: f.primary_key,
                unique: f.unique,
                private: f.decl.as_ref().is_some_and(|(file, _)| {
                    match self.index.resolve_dotted(*file, &f.class_name, None) {
                        Symbol::Class(c) => {
                            self.index.registers_private_field(c) || self.index.extends_generic_relation(c)
                        }
                        _ => false,
                    }
                }),
            };
            view.fields.insert(f.name.clone(), field);
        }
        for &p in &m.members().parents {
            if !self.index.model(p).is_abstract {
                view.parents.insert(self.key_of(p));
            }
        }
        view
    }
}

/// The workspace class a schema model was read from.
fn class_of(index: &WorkspaceIndex, model: &ModelState) -> Option<ClassRef> {
    let origin = model.origin.as_ref()?;
    let file = index.file_by_path(&origin.path)?;
    let at = origin.range.start;
    index
        .file(file)
        .summary()
        .classes
        .iter()
        .enumerate()
        .find_map(|(i, c)| {
            (c.name == model.name && c.range.start <= at && at < c.range.end.max(at + 1))
                .then_some(ClassRef { file, index: i })
        })
}

/// What the readers may know differently by design, for one project.
struct Meanings {
    /// The user model as the schema reads the project's settings
    /// (`AUTH_USER_MODEL`); `None` when they cannot be read.
    schema_user: Option<String>,
    /// The user model as the index reads it: the workspace's one
    /// `AUTH_USER_MODEL` assignment, read without settings (a package with
    /// test settings swapping it has one user model for the whole index).
    index_user: Option<String>,
}

impl Meanings {
    /// Do two views of a field differ only where the readers mean
    /// different things on purpose?
    fn same_field(&self, schema: &FieldView, index: &FieldView) -> bool {
        let targets_agree = match (&schema.target, &index.target) {
            (s, i) if s == i => true,
            // `settings.AUTH_USER_MODEL` (or `get_user_model()`): each names
            // its user model; which one that is, is compared by neither.
            (s, Some(i)) if s == &self.schema_user && Some(i) == self.index_user.as_ref() => true,
            // Precision first: the index reads a relation's target from the
            // call alone (a class, a string, `settings.AUTH_USER_MODEL`) and
            // leaves unknown what it cannot find there — a module constant
            // (`ForeignKey(user_model_label)`), a model it does not see as
            // one; unknown is never reported. The schema reads constants.
            // (Counted: `Tally::index_silent`.)
            (Some(_), None) => true,
            // The index knows a relation's target is a model of an installed
            // package by its import; the schema reads only the workspace's
            // models (and Django's contrib ones) and leaves it unknown.
            (None, Some(i)) => i.starts_with(INSTALLED),
            _ => false,
        };
        targets_agree
            && FieldView {
                target: None,
                ..schema.clone()
            } == FieldView {
                target: None,
                ..index.clone()
            }
    }
}

/// The differences between the two views of one model, one line each.
fn differences(schema: &ModelView, index: &ModelView, meanings: &Meanings) -> Vec<String> {
    let mut out = Vec::new();
    if schema.is_abstract != index.is_abstract {
        out.push(format!(
            "abstract: schema {} / index {}",
            schema.is_abstract, index.is_abstract
        ));
    }
    if schema.id_attribute != index.id_attribute {
        out.push(format!(
            "`id`: schema {} / index {}",
            schema.id_attribute, index.id_attribute
        ));
    }
    if schema.parents != index.parents {
        out.push(format!(
            "parents: schema {:?} / index {:?}",
            schema.parents, index.parents
        ));
    }
    let names: BTreeSet<&String> = schema.fields.keys().chain(index.fields.keys()).collect();
    for name in names {
        match (schema.fields.get(name), index.fields.get(name)) {
            (Some(s), Some(i)) if !meanings.same_field(s, i) => {
                out.push(format!("field `{name}`: schema {s:?} / index {i:?}"))
            }
            (Some(_), None) => out.push(format!("field `{name}`: only the schema has it")),
            (None, Some(i)) if !i.private => out.push(format!("field `{name}`: only the index has it")),
            _ => {}
        }
    }
    out
}

/// Both readers over every project of one folder.
fn compare_tree(root: &Path) -> Tally {
    let index = common::load_tree(root).index;
    let mut tally = Tally::default();
    for project in discover_projects(&index, &|_| None, &|p: &Path| p.exists()) {
        let schema = analyze(&index, project, DJANGO);
        let declared = &schema.declared;
        let workspace_models: Vec<(&ModelKey, &ModelState, ClassRef)> = declared
            .state
            .models
            .iter()
            .filter_map(|(key, model)| Some((key, model, class_of(&index, model)?)))
            .collect();
        let readers = Readers {
            index: &index,
            schema_key_of: workspace_models
                .iter()
                .map(|(key, _, c)| ((c.file, c.index), (*key).clone()))
                .collect(),
        };
        let meanings = Meanings {
            schema_user: ModelKey::parse(&schema.project.auth_user_model).map(|k| k.to_string()),
            index_user: index.auth_user().map(|u| readers.key_of(u)),
        };
        for (key, model, class) in &workspace_models {
            let where_ = format!("{} {key}", root.display());
            if declared.uncertain.contains(key) {
                tally.uncertain += 1;
                continue;
            }
            let Some(schema_view) = schema_view(&declared.state, &declared.uncertain, model) else {
                tally.uncertain += 1;
                continue;
            };
            tally.compared += 1;
            let Some(id) = index.model_of_class(*class) else {
                tally
                    .disagreements
                    .push(format!("{where_}: the index does not see a model"));
                continue;
            };
            let info = index.model(id);
            let index_view = readers.index_view(&info);
            tally.index_silent += schema_view
                .fields
                .iter()
                .filter(|(name, f)| {
                    f.target.is_some()
                        && index_view
                            .fields
                            .get(*name)
                            .is_some_and(|i| i.kind == f.kind && i.target.is_none())
                })
                .count();
            for d in differences(&schema_view, &index_view, &meanings) {
                tally.disagreements.push(format!("{where_}: {d}"));
            }
        }
    }
    tally
}

/// Asserts no disagreement and that the input had models to compare.
fn assert_agree(input: &str, tally: &Tally, min_compared: usize) {
    eprintln!(
        "{input}: {} models compared, {} uncertain skipped, {} relation targets only the schema reads, {} disagreements",
        tally.compared,
        tally.uncertain,
        tally.index_silent,
        tally.disagreements.len()
    );
    assert!(
        tally.disagreements.is_empty(),
        "{input}: the readers disagree:\n{}",
        tally.disagreements.join("\n")
    );
    assert!(
        tally.compared >= min_compared,
        "{input}: only {} models compared (at least {min_compared} expected)",
        tally.compared
    );
}

#[test]
fn fixture_projects() {
    for (fixture, at_least) in [("shop", 8), ("accounts", 3), ("library", 10)] {
        let tally = compare_tree(&common::repo().join("fixtures").join(fixture));
        assert_agree(fixture, &tally, at_least);
    }
}

/// A scenario's steps that change files, applied to `project` (database
/// and `manage.py` steps change no model).
fn apply_file_steps(scenario: &toml::Table, project: &Path) {
    for phase in ["before", "after"] {
        let steps = scenario
            .get(phase)
            .and_then(|s| s.as_array())
            .cloned()
            .unwrap_or_default();
        for step in steps {
            let text = |key: &str| step.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let path = project.join(text("file"));
            match text("kind").as_str() {
                "edit" => {
                    let before = std::fs::read_to_string(&path).unwrap();
                    assert_eq!(before.matches(&text("old")).count(), 1, "{}", path.display());
                    std::fs::write(&path, before.replace(&text("old"), &text("new"))).unwrap();
                }
                "write" => {
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    std::fs::write(&path, text("text")).unwrap();
                }
                "delete" => {
                    let files: Vec<String> = match step.get("files").and_then(|v| v.as_array()) {
                        Some(list) => list.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
                        None => vec![text("file")],
                    };
                    for f in files {
                        std::fs::remove_file(project.join(f)).unwrap();
                    }
                }
                "move" => {
                    let to = project.join(text("to"));
                    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                    std::fs::rename(&path, &to).unwrap();
                }
                _ => {}
            }
        }
    }
}

#[test]
fn schema_corpus_scenarios() {
    let dir = common::repo().join("tests/schema/scenarios");
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 40, "{} scenarios", scenarios.len());
    let mut all = Tally::default();
    for path in &scenarios {
        let scenario: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let fixture = scenario["fixture"].as_str().unwrap();
        let work = tempfile::tempdir().unwrap();
        let project = work.path().join(fixture);
        common::copy_project(&common::repo().join("fixtures").join(fixture), &project);
        apply_file_steps(&scenario, &project);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let tally = compare_tree(&project);
        assert!(tally.compared > 0, "{name}: no model compared");
        all.add(tally);
    }
    assert_agree(&format!("{} corpus scenarios", scenarios.len()), &all, scenarios.len());
}

#[test]
fn released_packages() {
    let packages = match common::real_packages() {
        Ok(p) => p,
        Err(why) => return common::skip_or_fail(&why),
    };
    let mut all = Tally::default();
    for (req, archive) in &packages {
        let dir = tempfile::tempdir().unwrap();
        common::unpack_archive(archive, dir.path());
        let tally = compare_tree(dir.path());
        eprintln!("  {req}: {} compared, {} uncertain", tally.compared, tally.uncertain);
        all.add(tally);
    }
    assert_agree(&format!("{} released packages", packages.len()), &all, 300);
}

/// Folders compared by hand (`RDJ_MODEL_READERS_TREES=path1:path2`): the
/// released applications; nothing without the variable.
#[test]
fn trees_named_by_the_environment() {
    let Some(trees) = std::env::var_os("RDJ_MODEL_READERS_TREES") else {
        eprintln!("skipped: RDJ_MODEL_READERS_TREES names no folder");
        return;
    };
    let mut all = Tally::default();
    let mut names = Vec::new();
    for tree in std::env::split_paths(&trees) {
        let tally = compare_tree(&tree);
        eprintln!(
            "  {}: {} compared, {} uncertain, {} relation targets only the schema reads, {} disagreements",
            tree.display(),
            tally.compared,
            tally.uncertain,
            tally.index_silent,
            tally.disagreements.len()
        );
        names.push(tree.display().to_string());
        all.add(tally);
    }
    assert_agree(&names.join(", "), &all, 1);
}
