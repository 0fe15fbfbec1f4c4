//! The language server end to end: the real binary over stdio, driven by a
//! small JSON-RPC client (SPEC §5). Every wait is bounded.

mod common;

use std::path::Path;
use std::time::Duration;

use common::lsp::Lsp;
use serde_json::{json, Value};

const MODELS: &str =
    "from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField(max_length=10)\n";
// `é` and `😀` make UTF-16 columns differ from characters and bytes.
const VIEWS: &str = "from app.models import Product\n\n\nasync def show(pk):\n    label = \"é😀\"; return Product.objects.get(pk=pk).name\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("app")).unwrap();
    std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = 'x'\n").unwrap();
    std::fs::write(dir.path().join("app/__init__.py"), "").unwrap();
    std::fs::write(dir.path().join("app/models.py"), MODELS).unwrap();
    std::fs::write(dir.path().join("app/views.py"), VIEWS).unwrap();
    dir
}

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn initialize(lsp: &mut Lsp, root: &Path, encodings: Value) -> Value {
    let init = lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri_of(root), "workspaceFolders": [{"uri": uri_of(root), "name": "p"}],
               "capabilities": {"general": {"positionEncodings": encodings}}}),
    );
    lsp.notify("initialized", json!({}));
    init
}

/// Opens `app/views.py` and waits for its one finding; returns its URI.
fn open_views(lsp: &mut Lsp, root: &Path) -> String {
    let views = uri_of(&root.join("app/views.py"));
    lsp.open(&views, VIEWS);
    assert_eq!(lsp.diagnostics_until(&views, |d| !d.is_empty()).len(), 1);
    views
}

#[test]
fn diagnostics_fixes_hover_and_shutdown() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    let mut lsp = Lsp::start(&root);
    let init = initialize(&mut lsp, &root, json!(["utf-16"]));
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    // Pulls are offered only to clients that accept refresh requests.
    assert!(caps.get("diagnosticProvider").is_none());
    assert!(caps["codeActionProvider"]["codeActionKinds"]
        .as_array()
        .unwrap()
        .contains(&json!("source.fixAll.reflex-django-lsp")));

    let uri = uri_of(&root.join("app/views.py"));
    lsp.open(&uri, VIEWS);
    let diags = lsp.diagnostics_until(&uri, |d| !d.is_empty());
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "RDJ101");
    // `    label = "é😀"; return ` is 26 UTF-16 units (😀 counts 2).
    assert_eq!(diags[0]["range"]["start"], json!({"line": 4, "character": 26}));

    // Pull diagnostics give the same.
    let pulled = lsp.request("textDocument/diagnostic", json!({"textDocument": {"uri": uri}}));
    assert_eq!(pulled["result"]["items"][0]["code"], "RDJ101");

    // Code actions: the quick fix, the noqa action, fix-all.
    let range = diags[0]["range"].clone();
    let actions = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range, "context": {"diagnostics": [diags[0]]}}),
    );
    let actions = actions["result"].as_array().unwrap().clone();
    let titles: Vec<&str> = actions.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"Use `await Product.objects.aget()`"), "{titles:?}");
    assert!(titles.contains(&"Disable RDJ101 for this line"), "{titles:?}");
    let fix_all = actions
        .iter()
        .find(|a| a["kind"] == "source.fixAll.reflex-django-lsp")
        .expect("fix-all");
    let new_text = fix_all["edit"]["changes"][&uri][0]["newText"].as_str().unwrap();
    assert!(
        new_text.contains("(await Product.objects.aget(pk=pk)).name"),
        "{new_text}"
    );
    let noqa = actions
        .iter()
        .find(|a| a["title"] == "Disable RDJ101 for this line")
        .unwrap();
    assert_eq!(noqa["edit"]["changes"][&uri][0]["newText"], "  # noqa: RDJ101");

    // Hover on the finding shows the rule's documentation.
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 4, "character": 30}}),
    );
    let doc = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(doc.contains("RDJ101") && doc.contains("## What it does"), "{doc}");

    // An incremental edit applying the fix clears the diagnostics.
    let edits: Vec<Value> = fix_all["edit"]["changes"][&uri].as_array().unwrap().clone();
    lsp.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"range": edits[0]["range"], "text": edits[0]["newText"]}]}));
    assert!(lsp.diagnostics_until(&uri, |d| d.is_empty()).is_empty());

    // Garbage and unknown methods do not stop it.
    lsp.send_raw(b"{not json");
    let unknown = lsp.request("reflexDjangoLsp/unknown", json!({}));
    assert!(unknown.get("error").is_some());
    // Changes to documents never opened are ignored.
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///nowhere.py", "version": 1}, "contentChanges": [{"text": "x"}]}),
    );
    // A position past the end is clamped.
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 99, "character": 99}}),
    );
    assert!(hover.get("result").is_some());

    let shutdown = lsp.request("shutdown", json!(null));
    assert!(shutdown.get("error").is_none());
    lsp.notify("exit", json!(null));
    let status = (0..100).find_map(|_| {
        std::thread::sleep(Duration::from_millis(50));
        lsp.child.try_wait().unwrap()
    });
    assert!(status.is_some_and(|s| s.success()), "exits after `exit`");
}

