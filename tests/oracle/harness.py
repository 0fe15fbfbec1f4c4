#!/usr/bin/env python3
"""Runtime oracle for reflex-django-lsp (SPEC section 7).

Runs every case of an oracle workspace (default: fixtures/oracle) against
real Django + SQLite and records, per case, the line of the case body from
which `SynchronousOnlyOperation` (or the RDJ202 `TypeError`) propagated.

    python tests/oracle/harness.py fixtures/oracle                 # JSON on stdout
    python tests/oracle/harness.py fixtures/oracle --out FILE
    python tests/oracle/harness.py fixtures/oracle --mode sync     # no event loop
    python tests/oracle/harness.py fixtures/oracle --check fixtures/oracle/expected.json
    python tests/oracle/harness.py fixtures/oracle --mode reference  # sync, what the code means
    python tests/oracle/harness.py REWRITTEN --keep-going --case-timeout 30  # for checking fixes

The harness installs nothing: Django (5.2) must be importable by the Python
that runs it.  Reflex and reflex-django are never imported; the stubs in
tests/oracle/stubs/ are put first on sys.path instead.

Case conventions (see fixtures/oracle/README.md):
  * cases live in <root>/cases/*.py and import their models normally
    (`from catalog.models import Product`);
  * module-level `async def case_*()` functions are cases (no arguments);
  * every public method of a class that subclasses the stub `rx.State` is a
    case: sync methods are called directly inside a running coroutine (what
    Reflex does with a sync event handler), async methods are awaited.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import decimal
import difflib
import hashlib
import importlib
import inspect
import io
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
STUBS = HERE / "stubs"
# Stands in for a virtualenv's installed packages: a folder `check` never
# indexes (`site-packages` is excluded by default), so models whose bases
# come from there are seen as they are in a real project (models_*.py cases).
SITE_PACKAGES = HERE / "site-packages"

# Columns whose values depend on the wall clock or on random salts; they are
# left out of the database digest so that the digest is deterministic.
VOLATILE_COLUMNS = {"created", "date_joined", "last_login", "password", "expire_date", "session_key"}
# Tables included in the digest: every table of the catalog app, plus the
# user/group tables (minus the volatile columns above).
DIGEST_TABLE_PREFIXES = ("catalog_", "auth_user", "auth_group")

ASYNC_CM_MESSAGE = "asynchronous context manager protocol"


class CorpusError(Exception):
    """A case that cannot be run or raised something the oracle does not count."""


# --------------------------------------------------------------------------
# Django set-up
# --------------------------------------------------------------------------


def setup_django(root: Path, db_path: Path) -> None:
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    sys.path.insert(0, str(root))
    sys.path.insert(0, str(STUBS))
    sys.path.insert(0, str(SITE_PACKAGES))
    sys.path.insert(0, str(HERE))

    import django
    from django.conf import settings

    import oracle_settings

    settings.configure(**oracle_settings.settings_dict(db_path))
    django.setup()


def build_template(db_path: Path, template_path: Path) -> None:
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    seed_module = importlib.import_module("catalog.seed")
    seed_module.seed()
    connections.close_all()
    shutil.copyfile(db_path, template_path)


def restore_database(db_path: Path, template_path: Path) -> None:
    """Restore the seeded database through SQLite's backup API.

    The backup API writes through SQLite's own locking, so it is correct
    even if a connection in some worker thread were still open.
    """
    src = sqlite3.connect(str(template_path))
    dst = sqlite3.connect(str(db_path))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def database_digest(db_path: Path) -> str:
    con = sqlite3.connect(str(db_path))
    try:
        tables = [
            row[0]
            for row in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
            if row[0].startswith(DIGEST_TABLE_PREFIXES)
        ]
        dump = {}
        for table in tables:
            columns = [row[1] for row in con.execute(f'PRAGMA table_info("{table}")')]
            kept = [c for c in columns if c not in VOLATILE_COLUMNS]
            select = ", ".join(f'"{c}"' for c in kept)
            rows = [list(r) for r in con.execute(f'SELECT {select} FROM "{table}"')]
            rows.sort(key=lambda r: json.dumps(r, default=str))
            dump[table] = {"columns": kept, "rows": rows}
    finally:
        con.close()
    blob = json.dumps(dump, sort_keys=True, default=str, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


async def _close_worker_connections() -> None:
    """Close the Django connections owned by sync_to_async's worker thread."""
    from asgiref.sync import sync_to_async
    from django.db import connections

    await sync_to_async(connections.close_all)()


