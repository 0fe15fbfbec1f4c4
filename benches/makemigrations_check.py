#!/usr/bin/env python3
"""Real Django's word on the released applications of tests/real_applications.txt.

For each application: a fresh virtual environment (Python 3.12), its wheel
installed with its requirements, minimal settings naming every app of the
wheel that has models and migrations, then

    django-admin makemigrations --check --dry-run

whose answer is recorded: "No changes detected" (our 0 RDJ5xx confirmed),
the changes Django found (our 0 would be a miss), or why it could not run.

Not a test (installing dozens of dependency trees takes long); run by hand:

    python3 benches/makemigrations_check.py --wheels DIR [--work DIR] [NAME ...]

DIR holds the wheels `.ci/run` downloads (`.cache/real-applications`).
Each step has a time limit (`--timeout`, 300 s). Results go to stdout as a
Markdown table and, per application, to `<work>/<name>/result.txt`.

The database is Django's dummy backend: makemigrations skips its
consistency check on it and needs no connection.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONTRIB = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.staticfiles",
]

# What an application's own settings set and the generic settings cannot
# guess: its user model, its default primary key, the settings its models
# read at import time. Keyed by the wheel's distribution name.
SETTINGS = {
    "netbox": "AUTH_USER_MODEL = 'users.User'\nDEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'\n",
    "nautobot": "AUTH_USER_MODEL = 'users.User'\n",
    "misago": "AUTH_USER_MODEL = 'misago_users.User'\n",
    "kolibri": "AUTH_USER_MODEL = 'kolibriauth.FacilityUser'\n",
    "pretix": "AUTH_USER_MODEL = 'pretixbase.User'\n",
    "label_studio": "AUTH_USER_MODEL = 'users.User'\n",
    "ephios": "AUTH_USER_MODEL = 'core.UserProfile'\n",
    "geonode": "AUTH_USER_MODEL = 'people.Profile'\n",
    "weblate": "DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'\n",
    # Apps without migrations that django CMS checks for at start-up.
    "django_cms": "INSTALLED_APPS += ['treebeard', 'sekizai']\nCMS_TEMPLATES = [('base.html', 'Base')]\n"
    "TEMPLATES[0]['OPTIONS']['context_processors'] += ['sekizai.context_processors.sekizai', 'cms.context_processors.cms_settings']\n",
    # Teams need pinax-teams, an extra.
    "django_helpdesk": "HELPDESK_TEAMS_MODE_ENABLED = False\n",
}


# Requirements that build C extensions from source needing system headers
# (liblz4, libldap) and that no models module imports: left out.
LEFT_OUT = {
    "weblate": {"borgbackup"},
    "mayan_edms": {"python-ldap"},
}


def requirements(wheel: Path, left_out):
    """The wheel's unconditional requirements (no extras), less `left_out`."""
    import zipfile

    with zipfile.ZipFile(wheel) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        lines = z.read(meta).decode().splitlines()
    out = []
    for line in lines:
        if not line.startswith("Requires-Dist:"):
            continue
        req = line.split(":", 1)[1].strip()
        if "extra ==" in req:
            continue
        name = re.split(r"[ ;<>=!~\[(]", req, maxsplit=1)[0]
        if name.lower().replace("_", "-") not in left_out:
            out.append(req)
    return out


def run(cmd, timeout, **kw):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s"
    except OSError as e:
        return None, str(e)


def listed():
    for line in (ROOT / "tests/real_applications.txt").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        req, _, comment = line.partition("#")
        m = re.match(r"\s*django (\d+\.\d+)", comment)
        yield req.strip(), m.group(1) if m else None


def app_modules(site: Path, top_levels):
    """Dotted names of the wheel's packages with models and a migrations folder."""
    mods = []
    for top in top_levels:
        for init in sorted((site / top).rglob("migrations/__init__.py")):
            app = init.parent.parent
            if not ((app / "models.py").exists() or (app / "models" / "__init__.py").exists()):
                continue
            rel = app.relative_to(site)
            if any(part in ("tests", "test", "testapp", "project_template") for part in rel.parts):
                continue
            mods.append(".".join(rel.parts))
    return mods


DEPENDENCY = re.compile(r"""\(\s*["'](\w+)["']\s*,\s*["'](?:\d{4}\w*|__first__)["']\s*\)""")


def label_of(app: Path):
    apps = app / "apps.py"
    if apps.exists():
        m = re.search(r"""^\s+label\s*=\s*["'](\w+)["']""", apps.read_text(errors="replace"), re.M)
        if m:
            return m.group(1)
    return app.name


def with_dependencies(site: Path, apps):
    """`apps` and the installed apps their migrations depend on (by label)."""
    known = {}
    for init in site.glob("*/**/migrations/__init__.py"):
        app = init.parent.parent
        rel = app.relative_to(site)
        if rel.parts[0].endswith(".dist-info") or "tests" in rel.parts:
            continue
        known.setdefault(label_of(app), ".".join(rel.parts))
    out = list(apps)
    todo = list(apps)
    while todo:
        app = site.joinpath(*todo.pop().split("."))
        for mig in (app / "migrations").glob("*.py"):
            for label in DEPENDENCY.findall(mig.read_text(errors="replace")):
                module = known.get(label)
                if module and module not in out and not any(module == "django.contrib." + c.split(".")[-1]
                                                             for c in CONTRIB):
                    out.append(module)
                    todo.append(module)
    return out


