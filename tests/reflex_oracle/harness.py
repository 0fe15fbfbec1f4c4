#!/usr/bin/env python3
"""Real-Reflex oracle: where Reflex runs user code, and what Django says there.

Runs every case of fixtures/reflex_oracle through Reflex's OWN machinery
(reflex 0.10, reflex-django 4.0.3, Django with SQLite migrated in a
temporary directory) and records, per case, whether it raised and which
fixture line raised it (the innermost traceback frame in the fixture):

* event handlers, `on_load` handlers, background tasks and computed vars:
  an `Event` enqueued on `reflex_base.event.processor.BaseStateEventProcessor`
  (the processor `rx.App` sets up in `App._setup_event_processor`), with the
  app registered so that navigation (`OnLoadInternalState.on_load_internal`)
  finds the pages' `on_load` events; computed vars are evaluated by Reflex
  when it builds the delta after the state's clean `touch` event;
* lifespan tasks: `App._run_lifespan_tasks` of an app with that one task;
* API routes: the Starlette app passed as `rx.App(api_transformer=...)`, called
  over ASGI on the running loop (httpx's `ASGITransport`);
* start-up (`startup/`): each layout imported the way it is imported in
  production, in a fresh interpreter (see `startup_cases`).

Each case carries its own claim as a comment (`# raises: ExceptionName` on
the line expected to raise, `# clean` on the `def` line of a case that must
run cleanly); the harness fails when the runtime disagrees with a marker.

    python tests/reflex_oracle/harness.py fixtures/reflex_oracle            # JSON on stdout
    python tests/reflex_oracle/harness.py fixtures/reflex_oracle --out FILE
    python tests/reflex_oracle/harness.py fixtures/reflex_oracle --check FILE

Nothing is written into the fixture: the database, Reflex's working files
and bytecode live in a temporary directory. REFLEX_ORACLE_DEBUG=1 prints
each recorded exception's traceback.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import importlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARKER = re.compile(r"#\s*(raises:\s*(?P<exc>[A-Za-z_][A-Za-z0-9_]*)|(?P<null>sent as null)|clean)\s*$")
# What a `# sent as null` case observes: no exception, but a model instance in
# a delta, which Reflex's JSON encoder sends to the browser as `null`.
SENT_AS_NULL = "sent as null"
# The fixture modules whose cases run inside the app process; `startup/`
# is run separately, in fresh interpreters.
CONTEXT_MODULES = (
    "handlers",
    "computed_vars",
    "serialization",
    "background",
    "on_load",
    "lifespan",
    "api_routes",
    "uploads",
    "reflex_django_states",
    # last: its class fails to be created, which must not disturb the others
    "serialization_annotation",
)
# Per case, at most this long: a hung case is a failure, not a hang.
CASE_TIMEOUT = 30


@dataclass
class Case:
    file: str  # relative to the fixture root, with `/`
    function: str  # qualified name: `State.method` or `function`
    context: str
    def_kind: str  # "sync" or "async"
    start_line: int  # the `def` line (decorators above it are not counted)
    end_line: int
    # "line": check must report the raising line; "span": any line of the
    # case (a class whose creation fails is blamed on its `class` line).
    match: str = "line"
    expected_exception: str | None = None  # None: `# clean`
    expected_line: int | None = None
    raised: str | None = None
    raised_line: int | None = None
    raised_file: str | None = None
    raised_in: str | None = None  # Reflex's function that raised, when no fixture frame did
    message: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def case_id(self) -> str:
        return f"{self.file}::{self.function}"

    def as_json(self) -> dict:
        expected = (
            "clean"
            if self.expected_exception is None
            else {"raises": self.expected_exception, "line": self.expected_line}
        )
        observed = (
            "clean"
            if self.raised is None
            else {"raises": self.raised, "file": self.raised_file, "line": self.raised_line}
        )
        if self.raised_in is not None:
            observed["in"] = self.raised_in
        if self.raised == SENT_AS_NULL:
            # The runtime sees the value on the wire, not the line that put it
            # into the state: the line is the marker's (the assignment).
            observed = {"sent_as_null": self.message, "file": self.raised_file, "line": self.raised_line}
        return {
            "file": self.file,
            "function": self.function,
            "context": self.context,
            "def": self.def_kind,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "match": self.match,
            "expected": expected,
            "observed": observed,
        }


# --------------------------------------------------------------------------
# Cases from the markers
# --------------------------------------------------------------------------


def collect_cases(root: Path, rel: str, context: str) -> list[Case]:
    """The cases of one fixture module: each function or method holding a marker."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text, filename=str(path))
    functions: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []

    cases = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                m = MARKER.search(lines[child.lineno - 1])
                if m:  # a case about creating the class itself
                    cases.append(
                        Case(
                            file=rel,
                            function=f"{prefix}{child.name}",
                            context=context,
                            def_kind="class",
                            start_line=child.lineno,
                            end_line=child.end_lineno,
                            match="span",
                            expected_exception=m.group("exc"),
                            expected_line=child.lineno if m.group("exc") else None,
                        )
                    )
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.append((f"{prefix}{child.name}", child))

    visit(tree, "")
    for name, fn in functions:
        markers = []
        for lineno in range(fn.lineno, fn.end_lineno + 1):
            m = MARKER.search(lines[lineno - 1])
            if m:
                markers.append((lineno, m.group("exc")))
        if not markers:
            continue
        if len(markers) > 1:
            raise SystemExit(f"{rel}:{fn.lineno}: {name} has {len(markers)} markers; one per case")
        lineno, exc = markers[0]
        if MARKER.search(lines[lineno - 1]).group("null"):
            exc = SENT_AS_NULL
        if exc is None and lineno != fn.lineno:
            raise SystemExit(f"{rel}:{lineno}: `# clean` belongs on the def line of {name}")
        cases.append(
            Case(
                file=rel,
                function=name,
                context=context,
                def_kind="async" if isinstance(fn, ast.AsyncFunctionDef) else "sync",
                start_line=fn.lineno,
                end_line=fn.end_lineno,
                expected_exception=exc,
                expected_line=lineno if exc else None,
            )
        )
    return cases


