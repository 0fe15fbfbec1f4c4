//! Patterns from released packages whose models match their migrations
//! (real `makemigrations --check` said "No changes detected" for each):
//! RDJ503 must say nothing, and still see a real change.

use super::tests::{static_findings_in, write_files, MANAGE_PY};
use super::*;
use crate::schema::models::tests::load_dir;
use crate::schema::settings::discover_projects;

const ID: &str = "('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID'))";

const SETTINGS: &str = "INSTALLED_APPS = ['django.contrib.auth', 'django.contrib.contenttypes', 'things']\nDEFAULT_AUTO_FIELD = 'django.db.models.AutoField'\n";

/// An app `things` with these files (`things/models.py` etc., and
/// `things/migrations/0001_initial.py`), the settings installing it.
fn messages(files: &[(&str, &str)]) -> Vec<String> {
    messages_with(SETTINGS, files)
}

/// The same, with these settings.
fn messages_with(settings: &str, files: &[(&str, &str)]) -> Vec<String> {
    messages_on((5, 2), settings, files)
}

/// The same, for this Django version.
fn messages_on(django: (u32, u32), settings: &str, files: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("manage.py", MANAGE_PY),
            ("site_settings.py", settings),
            ("things/__init__.py", ""),
            ("things/migrations/__init__.py", ""),
        ],
    );
    for (rel, text) in files {
        write_files(dir.path(), &[(&format!("things/{rel}"), text)]);
    }
    static_findings_in(dir.path(), django)
        .into_iter()
        .map(|f| f.finding.message.split(':').next().unwrap_or_default().to_owned())
        .collect()
}

/// `models.py` and one migration.
fn one_migration(models: &str, migration: &str) -> Vec<String> {
    messages(&[("models.py", models), ("migrations/0001_initial.py", migration)])
}

fn migration(operations: &str) -> String {
    format!("from django.conf import settings\nfrom django.db import migrations, models\nimport django.db.models.deletion\nimport things.fields\n\n\nclass Migration(migrations.Migration):\n    initial = True\n    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]\n    operations = [\n{operations}\n    ]\n")
}

#[test]
fn null_boolean_field_deconstructs_without_null_and_blank() {
    // shuup 3.1 (Django 2.2): `NullBooleanField(default=None, null=True,
    // blank=True, …)` against a migration's `NullBooleanField(default=None,
    // …)`: its __init__ forces both and deconstruct deletes them (Django
    // 3.1's makemigrations --check: "No changes detected").
    let models = |kwargs: &str| {
        format!("from django.db import models\n\n\nclass Thing(models.Model):\n    flag = models.NullBooleanField({kwargs})\n")
    };
    let mig = migration(&format!(
        "migrations.CreateModel(name='Thing', fields=[{ID}, ('flag', models.NullBooleanField(default=None))]),"
    ));
    let on = |kwargs: &str| {
        messages_on(
            (3, 1),
            SETTINGS,
            &[("models.py", &models(kwargs)), ("migrations/0001_initial.py", &mig)],
        )
    };
    assert!(on("default=None, null=True, blank=True").is_empty());
    assert!(on("default=None").is_empty());
    assert_eq!(on("default=True, null=True"), ["Alter field `flag` on `thing`"]);
}

#[test]
fn model_bound_to_a_factory_call_is_not_deleted() {
    // shuup 3.1: `ScriptLogEntry = define_log_model(Script)` in a models
    // module, the factory (another module) building the class with
    // `type()`; Django 3.1's makemigrations --check: "No changes
    // detected". A name bound to anything else is no model.
    let logs = "from django.db import models\n\n\ndef define_log_model(model):\n    attrs = {'__module__': model.__module__, 'target': models.ForeignKey(model, on_delete=models.CASCADE)}\n    return type('%sLogEntry' % model.__name__, (models.Model,), attrs)\n";
    let models = |binding: &str| {
        format!("from django.db import models\n\nfrom things.logs import define_log_model\n\n\nclass Thing(models.Model):\n    name = models.CharField(max_length=10)\n\n\n{binding}\n")
    };
    let mig = migration(&format!(
            "migrations.CreateModel(name='Thing', fields=[{ID}, ('name', models.CharField(max_length=10))]),\nmigrations.CreateModel(name='ThingLogEntry', fields=[{ID}, ('target', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='things.thing'))]),"
        ));
    let on = |binding: &str| {
        messages(&[
            ("logs.py", logs),
            ("models.py", &models(binding)),
            ("migrations/0001_initial.py", &mig),
        ])
    };
    assert!(on("ThingLogEntry = define_log_model(Thing)").is_empty());
    assert_eq!(on("ThingLogEntry = 'no model'"), ["Delete model `ThingLogEntry`"]);
}

#[test]
fn unique_together_written_as_set_of_a_list() {
    // django-celery-beat, django-eventstream, django-oscar.
    let models = |together: &str| {
        format!("from django.db import models\n\n\nclass Event(models.Model):\n    channel = models.CharField(max_length=9)\n    eid = models.IntegerField()\n\n    class Meta:\n        unique_together = {together}\n")
    };
    let mig = migration(&format!("migrations.CreateModel(name='Event', fields=[{ID}, ('channel', models.CharField(max_length=9)), ('eid', models.IntegerField())]),\nmigrations.AlterUniqueTogether(name='event', unique_together=set([('channel', 'eid')])),"));
    assert_eq!(
        messages(&[
            ("models.py", &models("('channel', 'eid')")),
            ("migrations/0001_initial.py", &mig)
        ]),
        Vec::<String>::new()
    );
    assert_eq!(
        messages(&[
            ("models.py", &models("('eid', 'channel')")),
            ("migrations/0001_initial.py", &mig)
        ]),
        ["Alter unique_together for `event` (1 constraint(s))"]
    );
}

