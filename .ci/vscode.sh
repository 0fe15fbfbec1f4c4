#!/usr/bin/env bash
# The VS Code extension (editors/vscode): install its npm packages from the
# lockfile, compile, run its unit tests (no VS Code, no display), package the
# .vsix with vsce and check what is in it. Idempotent; writes only inside
# editors/vscode (node_modules, out, the .vsix) and target/ (the server binary
# the extension's end-to-end test starts).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$(date +%s)
trap 'echo "vscode: failed (line $LINENO: $BASH_COMMAND)" >&2' ERR

# The server binary, started by src/test/server.test.ts exactly as the
# extension starts it. CI=true makes that test fail rather than skip without it.
if [ -z "${RDJ_SERVER_BIN:-}" ]; then
  cargo build --quiet --locked --bin reflex-django-lsp
  export RDJ_SERVER_BIN="$root/target/debug/reflex-django-lsp"
fi
export CI="${CI:-true}"

cd editors/vscode
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
timeout 600 npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
test_log=$(mktemp)
unpacked=$(mktemp -d)
trap 'rm -rf "$test_log" "$unpacked"' EXIT
timeout 300 npm test --silent 2>&1 | tee "$test_log"
passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$test_log")
failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$test_log")
skipped=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$test_log")
if [ "${skipped:-0}" != 0 ]; then
  echo "vscode: $skipped test(s) skipped" >&2
  exit 1
fi

version=$(node -p 'require("./package.json").version')
vsix="reflex-django-lsp-$version.vsix"
rm -f ./*.vsix
# </dev/null: should vsce ever ask a question, it fails instead of waiting.
timeout 300 npx --no-install vsce package --out "$vsix" </dev/null

# The .vsix is a zip with the manifest, the compiled entry point and the
# runtime dependency, and without sources, tests or dev dependencies.
python3 - "$vsix" <<'PY'
import json, sys, zipfile
vsix = sys.argv[1]
with zipfile.ZipFile(vsix) as z:
    bad = z.testzip()
    assert bad is None, f"{vsix}: corrupt member {bad}"
    names = set(z.namelist())
    manifest = json.loads(z.read("extension/package.json"))
main = "extension/" + manifest["main"].removeprefix("./")
if not main.endswith(".js"):
    main += ".js"
need = ["extension.vsixmanifest", "extension/package.json", "extension/LICENSE.txt", main,
        "extension/out/settings.js", "extension/node_modules/vscode-languageclient/package.json"]
missing = [n for n in need if n not in names]
assert not missing, f"{vsix} lacks {missing}"
forbidden = [n for n in names if n.startswith(("extension/src/", "extension/out/test/"))
             or n.endswith(".ts")
             or any(f"extension/node_modules/{d}/" in n for d in ("typescript", "@vscode", "@types"))]
assert not forbidden, f"{vsix} holds {sorted(forbidden)[:10]}"
assert manifest["activationEvents"] == ["onLanguage:python"], manifest["activationEvents"]
PY

# The packaged extension loads with only what the .vsix holds: its
# node_modules resolve vscode-languageclient (the `vscode` module is a stub).
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$vsix" "$unpacked"
node -e '
const Module = require("module");
const path = require("path");
const stub = new Proxy(function () {}, { get: (_, p) => (p === "__esModule" ? false : stub), apply: () => stub, construct: () => stub });
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) { return request === "vscode" ? "vscode" : resolve.call(this, request, ...rest); };
require.cache.vscode = { id: "vscode", filename: "vscode", loaded: true, exports: stub };
const root = path.join(process.argv[1], "extension");
const ext = require(path.join(root, "out", "extension.js"));
if (typeof ext.activate !== "function" || typeof ext.deactivate !== "function") throw new Error("activate/deactivate not exported");
const lc = require.resolve("vscode-languageclient/node", { paths: [path.join(root, "out")] });
if (!lc.startsWith(root + path.sep)) throw new Error("vscode-languageclient resolved outside the .vsix: " + lc);
' "$unpacked"

size=$(wc -c <"$vsix")
files=$(python3 -c 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' "$vsix")
echo "vscode: ${passed:-0} passed, ${failed:-0} failed; editors/vscode/$vsix $((size / 1024)) KiB, $files files; took $(( $(date +%s) - started )) s"
