"""The schema mutation corpus: real Django builds every database.

Each scenario (`tests/schema/scenarios/NN_name.toml`) names a fixture project
(`fixtures/<fixture>`), mutation steps and the RDJ5xx findings it must yield.
For one scenario and one backend this script:

1. copies the fixture to a temporary folder,
2. creates the database (a SQLite file next to the copy, or a fresh
   PostgreSQL database through the admin URL in `RDJ_PG_URL`),
3. applies the scenario's `before` steps (the database exists but is empty),
4. runs real `migrate` (or, when the scenario has no `before` steps and a
   migrated base database of the pristine fixture is given, copies it:
   `CREATE DATABASE ... TEMPLATE` on PostgreSQL, a file copy on SQLite),
5. applies the `after` steps,
6. asks Django, in one process: `makemigrations --check --dry-run --noinput`
   (whether it sees changes, exit 1, or not, exit 0, and the operations it
   lists) and `migrate --plan` (the migrations it counts unapplied),
7. resolves the expected findings to rows in the mutated copy,

and prints one JSON object. The Rust test (`tests/schema_corpus.rs`) runs the
real `reflex-django-lsp check` on it and compares, then calls `cleanup`.

    corpus.py list
    corpus.py base --fixture shop --backend postgres --work DIR
    corpus.py prepare --scenario 01_field_added --backend sqlite --work DIR [--base URL]
    corpus.py prepare --fixture shop --backend sqlite --work DIR      (the pristine fixture)
    corpus.py cleanup --work DIR [--url URL]

Scenario format (TOML):

    description = "..."
    fixture = "shop"                    # shop | accounts | library
    backends = ["postgres"]             # optional: the backends it runs on
    rdj503_per_operation = true         # optional: one RDJ503 per operation
                                        # `makemigrations --dry-run` lists

    [[before]] / [[after]]              # steps before / after the initial migrate
    kind = "edit"        file = "app/models.py"  old = "..."  new = "..."
                         (`old` must occur exactly once)
    kind = "write"       file = "..."  text = "..."
    kind = "delete"      file = "..."  (or files = [...])
    kind = "move"        file = "..."  to = "..."
    kind = "sql"         sql = "..."   (both backends) or sqlite = "..." / postgres = "..."
                         (only in `after`)
    kind = "migrate" | "makemigrations" | "squashmigrations" | "manage"
                         args = [...]  (real Django; `manage` takes the command as args[0];
                         `migrate` only in `after`)

    [[expect]]
    code = "RDJ503"  file = "app/models.py"
    at = "sku = models.CharField("      # a substring occurring exactly once in the
                                        # mutated file: its line (plus `offset`, default 0)
    line = 12                           # or a row
    severity = "error"                  # RDJ507 only: error | info
    backends = ["postgres"]             # optional
    count = 2                           # optional: the same finding this many times

A database URL may carry a password: it is never printed in messages
(`redact`); the JSON result carries it for the test to connect with.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import string
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SCENARIOS = HERE / "scenarios"
DJANGO_DB = HERE / "django_db.py"
FIXTURES = ("shop", "accounts", "library")
BACKENDS = ("sqlite", "postgres")
RULE = re.compile(r"^RDJ5\d\d$")
STEP_KEYS = {
    "edit": {"file", "old", "new"},
    "write": {"file", "text"},
    "delete": {"file", "files"},
    "move": {"file", "to"},
    "sql": {"sql", "sqlite", "postgres"},
    "migrate": {"args"},
    "makemigrations": {"args"},
    "squashmigrations": {"args"},
    "manage": {"args"},
}
STEP_KINDS = tuple(STEP_KEYS)
EXPECT_KEYS = {"code", "file", "at", "line", "offset", "severity", "backends", "count"}
# What a fixture copy leaves out: caches, bytecode, local databases.
IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".reflex-django-lsp-cache", "db.sqlite3*", "reflex.db", ".web", ".states"
)


class CorpusError(Exception):
    pass


def redact(text: str) -> str:
    """Removes passwords from any URL in `text`."""
    return re.sub(r"(\w+://[^:/@\s]*:)[^@\s]*@", r"\1***@", str(text))


# ---------------------------------------------------------------- scenarios


def load_scenario(name: str) -> dict:
    path = SCENARIOS / f"{name}.toml"
    if not path.is_file():
        raise CorpusError(f"no scenario {name!r} ({path})")
    with path.open("rb") as f:
        data = tomllib.load(f)
    data["name"] = name
    validate(data)
    return data


def all_scenarios() -> list[dict]:
    return [load_scenario(p.stem) for p in sorted(SCENARIOS.glob("*.toml"))]


def validate(s: dict) -> None:
    where = f"scenario {s['name']}"
    known = {"name", "description", "fixture", "backends", "before", "after", "expect", "rdj503_per_operation"}
    if unknown := set(s) - known:
        raise CorpusError(f"{where}: unknown keys {sorted(unknown)}")
    if s.get("fixture") not in FIXTURES:
        raise CorpusError(f"{where}: fixture must be one of {FIXTURES}")
    if not s.get("description"):
        raise CorpusError(f"{where}: a description is required")
    for b in s.get("backends", BACKENDS):
        if b not in BACKENDS:
            raise CorpusError(f"{where}: unknown backend {b!r}")
    for phase in ("before", "after"):
        for i, step in enumerate(s.get(phase, [])):
            kind = step.get("kind")
            if kind not in STEP_KINDS:
                raise CorpusError(f"{where}: {phase}[{i}]: unknown step kind {kind!r}")
            if unknown := set(step) - STEP_KEYS[kind] - {"kind"}:
                raise CorpusError(f"{where}: {phase}[{i}]: unknown keys {sorted(unknown)} for `{kind}`")
            if phase == "before" and kind in ("sql", "migrate"):
                raise CorpusError(f"{where}: {phase}[{i}]: `{kind}` needs the migrated database (use `after`)")
    for i, e in enumerate(s.get("expect", [])):
        if unknown := set(e) - EXPECT_KEYS:
            raise CorpusError(f"{where}: expect[{i}]: unknown keys {sorted(unknown)}")
        if not RULE.match(e.get("code", "")):
            raise CorpusError(f"{where}: expect[{i}]: only RDJ5xx codes, got {e.get('code')!r}")
        if ("at" in e) == ("line" in e):
            raise CorpusError(f"{where}: expect[{i}]: give exactly one of `at` and `line`")
        if "severity" in e and e["code"] != "RDJ507":
            raise CorpusError(f"{where}: expect[{i}]: severity is compared for RDJ507 only")
        if e["code"] == "RDJ507" and e.get("severity") not in ("error", "info"):
            raise CorpusError(f"{where}: expect[{i}]: RDJ507 needs severity = error | info")
        for b in e.get("backends", BACKENDS):
            if b not in BACKENDS:
                raise CorpusError(f"{where}: expect[{i}]: unknown backend {b!r}")


def listing() -> list[dict]:
    return [
        {
            "name": s["name"],
            "fixture": s["fixture"],
            "description": s["description"],
            "backends": list(s.get("backends", BACKENDS)),
            "has_before": bool(s.get("before")),
        }
        for s in all_scenarios()
    ]


# ---------------------------------------------------------------- databases


def pg_admin_url() -> str:
    url = os.environ.get("RDJ_PG_URL")
    if not url:
        env = REPO / ".cache" / "databases.env"
        if env.is_file():
            for line in env.read_text(encoding="utf-8").splitlines():
                key, _, value = line.partition("=")
                if key.strip() == "RDJ_PG_URL":
                    url = value.strip().strip("'\"")
    if not url:
        raise CorpusError("PostgreSQL needs RDJ_PG_URL (or .cache/databases.env)")
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def pg_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def pg_admin():
    import psycopg

    try:
        conn = psycopg.connect(pg_admin_url(), autocommit=True, connect_timeout=10)
    except Exception as e:  # noqa: BLE001 - the message must lose the password
        raise CorpusError(f"cannot connect to PostgreSQL: {redact(e)}") from None
    return conn


def pg_create(prefix: str, template: str | None = None) -> str:
    """Creates a database, returns its URL."""
    suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=8))
    name = re.sub(r"[^a-z0-9_]", "_", f"rdj_{prefix}_{suffix}".lower())[:63]
    with pg_admin() as conn:
        if template:
            # FILE_COPY: one checkpoint instead of WAL-logging every block.
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_name(template)}" STRATEGY = FILE_COPY')
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(pg_admin_url(), name)


def pg_drop(url: str) -> None:
    name = pg_name(url)
    if not name.startswith("rdj_"):
        raise CorpusError(f"refusing to drop {name!r}: not a corpus database")
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlite_path(url: str) -> Path:
    rest = url.split("://", 1)[1]
    return Path(rest[1:] if rest.startswith("/") else rest)


def new_database(backend: str, work: Path, prefix: str, base: str | None = None) -> str:
    if backend == "sqlite":
        db = work / "db.sqlite3"
        if base:
            shutil.copyfile(sqlite_path(base), db)
        else:
            sqlite3.connect(db).close()
        return f"sqlite:///{db}"
    return pg_create(prefix, template=base)


def run_sql(backend: str, url: str, sql: str) -> None:
    if backend == "sqlite":
        conn = sqlite3.connect(sqlite_path(url))
        try:
            conn.executescript(sql)
            conn.commit()
        finally:
            conn.close()
        return
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            conn.execute(sql)
    except psycopg.Error as e:
        raise CorpusError(f"SQL failed: {redact(e)}") from None


# ---------------------------------------------------------------- Django


def django(project: Path, url: str, work: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    tmp = work / "tmp"
    tmp.mkdir(exist_ok=True)
    env["TMPDIR"] = str(tmp)  # django_db.py's settings wrapper goes there
    proc = subprocess.run(
        [sys.executable, str(DJANGO_DB), "--project", str(project), "--url", url, "--", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if check and proc.returncode != 0:
        raise CorpusError(
            f"`manage.py {' '.join(args)}` failed ({proc.returncode}):\n"
            f"{redact(proc.stdout)}\n{redact(proc.stderr)}"
        )
    return proc


# Both questions in one Django process (each start-up costs most of a second):
# makemigrations --check --dry-run --noinput, then migrate --plan.
ASK_DJANGO = """
import sys
from django.core.management import call_command
sys.stdout.write("@@makemigrations\\n")
try:
    call_command("makemigrations", check=True, dry_run=True, interactive=False)
    code = 0
