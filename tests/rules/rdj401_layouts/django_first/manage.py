#!/usr/bin/env python
"""Django-first: no rxconfig.py; manage.py sets Django up before any command,
and the Reflex app is mounted from Django (a command, the URLconf)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
