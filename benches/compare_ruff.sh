#!/usr/bin/env bash
# Benchmark: reflex-django-lsp against ruff (--select ASYNC,DJ) on the Django
# and wagtail source trees, or on trees you name. Not a test, not part of
# `cargo test` or .ci/run.
#
#   bash benches/compare_ruff.sh [--runs N] [--cache-dir DIR] [--rev REV] [--idle-wait S]
#                                [--tree NAME=PATH]... [--no-default-trees]
#                                [--ours-arg ARG]... [--binary PATH] [--baseline PATH]
#
#   --runs N            timed runs per tool and mode (default 5)
#   --idle-wait S       before each timed run, wait up to S seconds for idle CPUs
#                       (default 30; 0: don't wait)
#   --cache-dir DIR     where inputs and results go (default .cache/bench)
#   --rev REV           measure the committed tree of REV (git archive into DIR,
#                       built there) instead of the work tree as it is
#   --tree NAME=PATH    also measure this folder (repeatable), e.g. an unpacked
#                       wheel of a large Django application
#   --no-default-trees  only the --tree folders (no sdist download of Django
#                       and wagtail)
#   --ours-arg ARG      pass ARG to our `check` (repeatable; e.g.
#                       --ours-arg=--no-database)
#   --binary PATH       time this build of ours instead of building one
#   --baseline PATH     also time this other build of ours in the same rounds
#                       (say, the build before a change)
#
# Prepares its inputs in DIR (default .cache/bench, git-ignored) and re-uses
# them on later runs: the sdists (pip download), their unpacked trees, and a
# venv with ruff. Then builds our release binary (into $CARGO_TARGET_DIR, else
# target/) and hands over to benches/compare_ruff.py, which times the tools
# and writes DIR/results.md. See benches/README.md.
#
# Environment overrides (pip requirement specifiers):
#   DJANGO_SPEC   default 'django==5.2.*'
#   WAGTAIL_SPEC  default 'wagtail==8.0.*'
#   RUFF_SPEC     default 'ruff==0.17.*'
set -euo pipefail

die() { echo "compare_ruff.sh: error: $*" >&2; exit 2; }
say() { echo "compare_ruff.sh: $*" >&2; }

usage() {
  sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'
}

runs=5
cache=.cache/bench
rev=""
idle_wait=30
extra_trees=()
default_trees=1
ours_args=()
binary=""
baseline=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) [ $# -ge 2 ] || die "--runs needs a number"; runs="$2"; shift 2 ;;
    --runs=*) runs="${1#--runs=}"; shift ;;
    --cache-dir) [ $# -ge 2 ] || die "--cache-dir needs a folder"; cache="$2"; shift 2 ;;
    --cache-dir=*) cache="${1#--cache-dir=}"; shift ;;
    --rev) [ $# -ge 2 ] || die "--rev needs a commit"; rev="$2"; shift 2 ;;
    --rev=*) rev="${1#--rev=}"; shift ;;
    --idle-wait) [ $# -ge 2 ] || die "--idle-wait needs seconds"; idle_wait="$2"; shift 2 ;;
    --idle-wait=*) idle_wait="${1#--idle-wait=}"; shift ;;
    --tree) [ $# -ge 2 ] || die "--tree needs NAME=PATH"; extra_trees+=("$2"); shift 2 ;;
    --tree=*) extra_trees+=("${1#--tree=}"); shift ;;
    --no-default-trees) default_trees=0; shift ;;
    --ours-arg) [ $# -ge 2 ] || die "--ours-arg needs an argument"; ours_args+=("$2"); shift 2 ;;
    --ours-arg=*) ours_args+=("${1#--ours-arg=}"); shift ;;
    --binary) [ $# -ge 2 ] || die "--binary needs a path"; binary="$2"; shift 2 ;;
    --binary=*) binary="${1#--binary=}"; shift ;;
    --baseline) [ $# -ge 2 ] || die "--baseline needs a path"; baseline="$2"; shift 2 ;;
    --baseline=*) baseline="${1#--baseline=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
case "$runs" in
  ''|*[!0-9]*) die "--runs wants a positive whole number, got '$runs'" ;;
esac
[ "$runs" -ge 1 ] || die "--runs must be at least 1"
case "$idle_wait" in
  ''|*[!0-9]*) die "--idle-wait wants whole seconds, got '$idle_wait'" ;;
esac
for spec in "${extra_trees[@]}"; do
  case "$spec" in
    ?*=?*) [ -d "${spec#*=}" ] || die "--tree $spec: no folder ${spec#*=}" ;;
    *) die "--tree wants NAME=PATH, got '$spec'" ;;
  esac