def close_all_connections() -> None:
    from django.db import connections

    connections.close_all()
    asyncio.run(_close_worker_connections())


def clear_process_caches() -> None:
    """Empty the caches Django's contrib managers keep for the process.

    `ContentType.objects` caches each content type it reads (`migrate` fills
    it for every model) and `Site.objects.get_current()` keeps the site in
    `SITE_CACHE`. Each case starts with them empty, as the first request of
    a freshly started server does, so that no case depends on which cases
    ran before it.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sites.models import Site

    ContentType.objects.clear_cache()
    Site.objects.clear_cache()


# --------------------------------------------------------------------------
# Case discovery
# --------------------------------------------------------------------------


@dataclass
class Case:
    file: str  # relative to the root, forward slashes
    path: Path
    module_name: str
    function: str  # "name" or "Class.method"
    class_name: str | None
    name: str
    start_line: int
    end_line: int
    first_line: int  # co_firstlineno: the first decorator line, else the def line
    is_async: bool
    result: dict = field(default_factory=dict)


def discover(root: Path, module_errors: list[dict] | None = None) -> list[Case]:
    """The cases of the workspace, sorted by file then line.

    A module that cannot be parsed or imported (or that defines a sync
    `case_*`) is a corpus error; with `module_errors` (--keep-going) it is
    recorded there instead and its cases are left out.
    """
    import reflex as rx

    cases_dir = root / "cases"
    if not cases_dir.is_dir():
        raise CorpusError(f"{cases_dir}: no cases directory")
    found: list[Case] = []
    for path in sorted(cases_dir.glob("*.py")):
        if path.name == "__init__.py":
            continue
        rel = path.relative_to(root).as_posix()
        module_name = "cases." + path.stem
        try:
            module_cases = _discover_module(rel, path, module_name, rx)
        except CorpusError as exc:
            if module_errors is None:
                raise
            module_errors.append({"file": rel, "error": str(exc)})
            continue
        found.extend(module_cases)
    found.sort(key=lambda c: (c.file, c.start_line))
    return found


def _discover_module(rel: str, path: Path, module_name: str, rx) -> list[Case]:
    found: list[Case] = []
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        module = importlib.import_module(module_name)
    except BaseException as exc:  # noqa: BLE001 - any import failure is a corpus bug
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise CorpusError(
            f"{rel}: cannot import:\n" + "".join(traceback.format_exception(exc)).rstrip()
        ) from exc
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("case_"):
            if not isinstance(node, ast.AsyncFunctionDef):
                raise CorpusError(f"{rel}:{node.lineno}: case function {node.name} must be `async def`")
            found.append(_case(rel, path, module_name, None, node))
        elif isinstance(node, ast.ClassDef):
            cls = getattr(module, node.name, None)
            if not (inspect.isclass(cls) and issubclass(cls, rx.State)):
                continue
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not item.name.startswith("_"):
                    found.append(_case(rel, path, module_name, node.name, item))
    return found


def _case(rel, path, module_name, class_name, node) -> Case:
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return Case(
        file=rel,
        path=path.resolve(),
        module_name=module_name,
        function=f"{class_name}.{node.name}" if class_name else node.name,
        class_name=class_name,
        name=node.name,
        start_line=node.lineno,
        end_line=node.end_lineno,
        first_line=first,
        is_async=isinstance(node, ast.AsyncFunctionDef),
    )


def resolve_callable(case: Case):
    module = sys.modules[case.module_name]
    if case.class_name is None:
        return getattr(module, case.name)
    cls = getattr(module, case.class_name)
    instance = cls()
    return getattr(instance, case.name)


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------


def case_line(case: Case, exc: BaseException) -> int:
    """The line of the case's own frame from which `exc` propagated."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if (
            code.co_name == case.name
            and code.co_firstlineno == case.first_line
            and Path(code.co_filename).resolve() == case.path
        ):
            line = tb.tb_lineno  # keep the innermost frame of the case
        tb = tb.tb_next
    if line is None:
        # Raised before the body ran, e.g. by a decorator's wrapper
        # (`@transaction.atomic` on an `async def`): blame the decorator.
        line = case.first_line
    return line


_COMPREHENSION_SCOPES = (".<locals>.<listcomp>", ".<locals>.<setcomp>", ".<locals>.<dictcomp>", ".<locals>.<genexpr>")


