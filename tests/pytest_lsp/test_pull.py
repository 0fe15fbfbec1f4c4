"""Pull diagnostics (`textDocument/diagnostic`), for a client that declares
`textDocument.diagnostic` and `workspace.diagnostics.refreshSupport`:

- a pull returns a full report with what `check` reports for the text;
- it follows incremental edits and changes of a models file;
- a change in the workspace or the settings sends
  `workspace/diagnostic/refresh`;
- nothing is pushed to such a client (it would show every finding twice);
- each report has a result id; a pull that names the id of what it would
  return gets an "unchanged" report (VS Code then leaves its markers alone).

A client that declares `textDocument.diagnostic` without refresh support is
not offered pulls and gets pushes instead.
"""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from conftest import (
    MAKER,
    MODELS,
    VIEWS,
    Client,
    Project,
    apply_edits,
    change_configuration,
    change_document,
    codes,
    files_changed,
    find_range,
    hover,
    open_document,
    pull,
    pushed,
    until,
)


async def refreshed(client: Client, before: int) -> None:
    await until(
        client,
        lambda: client.diagnostic_refresh_count > before,
        lambda: f"workspace/diagnostic/refresh (count still {client.diagnostic_refresh_count})",
    )


async def test_pull_matches_check_and_nothing_is_pushed(pull_client: Client, project: Project):
    client = pull_client
    text = project.read(VIEWS)
    uri = open_document(client, project, VIEWS, text)
    got = await pull(client, uri)
    assert got == project.expected(VIEWS) and codes(got) == ["RDJ101"]

    # An incremental edit: the next pull sees the new text.
    call, fixed = find_range(text, "Product.objects.get(pk=pk)"), "(await Product.objects.aget(pk=pk))"
    change_document(client, uri, 2, (call, fixed))
    project.write(VIEWS, apply_edits(text, [types.TextEdit(range=call, new_text=fixed)]))  # for `check`
    assert await pull(client, uri) == project.expected(VIEWS) == []

    # A models file changed on disk: refresh, and the pull sees the new model.
    before = client.diagnostic_refresh_count
    project.write(MODELS, project.read(MODELS) + MAKER)
    files_changed(client, project.uri(MODELS))
    await refreshed(client, before)
    got = await pull(client, uri)
    assert got == project.expected(VIEWS) and codes(got) == ["RDJ104"]

    # Settings: refresh, and the pull reflects them.
    before = client.diagnostic_refresh_count
    change_configuration(client, {"reflexDjangoLsp": {"ignore": ["RDJ104"]}})
    await refreshed(client, before)
    assert await pull(client, uri) == project.expected(VIEWS, "--ignore", "RDJ104") == []

    # Past the debounce, after a request round trip: nothing was pushed.
    await asyncio.sleep(0.3)
    await hover(client, uri, types.Position(line=0, character=0))
    assert client.published == []


async def test_pull_answers_unchanged_for_the_same_items(pull_client: Client, project: Project):
    client = pull_client
    text = project.read(VIEWS)
    uri = open_document(client, project, VIEWS, text)

    async def report(previous: str | None):
        return await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri), previous_result_id=previous)
        )

    first = await report(None)
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport) and first.result_id
    assert [d.code for d in first.items] == ["RDJ101"]
    same = await report(first.result_id)
    assert isinstance(same, types.RelatedUnchangedDocumentDiagnosticReport), same
    assert same.result_id == first.result_id
    # Another id (another server's, or a stale one): the full report.
    assert isinstance(await report("0" * 16), types.RelatedFullDocumentDiagnosticReport)
    # The items change: a full report with another id.
    call, fixed = find_range(text, "Product.objects.get(pk=pk)"), "(await Product.objects.aget(pk=pk))"
    change_document(client, uri, 2, (call, fixed))
    changed = await report(first.result_id)
    assert isinstance(changed, types.RelatedFullDocumentDiagnosticReport), changed
    assert list(changed.items) == [] and changed.result_id != first.result_id


async def test_pull_for_a_file_that_is_not_open(pull_client: Client, project: Project):
    got = await pull(pull_client, project.uri(VIEWS))
    assert got == project.expected(VIEWS) and codes(got) == ["RDJ101"]


@pytest.mark.lsp(project="shop")
async def test_pull_every_shop_file(pull_client: Client, project: Project):
    files = ["shop/states/admin.py", "shop/states/cart.py", "shop/states/catalog.py", "shop/states/checkout.py", "shop/states/orders.py"]
    total = 0
    for rel in files:
        uri = open_document(pull_client, project, rel)
        got = await pull(pull_client, uri)
        assert got == project.expected(rel)
        total += len(got)
    assert total == 17
    assert pull_client.published == []


def document_pull_only(caps: types.ClientCapabilities) -> None:
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities()


@pytest.mark.lsp(capabilities=document_pull_only)
async def test_diagnostic_capability_without_refresh_gets_pushes(client: Client, project: Project):
    """Like Neovim 0.10/0.11, which pulls only on its own edits."""
    assert client.capabilities.text_document.diagnostic is not None
    assert client.init_result.capabilities.diagnostic_provider is None
    uri = open_document(client, project, VIEWS)
    await pushed(client, uri, project.expected(VIEWS), version=1)
