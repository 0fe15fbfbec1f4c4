//! One item of a migration's `operations` list read into [`Operation`]s:
//! Django's operation classes and their arguments (fields as migrations
//! write them), a class of the project's own (`project_ops.rs`), and
//! `*[…]` splices and comprehensions over module constants expanded. Reads
//! expressions only through [`Syntax`]; never applies an operation to a
//! state (`replay.rs`).

use std::collections::BTreeMap;
use std::ops::Range;

use super::expr::{Arg, Clause, Syntax};
use super::{project_ops, Operation};
use crate::index::{FileId, WorkspaceIndex};
use crate::knowledge::models::fields::{positional_names, DJANGO_FIELDS};
use crate::python::value::Value;
use crate::schema::models::qualify_bare;
use crate::schema::state::{Field, ModelKey, Origin};

/// What reading a migration's operations needs to know.
#[derive(Clone)]
pub(super) struct MigrationContext<'a> {
    pub(super) path: &'a std::path::Path,
    pub(super) app: &'a str,
    pub(super) auth_user_model: &'a str,
    pub(super) project: Option<(&'a WorkspaceIndex, FileId)>,
    /// The module's string constants (`MODEL = 'wirelesslangroup'`), for
    /// the names of models and fields.
    pub(super) constants: &'a BTreeMap<String, String>,
    /// The variables of the comprehensions being expanded, innermost last.
    pub(super) bound: Vec<(String, Value)>,
}

/// Items a comprehension may produce at most (a bound on the work one
/// expression can ask for).
const MAX_EXPANDED: usize = 10_000;

