//! Hostile but possible user files (from a fuzz campaign against the release
//! binary): the real `check` and `server` must neither crash (stack overflow,
//! tree-sitter assertion) nor stall on them. Each input is generated here and
//! checked with a time limit: the exit code is 0 or 1 (not a signal), nothing
//! panicked, and the output is findings (RDJ000 where the file cannot be
//! read) or nothing.
//!
//! Sizes are the fuzz campaign's, except the one-line call with 26 million
//! arguments (52 MB, over 10 GB of syntax tree): 2 million here. The parse
//! budget (RDJ000 "took longer than 10 s") is what bounds the larger one.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::lsp::Lsp;
use serde_json::{json, Value};

/// Generous for a debug build on a loaded machine; the release binary takes
/// well under a second on most of these.
const LIMIT: Duration = Duration::from_secs(60);

const MODELS: &str =
    "from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField(max_length=10)\n";
const HEAD: &str = "import reflex as rx\nfrom shop.models import Product\n";

/// A project with `shop/models.py` and the given files in `shop/`.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = 'x'\n").unwrap();
    std::fs::create_dir(dir.path().join("shop")).unwrap();
    std::fs::write(dir.path().join("shop/__init__.py"), "").unwrap();
    std::fs::write(dir.path().join("shop/models.py"), MODELS).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join("shop").join(name), text).unwrap();
    }
    dir
}

/// Runs `check` on the project with the time limit; returns the findings'
/// codes after asserting that the run ended normally.
fn check_survives(what: &str, files: &[(&str, &str)]) -> Vec<String> {
    let dir = project(files);
    check_dir_survives(what, dir.path())
}

fn check_dir_survives(what: &str, dir: &Path) -> Vec<String> {
    let (stdout, code) = run_survives(what, dir, &["--output-format", "json"]);
    let findings: Vec<Value> = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{what}: output is not JSON findings ({e}): {}", tail(&stdout)));
    let codes: Vec<String> = findings
        .iter()
        .map(|f| f["code"].as_str().expect("a finding has a code").to_owned())
        .collect();
    assert_eq!(code == 1, !codes.is_empty(), "{what}: exit code says findings");
    codes
}

/// Runs `check --no-cache ARGS DIR` with the time limit, asserts that it
/// ended normally (exit code 0 or 1, nothing panicked or overflowed) and
/// returns its standard output and exit code.
fn run_survives(what: &str, dir: &Path, args: &[&str]) -> (String, i32) {
    let started = Instant::now();
    let mut child = common::bin()
        .args(["check", "--no-cache"])
        .args(args)
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run reflex-django-lsp");
    // Read the pipes while waiting (large outputs must not block the child).
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: check {args:?} took longer than {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "{what}: exit status {status:?} (a signal means a crash); stderr: {}",
        tail(&stderr)
    );
    for sign in ["panicked", "overflow", "internal error", "Assertion"] {
        assert!(!stderr.contains(sign), "{what}: {sign} in stderr: {}", tail(&stderr));
    }
    (stdout, status.code().unwrap_or(-1))
}

/// `check --output-format json` on the project: the findings, after
/// asserting the run ended normally.
fn findings_survive(what: &str, dir: &Path) -> Vec<Value> {
    let (stdout, _) = run_survives(what, dir, &["--output-format", "json"]);
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{what}: output is not JSON findings ({e}): {}", tail(&stdout)))
}

fn tail(s: &str) -> &str {
    let start = s.len().saturating_sub(2000);
    let start = (start..s.len()).find(|&i| s.is_char_boundary(i)).unwrap_or(s.len());
    &s[start..]
}