def last_line(text, n=3):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return " / ".join(lines[-n:])[:300]


def check(req, wheels: Path, work: Path, python: str, timeout: int):
    name, version = req.split("==")
    stem = f"{name}-{version}-"
    wheel = next((w for w in wheels.glob("*.whl") if w.name.lower().startswith(stem.lower())), None)
    if wheel is None:
        return "not run", f"no wheel {stem}*.whl in {wheels}"
    here = work / name
    py = str(here / "venv/bin/python")
    installed = 0.0
    # A venv installed by an earlier run is used again.
    if not (here / "installed.ok").exists():
        shutil.rmtree(here, ignore_errors=True)
        here.mkdir(parents=True)
        code, out = run([python, "-m", "venv", str(here / "venv")], timeout)
        if code != 0:
            return "could not install", "venv: " + last_line(out)
        started = time.time()
        pip = [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--prefer-binary"]
        if name in LEFT_OUT:
            code, out = run(pip + requirements(wheel, LEFT_OUT[name]) + ["psycopg[binary]"], timeout)
            if code == 0:
                code, more = run(pip + ["--no-deps", str(wheel)], timeout)
                out += more
        else:
            code, out = run(pip + [str(wheel), "psycopg[binary]", "packaging"], timeout)
        (here / "pip.log").write_text(out)
        if code != 0:
            return "could not install", "pip: " + last_line(out)
        installed = time.time() - started
        (here / "installed.ok").write_text(f"{installed:.0f}\n")
    site = Path(run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], 60)[1].strip())
    dist = next(site.glob(f"{name}-{version}.dist-info"), None) or next(
        (d for d in site.glob("*.dist-info") if d.name.lower().startswith(stem.lower())), None)
    tops = []
    if dist and (dist / "top_level.txt").exists():
        tops = (dist / "top_level.txt").read_text().split()
    if not tops and dist:
        tops = sorted({l.split("/")[0] for l in (dist / "RECORD").read_text().splitlines()
                       if "/" in l and l.split("/")[0].isidentifier()})
    apps = app_modules(site, tops)
    if not apps:
        return "not run", "no app with models and migrations found in the wheel"
    apps = with_dependencies(site, apps)
    settings = textwrap.dedent(f"""\
        try:  # needs psycopg (psycopg2 before Django 4.2)
            import django.contrib.postgres.apps
            POSTGRES = ["django.contrib.postgres"]
        except ImportError:
            POSTGRES = []
        SECRET_KEY = "makemigrations-check-" + "x" * 40
        DATABASES = {{"default": {{"ENGINE": "django.db.backends.dummy"}}}}
        INSTALLED_APPS = {CONTRIB!r} + POSTGRES + {apps!r}
        MIDDLEWARE = [
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ]
        TEMPLATES = [{{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": True,
            "OPTIONS": {{"context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]}},
        }}]
        USE_TZ = True
        STATIC_URL = "/static/"
        SITE_ID = 1
        """) + SETTINGS.get(name, "")
    (here / "check_settings.py").write_text(settings)
    # Kolibri bundles its Django (and more) in kolibri/dist.
    path = [str(here)] + [str(d) for d in (site / top / "dist" for top in tops) if (d / "django").is_dir()]
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="check_settings", PYTHONPATH=os.pathsep.join(path))
    django = run([py, "-c", "import django; print(django.get_version())"], 60, env=env)[1].strip()
    code, out = run([py, "-m", "django", "makemigrations", "--check", "--dry-run"], timeout, env=env, cwd=here)
    (here / "makemigrations.log").write_text(out)
    detail = f"Django {django}, {len(apps)} apps, installed in {installed:.0f} s"
    if code == 0 and "No changes detected" in out:
        return "confirmed", detail
    if code == 1 and "Migrations for" in out:
        changes = [l.strip() for l in out.splitlines() if l.strip().startswith(("+", "-", "~", "*", "Migrations for"))]
        return "changes found", detail + ": " + "; ".join(changes)[:600]
    return "could not run", detail + ": " + last_line(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheels", type=Path, default=ROOT / ".cache/real-applications")
    ap.add_argument("--work", type=Path, default=ROOT / ".cache/makemigrations-check")
    ap.add_argument("--python", default=shutil.which("python3.12") or sys.executable)
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("names", nargs="*", help="only these distributions (as listed)")
    args = ap.parse_args()
    print("| application | Django (listed) | result | detail |")
    print("| --- | --- | --- | --- |")
    for req, django in listed():
        if args.names and req.split("==")[0] not in args.names:
            continue
        result, detail = check(req, args.wheels, args.work, args.python, args.timeout)
        (args.work / req.split("==")[0]).mkdir(parents=True, exist_ok=True)
        (args.work / req.split("==")[0] / "result.txt").write_text(f"{result}\n{detail}\n")
        print(f"| {req} | {django} | {result} | {detail.replace('|', '/')} |", flush=True)


if __name__ == "__main__":
    main()