impl MigrationContext<'_> {
    fn origin(&self, range: Range<usize>) -> Origin {
        Origin {
            path: self.path.to_path_buf(),
            range,
        }
    }

    /// An expression's value, with the comprehension variables in scope
    /// (an attribute of one, `m.name`, is opaque).
    fn value<S: Syntax>(&self, node: S) -> Value {
        if self.bound.is_empty() {
            return node.value();
        }
        node.value_in(&|name| self.lookup(name))
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        self.bound.iter().rev().find_map(|(k, v)| {
            if name == k {
                Some(v.clone())
            } else {
                name.strip_prefix(k.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
                    .then(|| Value::Opaque(name.to_owned()))
            }
        })
    }

    /// One item of an operations list: an operation, or `*[…]` / `*(…)` /
    /// `*[op for x in ITEMS if …]` spliced in; `None` if we cannot tell
    /// what it holds.
    pub(super) fn operations<S: Syntax>(&self, item: S) -> Option<Vec<Operation>> {
        let Some(inner) = item.splat() else {
            return self.operation(item);
        };
        if let Some(list) = inner.literal_list() {
            return self.operations_of_list(list);
        }
        let (body, clauses) = inner.comprehension()?;
        let mut ops = Vec::new();
        let mut budget = MAX_EXPANDED;
        self.expand(body, &clauses, &mut ops, &mut budget)?;
        Some(ops)
    }

    /// The operations of a list's items, in order; `None` if one cannot be
    /// read.
    fn operations_of_list<S: Syntax>(&self, list: S) -> Option<Vec<Operation>> {
        let mut ops = Vec::new();
        for op in list.children() {
            ops.extend(self.operations(op)?);
        }
        Some(ops)
    }

    /// The operations a comprehension's `body` gives for each binding of
    /// `clauses` (in order, as Python runs them).
    fn expand<S: Syntax>(
        &self,
        body: S,
        clauses: &[Clause<S>],
        out: &mut Vec<Operation>,
        budget: &mut usize,
    ) -> Option<()> {
        let Some((first, rest)) = clauses.split_first() else {
            *budget = budget.checked_sub(1)?;
            out.extend(self.operation(body)?);
            return Some(());
        };
        match first {
            Clause::If(condition) => {
                if condition.truth(&|name| self.lookup(name))? {
                    self.expand(body, rest, out, budget)?;
                }
            }
            Clause::For { names, tuple, items } => {
                let values: Vec<Value> = match items.literal_list() {
                    Some(list) => list.children().into_iter().map(|i| self.value(i)).collect(),
                    None => match self.value(*items) {
                        Value::List(v) => v,
                        _ => return None,
                    },
                };
                for v in values {
                    let mut inner = self.clone();
                    match (tuple, v) {
                        (false, v) => inner.bound.push((names[0].clone(), v)),
                        (true, Value::List(parts)) if parts.len() == names.len() => {
                            inner.bound.extend(names.iter().cloned().zip(parts));
                        }
                        _ => return None,
                    }
                    inner.expand(body, rest, out, budget)?;
                }
            }
        }
        Some(())
    }

    /// One operation call; `None` if it is not one we understand.
    fn operation<S: Syntax>(&self, node: S) -> Option<Vec<Operation>> {
        let (func, args) = node.call()?;
        let func = func?;
        let op = func.rsplit('.').next().unwrap_or(&func);
        if let Some(ops) = self.django_operation(op, &args, node) {
            return Some(ops);
        }
        // A class of the project's (or a name the migration imports from it).
        let (index, file) = self.project?;
        match project_ops::resolve(index, file, &func)? {
            project_ops::ProjectOperation::NoStateChange => Some(vec![Operation::Nothing]),
            project_ops::ProjectOperation::Like(op) => self.django_operation(op, &args, node),
        }
    }

    /// Django's operation `op` (its class's name) called with `args`;
    /// `None` if it is not one or we cannot read its arguments.
    fn django_operation<S: Syntax>(&self, op: &str, args: &[Arg<S>], node: S) -> Option<Vec<Operation>> {
        self.django_operation_read(op, args, node)
            .or_else(|| self.models_touched(op, args))
    }

    /// Django's operation `op` whose arguments we could not all read (a
    /// field built by a helper, a computed list): the models it changes,
    /// when their names are readable, are all it may touch.
    fn models_touched<S: Syntax>(&self, op: &str, args: &[Arg<S>]) -> Option<Vec<Operation>> {
        let string = |i, name| self.string(argument(args, i, name)?);
        let models = match op {
            "RenameModel" => vec![string(0, "old_name")?, string(1, "new_name")?],
            "CreateModel"
            | "DeleteModel"
            | "AlterModelTable"
            | "AlterModelTableComment"
            | "AlterModelOptions"
            | "AlterUniqueTogether"
            | "AlterIndexTogether"
            | "AlterOrderWithRespectTo" => vec![string(0, "name")?],
            "AddField"
            | "AlterField"
            | "RemoveField"
            | "RenameField"
            | "AddIndex"
            | "RemoveIndex"
            | "RenameIndex"
            | "AddConstraint"
            | "RemoveConstraint"
            | "AlterConstraint"
            | "AddIndexConcurrently"
            | "RemoveIndexConcurrently" => vec![string(0, "model_name")?],
            _ => return None,
        };
        Some(vec![Operation::Unknown { models }])
    }

    /// A model's or field's name: a string, or a module constant bound to one.
    fn string<S: Syntax>(&self, node: S) -> Option<String> {
        match self.value(node) {
            Value::Str(s) => Some(s),
            Value::Name(n) => self.constants.get(&n).cloned(),
            _ => None,
        }
    }

    fn django_operation_read<S: Syntax>(&self, op: &str, args: &[Arg<S>], node: S) -> Option<Vec<Operation>> {
        let arg = |i: usize, name: &str| argument(args, i, name);
        let string = |i: usize, name: &str| self.string(arg(i, name)?);
        let one = |o: Operation| Some(vec![o]);
        match op {
            "CreateModel" => {
                let name = string(0, "name")?;
                let mut fields = Vec::new();
                let list = arg(1, "fields")?.unparen();
                for item in list.children() {
                    let item = item.unparen();
                    let parts = item.children();
                    if parts.len() != 2 {
                        return None;
                    }
                    let fname = self.value(parts[0]).as_str()?.to_owned();
                    fields.push(self.field(&fname, parts[1], item.range())?);
                }
                let options = arg(2, "options").map(|o| dict(&self.value(o))).unwrap_or_default();
                let bases = arg(3, "bases")
                    .map(|b| self.value(b).as_list().unwrap_or_default().to_vec())
                    .unwrap_or_default();
                one(Operation::CreateModel {
                    name,
                    fields,
                    options,
                    bases,
                    origin: self.origin(node.range()),
                })
            }
            "DeleteModel" => one(Operation::DeleteModel {
                name: string(0, "name")?,
            }),
            "RenameModel" => one(Operation::RenameModel {
                old: string(0, "old_name")?,
                new: string(1, "new_name")?,
            }),
            "AlterModelTable" => one(Operation::AlterModelTable {
                name: string(0, "name")?,
                table: self.value(arg(1, "table")?),
            }),
            "AlterModelOptions" => one(Operation::AlterModelOptions {
                name: string(0, "name")?,
                options: dict(&self.value(arg(1, "options")?)),
            }),
            "AlterModelTableComment" | "AlterUniqueTogether" | "AlterIndexTogether" | "AlterOrderWithRespectTo" => {
                // The option each sets, and the name of its argument.
                let (key, argument) = match op {
                    "AlterModelTableComment" => ("db_table_comment", "table_comment"),
                    "AlterUniqueTogether" => ("unique_together", "unique_together"),
                    "AlterIndexTogether" => ("index_together", "index_together"),
                    _ => ("order_with_respect_to", "order_with_respect_to"),
                };
                one(Operation::SetOption {
                    name: string(0, "name")?,
                    key,
                    value: self.value(arg(1, argument)?),
                })
            }
            "AddField" | "AlterField" => {
                let model = string(0, "model_name")?;
                let fname = string(1, "name")?;
                let mut f = self.field(&fname, arg(2, "field")?, node.range())?;
                let keep_default = arg(3, "preserve_default").map(|v| self.value(v));
                if matches!(keep_default, Some(Value::Bool(false))) {
                    f.kwargs.remove("default");
                }
                one(if op == "AddField" {
                    Operation::AddField { model, field: f }
                } else {
                    Operation::AlterField { model, field: f }
                })
            }
            "RemoveField" => one(Operation::RemoveField {
                model: string(0, "model_name")?,
                name: string(1, "name")?,
            }),
            "RenameField" => one(Operation::RenameField {
                model: string(0, "model_name")?,
                old: string(1, "old_name")?,
                new: string(2, "new_name")?,
            }),
            "AddIndex" | "AddIndexConcurrently" => one(Operation::AddItem {
                model: string(0, "model_name")?,
                key: "indexes",
                item: self.value(arg(1, "index")?),
            }),
            "RemoveIndex" | "RemoveIndexConcurrently" => one(Operation::RemoveItem {
                model: string(0, "model_name")?,
                key: "indexes",
                name: string(1, "name")?,
            }),
            "RenameIndex" => one(Operation::RenameIndex {
                model: string(0, "model_name")?,
                new: string(1, "new_name")?,
                old_name: string(2, "old_name"),
                old_fields: arg(3, "old_fields").map(|v| self.value(v)),
            }),
            "AddConstraint" => one(Operation::AddItem {
                model: string(0, "model_name")?,
                key: "constraints",
                item: self.value(arg(1, "constraint")?),
            }),
            "RemoveConstraint" => one(Operation::RemoveItem {
                model: string(0, "model_name")?,
                key: "constraints",
                name: string(1, "name")?,
            }),
            "AlterConstraint" => {
                let model = string(0, "model_name")?;
                let name = string(1, "name")?;
                let item = self.value(arg(2, "constraint")?);
                Some(vec![
                    Operation::RemoveItem {
                        model: model.clone(),
                        key: "constraints",
                        name,
                    },
                    Operation::AddItem {
                        model,
                        key: "constraints",
                        item,
                    },
                ])
            }
            "SeparateDatabaseAndState" => {
                let Some(list) = arg(1, "state_operations") else {
                    return Some(Vec::new());
                };
                // `state_operations=state_operations`, a list bound in the
                // class body or the module (django-oscar); else unreadable.
                self.operations_of_list(list.literal_list()?)
            }
            "RunPython" | "RunSQL" | "AlterModelManagers" | "CreateExtension" | "HStoreExtension"
            | "TrigramExtension" | "UnaccentExtension" | "BtreeGinExtension" | "BtreeGistExtension"
            | "CITextExtension" | "CryptoExtension" | "BloomExtension" | "CreateCollation" | "RemoveCollation"
            | "ValidateConstraint" => one(Operation::Nothing),
            _ => None,
        }
    }

    /// A field as a migration writes it (`models.CharField(max_length=200)`).
    fn field<S: Syntax>(&self, name: &str, call: S, at: Range<usize>) -> Option<Field> {
        let Value::Call { func, args, kwargs } = self.value(call) else {
            return None;
        };
        let last = func.rsplit('.').next().unwrap_or(&func).to_owned();
        // Django's own field (`models.JSONField`, `django.contrib.…`), not a
        // package's class of the same name (`djstripe.fields.JSONField`).
        let django = func == last || func.starts_with("models.") || func.starts_with("django.");
        let class = (django && DJANGO_FIELDS.contains(&last.as_str())).then(|| last.clone());
        let mut map = BTreeMap::new();
        let names = positional_names(class.as_deref().unwrap_or(""));
        for (i, a) in args.into_iter().enumerate() {
            map.insert(
                names.get(i).map(|n| (*n).to_owned()).unwrap_or_else(|| format!("#{i}")),
                a,
            );
        }
        map.extend(kwargs);
        for key in ["to", "through"] {
            let target = match map.get(key) {
                Some(Value::Name(n)) if n.ends_with("AUTH_USER_MODEL") => ModelKey::parse(self.auth_user_model),
                Some(Value::Str(s)) if s.contains('.') => ModelKey::parse(s),
                Some(Value::Str(s)) => ModelKey::parse(&qualify_bare(&format!("?.{s}"), self.app)),
                _ => None,
            };
            if let Some(t) = target {
                map.insert(key.to_owned(), Value::Str(t.to_string()));
            }
        }
        Some(Field {
            name: name.to_owned(),
            class,
            written_class: func,
            kwargs: map,
            origin: Some(self.origin(at)),
            opaque: false,
        })
    }
}