fn unparsable_reason(dir: &Path) -> String {
    let out = common::check_json(&[dir], &["--no-cache"]);
    out.iter()
        .find(|f| f["code"] == "RDJ000")
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[test]
fn self_assignments_and_alias_cycles() {
    let blocking = "async def load():\n    return Product.objects.get(pk=1)\n";
    // The re-export idiom, and the fuzz campaign's `total = total` and
    // `lines = lines` (in a file with `async def`, or importing reflex).
    for aliases in [
        "Product = Product\n",
        "total = total\n",
        "lines = lines\n",
        "a = b\nb = a\n",
        "a = b\nb = c\nc = a\n",
    ] {
        let state = format!("{HEAD}{aliases}\n{blocking}");
        let codes = check_survives(aliases, &[("state.py", &state)]);
        // `Product` rebound to itself says nothing; the others leave it a model.
        let expected: &[&str] = if aliases.starts_with("Product") {
            &[]
        } else {
            &["RDJ101"]
        };
        assert_eq!(codes, expected, "{aliases}");
    }
    // Typing `total = total_price()`: every prefix of the line.
    let line = "total = total_price()";
    for end in 1..=line.len() {
        let state = format!(
            "import reflex as rx\n{}\n\nasync def f():\n    return total\n",
            &line[..end]
        );
        check_survives(&line[..end], &[("state.py", &state)]);
    }
}

#[test]
fn import_cycles_across_modules() {
    let state = format!(
        "{HEAD}from shop.a import y\nfrom shop.c import *\n\nasync def g():\n    y.objects.get()\n    z.objects.get()\n    return Product.objects.get()\n"
    );
    let codes = check_survives(
        "import cycles",
        &[
            ("state.py", &state),
            ("a.py", "from shop.b import y\nimport django\n"),
            ("b.py", "from shop.a import y\nimport django\n"),
            ("c.py", "from shop.d import *\nfrom shop.c import *\nimport django\n"),
            ("d.py", "from shop.c import *\nfrom shop.d import *\nimport django\n"),
        ],
    );
    assert_eq!(codes, ["RDJ101"]);
}

/// The fuzz campaign's 11 deep kinds (and a few more), 100,000 deep, in an
/// `async def` and at module level: no finding inside (too deep to say
/// anything), the blocking call after them still found.
#[test]
fn deep_expressions() {
    let n = 100_000;
    let kinds: Vec<(&str, String)> = vec![
        ("parentheses", format!("{}1{}", "(".repeat(n), ")".repeat(n))),
        ("attribute chain", format!("a{}", ".b".repeat(n))),
        ("+ chain", format!("1{}", " + 1".repeat(n))),
        ("calls", format!("{}{}", "f(".repeat(n), ")".repeat(n))),
        ("subscripts", format!("a{}", "[0]".repeat(n))),
        ("awaits", format!("{}a", "await ".repeat(n))),
        ("conditional expressions", format!("{}c", "a if b else ".repeat(n))),
        (".filter() chain", format!("Product.objects{}", ".filter()".repeat(n))),
        ("lists", format!("{}{}", "[".repeat(n), "]".repeat(n))),
        ("not", format!("{}a", "not ".repeat(n))),
        ("and", format!("a{}", " and a".repeat(n))),
        ("unary minus", format!("{}a", "-".repeat(n))),
        ("lambdas", format!("{}1", "lambda: ".repeat(n))),
        (
            "comprehensions",
            format!("{}x for x in y{}", "[".repeat(n), "]".repeat(n)),
        ),
        ("keyword calls", format!("{}1{}", "f(x=".repeat(n), ")".repeat(n))),
        (
            "sync_to_async",
            format!("{}f{}", "sync_to_async(".repeat(n), ")".repeat(n)),
        ),
    ];
    for (kind, expr) in kinds {
        let state = format!(
            "{HEAD}from asgiref.sync import sync_to_async\nx = {expr}\n\nasync def g():\n    y = {expr}\n    return Product.objects.get()\n"
        );
        assert_eq!(check_survives(kind, &[("state.py", &state)]), ["RDJ101"], "{kind}");
    }
}

/// The same deep expressions in the files the schema checks read (settings,
/// a model's field, a migration's operation): the readers stop at their
/// nesting bound (such a value is unknown, as CPython refuses it anyway),
/// and the rest is still read — the field the migrations lack is reported.
#[test]
fn deep_expressions_in_schema_files() {
    let n = 100_000;
    let kinds: Vec<(&str, String)> = vec![
        ("parentheses", format!("{}1{}", "(".repeat(n), ")".repeat(n))),
        ("+ chain", format!("1{}", " + 1".repeat(n))),
        ("calls", format!("{}{}", "f(".repeat(n), ")".repeat(n))),
        ("keyword calls", format!("{}1{}", "f(x=".repeat(n), ")".repeat(n))),
        ("lists", format!("{}{}", "[".repeat(n), "]".repeat(n))),
        ("dicts", format!("{}1{}", "{'a': ".repeat(n), "}".repeat(n))),
        ("unary minus", format!("{}1", "-".repeat(n))),
        ("subscripts", format!("a{}", "[0]".repeat(n))),
        ("conditional expressions", format!("{}c", "a if b else ".repeat(n))),
    ];
    for (kind, expr) in kinds {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            ("manage.py", String::new()),
            (
                "settings.py",
                format!(
                    "INSTALLED_APPS = ['shop']\nX = {expr}\nDATABASES = {{'default': {{'ENGINE': \
                     'django.db.backends.sqlite3', 'NAME': 'db.sqlite3', 'OPTIONS': {expr}}}}}\n"
                ),
            ),
            ("shop/__init__.py", String::new()),
            ("shop/migrations/__init__.py", String::new()),
            (
                "shop/models.py",
                format!(
                    "from django.db import models\n\nclass Product(models.Model):\n    \
                     name = models.CharField(max_length=10, default={expr})\n    \
                     stock = models.IntegerField(default=0)\n"
                ),
            ),
            (
                "shop/migrations/0001_initial.py",
                format!(
                    "from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    \
                     initial = True\n    dependencies = []\n    operations = [migrations.CreateModel(\
                     name='Product', fields=[('id', models.AutoField(auto_created=True, primary_key=True, \
                     serialize=False, verbose_name='ID')), ('name', models.CharField(max_length=10, \
                     default={expr}))])]\n"
                ),
            ),
        ];
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        assert_eq!(check_dir_survives(kind, dir.path()), ["RDJ503"], "{kind}");
    }
}

