//! RDJ501 and RDJ502: the migration files against the rows of
//! `django_migrations`, read the way Django's loader reads them — a squashed
//! migration counts as applied when it is recorded or when everything it
//! replaces is; its originals count as applied when it is.

use std::collections::{BTreeMap, BTreeSet};

use super::migrations::{Migration, MigrationKey};
use super::state::Origin;
use crate::diagnostic::{FileFinding, Finding};
use crate::registry::Rule;

/// `apps`: each app with a migrations folder, its label and its files (in
/// plan order, so the last one is the app's leaf). `fallback` places an
/// RDJ502 finding of an app that has no migration file left.
pub fn applied_findings(
    apps: &[(String, Vec<&Migration>, Option<Origin>)],
    applied: Option<&[(String, String)]>,
) -> Vec<FileFinding> {
    let recorded: BTreeSet<MigrationKey> = applied.unwrap_or_default().iter().cloned().collect();
    let mut out = Vec::new();
    for (app, files, fallback) in apps {
        let present: BTreeSet<MigrationKey> = files.iter().map(|m| (m.app.clone(), m.name.clone())).collect();
        // Squashes present, and what each replaces.
        let mut replaced_by: BTreeMap<MigrationKey, &Migration> = BTreeMap::new();
        for m in files {
            for r in &m.replaces {
                replaced_by.insert(r.clone(), m);
            }
        }
        // Django's loader: a squash stands in for its originals unless they
        // are partly applied; then the originals stay and the squash goes.
        let replaced_state = |s: &Migration| {
            let applied = s.replaces.iter().filter(|r| recorded.contains(*r)).count();
            (applied == s.replaces.len(), applied > 0)
        };
        for m in files {
            let key = (m.app.clone(), m.name.clone());
            let applied_here = if !m.replaces.is_empty() {
                match replaced_state(m) {
                    (true, _) => true,
                    (false, true) => true, // not in the graph: its originals speak
                    (false, false) => recorded.contains(&key),
                }
            } else if let Some(s) = replaced_by.get(&key) {
                match replaced_state(s) {
                    (true, _) => true,
                    (false, true) => recorded.contains(&key),
                    (false, false) => true, // replaced: the squash speaks
                }
            } else {
                recorded.contains(&key)
            };
            if !applied_here {
                let message = format!(
                    "Migration `{}.{}` is not applied to the database (`django_migrations` does not record it); run `migrate`",
                    m.app, m.name
                );
                out.push(FileFinding::new(
                    m.origin.path.clone(),
                    Finding::new(Rule::RDJ501, message, m.origin.range.clone()),
                ));
            }
        }
        let replaced: BTreeSet<&MigrationKey> = replaced_by.keys().collect();
        let leaf = files.last().map(|m| m.origin.clone()).or_else(|| fallback.clone());
        let Some(leaf) = leaf else { continue };
        for key in recorded.iter().filter(|k| &k.0 == app) {
            if present.contains(key) || replaced.contains(key) {
                continue;
            }
            let message = format!(
                "Migration `{}.{}` is recorded as applied but its file is missing (and no squashed migration replaces it)",
                key.0, key.1
            );
            out.push(FileFinding::new(
                leaf.path.clone(),
                Finding::new(Rule::RDJ502, message, leaf.range.clone()),
            ));
        }
    }
    out
}
