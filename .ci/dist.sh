#!/usr/bin/env bash
# Distribution, end to end (issue 6, SPEC §6), as a user gets the tool:
#
#  1. builds the wheel with maturin (pyproject.toml: the release binary in a
#     `py3-none-<platform>` wheel), and prints its size and the build time;
#  2. installs it with plain pip into a fresh virtualenv (install time
#     printed) and runs `reflex-django-lsp check fixtures/shop` from that
#     virtualenv's bin: the findings must be exactly the `# expect: RDJxxx`
#     markers of the example project (as tests/shop.rs checks for cargo's
#     binary), and `--version` must name the version and commit;
#  3. builds the source distribution and pip-installs it (pip builds it with
#     maturin): no test files in it, the same findings from its binary;
#     then `cargo install --path . --locked` gives the same findings too;
#  4. `pre-commit try-repo` (pre-commit from pip) runs this repository's hooks
#     in a scratch git repository holding a copy of fixtures/shop: the
#     `reflex-django-lsp` hook fails with the same findings, and the
#     `reflex-django-lsp-fix` hook rewrites the files (an `aget` appears).
#
# pre-commit installs the hook the way its users get it: it clones this
# repository and builds the package from source with pip and maturin. It
# clones COMMITTED files: `try-repo` is given `--ref HEAD`, so uncommitted
# changes (to .pre-commit-hooks.yaml, pyproject.toml, the sources) are not
# tested by step 4 until they are committed. Steps 1-3 use the working tree.
#
# Build time: the wheel is the release build users get (thin LTO); from
# scratch on 2 cores that is the dependencies (a few minutes, sqlx's drivers
# and bundled SQLite included) and then this crate (about a minute, more on a
# busy machine). cargo's output is kept in .cache/dist/target, so later runs
# rebuild only what changed. The two builds from source that follow (pip
# building the sdist, pre-commit building its clone of the repository, each
# in a fresh folder with a fresh pip build environment) share that target
# folder through CARGO_TARGET_DIR: each recompiles only this crate, not the
# dependencies. Both hooks run in one `try-repo`, so they share one installed
# environment (one build, not two). A dev-profile wheel would build faster
# but would not be what users install, nor measure its size.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
cache="$repo/.cache/dist"
mkdir -p "$cache"

say() { printf 'dist: %s\n' "$*"; }
fail() { printf 'dist: FAILED: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }

# The tools, from pip, in their own virtualenv (kept between runs).
tools="$cache/tools"
if [ ! -x "$tools/bin/python" ]; then
  python3 -m venv "$tools"
fi
"$tools/bin/python" -m pip install --quiet --disable-pip-version-check 'maturin>=1.5,<2' 'pre-commit>=3,<5'

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"   # [package] comes first
[ -n "$version" ] || fail "no version in Cargo.toml"
export CARGO_TARGET_DIR="$cache/target"

# 1. The wheel.
wheels="$cache/wheels"
rm -rf "$wheels"
mkdir -p "$wheels"
t0=$(now_ms)
"$tools/bin/maturin" build --release --locked --quiet --out "$wheels" >"$cache/build.log" 2>&1 \
  || { tail -n 40 "$cache/build.log" >&2; fail "maturin build"; }
build_ms=$(( $(now_ms) - t0 ))
wheel="$(ls "$wheels"/reflex_django_lsp-"$version"-*.whl 2>/dev/null | head -n 1)"
[ -n "$wheel" ] || fail "no reflex_django_lsp-$version wheel in $wheels"
wheel_bytes=$(stat -c %s "$wheel")
say "built $(basename "$wheel"): $wheel_bytes bytes in $(secs "$build_ms") s"
"$tools/bin/python" - "$wheel" <<'EOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
scripts = [n for n in names if ".data/scripts/" in n]
assert [s.rsplit("/", 1)[1] for s in scripts] == ["reflex-django-lsp"], scripts
stray = [n for n in names if not (".dist-info/" in n or ".data/scripts/" in n)]
assert not stray, f"the wheel carries more than the binary: {stray}"
# The metadata pip and the package index show: description, licence,
# classifiers and links.
import email.parser
[meta] = [n for n in names if n.endswith(".dist-info/METADATA")]
msg = email.parser.Parser().parsestr(zipfile.ZipFile(sys.argv[1]).read(meta).decode())
assert msg["Name"] == "reflex-django-lsp", msg["Name"]
assert "Django ORM" in msg["Summary"], msg["Summary"]
assert "MIT" in (msg["License"] or "") + (msg["License-Expression"] or ""), dict(msg)
classifiers = msg.get_all("Classifier") or []
assert "Framework :: Django" in classifiers, classifiers
urls = dict(u.split(", ", 1) for u in msg.get_all("Project-URL") or [])
assert {"Homepage", "Repository", "Issues"} <= urls.keys(), urls
assert "markdown" in (msg["Description-Content-Type"] or ""), dict(msg)
EOF

# 2. A fresh virtualenv, plain pip, the wheel only (it has no dependencies).
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
python3 -m venv "$scratch/venv"
t0=$(now_ms)
"$scratch/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$wheel"
install_ms=$(( $(now_ms) - t0 ))
exe="$scratch/venv/bin/reflex-django-lsp"
[ -x "$exe" ] || fail "pip did not put reflex-django-lsp in the virtualenv's bin"
[ "$(PATH="$scratch/venv/bin:$PATH" command -v reflex-django-lsp)" = "$exe" ] || fail "not on the virtualenv's PATH"
say "installed into a fresh virtualenv in $(secs "$install_ms") s; binary $(stat -c %s "$exe") bytes"

got_version="$("$exe" --version)"
case "$got_version" in
  "reflex-django-lsp $version"*) ;;
  *) fail "--version printed '$got_version'" ;;
