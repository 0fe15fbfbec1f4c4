#!/usr/bin/env python
"""The drift tests' edge-case project (tests/schema_drift.rs)."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drift_settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
