#!/usr/bin/env bash
# Runs tests/nvim/shop_quickfix.lua in headless Neovim against a fresh copy of
# fixtures/shop. Usage: tests/nvim/run.sh [path/to/reflex-django-lsp]
# (default: target/debug/reflex-django-lsp). Needs `nvim` on PATH.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-$repo/target/debug/reflex-django-lsp}"
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac

work="$(mktemp -d "${TMPDIR:-/tmp}/rdj-nvim.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# A clean copy: no cache folder from earlier `check` runs.
cp -R "$repo/fixtures/shop" "$work/shop"
rm -rf "$work/shop/.reflex-django-lsp-cache"
mkdir -p "$work/state" "$work/home"

# No user config, plugins, shada or swap; the LSP log goes to the temp dir.
# Run from the temp dir (not the shop copy) so the root must come from the client.
cd "$work"
RDJ_NVIM_LEGACY="${RDJ_NVIM_LEGACY:-}" RDJ_LSP_BIN="$bin" RDJ_SHOP="$work/shop" RDJ_REPO="$repo" \
  HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share" \
  XDG_STATE_HOME="$work/state" XDG_CACHE_HOME="$work/home/.cache" \
  timeout 120 nvim --headless -u NONE -i NONE -n \
  -c "luafile $repo/tests/nvim/shop_quickfix.lua" </dev/null