esac
if [ -d .git ] && command -v git >/dev/null; then
  # `reflex-django-lsp 0.1.0 (<short commit> <date>)`: HEAD's commit (on a
  # shared working tree, where someone may commit during the build, HEAD or
  # an ancestor of it).
  built="$(printf '%s\n' "$got_version" | sed -n 's/^reflex-django-lsp [^ ]* (\([0-9a-f]\{7,\}\) [0-9-]*)$/\1/p')"
  [ -n "$built" ] || fail "--version printed '$got_version', without the commit"
  [ "$got_version" = "reflex-django-lsp $version ($(git log -1 --no-show-signature --date=short --format='%h %cd' "$built"))" ] \
    || fail "--version printed '$got_version'"
  if [ -n "${CI:-}" ]; then
    [ "$(git rev-parse "$built")" = "$(git rev-parse HEAD)" ] || fail "--version names $built, HEAD is $(git rev-parse --short HEAD)"
  else
    git merge-base --is-ancestor "$built" HEAD || fail "--version names $built, not HEAD nor an ancestor of it"
  fi
fi
say "$got_version"

# The findings of the installed binary against the example project's markers.
set +e
"$exe" check fixtures/shop --output-format concise --no-cache >"$scratch/venv-check.txt" 2>"$scratch/venv-check.err"
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$scratch/venv-check.err" >&2; fail "check fixtures/shop exited $rc (want 1: findings)"; }

# Python helpers: the expected findings (`# expect:` markers) and the
# findings read from concise or full output, as `path:row CODE` lines
# (paths relative to the project's root), one per line, sorted.
cat >"$scratch/findings.py" <<'EOF'
import os, re, sys

def markers(root):
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.endswith(".py"):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as f:
                for row, line in enumerate(f, 1):
                    if "# expect: " in line:
                        for code in line.split("# expect: ", 1)[1].split(","):
                            out.add(f"{os.path.relpath(path, root)}:{row} {code.strip()}")
    return out

def concise(path, prefix):
    out = set()
    for line in open(path, encoding="utf-8"):
        m = re.match(r"(.+?):(\d+):\d+: (RDJ\d{3}) ", line)
        if m:
            file = m[1][len(prefix):] if m[1].startswith(prefix) else m[1]
            out.add(f"{file}:{m[2]} {m[3]}")
    return out

def full(text):
    # `RDJ101` alone on a line, then the snippet's `╭─[path:row:col]`.
    out, code = set(), None
    for line in re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines():
        if re.fullmatch(r"RDJ\d{3}", line.strip()):
            code = line.strip()
        m = re.search(r"╭─\[(.+?):(\d+):\d+\]", line)
        if m and code:
            out.add(f"{m[1]}:{m[2]} {code}")
            code = None
    return out

def hook_section(text, hook_id):
    # pre-commit prints `- hook id: ID`, then the hook's output, until the
    # next hook's status line (`name....Failed`).
    lines = re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()
    start = lines.index(f"- hook id: {hook_id}")
    end = next((i for i in range(start + 1, len(lines)) if re.search(r"\.{3,}(Passed|Failed|Skipped)", lines[i])), len(lines))
    return "\n".join(lines[start:end])