# Where each Django exception was raised: the whole stack at the `raise`.
# Reflex re-raises a handler's error through futures (`EventFuture`, the
# upload stream), and a re-raise can leave the exception with a traceback
# that starts at the re-raise; the stack seen at the first `raise` cannot be
# lost. Recorded with `sys.monitoring` (Python 3.12+), which only observes.
RAISE_SITES: dict[int, tuple[BaseException, list[traceback.FrameSummary]]] = {}
MONITORING_TOOL = 4  # one of the free tool ids (0-5); 4 is unassigned by CPython


def watch_raises() -> None:
    monitoring = sys.monitoring

    def on_raise(code, offset, exc):
        if type(exc).__module__.startswith("django.") and id(exc) not in RAISE_SITES:
            RAISE_SITES[id(exc)] = (exc, traceback.extract_stack(sys._getframe(1)))

    monitoring.use_tool_id(MONITORING_TOOL, "reflex-oracle")
    monitoring.register_callback(MONITORING_TOOL, monitoring.events.RAISE, on_raise)
    monitoring.set_events(MONITORING_TOOL, monitoring.events.RAISE)


def innermost_in(root: Path, frames) -> tuple[str, int] | None:
    found = None
    for frame in frames:
        try:
            rel = Path(frame.filename).resolve().relative_to(root)
        except ValueError:
            continue
        found = (rel.as_posix(), frame.lineno)
    return found


