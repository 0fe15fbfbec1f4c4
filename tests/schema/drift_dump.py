"""Dumps what the drift tests compare, as JSON on stdout, from inside a
Django project (run through `django_db.py ... -- shell -c`):

    exec(open("tests/schema/drift_dump.py").read()); dump("state" | "catalog" | "db_types")

- `state`: the migration state (`MigrationLoader.project_state()`), each
  field deconstructed the way migrations write it: the reference ProjectState.
- `catalog`: the live tables of the default connection (SQLite, PostgreSQL or
  MySQL/MariaDB), in the shape of `schema::live::LiveSchema`, read with plain
  catalog queries (a stand-in until the crate's own introspection is used).
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


def _catalog():
    from django.db import connection

    vendor = connection.vendor
    tables = {}
    with connection.cursor() as c:
        if vendor == "sqlite":
            c.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
            for (t,) in c.fetchall():
                q = t.replace('"', '""')
                c.execute(f'PRAGMA table_info("{q}")')
                cols = [
                    {"name": n, "raw_type": (ty or "").lower(), "nullable": not nn and not pk, "has_default": d is not None or bool(pk), "primary_key": bool(pk)}
                    for _, n, ty, nn, d, pk in c.fetchall()
                ]
                c.execute(f'PRAGMA index_list("{q}")')
                idx = []
                for _, name, unique, origin, partial in c.fetchall():
                    if partial:
                        continue
                    c.execute(f'PRAGMA index_info("{name}")')
                    idx.append({"name": name, "columns": [r[2] for r in c.fetchall()], "unique": bool(unique), "primary": origin == "pk"})
                c.execute(f'PRAGMA foreign_key_list("{q}")')
                fks = [{"column": r[3], "ref_table": r[2], "ref_column": r[4] or ""} for r in c.fetchall()]
                tables[t] = {"columns": cols, "indexes": idx, "foreign_keys": fks}
        elif vendor == "postgresql":
            c.execute(
                """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
                          a.atthasdef OR a.attidentity <> ''
                   FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() AND a.attnum > 0 AND NOT a.attisdropped
                   ORDER BY c.relname, a.attnum"""
            )
            for t, n, ty, nullable, has_default in c.fetchall():
                tables.setdefault(t, {"columns": [], "indexes": [], "foreign_keys": []})["columns"].append(
                    {"name": n, "raw_type": ty.lower(), "nullable": nullable, "has_default": has_default, "primary_key": False}
                )
            c.execute(
                """SELECT c.relname, i.relname, x.indisunique, x.indisprimary,
                          ARRAY(SELECT a.attname FROM unnest(x.indkey[0:x.indnkeyatts - 1]) WITH ORDINALITY k(attnum, o)
                                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.o)
                   FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
                   JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = current_schema() AND x.indpred IS NULL AND 0 <> ALL (x.indkey)"""
            )
            for t, name, unique, primary, cols in c.fetchall():
                if t in tables:
                    tables[t]["indexes"].append({"name": name, "columns": list(cols), "unique": unique, "primary": primary})
                    if primary:
                        for col in tables[t]["columns"]:
                            if col["name"] in cols:
                                col["primary_key"] = True
            c.execute(
                """SELECT c.relname, a.attname, f.relname, fa.attname
                   FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid
                   JOIN pg_namespace n ON n.oid = c.relnamespace
                   JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                   JOIN pg_attribute fa ON fa.attrelid = k.confrelid AND fa.attnum = k.confkey[1]
                   WHERE k.contype = 'f' AND n.nspname = current_schema()"""
            )
            for t, col, rt, rc in c.fetchall():
                if t in tables:
                    tables[t]["foreign_keys"].append({"column": col, "ref_table": rt, "ref_column": rc})
        elif vendor == "mysql":
            c.execute(
                """SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE = 'YES',
                          COLUMN_DEFAULT IS NOT NULL OR EXTRA LIKE '%%auto_increment%%', COLUMN_KEY = 'PRI'
                   FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION"""
            )
            for t, n, ty, nullable, has_default, pk in c.fetchall():
                tables.setdefault(t, {"columns": [], "indexes": [], "foreign_keys": []})["columns"].append(
                    {"name": n, "raw_type": ty.lower(), "nullable": bool(nullable), "has_default": bool(has_default), "primary_key": bool(pk)}
                )
            c.execute(
                """SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE = 0, COLUMN_NAME FROM information_schema.STATISTICS
                   WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"""
            )
            by_index = {}
            for t, name, unique, col in c.fetchall():
                ix = by_index.setdefault((t, name), {"name": name, "columns": [], "unique": bool(unique), "primary": name == "PRIMARY"})
                ix["columns"].append(col)
            for (t, _), ix in by_index.items():
                if t in tables:
                    tables[t]["indexes"].append(ix)
            c.execute(
                """SELECT TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
                   FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL"""
            )
            for t, col, rt, rc in c.fetchall():
                if t in tables:
                    tables[t]["foreign_keys"].append({"column": col, "ref_table": rt, "ref_column": rc})
    return {"vendor": vendor, "tables": tables}


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
    data = {"state": _state, "catalog": _catalog, "db_types": _db_types}[what]()
    sys.stdout.write("\n@@DUMP@@" + json.dumps(data) + "\n")
