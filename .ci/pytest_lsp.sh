#!/usr/bin/env bash
# End-to-end test of the language server with a real LSP client (issue 4,
# item 1): installs pytest-lsp (tests/pytest_lsp/requirements.txt) into
# .cache/venv, builds the binary, and runs tests/pytest_lsp, where pytest-lsp
# drives `reflex-django-lsp server` over stdio. Prints pytest's summary, then
# one result line.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.cache/venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/pytest_lsp/requirements.txt
echo "pytest-lsp: version $("$venv/bin/python" -m pip show pytest-lsp 2>/dev/null | sed -n 's/^Version: //p')"

cargo build --locked --quiet --bin reflex-django-lsp
export RDJ_SERVER_BIN="$PWD/target/debug/reflex-django-lsp"
# Nothing written into the repository: no bytecode, no .pytest_cache (pytest.ini).
export PYTHONDONTWRITEBYTECODE=1

start=$(date +%s)
status=0
log=$(mktemp)
timeout 300 "$venv/bin/python" -m pytest tests/pytest_lsp -q -p no:cacheprovider 2>&1 | tee "$log" || status=$?
summary=$(tail -n 1 "$log")
rm -f "$log"
count() { { grep -oE "[0-9]+ ($1)" <<<"$summary" || true; } | awk '{ n += $1 } END { print n + 0 }'; }
passed=$(count passed)
failed=$(count 'failed|errors?')
echo "pytest-lsp: took $(( $(date +%s) - start )) s, exit code $status"
if [ "$status" -ne 0 ] || [ "$passed" -eq 0 ]; then
  [ "$failed" -gt 0 ] || failed=1
  echo "pytest-lsp: $passed passed, $failed failed"
  exit 1
fi
echo "pytest-lsp: $passed passed, 0 failed"
