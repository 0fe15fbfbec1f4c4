"""Dumps what the drift tests compare, as JSON on stdout, from inside a
Django project (run through `django_db.py ... -- shell -c`):

    exec(open("tests/schema/drift_dump.py").read()); dump("state" | "db_types")

- `state`: the migration state (`MigrationLoader.project_state()`), each
  field deconstructed the way migrations write it: the reference ProjectState.
- `db_types`: Django's own answer per concrete field of every installed
  model (and auto-created many-to-many model): table, column, `db_type`,
  nullability: the oracle for `columns::expected_tables`.
"""

import enum
import json
import sys


def _value(v):
    from django.db.models import Index
    from django.db.models.constraints import BaseConstraint

    if v is None:
        return {"none": True}
    if isinstance(v, bool):
        return {"bool": v}
    if isinstance(v, int) and not isinstance(v, enum.Enum):
        return {"int": v}
    if isinstance(v, float):
        return {"number": repr(v)}
    if isinstance(v, str) and not isinstance(v, enum.Enum):
        return {"str": str(v)}
    if isinstance(v, (list, tuple)):
        return {"list": [_value(x) for x in v]}
    if isinstance(v, (set, frozenset)):
        return {"set": [_value(x) for x in sorted(v, key=repr)]}
    if isinstance(v, dict):
        return {"dict": [[_value(k), _value(x)] for k, x in v.items()]}
    if isinstance(v, (Index, BaseConstraint)):
        path, args, kwargs = v.deconstruct()
        return {"call": {"func": path, "args": [_value(a) for a in args], "kwargs": [[k, _value(x)] for k, x in kwargs.items()]}}
    if callable(v) and hasattr(v, "__qualname__"):
        return {"name": f"{v.__module__}.{v.__qualname__}"}
    return {"opaque": repr(v)}


def _state():
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    state = MigrationLoader(connection, ignore_no_migrations=True).project_state()
    models = []
    for (app, _), ms in sorted(state.models.items()):
        fields = []
        for name, field in ms.fields.items():
            _, path, args, kwargs = field.deconstruct()
            cls = path.rsplit(".", 1)[-1] if path.startswith("django.") else None
            if args:
                kwargs = dict(kwargs, field_names=list(args))
            fields.append({"name": name, "class": cls, "written_class": path, "kwargs": [[k, _value(x)] for k, x in kwargs.items()]})
        bases = [b for b in ms.bases if isinstance(b, str)]
        models.append({"app": app, "name": ms.name, "fields": fields, "options": [[k, _value(x)] for k, x in ms.options.items()], "bases": bases})
    return models


def _db_types():
    from django.apps import apps
    from django.db import connection

    out = []
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if not opts.managed or opts.proxy or opts.abstract:
            continue
        for f in opts.local_fields:
            if f.column is None:
                continue
            out.append({"table": opts.db_table, "column": f.column, "db_type": f.db_type(connection), "null": f.null, "pk": f.primary_key})
    return out


def dump(what):
    data = {"state": _state, "db_types": _db_types}[what]()
    sys.stdout.write("\n@@DUMP@@" + json.dumps(data) + "\n")
