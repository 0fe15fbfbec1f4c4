#!/usr/bin/env python
"""Django's manage.py at the top, the Reflex app's rxconfig.py in a subfolder:
`reflex run` in frontend/ is an entry point too, without the plugin."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
