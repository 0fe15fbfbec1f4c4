"""Settings of the drift tests' edge-case project; the tests override
DATABASES through tests/schema/django_db.py."""

SECRET_KEY = "drift-tests-only"
INSTALLED_APPS = ["edge"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "drift.sqlite3"}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
