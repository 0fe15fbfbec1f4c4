//! An app's migration files read into [`Migration`]s: which files are
//! migrations, squashes read first (the files they replace only for their
//! name and place), the fast reader (`fast.rs`) tried before a tree-sitter
//! parse, and the `dependencies`, `replaces` and `operations` assignments
//! of `class Migration`. What an operation call means is `operations.rs`'s;
//! never orders migrations (`plan.rs`) nor changes a state (`replay.rs`).

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use tree_sitter::Node;

use super::expr::{Fast, Syntax, Ts};
use super::operations::MigrationContext;
use super::{fast, Migration, MigrationKey};
use crate::index::{FileId, WorkspaceIndex};
use crate::python::value::Value;
use crate::schema::models::simple_assignment;
use crate::schema::state::{ModelKey, Origin};
use crate::schema::value;
use crate::syntax::{self, field, named_children, text};

/// Migration files read by the fast reader so far in this process (for
/// the benchmarks' statistics, see `syntax::full_parses`).
static FAST_READS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub fn fast_reads() -> usize {
    FAST_READS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Expressions of migration files the fast reader had tree-sitter parse
/// alone (counted by `syntax::full_parses` too).
pub fn snippet_parses() -> usize {
    fast::snippet_parses()
}

/// Reads one app's migration files (unparsable files are skipped and make
/// the result unreadable).
///
/// A squashed migration stands in for the ones it replaces (that is how
/// `makemigrations` sees the graph), so the squashes are read first and
/// the files they replace only for their name and place (RDJ501/502 still
/// look at them): their operations are never replayed.
pub fn read_app_migrations(
    index: &WorkspaceIndex,
    app: &str,
    files: &[FileId],
    auth_user_model: &str,
) -> (Vec<Migration>, bool) {
    use rayon::prelude::*;
    let (squashes, others): (Vec<FileId>, Vec<FileId>) =
        files.iter().partition(|&&f| index.file(f).text.contains("replaces"));
    let mut read: Vec<Result<Option<Migration>, ()>> = squashes
        .par_iter()
        .map(|&f| {
            let read = read_migration_file(index, f, app, auth_user_model, &BTreeSet::new());
            unfollowed_operations(read, &index.file(f).text)
        })
        .collect();
    let replaced: BTreeSet<String> = read
        .iter()
        .filter_map(|r| r.as_ref().ok()?.as_ref())
        .flat_map(|m| &m.replaces)
        .filter(|(a, _)| a == app)
        .map(|(_, name)| name.clone())
        .collect();
    read.par_extend(others.par_iter().map(|&f| {
        let read = read_migration_file(index, f, app, auth_user_model, &replaced);
        unfollowed_operations(read, &index.file(f).text)
    }));
    let mut readable = true;
    let mut out = Vec::new();
    for r in read {
        match r {
            Ok(Some(m)) => {
                readable &= m.readable;
                out.push(m);
            }
            Ok(None) => {}
            Err(()) => readable = false,
        }
    }
    let mut names: Vec<String> = out.iter().map(|m| m.name.clone()).collect();
    names.sort();
    for m in out.iter_mut().filter(|m| m.dependencies_unread) {
        if let Some(previous) = names.iter().take_while(|n| **n < m.name).last() {
            m.dependencies.push((app.to_owned(), previous.clone()));
        }
    }
    // In the files' order, as before squashes were read first.
    let rank: BTreeMap<&std::path::Path, usize> = files
        .iter()
        .enumerate()
        .map(|(i, &f)| (index.file(f).path.as_path(), i))
        .collect();
    out.sort_by_key(|m| rank.get(m.path.as_path()).copied());
    (out, readable)
}

/// One migration file (`Ok(None)`: not a migration); `replaced` names the
/// app's migrations a squash stands in for.
fn read_migration_file(
    index: &WorkspaceIndex,
    f: FileId,
    app: &str,
    auth_user_model: &str,
    replaced: &BTreeSet<String>,
) -> Result<Option<Migration>, ()> {
    let entry = index.file(f);
    let stem = entry.path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem == "__init__" || entry.path.extension().is_none_or(|e| e != "py") {
        return Ok(None);
    }
    if entry.decode_error.is_some() {
        return Err(());
    }
    let file = MigrationFile {
        app,
        name: stem,
        path: &entry.path,
        auth_user_model,
        project: Some((index, f)),
    };
    if replaced.contains(stem) {
        if let Ok(class) = fast::class_name(&entry.text) {
            return Ok(class.map(|name| file.replaced(name)));
        }
    }
    // Nothing else in a run reads migration files: the usual one is read
    // by the fast reader (`fast.rs`); the others get a tree-sitter tree of
    // their own (they need no module summary), or the index's if it has one.
    if !entry.is_parsed() {
        if let Some(read) = file.read_fast(&entry.text) {
            FAST_READS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Ok(read);
        }
    }
    let own;
    let tree = match entry.is_parsed() {
        true => entry.tree().ok_or(())?,
        false => {
            own = crate::syntax::parse(&entry.text).ok_or(())?;
            &own
        }
    };
    // A file without `class Migration` is a helper module: skipped.
    Ok(file.read_tree(tree.root_node(), &entry.text))
}

/// `operations` also assigned or changed in a block we do not follow
/// (wagtail: `if connection.vendor == "postgresql": operations = […]`,
/// then `operations.append(…)`): what it holds is unknown.
fn unfollowed_operations(read: Result<Option<Migration>, ()>, src: &str) -> Result<Option<Migration>, ()> {
    let statements = src
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("operations"))
        .filter(|rest| {
            let rest = rest.trim_start();
            (rest.starts_with('=') && !rest.starts_with("=="))
                || rest.starts_with("+=")
                || rest.starts_with('.')
                || rest.starts_with('[')
        })
        .count();
    read.map(|m| {
        m.map(|mut m| {
            m.readable &= statements <= 1;
            m
        })
    })
}