#[test]
fn pgettext_lazy_is_its_message() {
    // django-taggit.
    let models = |vn: &str| {
        format!("from django.db import models\nfrom django.utils.translation import pgettext_lazy\n\n\nclass Tag(models.Model):\n    name = models.CharField(verbose_name=pgettext_lazy('A tag name', '{vn}'), max_length=9)\n")
    };
    let mig = migration(&format!("migrations.CreateModel(name='Tag', fields=[{ID}, ('name', models.CharField(max_length=9, verbose_name='name'))]),"));
    assert_eq!(one_migration(&models("name"), &mig), Vec::<String>::new());
    assert_eq!(one_migration(&models("label"), &mig), ["Alter field `name` on `tag`"]);
}

#[test]
fn a_package_field_named_like_djangos_may_drop_arguments() {
    // dj-stripe's JSONField drops help_text in deconstruct().
    let fields = "from django.db.models import JSONField as BaseJSONField\n\n\nclass JSONField(BaseJSONField):\n    def deconstruct(self):\n        name, path, args, kwargs = super().deconstruct()\n        kwargs.pop('help_text', None)\n        return name, path, args, kwargs\n";
    let models = |vn: &str| {
        format!("from django.db import models\nfrom .fields import JSONField\n\n\nclass Account(models.Model):\n    metadata = JSONField(null=True, verbose_name='{vn}', help_text='Stripe metadata')\n")
    };
    let mig = migration(&format!("migrations.CreateModel(name='Account', fields=[{ID}, ('metadata', things.fields.JSONField(null=True, verbose_name='meta'))]),"));
    let files = |m: &str| {
        vec![
            ("fields.py", fields.to_owned()),
            ("models.py", m.to_owned()),
            ("migrations/0001_initial.py", mig.clone()),
        ]
    };
    let run = |m: String| messages(&files(&m).iter().map(|(a, b)| (*a, b.as_str())).collect::<Vec<_>>());
    // (An argument both sides write is still compared.)
    assert_eq!(run(models("meta")), Vec::<String>::new());
    assert_eq!(run(models("data")), ["Alter field `metadata` on `account`"]);
}

#[test]
fn an_abstract_field_hidden_by_a_plain_attribute_is_not_inherited() {
    // dj-stripe: `metadata = None`, `id` as a property.
    let models = "from django.db import models\n\n\nclass Base(models.Model):\n    metadata = models.TextField()\n    class Meta:\n        abstract = True\n\n\nclass ApiKey(Base):\n    metadata = None\n\n\nclass Upcoming(Base):\n    id = models.CharField(max_length=9, primary_key=True)\n\n    @property\n    def metadata(self):\n        return None\n";
    let mig = migration("migrations.CreateModel(name='ApiKey', fields=[('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID'))]),\nmigrations.CreateModel(name='Upcoming', fields=[('id', models.CharField(max_length=9, primary_key=True, serialize=False))]),");
    assert_eq!(one_migration(models, &mig), Vec::<String>::new());
}

#[test]
fn a_models_package_module_nothing_imports_is_not_created() {
    // dj-stripe's models/pricing_table.py.
    let mig = migration(&format!("migrations.CreateModel(name='Plan', fields=[{ID}]),"));
    let files = [
        ("models/__init__.py", "from .plan import Plan\n"),
        (
            "models/plan.py",
            "from django.db import models\n\n\nclass Plan(models.Model):\n    pass\n",
        ),
        (
            "models/pricing_table.py",
            "from django.db import models\n\n\nclass PricingTable(models.Model):\n    pass\n",
        ),
        ("migrations/0001_initial.py", &mig),
    ];
    assert_eq!(messages(&files), Vec::<String>::new());
    // Imported, it is a model without a migration.
    let mut files = files;
    files[0].1 = "from .plan import Plan\nfrom .pricing_table import PricingTable\n";
    assert_eq!(messages(&files), ["Create model `PricingTable`"]);
}

#[test]
fn models_made_at_run_time_are_not_deleted() {
    // django-simple-history: `history = HistoricalRecords()` makes
    // `HistoricalPoll` when the class is built.
    let mig = migration(&format!("migrations.CreateModel(name='Poll', fields=[{ID}]),\nmigrations.CreateModel(name='HistoricalPoll', fields=[('id', models.IntegerField(blank=True, db_index=True))]),"));
    for history in [
        "from simple_history.models import HistoricalRecords\n",
        "from .history import HistoricalRecords\n",
    ] {
        let models = format!(
            "from django.db import models\n{history}\n\nclass Poll(models.Model):\n    history = HistoricalRecords()\n"
        );
        let files = [
            (
                "history.py",
                "class HistoricalRecords:\n    def contribute_to_class(self, cls, name):\n        pass\n",
            ),
            ("models.py", &models),
            ("migrations/0001_initial.py", &mig),
        ];
        assert_eq!(messages(&files), Vec::<String>::new(), "{history}");
    }
}

