"""Django settings used by the runtime oracle (tests/oracle/harness.py)."""

import importlib.util

# Third-party apps whose APIs the cases in fixtures/oracle/cases/api_third_party.py
# exercise (pinned in tests/requirements.txt). Each is installed only when
# present, so that the other cases run with Django alone.
THIRD_PARTY_APPS = ["waffle", "guardian", "constance", "tos"]


def _installed(app):
    return importlib.util.find_spec(app) is not None


def settings_dict(db_path):
    return _constance_settings() | {
        "DEBUG": False,
        "SECRET_KEY": "reflex-django-lsp-oracle",
        "INSTALLED_APPS": [
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.sessions",
            "catalog",
            # Models split over a package, label "depot" (models_*.py cases).
            "warehouse",
        ]
        + [app for app in THIRD_PARTY_APPS if _installed(app)]
        # Last, so that the ids of the other apps' content types and
        # permissions stay what they were (contrib_*.py cases).
        + ["django.contrib.sites"]
        # Admin, after sites for the same reason, only for its LogEntry model
        # (contrib_reverse_relations.py): the simple config, which imports no
        # admin module of the other apps.
        + ["django.contrib.admin.apps.SimpleAdminConfig"],
        # `Site.objects.get_current()` reads the site with this id.
        "SITE_ID": 1,
        # django-guardian's shortcuts and checker need no authentication
        # backend (adding its backend would make `login()` ask for one).
        # No anonymous user row (it would change every case's `db` digest).
        "ANONYMOUS_USER_NAME": None,
        # A real file, not ":memory:": sync_to_async runs the ORM in another
        # thread, which must see the same database.
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(db_path)}},
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        # Fast hashing: create_user/check_password stay sync-only either way.
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "MIDDLEWARE": [],
        # RequestFactory's host (REST framework's CursorPagination builds absolute URLs).
        "ALLOWED_HOSTS": ["testserver"],
        "ROOT_URLCONF": None,
    }


def _constance_settings():
    """The workspace's django-constance settings (fixtures/oracle/constance_settings.py)."""
    if not _installed("constance"):
        return {}
    import constance_settings

    return {k: v for k, v in vars(constance_settings).items() if k.startswith("CONSTANCE_")}
