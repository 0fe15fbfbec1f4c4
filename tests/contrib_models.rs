//! `src/knowledge/models/contrib_models.rs` is the index's view of Django's contrib
//! models, projected from their one description, `src/knowledge/models/contrib.py`,
//! as the schema's own model reader reads it (fields inherited from
//! abstract bases, the automatic primary key, relation targets). After
//! editing `contrib.py`: `UPDATE_CONTRIB=1 cargo test --test contrib_models`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use reflex_django_lsp::index::WorkspaceIndex;
use reflex_django_lsp::knowledge::models::contrib::CONTRIB_PY;
use reflex_django_lsp::knowledge::models::fields::field_kind;
use reflex_django_lsp::knowledge::models::FieldKind;
use reflex_django_lsp::schema::models::contrib_declarations;

/// Each class's qualified names from the `# module:` and `# also in:`
/// markers above it: where it is defined first, then where re-exported.
fn qualnames_by_class() -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut modules: Vec<String> = Vec::new();
    for line in CONTRIB_PY.lines() {
        if let Some(module) = line.strip_prefix("# module: ") {
            modules = vec![module.trim().to_owned()];
        } else if let Some(module) = line.strip_prefix("# also in: ") {
            modules.push(module.trim().to_owned());
        } else if let Some(rest) = line.strip_prefix("class ") {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            assert!(!modules.is_empty(), "contrib.py: no `# module:` above class {name}");
            out.insert(name.clone(), modules.iter().map(|m| format!("{m}.{name}")).collect());
        }
    }
    out
}

fn literal(s: Option<&str>) -> String {
    match s {
        Some(s) => format!("Some({s:?})"),
        None => "None".to_owned(),
    }
}

fn generated() -> String {
    let index = WorkspaceIndex::new(Vec::new());
    let declarations = contrib_declarations(&index);
    let qualnames = qualnames_by_class();
    let qualnames_of = |name: &str| {
        qualnames
            .get(name)
            .unwrap_or_else(|| panic!("contrib.py: no qualified name for {name}"))
    };
    // `"auth.user"` → where Django defines the model.
    let by_key: BTreeMap<String, String> = declarations
        .iter()
        .filter(|d| !d.is_abstract)
        .map(|d| {
            let key = format!("{}.{}", d.state.app_label, d.state.name.to_lowercase());
            (key, qualnames_of(&d.state.name)[0].clone())
        })
        .collect();
    let mut concrete = String::new();
    let mut bases = String::new();
    for d in &declarations {
        let out = if d.is_abstract { &mut bases } else { &mut concrete };
        let names: Vec<String> = qualnames_of(&d.state.name).iter().map(|q| format!("{q:?}")).collect();
        writeln!(out, "    ContribModel {{").unwrap();
        writeln!(out, "        qualnames: &[{}],", names.join(", ")).unwrap();
        writeln!(out, "        app_label: {:?},", d.state.app_label).unwrap();
        writeln!(out, "        fields: &[").unwrap();
        let mut fields: Vec<_> = d
            .state
            .fields
            .iter()
            .filter_map(|f| Some((f, field_kind(f.class.as_deref().unwrap_or(&f.written_class))?)))
            .collect();
        // Django's `_meta.get_fields()` order: the concrete fields, then the
        // many-to-many ones (kept apart, in `local_many_to_many`).
        fields.sort_by_key(|(_, kind)| *kind == FieldKind::ManyToMany);
        for (f, kind) in fields {
            let target = f.target().map(|key| {
                by_key
                    .get(&key.to_string())
                    .unwrap_or_else(|| panic!("{}.{}: target {key} is no contrib model", d.state.name, f.name))
                    .as_str()
            });
            let related_name = f.kwarg("related_name").and_then(|v| v.as_str());
            let unique = kind == FieldKind::OneToOne || f.kwarg("unique").and_then(|v| v.as_bool()) == Some(true);
            writeln!(
                out,
                "            ContribField {{ name: {:?}, kind: FieldKind::{kind:?}, target: {}, related_name: {}, primary_key: {}, unique: {unique} }},",
                f.name,
                literal(target),
                literal(related_name),
                f.primary_key(),
            )
            .unwrap();
        }
        writeln!(out, "        ],").unwrap();
        writeln!(out, "    }},").unwrap();
    }
    format!(
        "//! Django's contrib models as the index knows them: every model class of\n\
         //! `contrib.py` with its fields (inherited ones and the automatic primary\n\
         //! key included), relation targets as qualified names. Data only.\n\
         //!\n\
         //! Generated from contrib.py by `UPDATE_CONTRIB=1 cargo test --test contrib_models`; do not edit.\n\
         \n\
         use super::contrib::{{ContribField, ContribModel}};\n\
         use super::FieldKind;\n\
         \n\
         /// The concrete models, in the order `contrib.py` declares them.\n\
         pub const CONTRIB_MODELS: &[ContribModel] = &[\n{concrete}];\n\
         \n\
         /// The abstract bases a project's model may inherit.\n\
         pub const CONTRIB_BASES: &[ContribModel] = &[\n{bases}];\n"
    )
}

#[test]
fn contrib_models_rs_is_projected_from_contrib_py() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/knowledge/models/contrib_models.rs");
    let want = generated();
    if std::env::var_os("UPDATE_CONTRIB").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "src/knowledge/models/contrib_models.rs is out of date: run `UPDATE_CONTRIB=1 cargo test --test contrib_models`"
    );
}