#[test]
fn nesting_tree_sitter_cannot_hold_is_unreadable() {
    // 512 nested blocks and a string literal abort tree-sitter
    // (`assertion length <= 1024`): refused before parsing instead.
    let mut state = HEAD.to_owned();
    for depth in 0..512 {
        state.push_str(&format!("{}if x:\n", " ".repeat(depth)));
    }
    state.push_str(&format!("{}y = \"s\"\n", " ".repeat(512)));
    let dir = project(&[("state.py", &state)]);
    assert_eq!(check_dir_survives("512 nested blocks", dir.path()), ["RDJ000"]);
    assert!(unparsable_reason(dir.path()).contains("indentation nested too deeply"));

    // 2,000 nested `async def`s (over 20 s before): refused the same way.
    let mut state = HEAD.to_owned();
    for depth in 0..2000 {
        state.push_str(&format!("{}async def f{depth}():\n", " ".repeat(depth)));
    }
    state.push_str(&format!("{}pass\n", " ".repeat(2000)));
    assert_eq!(
        check_survives("2,000 nested async defs", &[("state.py", &state)]),
        ["RDJ000"]
    );
}

#[test]
fn slow_inputs_are_fast() {
    // 300 nested `async def`s (500 took 9 s before): parsed and checked.
    let mut state = HEAD.to_owned();
    for depth in 0..300 {
        state.push_str(&format!("{}async def f{depth}():\n", " ".repeat(depth)));
    }
    state.push_str(&format!("{}return Product.objects.get()\n", " ".repeat(300)));
    let started = Instant::now();
    assert_eq!(
        check_survives("300 nested async defs", &[("state.py", &state)]),
        ["RDJ101"]
    );
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());

    // Brackets around a comprehension, and unclosed ones.
    for (what, expr) in [
        (
            "brackets around a comprehension",
            format!("{}[x for x in y]{}", "(".repeat(100_000), ")".repeat(100_000)),
        ),
        ("unclosed parentheses", "(".repeat(100_000)),
        (
            "unclosed brackets around a comprehension",
            format!("{}x for x in y", "[".repeat(100_000)),
        ),
    ] {
        let state = format!("{HEAD}async def g():\n    x = {expr}\n");
        let started = Instant::now();
        check_survives(what, &[("state.py", &state)]);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what}: {:?}",
            started.elapsed()
        );
    }

    // Two million call arguments on one line (see the module comment).
    let state = format!("{HEAD}async def g():\n    f({})\n", "1,".repeat(2_000_000));
    let codes = check_survives("2 M call arguments", &[("state.py", &state)]);
    assert!(codes.is_empty() || codes == ["RDJ000"], "{codes:?}");

    // A 4 MB file with classic Mac line endings (CR only) and 100,000
    // async functions: read line by line like any other file.
    let mut state = HEAD.replace('\n', "\r");
    for i in 0..100_000 {
        state.push_str(&format!(
            "async def f{i}():\r    return await Product.objects.aget(pk={i})\r"
        ));
    }
    state.push_str("async def last():\r    return Product.objects.get()\r");
    assert!(state.len() > 4_000_000);
    let started = Instant::now();
    assert_eq!(check_survives("CR-only file", &[("state.py", &state)]), ["RDJ101"]);
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
}

