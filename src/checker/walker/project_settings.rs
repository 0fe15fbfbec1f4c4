//! Project settings the walk needs (django-constance's backend,
//! `AUTHENTICATION_BACKENDS`), read from the index's summaries and texts of
//! the checked file's project, once per walk (`Shared`). Never does I/O
//! (the index holds the texts) and never reports.

use super::Walker;
use crate::knowledge::django;
use crate::knowledge::third_party;

impl<'a> Walker<'a> {
    /// Whether the settings of this file's project choose django-constance's
    /// database backend (`CONSTANCE_BACKEND = "constance.backends.database.DatabaseBackend"`
    /// at module level). A settings module belongs to the project of the
    /// folder above its package (`proj/proj/settings.py` → `proj/`, where
    /// `manage.py` is), so one project's settings do not speak for another
    /// in the same workspace. Looked up only when a `config.KEY` read is
    /// met; files that do not mention the setting are not parsed.
    pub(super) fn constance_reads_database(&self) -> bool {
        *self.shared.constance_database.get_or_init(|| {
            let setting = third_party::CONSTANCE_BACKEND_SETTING;
            self.project_files_naming(setting).any(|entry| {
                entry.summary().assignments.iter().any(|a| {
                    a.name == setting && a.value.as_str().is_some_and(third_party::is_constance_database_backend)
                })
            })
        })
    }

    /// Whether the settings of this file's project leave
    /// `AUTHENTICATION_BACKENDS` at its default (`ModelBackend`) or set it,
    /// at module level, to a list of backends that all fetch the user as a
    /// plain row ([`django::backend_gets_plain_user_row`]). Any other
    /// mention of the name but a read (`settings.AUTHENTICATION_BACKENDS`)
    /// — `+=`, a class attribute, `override_settings(...)`, a value not
    /// written out — leaves the backends unknown.
    pub(super) fn auth_backends_get_plain_rows(&self) -> bool {
        *self.shared.auth_backends_plain.get_or_init(|| {
            let setting = django::AUTHENTICATION_BACKENDS_SETTING;
            self.project_files_naming(setting).all(|entry| {
                let assignments: Vec<_> = entry
                    .summary()
                    .assignments
                    .iter()
                    .filter(|a| a.name == setting)
                    .collect();
                let all_plain = assignments.iter().all(|a| match &a.value {
                    crate::index::summary::AssignedValue::Strings(backends) => {
                        backends.iter().all(|(b, _)| django::backend_gets_plain_user_row(b))
                    }
                    _ => false,
                });
                let text = entry.text.as_bytes();
                let reads = memchr::memmem::find_iter(text, setting.as_bytes())
                    .filter(|&at| text[..at].ends_with(b"settings."))
                    .count();
                let mentions = memchr::memmem::find_iter(text, setting.as_bytes()).count();
                all_plain && mentions == assignments.len() + reads
            })
        })
    }

    /// The files of this file's project whose text names `setting` (the
    /// only ones that may set it). A settings module belongs to the project
    /// of the folder above its package (`proj/proj/settings.py` → `proj/`,
    /// where `manage.py` is), so one project's settings do not speak for
    /// another in the same workspace.
    pub(super) fn project_files_naming<'s>(
        &'s self,
        setting: &'s str,
    ) -> impl Iterator<Item = &'s crate::index::FileEntry> + 's {
        let checked = &self.index.file(self.file).path;
        self.index.files.iter().map(|entry| &**entry).filter(move |entry| {
            let project = entry.path.parent().and_then(|package| package.parent());
            project.is_none_or(|p| checked.starts_with(p))
                && memchr::memmem::find(entry.text.as_bytes(), setting.as_bytes()).is_some()
        })
    }
}
