//! RDJ501 and RDJ502: the migration files against the rows of
//! `django_migrations`, read the way Django's loader reads them — a squashed
//! migration counts as applied when it is recorded or when everything it
//! replaces is; its originals count as applied when it is.

use std::collections::{BTreeMap, BTreeSet};

use super::migrations::{Migration, MigrationKey};
use super::state::Origin;
use super::SchemaFinding;
use crate::rules::Rule;

/// `apps`: each app with a migrations folder, its label and its files (in
/// plan order, so the last one is the app's leaf). `fallback` places an
/// RDJ502 finding of an app that has no migration file left.
pub fn applied_findings(
    apps: &[(String, Vec<&Migration>, Option<Origin>)],
    applied: Option<&[(String, String)]>,
) -> Vec<SchemaFinding> {
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
        let squash_applied = |m: &Migration| {
            recorded.contains(&(m.app.clone(), m.name.clone()))
                || (!m.replaces.is_empty() && m.replaces.iter().all(|r| recorded.contains(r)))
        };
        for m in files {
            let key = (m.app.clone(), m.name.clone());
            let applied_here = if m.replaces.is_empty() {
                recorded.contains(&key) || replaced_by.get(&key).is_some_and(|s| squash_applied(s))
            } else {
                // Partly applied originals: Django uses the originals, whose own
                // findings say what is missing; the squash itself is fine.
                squash_applied(m) || m.replaces.iter().any(|r| recorded.contains(r) && present.contains(r))
            };
            if !applied_here {
                out.push(SchemaFinding {
                    rule: Rule::RDJ501,
                    message: format!(
                        "Migration `{}.{}` is not applied to the database (`django_migrations` does not record it); run `migrate`",
                        m.app, m.name
                    ),
                    path: m.origin.path.clone(),
                    range: m.origin.range.clone(),
                    severity: None,
                });
            }
        }
        let replaced: BTreeSet<&MigrationKey> = replaced_by.keys().collect();
        let leaf = files.last().map(|m| m.origin.clone()).or_else(|| fallback.clone());
        let Some(leaf) = leaf else { continue };
        for key in recorded.iter().filter(|k| &k.0 == app) {
            if present.contains(key) || replaced.contains(key) {
                continue;
            }
            out.push(SchemaFinding {
                rule: Rule::RDJ502,
                message: format!(
                    "Migration `{}.{}` is recorded as applied but its file is missing (and no squashed migration replaces it)",
                    key.0, key.1
                ),
                path: leaf.path.clone(),
                range: leaf.range.clone(),
                severity: None,
            });
        }
    }
    out
}
