"""Fixtures and helpers of the end-to-end LSP suite.

A real LSP client (pytest-lsp, on pygls/lsprotocol) drives the real binary
(`reflex-django-lsp server`, taken from `RDJ_SERVER_BIN`, default
`target/debug/reflex-django-lsp`) over stdio, on a throwaway copy of a project:

- `tiny`: `app/models.py` with one model and `app/views.py` whose
  `Product.objects.get()` in an `async def` is RDJ101 (with `é😀` before it
  on its line, so UTF-16 columns differ from characters and bytes);
- `shop`: a copy of `fixtures/shop` (never modified in place).

The fixtures `client` (diagnostics pushed) and `pull_client` (a client that
declares pull diagnostics and refresh support) start one server per test and
initialize it on the project; `@pytest.mark.lsp(project=..., encodings=...,
init_options=..., capabilities=fn)` changes that set-up (`fn` edits the
client's capabilities). The oracle for every expected result
is the `check` command on the same files (`check --output-format json`).

Every wait is bounded (`TIMEOUT` seconds), and each server is made to exit.

Run: `bash .ci/pytest_lsp.sh` (installs requirements.txt into .cache/venv and
builds the binary), or after `cargo build --bin reflex-django-lsp`:
`.cache/venv/bin/python -m pytest tests/pytest_lsp -q`.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

REPO = Path(__file__).resolve().parents[2]
SERVER_BIN = Path(os.environ.get("RDJ_SERVER_BIN", REPO / "target/debug/reflex-django-lsp"))
TIMEOUT = 20.0  # seconds, for any one wait
FIX_ALL = "source.fixAll.reflex-django-lsp"
SOURCE = "reflex-django-lsp"

TINY_MODELS = 'from django.db import models\n\nclass Product(models.Model):\n    name = models.CharField(max_length=10)\n'
TINY_VIEWS = '''from app.models import Product


async def show(pk):
    label = "é😀"; return Product.objects.get(pk=pk).name


async def maker_name(pk):
    product = await Product.objects.aget(pk=pk)
    return product.maker.name
'''
VIEWS, MODELS = "app/views.py", "app/models.py"
# Appended to the tiny models: `Product.maker` becomes a ForeignKey, so the
# views' `product.maker.name` (an unknown attribute before) is RDJ104.
MAKER = (
    '    maker = models.ForeignKey("Maker", on_delete=models.CASCADE)\n\n\n'
    "class Maker(models.Model):\n    name = models.CharField(max_length=10)\n"
)


# --- the project on disk, and `check` as the oracle ------------------------


class Project:
    """A throwaway project directory, with `check` run on its files."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, rel: str) -> Path:
        return self.root / rel

    def uri(self, rel: str) -> str:
        return self.path(rel).as_uri()

    def read(self, rel: str) -> str:
        # newline="" keeps the text's own line endings.
        with open(self.path(rel), encoding="utf-8", newline="") as f:
            return f.read()

    def write(self, rel: str, text: str) -> None:
        # newline="" keeps the text's own line endings.
        self.path(rel).write_text(text, encoding="utf-8", newline="")

    def check(self, rel: str, *args: str) -> list[dict[str, Any]]:
        """`check FILE --output-format json` on the file as it is on disk."""
        return run_check(self.root, [str(self.path(rel)), "--output-format", "json", *args])

    def fix(self, rel: str, *args: str) -> None:
        """`check FILE --fix` (rewrites the file on disk)."""
        done = subprocess.run(
            [str(SERVER_BIN), "check", "--no-cache", "--fix", *args, str(self.path(rel))],
            cwd=self.root, capture_output=True, text=True, timeout=TIMEOUT,
        )
        assert done.returncode in (0, 1), f"check --fix failed ({done.returncode}): {done.stderr}"

    def expected(self, rel: str, *args: str) -> list[tuple]:
        """What the server should report for `rel`: `check`'s findings as
        normalized LSP diagnostics (see `normalize`)."""
        return expected_from_check(self.check(rel, *args), self.read(rel))