/// The server gets `total = total` in a state file (the editor's view of
/// typing `total = total_price()`), answers with diagnostics and lives on.
#[test]
fn server_survives_a_self_assignment() {
    let dir = project(&[]);
    let root = dir.path().canonicalize().unwrap();
    let mut lsp = Lsp::start(&root);
    let uri = format!("file://{}", root.join("shop/state.py").display());
    lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {}}),
    );
    lsp.notify("initialized", json!({}));
    let text = format!("{HEAD}total = total\n\nasync def f():\n    return Product.objects.get()\n");
    lsp.open(&uri, &text);
    let diagnostics = lsp.diagnostics_until(&uri, |d| !d.is_empty());
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0]["code"], "RDJ101");
    // Typing on: `total = total_` then `total = total_price()`.
    for (version, line) in [(2, "total = total_"), (3, "total = total_price()")] {
        lsp.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": text.replace("total = total\n", &format!("{line}\n"))}]}),
        );
    }
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
    );
    assert!(hover.get("error").is_none(), "the server still answers: {hover}");
    lsp.diagnostics_until(&uri, |d| d.len() == 1);
    lsp.shutdown();
    assert_eq!(lsp.exit_code(Duration::from_secs(10)), Some(0));
}

/// The fix builders on deep user code: they are built (the fix is in the
/// JSON output), applied by `--fix --unsafe-fixes` and shown by `--diff`,
/// each run within the time limit and without a crash.
fn fixes_survive(what: &str, file: &str, text: &str, code: &str, fixed_contains: &str) {
    let dir = project(&[(file, text)]);
    let findings = findings_survive(what, dir.path());
    let finding = findings
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("{what}: no {code} in {findings:?}"));
    assert!(finding["fix"].is_object(), "{what}: {code} has no fix: {finding}");

    let (diff, code_after) = run_survives(what, dir.path(), &["--diff", "--unsafe-fixes"]);
    assert_eq!(code_after, 1, "{what}: --diff with a fix to show");
    assert!(diff.contains(&format!("+{fixed_contains}")), "{what}: {}", tail(&diff));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("shop").join(file)).unwrap(),
        text,
        "{what}: --diff wrote"
    );

    // The fix is unsafe: `--fix` alone leaves the file as it is.
    run_survives(what, dir.path(), &["--fix"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("shop").join(file)).unwrap(),
        text,
        "{what}: --fix"
    );

    run_survives(what, dir.path(), &["--fix", "--unsafe-fixes"]);
    let fixed = std::fs::read_to_string(dir.path().join("shop").join(file)).unwrap();
    assert!(fixed.contains(fixed_contains), "{what}: not fixed");
    assert!(
        !findings_survive(what, dir.path()).iter().any(|f| f["code"] == code),
        "{what}: {code} after --fix"
    );
}