def blame(root: Path, exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost frame in the fixture where the exception was raised (the
    stack at its `raise`, else its traceback, following `__cause__` /
    `__context__` when Reflex wrapped the error)."""
    site = RAISE_SITES.get(id(exc))
    if site is not None and site[0] is exc and (found := innermost_in(root, site[1])):
        return found
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        found = innermost_in(root, traceback.extract_tb(exc.__traceback__))
        if found:
            return found
        exc = exc.__cause__ or exc.__context__
    return None, None


def raising_function(exc: BaseException) -> str | None:
    """`package/module.py:function` of the innermost non-Django frame at the
    raise: where Reflex itself ran the query (no fixture frame was on the stack)."""
    site = RAISE_SITES.get(id(exc))
    frames = site[1] if site is not None and site[0] is exc else traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        path = Path(frame.filename).as_posix()
        if "/django/" in path or "site-packages/" not in path:
            continue
        return f"{path.split('site-packages/', 1)[1]}:{frame.name}"
    return None


def innermost_django_error(exc: BaseException) -> BaseException:
    """Reflex may wrap what a computed var raised; the Django error is the cause."""
    seen = set()
    current = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if type(current).__module__.startswith("django."):
            return current
        current = current.__cause__ or current.__context__
    return exc


def record(root: Path, case: Case, exc: BaseException | None) -> None:
    if exc is None:
        return
    real = innermost_django_error(exc)
    if os.environ.get("REFLEX_ORACLE_DEBUG"):
        site = RAISE_SITES.get(id(real))
        if site is not None and site[0] is real:
            sys.stderr.write("".join(traceback.format_list(site[1][-12:])))
        traceback.print_exception(real)
    case.raised = type(real).__name__
    case.raised_file, case.raised_line = blame(root, real)
    if case.raised_file is None:
        case.raised_in = raising_function(real)
    case.message = str(real).splitlines()[0] if str(real) else ""


# --------------------------------------------------------------------------
# Django
# --------------------------------------------------------------------------


def setup_django(root: Path, workdir: Path) -> None:
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "oracle_site.settings"
    os.environ["REFLEX_ORACLE_DB"] = str(workdir / "oracle.sqlite3")
    sys.path.insert(0, str(root))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from inventory.models import Item, Shelf

    shelf = Shelf.objects.create(label="A")
    Item.objects.create(name="bolt", quantity=3, shelf=shelf)
    Item.objects.create(name="nut", quantity=5, shelf=shelf)


# --------------------------------------------------------------------------
# Running the cases through Reflex
# --------------------------------------------------------------------------


class Reported:
    """What Reflex hands to the app's backend exception handler."""

    errors: list[BaseException] = []


def backend_exception_handler(exception: Exception) -> None:
    Reported.errors.append(exception)


class LogCapture(logging.Handler):
    """Lifespan coroutines' errors surface only through asyncio's logger."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.errors.append(record.exc_info[1])
        elif isinstance(getattr(record, "exception", None), BaseException):
            self.errors.append(record.exception)


def first_error(errors: list[BaseException]) -> BaseException | None:
    for e in errors:
        if not isinstance(e, (asyncio.CancelledError, TimeoutError)):
            return e
    return errors[0] if errors else None


async def run_event(processor, token: str, event) -> BaseException | None:
    """Enqueue one event the way Reflex's websocket does and wait for it and
    every event it chained; the error it raised, if any."""
    Reported.errors.clear()
    future = await processor.enqueue(token, event)
    # Wait for the event and every event it chained without retrieving the
    # result: re-raising the stored error here would replace its traceback
    # (the handler's frames) with this function's.
    deadline = asyncio.get_running_loop().time() + CASE_TIMEOUT
    while not future.all_done():
        if asyncio.get_running_loop().time() > deadline:
            future.cancel()
            raise TimeoutError(f"event {event.name} did not finish in {CASE_TIMEOUT} s")
        await asyncio.sleep(0.01)
    raised = None if future.cancelled() else future.exception()
    # The backend exception handler runs in a task of its own.
    await asyncio.sleep(0.05)
    return first_error([*Reported.errors, *([raised] if raised else [])])


class Wire:
    """Stands in for `reflex.app.EventNamespace` as the processor's event
    namespace: `emit_update` encodes each update as the socket does
    (`reflex.app._sio_dumps`, Reflex's `format.json_dumps`), so encoding
    errors surface, and notes which state vars carried a model instance."""

    def __init__(self) -> None:
        self.models: dict[str, list[str]] = {}

    async def emit_update(self, update, token: str) -> None:
        from reflex.app import _sio_dumps

        _sio_dumps(["event", update])
        for state_name, values in (update.delta or {}).items():
            for var, value in values.items():
                if holds_model(value):
                    name = var.removesuffix("_rx_state_")
                    self.models.setdefault(token, []).append(f"{state_name.rsplit('.', 1)[-1]}.{name}")


def holds_model(value) -> bool:
    from django.db.models import Model, QuerySet

    if isinstance(value, (Model, QuerySet)):
        return True
    if isinstance(value, dict):
        return any(holds_model(v) for v in value.values())
    if isinstance(value, (list, tuple, set)):
        return any(holds_model(v) for v in value)
    return False


def router_data(path: str, token: str) -> dict:
    return {"pathname": path, "asPath": path, "query": {}, "token": token, "sid": f"sid-{token}", "headers": {}}


async def run_state_cases(root: Path, cases: list[Case], modules: dict, app) -> None:
    from reflex_base.event import Event
    from reflex_base.event.processor import BaseStateEventProcessor
    from reflex_base.utils.format import format_event_handler

    from reflex.state import OnLoadInternalState

    processor = BaseStateEventProcessor(middleware=app, backend_exception_handler=app.backend_exception_handler)
    wire = Wire()
    async with processor.configure(state_manager=app.state_manager, event_namespace=wire):
        for n, case in enumerate(cases):
            module = modules[case.file]
            class_name, _, member = case.function.partition(".")
            state_cls = getattr(module, class_name)
            token = f"case-{n}"
            if case.context == "on-load":
                route = f"/{member.replace('_', '-')}"
                handler = OnLoadInternalState.event_handlers["on_load_internal"]
                event = Event(name=format_event_handler(handler), payload={}, router_data=router_data(route, token))
            elif member in state_cls.computed_vars:
                # Computed vars run when Reflex builds the delta after an event.
                handler = state_cls.event_handlers["touch"]
                event = Event(name=format_event_handler(handler), payload={}, router_data=router_data("/", token))
            else:
                handler = state_cls.event_handlers[member]
                payload = {"value": "bolt"} if "value" in handler.fn.__code__.co_varnames else {}
                event = Event(name=format_event_handler(handler), payload=payload, router_data=router_data("/", token))
            record(root, case, await run_event(processor, token, event))
            if case.raised is None and wire.models.get(token):
                case.raised = SENT_AS_NULL
                case.raised_file = case.file
                case.raised_line = case.expected_line if case.expected_exception == SENT_AS_NULL else None
                case.message = ", ".join(wire.models[token])


async def run_lifespan_case(root: Path, case: Case, task) -> None:
    import reflex as rx
    from reflex_base.registry import RegistrationContext
    from starlette.applications import Starlette

    capture = LogCapture()
    logging.getLogger("asyncio").addHandler(capture)
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: capture.errors.append(context.get("exception")))
    errors: list[BaseException] = []
    # One app per lifespan case, each in its own registration context (as
    # Reflex asks for a second app): a sync task that raises stops the rest.
    registration = RegistrationContext.set(RegistrationContext.get().fork())
    try:
        app = rx.App(backend_exception_handler=backend_exception_handler)
        app.register_lifespan_task(task)
        try:
            async with app._run_lifespan_tasks(Starlette()):
                await asyncio.sleep(0.2)  # the coroutine tasks run now
        except BaseException as e:
            errors.append(e)
        await asyncio.sleep(0.05)
    finally:
        RegistrationContext.reset(registration)
        loop.set_exception_handler(previous)
        logging.getLogger("asyncio").removeHandler(capture)
    errors.extend(e for e in capture.errors if e is not None)
    record(root, case, first_error(errors))


async def run_upload_cases(root: Path, cases: list[Case], modules: dict, app) -> None:
    """Posts a file to Reflex's own upload endpoint, inside the app's
    lifespan (which sets up the app's event processor, as in production)."""
    import httpx
    from reflex_base.utils.format import format_event_handler
    from reflex_components_core.core._upload import upload
    from starlette.applications import Starlette
    from starlette.routing import Route

    endpoint = Starlette(routes=[Route("/_upload", upload(app), methods=["POST"])])
    transport = httpx.ASGITransport(app=endpoint)
    async with app._run_lifespan_tasks(Starlette()):
        async with httpx.AsyncClient(transport=transport, base_url="http://oracle.invalid") as client:
            for n, case in enumerate(cases):
                class_name, _, member = case.function.partition(".")
                handler = getattr(modules[case.file], class_name).event_handlers[member]
                Reported.errors.clear()
                raised = None
                try:
                    response = await asyncio.wait_for(
                        client.post(
                            "/_upload",
                            headers={
                                "reflex-client-token": f"upload-{n}",
                                "reflex-event-handler": format_event_handler(handler),
                            },
                            files={"files": ("bolt.txt", b"bolt", "text/plain")},
                        ),
                        CASE_TIMEOUT,
                    )
                    if response.status_code != 200:
                        case.notes.append(f"HTTP {response.status_code}")
                except Exception as e:
                    raised = e
                await asyncio.sleep(0.05)
                record(root, case, first_error([*Reported.errors, *([raised] if raised else [])]))


async def run_api_case(root: Path, case: Case, transformer) -> None:
    import httpx

    path = f"/api/{case.function}"
    transport = httpx.ASGITransport(app=transformer)  # re-raises the app's errors
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://oracle.invalid") as client:
            response = await asyncio.wait_for(client.get(path), CASE_TIMEOUT)
            if response.status_code != 200:
                case.notes.append(f"HTTP {response.status_code}")
    except BaseException as e:
        record(root, case, e)


# --------------------------------------------------------------------------
# Start-up layouts (fresh interpreters)
# --------------------------------------------------------------------------

# fixture folder → how production imports it (argv of a fresh interpreter,
# run in a copy of the folder)
REFLEX_BACKEND_IMPORT = [
    "-c",
    # What the backend of `reflex run` does first: read rxconfig.py, import
    # the app module (reflex.utils.prerequisites.get_and_validate_app).
    "from reflex.utils import prerequisites; prerequisites.get_and_validate_app()",
]
STARTUP_LAYOUTS = {
    # rxconfig.py with the reflex-django plugin, states importing models
    "startup/reflex_first": REFLEX_BACKEND_IMPORT,
    # the same, but rxconfig.py itself imports a model
    "startup/rxconfig_import": REFLEX_BACKEND_IMPORT,
    # a Reflex app without the plugin, and the same bootstrapping first
    "startup/no_plugin": REFLEX_BACKEND_IMPORT,
    "startup/no_plugin_bootstrapped": REFLEX_BACKEND_IMPORT,
    # Django set up by manage.py; then the Reflex app and the URLconf that
    # mounts it are imported.
    "startup/django_first": ["manage.py", "mount_reflex"],
}


def run_startup_cases(root: Path, workdir: Path) -> list[Case]:
    cases = []
    for folder, argv in STARTUP_LAYOUTS.items():
        layout_root = root / folder
        if not layout_root.is_dir():
            continue
        layout_cases: list[Case] = []
        for path in sorted(layout_root.rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            layout_cases.extend(module_level_cases(root, rel, "start-up"))
        # Run a copy: Reflex may write its working files next to rxconfig.py.
        copy = workdir / folder
        shutil.copytree(layout_root, copy, ignore=shutil.ignore_patterns("__pycache__"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REFLEX_"))}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["REFLEX_ORACLE_DB"] = str(workdir / "oracle.sqlite3")
        env["PYTHONPATH"] = os.pathsep.join([str(copy), str(root)])
        proc = subprocess.run(
            [sys.executable, *argv],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        # Blamed on the layout's own files (not on inventory/models.py, which
        # only shows where Django noticed).
        raised = parse_startup_failure({copy: layout_root}, root, proc)
        for case in layout_cases:
            case.notes.append(f"{' '.join(argv)}: exit code {proc.returncode}")
            if raised and raised[1] == case.file and case.start_line <= raised[2] <= case.end_line:
                case.raised, case.raised_file, case.raised_line, case.message = raised
        if proc.returncode != 0 and (raised is None or not any(c.raised for c in layout_cases)):
            # A failure no case claims is a broken fixture, not a finding.
            raise SystemExit(f"{folder}: start-up failed outside the marked lines:\n{proc.stderr[-4000:]}")
        cases.extend(layout_cases)
    return cases


def module_level_cases(root: Path, rel: str, context: str) -> list[Case]:
    """Start-up cases are module-level statements: the marked line is its own case."""
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    cases = []
    for lineno, line in enumerate(lines, start=1):
        if line.startswith((" ", "\t")):
            continue  # markers inside functions belong to function cases
        m = MARKER.search(line)
        if m:
            cases.append(
                Case(
                    file=rel,
                    function=f"<module>:{lineno}",
                    context=context,
                    def_kind="module",
                    start_line=lineno,
                    end_line=lineno,
                    expected_exception=m.group("exc"),
                    expected_line=lineno if m.group("exc") else None,
                )
            )
    return cases


TRACE_LINE = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)')
EXC_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(:|$)")


def parse_startup_failure(
    copies: dict[Path, Path], root: Path, proc: subprocess.CompletedProcess
) -> tuple[str, str, int, str] | None:
    """(exception, fixture file, line, message) of the traceback a failed
    start-up printed: its innermost frame in the fixture (or in the copy run),
    its last exception line."""
    if proc.returncode == 0:
        return None
    where = None
    exc_type = message = None
    for line in proc.stderr.splitlines():
        m = TRACE_LINE.match(line)
        if m:
            path = Path(m.group("file")).resolve()
            for copy, original in copies.items():
                try:
                    rel = (original / path.relative_to(copy.resolve())).relative_to(root).as_posix()
                except ValueError:
                    continue
                where = (rel, int(m.group("line")))
                break
            continue
        e = EXC_LINE.match(line)
        if e and not line.startswith(" ") and e.group("type") != "Traceback":
            exc_type = e.group("type").rsplit(".", 1)[-1]
            message = line.partition(":")[2].strip()
    if where is None or exc_type is None:
        return None
    return exc_type, where[0], where[1], message


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def context_of(module: str) -> str:
    return {
        "handlers": "event-handler",
        "computed_vars": "computed-var",
        "serialization": "state-serialization",
        "serialization_annotation": "state-class",
        "background": "background-task",
        "on_load": "on-load",
        "lifespan": "lifespan-task",
        "api_routes": "api-route",
        "uploads": "upload-handler",
        "reflex_django_states": "reflex-django-state",
    }[module]


async def run_all(root: Path, modules: dict, cases: list[Case], app, transformer) -> None:
    # Class cases were decided when their module was imported.
    state_cases = [
        c
        for c in cases
        if c.context not in ("lifespan-task", "api-route", "upload-handler") and c.def_kind != "class"
    ]
    await run_state_cases(root, state_cases, modules, app)
    await run_upload_cases(root, [c for c in cases if c.context == "upload-handler"], modules, app)
    for case in cases:
        if case.context == "lifespan-task":
            await run_lifespan_case(root, case, getattr(modules[case.file], case.function))
        elif case.context == "api-route":
            await run_api_case(root, case, transformer)


def build_app(modules: dict, cases: list[Case]):
    """The app the cases run in: pages with the `on_load` cases, the API
    routes on a Starlette transformer, the recording exception handler."""
    import reflex as rx
    from starlette.applications import Starlette

    transformer = Starlette()
    app = rx.App(backend_exception_handler=backend_exception_handler, api_transformer=transformer)
    if any(c.context == "reflex-django-state" for c in cases):
        # What reflex-django's integration adds to the app
        # (`reflex_django.bootstrap.app_setup.apply_django_integration`).
        from reflex_django.bridge.event import DjangoEventBridge

        app.add_middleware(DjangoEventBridge())
    for case in cases:
        if case.def_kind == "class":
            continue
        module = modules[case.file]
        if case.context == "on-load":
            class_name, _, member = case.function.partition(".")
            handler = getattr(getattr(module, class_name), member)
            app.add_page(lambda: rx.text("oracle"), route=f"/{member.replace('_', '-')}", on_load=handler)
        elif case.context == "api-route":
            transformer.add_route(f"/api/{case.function}", getattr(module, case.function), methods=["GET"])
    return app, transformer


def returns_on(root: Path, case: Case) -> bool:
    line = (root / case.file).read_text(encoding="utf-8").splitlines()[case.expected_line - 1]
    return line.lstrip().startswith("return ")


def versions() -> dict:
    from importlib.metadata import version

    return {
        "python": ".".join(map(str, sys.version_info[:3])),
        "reflex": version("reflex"),
        "reflex-django": version("reflex-django"),
        "django": version("django"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="the fixture root (fixtures/reflex_oracle)")
    parser.add_argument("--out", type=Path, help="write the JSON report here instead of stdout")
    parser.add_argument("--check", type=Path, help="fail unless the report equals this committed one")
    args = parser.parse_args()
    root = args.root.resolve()
    # The run happens in a temporary directory: resolve the paths first.
    out = args.out.resolve() if args.out else None
    check = args.check.resolve() if args.check else None
    sys.dont_write_bytecode = True

    with tempfile.TemporaryDirectory(prefix="reflex-oracle-") as tmp:
        workdir = Path(tmp)
        # Reflex may create its working files (.web, .states) in the current
        # directory: keep them out of the fixture.
        os.chdir(workdir)
        setup_django(root, workdir)
        watch_raises()
        logging.getLogger("reflex").setLevel(logging.CRITICAL)

        modules: dict = {}
        cases: list[Case] = []
        for name in CONTEXT_MODULES:
            rel = f"contexts/{name}.py"
            if not (root / rel).exists():
                continue
            module_cases = collect_cases(root, rel, context_of(name))
            try:
                modules[rel] = importlib.import_module(f"contexts.{name}")
            except Exception as e:
                # A state class Reflex refuses to create: the class cases of
                # the module are about exactly that.
                if not module_cases or any(c.def_kind != "class" for c in module_cases):
                    raise
                for case in module_cases:
                    record(root, case, e)
                cases.extend(module_cases)
                continue
            cases.extend(module_cases)
        app, transformer = build_app(modules, cases)
        asyncio.run(run_all(root, modules, cases, app, transformer))
        cases.extend(run_startup_cases(root, workdir))

    report = {"versions": versions(), "cases": [c.as_json() for c in cases]}
    text = json.dumps(report, indent=2) + "\n"

    disagreements = []
    for c in cases:
        notes = f" [{'; '.join(c.notes)}]" if c.notes else ""
        if c.expected_exception is None and c.raised is not None:
            disagreements.append(
                f"{c.case_id}: marked clean, raised {c.raised} at {c.raised_file}:{c.raised_line} ({c.message}){notes}"
            )
        elif c.expected_exception is not None and not (
            c.raised == c.expected_exception
            and (
                (c.raised_file == c.file and c.raised_line == c.expected_line)
                # Raised by Reflex with the value a `return` line handed it.
                or (c.raised_file is None and c.raised_in and returns_on(root, c))
            )
        ):
            got = "nothing" if c.raised is None else f"{c.raised} at {c.raised_file}:{c.raised_line} ({c.message})"
            disagreements.append(
                f"{c.case_id}: marked {c.expected_exception} at line {c.expected_line}, raised {got}{notes}"
            )
    raising = sum(1 for c in cases if c.raised)
    sys.stderr.write(
        f"reflex oracle ({', '.join(f'{k} {v}' for k, v in report['versions'].items())}): "
        f"{len(cases)} cases, {raising} raising, {len(cases) - raising} clean, "
        f"{len(disagreements)} marker disagreements\n"
    )
    for d in disagreements:
        sys.stderr.write(f"  {d}\n")

    if out:
        out.write_text(text, encoding="utf-8")
    elif not check:
        sys.stdout.write(text)
    status = 1 if disagreements else 0
    if check:
        committed = json.loads(check.read_text(encoding="utf-8"))
        if committed.get("cases") != report["cases"]:
            import difflib

            diff = difflib.unified_diff(
                json.dumps(committed.get("cases"), indent=2).splitlines(),
                json.dumps(report["cases"], indent=2).splitlines(),
                "committed",
                "now",
                lineterm="",
            )
            sys.stdout.write("\n".join(diff) + "\n")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
