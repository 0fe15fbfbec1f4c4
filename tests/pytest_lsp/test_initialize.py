"""`initialize`: what the server announces (SPEC §5).

- positions in UTF-16 unless the client offers UTF-8;
- incremental text sync, open/close and save notifications;
- code actions of kinds `quickfix` and `source.fixAll.reflex-django-lsp`;
- hover;
- pull diagnostics offered only to a client that also accepts
  `workspace/diagnostic/refresh` (others get pushes, so nothing shows twice);
- after `initialized`, Python and config files are watched.
"""

from __future__ import annotations

import pytest
from lsprotocol import types

from conftest import FIX_ALL, Client, until


def sync_options(client: Client) -> types.TextDocumentSyncOptions:
    sync = client.init_result.capabilities.text_document_sync
    assert isinstance(sync, types.TextDocumentSyncOptions), sync
    return sync


async def test_capabilities(client: Client):
    caps = client.init_result.capabilities
    assert caps.position_encoding == types.PositionEncodingKind.Utf16
    sync = sync_options(client)
    assert sync.open_close is True
    assert sync.change == types.TextDocumentSyncKind.Incremental
    assert sync.save not in (None, False), "didSave is wanted"
    assert caps.hover_provider is True
    assert isinstance(caps.code_action_provider, types.CodeActionOptions)
    assert set(caps.code_action_provider.code_action_kinds) >= {types.CodeActionKind.QuickFix, FIX_ALL}
    # This client does not pull: no diagnosticProvider, diagnostics are pushed.
    assert caps.diagnostic_provider is None
    info = client.init_result.server_info
    assert info is not None and info.name == "reflex-django-lsp" and info.version


@pytest.mark.lsp(encodings=["utf-8", "utf-16"])
async def test_utf8_when_offered(client: Client):
    assert client.init_result.capabilities.position_encoding == types.PositionEncodingKind.Utf8


@pytest.mark.lsp(encodings=["utf-32", "utf-16"])
async def test_utf16_when_utf8_is_not_offered(client: Client):
    assert client.init_result.capabilities.position_encoding == types.PositionEncodingKind.Utf16


async def test_pull_offered_to_pulling_clients(pull_client: Client):
    provider = pull_client.init_result.capabilities.diagnostic_provider
    assert isinstance(provider, types.DiagnosticOptions), provider
    assert provider.identifier == "reflex-django-lsp"
    assert provider.inter_file_dependencies is True
    assert provider.workspace_diagnostics is False


async def test_watches_python_and_config_files(client: Client):
    registrations = await until(
        client,
        lambda: [r for r in client.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES],
        lambda: f"a didChangeWatchedFiles registration; got {client.registrations}",
    )
    globs = {w["globPattern"] for r in registrations for w in r.register_options["watchers"]}
    assert globs >= {"**/*.py", "**/pyproject.toml", "**/reflex-django-lsp.toml", "**/.reflex-django-lsp.toml"}