done
[ "$default_trees" = 1 ] || [ ${#extra_trees[@]} -gt 0 ] || die "--no-default-trees needs at least one --tree"
[ -z "$binary" ] || [ -z "$rev" ] || die "--binary and --rev both name our build; give one"
[ -z "$binary" ] || [ -x "$binary" ] || die "--binary $binary is not an executable"
[ -z "$baseline" ] || [ -x "$baseline" ] || die "--baseline $baseline is not an executable"

DJANGO_SPEC="${DJANGO_SPEC:-django==5.2.*}"
WAGTAIL_SPEC="${WAGTAIL_SPEC:-wagtail==8.0.*}"
RUFF_SPEC="${RUFF_SPEC:-ruff==0.17.*}"

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
[ -f Cargo.toml ] && [ -f benches/compare_ruff.py ] || die "run from a checkout of reflex-django-lsp (no Cargo.toml / benches/compare_ruff.py in $repo)"

for tool in python3 cargo tar git; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not on PATH"
done
sha=""
if [ -n "$rev" ]; then
  sha="$(git rev-parse --verify --quiet "$rev^{commit}")" || die "--rev '$rev' is not a commit of this repository"
fi

mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"
say "cache folder: $cache"

# --- ruff, in a venv of its own --------------------------------------------
venv="$cache/venv"
if [ ! -x "$venv/bin/python" ]; then
  say "creating venv $venv"
  python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check)
if [ -x "$venv/bin/ruff" ] && [ "$(cat "$venv/ruff.spec" 2>/dev/null || true)" = "$RUFF_SPEC" ]; then
  say "ruff: re-using $("$venv/bin/ruff" --version)"
else
  say "installing $RUFF_SPEC"
  "${pip[@]}" install --quiet "$RUFF_SPEC" || die "pip could not install '$RUFF_SPEC'"
  echo "$RUFF_SPEC" >"$venv/ruff.spec"
fi
ruff="$venv/bin/ruff"

# --- source trees from sdists ----------------------------------------------
# fetch NAME SPEC: downloads the sdist of SPEC into $cache/sdist/NAME (once per
# spec), unpacks it into $cache/src, and prints the unpacked folder.
fetch() {
  local name="$1" spec="$2" dl="$cache/sdist/$1" tarball top
  mkdir -p "$dl" "$cache/src"
  tarball="$(ls "$dl"/*.tar.gz 2>/dev/null | head -n 1 || true)"
  if [ -z "$tarball" ] || [ "$(cat "$dl/spec" 2>/dev/null || true)" != "$spec" ]; then
    say "downloading the sdist of $spec"
    # Into a scratch folder first, so a failed download keeps the previous one.
    rm -rf "$dl.tmp"
    mkdir -p "$dl.tmp"
    "${pip[@]}" download --quiet --no-deps --no-binary :all: "$spec" -d "$dl.tmp" \
      || die "pip download of '$spec' failed"
    tarball="$(ls "$dl.tmp"/*.tar.gz 2>/dev/null | head -n 1 || true)"
    [ -n "$tarball" ] || die "pip download of '$spec' gave no .tar.gz"
    rm -f "$dl"/*.tar.gz "$dl/spec"
    mv "$tarball" "$dl/"
    rm -rf "$dl.tmp"
    tarball="$dl/$(basename "$tarball")"
    echo "$spec" >"$dl/spec"
  else
    say "$name: re-using $(basename "$tarball")"
  fi
  top="$( (tar -tzf "$tarball" || true) | head -n 1 | cut -d/ -f1)"
  [ -n "$top" ] || die "cannot read $tarball"
  if [ ! -f "$cache/src/$top/.unpacked" ]; then
    say "unpacking $(basename "$tarball")"
    rm -rf "${cache:?}/src/$top"
    tar -xzf "$tarball" -C "$cache/src" || die "cannot unpack $tarball"
    touch "$cache/src/$top/.unpacked"
  fi
  echo "$cache/src/$top"
}
trees=()
labels=()
if [ "$default_trees" = 1 ]; then
  django_tree="$(fetch django "$DJANGO_SPEC")"
  wagtail_tree="$(fetch wagtail "$WAGTAIL_SPEC")"
  trees+=(--tree "$(basename "$django_tree")=$django_tree" --tree "$(basename "$wagtail_tree")=$wagtail_tree")
  labels+=(--label "Django sdist: $(basename "$(ls "$cache"/sdist/django/*.tar.gz)") ($DJANGO_SPEC)")
  labels+=(--label "wagtail sdist: $(basename "$(ls "$cache"/sdist/wagtail/*.tar.gz)") ($WAGTAIL_SPEC)")
fi
for spec in "${extra_trees[@]}"; do
  trees+=(--tree "$spec")
  labels+=(--label "${spec%%=*}: ${spec#*=}")
done

# --- our release binary -----------------------------------------------------
if [ -n "$binary" ]; then
  ours="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
  commit="a given build ($ours; work tree at $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown))"
elif [ -z "$rev" ]; then
  # The work tree as it is (uncommitted changes included, and flagged below).
  say "cargo build --release"
  cargo build --release --quiet || die "cargo build --release failed"
  ours="${CARGO_TARGET_DIR:-$repo/target}/release/reflex-django-lsp"
  commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  if [ -n "$(git status --porcelain --untracked-files=no -- . ':(exclude)benches' 2>/dev/null || true)" ]; then
    commit="$commit + uncommitted changes in the work tree"
  fi
else
  # A committed tree, exported (no git metadata touched) and built apart.
  revdir="$cache/rev/$sha"
  if [ ! -f "$revdir/.exported" ]; then
    say "exporting $rev ($sha) to $revdir"
    rm -rf "$revdir"
    mkdir -p "$revdir"
    git archive "$sha" | tar -x -C "$revdir" || die "git archive of $sha failed"
    touch "$revdir/.exported"
  fi
  say "cargo build --release (of $sha)"
  (cd "$revdir" && CARGO_TARGET_DIR="$cache/target-rev" cargo build --release --quiet --locked) \
    || die "cargo build --release of $sha failed"
  ours="$cache/target-rev/release/reflex-django-lsp"
  commit="$(git rev-parse --short=12 "$sha") (clean build of the commit)"
fi
[ -x "$ours" ] || die "no binary at $ours after the build"

args=(
  --runs "$runs"
  --idle-wait "$idle_wait"
  --ours "$ours"
  --ruff "$ruff"
  --cache "$cache"
  "${trees[@]}"
  --results "$cache/results.md"
  --commit "$commit"
  "${labels[@]}"
)
for a in "${ours_args[@]}"; do args+=("--ours-arg=$a"); done
[ -z "$baseline" ] || args+=(--baseline "$baseline" --baseline-commit "given build $baseline")
exec python3 "$repo/benches/compare_ruff.py" "${args[@]}"
