#!/usr/bin/env python3
"""Times reflex-django-lsp against ruff on real source trees.

Called by benches/compare_ruff.sh, which prepares the inputs (sdists, ruff,
our release binary). Standard library only. Not a test: nothing here asserts a
speed; it measures and prints a markdown table (also written to --results).

Per tree and per run it records wall time (perf_counter around the child),
peak RSS and CPU time of the child (os.wait4's rusage: exact for that child,
no sampling), and the findings. Runs alternate between the tools (and swap
which goes first each round) so drifting machine load hits both alike.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

CONCISE_LINE = re.compile(r"^(?P<path>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>[A-Z]+[0-9]+)\b")


def die(msg: str) -> None:
    print(f"compare_ruff: error: {msg}", file=sys.stderr)
    sys.exit(2)


@dataclass
class Run:
    wall: float
    cpu: float  # user + system seconds of the child
    rss_kib: int  # peak resident set size of the child (ru_maxrss, KiB on Linux)


@dataclass
class Series:
    runs: list[Run] = field(default_factory=list)

    def median_wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    def min_wall(self) -> float:
        return min(r.wall for r in self.runs)

    def median_cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    def max_rss_mib(self) -> float:
        return max(r.rss_kib for r in self.runs) / 1024.0

    def median_rss_mib(self) -> float:
        return statistics.median(r.rss_kib for r in self.runs) / 1024.0


def run_measured(argv: list[str], out_path: Path, cwd: Path | None = None) -> Run:
    """Runs argv with stdout+stderr to out_path; returns wall, CPU and peak RSS."""
    with open(out_path, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cwd)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
    if proc.returncode != 0:
        tail = out_path.read_text(errors="replace")[-2000:]
        die(f"command failed with exit {proc.returncode}: {' '.join(argv)}\n--- output tail ({out_path}) ---\n{tail}")
    return Run(wall=wall, cpu=ru.ru_utime + ru.ru_stime, rss_kib=ru.ru_maxrss)


def capture(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        err = getattr(e, "stderr", "") or ""
        die(f"could not run {' '.join(argv)}: {e}\n{err}")
        raise  # unreachable


def tree_size(root: Path) -> tuple[int, int, int]:
    """(all files, *.py files, lines in *.py files)."""
    all_files = py_files = lines = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            all_files += 1
            if name.endswith(".py"):
                py_files += 1
                with open(os.path.join(dirpath, name), "rb") as f:
                    data = f.read()
                lines += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return all_files, py_files, lines


def concise_findings(text: str) -> list[str]:
    return [line for line in text.splitlines() if CONCISE_LINE.match(line)]


def files_read_by(argv: list[str], tree: Path, scratch: Path) -> int | None:
    """Distinct *.py files under `tree` that a run of argv opened, via strace; None without strace."""
    strace = shutil.which("strace")
    if not strace:
        return None
    logs = scratch / "strace"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    # -ff: one log per thread, so no call is split into "unfinished"/"resumed" halves.
    res = subprocess.run(
        [strace, "-f", "-ff", "-qq", "-e", "trace=openat,open", "-o", str(logs / "t"), *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    if res.returncode != 0:
        shutil.rmtree(logs, ignore_errors=True)
        return None
    opened: set[str] = set()
    pat = re.compile(r'^open(?:at)?\((?:AT_FDCWD, )?"(?P<p>[^"]+\.py)", .*\) = \d+')
    root = str(tree.resolve())
    for log in logs.iterdir():
        for line in log.read_text(errors="replace").splitlines():
            m = pat.match(line)
            if m:
                p = os.path.normpath(os.path.join(os.getcwd(), m.group("p")))
                if p.startswith(root + os.sep):
                    opened.add(p)
    shutil.rmtree(logs, ignore_errors=True)
    return len(opened)


def stats_line(argv: list[str]) -> str | None:
    """What our CLI says it read (`REFLEX_DJANGO_LSP_STATS`): files indexed, parsed by tree-sitter, read without it."""
    env = dict(os.environ, REFLEX_DJANGO_LSP_STATS="1")
    res = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env)
    line = next((l for l in res.stderr.splitlines() if l.startswith("reflex-django-lsp stats:")), None)
    return line.removeprefix("reflex-django-lsp stats:").strip() if line else None


class Ours:
    """What our CLI offers, read from `check --help` (it is changing under active work)."""

    def __init__(self, binary: Path, cache_root: Path, extra_args: list[str], name: str = "ours"):
        self.binary = binary
        self.extra_args = extra_args
        self.name = name
        help_text = capture([str(binary), "check", "--help"])
        self.has_no_cache = re.search(r"(^|\s)--no-cache\b", help_text) is not None
        self.has_cache_dir = re.search(r"(^|\s)--cache-dir\b", help_text) is not None
        # A flag that makes the CLI say how many files it parsed/checked, if one exists.
        self.verbose_flag = next(
            (f for f in ("--show-files", "--verbose", "--stats", "--timings") if re.search(rf"(^|\s){f}\b", help_text)),
            None,
        )
        self.supports_cache = self.has_no_cache or self.has_cache_dir
        self.cache_root = cache_root
        self.version = capture([str(binary), "--version"]).strip()

    def cache_dir(self, tree_name: str) -> Path:
        return self.cache_root / f"{self.name}-cache" / tree_name

    def argv(self, tree: Path, tree_name: str, warm: bool) -> list[str]:
        argv = [str(self.binary), "check", str(tree), "--output-format", "concise", "--exit-zero", *self.extra_args]
        if self.has_cache_dir:
            argv += ["--cache-dir", str(self.cache_dir(tree_name))]
        if not warm and self.has_no_cache:
            argv.append("--no-cache")
        return argv

    def before_cold_run(self, tree_name: str) -> None:
        # Without --no-cache, "cold" means our cache dir is gone.
        if not self.has_no_cache and self.has_cache_dir:
            shutil.rmtree(self.cache_dir(tree_name), ignore_errors=True)


def ruff_argv(ruff: Path, tree: Path, cache: Path | None) -> list[str]:
    # Exactly the command of the brief; the warm variant keeps ruff's cache in our cache folder.
    if cache is None:
        return [str(ruff), "check", "--no-cache", "--select", "ASYNC,DJ", "--exit-zero", str(tree)]
    return [str(ruff), "check", "--cache-dir", str(cache), "--select", "ASYNC,DJ", "--exit-zero", str(tree)]


def fmt_s(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def fmt_cores(cpu: float | None, wall: float | None) -> str:
    return "n/a" if cpu is None or not wall else f"{cpu / wall:.2f}"


def fmt_mib(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}"


def fmt_rate(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{x:,.0f}"


def fmt_ratio(ours: float | None, ruff: float | None) -> str:
    if ours is None or ruff is None or ruff == 0:
        return "n/a"
    return f"{ours / ruff:.2f}×"


def cpu_busy(interval: float = 0.3) -> float | None:
    """Fraction of all CPUs busy over `interval` seconds (from /proc/stat); None if unknown."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields[:8]), idle

    try:
        t0, i0 = sample()
        time.sleep(interval)
        t1, i1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return None if t1 == t0 else 1.0 - (i1 - i0) / (t1 - t0)


