#!/usr/bin/env python3
"""Asks NetBox's own `makemigrations --check --dry-run` about each change of
tests/netbox_recall/changes.toml (the changes tests/netbox_recall.rs makes
to NetBox 4.7.3's models, expecting RDJ503 on each changed line).

Not a test (NetBox's requirements are large: Django 6.1, Python >= 3.12):
it prints, per change, what Django says (changes or not, the operations it
lists) and whether that agrees with the test's expectation (RDJ503 expected
iff Django sees changes). Needs a Python with NetBox's requirements, e.g.

    python3.12 -m venv /tmp/venv-netbox
    unzip -p netbox-4.7.3-py3-none-any.whl '*/METADATA' | sed -n 's/^Requires-Dist: //p' \\
        | grep -v "extra ==" | sed 's/psycopg\\[c,pool\\]/psycopg[binary,pool]/' > /tmp/netbox-reqs.txt
    /tmp/venv-netbox/bin/pip install -r /tmp/netbox-reqs.txt
    /tmp/venv-netbox/bin/python benches/netbox_recall_django.py netbox-4.7.3-py3-none-any.whl

No database or Redis is needed: makemigrations only warns that it cannot
check the migration history. Standard library only (plus Django, run in a
child process per change, since a process loads its models once).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHANGES = REPO / "tests/netbox_recall/changes.toml"

# A throwaway NetBox configuration: nothing listens on port 1, and the
# secret is not one (makemigrations never uses it).
CONFIGURATION = """\
ALLOWED_HOSTS = ['*']
DATABASES = {'default': {'NAME': 'netbox', 'USER': 'netbox', 'HOST': '127.0.0.1', 'PORT': '1'}}
REDIS = {
    'tasks': {'HOST': '127.0.0.1', 'PORT': 1, 'DATABASE': 0, 'SSL': False},
    'caching': {'HOST': '127.0.0.1', 'PORT': 1, 'DATABASE': 1, 'SSL': False},
}
SECRET_KEY = 'not-a-secret-' * 5
"""

OPERATION = re.compile(r"^\s+[-+~*]\s+(.*)$")


def apply(root: Path, change: dict) -> None:
    path = root / change["file"]
    if "text" in change:
        path.write_text(change["text"].lstrip("\n"), encoding="utf-8")
        return
    text = path.read_text(encoding="utf-8")
    if text.count(change["old"]) != 1:
        raise SystemExit(f"{change['name']}: `old` must occur exactly once in {change['file']}")
    path.write_text(text.replace(change["old"], change["new"]), encoding="utf-8")


def makemigrations(python: str, root: Path) -> tuple[bool, list[str], str]:
    """(changes?, the operations listed, the output when it failed otherwise)."""
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(root),
        DJANGO_SETTINGS_MODULE="netbox.settings",
        NETBOX_CONFIGURATION="recall_configuration",
        PYTHONWARNINGS="ignore",
    )
    out = subprocess.run(
        [python, "-m", "django", "makemigrations", "--check", "--dry-run", "--noinput"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    ops = [m.group(1) for line in out.stdout.splitlines() if (m := OPERATION.match(line))]
    if out.returncode == 0 and "No changes detected" in out.stdout:
        return False, [], ""
    if out.returncode == 1 and ops:
        return True, ops, ""
    return out.returncode == 1, ops, (out.stdout + out.stderr)[-2000:]


def run_one(python: str, pristine: Path, work: Path, change: dict | None) -> dict:
    """Copies the tree (Python files are what matters; data files are linked),
    applies the change, asks Django."""
    root = work / "netbox"
    shutil.copytree(pristine, root, copy_function=os.link)
    (root / "recall_configuration.py").write_text(CONFIGURATION)
    if change is not None:
        # Break the hard link of the file being changed before writing it.
        target = root / change["file"]
        if target.exists():
            data = target.read_bytes()
            target.unlink()
            target.write_bytes(data)
        apply(root, change)
    started = time.perf_counter()
    changes, ops, failure = makemigrations(python, root)
    shutil.rmtree(root)
    name = change["name"] if change else "(unchanged NetBox)"
    expected = bool(change and change["expect"])
    return {
        "name": name,
        "file": change["file"] if change else "",
        "django_changes": changes,
        "operations": ops,
        "rdj503_expected": expected,
        "agrees": changes == expected and not failure,
        "failure": failure,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", help="netbox-4.7.3-*.whl, or a folder holding it unpacked")
    parser.add_argument("--python", default=sys.executable, help="a Python with NetBox's requirements")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", action="append", help="run the changes whose name contains this (repeatable)")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    changes = tomllib.loads(CHANGES.read_text(encoding="utf-8"))["change"]
    if args.only:
        changes = [c for c in changes if any(o in c["name"] for o in args.only)]
    with tempfile.TemporaryDirectory(prefix="netbox-recall-") as tmp:
        tmp = Path(tmp)
        source = Path(args.wheel)
        if source.is_dir():
            pristine = source
        else:
            pristine = tmp / "pristine"
            with zipfile.ZipFile(source) as z:
                z.extractall(pristine)
        jobs: list[dict | None] = [None, *changes]
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = []
            for i, change in enumerate(jobs):
                work = tmp / f"run-{i}"
                work.mkdir()
                futures.append(pool.submit(run_one, args.python, pristine, work, change))
            results = [f.result() for f in futures]

    print("| change | file | Django (`makemigrations --check`) | RDJ503 expected | agrees |")
    print("|---|---|---|---|---|")
    for r in results:
        said = "; ".join(r["operations"]) if r["django_changes"] else "No changes detected"
        if r["failure"]:
            said = f"failed: {r['failure'].strip().splitlines()[-1] if r['failure'].strip() else '?'}"
        print(
            f"| {r['name']} | {r['file']} | {said} | {'yes' if r['rdj503_expected'] else 'no'} "
            f"| {'yes' if r['agrees'] else '**no**'} |"
        )
    agree = sum(r["agrees"] for r in results)
    print(f"\n{agree}/{len(results)} agree (the first row is NetBox unchanged)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    sys.exit(0 if agree == len(results) else 1)


if __name__ == "__main__":
    main()
