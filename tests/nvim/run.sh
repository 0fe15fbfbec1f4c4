#!/usr/bin/env bash
# Runs tests/nvim/shop.lua in headless Neovim, configured with one recipe of
# editors/nvim/, against a fresh copy of fixtures/shop.
#
# Usage: tests/nvim/run.sh NVIM RECIPE [path/to/reflex-django-lsp]
#   NVIM    the nvim binary to run (e.g. /usr/bin/nvim)
#   RECIPE  0.11 (lsp/reflex_django_lsp.lua), 0.8 (lua/reflex_django_lsp/nvim_0_8.lua)
#           or 0.7 (lua/reflex_django_lsp/nvim_0_7.lua)
#   the server binary defaults to $CARGO_TARGET_DIR (or target)/debug/reflex-django-lsp; it is put
#   on PATH as `reflex-django-lsp`, the recipes' default command.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 NVIM RECIPE [SERVER_BINARY]" >&2; exit 2; }
repo="$(cd "$(dirname "$0")/../.." && pwd)"
nvim="$(command -v "$1")" || { echo "no nvim at $1" >&2; exit 2; }
case "$nvim" in /*) ;; *) nvim="$PWD/$nvim" ;; esac
recipe="$2"
bin="${3:-${CARGO_TARGET_DIR:-$repo/target}/debug/reflex-django-lsp}"
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
[ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/rdj-nvim.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# A clean copy: no cache folder from earlier `check` runs.
cp -R "$repo/fixtures/shop" "$work/shop"
rm -rf "$work/shop/.reflex-django-lsp-cache"
mkdir -p "$work/state" "$work/home" "$work/bin"
ln -s "$bin" "$work/bin/reflex-django-lsp"

# No user config, plugins, shada or swap; the LSP log goes to the temp dir.
# Run from the temp dir (not the shop copy) so the root must come from the recipe.
cd "$work"
PATH="$work/bin:$PATH" RDJ_NVIM_RECIPE="$recipe" RDJ_LSP_BIN="$bin" RDJ_SHOP="$work/shop" RDJ_REPO="$repo" \
  HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share" \
  XDG_STATE_HOME="$work/state" XDG_CACHE_HOME="$work/home/.cache" \
  timeout 120 "$nvim" --headless -u NONE -i NONE -n \
  -c "luafile $repo/tests/nvim/shop.lua" </dev/null
