//! The reader's tests, and the loaders other schema tests share
//! (`load_dir`, `shop_apps`).

use super::*;
use std::path::Path;

/// Loads a folder into an index (tests only: the core never reads files).
pub(crate) fn load_dir(dir: &Path) -> WorkspaceIndex {
    let walked = crate::workspace::walk(dir, std::sync::Arc::new(|_: &Path| false));
    let sources = walked
        .files
        .into_iter()
        .map(|path| crate::workspace::Source { path, contents: None })
        .collect();
    crate::workspace::load(sources).index
}

pub(crate) fn shop_apps(index: &WorkspaceIndex, root: &Path) -> Vec<AppSpec> {
    ["catalog", "reviews"]
        .iter()
        .map(|label| AppSpec {
            label: (*label).to_owned(),
            dir: root.join(label),
            files: vec![index.file_by_path(&root.join(label).join("models.py")).unwrap()],
            default_auto_field: "django.db.models.BigAutoField".to_owned(),
        })
        .collect()
}

#[test]
fn reads_the_shop_models() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shop");
    let index = load_dir(&root);
    let apps = shop_apps(&index, &root);
    let declared = read_models(&index, &apps, "auth.User");
    assert!(declared.uncertain.is_empty(), "{:?}", declared.uncertain);
    let product = declared.state.get(&ModelKey::new("catalog", "Product")).unwrap();
    let names: Vec<&str> = product.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "created_at",
            "updated_at",
            "category",
            "name",
            "slug",
            "sku",
            "description",
            "price",
            "stock",
            "is_published",
            "image_url",
            "tags"
        ]
    );
    assert_eq!(product.fields[0].class.as_deref(), Some("BigAutoField"));
    let sku = product.field("sku").unwrap();
    assert_eq!(sku.kwarg("verbose_name"), Some(&Value::Str("SKU".into())));
    assert_eq!(sku.max_length(), Some(32));
    assert_eq!(
        product.field("category").unwrap().kwarg("to"),
        Some(&Value::Str("catalog.category".into()))
    );
    assert_eq!(
        product.field("tags").unwrap().kwarg("to"),
        Some(&Value::Str("catalog.tag".into()))
    );
    let category = declared.state.get(&ModelKey::new("catalog", "category")).unwrap();
    assert_eq!(
        category.field("parent").unwrap().kwarg("to"),
        Some(&Value::Str("catalog.category".into()))
    );
    let customer = declared.state.get(&ModelKey::new("catalog", "customer")).unwrap();
    assert_eq!(
        customer.field("user").unwrap().kwarg("to"),
        Some(&Value::Str("auth.user".into()))
    );
    let order = declared.state.get(&ModelKey::new("catalog", "order")).unwrap();
    let status = order.field("status").unwrap();
    assert_eq!(status.kwarg("default"), Some(&Value::Str("pending".into())));
    let choices = status.kwarg("choices").unwrap().as_list().unwrap();
    assert_eq!(
        choices[0],
        Value::List(vec![Value::Str("pending".into()), Value::Str("Pending payment".into())])
    );
    assert!(declared
        .state
        .get(&ModelKey::new("catalog", "timestampedmodel"))
        .is_none());
    let review = declared.state.get(&ModelKey::new("reviews", "review")).unwrap();
    assert_eq!(
        review.field("product").unwrap().kwarg("to"),
        Some(&Value::Str("catalog.product".into()))
    );
    // Contrib models are known, without origin.
    let user = declared.state.get(&ModelKey::new("auth", "user")).unwrap();
    assert!(user.origin.is_none());
    assert!(user.field("username").is_some() && user.field("groups").is_some());
    assert_eq!(user.pk().unwrap().class.as_deref(), Some("AutoField"));
}
