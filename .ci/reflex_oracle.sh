#!/usr/bin/env bash
# The real-Reflex oracle's Python (issue 15): creates .cache/reflex-venv with
# the pinned stack of tests/reflex_oracle/requirements.txt (reflex 0.10.1,
# reflex-django 4.0.3, Django 6.1.3), then runs the harness once to prove the
# fixture's markers and fixtures/reflex_oracle/expected.json still hold.
# tests/reflex_oracle.rs finds the venv there (or RDJ_REFLEX_PYTHON).
#
# reflex-django 4.0.3 needs Python 3.12 or newer, which Debian 12's python3
# (3.11) is not: the first of python3.14 … python3.12 on PATH, else of
# pyenv's installed versions, is used. Prints one line per stage with its time.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.cache/reflex-venv
requirements=tests/reflex_oracle/requirements.txt
started=$(date +%s)

usable() {   # a Python 3.12+ that runs (pyenv's shims may exist and refuse)
  "$1" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1
}
find_python() {
  local p root="${PYENV_ROOT:-$HOME/.pyenv}"
  for p in python3.14 python3.13 python3.12; do
    if command -v "$p" >/dev/null 2>&1 && usable "$p"; then command -v "$p"; return 0; fi
  done
  if command -v pyenv >/dev/null 2>&1; then root="$(pyenv root)"; fi
  for p in $(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | sort -rV); do
    if usable "$p/bin/python"; then echo "$p/bin/python"; return 0; fi
  done
  return 1
}

# A venv is reused when it was made from the same requirements.
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  python="$(find_python)" || { echo "reflex-oracle: no Python 3.12+ found (PATH or pyenv)" >&2; exit 1; }
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$requirements"
  "$venv/bin/python" -m pip check >/dev/null
  echo "$want" >"$stamp"
  echo "reflex-oracle: installed $("$venv/bin/python" --version) + $requirements in $(( $(date +%s) - started )) s"
else
  echo "reflex-oracle: $venv is current"
fi

PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" tests/reflex_oracle/harness.py fixtures/reflex_oracle \
  --check fixtures/reflex_oracle/expected.json
echo "reflex-oracle: done in $(( $(date +%s) - started )) s"
