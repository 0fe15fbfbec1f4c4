//! The project's files read for its analysis: the models as declared (with
//! the auto field its settings and Django version give) and every app's
//! migration files, the trees they need parsed ahead in parallel. Compares
//! nothing (that is `findings.rs`).

use std::collections::BTreeSet;

use super::version_default_auto_field;
use crate::index::{FileId, WorkspaceIndex};
use crate::schema::migrations::{read_app_migrations, Migration};
use crate::schema::models::{fill_related_name_placeholders, read_models, AppSpec, Declared};
use crate::schema::settings::Project;

/// The project's models, as Django would deconstruct them.
pub(super) fn read_declared(index: &WorkspaceIndex, project: &Project, django_version: (u32, u32)) -> Declared {
    parse_ahead(index, project);
    let fallback_auto = project
        .default_auto_field
        .clone()
        .unwrap_or_else(|| version_default_auto_field(django_version).to_owned());
    let specs: Vec<AppSpec> = project
        .apps
        .iter()
        .map(|a| AppSpec {
            label: a.label.clone(),
            dir: a.dir.clone(),
            files: a.models.clone(),
            default_auto_field: a.default_auto_field.clone().unwrap_or_else(|| fallback_auto.clone()),
        })
        .collect();
    let mut declared = read_models(index, &specs, &project.auth_user_model);
    if django_version < (4, 0) {
        fill_related_name_placeholders(&mut declared.state);
    }
    declared
}

/// Every app's migration files; the apps whose files could all be read
/// (RDJ503 compares them) and the apps with a migrations folder.
pub(super) fn read_migrations(
    index: &WorkspaceIndex,
    project: &Project,
) -> (Vec<Migration>, BTreeSet<String>, BTreeSet<String>) {
    let mut migrations = Vec::new();
    let mut compared_apps = BTreeSet::new();
    let mut migrated_apps = BTreeSet::new();
    for app in &project.apps {
        let folder = app.dir.join("migrations");
        let has_folder = !app.migrations.is_empty() || index.file_by_path(&folder.join("__init__.py")).is_some();
        if !has_folder {
            continue;
        }
        migrated_apps.insert(app.label.clone());
        let (files, readable) = read_app_migrations(index, &app.label, &app.migrations, &project.auth_user_model);
        if readable {
            compared_apps.insert(app.label.clone());
        }
        migrations.extend(files);
    }
    (migrations, compared_apps, migrated_apps)
}

/// Parses in parallel what reading the models will need: the models files,
/// then the workspace modules they import (base classes, custom fields,
/// choices); reading them afterwards is sequential. (Migrations are read in
/// parallel by `read_app_migrations`, each with a tree of its own.)
fn parse_ahead(index: &WorkspaceIndex, project: &Project) {
    use rayon::prelude::*;
    let models: Vec<FileId> = project.apps.iter().flat_map(|a| a.models.iter()).copied().collect();
    models.par_iter().for_each(|&f| {
        let _ = index.file(f).tree();
    });
    let mut imported: BTreeSet<FileId> = BTreeSet::new();
    for &f in &models {
        for b in index.file(f).summary().imports.iter().filter(|b| b.scope.is_none()) {
            imported.extend(index.imported_files(b, f));
        }
    }
    imported.par_iter().for_each(|&f| {
        let _ = index.file(f).tree();
    });
}