class Quiet:
    """Waits (bounded) for the machine to be idle before a timed run; counts runs that had to start busy."""

    BUSY = 0.15  # more than this share of all CPUs in use by others

    def __init__(self, max_wait: float):
        self.max_wait = max_wait
        self.busy_starts = 0
        self.waited = 0.0

    def wait(self) -> None:
        if self.max_wait <= 0:
            return
        deadline = time.monotonic() + self.max_wait
        start = time.monotonic()
        while True:
            busy = cpu_busy()
            if busy is None or busy <= self.BUSY:
                break
            if time.monotonic() >= deadline:
                self.busy_starts += 1
                break
            time.sleep(1.0)
        self.waited += time.monotonic() - start


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def machine_lines() -> list[str]:
    lines = [f"- machine: {platform.system()} {platform.release()} {platform.machine()}, nproc {os.cpu_count()}"]
    try:
        model = next(
            (l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")),
            None,
        )
        if model:
            lines.append(f"- cpu: {model}")
    except OSError:
        pass
    free = shutil.which("free")
    if free:
        out = subprocess.run([free, "-h"], capture_output=True, text=True).stdout.strip("\n").rstrip()
        lines.append("- memory (`free -h`):\n\n```\n" + out + "\n```")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--ours", type=Path, required=True, help="our release binary")
    ap.add_argument(
        "--baseline",
        type=Path,
        help="another build of ours (say, before a change), timed in the same rounds; its column is `baseline`",
    )
    ap.add_argument(
        "--ours-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="an extra argument for our `check` (both builds), e.g. --ours-arg=--no-database",
    )
    ap.add_argument("--ruff", type=Path, required=True, help="the ruff executable")
    ap.add_argument("--cache", type=Path, required=True, help="the bench cache folder")
    ap.add_argument("--tree", action="append", required=True, metavar="NAME=PATH", help="a source tree to check")
    ap.add_argument("--results", type=Path, required=True, help="where to write the markdown table")
    ap.add_argument("--commit", default="unknown", help="our commit, for the header")
    ap.add_argument("--baseline-commit", default="unknown", help="the baseline's commit, for the header")
    ap.add_argument(
        "--idle-wait",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="before each timed run, wait up to this long for the CPUs to be idle (0: don't)",
    )
    ap.add_argument("--label", action="append", default=[], metavar="TEXT", help="extra header lines (versions)")
    args = ap.parse_args()
    if args.runs < 1:
        die("--runs must be at least 1")

    for exe in (args.ours, args.ruff, *([args.baseline] if args.baseline else [])):
        if not os.access(exe, os.X_OK):
            die(f"not an executable: {exe}")
    out_dir = args.cache / "out"
    out_dir.mkdir(parents=True, exist_ok=True)

    # Our builds: the one measured, and optionally a baseline in the same rounds.
    builds = [Ours(args.ours, args.cache, args.ours_arg)]
    if args.baseline:
        builds.append(Ours(args.baseline, args.cache, args.ours_arg, name="baseline"))
    ours = builds[0]
    tools = ["ruff", *(b.name for b in builds)]
    ruff_version = capture([str(args.ruff), "--version"]).strip()

    trees: list[tuple[str, Path]] = []
    for spec in args.tree:
        name, sep, path = spec.partition("=")
        if not sep or not Path(path).is_dir():
            die(f"--tree {spec!r}: expected NAME=PATH with an existing folder")
        trees.append((name, Path(path)))

    our_cmd = " ".join(["check", "TREE", "--output-format", "concise", "--exit-zero", *args.ours_arg])
    header = [
        f"# reflex-django-lsp vs ruff — {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}",
        "",
        f"- ours: {ours.version}, commit {args.commit} (`reflex-django-lsp {our_cmd}`, `--no-cache` when cold)",
        *([f"- baseline: {builds[1].version}, commit {args.baseline_commit} (the same command)"] if args.baseline else []),
        f"- ruff: {ruff_version} (`ruff check --no-cache --select ASYNC,DJ --exit-zero TREE`)",
        *[f"- {l}" for l in args.label],
        f"- runs per tool and mode: {args.runs}, alternating (order rotated every round), "
        "after one untimed run of each (page cache warm, tool caches empty)",
        f"- our cache: {'`--no-cache` for cold runs' if ours.has_no_cache else ('cache dir deleted before cold runs' if ours.has_cache_dir else 'none (the CLI has no cache option): cold only')}",
        "- files: ruff's `--show-files`; ours: what `REFLEX_DJANGO_LSP_STATS=1` makes the CLI print (files indexed, "
        "parsed by tree-sitter, migration files read without it), else the *.py files it opened (strace)",
        *machine_lines(),
        "",
        "ratio = ours / ruff (below 1: ours is faster / smaller). Rates use the median wall time and the tree's *.py files and lines.",
        "",
    ]
    sections: list[str] = []
    findings_report: list[str] = []

    for name, tree in trees:
        all_files, py_files, py_lines = tree_size(tree)
        load_before = loadavg()
        quiet = Quiet(args.idle_wait)
        print(f"== {name}: {py_files} .py files, {py_lines} lines ({all_files} files in all)", file=sys.stderr)

        # Untimed first runs: fill the page cache and keep the findings (concise output for both).
        ruff_find = out_dir / f"{name}-ruff-findings.txt"
        run_measured(
            [str(args.ruff), "check", "--no-cache", "--select", "ASYNC,DJ", "--exit-zero", "--output-format", "concise", str(tree)],
            ruff_find,
        )
        ruff_findings = concise_findings(ruff_find.read_text(errors="replace"))
        found: dict[str, list[str]] = {}
        files_note: dict[str, str] = {}
        for b in builds:
            b.before_cold_run(name)
            path = out_dir / f"{name}-{b.name}-findings.txt"
            run_measured(b.argv(tree, name, warm=False), path)
            found[b.name] = concise_findings(path.read_text(errors="replace"))
            stats = stats_line(b.argv(tree, name, warm=False))
            if stats is None:
                read = files_read_by(b.argv(tree, name, warm=False), tree, out_dir)
                stats = "not reported" if read is None else f"{read:,} *.py read (strace)"
            files_note[b.name] = stats

        ruff_files = sum(
            1 for l in capture([str(args.ruff), "check", "--show-files", "--select", "ASYNC,DJ", str(tree)]).splitlines() if l.endswith(".py")
        )
        ours_self_report: list[str] = []
        if ours.verbose_flag:
            vpath = out_dir / f"{name}-ours{ours.verbose_flag.replace('-', '_')}.txt"
            run_measured(ours.argv(tree, name, warm=False) + [ours.verbose_flag], vpath)
            vlines = [l for l in vpath.read_text(errors="replace").splitlines() if l.strip() and not CONCISE_LINE.match(l)]
            if ours.verbose_flag == "--show-files":
                ours_self_report = [f"{sum(1 for l in vlines if l.endswith('.py'))} *.py files listed by `--show-files`"]
            else:
                ours_self_report = vlines[-8:]

        def timed(tool: str, warm: bool, ruff_cache: Path | None = None) -> Run | None:
            mode = "warm" if warm else "cold"
            if tool == "ruff":
                return run_measured(ruff_argv(args.ruff, tree, ruff_cache if warm else None), out_dir / f"{name}-ruff-{mode}.out")
            b = next(b for b in builds if b.name == tool)
            if warm and not b.supports_cache:
                return None
            if not warm:
                b.before_cold_run(name)
            return run_measured(b.argv(tree, name, warm=warm), out_dir / f"{name}-{tool}-{mode}.out")

        # Cold runs, alternating (the order rotates every round).
        cold = {t: Series() for t in tools}
        for i in range(args.runs):
            k = i % len(tools)
            for tool in tools[k:] + tools[:k]:
                quiet.wait()
                cold[tool].runs.append(timed(tool, warm=False))
            print(
                f"   cold round {i + 1}/{args.runs}: " + ", ".join(f"{t} {cold[t].runs[-1].wall:.3f}s" for t in tools),
                file=sys.stderr,
            )

        # Warm runs: ruff always (its cache is kept in our cache folder); ours only if the CLI has a cache.
        warm = {t: Series() for t in tools}
        ruff_cache = args.cache / "ruff-cache" / name
        shutil.rmtree(ruff_cache, ignore_errors=True)
        run_measured(ruff_argv(args.ruff, tree, ruff_cache), out_dir / f"{name}-ruff-warm.out")  # prime
        for b in builds:
            if b.supports_cache:
                run_measured(b.argv(tree, name, warm=True), out_dir / f"{name}-{b.name}-warm.out")  # prime
        for i in range(args.runs):
            k = i % len(tools)
            for tool in tools[k:] + tools[:k]:
                quiet.wait()
                run = timed(tool, warm=True, ruff_cache=ruff_cache)
                if run is not None:
                    warm[tool].runs.append(run)

        def rows(mode: str, s: dict[str, Series]) -> list[str]:
            rate = lambda n, t: None if t is None or t == 0 else n / t  # noqa: E731
            measures = [
                ("wall median (s)", lambda x: x.median_wall(), fmt_s),
                ("wall min (s)", lambda x: x.min_wall(), fmt_s),
                ("CPU user+sys median (s)", lambda x: x.median_cpu(), fmt_s),
                ("peak RSS, max of runs (MiB)", lambda x: x.max_rss_mib(), fmt_mib),
                ("files/s", lambda x: rate(py_files, x.median_wall()), fmt_rate),
                ("lines/s", lambda x: rate(py_lines, x.median_wall()), fmt_rate),
            ]
            out = []
            for label, get, fmt in measures:
                vals = {t: (get(s[t]) if s[t].runs else None) for t in tools}
                cells = [fmt(vals["ruff"])]
                for b in builds:
                    cells += [fmt(vals[b.name]), fmt_ratio(vals[b.name], vals["ruff"])]
                out.append(f"| {mode}: {label} | " + " | ".join(cells) + " |")
                if label.startswith("CPU"):
                    cores = {t: fmt_cores(s[t].median_cpu() if s[t].runs else None, s[t].median_wall() if s[t].runs else None) for t in tools}
                    cells = [cores["ruff"]]
                    for b in builds:
                        cells += [cores[b.name], ""]
                    out.append(f"| {mode}: cores used (CPU / wall, medians) | " + " | ".join(cells) + " |")
            return out

        load_after = loadavg()
        raw = {
            mode: {tool: [r.__dict__ for r in series.runs] for tool, series in d.items()}
            for mode, d in (("cold", cold), ("warm", warm))
        }
        (out_dir / f"{name}-runs.json").write_text(json.dumps(raw, indent=1))

        columns = "".join(f" {b.name} | {b.name}/ruff |" for b in builds)
        sec = [
            f"## {name} — {py_files:,} .py files, {py_lines:,} lines ({all_files:,} files in all)",
            "",
            f"Load average (1, 5, 15 min) before: {load_before}; after: {load_after}. "
            + (
                f"Timed runs that started while other processes kept the CPUs busy (after waiting up to {args.idle_wait:g} s): "
                f"{quiet.busy_starts}; time spent waiting for idle CPUs: {quiet.waited:.0f} s. "
                if args.idle_wait > 0
                else "No waiting for idle CPUs (--idle-wait 0). "
            )
            + f"Raw runs: `out/{name}-runs.json`.",
            "",
            f"| measure | ruff |{columns}",
            "| --- | ---: |" + " ---: | ---: |" * len(builds),
            *rows("cold", cold),
            *(rows("warm", warm) if warm["ruff"].runs else []),
            f"| files | {ruff_files:,} *.py (`--show-files`) |" + "".join(f" {files_note[b.name]} | |" for b in builds),
            f"| findings | {len(ruff_findings)} |" + "".join(f" {len(found[b.name])} | |" for b in builds),
            "",
        ]
        if not ours.supports_cache:
            sec.append("Warm: our CLI has no cache, so it has no warm runs (ruff's warm runs are shown for reference).")
            sec.append("")
        sections += sec

        if ours_self_report:
            findings_report += [f"### {name}: what our CLI reports with `{ours.verbose_flag}` (last lines)", "", "```", *ours_self_report, "```", ""]
        for b in builds:
            findings_report += [f"### {name}: findings of {b.name} ({len(found[b.name])})", ""]
            findings_report += ["```", *found[b.name], "```", ""] if found[b.name] else ["none", ""]
        findings_report += [f"### {name}: ruff's findings ({len(ruff_findings)})", ""]
        if ruff_findings:
            shown = ruff_findings[:40]
            findings_report += ["```", *shown, *([f"... {len(ruff_findings) - 40} more"] if len(ruff_findings) > 40 else []), "```", ""]
        else:
            findings_report += ["none", ""]

    text = "\n".join(header + sections + ["## Findings", "", *findings_report]).rstrip() + "\n"
    args.results.write_text(text)
    print(text)
    print(f"(written to {args.results}; raw outputs in {out_dir})", file=sys.stderr)


if __name__ == "__main__":
    main()