#[test]
fn utf8_positions_settings_and_cross_file_changes() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    let mut lsp = Lsp::start(&root);
    let init = initialize(&mut lsp, &root, json!(["utf-8", "utf-16"]));
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-8");

    let views = uri_of(&root.join("app/views.py"));
    lsp.open(&views, VIEWS);
    let diags = lsp.diagnostics_until(&views, |d| !d.is_empty());
    // In UTF-8 code units: é is 2 bytes, 😀 is 4.
    assert_eq!(diags[0]["range"]["start"], json!({"line": 4, "character": 29}));

    // A models file edited in the editor re-checks the files that use it.
    let models = uri_of(&root.join("app/models.py"));
    lsp.open(&models, MODELS);
    lsp.notify("textDocument/didChange", json!({"textDocument": {"uri": models, "version": 2}, "contentChanges": [{"text": "class Product:\n    pass\n"}]}));
    lsp.diagnostics_until(&views, |d| d.is_empty()); // Product is no longer a model

    // Settings from the client: ignoring the rule clears the finding.
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": models, "version": 3}, "contentChanges": [{"text": MODELS}]}),
    );
    assert_eq!(lsp.diagnostics_until(&views, |d| !d.is_empty()).len(), 1);
    lsp.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"reflexDjangoLsp": {"ignore": ["RDJ1"]}}}),
    );
    lsp.diagnostics_until(&views, |d| d.is_empty()); // RDJ1 ignored by the client's settings
    lsp.shutdown();
}

#[test]
fn watched_config_files_apply() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    let mut lsp = Lsp::start(&root);
    initialize(&mut lsp, &root, json!(["utf-16"]));
    let views = open_views(&mut lsp, &root);

    // A config file changes on disk: the watcher notification applies it.
    std::fs::write(
        root.join("pyproject.toml"),
        "[project]\nname = 'x'\n[tool.reflex-django-lsp]\nignore = [\"RDJ101\"]\n",
    )
    .unwrap();
    lsp.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&root.join("pyproject.toml")), "type": 2}]}),
    );
    lsp.diagnostics_until(&views, |d| d.is_empty());
    std::fs::write(root.join("pyproject.toml"), "[project]\nname = 'x'\n").unwrap();
    lsp.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&root.join("pyproject.toml")), "type": 2}]}),
    );
    lsp.diagnostics_until(&views, |d| d.len() == 1);

    lsp.shutdown();
}

