//! Django's contrib models as this reader sees them: `contrib.py` (the one
//! description, in `crate::knowledge::models::contrib`) parsed once for every project,
//! and read whole — abstract bases too — into the states that
//! `tests/contrib_models.rs` projects into the index's table.
//!
//! Reads the bundled declarations only: never a file, never the database.

use std::sync::LazyLock;

use tree_sitter::Tree;

use super::modules::{class_name, module_classes};
use super::{DeclScope, ModelKind, ModelReader};
use crate::index::WorkspaceIndex;
use crate::knowledge::models::contrib::CONTRIB_PY;
use crate::python::value::Value;
use crate::schema::state::ModelState;
use crate::syntax;

/// The contrib declarations, parsed once.
pub(super) static CONTRIB: LazyLock<Option<Tree>> = LazyLock::new(|| syntax::parse(CONTRIB_PY));

/// One contrib model class as `read_models` would build it.
#[derive(Debug, Clone)]
pub struct ContribDeclaration {
    /// Its state: every field, inherited ones included; a concrete model's
    /// automatic primary key too (an abstract base has none).
    pub state: ModelState,
    pub is_abstract: bool,
}

/// Every model class of `contrib.py`, abstract bases included, in the order
/// declared, with the default `AUTH_USER_MODEL` and Django's contrib apps'
/// own auto field (`AutoField`). `index` is consulted for nothing the
/// contrib declarations name; any index (an empty one) will do.
pub fn contrib_declarations(index: &WorkspaceIndex) -> Vec<ContribDeclaration> {
    let mut reader = ModelReader::new(index, &[], "auth.User");
    let Some(tree) = &*CONTRIB else { return Vec::new() };
    let mut out = Vec::new();
    for (node, _) in module_classes(tree.root_node()) {
        let name = class_name(node, CONTRIB_PY);
        let Some(id) = reader.decl(DeclScope::Builtin, &name) else {
            continue;
        };
        if reader.model_kind(id) != ModelKind::Model {
            continue;
        }
        let Some(key) = reader.key_of(id) else { continue };
        let meta = reader.meta_of(id);
        let is_abstract = matches!(meta.get("abstract"), Some(Value::Bool(true)));
        let mut state = reader.model_state(id, &key.app, meta, CONTRIB_AUTO_FIELD);
        if is_abstract {
            // An abstract class has no table, so no automatic primary key.
            state
                .fields
                .retain(|f| !matches!(f.kwarg("auto_created"), Some(Value::Bool(true))));
        }
        out.push(ContribDeclaration { state, is_abstract });
    }
    out
}

/// The auto field of a model whose app the project does not list (Django's
/// contrib apps set `default_auto_field = "django.db.models.AutoField"`).
pub(super) const CONTRIB_AUTO_FIELD: &str = "django.db.models.AutoField";
