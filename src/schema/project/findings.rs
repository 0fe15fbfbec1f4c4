//! The analysed project's findings: RDJ503 (models against migrations),
//! RDJ501/502 and RDJ504–508 against a live schema the front end read, and
//! RDJ509 when it could not read one; and the files findings may sit on.
//! Reads no file and connects to nothing.

use std::collections::{BTreeSet, HashMap};

use super::ProjectSchema;
use crate::diagnostic::{FileFinding, Finding};
use crate::index::FileId;
use crate::registry::Rule;
use crate::schema::applied::applied_findings;
use crate::schema::autodetect::detect;
use crate::schema::live::LiveSchema;
use crate::schema::migrations::{plan, Migration};
use crate::schema::state::Origin;
use crate::schema::{drift, Backend};

impl ProjectSchema {
    /// RDJ503: models against migrations.
    pub fn static_findings(&self) -> Vec<FileFinding> {
        detect(&self.declared, &self.migrated, &self.compared_apps, &self.patches)
    }

    /// The files schema findings can sit on (models, migrations, the files
    /// that configure the project): a front end connects to the database
    /// only when one of them is being checked.
    pub fn files(&self) -> BTreeSet<FileId> {
        let mut out: BTreeSet<FileId> = self
            .project
            .apps
            .iter()
            .flat_map(|a| a.models.iter().chain(&a.migrations))
            .copied()
            .collect();
        out.extend(self.project.settings);
        out.extend(self.project.manage_py);
        out.extend(self.project.rxconfig);
        out
    }

    /// RDJ501/502 and RDJ504–508 against what the database holds.
    pub fn live_findings(&self, live: &LiveSchema, backend: Backend) -> Vec<FileFinding> {
        // Each migration's place in the plan (the first, should a name repeat).
        let mut place: HashMap<(&str, &str), usize> = HashMap::new();
        for (i, m) in plan(&self.migrations).into_iter().enumerate() {
            place.entry((m.app.as_str(), m.name.as_str())).or_insert(i);
        }
        let apps: Vec<(String, Vec<&Migration>, Option<Origin>)> = self
            .migrated_apps
            .iter()
            .map(|label| {
                // Every file of the app (squashes and their originals), in plan
                // order with the replaced ones first: the last is the leaf.
                let mut files: Vec<&Migration> = self.migrations.iter().filter(|m| &m.app == label).collect();
                let rank = |m: &Migration| place.get(&(m.app.as_str(), m.name.as_str())).copied();
                files.sort_by_key(|m| (rank(m).is_some(), rank(m), m.name.clone()));
                let fallback = self.models_origin(label);
                (label.clone(), files, fallback)
            })
            .collect();
        let mut out = applied_findings(&apps, live.applied.as_deref());
        // Drift: models we read fully, of the project's apps (contrib models
        // stay as relation targets; they have no origin to report on).
        let mut state = self.declared.state.clone();
        state.models.retain(|k, _| !self.declared.uncertain.contains(k));
        out.extend(drift::compare(&state, live, backend));
        out
    }

    /// RDJ509: the database could not be read. `url` must already be
    /// redacted; `from` says where it came from. The finding sits on the
    /// statement that configured it, else — for a URL from outside the
    /// project (`--database-url`, the environment, the editor, a config
    /// file) — at the start of the settings module, `manage.py`,
    /// `rxconfig.py` or a models file, the first the project has.
    pub fn unavailable(&self, redacted_url: &str, from: &str, reason: &str) -> Option<FileFinding> {
        let origin = self
            .project
            .database
            .as_ref()
            .and_then(|d| d.origin.clone())
            .or_else(|| self.file_start(self.project.settings))
            .or_else(|| self.file_start(self.project.manage_py))
            .or_else(|| self.file_start(self.project.rxconfig))
            .or_else(|| self.project.apps.iter().find_map(|a| self.models_origin(&a.label)))?;
        // Redacted once more as a whole: the reason may quote a driver.
        let message = crate::redact::redact_text(&format!(
            "The database `{redacted_url}` (from {from}) could not be read: {reason}; the live schema checks did not run"
        ));
        Some(FileFinding::new(
            origin.path,
            Finding::new(Rule::RDJ509, message, origin.range),
        ))
    }

    fn file_start(&self, file: Option<FileId>) -> Option<Origin> {
        let path = self.paths.get(&file?)?.clone();
        Some(Origin { path, range: 0..0 })
    }

    /// The start of an app's first models file.
    fn models_origin(&self, label: &str) -> Option<Origin> {
        let app = self.project.apps.iter().find(|a| a.label == label)?;
        let path = self.paths.get(app.models.first()?)?.clone();
        Some(Origin { path, range: 0..0 })
    }
}