#[test]
fn clients_that_pull_diagnostics_get_no_pushed_copies() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    let mut lsp = Lsp::start(&root);
    let init = lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri_of(&root), "capabilities": {
            "textDocument": {"diagnostic": {"dynamicRegistration": false}},
            "workspace": {"diagnostics": {"refreshSupport": true}, "configuration": false}}}),
    );
    assert_eq!(
        init["result"]["capabilities"]["diagnosticProvider"]["identifier"],
        "reflex-django-lsp"
    );
    lsp.notify("initialized", json!({}));
    let uri = uri_of(&root.join("app/views.py"));
    lsp.open(&uri, VIEWS);
    let codes = |lsp: &mut Lsp| -> Vec<Value> {
        let pulled = lsp.request("textDocument/diagnostic", json!({"textDocument": {"uri": uri}}));
        pulled["result"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].clone())
            .collect()
    };
    assert_eq!(codes(&mut lsp), vec![json!("RDJ101")]);
    // A settings change asks the client to pull again, and the pull reflects it.
    lsp.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"reflexDjangoLsp": {"ignore": ["RDJ101"]}}}),
    );
    lsp.wait(|m| m["method"] == "workspace/diagnostic/refresh");
    assert_eq!(codes(&mut lsp), Vec::<Value>::new());
    // Another document opened, an edit, then a round trip after the
    // debounce: nothing was pushed.
    let models = uri_of(&root.join("app/models.py"));
    let models_text = std::fs::read_to_string(root.join("app/models.py")).unwrap();
    lsp.open(&models, &models_text);
    lsp.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "# x\n"}]}));
    std::thread::sleep(Duration::from_millis(500));
    lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(lsp.unclaimed("textDocument/publishDiagnostics"), 0);
    lsp.shutdown();
}

#[test]
fn a_burst_of_changes_on_a_large_file() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    let mut lsp = Lsp::start(&root);
    initialize(&mut lsp, &root, json!(["utf-16"]));
    let views = open_views(&mut lsp, &root);
    // A 5 MB document, then 200 changes a second for 10 seconds.
    let big_uri = uri_of(&root.join("app/big.py"));
    let mut big = String::from("from app.models import Product\n");
    while big.len() < 5 * 1024 * 1024 {
        big.push_str("def plain(x):\n    return [x, 'text that is not Django', {\"k\": x}]\n");
    }
    let last_line = big.matches('\n').count();
    big.push_str("async def f(pk):\n    return Product.objects.get(pk=pk)\n");
    lsp.open(&big_uri, &big);
    let start = std::time::Instant::now();
    let mut version = 1;
    while start.elapsed() < Duration::from_secs(10) {
        version += 1;
        lsp.notify("textDocument/didChange", json!({"textDocument": {"uri": big_uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "# x\n"}]}));
        std::thread::sleep(Duration::from_millis(5));
    }
    // Still serving: a request is answered, and the final version is analysed.
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": views}, "position": {"line": 4, "character": 30}}),
    );
    assert!(hover["result"]["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("RDJ101"));
    // The finding sits on the `return` line, pushed down one line per change.
    let expected_line = (last_line + version) as u64;
    let diags = lsp.diagnostics_until(&big_uri, |d| {
        d.len() == 1 && d[0]["range"]["start"]["line"] == json!(expected_line)
    });
    assert_eq!(diags[0]["code"], json!("RDJ101"), "the newest text was analysed");
    lsp.shutdown();
}

#[test]
fn exit_is_prompt_and_its_code_says_whether_shutdown_came_first() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    // A client that registers watchers dynamically, but never answers.
    let mut lsp = Lsp::start(&root);
    lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri_of(&root),
               "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}}),
    );
    lsp.notify("initialized", json!({}));
    let registration = loop {
        let msg = lsp
            .next_unanswered(Duration::from_secs(20))
            .expect("a registration request");
        if msg["method"] == "client/registerCapability" {
            break msg;
        }
    };
    assert_eq!(
        registration["params"]["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );
    lsp.notify("exit", json!(null));
    assert_eq!(
        lsp.exit_code(Duration::from_secs(5)),
        Some(1),
        "exit without shutdown: 1"
    );

    // A client without dynamic registration gets none; shutdown, exit: 0.
    let mut lsp = Lsp::start(&root);
    initialize(&mut lsp, &root, json!(["utf-16"]));
    open_views(&mut lsp, &root);
    lsp.request("shutdown", json!(null));
    assert_eq!(lsp.unclaimed("client/registerCapability"), 0);
    lsp.notify("exit", json!(null));
    assert_eq!(lsp.exit_code(Duration::from_secs(5)), Some(0));
}

#[test]
fn a_cancelled_request_is_answered_as_cancelled() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    let mut lsp = Lsp::start(&root);
    lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri_of(&root), "capabilities": {}}),
    );
    // Before `initialized` the workspace is not loaded, so a hover waits:
    // cancelling it must answer it now, with RequestCancelled.
    let views = uri_of(&root.join("app/views.py"));
    lsp.send(&json!({"jsonrpc": "2.0", "id": 77, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": views}, "position": {"line": 4, "character": 30}}}));
    lsp.notify("$/cancelRequest", json!({"id": 77}));
    let started = std::time::Instant::now();
    let answer = lsp.wait(|m| m["id"] == json!(77));
    assert_eq!(answer["error"]["code"], json!(-32800), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The server goes on serving.
    lsp.notify("initialized", json!({}));
    open_views(&mut lsp, &root);
    lsp.shutdown();
}

#[test]
fn every_workspace_folder_is_loaded_and_folders_can_change() {
    // Two projects, each its own folder with its own `app.models`.
    let a = project();
    let b = project();
    let (ra, rb) = (a.path().canonicalize().unwrap(), b.path().canonicalize().unwrap());
    // In `b`, `Product` is no model: its views must stay clean.
    std::fs::write(rb.join("app/models.py"), "class Product:\n    objects = None\n").unwrap();
    let mut lsp = Lsp::start(&ra);
    lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri_of(&ra), "capabilities": {},
               "workspaceFolders": [{"uri": uri_of(&ra), "name": "a"}, {"uri": uri_of(&rb), "name": "b"}]}),
    );
    lsp.notify("initialized", json!({}));
    let open = |lsp: &mut Lsp, root: &Path| {
        let uri = uri_of(&root.join("app/views.py"));
        lsp.open(&uri, VIEWS);
        uri
    };
    let va = open(&mut lsp, &ra);
    assert_eq!(lsp.diagnostics_until(&va, |d| !d.is_empty())[0]["code"], "RDJ101");
    let vb = open(&mut lsp, &rb);
    // Each file resolves `app.models` in its own folder.
    lsp.diagnostics_until(&vb, |d| d.is_empty());
    // Folder `b` removed, then added back: its models are read again.
    std::fs::write(rb.join("app/models.py"), MODELS).unwrap();
    lsp.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": [{"uri": uri_of(&rb), "name": "b"}]}}),
    );
    lsp.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": uri_of(&rb), "name": "b"}], "removed": []}}),
    );
    assert_eq!(lsp.diagnostics_until(&vb, |d| !d.is_empty())[0]["code"], "RDJ101");
    lsp.shutdown();
}

