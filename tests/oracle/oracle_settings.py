"""Django settings used by the runtime oracle (tests/oracle/harness.py)."""


def settings_dict(db_path):
    return {
        "DEBUG": False,
        "SECRET_KEY": "reflex-django-lsp-oracle",
        "INSTALLED_APPS": [
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.sessions",
            "catalog",
            # Models split over a package, label "depot" (models_*.py cases).
            "warehouse",
        ],
        # A real file, not ":memory:": sync_to_async runs the ORM in another
        # thread, which must see the same database.
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(db_path)}},
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        # Fast hashing: create_user/check_password stay sync-only either way.
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "MIDDLEWARE": [],
        "ROOT_URLCONF": None,
    }
