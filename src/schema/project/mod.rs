//! One Django project's schema analysis: its models read, its migrations
//! replayed, and the findings of both (RDJ503), then — given what the live
//! database holds — RDJ501/502 and RDJ504–508, or RDJ509 when it could not
//! be read. Pure: the front ends connect to the database and pass the result;
//! nothing here does I/O or knows which front end asked.

mod findings;
mod read;
#[cfg(test)]
mod real_package_tests;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::migrations::{plan, replay, Migration};
use super::models::Declared;
use super::patches::{read_patches, MigrationPatches};
use super::settings::Project;
use super::state::ProjectState;
use crate::index::{FileId, WorkspaceIndex};
use read::{read_declared, read_migrations};

/// The project's schema as read from its files.
#[derive(Debug)]
pub struct ProjectSchema {
    pub project: Project,
    pub declared: Declared,
    /// Every app's migration files (apps with a migrations folder).
    pub migrations: Vec<Migration>,
    /// The state the migrations build.
    pub migrated: ProjectState,
    /// Apps whose models and migrations RDJ503 compares: those with a
    /// migrations folder whose files we could all read.
    pub compared_apps: BTreeSet<String>,
    /// Apps with a migrations folder (RDJ501/502 look at them).
    pub migrated_apps: BTreeSet<String>,
    /// What the project changes in Django's comparison (see `patches.rs`).
    pub patches: MigrationPatches,
    /// Paths of the project's files (settings, manage.py, rxconfig.py, models).
    paths: BTreeMap<FileId, PathBuf>,
}

/// The default `DEFAULT_AUTO_FIELD`: `AutoField` up to Django 5.2,
/// `BigAutoField` from 6.0.
pub fn version_default_auto_field(django_version: (u32, u32)) -> &'static str {
    if django_version >= (6, 0) {
        "django.db.models.BigAutoField"
    } else {
        "django.db.models.AutoField"
    }
}

pub fn analyze(index: &WorkspaceIndex, project: Project, django_version: (u32, u32)) -> ProjectSchema {
    let project = project.for_django(django_version);
    // The models (and what the project patches) on one side, the migration
    // files on the other: independent, so read side by side.
    let ((declared, patches), (migrations, compared_apps, migrated_apps)) = rayon::join(
        || {
            rayon::join(
                || read_declared(index, &project, django_version),
                || read_patches(index, &project),
            )
        },
        || read_migrations(index, &project),
    );
    let migrated = replay(&plan(&migrations));
    let mut patches = patches;
    // `ManyToManyField.deconstruct()` writes `through_fields` from Django
    // 5.2 on (ticket #36061); before, it never reached a migration.
    if django_version < (5, 2) {
        patches.dropped_field_kwargs.insert("through_fields".to_owned());
    }
    let paths = [project.settings, project.manage_py, project.rxconfig]
        .into_iter()
        .flatten()
        .chain(project.apps.iter().flat_map(|a| a.models.iter().copied()))
        .map(|f| (f, index.file(f).path.clone()))
        .collect();
    ProjectSchema {
        project,
        declared,
        migrations,
        migrated,
        compared_apps,
        migrated_apps,
        patches,
        paths,
    }
}