if __name__ == "__main__":
    what = sys.argv[1]
    if what == "markers":
        found = markers(sys.argv[2])
    elif what == "concise":
        found = concise(sys.argv[2], sys.argv[3])
    elif what == "hook":
        found = full(hook_section(open(sys.argv[2], encoding="utf-8").read(), sys.argv[3]))
    print("\n".join(sorted(found)))
EOF
py="$tools/bin/python"
"$py" "$scratch/findings.py" markers fixtures/shop >"$scratch/expected.txt"
"$py" "$scratch/findings.py" concise "$scratch/venv-check.txt" fixtures/shop/ >"$scratch/venv-found.txt"
[ "$(wc -l <"$scratch/expected.txt")" -ge 17 ] || fail "fewer than 17 '# expect:' markers in fixtures/shop"
diff -u "$scratch/expected.txt" "$scratch/venv-found.txt" >&2 \
  || fail "the installed binary's findings on fixtures/shop differ from the '# expect:' markers (- expected, + found)"
say "check fixtures/shop from the virtualenv: $(wc -l <"$scratch/venv-found.txt") findings, exactly the '# expect:' markers"

# The source distribution, for platforms without a wheel: it holds what the
# build needs and none of the fixtures, tests, editors or benchmarks, and
# pip builds it into a working binary (no .git there: the version alone).
"$tools/bin/maturin" sdist --out "$scratch/sdist" >"$cache/sdist.log" 2>&1 \
  || { cat "$cache/sdist.log" >&2; fail "maturin sdist"; }
sdist="$(ls "$scratch"/sdist/reflex_django_lsp-"$version".tar.gz)"
tar -tzf "$sdist" | grep -E '^[^/]+/(fixtures|tests|editors|benches|docs|\.ci)/' >&2 \
  && fail "the source distribution carries the files listed above"
python3 -m venv "$scratch/sdist-venv"
t0=$(now_ms)
"$scratch/sdist-venv/bin/python" -m pip install --quiet --disable-pip-version-check "$sdist" >"$cache/sdist-install.log" 2>&1 \
  || { tail -n 40 "$cache/sdist-install.log" >&2; fail "pip install of the source distribution"; }
sdist_ms=$(( $(now_ms) - t0 ))
sdist_version="$("$scratch/sdist-venv/bin/reflex-django-lsp" --version)"
[ "$sdist_version" = "reflex-django-lsp $version" ] || fail "built from the source distribution, --version printed '$sdist_version'"
set +e
"$scratch/sdist-venv/bin/reflex-django-lsp" check fixtures/shop --output-format concise --no-cache >"$scratch/sdist-check.txt"
set -e
"$py" "$scratch/findings.py" concise "$scratch/sdist-check.txt" fixtures/shop/ | diff -u "$scratch/expected.txt" - >&2 \
  || fail "the binary built from the source distribution finds other things in fixtures/shop (- expected, + found)"
say "source distribution: $(stat -c %s "$sdist") bytes, pip-installed (built) in $(secs "$sdist_ms") s, '$sdist_version', the same findings"

# 3b. `cargo install --path .` (the README's way for Rust users): the
# locked dependencies, the binary in the given root's bin, the same findings.
t0=$(now_ms)
cargo install --quiet --locked --path . --root "$scratch/cargo" >"$cache/cargo-install.log" 2>&1 \
  || { tail -n 40 "$cache/cargo-install.log" >&2; fail "cargo install --path ."; }
cargo_ms=$(( $(now_ms) - t0 ))
cargo_exe="$scratch/cargo/bin/reflex-django-lsp"
cargo_version="$("$cargo_exe" --version)"
case "$cargo_version" in
  "reflex-django-lsp $version"*) ;;
  *) fail "installed with cargo, --version printed '$cargo_version'" ;;
esac
set +e
"$cargo_exe" check fixtures/shop --output-format concise --no-cache >"$scratch/cargo-check.txt"
set -e
"$py" "$scratch/findings.py" concise "$scratch/cargo-check.txt" fixtures/shop/ | diff -u "$scratch/expected.txt" - >&2 \
  || fail "the binary from cargo install finds other things in fixtures/shop (- expected, + found)"
say "cargo install --path . --locked: built and installed in $(secs "$cargo_ms") s, '$cargo_version', the same findings"

# 4. pre-commit try-repo, both hooks, in a scratch git repository.
if [ ! -d .git ] || ! command -v git >/dev/null; then
  [ -z "${CI:-}" ] || fail "pre-commit try-repo needs a git checkout and git"
  say "skipped: pre-commit try-repo (not a git checkout, or no git)"
  exit 0
fi
head="$(git rev-parse HEAD)"
for f in .pre-commit-hooks.yaml pyproject.toml; do
  git cat-file -e "$head:$f" 2>/dev/null || fail "$f is not committed: pre-commit try-repo clones HEAD"