def run_check(cwd: Path, args: list[str]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(SERVER_BIN), "check", "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode in (0, 1), f"check failed ({done.returncode}): {done.stderr}"
    findings = json.loads(done.stdout)
    assert done.returncode == (1 if findings else 0), "exit code 1 exactly when there are findings"
    return findings


def make_tiny(root: Path) -> None:
    (root / "app").mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'tiny'\n")
    (root / "app/__init__.py").write_text("")
    (root / MODELS).write_text(TINY_MODELS, encoding="utf-8")
    (root / VIEWS).write_text(TINY_VIEWS, encoding="utf-8")


def make_shop(root: Path) -> None:
    shutil.copytree(
        REPO / "fixtures/shop",
        root,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(".reflex-django-lsp-cache", "__pycache__", "*.pyc"),
    )


@pytest.fixture
def project(request: pytest.FixtureRequest, tmp_path: Path) -> Project:
    """A fresh copy of the project named by `@pytest.mark.lsp(project=...)`
    (default `tiny`)."""
    name = lsp_options(request).get("project", "tiny")
    root = (tmp_path / name).resolve()
    root.mkdir()
    {"tiny": make_tiny, "shop": make_shop}[name](root)
    return Project(root)


# --- positions and edits ---------------------------------------------------

_LINE_END = re.compile(r"\r\n|\r|\n")  # LSP's line endings (not str.splitlines')


def line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _LINE_END.finditer(text)]


def units(s: str, encoding: str = "utf-16") -> int:
    """The length of `s` in the position encoding's code units."""
    if encoding == "utf-8":
        return len(s.encode("utf-8"))
    return len(s.encode("utf-16-le")) // 2


def to_offset(text: str, pos: types.Position, encoding: str = "utf-16") -> int:
    """The index in `text` of an LSP position (clamped to the line's end)."""
    starts = line_starts(text)
    if pos.line >= len(starts):
        return len(text)
    start = starts[pos.line]
    m = _LINE_END.search(text, start)
    end = m.start() if m else len(text)
    count = 0
    for i in range(start, end):
        if count >= pos.character:
            return i
        count += units(text[i], encoding)
    return end


def to_position(text: str, offset: int, encoding: str = "utf-16") -> types.Position:
    starts = line_starts(text)
    line = max(i for i, s in enumerate(starts) if s <= offset)
    return types.Position(line=line, character=units(text[starts[line] : offset], encoding))


def position_of(text: str, row: int, column: int, encoding: str = "utf-16") -> types.Position:
    """`check`'s 1-based row and column (in characters) as an LSP position."""
    line = _LINE_END.split(text)[row - 1]
    return types.Position(line=row - 1, character=units(line[: column - 1], encoding))


def find_range(text: str, needle: str, encoding: str = "utf-16") -> types.Range:
    """The range of the only occurrence of `needle` in `text`."""
    assert text.count(needle) == 1, f"{needle!r} occurs {text.count(needle)} times"
    start = text.index(needle)
    return types.Range(
        start=to_position(text, start, encoding), end=to_position(text, start + len(needle), encoding)
    )


def apply_edits(text: str, edits: list[types.TextEdit], encoding: str = "utf-16") -> str:
    """Applies LSP text edits (all relative to `text`, in any order; edits at
    the same position apply in their array order), as a client must."""
    spans = sorted(
        (to_offset(text, e.range.start, encoding), to_offset(text, e.range.end, encoding), i, e.new_text)
        for i, e in enumerate(edits)
    )
    out, at = [], 0
    for start, end, _, new_text in spans:
        assert start >= at, f"overlapping edits: {edits}"
        out.append(text[at:start])
        out.append(new_text)
        at = end
    out.append(text[at:])
    return "".join(out)


def apply_workspace_edit(edit: types.WorkspaceEdit, uri: str, text: str, encoding: str = "utf-16") -> str:
    """The text of `uri` after `edit`, which must change only that document."""
    assert edit.document_changes is None, "the server sends `changes`"
    assert edit.changes is not None and set(edit.changes) == {uri}, edit
    return apply_edits(text, list(edit.changes[uri]), encoding)


# --- diagnostics, normalized so that `check` and the server compare --------

SEVERITY = {"error": 1, "warning": 2, "info": 3}


def normalize(d: types.Diagnostic) -> tuple:
    r = d.range
    return (
        (r.start.line, r.start.character),
        (r.end.line, r.end.character),
        d.code,
        int(d.severity) if d.severity is not None else None,
        d.source,
        d.message,
        d.code_description.href if d.code_description else None,
    )