#[test]
fn a_field_changed_through_meta_afterwards_is_not_compared() {
    // django-treebeard's tests.
    let models = "from django.db import models\n\n\nclass Node(models.Model):\n    path = models.CharField(max_length=255)\n\n\nNode._meta.get_field('path').max_length = 4\n";
    let mig = migration(&format!(
        "migrations.CreateModel(name='Node', fields=[{ID}, ('path', models.CharField(max_length=4))]),"
    ));
    assert_eq!(one_migration(models, &mig), Vec::<String>::new());
}

#[test]
fn state_operations_bound_to_a_name_are_replayed() {
    // django-oscar: `state_operations = [...]` in the Migration class.
    let models = "from django.db import models\n\n\nclass Kept(models.Model):\n    pass\n";
    let first = migration(&format!(
        "migrations.CreateModel(name='Kept', fields=[{ID}]),\nmigrations.CreateModel(name='Gone', fields=[{ID}]),"
    ));
    let second = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('things', '0001_initial')]\n    state_operations = [migrations.DeleteModel(name='Gone')]\n    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]\n";
    assert_eq!(
        messages(&[
            ("models.py", models),
            ("migrations/0001_initial.py", &first),
            ("migrations/0002_gone.py", second)
        ]),
        Vec::<String>::new()
    );
}

#[test]
fn getattr_of_auth_user_model_is_the_user_model() {
    // django-filer, django-otp.
    let models = "from django.conf import settings\nfrom django.db import models\n\n\nclass Device(models.Model):\n    user = models.ForeignKey(getattr(settings, 'AUTH_USER_MODEL', 'auth.User'), on_delete=models.CASCADE)\n";
    let mig = migration(&format!("migrations.CreateModel(name='Device', fields=[{ID}, ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL))]),"));
    assert_eq!(one_migration(models, &mig), Vec::<String>::new());
}

#[test]
fn constraint_names_from_an_abstract_meta_are_filled_in() {
    // django-oauth-toolkit.
    let models = "from django.db import models\n\n\nclass AbstractGrant(models.Model):\n    code = models.CharField(max_length=9)\n\n    class Meta:\n        abstract = True\n        constraints = [models.UniqueConstraint(fields=['code'], name='%(app_label)s_%(class)s_unique_code')]\n\n\nclass Grant(AbstractGrant):\n    class Meta(AbstractGrant.Meta):\n        pass\n";
    let mig = migration(&format!("migrations.CreateModel(name='Grant', fields=[{ID}, ('code', models.CharField(max_length=9))], options={{'abstract': False, 'constraints': [models.UniqueConstraint(fields=('code',), name='things_grant_unique_code')]}}),"));
    assert_eq!(one_migration(models, &mig), Vec::<String>::new());
}

#[test]
fn a_declared_parent_link_is_the_primary_key() {
    // django-guardian's test app.
    let models = "from django.db import models\n\n\nclass Parent(models.Model):\n    pass\n\n\nclass Child(Parent):\n    parent_id = models.OneToOneField(Parent, on_delete=models.CASCADE, parent_link=True)\n";
    let mig = migration(&format!("migrations.CreateModel(name='Parent', fields=[{ID}]),\nmigrations.CreateModel(name='Child', fields=[('parent_id', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to='things.parent'))], bases=('things.parent',)),"));
    assert_eq!(one_migration(models, &mig), Vec::<String>::new());
}

#[test]
fn an_index_added_then_renamed_onto_itself_is_no_change() {
    // django-taggit: AddIndex, then RenameIndex(old_fields=…) to the same name.
    let models = "from django.db import models\n\n\nclass Item(models.Model):\n    a = models.IntegerField()\n    b = models.IntegerField()\n\n    class Meta:\n        indexes = [models.Index(fields=['a', 'b'])]\n";
    let first = migration(&format!("migrations.CreateModel(name='Item', fields=[{ID}, ('a', models.IntegerField()), ('b', models.IntegerField())]),\nmigrations.AddIndex(model_name='item', index=models.Index(fields=['a', 'b'], name='things_item_a_b_idx')),"));
    let second = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('things', '0001_initial')]\n    operations = [migrations.RenameIndex(model_name='item', new_name='things_item_a_b_idx', old_fields=('a', 'b'))]\n";
    assert_eq!(
        messages(&[
            ("models.py", models),
            ("migrations/0001_initial.py", &first),
            ("migrations/0002_rename.py", second)
        ]),
        Vec::<String>::new()
    );
}

/// `models.py` and a migration of one model `Thing` with these fields
/// (the migration's field list, without `id`).
fn thing(model_fields: &str, migration_fields: &str) -> Vec<String> {
    let models = format!("import datetime\nfrom datetime import timedelta\nfrom decimal import Decimal\nfrom django.conf import settings\nfrom django.db import models\nfrom django.utils.translation import gettext_lazy as _\n\n\nclass Thing(models.Model):\n{model_fields}\n");
    let mig = migration(&format!(
        "migrations.CreateModel(name='Thing', fields=[{ID}, {migration_fields}]),"
    ));
    one_migration(&models, &mig)
}