#[test]
fn opening_an_edited_models_file_rechecks_the_other_documents() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    let mut lsp = Lsp::start(&root);
    initialize(&mut lsp, &root, json!(["utf-16"]));
    let views = open_views(&mut lsp, &root);
    // Unsaved text in the editor: `Product` is no longer a model.
    lsp.open(
        &uri_of(&root.join("app/models.py")),
        "class Product:\n    objects = None\n",
    );
    lsp.diagnostics_until(&views, |d| d.is_empty());
    lsp.shutdown();
}

#[test]
fn editor_settings_take_every_config_key_and_bad_ones_are_reported() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    let mut lsp = Lsp::start(&root);
    lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri_of(&root), "capabilities": {},
               "initializationOptions": {"reflexDjangoLsp": {
                   "severity": {"RDJ101": "info"}, "select": ["NOPE"],
                   "databaseUrl": "postgres://u:hunter2@db/x", "path": "/usr/bin/x"}}}),
    );
    lsp.notify("initialized", json!({}));
    let shown = lsp.wait(|m| m["method"] == "window/showMessage");
    let text = shown["params"]["message"].as_str().unwrap();
    assert!(text.contains("\"select\"") && text.contains("NOPE"), "{text}");
    let views = uri_of(&root.join("app/views.py"));
    lsp.open(&views, VIEWS);
    let diags = lsp.diagnostics_until(&views, |d| !d.is_empty());
    assert_eq!(diags[0]["severity"], json!(3), "severity from the editor: info");
    // per-file-ignores, anchored at the workspace folder.
    lsp.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"reflexDjangoLsp": {"perFileIgnores": {"app/views.py": ["RDJ101"]}}}}),
    );
    lsp.diagnostics_until(&views, |d| d.is_empty());
    lsp.shutdown();
    // No message ever carried the password.
    while let Some(msg) = lsp.next_unanswered(Duration::from_millis(200)) {
        assert!(!msg.to_string().contains("hunter2"), "{msg}");
    }
}