/// A call's argument: keyword `name`, else the `i`th positional one.
fn argument<S: Syntax>(args: &[Arg<S>], i: usize, name: &str) -> Option<S> {
    let mut positional = 0;
    for a in args {
        match a {
            Arg::Keyword(k, v) => {
                if k == name {
                    return *v;
                }
            }
            Arg::Positional(a) => {
                if positional == i {
                    return Some(*a);
                }
                positional += 1;
            }
        }
    }
    None
}

/// A dict value with string keys as a map (other keys are dropped).
fn dict(v: &Value) -> BTreeMap<String, Value> {
    match v {
        Value::Dict(pairs) => pairs
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.clone())))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// What NetBox's migrations write: operations the project defines, lists
/// spliced in with `*`, comprehensions over module constants.
#[cfg(test)]
mod project_operation_tests {
    use super::*;
    use crate::schema::migrations::{plan, read_app_migrations, replay, Migration};
    use crate::schema::models::tests::load_dir;

    const OPS: &str = "from django.db import migrations\n\n\nclass InstallTrigger(migrations.operations.base.Operation):\n    reversible = True\n\n    def __init__(self, table):\n        self.table = table\n\n    def state_forwards(self, app_label, state):\n        # Triggers are not part of the state.\n        pass\n\n    def database_forwards(self, app_label, schema_editor, from_state, to_state):\n        schema_editor.execute('CREATE TRIGGER …')\n\n\nclass ReinstallTrigger(InstallTrigger):\n    def database_backwards(self, app_label, schema_editor, from_state, to_state):\n        pass\n\n\nclass DeleteModelIfExists(migrations.DeleteModel):\n    def database_forwards(self, app_label, schema_editor, from_state, to_state):\n        pass\n\n\nclass RenamedAddField(migrations.AddField):\n    def __init__(self, model, name, field):\n        super().__init__(model, name, field)\n\n\nclass Changes(migrations.operations.base.Operation):\n    def state_forwards(self, app_label, state):\n        state.remove_model(app_label, 'thing')\n";

