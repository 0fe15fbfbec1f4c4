//! End-to-end analyses of small projects: the bundled fixtures have no
//! RDJ503 finding, and models found through the app's other modules are not
//! reported as deleted; and the helpers that write a project into a
//! temporary folder and analyse it (`real_package_tests.rs` uses them).

use super::*;
use crate::diagnostic::FileFinding;
use crate::schema::models::tests::load_dir;
use crate::schema::settings::discover_projects;
use std::path::Path;

/// A `manage.py` naming the settings module `site_settings`.
pub(super) const MANAGE_PY: &str = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_settings')\n";

/// Writes these files (paths relative to `dir`), with their folders.
pub(super) fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// RDJ503's findings for every project found in `dir`.
pub(super) fn static_findings_in(dir: &Path, django_version: (u32, u32)) -> Vec<FileFinding> {
    let index = load_dir(dir);
    discover_projects(&index, &|_| None, &|p| p.exists())
        .into_iter()
        .flat_map(|p| analyze(&index, p, django_version).static_findings())
        .collect()
}

/// RDJ503's findings for a bundled fixture, whose projects and apps must
/// all be found.
fn fixture_findings(dir: &str) -> Vec<FileFinding> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let index = load_dir(&root);
    let projects = discover_projects(&index, &|_| None, &|p| p.exists());
    assert!(!projects.is_empty(), "no project in {dir}");
    projects
        .into_iter()
        .flat_map(|p| {
            assert!(!p.apps.is_empty(), "no apps in {dir}");
            let schema = analyze(&index, p, (5, 2));
            assert!(!schema.compared_apps.is_empty());
            schema.static_findings()
        })
        .collect()
}

#[test]
fn bundled_projects_have_no_static_findings() {
    for dir in ["fixtures/shop", "fixtures/accounts", "fixtures/library"] {
        let found = fixture_findings(dir);
        assert!(found.is_empty(), "{dir}: {found:#?}");
    }
}

const MIGRATION: &str = r#"from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(name='Snippet', fields=[('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID'))]),
        migrations.CreateModel(name='Circle', fields=[('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')), ('radius', models.IntegerField())]),
        migrations.CreateModel(name='Square', fields=[('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')), ('side', models.IntegerField())]),
        migrations.CreateModel(name='Hidden', fields=[('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID'))]),
    ]
"#;

fn project(circle: &str) -> Vec<FileFinding> {
    let dir = tempfile::tempdir().unwrap();
    let circle = format!("from django.db import models\n\n\nclass Circle(models.Model):\n    {circle}\n");
    write_files(
        dir.path(),
        &[
            ("manage.py", MANAGE_PY),
            ("site_settings.py", "INSTALLED_APPS = ['things']\n"),
            ("things/__init__.py", ""),
            ("things/models.py", "from django.db import models\nfrom modelcluster.models import ClusterableModel\nfrom .shapes import Circle\nfrom .more import *\n\n\nclass Snippet(ClusterableModel):\n    pass\n"),
            ("things/shapes.py", &circle),
            ("things/more.py", "from django.db import models\n\n\nclass Square(models.Model):\n    side = models.IntegerField()\n"),
            ("things/elsewhere.py", "from django.db import models\n\n\nclass Hidden(models.Model):\n    pass\n"),
            ("things/migrations/__init__.py", ""),
            ("things/migrations/0001_initial.py", MIGRATION),
        ],
    );
    static_findings_in(dir.path(), (5, 2))
}

#[test]
fn models_imported_from_app_modules_and_unknown_bases_are_not_deleted() {
    // Circle and Square are imported into models.py; Snippet's base is
    // from a package outside the workspace; Hidden is defined in a
    // module of the app we do not read: none is "deleted".
    assert_eq!(project("radius = models.IntegerField()"), vec![]);
    let found = project("radius = models.BigIntegerField()");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].finding.message.starts_with("Alter field `radius` on `circle`"));
    assert!(found[0].path.ends_with("things/shapes.py"));
}