def normalize_all(diagnostics) -> list[tuple]:
    return sorted(normalize(d) for d in diagnostics)


def expected_from_check(findings: list[dict[str, Any]], text: str, encoding: str = "utf-16") -> list[tuple]:
    out = []
    for f in findings:
        start = position_of(text, f["location"]["row"], f["location"]["column"], encoding)
        end = position_of(text, f["end_location"]["row"], f["end_location"]["column"], encoding)
        out.append(
            (
                (start.line, start.character),
                (end.line, end.character),
                f["code"],
                SEVERITY[f["severity"]],
                SOURCE,
                f["message"],
                f["url"],
            )
        )
    return sorted(out)


def codes(normalized: list[tuple]) -> list[str]:
    return sorted(d[2] for d in normalized)


# --- the client ------------------------------------------------------------


class Client(LanguageClient):
    """pytest-lsp's client, also keeping every push in order (with its
    document version) and the server's capability registrations."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.published: list[types.PublishDiagnosticsParams] = []
        self.registrations: list[types.Registration] = []
        self.init_result: types.InitializeResult | None = None

    @property
    def encoding(self) -> str:
        assert self.init_result is not None
        encoding = self.init_result.capabilities.position_encoding
        return getattr(encoding, "value", encoding)


def _publish_diagnostics(client: Client, params: types.PublishDiagnosticsParams):
    client.diagnostics[params.uri] = params.diagnostics
    client.published.append(params)


def _register_capability(client: Client, params: types.RegistrationParams):
    client.registrations.extend(params.registrations)


def make_client() -> Client:
    client = Client(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _publish_diagnostics
    features[types.CLIENT_REGISTER_CAPABILITY] = _register_capability
    register_lsp_features(client, features)
    return client


def client_capabilities(pull: bool, encodings: list[str]) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(
            position_encodings=[types.PositionEncodingKind(e) for e in encodings]
        ),
        text_document=types.TextDocumentClientCapabilities(
            synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
            hover=types.HoverClientCapabilities(
                content_format=[types.MarkupKind.Markdown, types.MarkupKind.PlainText]
            ),
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(
                        value_set=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll]
                    )
                ),
                is_preferred_support=True,
            ),
            diagnostic=types.DiagnosticClientCapabilities(related_document_support=False) if pull else None,
        ),
        workspace=types.WorkspaceClientCapabilities(
            workspace_folders=True,
            did_change_configuration=types.DidChangeConfigurationClientCapabilities(),
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
            diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True) if pull else None,
        ),
    )


def lsp_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("lsp")
    return dict(marker.kwargs) if marker else {}


async def bounded(awaitable, what: str, timeout: float = TIMEOUT):
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except asyncio.TimeoutError:
        raise AssertionError(f"timed out after {timeout} s: {what}") from None


async def start_session(client: Client, request: pytest.FixtureRequest, project: Project, pull: bool) -> None:
    options = lsp_options(request)
    capabilities = client_capabilities(pull, options.get("encodings", ["utf-16"]))
    if "capabilities" in options:
        options["capabilities"](capabilities)  # a test's own changes
    params = types.InitializeParams(
        capabilities=capabilities,
        root_uri=project.root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=project.root.as_uri(), name=project.root.name)],
        initialization_options=options.get("init_options"),
    )
    client.init_result = await bounded(client.initialize_session(params), "initialize")
    # The server registers its file watchers at the end of `initialized`,
    # after loading the workspace. Waiting for it makes every test start from
    # a loaded workspace, and keeps `exit` from arriving while that request
    # is unanswered (the server, as of this writing, then never exits).
    await until(
        client,
        lambda: client.registrations,
        lambda: "client/registerCapability from the server after `initialized`",
    )


async def end_session(client: Client) -> None:
    """`shutdown` + `exit` unless the test did it; the server must go."""
    server = client._server
    if server is None:
        return
    if server.returncode is None and client.error is None:
        try:
            await bounded(client.shutdown_session(), "shutdown at teardown")
        finally:
            if server.returncode is None:
                server.kill()
    elif server.returncode is None:
        server.kill()
    await bounded(server.wait(), "the server process to end")


CONFIG = ClientServerConfig(server_command=[str(SERVER_BIN), "server"], client_factory=make_client)


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: Client, request: pytest.FixtureRequest, project: Project):
    """A session with a client that does not pull: diagnostics are pushed."""
    await start_session(lsp_client, request, project, pull=False)
    yield
    await end_session(lsp_client)


@pytest_lsp.fixture(config=CONFIG)
async def pull_client(lsp_client: Client, request: pytest.FixtureRequest, project: Project):
    """A session with a client that pulls (`textDocument.diagnostic`) and
    accepts `workspace/diagnostic/refresh`."""
    await start_session(lsp_client, request, project, pull=True)
    yield
    await end_session(lsp_client)


@pytest.fixture(autouse=True)
def _binary_exists():
    assert SERVER_BIN.is_file(), f"no server binary at {SERVER_BIN}: cargo build --bin reflex-django-lsp"


# --- session helpers -------------------------------------------------------


def open_document(client: Client, project: Project, rel: str, text: str | None = None, version: int = 1) -> str:
    uri = project.uri(rel)
    text = project.read(rel) if text is None else text
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
    )
    return uri


def change_document(client: Client, uri: str, version: int, *changes: tuple[types.Range | None, str]) -> None:
    """didChange with range edits (`(range, text)`), or whole texts (`(None, text)`)."""
    content = [
        types.TextDocumentContentChangePartial(range=r, text=t)
        if r is not None
        else types.TextDocumentContentChangeWholeDocument(text=t)
        for r, t in changes
    ]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=content,
        )
    )


async def until(client: Client, predicate: Callable[[], Any], what: Callable[[], str], timeout: float = TIMEOUT):
    """Polls `predicate` (letting the client read messages) until it is
    truthy; fails after `timeout` seconds or if the server exits."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := predicate()):
        server = client._server
        assert server is None or server.returncode is None, f"server exited ({server.returncode}): {what()}"
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s: {what()}")
        await asyncio.sleep(0.02)
    return value


