#!/usr/bin/env bash
# The VS Code extension (editors/vscode): install its npm packages from the
# lockfile, compile, run its unit tests (no VS Code, no display), bundle it
# with esbuild, package the .vsix with vsce and check what is in it, then run
# it in a real VS Code (.ci/vscode_e2e.sh: code-server + Chromium). Idempotent;
# writes only inside editors/vscode (node_modules, out, dist, the .vsix),
# tests/vscode-e2e/node_modules, .cache/vscode-e2e (screenshots) and target/
# (the server binary the extension's tests start).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$(date +%s)
trap 'echo "vscode: failed (line $LINENO: $BASH_COMMAND)" >&2' ERR

# The server binary, started by src/test/server.test.ts exactly as the
# extension starts it. CI=true makes that test fail rather than skip without it.
if [ -z "${RDJ_SERVER_BIN:-}" ]; then
  cargo build --quiet --locked --bin reflex-django-lsp
  export RDJ_SERVER_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/reflex-django-lsp"
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
# --no-dependencies: vscode-languageclient is inside the bundle, not shipped
# as node_modules.
timeout 300 npx --no-install vsce package --no-dependencies --out "$vsix" </dev/null

# The .vsix is a zip with the manifest, README, LICENSE and the one bundled
# file (esbuild: the extension with vscode-languageclient inside), and nothing
# else: no node_modules, sources, tests or compiled-but-unbundled output.
python3 - "$vsix" <<'PY'
import json, sys, zipfile
vsix = sys.argv[1]
with zipfile.ZipFile(vsix) as z:
    bad = z.testzip()
    assert bad is None, f"{vsix}: corrupt member {bad}"
    names = set(z.namelist())
    manifest = json.loads(z.read("extension/package.json"))
main = "extension/" + manifest["main"].removeprefix("./")
assert main == "extension/dist/extension.js", f"main is {manifest['main']}, not the bundle"
expected = {"extension.vsixmanifest", "[Content_Types].xml", "extension/package.json",
            "extension/readme.md", "extension/LICENSE.txt", main}
assert names == expected, f"{vsix}: unexpected {sorted(names - expected)}, missing {sorted(expected - names)}"
js = [n for n in names if n.endswith(".js")]
assert js == [main], f"{vsix} holds JS files besides the bundle: {js}"
assert manifest["activationEvents"] == ["onLanguage:python"], manifest["activationEvents"]
PY

# The bundle loads with only Node.js's own modules and `vscode` (a stub
# here): any other require() would be a module the .vsix does not ship.
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$vsix" "$unpacked"
node -e '
const Module = require("module");
const path = require("path");
const stub = new Proxy(function () {}, { get: (_, p) => (p === "__esModule" ? false : stub), apply: () => stub, construct: () => stub });
const resolve = Module._resolveFilename;
const bundle = path.join(process.argv[1], "extension", "dist", "extension.js");
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === "vscode") return "vscode";
  if (parent && parent.filename === bundle && !Module.isBuiltin(request)) throw new Error("the bundle requires " + request);
  return resolve.call(this, request, parent, ...rest);
};
require.cache.vscode = { id: "vscode", filename: "vscode", loaded: true, exports: stub };
const ext = require(bundle);
if (typeof ext.activate !== "function" || typeof ext.deactivate !== "function") throw new Error("activate/deactivate not exported");
' "$unpacked"

size=$(wc -c <"$vsix")
files=$(python3 -c 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' "$vsix")
# The .vsix in a real VS Code (code-server + Chromium); its own result line.
cd "$root"
bash .ci/vscode_e2e.sh "editors/vscode/$vsix"
echo "vscode: ${passed:-0} passed, ${failed:-0} failed; editors/vscode/$vsix $((size / 1024)) KiB, $files files; took $(( $(date +%s) - started )) s"
