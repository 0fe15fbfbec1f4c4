//! Schema findings in the language server (SPEC §5): they appear on models
//! and migration files after open and save, computed in the background, and
//! a slow or unreachable database delays no other answer.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::lsp::Lsp;
use serde_json::{json, Value};

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn shop_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_project(&common::repo().join("fixtures/shop"), dir.path());
    dir
}

fn start(root: &Path, options: Value) -> Lsp {
    let mut lsp = Lsp::start(root);
    lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri_of(root), "initializationOptions": options, "capabilities": {}}),
    );
    lsp.notify("initialized", json!({}));
    lsp
}

fn codes(diags: &[Value]) -> Vec<(String, u64)> {
    diags
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_owned(),
                d["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

const FIELD: &str = "    image_url = models.URLField(blank=True)\n";
const ADDED: &str =
    "    image_url = models.URLField(blank=True)\n    barcode = models.CharField(max_length=13, blank=True)\n";

#[test]
fn a_model_change_without_migration_shows_on_the_models_file_until_saved_away() {
    let dir = shop_copy();
    let root = dir.path().canonicalize().unwrap();
    let models = root.join("catalog/models.py");
    let original = std::fs::read_to_string(&models).unwrap();
    let changed = original.replace(FIELD, ADDED);
    std::fs::write(&models, &changed).unwrap();
    let line = changed.lines().position(|l| l.contains("barcode = ")).unwrap() as u64;

    let mut lsp = start(&root, json!({}));
    let uri = uri_of(&models);
    lsp.open(&uri, &changed);
    let diags = lsp.diagnostics_until(&uri, |d| codes(d).contains(&("RDJ503".to_owned(), line)));
    let rdj503 = diags.iter().find(|d| d["code"] == "RDJ503").unwrap();
    assert!(
        rdj503["message"]
            .as_str()
            .unwrap()
            .contains("Add field `barcode` to `product`"),
        "{rdj503}"
    );

    // Saved without the field: the finding goes.
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": original}]}),
    );
    std::fs::write(&models, &original).unwrap();
    lsp.notify("textDocument/didSave", json!({"textDocument": {"uri": uri}}));
    lsp.diagnostics_until(&uri, |d| !codes(d).iter().any(|(c, _)| c == "RDJ503"));
    lsp.shutdown();
}

#[test]
fn an_unreachable_database_delays_nothing_and_is_one_finding_on_the_settings() {
    let dir = shop_copy();
    let root = dir.path().canonicalize().unwrap();
    // A server that accepts and never answers, with a long connect timeout:
    // the schema run waits for it, nothing else may.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let conns: Vec<_> = silent.incoming().take(4).collect();
        std::thread::sleep(Duration::from_secs(8));
        drop(conns);
    });
    let url = format!("postgres://shop:Sup3r-S3cret-pw@127.0.0.1:{port}/shop");
    let options = json!({"databaseUrl": url, "database": {"connectTimeoutMs": 2500}});
    let mut lsp = start(&root, options);
    let cart = root.join("shop/states/cart.py");
    let cart_uri = uri_of(&cart);
    let started = Instant::now();
    lsp.open(&cart_uri, &std::fs::read_to_string(&cart).unwrap());
    lsp.diagnostics_until(&cart_uri, |d| !d.is_empty());
    assert!(
        started.elapsed() < Duration::from_millis(3000),
        "diagnostics waited for the database: {:?}",
        started.elapsed()
    );
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": cart_uri}, "position": {"line": 0, "character": 0}}),
    );
    assert!(hover.get("result").is_some());

    let settings = root.join("shop_project/settings.py");
    let settings_uri = uri_of(&settings);
    lsp.open(&settings_uri, &std::fs::read_to_string(&settings).unwrap());
    let diags = lsp.diagnostics_until(&settings_uri, |d| codes(d).iter().any(|(c, _)| c == "RDJ509"));
    let finding = diags.iter().find(|d| d["code"] == "RDJ509").unwrap();
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "postgres://shop:***@127.0.0.1:{port}/shop` (from the editor setting `databaseUrl`)"
        )),
        "{message}"
    );
    assert!(!message.contains("Sup3r-S3cret-pw"));
    assert!(
        started.elapsed() >= Duration::from_millis(2000),
        "the timeout was waited for"
    );
    lsp.shutdown();
    drop(held);
}