    /// The app `things` with `0001_initial` creating `Thing` and `Other`
    /// and `0002` holding `operations`; its migrations and readability.
    fn read(second: &str) -> (Vec<Migration>, bool) {
        let dir = tempfile::tempdir().unwrap();
        let mig = dir.path().join("things/migrations");
        std::fs::create_dir_all(&mig).unwrap();
        std::fs::write(dir.path().join("things/__init__.py"), "").unwrap();
        std::fs::write(dir.path().join("things/ops.py"), OPS).unwrap();
        std::fs::write(mig.join("__init__.py"), "").unwrap();
        std::fs::write(
            mig.join("0001_initial.py"),
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.CreateModel('Thing', [('id', models.AutoField(primary_key=True))]),\n        migrations.CreateModel('Other', [('id', models.AutoField(primary_key=True))]),\n    ]\n",
        )
        .unwrap();
        std::fs::write(mig.join("0002_more.py"), second).unwrap();
        let index = load_dir(dir.path());
        let files: Vec<FileId> = (0..index.files.len())
            .filter(|&f| index.file(f).path.starts_with(&mig))
            .collect();
        read_app_migrations(&index, "things", &files, "auth.User")
    }

    fn second(head: &str, ops: &str) -> String {
        format!("from django.db import migrations, models\n\nfrom things.ops import Changes, DeleteModelIfExists, InstallTrigger, ReinstallTrigger, RenamedAddField\n{head}\n\nclass Migration(migrations.Migration):\n    dependencies = [('things', '0001_initial')]\n\n    operations = [\n{ops}\n    ]\n")
    }

    /// The fields of `thing` and `other` after the replay.
    fn fields(migrations: &[Migration]) -> Vec<Vec<String>> {
        let state = replay(&plan(migrations));
        ["thing", "other"]
            .iter()
            .map(|m| {
                state
                    .get(&ModelKey::new("things", m))
                    .map(|s| s.fields.iter().map(|f| f.name.clone()).collect())
                    .unwrap_or_default()
            })
            .collect()
    }

    #[test]
    fn an_operation_whose_state_forwards_does_nothing_changes_nothing() {
        let (m, readable) = read(&second(
            "",
            "        InstallTrigger('things_thing'),\n        ReinstallTrigger(table='things_other'),",
        ));
        assert!(readable);
        assert_eq!(fields(&m), [vec!["id"], vec!["id"]]);
    }

    #[test]
    fn a_subclass_of_djangos_operation_is_that_operation() {
        let (m, readable) = read(&second("", "        DeleteModelIfExists(name='Other'),"));
        assert!(readable);
        assert_eq!(fields(&m), [vec!["id"], vec![]]);
    }

    #[test]
    fn what_a_project_operation_does_to_the_state_unread_is_unreadable() {
        // Its own `__init__` (arguments mapped anew), a real state change.
        for op in [
            "        RenamedAddField('thing', 'size', models.IntegerField()),",
            "        Changes(),",
            "        UnknownOperation(),",
        ] {
            assert!(!read(&second("", op)).1, "{op}");
        }
    }

    #[test]
    fn spliced_lists_and_comprehensions_over_constants_are_expanded() {
        let head = "MODELS = ('thing', 'other')\nFIELDS = ('a', 'b')\nMODEL = 'other'\n";
        let ops = "        *[migrations.AddField(model_name=m, name=f, field=models.IntegerField()) for m in MODELS for f in FIELDS if m != 'thing' or f == 'a'],\n        *[InstallTrigger(t) for t in ('things_thing', 'things_other')],\n        *(migrations.AddField(MODEL, 'c', models.TextField()),),\n        migrations.RemoveField(model_name=MODEL, name='a'),";
        let (m, readable) = read(&second(head, ops));
        assert!(readable);
        assert_eq!(fields(&m), [vec!["id", "a"], vec!["id", "b", "c"]]);
    }

    #[test]
    fn what_a_comprehension_holds_unread_is_unreadable() {
        for (head, ops) in [
            // An iterable, a condition, a target we do not evaluate.
            ("", "        *[migrations.DeleteModel(m) for m in models_to_delete()],"),
            (
                "MODELS = ('thing',)\n",
                "        *[migrations.DeleteModel(m) for m in MODELS if m.startswith('t')],",
            ),
            (
                "MODELS = ('thing',)\n",
                "        *[migrations.DeleteModel(m.name) for m in MODELS],",
            ),
            ("", "        *OTHER_OPERATIONS,"),
            // A constant bound twice.
            (
                "MODEL = 'thing'\nif True:\n    MODEL = 'other'\n",
                "        migrations.DeleteModel(MODEL),",
            ),
        ] {
            assert!(!read(&second(head, ops)).1, "{ops}");
        }
    }

    #[test]
    fn djangos_operation_with_arguments_we_cannot_read_leaves_only_its_models_uncertain() {
        let ops = "        migrations.AddField('thing', 'size', field=SIZE_FIELD),\n        migrations.AddField('other', 'size', models.IntegerField()),\n        migrations.RenameModel('Thing', 'Item'),";
        let (m, readable) = read(&second("", ops));
        assert!(readable);
        let state = replay(&plan(&m));
        let uncertain: Vec<String> = state.uncertain.iter().map(|k| k.to_string()).collect();
        assert_eq!(uncertain, ["things.item", "things.thing"]);
        assert_eq!(fields(&m)[1], ["id", "size"]);
        // A name we cannot read: any model of the app may be touched.
        assert!(
            !read(&second(
                "",
                "        migrations.AddField(model_name=name, name='size', field=SIZE_FIELD),"
            ))
            .1
        );
    }

    #[test]
    fn operations_assigned_in_a_block_are_unreadable() {
        let src = "from django.db import connection, migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('things', '0001_initial')]\n\n    if connection.vendor == 'postgresql':\n        operations = [migrations.DeleteModel('Thing')]\n    else:\n        operations = []\n";
        assert!(!read(src).1);
    }
}