def _plain_qualname(qualname: str) -> str:
    """Drop comprehension scopes, which exist as frames only on some Python
    versions (PEP 709 inlined list/set/dict comprehensions in 3.12)."""
    changed = True
    while changed:
        changed = False
        for suffix in _COMPREHENSION_SCOPES:
            if qualname.endswith(suffix):
                qualname = qualname[: -len(suffix)]
                changed = True
    return qualname


def origin(root: Path, exc: BaseException) -> dict | None:
    """The innermost traceback frame inside the workspace (a helper, a model
    method, or the case itself): where the offending statement really is."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        try:
            rel = Path(code.co_filename).resolve().relative_to(root)
        except ValueError:
            rel = None
        if rel is not None:
            found = {"file": rel.as_posix(), "function": _plain_qualname(getattr(code, "co_qualname", code.co_name)), "line": tb.tb_lineno}
        tb = tb.tb_next
    return found


def counted(exc: BaseException) -> str | None:
    from django.core.exceptions import SynchronousOnlyOperation

    if isinstance(exc, SynchronousOnlyOperation):
        return "SynchronousOnlyOperation"
    if type(exc) is TypeError and ASYNC_CM_MESSAGE in str(exc):
        return "TypeError"
    return None


async def _drain_async_gen(agen):
    return [item async for item in agen]


def _call_in_loop(fn):
    async def runner():
        result = fn()
        if inspect.isawaitable(result):
            result = await result
        elif inspect.isasyncgen(result):
            result = await _drain_async_gen(result)
        elif inspect.isgenerator(result):
            result = list(result)
        return result

    return runner


class NeedsLoop(Exception):
    def __init__(self, line):
        super().__init__(line)
        self.line = line


def install_inline_sync_to_async() -> None:
    """--mode sync: make `await sync_to_async(fn)(...)` call fn inline.

    Django's async API (`aget`, `acount`, `async for`, `asave`, ...) is built
    on asgiref's SyncToAsync, which needs a running loop only to hop to a
    worker thread.  Without a loop there is no thread to hop from, so the
    sync function is simply called: the coroutine never suspends, and code
    that mixes `await Model.objects.aget()` with sync ORM calls runs as the
    plain sync program it would be without asyncio.
    """
    from asgiref.sync import SyncToAsync

    async def inline_call(self, *args, **kwargs):
        return self.func(*args, **kwargs)

    SyncToAsync.__call__ = inline_call


class _InlineCall:
    """--mode reference: what `sync_to_async(fn)(...)` returns.

    Awaiting it calls fn inline (like --mode sync); `async with` over it
    enters fn's result as a plain context manager, so that
    `async with sync_to_async(transaction.atomic)():` means what its author
    meant: `with transaction.atomic():`.
    """

    def __init__(self, func, args, kwargs):
        self._call = (func, args, kwargs)
        self._cm = None

    def _run(self):
        func, args, kwargs = self._call
        return func(*args, **kwargs)

    def __await__(self):
        return self._run()
        yield  # noqa: unreachable - makes __await__ a generator

    async def __aenter__(self):
        self._cm = self._run()
        return self._cm.__enter__()

    async def __aexit__(self, exc_type, exc_value, tb):
        return self._cm.__exit__(exc_type, exc_value, tb)


def install_reference_shims() -> None:
    """--mode reference: --mode sync, plus the sync meaning of the two async
    idioms that have no loop-free implementation.

    * `sync_to_async(fn)(...)` returns an `_InlineCall` (awaitable, and an
      async context manager over fn's result);
    * `Atomic` gets `__aenter__`/`__aexit__` that enter it synchronously
      (`async with transaction.atomic():`, `async with await
      sync_to_async(atomic)():`); subclasses that define their own keep them;
    * Django signals' `asend`/`asend_robust` call `send`/`send_robust`
      (all receivers in turn, inline) instead of gathering on a loop.

    The result is the original code run as the plain sync program it means,
    which is what a fixed module run under asyncio must reproduce.
    """
    from asgiref.sync import SyncToAsync
    from django.db.transaction import Atomic
    from django.dispatch import Signal

    def inline_call(self, *args, **kwargs):
        return _InlineCall(self.func, args, kwargs)

    async def atomic_aenter(self):
        return self.__enter__()

    async def atomic_aexit(self, exc_type, exc_value, tb):
        return self.__exit__(exc_type, exc_value, tb)

    async def asend(self, sender, **named):
        return self.send(sender, **named)

    async def asend_robust(self, sender, **named):
        return self.send_robust(sender, **named)

    SyncToAsync.__call__ = inline_call
    Atomic.__aenter__ = atomic_aenter
    Atomic.__aexit__ = atomic_aexit
    Signal.asend = asend
    Signal.asend_robust = asend_robust


class CaseTimeout(BaseException):
    """--case-timeout: the case ran too long (a BaseException, so that case
    code catching `Exception` cannot swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float | None):
    if not seconds:
        yield
        return
    import signal

    def on_alarm(signum, frame):
        raise CaseTimeout(f"no result after {seconds:g}s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _drive_without_loop(obj, case: Case):
    """Run a coroutine / async generator to completion with no event loop."""
    if inspect.isasyncgen(obj):
        obj = _drain_async_gen(obj)
    if not inspect.iscoroutine(obj):
        return obj
    try:
        while True:
            obj.send(None)
            # The coroutine wants to suspend: only a real loop can resume it.
            line = _suspended_line(obj, case)
            obj.close()
            raise NeedsLoop(line)
    except StopIteration as stop:
        return stop.value


def _suspended_line(coro, case: Case):
    line = None
    frame_holder = coro
    while frame_holder is not None:
        frame = getattr(frame_holder, "cr_frame", None) or getattr(frame_holder, "ag_frame", None)
        if frame is None:
            break
        code = frame.f_code
        if code.co_name == case.name and code.co_firstlineno == case.first_line:
            line = frame.f_lineno
        frame_holder = getattr(frame_holder, "cr_await", None) or getattr(frame_holder, "ag_await", None)
    return line if line is not None else case.first_line


def run_case(
    case: Case,
    mode: str,
    root: Path,
    db_path: Path,
    template_path: Path,
    keep_going: bool = False,
    timeout: float | None = None,
) -> list[str]:
    """Run one case; fill case.result; return corpus errors (empty if fine).

    With keep_going, an exception the oracle does not count is recorded in
    `raised` with its `message` (and is still returned as a corpus error).
    """
    errors: list[str] = []
    close_all_connections()
    restore_database(db_path, template_path)
    clear_process_caches()

    raised = None
    returned = None
    sink = io.StringIO()
    try:
        fn = resolve_callable(case)
        with contextlib.redirect_stdout(sink), warnings.catch_warnings(), time_limit(timeout):
            warnings.simplefilter("ignore")
            if mode == "async":
                value = asyncio.run(_call_in_loop(fn)())
            else:
                value = _drive_without_loop(fn(), case)
                if inspect.isgenerator(value):
                    value = list(value)
        returned = to_jsonable(value)
    except NeedsLoop as needs:
        raised = {"type": "needs-loop", "line": needs.line, "origin": {"file": case.file, "function": case.function, "line": needs.line}}
    except CaseTimeout as exc:
        line = case_line(case, exc)
        raised = {"type": "timeout", "line": line, "origin": origin(root, exc) or {"file": case.file, "function": case.function, "line": line}}
        errors.append(f"{case.file}:{line}: {case.function}: {exc}")
    except Exception as exc:  # noqa: BLE001 - classified below
        kind = counted(exc)
        uncounted = kind is None
        if mode in ("sync", "reference") and kind is None:
            if isinstance(exc, RuntimeError) and ("no running event loop" in str(exc) or "no current event loop" in str(exc)):
                kind = "needs-loop"
            else:
                kind = type(exc).__name__
        if kind is None:
            errors.append(
                f"{case.file}:{case_line(case, exc)}: {case.function} raised an exception the oracle does not count:\n"
                + "".join(traceback.format_exception(exc)).rstrip()
            )
            kind = type(exc).__name__
        line = case_line(case, exc)
        raised = {"type": kind, "line": line, "origin": origin(root, exc) or {"file": case.file, "function": case.function, "line": line}}
        if keep_going and uncounted:
            raised["message"] = f"{type(exc).__name__}: {exc}"[:500]

    close_all_connections()
    case.result = {
        "file": case.file,
        "function": case.function,
        "start_line": case.start_line,
        "end_line": case.end_line,
        "raised": raised,
        "returned": returned if raised is None else None,
        "db": database_digest(db_path),
    }
    return errors


def to_jsonable(value):
    """A stable, JSON-compatible rendering of a case's return value."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else {"repr": repr(value)}
    if isinstance(value, decimal.Decimal):
        return {"decimal": str(value)}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    return {"repr": repr(value)}


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def render(django_version: str, cases: list[Case], module_errors: list[dict] | None = None) -> str:
    lines = ['{"django": %s, "cases": [' % json.dumps(django_version)]
    for i, case in enumerate(cases):
        sep = "," if i < len(cases) - 1 else ""
        lines.append("  " + json.dumps(case.result, ensure_ascii=False) + sep)
    if module_errors is None:
        lines.append("]}")
    else:
        # --keep-going only: the committed expected.json never has this key.
        lines.append('], "import_errors": [')
        for i, err in enumerate(module_errors):
            sep = "," if i < len(module_errors) - 1 else ""
            lines.append("  " + json.dumps(err, ensure_ascii=False) + sep)
        lines.append("]}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Runtime oracle for reflex-django-lsp (SPEC section 7)")
    parser.add_argument("root", nargs="?", default="fixtures/oracle", help="oracle workspace root")
    parser.add_argument(
        "--mode",
        choices=("async", "sync", "reference"),
        default="async",
        help="async: under asyncio (the oracle); sync: no event loop; reference: sync, plus the sync meaning "
        "of `async with` over atomic and of signal asend (what a fixed module must reproduce)",
    )
    parser.add_argument("--out", help="write the JSON here instead of stdout")
    parser.add_argument("--check", metavar="FILE", help="regenerate and compare with FILE; exit 1 on any difference")
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="for rewritten (fixed) workspaces: a module that cannot be imported is listed under "
        '"import_errors" and its cases left out; an uncounted exception is recorded with its "message"; '
        "exit 0 unless the workspace or Django is missing",
    )
    parser.add_argument("--case-timeout", type=float, metavar="SECONDS", help="record a case as `timeout` after this long")
    args = parser.parse_args(argv)
    # `async with sync_to_async(atomic)()` (RDJ202) leaves an un-awaited
    # coroutine behind; that warning is expected noise.
    warnings.filterwarnings("ignore", message="coroutine .* was never awaited", category=RuntimeWarning)

    root = Path(args.root).resolve()
    if not (root / "cases").is_dir():
        print(f"oracle: {args.root}: not an oracle workspace (no cases/ directory)", file=sys.stderr)
        return 2
    try:
        import django  # noqa: F401
    except ImportError:
        print(
            f"oracle: Django is not importable by {sys.executable}; install it with "
            "`pip install -r tests/oracle/requirements.txt` (the harness installs nothing)",
            file=sys.stderr,
        )
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="rdj-oracle-"))
    db_path = tmp / "oracle.sqlite3"
    template_path = tmp / "template.sqlite3"
    try:
        setup_django(root, db_path)
        import django

        build_template(db_path, template_path)
        if args.mode == "sync":
            install_inline_sync_to_async()
        elif args.mode == "reference":
            install_reference_shims()
        module_errors: list[dict] | None = [] if args.keep_going else None
        try:
            cases = discover(root, module_errors)
        except CorpusError as exc:
            print(f"oracle: corpus error: {exc}", file=sys.stderr)
            return 1
        errors: list[str] = []
        for case in cases:
            errors.extend(run_case(case, args.mode, root, db_path, template_path, args.keep_going, args.case_timeout))
        major, minor = django.VERSION[:2]
        output = render(f"{major}.{minor}.x", cases, module_errors)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001
            pass
        shutil.rmtree(tmp, ignore_errors=True)

    n_raised = sum(1 for c in cases if c.result["raised"] is not None)
    print(f"oracle: {len(cases)} cases, {n_raised} raised, {len(cases) - n_raised} clean", file=sys.stderr)
    for err in errors:
        print(f"oracle: corpus error: {err}", file=sys.stderr)
    for err in module_errors or []:
        print(f"oracle: cannot import {err['file']} (its cases are left out):\n{err['error']}", file=sys.stderr)

    status = 1 if errors and not args.keep_going else 0
    if args.check:
        try:
            expected = Path(args.check).read_text(encoding="utf-8")
        except OSError as exc:
            print(f"oracle: cannot read {args.check}: {exc.strerror}", file=sys.stderr)
            expected = ""
        if expected != output:
            diff = difflib.unified_diff(
                expected.splitlines(keepends=True),
                output.splitlines(keepends=True),
                fromfile=f"{args.check} (committed)",
                tofile=f"{args.check} (regenerated, --mode {args.mode})",
            )
            sys.stderr.writelines(diff)
            print(
                f"oracle: {args.check} is stale; regenerate with: python tests/oracle/harness.py {args.root} --out {args.check}",
                file=sys.stderr,
            )
            status = 1
        else:
            print(f"oracle: {args.check} is up to date", file=sys.stderr)
    if args.out:
        Path(args.out).write_text(output, encoding="utf-8")
    elif not args.check:
        sys.stdout.write(output)
    return status


if __name__ == "__main__":
    sys.exit(main())
