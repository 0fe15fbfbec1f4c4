#!/usr/bin/env python3
"""Score reflex-django-lsp against real async-ORM bugs fixed in public repositories.

Each case (benches/history/cases/*.toml, format in README.md) names the parent
of a fixing commit, a file and the lines of the offending operation. The parent
tree is exported from a bare mirror, checked once with the binary, and the case
is a HIT when a finding of a rule RDJ1xx-RDJ4xx in that file covers one of
its lines.

Standard library only (Python 3.11+ for tomllib).
"""

from __future__ import annotations

import argparse
import datetime
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent

KINDS = (
    "helper",
    "lazy_relation",
    "blocking_call",
    "queryset_evaluation",
    "transaction",
    "state_model",
    "import_time",
    "sync_handler",
    "other",
)
REQUIRED_KEYS = ("id", "repo", "fix", "parent", "file", "lines", "kind", "reason")
# The rule families whose findings can hit a case: RDJ5xx (live schema) and
# RDJ6xx (reflex-django ModelState configuration) say nothing about code
# running on the event loop.
HIT_PREFIXES = ("RDJ1", "RDJ2", "RDJ3", "RDJ4")
UNCATEGORISED = "(uncategorised)"


@dataclass
class Case:
    id: str
    repo: str
    fix: str
    parent: str
    file: str
    lines: list[int]
    kind: str
    reason: str
    source: Path
    miss_cause: str | None = None
    note: str | None = None
    # Filled by scoring.
    hit: bool = False
    hit_by: list[dict] = field(default_factory=list)
    nearby: list[dict] = field(default_factory=list)
    error: str | None = None


@dataclass
class TreeRun:
    repo: str
    parent: str
    path: Path
    findings: list[dict] = field(default_factory=list)
    seconds: float | None = None
    error: str | None = None
    reused: bool = False


@dataclass
class FalsePositive:
    """A finding judged wrong by reading the code; re-checked on every run."""

    repo: str
    parent: str
    file: str
    line: int
    code: str
    reason: str
    still_reported: bool | None = None


def load_false_positives(path: Path) -> list[FalsePositive]:
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        fail(f"{path}: {e}")
    entries = []
    for n, raw in enumerate(data.get("false_positive", []), start=1):
        missing = [k for k in ("repo", "parent", "file", "line", "code", "reason") if k not in raw]
        if missing:
            fail(f"{path} false_positive {n}: missing {', '.join(missing)}")
        entries.append(FalsePositive(**{k: raw[k] for k in ("repo", "parent", "file", "line", "code", "reason")}))
    return entries


def fail(message: str) -> None:
    print(f"score.py: {message}", file=sys.stderr)
    sys.exit(2)


def load_cases(patterns: list[str]) -> list[Case]:
    files: list[Path] = []
    for pattern in patterns:
        matched = sorted(glob.glob(pattern))
        if not matched:
            print(f"note: no case file matches {pattern}", file=sys.stderr)
        files.extend(Path(m) for m in matched)
    cases: list[Case] = []
    seen: dict[str, Path] = {}
    problems: list[str] = []
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as e:
            problems.append(f"{path}: {e}")
            continue
        for n, raw in enumerate(data.get("case", []), start=1):
            where = f"{path} case {n}"
            missing = [k for k in REQUIRED_KEYS if k not in raw]
            if missing:
                problems.append(f"{where}: missing {', '.join(missing)}")
                continue
            if raw["kind"] not in KINDS:
                problems.append(f"{where}: unknown kind {raw['kind']!r}")
                continue
            lines = raw["lines"]
            if not (isinstance(lines, list) and lines and all(isinstance(x, int) and x > 0 for x in lines)):
                problems.append(f"{where}: lines must be a non-empty list of positive integers")
                continue
            for key in ("fix", "parent"):
                sha = raw[key]
                if not (isinstance(sha, str) and len(sha) == 40 and all(c in "0123456789abcdef" for c in sha)):
                    problems.append(f"{where}: {key} must be a full lowercase 40-hex sha")
            if raw["id"] in seen:
                problems.append(f"{where}: duplicate id {raw['id']} (also in {seen[raw['id']]})")
                continue
            seen[raw["id"]] = path
            cases.append(
                Case(
                    id=raw["id"],
                    repo=raw["repo"],
                    fix=raw["fix"],
                    parent=raw["parent"],
                    file=raw["file"].lstrip("/"),
                    lines=list(lines),
                    kind=raw["kind"],
                    reason=raw["reason"],
                    source=path,
                    miss_cause=raw.get("miss_cause") or None,
                    note=raw.get("note"),
                )
            )
    if problems:
        fail("invalid cases:\n  " + "\n  ".join(problems))
    return cases