def last_push(client: Client, uri: str) -> types.PublishDiagnosticsParams | None:
    return next((p for p in reversed(client.published) if p.uri == uri), None)


async def pushed(client: Client, uri: str, expected: list[tuple], version: int | None = None) -> list[tuple]:
    """Waits until the newest diagnostics pushed for `uri` (for `version`, if
    given) are `expected` (normalized); returns them."""

    def current():
        p = last_push(client, uri)
        if p is None or (version is not None and p.version != version):
            return None
        return normalize_all(p.diagnostics)

    def why():
        p = last_push(client, uri)
        got = None if p is None else (p.version, normalize_all(p.diagnostics))
        return f"diagnostics of {uri} (version {version}):\n expected {expected}\n last push (version, items) {got}"

    await until(client, lambda: current() == expected, why)
    return expected


async def pull(client: Client, uri: str) -> list[tuple]:
    report = await bounded(
        client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        ),
        f"textDocument/diagnostic {uri}",
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport), report
    return normalize_all(report.items)


async def code_actions(
    client: Client, uri: str, range_: types.Range, only: list[str] | None = None, diagnostics=()
) -> list[types.CodeAction]:
    result = await bounded(
        client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=range_,
                context=types.CodeActionContext(diagnostics=list(diagnostics), only=only),
            )
        ),
        f"textDocument/codeAction {uri}",
    )
    assert result is not None
    assert all(isinstance(a, types.CodeAction) for a in result), "code actions, not commands"
    return list(result)


async def hover(client: Client, uri: str, position: types.Position) -> types.Hover | None:
    return await bounded(
        client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
        ),
        f"textDocument/hover {uri}",
    )


def change_configuration(client: Client, settings: Any) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=settings))


def files_changed(client: Client, *uris: str, kind=types.FileChangeType.Changed) -> None:
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=u, type=kind) for u in uris])
    )


def diagnostic_at(text: str, finding: dict[str, Any], encoding: str = "utf-16") -> types.Range:
    """The LSP range of one `check` finding."""
    loc, end = finding["location"], finding["end_location"]
    return types.Range(
        start=position_of(text, loc["row"], loc["column"], encoding),
        end=position_of(text, end["row"], end["column"], encoding),
    )
