#!/usr/bin/env bash
# Headless Neovim end-to-end test of the language server (issue 4, item 2):
# installs Debian's `neovim` if `nvim` is missing, builds the binary, and runs
# tests/nvim/shop_quickfix.lua on a copy of fixtures/shop with the config in
# editors/nvim/. Prints the test's steps, then one result line.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nvim >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "nvim: not installed and not root (no sudo)" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends neovim >/dev/null
fi
echo "nvim: $(nvim --version | head -n 1)"

cargo build --locked --quiet --bin reflex-django-lsp

start=$(date +%s)
status=0
timeout 150 bash tests/nvim/run.sh target/debug/reflex-django-lsp || status=$?
echo "nvim: took $(( $(date +%s) - start )) s, exit code $status"
if [ "$status" -eq 0 ]; then
  echo "nvim: 1 passed, 0 failed"
else
  echo "nvim: 0 passed, 1 failed"
  exit 1
fi