done
proj="$scratch/shop"
mkdir "$proj"
# The example project's files as git sees them (tracked, or new and not
# ignored): no result cache, no database file a test may have left there.
(cd fixtures/shop && git ls-files -z --cached --others --exclude-standard . | tar --null -T - -cf -) \
  | tar -xf - -C "$proj"
[ -f "$proj/shop/states/catalog.py" ] || fail "copying fixtures/shop"
git_scratch() {
  git -C "$proj" -c user.name=dist -c user.email=dist@localhost -c commit.gpgsign=false "$@"
}
git_scratch init -q
git_scratch add -A
git_scratch commit -q -m "a copy of fixtures/shop"
t0=$(now_ms)
set +e
(cd "$proj" && PRE_COMMIT_HOME="$cache/pre-commit" "$tools/bin/pre-commit" try-repo "$repo" --ref "$head" --all-files --color never) \
  >"$scratch/try-repo.txt" 2>&1
rc=$?
set -e
try_ms=$(( $(now_ms) - t0 ))
[ "$rc" -ne 0 ] || { cat "$scratch/try-repo.txt" >&2; fail "pre-commit try-repo passed on a project with findings"; }
grep -q -- "- hook id: reflex-django-lsp$" "$scratch/try-repo.txt" \
  && grep -q -- "- hook id: reflex-django-lsp-fix$" "$scratch/try-repo.txt" \
  || { tail -n 60 "$scratch/try-repo.txt" >&2; fail "pre-commit did not run both hooks"; }
"$py" "$scratch/findings.py" hook "$scratch/try-repo.txt" reflex-django-lsp >"$scratch/hook-found.txt"
diff -u "$scratch/expected.txt" "$scratch/hook-found.txt" >&2 \
  || { cat "$scratch/try-repo.txt" >&2; fail "the reflex-django-lsp hook's findings differ from the '# expect:' markers (- expected, + found)"; }
say "pre-commit try-repo: hook reflex-django-lsp failed with the $(wc -l <"$scratch/hook-found.txt") expected findings"

# The fix hook: files changed, a known safe rewrite is there, and the
# findings it reports after fixing are those a check of the fixed project
# finds: fewer than before, and none of a rule that had fewer before.
"$py" "$scratch/findings.py" hook "$scratch/try-repo.txt" reflex-django-lsp-fix >"$scratch/fix-hook-found.txt"
grep -q -- "- files were modified by this hook" "$scratch/try-repo.txt" \
  || { cat "$scratch/try-repo.txt" >&2; fail "the reflex-django-lsp-fix hook modified no file"; }
! git_scratch diff --quiet || fail "the fix hook reported changes but the scratch repository has none"
rewrite='product = await Product.objects.aget(slug=slug, is_published=True)'
grep -qF "$rewrite" "$proj/shop/states/catalog.py" \
  || { git_scratch diff >&2; fail "shop/states/catalog.py lacks the safe rewrite '$rewrite'"; }
changed="$(git_scratch diff --name-only | tr '\n' ' ')"
set +e
(cd "$proj" && "$exe" check . --output-format concise --no-cache) >"$scratch/after-fix.txt"
set -e
"$py" "$scratch/findings.py" concise "$scratch/after-fix.txt" "" >"$scratch/after-found.txt"
diff -u "$scratch/after-found.txt" "$scratch/fix-hook-found.txt" >&2 \
  || fail "the fix hook's remaining findings differ from a check of the fixed project (- check, + hook)"
"$py" - "$scratch/expected.txt" "$scratch/after-found.txt" <<'EOF2' || fail "the fix hook fixed nothing, or left findings that were not there before"
import collections, sys
def counts(p):
    return collections.Counter(line.split()[-1] for line in open(p) if line.strip())
before, after = counts(sys.argv[1]), counts(sys.argv[2])
sys.exit(0 if sum(after.values()) < sum(before.values()) and not (after - before) else 1)
EOF2
say "pre-commit try-repo: hook reflex-django-lsp-fix rewrote $changed($(wc -l <"$scratch/after-found.txt") findings left)"
say "pre-commit try-repo (installing the hook from a clone: pip + maturin build) took $(secs "$try_ms") s"

say "source distribution built and installed in $(secs "$sdist_ms") s"
say "wheel $wheel_bytes bytes ($(awk -v b="$wheel_bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MiB), build $(secs "$build_ms") s, install $(secs "$install_ms") s, pre-commit $(secs "$try_ms") s"