except SystemExit as e:
    code = e.code
sys.stdout.write(f"@@exit {code}\\n@@plan\\n")
call_command("migrate", plan=True, interactive=False)
"""


def ask_django(project: Path, url: str, work: Path) -> tuple[bool, list[str], list[str]]:
    """Whether makemigrations sees changes and which operations it lists, and
    the migrations `migrate` would apply (`app_label.name`)."""
    proc = django(project, url, work, "shell", "--no-imports", "-c", ASK_DJANGO)
    out = proc.stdout
    m = re.search(r"^@@makemigrations\n(.*)^@@exit (\S+)\n@@plan\n(.*)\Z", out, re.S | re.M)
    if not m or m.group(2) not in ("0", "1"):
        raise CorpusError(f"cannot read makemigrations / migrate --plan:\n{redact(out)}\n{redact(proc.stderr)}")
    changed = m.group(2) == "1"
    # Django 5.2 lists each operation as "    + Add field x to y", "    ~ Alter ...", "    - Remove ...".
    ops = [line.strip() for line in m.group(1).splitlines() if re.match(r"^\s{4}[-+~x?ps] \S", line)]
    if changed != bool(ops):
        raise CorpusError(f"cannot read makemigrations' operations:\n{redact(m.group(1))}")
    plan = [line.strip() for line in m.group(3).splitlines() if re.fullmatch(r"\w+\.\w+", line)]
    if not plan and "No planned migration operations." not in m.group(3):
        raise CorpusError(f"cannot read migrate --plan:\n{redact(m.group(3))}")
    return changed, ops, plan


# ---------------------------------------------------------------- steps


def apply_step(step: dict, project: Path, backend: str, url: str, work: Path, where: str) -> None:
    kind = step["kind"]
    if kind == "edit":
        path = project / step["file"]
        text = path.read_text(encoding="utf-8")
        n = text.count(step["old"])
        if n != 1:
            raise CorpusError(f"{where}: edit of {step['file']}: the old text occurs {n} times (must be once)")
        path.write_text(text.replace(step["old"], step["new"]), encoding="utf-8")
    elif kind == "write":
        path = project / step["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(step["text"], encoding="utf-8")
    elif kind == "delete":
        for f in step.get("files", [step.get("file")]):
            path = project / f
            if not path.is_file():
                raise CorpusError(f"{where}: delete: no file {f}")
            path.unlink()
    elif kind == "move":
        src, dst = project / step["file"], project / step["to"]
        if not src.is_file():
            raise CorpusError(f"{where}: move: no file {step['file']}")
        dst.parent.mkdir(parents=True, exist_ok=True)
        src.rename(dst)
    elif kind == "sql":
        sql = step.get("sql", step.get(backend))
        if sql is None:
            raise CorpusError(f"{where}: sql step has no statements for {backend}")
        run_sql(backend, url, sql)
    elif kind == "manage":
        django(project, url, work, *step["args"])
    else:  # migrate, makemigrations, squashmigrations
        django(project, url, work, kind, *step.get("args", []))


def resolve(expect: list[dict], project: Path, backend: str, where: str) -> list[dict]:
    out = []
    for e in expect:
        if backend not in e.get("backends", BACKENDS):
            continue
        path = project / e["file"]
        if not path.is_file():
            raise CorpusError(f"{where}: expected finding in {e['file']}, which does not exist")
        if "line" in e:
            row = e["line"]
        else:
            text = path.read_text(encoding="utf-8")
            n = text.count(e["at"])
            if n != 1:
                raise CorpusError(f"{where}: `at = {e['at']!r}` occurs {n} times in {e['file']} (must be once)")
            row = text[: text.index(e["at"])].count("\n") + 1 + e.get("offset", 0)
        for _ in range(e.get("count", 1)):
            out.append(
                {
                    "code": e["code"],
                    "file": e["file"],
                    "row": row,
                    "severity": e.get("severity"),
                }
            )
    return sorted(out, key=lambda f: (f["file"], f["row"], f["code"]))


def copy_fixture(fixture: str, work: Path) -> Path:
    project = work / fixture
    shutil.copytree(REPO / "fixtures" / fixture, project, ignore=IGNORED)
    return project


def prepare(scenario: dict | None, fixture: str, backend: str, work: Path, base: str | None) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    name = scenario["name"] if scenario else f"fresh_{fixture}"
    where = f"{name} ({backend})"
    project = copy_fixture(fixture, work)
    before = scenario.get("before", []) if scenario else []
    after = scenario.get("after", []) if scenario else []
    use_base = base is not None and not before
    url = new_database(backend, work, name, base if use_base else None)
    try:
        for i, step in enumerate(before):
            apply_step(step, project, backend, url, work, f"{where}: before[{i}]")
        if not use_base:
            django(project, url, work, "migrate", "--noinput")
        for i, step in enumerate(after):
            apply_step(step, project, backend, url, work, f"{where}: after[{i}]")
        changed, ops, plan = ask_django(project, url, work)
        expected = resolve(scenario.get("expect", []), project, backend, where) if scenario else []
    except BaseException:
        if backend == "postgres":
            pg_drop(url)
        raise
    return {
        "scenario": name,
        "fixture": fixture,
        "backend": backend,
        "project": str(project),
        "database_url": url,
        "from_base": use_base,
        "makemigrations_changes": changed,
        "makemigrations_operations": ops,
        "unapplied_migrations": plan,
        "rdj503_per_operation": scenario.get("rdj503_per_operation", True) if scenario else True,
        "expected": expected,
    }


def base(fixture: str, backend: str, work: Path) -> dict:
    """A migrated database of the pristine fixture, to copy per scenario."""
    work.mkdir(parents=True, exist_ok=True)
    project = copy_fixture(fixture, work)
    url = new_database(backend, work, f"base_{fixture}")
    try:
        django(project, url, work, "migrate", "--noinput")
    except BaseException:
        if backend == "postgres":
            pg_drop(url)
        raise
    return {"fixture": fixture, "backend": backend, "database_url": url}


def cleanup(work: Path | None, url: str | None) -> None:
    if url and urlsplit(url).scheme.startswith("postgres"):
        pg_drop(url)
    if work and work.exists():
        shutil.rmtree(work)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list")
    p = sub.add_parser("base")
    p.add_argument("--fixture", required=True, choices=FIXTURES)
    p.add_argument("--backend", required=True, choices=BACKENDS)
    p.add_argument("--work", required=True, type=Path)
    p = sub.add_parser("prepare")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--scenario")
    g.add_argument("--fixture", choices=FIXTURES)
    p.add_argument("--backend", required=True, choices=BACKENDS)
    p.add_argument("--work", required=True, type=Path)
    p.add_argument("--base", help="URL of a migrated database of the pristine fixture")
    p = sub.add_parser("cleanup")
    p.add_argument("--work", type=Path)
    p.add_argument("--url")
    args = parser.parse_args()
    try:
        if args.command == "list":
            result = listing()
        elif args.command == "base":
            result = base(args.fixture, args.backend, args.work)
        elif args.command == "prepare":
            scenario = load_scenario(args.scenario) if args.scenario else None
            fixture = scenario["fixture"] if scenario else args.fixture
            if scenario and args.backend not in scenario.get("backends", BACKENDS):
                raise CorpusError(f"{args.scenario} does not run on {args.backend}")
            result = prepare(scenario, fixture, args.backend, args.work, args.base)
        else:
            cleanup(args.work, args.url)
            result = {}
    except CorpusError as e:
        print(redact(e), file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