/// RDJ401's fix (the models import moves into the functions using it) on a
/// state whose method uses the model in a 100,000-long QuerySet chain.
#[test]
fn import_fix_on_deep_uses() {
    let n = 100_000;
    for (what, expr) in [
        (".filter() chain", format!("Product.objects{}", ".filter()".repeat(n))),
        ("parentheses", format!("{}Product{}", "(".repeat(n), ")".repeat(n))),
        ("negations", format!("{}Product.pk", "-".repeat(n))),
        ("attribute names", format!("Product{}", ".Product".repeat(n))),
    ] {
        let state = format!("{HEAD}\n\nclass ListState(rx.State):\n    async def load(self):\n        return {expr}\n");
        fixes_survive(
            what,
            "state.py",
            &state,
            "RDJ401",
            "        from shop.models import Product\n",
        );
    }
}

/// RDJ201's fix (the `with transaction.atomic():` block moves into a sync
/// function run by `sync_to_async`) on a block holding 100,000-deep
/// expressions: in an assignment, a target, an awaited call's arguments,
/// and a read after the block.
#[test]
fn atomic_fix_on_deep_blocks() {
    let n = 100_000;
    let (open, close) = ("(".repeat(n), ")".repeat(n));
    let state = format!(
        "{HEAD}from django.db import transaction\n\n\nasync def save(name):\n    with transaction.atomic():\n        x = {open}1{close}\n        {open}y{close} = 2\n        p = await Product.objects.acreate(name={open}name{close})\n    return p, x, y, {neg}p\n",
        neg = "-".repeat(n)
    );
    fixes_survive(
        "deep block",
        "views.py",
        &state,
        "RDJ201",
        "    x, y, p = await sync_to_async(_atomic_block)()",
    );
    // The decorator form: the whole body moves.
    let state = format!(
        "{HEAD}from django.db import transaction\n\n\n@transaction.atomic\nasync def save(name):\n    x = {open}1{close}\n    return await Product.objects.acreate(name={open}name{close})\n"
    );
    fixes_survive(
        "deep decorated body",
        "views.py",
        &state,
        "RDJ201",
        "    return await sync_to_async(_atomic_block)()",
    );
}

/// `--add-noqa` on a finding whose line ends 100,000 levels deep (inside
/// the brackets that go on on the next line).
#[test]
fn add_noqa_on_a_deep_line() {
    let n = 100_000;
    let state = format!(
        "{HEAD}\n\nasync def g():\n    return Product.objects.get() or {}\n        a{}\n",
        "(".repeat(n),
        ")".repeat(n)
    );
    let dir = project(&[("views.py", &state)]);
    run_survives("deep line", dir.path(), &["--add-noqa"]);
    let text = std::fs::read_to_string(dir.path().join("shop/views.py")).unwrap();
    let noqa = format!("{}  # noqa: RDJ101\n        a", "(".repeat(n));
    assert!(text.contains(&noqa), "{}", tail(&text));
    assert_eq!(
        check_dir_survives("deep line after --add-noqa", dir.path()),
        Vec::<String>::new()
    );
}

/// RDJ401's fix on a state with 10,000 methods using the model: one edit
/// per method, applied and shown within the time limit.
#[test]
fn import_fix_on_many_methods() {
    let n = 10_000;
    let mut state = format!("{HEAD}\n\nclass ListState(rx.State):\n");
    for i in 0..n {
        state.push_str(&format!(
            "    async def load{i}(self):\n        return await Product.objects.acount()\n"
        ));
    }
    let dir = project(&[("state.py", &state)]);
    let moved = "        from shop.models import Product\n";
    let (diff, code) = run_survives(
        "many methods",
        dir.path(),
        &["--output-format", "json", "--diff", "--unsafe-fixes"],
    );
    assert_eq!(code, 1);
    assert_eq!(diff.matches(&format!("+{moved}")).count(), n);
    run_survives(
        "many methods",
        dir.path(),
        &["--output-format", "json", "--fix", "--unsafe-fixes"],
    );
    let fixed = std::fs::read_to_string(dir.path().join("shop/state.py")).unwrap();
    assert_eq!(fixed.matches(moved).count(), n);
    assert!(!fixed.contains("\nfrom shop.models import Product\n"));
}