#[test]
fn a_broken_config_file_is_reported_and_a_fixed_one_applies() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    std::fs::write(root.join("reflex-django-lsp.toml"), "select = 3\n").unwrap();
    let mut lsp = Lsp::start(&root);
    initialize(&mut lsp, &root, json!(["utf-16"]));
    let shown = lsp.wait(|m| m["method"] == "window/showMessage");
    let text = shown["params"]["message"].as_str().unwrap();
    assert!(
        text.contains("reflex-django-lsp.toml") && text.contains("select"),
        "{text}"
    );
    // Defaults apply meanwhile; a valid file applies once it is saved.
    let views = open_views(&mut lsp, &root);
    std::fs::write(root.join("reflex-django-lsp.toml"), "ignore = [\"RDJ101\"]\n").unwrap();
    lsp.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&root.join("reflex-django-lsp.toml")), "type": 2}]}),
    );
    lsp.diagnostics_until(&views, |d| d.is_empty());
    lsp.shutdown();
}

#[test]
fn a_document_closed_and_opened_again_is_never_answered_from_its_old_text() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    let mut lsp = Lsp::start(&root);
    initialize(&mut lsp, &root, json!(["utf-16"]));
    open_views(&mut lsp, &root);
    // Text A: many findings, slow to analyse; text B: none. Same URI, same
    // version, opened again while A's analysis may still run.
    let handlers: String = (0..1500)
        .map(|i| format!("\nasync def load_{i}(pk):\n    return Product.objects.get(pk=pk)\n"))
        .collect();
    let a = format!("from app.models import Product\n{handlers}");
    let b = a.replace("Product.objects.get(pk=pk)", "await Product.objects.aget(pk=pk)");
    let uri = uri_of(&root.join("app/state.py"));
    lsp.open(&uri, &a);
    lsp.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    lsp.open(&uri, &b);
    lsp.diagnostics_until(&uri, |d| d.is_empty());
    // Another document opened re-checks every open one: still B's result.
    lsp.open(&uri_of(&root.join("app/other.py")), "x = 1\n");
    let again = lsp.diagnostics_until(&uri, |_| true);
    assert!(again.is_empty(), "answered from the old text: {} findings", again.len());
    // And fix-all has nothing to do on B (it must never rewrite B from A).
    let actions = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
               "context": {"diagnostics": [], "only": ["source.fixAll.reflex-django-lsp"]}}),
    );
    assert_eq!(actions["result"], json!([]), "{actions}");
    lsp.shutdown();
}

#[test]
fn unsaved_models_still_count_after_a_workspace_folder_is_added() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(ws.join("proj/app")).unwrap();
    std::fs::write(ws.join("proj/app/__init__.py"), "").unwrap();
    std::fs::write(ws.join("proj/app/models.py"), MODELS).unwrap();
    let s_text = "from app.models import Product\n\n\nasync def f(pk):\n    return Product.objects.get(pk=pk)\n";
    std::fs::write(ws.join("proj/s.py"), s_text).unwrap();
    let mut lsp = Lsp::start(&ws);
    initialize(&mut lsp, &ws, json!(["utf-16"]));
    let s = uri_of(&ws.join("proj/s.py"));
    let models = uri_of(&ws.join("proj/app/models.py"));
    lsp.open(&s, s_text);
    assert_eq!(lsp.diagnostics_until(&s, |d| !d.is_empty()).len(), 1);
    // Unsaved in the editor: `Product` is no model any more.
    lsp.open(&models, &MODELS.replace("class Product(models.Model)", "class Product"));
    lsp.diagnostics_until(&s, |d| d.is_empty());
    // An inner folder joins the workspace (module names now start there):
    // the editor's text of models.py still wins over the file on disk.
    lsp.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": uri_of(&ws.join("proj")), "name": "proj"}], "removed": []}}),
    );
    let after = lsp.diagnostics_until(&s, |_| true);
    assert!(after.is_empty(), "the disk copy of models.py was used: {after:?}");
    lsp.shutdown();
}