/// One migration file being read.
struct MigrationFile<'a> {
    app: &'a str,
    /// The migration's name (the file stem).
    name: &'a str,
    path: &'a std::path::Path,
    auth_user_model: &'a str,
    /// The workspace and the file, to read the operations the project
    /// defines (`None` in tests of the readers alone).
    project: Option<(&'a WorkspaceIndex, FileId)>,
}

impl MigrationFile<'_> {
    /// A migration a squash replaces: its name and place only.
    fn replaced(&self, class_name: Range<usize>) -> Migration {
        self.read::<Ts<'_>>(class_name, std::iter::empty(), &BTreeMap::new())
    }

    /// The fast reader's result; `None` when only tree-sitter's is sure.
    fn read_fast(&self, src: &str) -> Option<Option<Migration>> {
        let Some(class) = fast::read(src).ok()? else {
            return Some(None);
        };
        let unsure = Cell::new(false);
        let assignments = class.assignments.iter().map(|(k, v)| {
            (
                *k,
                Fast {
                    expr: v,
                    unsure: &unsure,
                },
            )
        });
        let m = self.read(class.name, assignments, &BTreeMap::new());
        // An operation it could not read may name a module constant
        // (`model_name=MODEL`), which only the tree's reading resolves.
        (!unsure.get() && m.readable).then_some(Some(m))
    }

    /// Reads a parsed file (`None`: no `class Migration`, a helper module).
    fn read_tree(&self, root: Node<'_>, src: &str) -> Option<Migration> {
        let class = named_children(root).into_iter().map(syntax::definition_of).find(|n| {
            n.kind() == "class_definition" && field(*n, "name").is_some_and(|x| text(x, src) == "Migration")
        })?;
        let name = field(class, "name")?.byte_range();
        let assignments = syntax::body_statements(class)
            .into_iter()
            .filter_map(simple_assignment)
            .map(|(k, v)| (text(k, src), Ts { node: v, src }));
        Some(self.read(name, assignments, &string_constants(root, src)))
    }

    /// The migration from its `class Migration`'s name and the plain
    /// assignments of its body, in order.
    fn read<'s, S: Syntax>(
        &self,
        class_name: Range<usize>,
        assignments: impl Iterator<Item = (&'s str, S)>,
        constants: &BTreeMap<String, String>,
    ) -> Migration {
        let mut m = Migration {
            app: self.app.to_owned(),
            name: self.name.to_owned(),
            path: self.path.to_path_buf(),
            origin: Origin {
                path: self.path.to_path_buf(),
                range: class_name,
            },
            dependencies: Vec::new(),
            dependencies_unread: false,
            replaces: Vec::new(),
            operations: Vec::new(),
            readable: true,
        };
        let ctx = MigrationContext {
            path: self.path,
            app: self.app,
            auth_user_model: self.auth_user_model,
            project: self.project,
            constants,
            bound: Vec::new(),
        };
        for (k, v) in assignments {
            match k {
                "dependencies" => {
                    let v = v.value();
                    m.dependencies_unread = v.as_list().is_none();
                    m.dependencies = keys(&v, self.auth_user_model);
                }
                "replaces" => m.replaces = keys(&v.value(), self.auth_user_model),
                "operations" => {
                    let Some(v) = v.literal_list() else {
                        m.readable = false;
                        continue;
                    };
                    for op in v.children() {
                        match ctx.operations(op) {
                            Some(ops) => m.operations.extend(ops),
                            None => m.readable = false,
                        }
                    }
                }
                _ => {}
            }
        }
        m
    }
}