#[test]
fn netbox_patched_deconstruct_drops_its_attributes() {
    // NetBox's core/apps.py: `models.Field.deconstruct = custom_deconstruct`
    // (utilities/migration.py) pops verbose_name, help_text and choices
    // and ConfigItem defaults; ALTER_OPTION_KEYS loses verbose_name(_plural).
    let apps = "from django.apps import AppConfig\nfrom django.db import models\nfrom django.db.migrations.operations import AlterModelOptions\nfrom .migration import custom_deconstruct\n\nAlterModelOptions.ALTER_OPTION_KEYS.remove('verbose_name')\nAlterModelOptions.ALTER_OPTION_KEYS.remove('verbose_name_plural')\nmodels.Field.deconstruct = custom_deconstruct\n\n\nclass ThingsConfig(AppConfig):\n    name = 'things'\n";
    let patch = "from django.db import models\n\nEXEMPT_ATTRS = (\n    'choices',\n    'help_text',\n    'verbose_name',\n)\n\n_deconstruct = models.Field.deconstruct\n\n\ndef custom_deconstruct(field):\n    \"\"\"Ignore the attributes above.\"\"\"\n    name, path, args, kwargs = _deconstruct(field)\n    for attr in EXEMPT_ATTRS:\n        kwargs.pop(attr, None)\n    kwargs = {\n        k: v for k, v in kwargs.items() if not isinstance(v, ConfigItem)\n    }\n    return name, path, args, kwargs\n";
    let models = |extra: &str| {
        format!("from django.db import models\nfrom .config import ConfigItem\n\n\nclass Site(models.Model):\n    name = models.CharField(max_length=9, verbose_name='site name', help_text='The name', choices=[('a', 'A')]{extra})\n    size = models.IntegerField(default=ConfigItem('SIZE'))\n\n    class Meta:\n        verbose_name = 'site'\n")
    };
    let mig = migration(&format!(
            "migrations.CreateModel(name='Site', fields=[{ID}, ('name', models.CharField(max_length=9)), ('size', models.IntegerField())]),"
        ));
    let run = |m: &str, patched: bool| {
        let mut files = vec![("models.py", m), ("migrations/0001_initial.py", mig.as_str())];
        if patched {
            files.push(("apps.py", apps));
            files.push(("migration.py", patch));
        }
        messages(&files)
    };
    assert_eq!(run(&models(""), true), Vec::<String>::new());
    // Without the patch, Django sees them all.
    assert_eq!(
        run(&models(""), false),
        [
            "Alter field `name` on `site`",
            "Alter field `size` on `site`",
            "Change Meta options on `site`"
        ]
    );
    // Anything else is still compared.
    assert_eq!(run(&models(", unique=True"), true), ["Alter field `name` on `site`"]);
    // A patch that does what we cannot read: no field is reported altered.
    let opaque = patch.replace(
        "    return name, path",
        "    kwargs.update(extra())\n    return name, path",
    );
    let files = [
        ("models.py", models(", unique=True")),
        ("migrations/0001_initial.py", mig.clone()),
        ("apps.py", apps.to_owned()),
        ("migration.py", opaque),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
    assert_eq!(messages(&files), Vec::<String>::new());
}

#[test]
fn a_custom_makemigrations_command() {
    let models =
        "from django.db import models\n\n\nclass Site(models.Model):\n    name = models.CharField(max_length=10)\n";
    let mig = migration(&format!(
        "migrations.CreateModel(name='Site', fields=[{ID}, ('name', models.CharField(max_length=9))]),"
    ));
    let guard = "from django.core.management.commands.makemigrations import Command as _Command\n\n\nclass Command(_Command):\n    def handle(self, *args, **kwargs):\n        if not kwargs['check_changes']:\n            raise SystemExit(1)\n        super().handle(*args, **kwargs)\n";
    let custom = "from django.core.management.commands.makemigrations import Command as _Command\nfrom .autodetector import Detector\n\n\nclass Command(_Command):\n    autodetector = Detector\n";
    let run = |command: &str| {
        messages(&[
            ("models.py", models),
            ("migrations/0001_initial.py", &mig),
            ("management/__init__.py", ""),
            ("management/commands/__init__.py", ""),
            ("management/commands/makemigrations.py", command),
        ])
    };
    // NetBox's: only guards `handle`.
    assert_eq!(run(guard), ["Alter field `name` on `site`"]);
    assert_eq!(run(custom), Vec::<String>::new());
}

#[test]
fn array_field_size_and_base_field() {
    let with_import = |model: &str, mig: &str| {
        let models = format!("from django.contrib.postgres.fields import ArrayField\nfrom django.db import models\n\n\nclass Thing(models.Model):\n    tags = ArrayField({model})\n");
        let mig = migration(&format!("migrations.CreateModel(name='Thing', fields=[{ID}, ('tags', django.contrib.postgres.fields.ArrayField({mig}))]),"));
        one_migration(&models, &mig)
    };
    assert_eq!(
        with_import(
            "base_field=models.CharField(max_length=9, blank=False), blank=True",
            "base_field=models.CharField(max_length=9), blank=True, size=None"
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        with_import(
            "models.CharField(max_length=10), size=3",
            "base_field=models.CharField(max_length=9), size=3"
        ),
        ["Alter field `tags` on `thing`"]
    );
}

#[test]
fn values_compare_by_value() {
    let mig = "('ttl', models.DurationField(default=datetime.timedelta(seconds=21600))), ('wait', models.DurationField(default=datetime.timedelta(0))), ('price', models.DecimalField(decimal_places=2, default=decimal.Decimal('1.50'), max_digits=9))";
    assert_eq!(
            thing("    ttl = models.DurationField(default=timedelta(hours=6))\n    wait = models.DurationField(default=timedelta())\n    price = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal('1.5'))", mig),
            Vec::<String>::new()
        );
    assert_eq!(
            thing("    ttl = models.DurationField(default=timedelta(hours=7))\n    wait = models.DurationField(default=timedelta())\n    price = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal('1.25'))", mig),
            ["Alter field `ttl` on `thing`", "Alter field `price` on `thing`"]
        );
}

#[test]
fn a_value_built_by_a_helper_is_not_evaluated() {
    let mig = "('name', models.CharField(max_length=9, validators=[django.core.validators.RegexValidator('^a')], choices=[('a', 'A')]))";
    assert_eq!(
        thing(
            "    name = models.CharField(max_length=9, validators=name_validators(), choices=get_choices())",
            mig
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        thing(
            "    name = models.CharField(max_length=10, validators=name_validators(), choices=get_choices())",
            mig
        ),
        ["Alter field `name` on `thing`"]
    );
}

#[test]
fn translation_with_a_keyword_message() {
    // Mayan EDMS: `_(message='Label')`.
    let mig = "('label', models.CharField(max_length=9, verbose_name='Label'))";
    assert_eq!(
        thing(
            "    label = models.CharField(max_length=9, verbose_name=_(message='Label'))",
            mig
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        thing(
            "    label = models.CharField(max_length=9, verbose_name=_(message='Name'))",
            mig
        ),
        ["Alter field `label` on `thing`"]
    );
}

#[test]
fn chained_assignment_binds_each_name() {
    // Mayan EDMS: `default = lookup = models.TextField(…)`, `lookup` rebound below.
    let mig = "('default', models.TextField(null=True)), ('lookup', models.TextField(blank=True))";
    assert_eq!(
        thing(
            "    default = lookup = models.TextField(null=True)\n    lookup = models.TextField(blank=True)",
            mig
        ),
        Vec::<String>::new()
    );
    // Still bound to both names: one instance contributed twice, not modelled.
    assert_eq!(
        thing("    default = lookup = models.TextField(null=True)", mig),
        Vec::<String>::new()
    );
}

#[test]
fn a_private_only_field_has_no_column() {
    let fields = "from django.db import models\n\n\nclass TagsField(models.Field):\n    def contribute_to_class(self, cls, name, **kwargs):\n        super().contribute_to_class(cls, name, private_only=True)\n";
    let models = "from django.db import models\nfrom .fields import TagsField\n\n\nclass Thing(models.Model):\n    tags = TagsField()\n";
    let mig = migration(&format!("migrations.CreateModel(name='Thing', fields=[{ID}]),"));
    assert_eq!(
        messages(&[
            ("fields.py", fields),
            ("models.py", models),
            ("migrations/0001_initial.py", &mig)
        ]),
        Vec::<String>::new()
    );
}

#[test]
fn related_name_with_class_placeholder() {
    // Kolibri: `related_name="%(class)ss"` on an abstract base.
    let models = "from django.db import models\n\n\nclass Owner(models.Model):\n    pass\n\n\nclass Base(models.Model):\n    owner = models.ForeignKey(Owner, related_name='%(class)ss', on_delete=models.CASCADE)\n\n    class Meta:\n        abstract = True\n\n\nclass Exam(Base):\n    pass\n";
    let mig = |related: &str| {
        migration(&format!("migrations.CreateModel(name='Owner', fields=[{ID}]),\nmigrations.CreateModel(name='Exam', fields=[{ID}, ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='{related}', to='things.owner'))]),"))
    };
    // Django 5.2 deconstructs it as written.
    assert_eq!(one_migration(models, &mig("%(class)ss")), Vec::<String>::new());
    assert_eq!(one_migration(models, &mig("exams")), ["Alter field `owner` on `exam`"]);
    // Django 3.2 (Kolibri bundles it) filled it in.
    let on_32 = |m: &str| {
        messages_on(
            (3, 2),
            SETTINGS,
            &[("models.py", models), ("migrations/0001_initial.py", m)],
        )
    };
    assert_eq!(on_32(&mig("exams")), Vec::<String>::new());
    assert_eq!(on_32(&mig("%(class)ss")), ["Alter field `owner` on `exam`"]);
}

#[test]
fn a_project_metaclass_may_change_fields() {
    // Mayan EDMS rewrites `help_text` in a metaclass.
    let models = "from django.db import models\nfrom .meta import Meta\n\n\nclass Thing(models.Model, metaclass=Meta):\n    condition = models.TextField(blank=True)\n";
    let mig = migration(&format!("migrations.CreateModel(name='Thing', fields=[{ID}, ('condition', models.TextField(blank=True, help_text='set by the metaclass'))]),"));
    assert_eq!(
        messages(&[
            ("meta.py", "class Meta(type):\n    pass\n"),
            ("models.py", models),
            ("migrations/0001_initial.py", &mig)
        ]),
        Vec::<String>::new()
    );
}

#[test]
fn swappable_user_model_written_both_ways() {
    let settings = "INSTALLED_APPS = ['django.contrib.auth', 'django.contrib.contenttypes', 'things']\nAUTH_USER_MODEL = 'things.User'\nDEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'\n";
    let models = "from django.contrib.auth.models import AbstractUser\nfrom django.db import models\n\n\nclass User(AbstractUser):\n    pass\n\n\nclass Note(models.Model):\n    user = models.ForeignKey('things.User', on_delete=models.CASCADE)\n";
    let big = ID.replace("AutoField", "BigAutoField");
    let mig = migration(&format!("migrations.CreateModel(name='User', fields=[{big}, ('password', models.CharField(max_length=128, verbose_name='password')), ('last_login', models.DateTimeField(blank=True, null=True, verbose_name='last login')), ('is_superuser', models.BooleanField(default=False, help_text='Designates that this user has all permissions without explicitly assigning them.', verbose_name='superuser status')), ('username', models.CharField(error_messages={{'unique': 'A user with that username already exists.'}}, help_text='Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.', max_length=150, unique=True, validators=[django.contrib.auth.validators.UnicodeUsernameValidator()], verbose_name='username')), ('first_name', models.CharField(blank=True, max_length=150, verbose_name='first name')), ('last_name', models.CharField(blank=True, max_length=150, verbose_name='last name')), ('email', models.EmailField(blank=True, max_length=254, verbose_name='email address')), ('is_staff', models.BooleanField(default=False, help_text='Designates whether the user can log into this admin site.', verbose_name='staff status')), ('is_active', models.BooleanField(default=True, help_text='Designates whether this user should be treated as active. Unselect this instead of deleting accounts.', verbose_name='active')), ('date_joined', models.DateTimeField(default=django.utils.timezone.now, verbose_name='date joined')), ('groups', models.ManyToManyField(blank=True, help_text='The groups this user belongs to. A user will get all permissions granted to each of their groups.', related_name='user_set', related_query_name='user', to='auth.group', verbose_name='groups')), ('user_permissions', models.ManyToManyField(blank=True, help_text='Specific permissions for this user.', related_name='user_set', related_query_name='user', to='auth.permission', verbose_name='user permissions'))], options={{'verbose_name': 'user', 'verbose_name_plural': 'users', 'abstract': False}}, managers=[('objects', django.contrib.auth.models.UserManager())]),\nmigrations.CreateModel(name='Note', fields=[{big}, ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL))]),"));
    assert_eq!(
        messages_with(settings, &[("models.py", models), ("migrations/0001_initial.py", &mig)]),
        Vec::<String>::new()
    );
}

#[test]
fn through_fields_reach_migrations_from_django_5_2() {
    // Misago (Django 4.2): its migration has no `through_fields`.
    let models = "from django.db import models\n\n\nclass Person(models.Model):\n    pass\n\n\nclass Group(models.Model):\n    members = models.ManyToManyField(Person, through='Membership', through_fields=('group', 'person'))\n\n\nclass Membership(models.Model):\n    group = models.ForeignKey(Group, on_delete=models.CASCADE)\n    person = models.ForeignKey(Person, on_delete=models.CASCADE)\n";
    let mig = migration(&format!("migrations.CreateModel(name='Person', fields=[{ID}]),\nmigrations.CreateModel(name='Group', fields=[{ID}]),\nmigrations.CreateModel(name='Membership', fields=[{ID}, ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='things.group')), ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='things.person'))]),\nmigrations.AddField(model_name='group', name='members', field=models.ManyToManyField(through='things.Membership', to='things.person')),"));
    let files = [("models.py", models), ("migrations/0001_initial.py", mig.as_str())];
    assert_eq!(messages_on((4, 2), SETTINGS, &files), Vec::<String>::new());
    assert_eq!(
        messages_on((5, 2), SETTINGS, &files),
        ["Alter field `members` on `group`"]
    );
}

#[test]
fn an_unreadable_auth_user_model_is_no_target() {
    // TacticalRMM: settings that end in `with suppress(ImportError): from
    // .local_settings import *` are not evaluated; the user model may be
    // swapped, so `settings.AUTH_USER_MODEL` is no known model.
    let settings = |user: &str| {
        format!("from contextlib import suppress\nINSTALLED_APPS = ['django.contrib.auth', 'django.contrib.contenttypes', 'things']\nAUTH_USER_MODEL = {user}\nDEFAULT_AUTO_FIELD = 'django.db.models.AutoField'\nwith suppress(ImportError):\n    from .local_settings import *\n")
    };
    let models = |max: u32| {
        format!("from django.db import models\n\n\nclass Note(models.Model):\n    user = models.ForeignKey('things.User', on_delete=models.CASCADE)\n    text = models.CharField(max_length={max})\n\n\nclass User(models.Model):\n    pass\n")
    };
    let mig = migration(&format!("migrations.CreateModel(name='User', fields=[{ID}]),\nmigrations.CreateModel(name='Note', fields=[{ID}, ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)), ('text', models.CharField(max_length=9))]),"));
    let run = |s: &str, m: &str| messages_with(s, &[("models.py", m), ("migrations/0001_initial.py", &mig)]);
    for user in ["'things.User'", "user_model_name()"] {
        assert_eq!(run(&settings(user), &models(9)), Vec::<String>::new(), "{user}");
        assert_eq!(
            run(&settings(user), &models(10)),
            ["Alter field `text` on `note`"],
            "{user}"
        );
    }
}

#[test]
fn without_settings_the_user_model_is_unknown() {
    // Weblate's wheel ships only example settings: the apps are found by
    // the folder scan, and `settings.AUTH_USER_MODEL` is no known model.
    let dir = tempfile::tempdir().unwrap();
    let initial = migration(&format!("migrations.CreateModel(name='User', fields=[{ID}]),\nmigrations.CreateModel(name='Note', fields=[{ID}, ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL))]),"));
    write_files(
        dir.path(),
        &[
            ("manage.py", "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'missing.settings')\n"),
            ("things/__init__.py", ""),
            ("things/migrations/__init__.py", ""),
            ("things/models.py", "from django.db import models\n\n\nclass User(models.Model):\n    pass\n\n\nclass Note(models.Model):\n    user = models.ForeignKey(User, on_delete=models.CASCADE)\n"),
            ("things/migrations/0001_initial.py", &initial),
        ],
    );
    let index = load_dir(dir.path());
    let projects = discover_projects(&index, &|_| None, &|p| p.exists());
    assert_eq!(projects.len(), 1);
    assert!(projects[0].apps_fallback);
    let schema = analyze(&index, projects.into_iter().next().unwrap(), (5, 2));
    assert!(schema.compared_apps.contains("things"));
    assert_eq!(schema.static_findings(), vec![]);
}
#[test]
fn a_field_name_among_index_expressions_is_an_f_expression() {
    // Weblate: `Index(MD5("source"), "translation", name=…)`; Django's
    // Index and UniqueConstraint turn each string expression into
    // `F(name)`, as the migration writes it (not inside a function:
    // `Lower("context")` stays as written).
    let models = "from django.db import models\nfrom django.db.models.functions import MD5, Lower\n\n\nclass Item(models.Model):\n    a = models.TextField()\n    b = models.IntegerField()\n\n    class Meta:\n        indexes = [models.Index(MD5(Lower('a')), 'b', name='item_md5')]\n        constraints = [models.UniqueConstraint(MD5('a'), 'b', name='item_unique_md5')]\n";
    let mig = migration(&format!("migrations.CreateModel(name='Item', fields=[{ID}, ('a', models.TextField()), ('b', models.IntegerField())]),\nmigrations.AddIndex(model_name='item', index=models.Index(django.db.models.functions.text.MD5(django.db.models.functions.text.Lower('a')), models.F('b'), name='item_md5')),\nmigrations.AddConstraint(model_name='item', constraint=models.UniqueConstraint(django.db.models.functions.text.MD5('a'), models.F('b'), name='item_unique_md5')),"));
    assert_eq!(one_migration(models, &mig), Vec::<String>::new());
    // A different expression is still a change.
    let changed = models.replace("MD5(Lower('a')), 'b'", "MD5('a'), 'b'");
    assert_eq!(
        one_migration(&changed, &mig),
        vec![
            "Create index `item_md5` on field(s)  of model `item`",
            "Remove index `item_md5` from `item`"
        ]
    );
}

#[test]
fn dependencies_returned_by_a_function_follow_the_previous_migration() {
    // Weblate's trans 0084: `dependencies = get_dependencies()` (a list
    // built at import time). Unread, it was ready first, so it and the
    // migrations after it were replayed before 0002 (which waits for
    // another app): it follows the app's previous migration.
    let dir = tempfile::tempdir().unwrap();
    let settings = SETTINGS.replace("'things'", "'things', 'zoo'");
    let header = "from django.db import migrations, models\n\n\n";
    let animal = migration(&format!("migrations.CreateModel(name='Animal', fields=[{ID}]),"));
    let item = migration(&format!("migrations.CreateModel(name='Item', fields=[{ID}]),"));
    let flag = format!("{header}class Migration(migrations.Migration):\n    dependencies = [('things', '0001_initial'), ('zoo', '0001_initial')]\n    operations = [migrations.AddField(model_name='item', name='flag', field=models.BooleanField(default=False))]\n");
    let data = format!("{header}def get_dependencies():\n    return [('things', '0002_flag')]\n\n\nclass Migration(migrations.Migration):\n    dependencies = get_dependencies()\n    operations = []\n");
    let default = format!("{header}class Migration(migrations.Migration):\n    dependencies = [('things', '0003_data')]\n    operations = [migrations.AlterField(model_name='item', name='flag', field=models.BooleanField(default=True))]\n");
    write_files(
        dir.path(),
        &[
            ("manage.py", MANAGE_PY),
            ("site_settings.py", &settings),
            ("things/__init__.py", ""),
            ("things/migrations/__init__.py", ""),
            ("zoo/__init__.py", ""),
            ("zoo/migrations/__init__.py", ""),
            ("zoo/models.py", "from django.db import models\n\n\nclass Animal(models.Model):\n    pass\n"),
            ("zoo/migrations/0001_initial.py", &animal),
            ("things/models.py", "from django.db import models\n\n\nclass Item(models.Model):\n    flag = models.BooleanField(default=True)\n"),
            ("things/migrations/0001_initial.py", &item),
            ("things/migrations/0002_flag.py", &flag),
            ("things/migrations/0003_data.py", &data),
            ("things/migrations/0004_default.py", &default),
        ],
    );
    let findings = static_findings_in(dir.path(), (5, 2));
    assert_eq!(findings, vec![]);
}
#[test]
fn a_translation_made_at_import_time_is_not_known() {
    // ephios: `pgettext("shift label", "label")` runs at import, in the
    // German of LANGUAGE_CODE ("Label", as the migration says).
    let models = |call: &str| {
        format!("from django.db import models\nfrom django.utils.translation import pgettext, gettext\n\n\nclass Shift(models.Model):\n    label = models.CharField({call}, max_length=9)\n")
    };
    let mig = migration(&format!("migrations.CreateModel(name='Shift', fields=[{ID}, ('label', models.CharField(max_length=9, verbose_name='Label'))]),"));
    for call in ["pgettext('shift label', 'label')", "gettext('label')"] {
        assert_eq!(one_migration(&models(call), &mig), Vec::<String>::new(), "{call}");
    }
    // The lazy one is its message, untranslated by makemigrations.
    assert_eq!(
        one_migration(
            &models("pgettext_lazy('shift label', 'label')").replace("pgettext, gettext", "pgettext_lazy"),
            &mig
        ),
        ["Alter field `label` on `shift`"]
    );
}

#[test]
fn models_made_at_run_time_by_a_model_we_do_not_read() {
    // kiwitcms: `TestPlan(TreeNode)` (a package's base) with
    // `history = KiwiHistoricalRecords()` makes `HistoricalTestPlan`.
    let mig = migration(&format!("migrations.CreateModel(name='Plan', fields=[{ID}]),\nmigrations.CreateModel(name='HistoricalPlan', fields=[('id', models.IntegerField(blank=True, db_index=True))]),"));
    let models = "from django.db import models\nfrom simple_history.models import HistoricalRecords\nfrom tree_queries.models import TreeNode\n\n\nclass Plan(TreeNode):\n    history = HistoricalRecords()\n";
    assert_eq!(one_migration(models, &mig), Vec::<String>::new());
}

#[test]
fn taggable_manager_is_a_field_and_an_image_spec_is_none() {
    // GeoNode: django-taggit's `TaggableManager` is migrated;
    // django-imagekit's `ImageSpecField` adds no column.
    let models = "from django.db import models\nfrom imagekit.models import ImageSpecField\nfrom taggit.managers import TaggableManager\n\n\nclass Slide(models.Model):\n    image = models.ImageField(upload_to='img')\n    thumbnail = ImageSpecField(source='image', options={'quality': 60})\n    keywords = TaggableManager('Keywords', blank=True)\n";
    let mig = migration(&format!("migrations.CreateModel(name='Slide', fields=[{ID}, ('image', models.ImageField(upload_to='img')), ('keywords', taggit.managers.TaggableManager(blank=True, help_text='A comma-separated list of tags.', through='taggit.TaggedItem', to='taggit.Tag', verbose_name='Keywords'))]),"));
    assert_eq!(one_migration(models, &mig), Vec::<String>::new());
    let without = mig.replace("('keywords', taggit.managers.TaggableManager(blank=True, help_text='A comma-separated list of tags.', through='taggit.TaggedItem', to='taggit.Tag', verbose_name='Keywords'))", "");
    assert_eq!(one_migration(models, &without), ["Add field `keywords` to `slide`"]);
}

#[test]
fn an_app_config_imported_under_another_name_sets_the_label() {
    // GeoNode: `from django.apps import AppConfig as BaseAppConfig`,
    // `class AppConfig(BaseAppConfig): label = "geonode_themes"`.
    let apps = "from django.apps import AppConfig as BaseAppConfig\n\n\nclass AppConfig(BaseAppConfig):\n    name = 'things'\n    label = 'geonode_things'\n";
    let models = "from django.db import models\n\n\nclass Slide(models.Model):\n    pass\n\n\nclass Theme(models.Model):\n    slides = models.ManyToManyField(Slide, blank=True)\n";
    let mig = migration(&format!("migrations.CreateModel(name='Slide', fields=[{ID}]),\nmigrations.CreateModel(name='Theme', fields=[{ID}, ('slides', models.ManyToManyField(blank=True, to='geonode_things.slide'))]),"));
    assert_eq!(
        messages(&[
            ("apps.py", apps),
            ("models.py", models),
            ("migrations/0001_initial.py", &mig)
        ]),
        Vec::<String>::new()
    );
}
#[test]
fn stream_field_blocks_are_not_compared() {
    // coderedcms's project template: a Wagtail StreamField's blocks
    // against the `block_lookup` table its migration writes.
    let models = "from django.db import models\nfrom wagtail import blocks\nfrom wagtail.fields import StreamField\n\n\nclass Navbar(models.Model):\n    content = StreamField([('link', blocks.CharBlock()), ('title', blocks.CharBlock(required=False))], use_json_field=True, help_text='Menu')\n";
    let mig = |blank: &str| {
        migration(&format!("migrations.CreateModel(name='Navbar', fields=[{ID}, ('content', wagtail.fields.StreamField([('link', 0), ('title', 1)], {blank}block_lookup={{0: ('wagtail.blocks.CharBlock', (), {{}}), 1: ('wagtail.blocks.CharBlock', (), {{'required': False}})}}))]),"))
    };
    assert_eq!(one_migration(models, &mig("help_text='Menu', ")), Vec::<String>::new());
    // Its other arguments still are.
    assert_eq!(
        one_migration(models, &mig("help_text='Links', ")),
        ["Alter field `content` on `navbar`"]
    );
}