#[test]
fn a_panic_in_an_analysis_is_logged_and_the_server_goes_on() {
    let p = project();
    let root = p.path().canonicalize().unwrap();
    let mut lsp = Lsp::start_with_env(&root, &[("REFLEX_DJANGO_LSP_TEST_PANIC", "PANIC_HERE")]);
    initialize(&mut lsp, &root, json!(["utf-16"]));
    let views = open_views(&mut lsp, &root);
    let broken = uri_of(&root.join("app/broken.py"));
    lsp.open(&broken, "x = 'PANIC_HERE'\n");
    let log = lsp.wait(|m| {
        m["method"] == "window/logMessage" && m["params"]["message"].as_str().is_some_and(|s| s.contains("panic"))
    });
    assert_eq!(log["params"]["type"], json!(1), "logged as an error: {log}");
    // Still serving: a request on another document is answered.
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": views}, "position": {"line": 4, "character": 30}}),
    );
    assert!(hover["result"]["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("RDJ101"));
    lsp.shutdown();
    assert_eq!(lsp.exit_code(Duration::from_secs(5)), Some(0));
}

/// The byte offset of an LSP position (UTF-16 columns) in `text`.
fn offset_of(text: &str, position: &Value) -> usize {
    let (line, character) = (
        position["line"].as_u64().unwrap(),
        position["character"].as_u64().unwrap(),
    );
    let mut start = 0;
    for _ in 0..line {
        start += text[start..].find('\n').map_or(text.len() - start, |i| i + 1);
    }
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= character || c == '\n' || c == '\r' {
            return start + i;
        }
        units += c.len_utf16() as u64;
    }
    text.len()
}

/// Applies a `TextEdit[]` as a client does (ranges refer to the original text).
fn apply_text_edits(text: &str, edits: &[Value]) -> String {
    let mut edits: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            let start = offset_of(text, &e["range"]["start"]);
            (
                start,
                offset_of(text, &e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    edits.sort_by_key(|(start, end, _)| std::cmp::Reverse((*start, *end)));
    let mut out = text.to_owned();
    for (start, end, new_text) in edits {
        out.replace_range(start..end, new_text);
    }
    out
}

/// A quick fix that adds an import gives, through the server, the same text
/// as `check --fix` on the same file: the import where isort puts it, the
/// `# noqa` comments on the lines they were on (issue 11 item 3).
#[test]
fn a_quick_fix_that_adds_an_import_equals_check_fix() {
    let view = "import django  # noqa: F401\n\ndjango.setup()\n\nfrom app.services import order_total  # noqa: E402\n\n\nasync def total(pk):\n    return order_total(pk)\n";
    let services =
        "from app.models import Product\n\n\ndef order_total(pk):\n    return Product.objects.get(pk=pk).name\n";
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir(root.join("app")).unwrap();
    std::fs::write(root.join("pyproject.toml"), "[project]\nname = 'x'\n").unwrap();
    std::fs::write(root.join("app/__init__.py"), "").unwrap();
    std::fs::write(root.join("app/models.py"), MODELS).unwrap();
    std::fs::write(root.join("app/services.py"), services).unwrap();
    std::fs::write(root.join("app/view.py"), view).unwrap();

    let mut lsp = Lsp::start(&root);
    initialize(&mut lsp, &root, json!(["utf-16"]));
    let uri = uri_of(&root.join("app/view.py"));
    lsp.open(&uri, view);
    let diags = lsp.diagnostics_until(&uri, |d| !d.is_empty());
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "RDJ107");
    let actions = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": diags[0]["range"], "context": {"diagnostics": [diags[0]], "only": ["quickfix"]}}),
    );
    let quick_fix = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().is_some_and(|t| t.contains("sync_to_async")))
        .unwrap_or_else(|| panic!("no sync_to_async quick fix: {actions}"))
        .clone();
    let edits = quick_fix["edit"]["changes"][&uri].as_array().unwrap().clone();
    let from_server = apply_text_edits(view, &edits);
    lsp.shutdown();

    let out = common::bin()
        .current_dir(&root)
        .args(["check", ".", "--fix", "--unsafe-fixes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let from_check = std::fs::read_to_string(root.join("app/view.py")).unwrap();
    assert_eq!(from_server, from_check);
    assert_eq!(
        from_check,
        "import django  # noqa: F401\nfrom asgiref.sync import sync_to_async\n\ndjango.setup()\n\nfrom app.services import order_total  # noqa: E402\n\n\nasync def total(pk):\n    return await sync_to_async(order_total)(pk)\n"
    );
}