/// A module's names bound once, at its top level, to a string literal
/// (and nowhere else in the module's statements at that level).
fn string_constants(root: Node<'_>, src: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for stmt in named_children(root) {
        let Some((k, v)) = simple_assignment(stmt) else {
            continue;
        };
        if k.kind() != "identifier" {
            continue;
        }
        let name = text(k, src).to_owned();
        if !seen.insert(name.clone()) {
            out.remove(&name);
            continue;
        }
        if let Value::Str(s) = value::parse(v, src, &|_| None) {
            out.insert(name, s);
        }
    }
    // Bound again in a block (`if …: MODEL = …`): not a constant.
    out.retain(|name, _| assignments_to(src, name) == 1);
    out
}

/// How many times `name =` (not `==`) occurs in `src` as a whole word.
fn assignments_to(src: &str, name: &str) -> usize {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    src.match_indices(name)
        .filter(|(at, _)| {
            let before = src[..*at].chars().next_back();
            let after = src[at + name.len()..].trim_start_matches([' ', '\t']);
            !before.is_some_and(word) && after.starts_with('=') && !after.starts_with("==")
        })
        .count()
}

/// `[("catalog", "0001_initial"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]`.
fn keys(v: &Value, auth_user_model: &str) -> Vec<MigrationKey> {
    let mut out = Vec::new();
    for item in v.as_list().unwrap_or_default() {
        match item {
            Value::List(pair) if pair.len() == 2 => {
                if let (Some(a), Some(n)) = (pair[0].as_str(), pair[1].as_str()) {
                    out.push((a.to_owned(), n.to_owned()));
                }
            }
            Value::Call { func, .. } if func.ends_with("swappable_dependency") => {
                if let Some(k) = ModelKey::parse(auth_user_model) {
                    out.push((k.app, "__first__".to_owned()));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod squash_tests {
    use super::*;
    use crate::schema::migrations::{plan, replay};
    use crate::schema::models::tests::load_dir;

    #[test]
    fn a_squash_stands_in_for_the_files_it_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let mig = dir.path().join("things/migrations");
        std::fs::create_dir_all(&mig).unwrap();
        std::fs::write(mig.join("__init__.py"), "").unwrap();
        // The originals: one the readers cannot follow (a computed list).
        std::fs::write(
            mig.join("0001_initial.py"),
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [migrations.CreateModel('Thing', [('id', models.AutoField(primary_key=True))])]\n",
        )
        .unwrap();
        std::fs::write(
            mig.join("0002_more.py"),
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('things', '0001_initial')]\n    operations = make_operations()\n",
        )
        .unwrap();
        std::fs::write(
            mig.join("0001_squashed_0002_more.py"),
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    replaces = [('things', '0001_initial'), ('things', '0002_more')]\n    operations = [migrations.CreateModel('Thing', [('id', models.AutoField(primary_key=True)), ('size', models.IntegerField())])]\n",
        )
        .unwrap();
        let index = load_dir(dir.path());
        let files: Vec<FileId> = (0..index.files.len()).collect();
        let (migrations, readable) = read_app_migrations(&index, "things", &files, "auth.User");
        assert!(readable, "{migrations:#?}");
        assert_eq!(migrations.len(), 3);
        // The replaced ones keep their name and place, not their operations.
        let second = migrations.iter().find(|m| m.name == "0002_more").unwrap();
        assert!(second.operations.is_empty() && second.dependencies.is_empty());
        let text = std::fs::read_to_string(&second.path).unwrap();
        assert_eq!(&text[second.origin.range.clone()], "Migration");
        let state = replay(&plan(&migrations));
        let thing = state.get(&ModelKey::new("things", "thing")).unwrap();
        assert!(thing.field("size").is_some());
    }
}

/// The fast reader against tree-sitter's: wherever the fast reader is
/// sure, both give the same migration (operations, values, ranges).
#[cfg(test)]
mod fast_reader_tests {
    use super::*;
    use std::path::Path;
    use std::path::PathBuf;

    fn file(path: &Path) -> MigrationFile<'_> {
        MigrationFile {
            app: "things",
            name: "0001_initial",
            path,
            auth_user_model: "auth.User",
            project: None,
        }
    }

    /// The fast reader's result (`None`: unsure) and tree-sitter's, both
    /// as debug text.
    fn both(src: &str) -> (Option<String>, String) {
        let path = Path::new("things/migrations/0001_initial.py");
        let fast = file(path).read_fast(src).map(|m| format!("{m:#?}"));
        let tree = crate::syntax::parse(src).expect("parses");
        let slow = format!("{:#?}", file(path).read_tree(tree.root_node(), src));
        (fast, slow)
    }

    /// Both readers agree, and the fast one was sure.
    fn fast_and_same(src: &str) {
        let (fast, slow) = both(src);
        assert_eq!(fast.as_deref(), Some(slow.as_str()), "{src}");
    }

    /// The fast reader leaves it to tree-sitter.
    fn unsure(src: &str) {
        assert_eq!(both(src).0, None, "{src}");
    }

    fn migration(ops: &str) -> String {
        format!("from django.db import migrations, models\nimport django.db.models.deletion\n\n\nclass Migration(migrations.Migration):\n\n    initial = True\n\n    dependencies = [\n        ('auth', '0012_alter_user_first_name_max_length'),\n        migrations.swappable_dependency(settings.AUTH_USER_MODEL),\n    ]\n\n    operations = [\n{ops}\n    ]\n")
    }

    #[test]
    fn what_makemigrations_writes_is_read_fast_and_the_same() {
        fast_and_same(&migration(
            "        migrations.CreateModel(\n            name='Thing',\n            fields=[\n                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),\n                ('price', models.DecimalField(decimal_places=2, default=-1.5, max_digits=10)),\n                ('size', models.IntegerField(default=-3, choices=[(1, 'One'), (2, \"Two\")])),\n                ('ratio', models.FloatField(default=1e-05)),\n                ('mask', models.IntegerField(default=0x1F)),\n                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),\n                ('tags', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=10), blank=True, default=list, size=None)),\n            ],\n            options={\n                'ordering': ('name',),\n                'unique_together': {('a', 'b'), ('c', 'd')},\n                'abstract': False,\n            },\n            bases=(models.Model, 'things.base'),\n        ),\n        migrations.AddField(model_name='thing', name='note', field=models.TextField(blank=True, help_text='a long ' 'text', default=u'x'), preserve_default=False),\n        migrations.AddIndex(\n            model_name='thing',\n            index=models.Index(fields=['-price'], name='thing_price_idx'),  # a comment\n        ),\n        migrations.RunPython(code=forwards, reverse_code=migrations.RunPython.noop),\n        migrations.AlterModelOptions(name='thing', options={}),\n        migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField('thing', 'note')]),",
        ));
    }

    #[test]
    fn calls_value_parse_rewrites_are_read_by_it() {
        // Translation wrappers, `Q`, `timedelta`, `set()`: `value::parse`
        // reads them from a tree of the call alone.
        fast_and_same(&migration(
            "        migrations.AlterField('t', 'f', models.CharField(verbose_name=_('name'), help_text=django.utils.translation.gettext_lazy(\n            'multi'\n            ' line'  # a comment\n        ))),\n        migrations.AddConstraint('t', models.CheckConstraint(check=models.Q(('a', 1), models.Q(b=2, _negated=True), _connector='OR'), name='c')),\n        migrations.AlterField('t', 'f', models.DurationField(default=datetime.timedelta(hours=1))),\n        migrations.AlterUniqueTogether('t', set([('a', 'b')])),\n        migrations.AlterUniqueTogether('u', set()),\n        migrations.AlterIndexTogether('u', tuple()),",
        ));
        let (fast, _) = both(&migration("        migrations.AlterUniqueTogether('u', set()),"));
        assert!(fast.is_some_and(|m| !m.contains("Call")), "set() is an empty set");
    }

    #[test]
    fn helper_code_and_odd_layouts_around_the_class() {
        // Helper functions (with strings that look like code), a decorated
        // class, comments, a docstring, a method in the class body.
        let src = "\"\"\"\nclass Migration:\n    operations = [migrations.DeleteModel('Fake')]\n\"\"\"\nfrom django.db import migrations\n\n\ndef forwards(apps, schema_editor):\n    Thing = apps.get_model('things', 'Thing')\n    for t in Thing.objects.filter(name__in=['a', \"b\"]):  # ]\n        t.save()\n\n\n@decorate(\n    1,\n)\nclass Migration(migrations.Migration):  # the migration\n    '''Docs.'''\n\n    atomic = False\n# a comment at column 0 does not end the class\n    dependencies = [('things', '0001_initial')]\n\n    def describe(self):\n        return 'x = 1; operations = []'\n\n    operations = [\n        migrations.RunPython(forwards),\n        migrations.DeleteModel(\n            name = 'Old'\n        ),\n    ]\n\n\nclass Other:\n    operations = [migrations.DeleteModel('Fake')]\n";
        fast_and_same(src);
        assert!(both(src).1.contains("Old") && !both(src).1.contains("Fake"));
        // No `class Migration`: a helper module, for both.
        fast_and_same("from django.db import migrations\n\nOPS = []\n");
        fast_and_same("class Migration_old(object):\n    operations = []\n");
        fast_and_same(&migration(
            "        migrations.DeleteModel('A'), migrations.DeleteModel(name=\"B\",),",
        ));
        fast_and_same(&migration(""));
        fast_and_same("class Migration(migrations.Migration):\n    operations = ()\n    replaces = [('things', '0001_a'), ('things', '0002_b')]\n");
    }

    #[test]
    fn what_only_tree_sitter_reads_exactly_is_left_to_it() {
        for src in [
            // Escapes, CRs, an aliased timedelta.
            migration(
                "        migrations.AlterField('t', 'f', models.CharField(validators=[RegexValidator('^\\\\d+$')])),",
            ),
            migration("        migrations.DeleteModel('A'),").replace('\n', "\r\n"),
            format!("from datetime import timedelta as td\n{}", migration("")),
            // A call `value::parse` evaluates, with what it cannot read.
            migration("        migrations.AlterUniqueTogether('t', set([x for x in y])),"),
            // Expressions it does not read.
            migration("        migrations.AlterField('t', 'f', models.IntegerField(default=1 + 2)),"),
            migration("        migrations.AlterField('t', 'f', models.CharField(default=f'{x}')),"),
            migration("        migrations.AlterField('t', 'f', models.CharField(default=b'x')),"),
            migration("        migrations.AlterField('t', 'f', models.CharField(**kwargs)),"),
            migration("        migrations.AlterField('t', 'f', models.CharField(default=X[0])),"),
            migration("        migrations.AlterField('t', 'f', models.CharField(default=lambda: 1)),"),
            migration("        migrations.AlterField('t', 'f', models.CharField(default=make().x)),"),
            migration("        (migrations.DeleteModel('A')),"),
            migration("        *OTHER,"),
            // Operations bound to a name; a statement hidden after `;`.
            "OPS = [migrations.DeleteModel('A')]\nclass Migration(migrations.Migration):\n    operations = OPS\n"
                .to_owned(),
            "class Migration(migrations.Migration):\n    initial = True; operations = [migrations.DeleteModel('A')]\n"
                .to_owned(),
            "class Migration(migrations.Migration):\n    operations: list = []\n".to_owned(),
            "class Migration(migrations.Migration):\n\toperations = []\n".to_owned(),
            "class Migration(migrations.Migration): operations = []\n".to_owned(),
        ] {
            unsure(&src);
        }
    }

    /// Every migration file of the bundled projects, and of the released
    /// applications when `RDJ_REAL_APPLICATIONS` names their folder: where
    /// the fast reader is sure, it agrees with tree-sitter.
    #[test]
    fn agrees_with_tree_sitter_on_real_migration_files() {
        let mut roots = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
        if let Some(dir) = std::env::var_os("RDJ_REAL_APPLICATIONS") {
            roots.push(dir.into());
        }
        let (mut fast, mut total) = (0, 0);
        for root in roots {
            for entry in walkdir(&root) {
                let in_migrations = entry
                    .parent()
                    .and_then(|p| p.file_name())
                    .is_some_and(|n| n == "migrations");
                if !in_migrations || entry.extension().is_none_or(|e| e != "py") {
                    continue;
                }
                let Ok(src) = std::fs::read_to_string(&entry) else {
                    continue;
                };
                let Some(tree) = crate::syntax::parse(&src) else {
                    continue;
                };
                total += 1;
                let slow = format!("{:#?}", file(&entry).read_tree(tree.root_node(), &src));
                if let Some(m) = file(&entry).read_fast(&src) {
                    fast += 1;
                    assert_eq!(format!("{m:#?}"), slow, "{}", entry.display());
                }
            }
        }
        eprintln!("{fast} of {total} migration files read by the fast reader");
        assert!(total >= 20 && fast * 10 >= total * 9, "{fast} of {total}");
    }

    fn walkdir(root: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(read) = std::fs::read_dir(&dir) else { continue };
            for e in read.flatten() {
                let p = e.path();
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
        out
    }
}
