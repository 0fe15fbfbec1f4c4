"""Live introspection of a PostgreSQL database with 1,000 Django models.

    .cache/venv/bin/python benches/schema_live.py                # 1,000 models in 10 apps, 5 timed runs
    .cache/venv/bin/python benches/schema_live.py --models 200 --apps 4 --runs 9
    .cache/venv/bin/python benches/schema_live.py --url mysql://…   # the same on MySQL/MariaDB
    .cache/venv/bin/python benches/schema_live.py --reuse          # time again, without migrating again
    .cache/venv/bin/python benches/schema_live.py generate DIR --models 60 --apps 3

1. generates a Django project (`benchproj`) whose apps hold the models:
   CharField/DecimalField/PositiveIntegerField/TextField/DateTimeField/
   BooleanField columns, a ForeignKey to the previous model of the app, a
   ManyToManyField on every tenth model, `Meta.indexes` on every third and
   `unique_together` on every seventh;
2. creates a fresh database `rdj_bench_<models>` with the admin URL
   (`--url`, else `RDJ_PG_URL` from the environment or from
   `.cache/databases.env`, which `.ci/databases.sh` writes);
3. runs real Django (`tests/schema/django_db.py`): `makemigrations`, then
   `migrate`;
4. runs `examples/schema_live.rs` (release build) on it: the time of each
   run (connecting included) and the number of statements.

`generate DIR` only writes the project (the tests use it for a database
with more tables than the shop). Needs the venv's Django 5.2 and, for
PostgreSQL, psycopg; for MySQL/MariaDB, PyMySQL.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def model_source(i: int, first: int, prev: int | None) -> str:
    lines = [
        f"class M{i:04d}(models.Model):",
        f"    name = models.CharField(max_length={50 + i % 150})",
        "    code = models.CharField(max_length=32, unique=True)",
        "    price = models.DecimalField(max_digits=10, decimal_places=2, default=0)",
        "    qty = models.PositiveIntegerField(default=0)",
        "    note = models.TextField(blank=True, null=True)",
        "    created = models.DateTimeField(auto_now_add=True)",
        "    active = models.BooleanField(default=True)",
    ]
    if prev is not None:
        lines.append(f"    parent = models.ForeignKey('M{prev:04d}', on_delete=models.CASCADE, null=True, related_name='+')")
    if i % 10 == 5 and i != first:
        lines.append(f"    tags = models.ManyToManyField('M{first:04d}', related_name='+')")
    meta = []
    if i % 3 == 0:
        meta.append(f"        indexes = [models.Index(fields=['name', 'active'], name='m{i:04d}_name_active')]")
    if i % 7 == 0:
        meta.append("        unique_together = [('name', 'qty')]")
    if meta:
        lines += ["", "    class Meta:", *meta]
    return "\n".join(lines) + "\n"


def generate(target: Path, models: int, apps: int) -> list[str]:
    """Writes the project into `target`; returns the app labels."""
    target.mkdir(parents=True, exist_ok=True)
    labels = [f"bench_a{a:02d}" for a in range(apps)]
    per_app = -(-models // apps)
    pkg = target / "benchproj"
    pkg.mkdir(exist_ok=True)
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "settings.py").write_text(
        "from pathlib import Path\n\n"
        "BASE_DIR = Path(__file__).resolve().parent.parent\n"
        'SECRET_KEY = "bench-not-secret"\n'
        "INSTALLED_APPS = [\n"
        '    "django.contrib.contenttypes",\n'
        '    "django.contrib.auth",\n'
        + "".join(f'    "{label}",\n' for label in labels)
        + "]\n"
        'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}\n'
        'DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"\n'
        "USE_TZ = True\n",
        encoding="utf-8",
    )
    (target / "manage.py").write_text(
        "import os\nimport sys\n\n"
        "if __name__ == '__main__':\n"
        "    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'benchproj.settings')\n"
        "    from django.core.management import execute_from_command_line\n\n"
        "    execute_from_command_line(sys.argv)\n",
        encoding="utf-8",
    )
    n = 0
    for label in labels:
        app = target / label
        (app / "migrations").mkdir(parents=True, exist_ok=True)
        (app / "__init__.py").write_text("", encoding="utf-8")
        (app / "migrations" / "__init__.py").write_text("", encoding="utf-8")
        body = ["from django.db import models", ""]
        first = n
        prev = None
        for _ in range(per_app):
            if n >= models:
                break
            body += ["", model_source(n, first, prev)]
            prev = n
            n += 1
        (app / "models.py").write_text("\n".join(body), encoding="utf-8")
    return labels


def admin_url(given: str | None) -> str:
    if given:
        return given
    if os.environ.get("RDJ_PG_URL"):
        return os.environ["RDJ_PG_URL"]
    env = ROOT / ".cache" / "databases.env"
    if env.exists():
        for line in env.read_text(encoding="utf-8").splitlines():
            if line.startswith("RDJ_PG_URL="):
                return line.split("=", 1)[1].strip()
    sys.exit("no PostgreSQL URL: pass --url, set RDJ_PG_URL, or run `bash .ci/databases.sh`")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{netloc[1]}"))


def recreate_database(url: str, name: str) -> None:
    scheme = urlsplit(url).scheme.split("+")[0]
    if scheme in ("postgres", "postgresql"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    elif scheme in ("mysql", "mariadb"):
        from urllib.parse import unquote

        import pymysql

        p = urlsplit(url)
        conn = pymysql.connect(
            host=p.hostname, port=p.port or 3306, user=unquote(p.username or ""),
            password=unquote(p.password or ""), autocommit=True,
        )
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        conn.close()
    else:
        sys.exit(f"unsupported scheme {scheme!r}")


def django(project: Path, url: str, *command: str) -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, str(ROOT / "tests" / "schema" / "django_db.py"), "--project", str(project), "--url", url,
         "--", *command],
        check=True,
    )
    return time.monotonic() - started


def main() -> None:
    if sys.argv[1:2] == ["generate"]:
        p = argparse.ArgumentParser(prog="schema_live.py generate")
        p.add_argument("dir", type=Path)
        p.add_argument("--models", type=int, default=60)
        p.add_argument("--apps", type=int, default=3)
        a = p.parse_args(sys.argv[2:])
        generate(a.dir, a.models, a.apps)
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", type=int, default=1000)
    p.add_argument("--apps", type=int, default=10)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--url", help="admin URL that may CREATE DATABASE (default: RDJ_PG_URL)")
    p.add_argument("--keep", type=Path, help="generate the project here and keep it")
    p.add_argument("--debug", action="store_true", help="time a debug build of the example")
    p.add_argument("--reuse", action="store_true",
                   help="time the database of an earlier run (same --models) without generating and migrating again")
    a = p.parse_args()

    admin = admin_url(a.url)
    name = f"rdj_bench_{a.models}"
    url = with_database(admin, name)
    work = a.keep or Path(tempfile.mkdtemp(prefix="rdj-schema-live-"))
    t_make = t_migrate = None
    if not a.reuse:
        if a.keep and a.keep.exists():
            shutil.rmtree(a.keep)
        generate(work, a.models, a.apps)
        print(f"project: {a.models} models in {a.apps} apps at {work}", file=sys.stderr)
        recreate_database(admin, name)
        t_make = django(work, url, "makemigrations", "--noinput", "-v0")
        t_migrate = django(work, url, "migrate", "--noinput", "-v0")
        print(f"makemigrations {t_make:.1f} s, migrate {t_migrate:.1f} s into {redacted(url)}", file=sys.stderr)

    cargo = ["cargo", "run", "-q", "--example", "schema_live"]
    if not a.debug:
        cargo.insert(2, "--release")
    out = subprocess.run([*cargo, "--", url, "--runs", str(a.runs)], cwd=ROOT, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result.update({"models": a.models, "apps": a.apps,
                   "makemigrations_s": t_make and round(t_make, 1), "migrate_s": t_migrate and round(t_migrate, 1)})
    print(json.dumps(result, indent=2))
    if not a.keep and not a.reuse:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
