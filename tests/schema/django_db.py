"""Run a fixture project's Django management command against a database URL.

The schema tests build their databases the way a user does: real Django 5.2
`migrate` (never hand-written DDL). Fixture projects keep their own settings
(SQLite next to the project); this runner overrides `DATABASES["default"]`
with the given URL through a wrapper settings module, so the same project
migrates into SQLite, PostgreSQL or MariaDB.

    python tests/schema/django_db.py --project DIR --url URL -- migrate
    python tests/schema/django_db.py --project DIR --url URL -- makemigrations --check --dry-run --noinput

URL forms: sqlite:///abs/path.db, postgres://user:pass@host:port/name,
mysql://user:pass@host:port/name. The settings module is the one manage.py
names (os.environ.setdefault("DJANGO_SETTINGS_MODULE", ...)) unless
--settings is given. If `reflex_django` is not importable, the same shim as
fixtures/shop/scripts/manage.sh is put on the path (reflex-django 4 itself
needs Django 6 and Python 3.12).
"""

import argparse
import atexit
import os
import shutil
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

SHIM_INIT = '''
import os


def configure_django(settings_module=None):
    if settings_module:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django
    from django.apps import apps

    if not (apps.ready or apps.loading):
        django.setup()
    return os.environ.get("DJANGO_SETTINGS_MODULE")


def __getattr__(name):
    if name == "Model":
        from reflex_django.django.model import Model

        return Model
    raise AttributeError(f"module 'reflex_django' has no attribute {name!r}")
'''

SHIM_MODEL = '''
from reflex_django import configure_django

configure_django()

from django.db import models  # noqa: E402


class Model(models.Model):
    class Meta:
        abstract = True
'''


def database_settings(url: str) -> dict:
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme in ("sqlite", "sqlite3"):
        # SQLAlchemy / dj-database-url form (Reflex's `db_url`):
        # sqlite:///relative.db, sqlite:////absolute/path.db
        rest = url.split("://", 1)[1]
        name = rest[1:] if rest.startswith("/") else rest
        name = name.split("?", 1)[0]
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name}
    engine = {
        "postgres": "django.db.backends.postgresql",
        "postgresql": "django.db.backends.postgresql",
        "mysql": "django.db.backends.mysql",
        "mariadb": "django.db.backends.mysql",
    }[scheme]
    return {
        "ENGINE": engine,
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


def settings_module(project: Path) -> str:
    manage = (project / "manage.py").read_text(encoding="utf-8")
    m = re.search(r"""setdefault\(\s*["']DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""", manage)
    if not m:
        sys.exit(f"{project}/manage.py does not name a settings module; pass --settings")
    return m.group(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", required=True, type=Path)
    parser.add_argument("--url", required=True)
    parser.add_argument("--settings")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    project = args.project.resolve()
    base = args.settings or settings_module(project)

    work = Path(tempfile.mkdtemp(prefix="rdj-django-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    (work / "_rdj_test_settings.py").write_text(
        f"from {base} import *  # noqa: F401,F403\n"
        f"DATABASES = {{'default': {database_settings(args.url)!r}}}\n",
        encoding="utf-8",
    )
    try:
        import reflex_django  # noqa: F401
    except ImportError:
        (work / "reflex_django" / "django").mkdir(parents=True)
        (work / "reflex_django" / "__init__.py").write_text(SHIM_INIT, encoding="utf-8")
        (work / "reflex_django" / "django" / "__init__.py").write_text("", encoding="utf-8")
        (work / "reflex_django" / "django" / "model.py").write_text(SHIM_MODEL, encoding="utf-8")
    if urlsplit(args.url).scheme.split("+")[0] in ("mysql", "mariadb"):
        try:
            import MySQLdb  # noqa: F401
        except ImportError:
            import pymysql

            pymysql.install_as_MySQLdb()

    sys.path[:0] = [str(work), str(project)]
    os.chdir(project)
    os.environ["DJANGO_SETTINGS_MODULE"] = "_rdj_test_settings"
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", *command])


if __name__ == "__main__":
    main()
