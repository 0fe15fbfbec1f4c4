//! Migration files read and replayed (SPEC §4): each app's
//! `migrations/*.py` parsed into operations, ordered by their dependencies
//! (squashed migrations replace the ones they list, as `makemigrations`
//! sees them), and applied to a [`ProjectState`] the way Django's
//! `state_forwards` does. `RunPython`/`RunSQL` change nothing; an operation
//! class of the project's own is read from its body (`project_ops.rs`);
//! `*[…]` and `*[op for x in CONSTANTS if …]` in `operations` are expanded;
//! an operation we do not know makes the app's replay `uncertain`.
//!
//! ```text
//!  read.rs ──► Migration ◄── operations.rs ◄── expr.rs ◄┬─ tree-sitter
//!     │          (one operation call)  (Syntax)         └─ fast.rs
//!     ▼
//!  plan.rs ──► the order `migrate` applies ──► replay.rs ──► ProjectState
//! ```
//!
//! This file holds what the others share: [`Migration`] and [`Operation`].
//! Pure: it reads the workspace index, never the disk, and never runs the
//! project's Python.
//!
//! [`ProjectState`]: super::state::ProjectState

mod expr;
mod fast;
mod operations;
mod plan;
mod project_ops;
mod read;
mod replay;

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::state::{Field, Origin};
use crate::python::value::Value;

pub use plan::plan;
pub use read::{fast_reads, read_app_migrations, snippet_parses};
pub use replay::replay;

/// `(app_label, migration_name)`.
pub type MigrationKey = (String, String);

/// One migration file.
#[derive(Debug, Clone)]
pub struct Migration {
    pub app: String,
    pub name: String,
    pub path: PathBuf,
    /// The `class Migration` name (where RDJ501/RDJ502 findings go).
    pub origin: Origin,
    pub dependencies: Vec<MigrationKey>,
    /// `dependencies` is not a literal list (weblate: `get_dependencies()`):
    /// the migration is taken to follow the app's previous one, as
    /// `makemigrations` writes it.
    pub dependencies_unread: bool,
    pub replaces: Vec<MigrationKey>,
    pub operations: Vec<Operation>,
    /// Every operation was understood.
    pub readable: bool,
}

#[derive(Debug, Clone)]
pub enum Operation {
    CreateModel {
        name: String,
        fields: Vec<Field>,
        options: BTreeMap<String, Value>,
        bases: Vec<Value>,
        origin: Origin,
    },
    DeleteModel {
        name: String,
    },
    RenameModel {
        old: String,
        new: String,
    },
    AlterModelTable {
        name: String,
        table: Value,
    },
    AlterModelOptions {
        name: String,
        options: BTreeMap<String, Value>,
    },
    /// Sets `options[key] = value` (`None` removes it): unique_together,
    /// order_with_respect_to, db_table_comment.
    SetOption {
        name: String,
        key: &'static str,
        value: Value,
    },
    AddField {
        model: String,
        field: Field,
    },
    RemoveField {
        model: String,
        name: String,
    },
    AlterField {
        model: String,
        field: Field,
    },
    RenameField {
        model: String,
        old: String,
        new: String,
    },
    AddItem {
        model: String,
        key: &'static str,
        item: Value,
    },
    RemoveItem {
        model: String,
        key: &'static str,
        name: String,
    },
    RenameIndex {
        model: String,
        new: String,
        old_name: Option<String>,
        old_fields: Option<Value>,
    },
    /// No state change (`RunPython`, `RunSQL`, managers, extensions).
    Nothing,
    /// Django's operation on these models (of the migration's app) with
    /// arguments we could not read: their state is unknown from here on.
    Unknown {
        models: Vec<String>,
    },
}

/// Meta options that `AlterModelOptions` replaces as a whole.
pub const ALTER_OPTION_KEYS: &[&str] = &[
    "base_manager_name",
    "default_manager_name",
    "default_related_name",
    "get_latest_by",
    "managed",
    "ordering",
    "permissions",
    "default_permissions",
    "select_on_save",
    "verbose_name",
    "verbose_name_plural",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::FileId;
    use crate::schema::models::tests::load_dir;
    use crate::schema::state::ModelKey;
    use std::path::Path;

    #[test]
    fn replays_the_shop_migrations() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shop");
        let index = load_dir(&root);
        let files: Vec<FileId> = (0..index.files.len())
            .filter(|&f| index.file(f).path.starts_with(root.join("catalog/migrations")))
            .collect();
        let (migrations, readable) = read_app_migrations(&index, "catalog", &files, "auth.User");
        assert!(readable);
        assert_eq!(migrations.len(), 2);
        let state = replay(&plan(&migrations));
        let order = state.get(&ModelKey::new("catalog", "order")).unwrap();
        assert!(order.field("paid_at").is_some_and(|f| f.null()));
        let customer = state.get(&ModelKey::new("catalog", "customer")).unwrap();
        assert_eq!(
            customer.field("user").unwrap().kwarg("to"),
            Some(&Value::Str("auth.user".into()))
        );
        let cartitem = state.get(&ModelKey::new("catalog", "cartitem")).unwrap();
        assert_eq!(
            cartitem
                .options
                .get("constraints")
                .and_then(Value::as_list)
                .map(<[Value]>::len),
            Some(1)
        );
    }
}
