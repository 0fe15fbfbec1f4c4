#!/usr/bin/env bash
# The VS Code extension in a real VS Code (tests/vscode-e2e/run.js):
# code-server 4.100.x from npm (tests/vscode-e2e/package-lock.json) with the
# .vsix installed, driven by Debian's Chromium through playwright-core, on a
# copy of fixtures/shop. Screenshots of each step: .cache/vscode-e2e/*.png.
#
# Usage: .ci/vscode_e2e.sh VSIX   (RDJ_SERVER_BIN names the server binary;
# .ci/vscode.sh calls it after packaging). Installs what it needs (Debian
# packages, npm packages), times each step, bounds each wait, and always ends
# the code-server and Chromium it started. Last line:
# "vscode-e2e: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
vsix=$(realpath "${1:?usage: .ci/vscode_e2e.sh VSIX}")
export RDJ_SERVER_BIN="${RDJ_SERVER_BIN:?RDJ_SERVER_BIN must name the reflex-django-lsp binary}"
e2e=$root/tests/vscode-e2e
out=$root/.cache/vscode-e2e
work=$(mktemp -d)
pidfile=$work/pids.json

fail() {
  echo "vscode-e2e: $*" >&2
  echo "vscode-e2e: 0 passed, 1 failed"
  exit 1
}

# Ends what run.js started (code-server's process group, Chromium's), even if
# run.js itself was killed; each id is checked to still be that program.
stop_started() {
  if [ -s "$pidfile" ]; then
    for entry in $(python3 -c 'import json,sys; print(" ".join(f"{k}={v}" for k, v in json.load(open(sys.argv[1])).items() if v))' "$pidfile"); do
      pid=${entry#*=}
      if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -e code-server -e chromium; then
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      fi
    done
  fi
  rm -rf "$work"
}
trap stop_started EXIT

timed() {
  local name=$1 started
  shift
  started=$(date +%s)
  "$@"
  echo "vscode-e2e: $name took $(( $(date +%s) - started )) s"
}

# code-server 4.100 requires Node.js 20 (newer releases need 24).
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" = 20 ] || fail "code-server 4.100 needs Node.js 20, this is $(node --version)"

# Debian packages: Chromium; ripgrep, used in place of the binary that
# @vscode/ripgrep would download; libkrb5-dev and a C++ toolchain for the
# native modules (kerberos, node-pty, argon2) that npm builds.
debian_packages() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v rg >/dev/null || missing+=(ripgrep)
  command -v g++ >/dev/null || missing+=(g++)
  command -v make >/dev/null || missing+=(make)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
  [ -f /usr/include/node/node.h ] || fail "no Node.js headers in /usr/include/node (needed to build code-server's native modules)"
  if [ "${#missing[@]}" -gt 0 ]; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    timeout 300 $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 600 $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}
timed "Debian packages" debian_packages

# npm packages from the lockfile, into tests/vscode-e2e/node_modules; skipped
# when that lockfile is already installed there.
npm_packages() {
  local stamp=$e2e/node_modules/.rdj-installed lock_sum
  lock_sum=$(sha256sum "$e2e/package-lock.json" | cut -d' ' -f1)
  local rg_bin=$e2e/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ] && [ -x "$rg_bin" ]; then
    echo "vscode-e2e: npm packages already installed"
    return
  fi
  # code-server's postinstall installs VS Code's own packages (its
  # npm-shrinkwrap.json pins @vscode/ripgrep 1.15.11). That package's
  # postinstall downloads a prebuilt rg from outside the registry unless the
  # archive is in its cache, $TMPDIR/vscode-ripgrep-cache-<version>/: put
  # Debian's rg there under the name it looks for.
  local tmp=$work/tmp rg_dir
  rg_dir=$tmp/vscode-ripgrep-cache-1.15.11
  mkdir -p "$rg_dir" "$work/rg"
  cp "$(command -v rg)" "$work/rg/rg"
  tar -czf "$rg_dir/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$work/rg" rg
  # As root, code-server's postinstall insists on unsafe-perm; node-pty runs
  # `npx node-gyp` (yes: no prompt); node-gyp takes the headers from /usr.
  (
    cd "$e2e"
    TMPDIR=$tmp npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
      npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false \
      timeout 900 npm ci --no-audit --no-fund --loglevel=error </dev/null
  ) || fail "npm ci in tests/vscode-e2e failed"
  [ -x "$rg_bin" ] && "$rg_bin" --version >/dev/null \
    || fail "@vscode/ripgrep has no working bin/rg (did its version change from 1.15.11?)"
  echo "$lock_sum" >"$stamp"
}
timed "npm packages" npm_packages

export CI="${CI:-true}"
status=0
RDJ_VSIX=$vsix RDJ_E2E_OUT=$out RDJ_E2E_PIDFILE=$pidfile RDJ_CHROMIUM=$(command -v chromium) TMPDIR=$work \
  timeout --kill-after=15 600 node "$e2e/run.js" </dev/null 2>&1 | tee "$work/run.log" || status=$?
if ! grep -q '^vscode-e2e: [0-9]* passed, [0-9]* failed$' "$work/run.log"; then
  # run.js was killed before its result line (the timeout).
  echo "vscode-e2e: 0 passed, 1 failed"
  status=1
fi
[ "$status" = 0 ] || echo "vscode-e2e: failed (run.js exit $status); screenshots in ${out#"$root"/}" >&2
exit "$status"