def mirror_dir(mirrors: Path, repo: str) -> Path | None:
    """The bare git directory of `repo`: `owner+name/repo` (as `fetch` leaves it) or `owner+name`."""
    base = mirrors / repo.replace("/", "+")
    for candidate in (base / "repo", base, base.with_name(base.name + ".git")):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def git(git_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], capture_output=True, text=True, check=False
    )


def materialise(mirrors: Path, cache: Path, repo: str, parent: str) -> tuple[Path, str | None]:
    """Export `parent` of `repo` into the cache once; return its path and an error, if any."""
    dest = cache / "trees" / repo.replace("/", "+") / parent
    if dest.is_dir():
        return dest, None
    git_dir = mirror_dir(mirrors, repo)
    if git_dir is None:
        return dest, f"no mirror of {repo} under {mirrors}"
    if git(git_dir, "cat-file", "-e", f"{parent}^{{commit}}").returncode != 0:
        return dest, f"commit {parent} is not in the mirror of {repo}"
    partial = dest.with_name(dest.name + ".part")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    archive = subprocess.Popen(
        ["git", f"--git-dir={git_dir}", "archive", "--format=tar", parent],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    untar = subprocess.run(
        ["tar", "-x", "-C", str(partial)], stdin=archive.stdout, capture_output=True, check=False
    )
    archive.stdout.close()
    archive_err = archive.stderr.read().decode(errors="replace")
    archive.wait()
    if archive.returncode != 0 or untar.returncode != 0:
        # Mirrors made by the `fetch` tool lack blobs of 4 MiB and more, and
        # `git archive` stops at the first missing one. Export what is there.
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        try:
            export_present_blobs(git_dir, parent, partial)
        except (OSError, subprocess.CalledProcessError, ValueError) as e:
            shutil.rmtree(partial, ignore_errors=True)
            reason = archive_err.strip().splitlines()[:1] or [str(e)]
            return dest, f"export of {repo}@{parent[:12]} failed: {reason[0]} / {e}"
    partial.rename(dest)
    return dest, None


def export_present_blobs(git_dir: Path, commit: str, dest: Path) -> int:
    """Write every regular file of `commit` whose blob is in the mirror; return how many were absent."""
    listing = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", "--full-tree", commit],
        capture_output=True,
        check=True,
    ).stdout
    entries: list[tuple[str, str]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        # Regular files only: symlinks could point outside the tree, submodules have no blob here.
        if kind == "blob" and mode in ("100644", "100755"):
            entries.append((sha, raw_path.decode("utf-8", errors="surrogateescape")))
    batch = subprocess.Popen(
        ["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    # One request at a time keeps the pipes from filling up in both directions.
    missing = 0
    root = dest.resolve()
    for sha, rel in entries:
        batch.stdin.write(f"{sha}\n".encode())
        batch.stdin.flush()
        header = batch.stdout.readline().decode().split()
        if len(header) < 2 or header[1] == "missing":
            missing += 1
            continue
        size = int(header[2])
        content = batch.stdout.read(size)
        batch.stdout.read(1)  # the newline after the content
        target = (root / rel).resolve()
        if root not in target.parents:
            raise ValueError(f"path escapes the tree: {rel}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    batch.stdin.close()
    batch.wait()
    return missing


def build_binary() -> Path:
    print("building: cargo build --release", file=sys.stderr)
    done = subprocess.run(["cargo", "build", "--release"], cwd=REPO_ROOT, check=False)
    if done.returncode != 0:
        fail("cargo build --release failed")
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO_ROOT / "target"))
    if not target.is_absolute():
        target = REPO_ROOT / target
    binary = target / "release" / "reflex-django-lsp"
    if not binary.is_file():
        fail(f"no binary at {binary} after the build")
    return binary


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def check_command(binary: Path, tree: Path) -> list[str]:
    return [
        str(binary),
        "check",
        str(tree),
        "--no-database",
        "--no-cache",
        "--output-format",
        "json",
        "--exit-zero",
        "--ignore",
        "RDJ5",
    ]


def run_check(binary: Path, tree: Path, timeout: float) -> tuple[list[dict], float, str | None]:
    started = time.monotonic()
    try:
        done = subprocess.run(
            check_command(binary, tree), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return [], time.monotonic() - started, f"timed out after {timeout:.0f} s"
    seconds = time.monotonic() - started
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-3:]
        return [], seconds, f"exit {done.returncode}: {' | '.join(tail)}"
    try:
        findings = json.loads(done.stdout or "[]")
    except json.JSONDecodeError as e:
        return [], seconds, f"unreadable JSON output: {e}"
    if not isinstance(findings, list):
        return [], seconds, "JSON output is not an array"
    return findings, seconds, None


def relative_name(filename: str, tree: Path) -> str:
    try:
        return Path(filename).resolve().relative_to(tree.resolve()).as_posix()
    except ValueError:
        return Path(filename).as_posix()


def rows(finding: dict) -> tuple[int, int]:
    start = int(finding.get("location", {}).get("row", 0))
    end = int((finding.get("end_location") or {}).get("row", start))
    return start, max(start, end)


def score_case(case: Case, by_file: dict[str, list[dict]], near: int) -> None:
    wanted = set(case.lines)
    low, high = min(wanted) - near, max(wanted) + near
    for f in by_file.get(case.file, []):
        start, end = rows(f)
        brief = {"code": f.get("code"), "row": start, "end_row": end, "message": f.get("message")}
        if str(f.get("code", "")).startswith(HIT_PREFIXES) and any(start <= ln <= end for ln in wanted):
            case.hit_by.append(brief)
        elif start <= high and end >= low:
            case.nearby.append(brief)
    case.hit = bool(case.hit_by)


def parent_line_check(case: Case, tree: Path) -> str | None:
    path = tree / case.file
    if not path.is_file():
        return f"{case.file} is not in the parent tree"
    try:
        count = len(path.read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError as e:
        return f"{case.file}: {e}"
    beyond = [ln for ln in case.lines if ln > count]
    if beyond:
        return f"line(s) {beyond} beyond the end of {case.file} ({count} lines)"
    return None


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:.0f} %" if d else "n/a"


def summarise(
    cases: list[Case],
    trees: dict[tuple[str, str], TreeRun],
    version: str,
    binary: Path,
    false_positives: list[FalsePositive],
) -> str:
    scored = [c for c in cases if c.error is None]
    hits = sum(c.hit for c in scored)
    out: list[str] = []
    today = datetime.date.today().isoformat()
    out.append("# Real-history benchmark: results\n")
    out.append(
        f"Binary: `{version}` ({binary.name}); scored {today} by `benches/history/score.py`.\n"
        "A case is a hit when a finding of RDJ1xx-RDJ4xx covers one of its lines "
        "in the fix's parent tree (see README.md).\n"
    )
    def shown(d: Path) -> str:
        try:
            return d.resolve().relative_to(REPO_ROOT).as_posix()
        except ValueError:
            return str(d)

    sources = Counter(shown(c.source.parent) for c in cases)
    out.append(
        "Cases: "
        + ", ".join(f"{n} from `{d}`" for d, n in sorted(sources.items()))
        + f"; {len({c.repo for c in cases})} repositories, {len({(c.repo, c.parent) for c in cases})} trees.\n"
    )
    out.append(f"**Recall: {hits}/{len(scored)} = {pct(hits, len(scored))}**")
    errored = [c for c in cases if c.error]
    if errored:
        out.append(f" ({len(errored)} case(s) not scored, see below)")
    out.append("\n")

    out.append("## Recall per kind\n")
    out.append("| kind | hits | cases | recall |")
    out.append("| --- | ---: | ---: | ---: |")
    per_kind: dict[str, list[Case]] = defaultdict(list)
    for c in scored:
        per_kind[c.kind].append(c)
    for kind in KINDS:
        group = per_kind.get(kind)
        if group:
            h = sum(c.hit for c in group)
            out.append(f"| {kind} | {h} | {len(group)} | {pct(h, len(group))} |")
    out.append("")

    out.append("## Recall per repository\n")
    out.append("| repository | hits | cases |")
    out.append("| --- | ---: | ---: |")
    per_repo: dict[str, list[Case]] = defaultdict(list)
    for c in scored:
        per_repo[c.repo].append(c)
    for repo in sorted(per_repo, key=str.lower):
        group = per_repo[repo]
        out.append(f"| {repo} | {sum(c.hit for c in group)} | {len(group)} |")
    out.append("")

    misses = [c for c in scored if not c.hit]
    out.append(f"## Misses by cause ({len(misses)})\n")
    by_cause: dict[str, list[Case]] = defaultdict(list)
    for c in misses:
        by_cause[c.miss_cause or UNCATEGORISED].append(c)
    ranked = sorted(by_cause.items(), key=lambda kv: (-len(kv[1]), kv[0] == UNCATEGORISED, kv[0]))
    out.append("| cause | misses |")
    out.append("| --- | ---: |")
    for cause, group in ranked:
        out.append(f"| {cause} | {len(group)} |")
    out.append("")
    for cause, group in ranked:
        out.append(f"### {cause}\n")
        for c in group:
            lines = ",".join(map(str, c.lines))
            out.append(f"- `{c.id}` ({c.kind}) `{c.file}:{lines}`")
        out.append("")

    if errored:
        out.append("## Not scored\n")
        for c in errored:
            out.append(f"- `{c.id}`: {c.error}")
        out.append("")

    if false_positives:
        out.append("## False positives seen\n")
        out.append(
            "Findings on these trees judged wrong by reading the code (`false_positives.toml`); "
            "*still reported* is checked against this run.\n"
        )
        out.append("| finding | still reported | why it is wrong |")
        out.append("| --- | --- | --- |")
        for fp in false_positives:
            state = {True: "yes", False: "no", None: "not checked"}[fp.still_reported]
            out.append(f"| {fp.code} `{fp.repo}@{fp.parent[:10]}:{fp.file}:{fp.line}` | {state} | {fp.reason} |")
        out.append("")

    out.append("## Trees\n")
    out.append("Findings: all rules but RDJ5xx, anywhere in the tree (a noise indicator).\n")
    out.append("| tree | cases | hits | findings | per rule | seconds |")
    out.append("| --- | ---: | ---: | ---: | --- | ---: |")
    per_tree: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for c in cases:
        per_tree[(c.repo, c.parent)].append(c)
    for key in sorted(trees, key=lambda k: (k[0].lower(), k[1])):
        run = trees[key]
        group = per_tree[key]
        codes = Counter(str(f.get("code")) for f in run.findings)
        rules = ", ".join(f"{code} {n}" for code, n in sorted(codes.items()))
        secs = f"{run.seconds:.2f}" if run.seconds is not None else "-"
        found = str(len(run.findings)) if run.error is None else f"error: {run.error}"
        out.append(
            f"| {run.repo}@{run.parent[:10]} | {len(group)} | {sum(c.hit for c in group)} "
            f"| {found} | {rules} | {secs} |"
        )
    out.append("")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", type=Path, help="reflex-django-lsp binary (default: cargo build --release here)")
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"), help="folder of bare mirrors, owner+name")
    ap.add_argument("--cache", type=Path, default=REPO_ROOT / ".cache" / "history", help="trees and raw results")
    ap.add_argument(
        "--cases",
        action="append",
        help="glob of case files (repeatable; default benches/history/cases/*.toml)",
    )
    ap.add_argument("--json", type=Path, help="also write the raw results here (always: <cache>/results.json)")
    ap.add_argument(
        "--results",
        type=Path,
        default=HERE / "RESULTS.md",
        help="markdown summary (default benches/history/RESULTS.md; '-' for none)",
    )
    ap.add_argument(
        "--false-positives",
        type=Path,
        default=HERE / "false_positives.toml",
        help="register of findings judged wrong (default benches/history/false_positives.toml)",
    )
    ap.add_argument("--fresh", action="store_true", help="re-run checks even when this binary's findings are cached")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per tree (default 600)")
    ap.add_argument("--near", type=int, default=3, help="rows around a miss whose findings are listed (default 3)")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every case's verdict")
    args = ap.parse_args()

    cases = load_cases(args.cases or [str(HERE / "cases" / "*.toml")])
    if not cases:
        fail("no cases")
    binary = args.binary.resolve() if args.binary else build_binary()
    if not binary.is_file():
        fail(f"no binary at {binary}")
    version_out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False)
    version = version_out.stdout.strip() or "unknown version"
    digest = file_digest(binary)
    cache = args.cache.resolve()

    false_positives = load_false_positives(args.false_positives)
    trees: dict[tuple[str, str], TreeRun] = {}
    wanted = {(c.repo, c.parent) for c in cases} | {(fp.repo, fp.parent) for fp in false_positives}
    for key in sorted(wanted):
        repo, parent = key
        path, error = materialise(args.mirrors, cache, repo, parent)
        run = TreeRun(repo=repo, parent=parent, path=path, error=error)
        trees[key] = run
        if error:
            print(f"{repo}@{parent[:10]}: {error}", file=sys.stderr)
            continue
        stored = cache / "findings" / digest / repo.replace("/", "+") / f"{parent}.json"
        if stored.is_file() and not args.fresh:
            saved = json.loads(stored.read_text(encoding="utf-8"))
            run.findings, run.seconds, run.reused = saved["findings"], saved["seconds"], True
        else:
            run.findings, run.seconds, run.error = run_check(binary, path, args.timeout)
            if run.error is None:
                stored.parent.mkdir(parents=True, exist_ok=True)
                stored.write_text(json.dumps({"findings": run.findings, "seconds": run.seconds}), encoding="utf-8")
        state = "cached" if run.reused else f"{run.seconds:.2f} s"
        print(
            f"{repo}@{parent[:10]}: {len(run.findings)} findings ({state})"
            + (f" ERROR {run.error}" if run.error else ""),
            file=sys.stderr,
        )

    for c in cases:
        run = trees[(c.repo, c.parent)]
        if run.error:
            c.error = run.error
            continue
        c.error = parent_line_check(c, run.path)
        if c.error:
            continue
        by_file: dict[str, list[dict]] = defaultdict(list)
        for f in run.findings:
            by_file[relative_name(str(f.get("filename", "")), run.path)].append(f)
        score_case(c, by_file, args.near)
        if args.verbose:
            verdict = "HIT " if c.hit else "MISS"
            extra = " ".join(f"{h['code']}@{h['row']}" for h in c.hit_by)
            if not c.hit and c.nearby:
                extra = "near: " + " ".join(f"{h['code']}@{h['row']}" for h in c.nearby)
            print(f"{verdict} {c.id:<40} {c.kind:<20} {c.file}:{c.lines} {extra}")

    for fp in false_positives:
        run = trees[(fp.repo, fp.parent)]
        if run.error is None:
            fp.still_reported = any(
                str(f.get("code")) == fp.code
                and relative_name(str(f.get("filename", "")), run.path) == fp.file
                and rows(f)[0] <= fp.line <= rows(f)[1]
                for f in run.findings
            )

    summary = summarise(cases, trees, version, binary, false_positives)
    print(summary)
    if str(args.results) != "-":
        args.results.write_text(summary + "\n", encoding="utf-8")
    raw = {
        "binary": str(binary),
        "version": version,
        "binary_sha256_16": digest,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cases": [
            {
                "id": c.id,
                "repo": c.repo,
                "parent": c.parent,
                "file": c.file,
                "lines": c.lines,
                "kind": c.kind,
                "hit": c.hit,
                "hit_by": c.hit_by,
                "nearby": c.nearby,
                "miss_cause": c.miss_cause,
                "error": c.error,
                "case_file": str(c.source),
            }
            for c in cases
        ],
        "trees": [
            {
                "repo": r.repo,
                "parent": r.parent,
                "seconds": r.seconds,
                "error": r.error,
                "findings": r.findings,
            }
            for r in trees.values()
        ],
    }
    cache.mkdir(parents=True, exist_ok=True)
    text = json.dumps(raw, indent=1)
    (cache / "results.json").write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
