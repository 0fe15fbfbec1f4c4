"""Pushed diagnostics (`textDocument/publishDiagnostics`) are what `check`
reports for the same text: same codes, ranges (in the negotiated position
encoding), severities, messages and rule URLs, with source
`reflex-django-lsp` and the document's version.

- on open, for the tiny project and for every file of the example shop;
- after incremental edits (range changes, several in one notification)
  that introduce and then remove pitfalls;
- after a models file changes, in the editor (`didChange`) or on disk
  (`workspace/didChangeWatchedFiles`): a new relation field makes an
  unknown attribute a lazily loaded relation (RDJ104), a class that stops
  being a model takes its findings away, a ForeignKey that becomes a plain
  field does too.
"""

from __future__ import annotations

import pytest
from lsprotocol import types

from conftest import (
    MAKER,
    MODELS,
    VIEWS,
    Client,
    Project,
    apply_edits,
    change_document,
    codes,
    expected_from_check,
    files_changed,
    find_range,
    open_document,
    pushed,
)

SHOP_FILES = [
    "shop/states/admin.py",
    "shop/states/cart.py",
    "shop/states/catalog.py",
    "shop/states/checkout.py",
    "shop/states/orders.py",
    "shop/states/product_reviews.py",  # clean
    "catalog/services.py",
    "catalog/models.py",
]


async def test_on_open(client: Client, project: Project):
    uri = open_document(client, project, VIEWS)
    got = await pushed(client, uri, project.expected(VIEWS), version=1)
    assert codes(got) == ["RDJ101"]
    # `    label = "é😀"; return ` is 26 UTF-16 code units (😀 counts 2).
    assert got[0][0] == (4, 26)


@pytest.mark.lsp(encodings=["utf-8", "utf-16"])
async def test_on_open_utf8_positions(client: Client, project: Project):
    assert client.encoding == "utf-8"
    uri = open_document(client, project, VIEWS)
    expected = expected_from_check(project.check(VIEWS), project.read(VIEWS), "utf-8")
    got = await pushed(client, uri, expected, version=1)
    assert got[0][0] == (4, 29), "é is 2 bytes, 😀 is 4"


@pytest.mark.lsp(project="shop")
async def test_on_open_every_shop_file(client: Client, project: Project):
    uris = {rel: open_document(client, project, rel) for rel in SHOP_FILES}
    total = 0
    for rel, uri in uris.items():
        expected = project.expected(rel)
        await pushed(client, uri, expected, version=1)
        total += len(expected)
    assert total == 17, "every `# expect:` marker of the shop is one diagnostic"


async def test_incremental_edits(client: Client, project: Project):
    text = project.read(VIEWS)
    uri = open_document(client, project, VIEWS, text)
    await pushed(client, uri, project.expected(VIEWS), version=1)
    version = 1

    async def edit(*changes: tuple[types.Range, str]) -> list[str]:
        """Sends the range changes as one didChange; the push for the new
        version must be `check` on the same text."""
        nonlocal text, version
        version += 1
        for r, new_text in changes:  # each change applies to the result of the previous one
            text = apply_edits(text, [types.TextEdit(range=r, new_text=new_text)])
        change_document(client, uri, version, *changes)
        project.write(VIEWS, text)  # only for `check`: the server reads the open document
        return codes(await pushed(client, uri, project.expected(VIEWS), version=version))

    def on_line(line: int, start: int, end: int | None = None) -> types.Range:
        return types.Range(
            start=types.Position(line=line, character=start),
            end=types.Position(line=line, character=start if end is None else end),
        )

    # A second blocking call in `show`, above the emoji line.
    assert await edit((on_line(4, 0), "    n = Product.objects.count()\n")) == ["RDJ101", "RDJ101"]
    # The original call made async: a range after `é😀` on the same line.
    assert await edit((find_range(text, "Product.objects.get(pk=pk)"), "(await Product.objects.aget(pk=pk))")) == ["RDJ101"]
    # The inserted line removed: clean.
    assert await edit((find_range(text, "    n = Product.objects.count()\n"), "")) == []
    # Two changes in one notification, the second relative to the first:
    # a line inserted into `maker_name`, then its `await ….acount` (clean)
    # turned into `….count` (RDJ101).
    inserted = "    m = await Product.objects.acount()\n"
    col = inserted.index("await")
    assert await edit(
        (on_line(8, 0), inserted),
        (on_line(8, col, col + len("await Product.objects.acount")), "Product.objects.count"),
    ) == ["RDJ101"]
    assert text.splitlines()[8] == "    m = Product.objects.count()"
    # The call's `()` deleted: `Product.objects.count` is not a query (clean).
    end = len("    m = Product.objects.count()")
    assert await edit((on_line(8, end - 2, end), "")) == []


async def test_models_file_changes_in_editor(client: Client, project: Project):
    views = open_document(client, project, VIEWS)
    await pushed(client, views, project.expected(VIEWS))
    models_text = project.read(MODELS)
    models = open_document(client, project, MODELS, models_text)

    # `product.maker` was an unknown attribute; a ForeignKey makes it a lazily
    # loaded relation (RDJ104), and the open views file is re-checked.
    end = types.Position(line=len(models_text.splitlines()), character=0)
    addition = MAKER
    change_document(client, models, 2, (types.Range(start=end, end=end), addition))
    project.write(MODELS, models_text + addition)  # for `check`
    got = await pushed(client, views, project.expected(VIEWS))
    assert codes(got) == ["RDJ101", "RDJ104"]

    # `Product` no longer a model: nothing to report in the views.
    class_line = find_range(models_text + addition, "class Product(models.Model):")
    change_document(client, models, 3, (class_line, "class Product:"))
    project.write(MODELS, (models_text + addition).replace("class Product(models.Model):", "class Product:"))
    assert await pushed(client, views, project.expected(VIEWS)) == []


async def test_models_file_changes_on_disk(client: Client, project: Project):
    views = open_document(client, project, VIEWS)
    await pushed(client, views, project.expected(VIEWS))
    project.write(
        MODELS,
        project.read(MODELS)
        + MAKER,
    )
    files_changed(client, project.uri(MODELS))
    assert codes(await pushed(client, views, project.expected(VIEWS))) == ["RDJ101", "RDJ104"]
    # Deleted: `Product` resolves to nothing, so nothing is reported.
    project.path(MODELS).unlink()
    files_changed(client, project.uri(MODELS), kind=types.FileChangeType.Deleted)
    assert await pushed(client, views, project.expected(VIEWS)) == []


@pytest.mark.lsp(project="shop")
async def test_shop_relation_becomes_a_plain_field(client: Client, project: Project):
    rel = "shop/states/admin.py"
    admin = open_document(client, project, rel)
    before = await pushed(client, admin, project.expected(rel))
    assert "RDJ104" in codes(before)  # `order.customer.name`

    models = "catalog/models.py"
    text = project.read(models)
    fk = "    customer = models.ForeignKey(\n        Customer,\n        on_delete=models.PROTECT,\n        related_name=\"orders\","
    assert text.count(fk) == 1
    project.write(models, text.replace(fk, fk.replace("models.ForeignKey(", "models.CharField(")))
    files_changed(client, project.uri(models))
    after = await pushed(client, admin, project.expected(rel))
    assert "RDJ104" not in codes(after) and after != before


async def test_models_file_closed_unsaved_or_saved(client: Client, project: Project):
    """An unsaved edit of a models file counts while it is open; closing it
    unsaved brings the disk version back; a saved edit stays after closing.
    Closing a document clears its own diagnostics."""
    views = open_document(client, project, VIEWS)
    with_model = await pushed(client, views, project.expected(VIEWS))
    assert codes(with_model) == ["RDJ101"]
    models_text = project.read(MODELS)
    models = open_document(client, project, MODELS, models_text)
    not_a_model = models_text.replace("class Product(models.Model):", "class Product:")

    change_document(client, models, 2, (None, not_a_model))  # a whole-document change
    assert await pushed(client, views, []) == []
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=models)))
    assert await pushed(client, views, with_model) == with_model
    assert list(client.diagnostics[models]) == []

    models = open_document(client, project, MODELS, models_text)
    change_document(client, models, 2, (None, not_a_model))
    assert await pushed(client, views, []) == []
    project.write(MODELS, not_a_model)  # the editor writes the file, then says so
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=models)))
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=models)))
    # An edit of the views after that: checked against the saved models.
    change_document(client, views, 2, (types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)), "# edited\n"))
    project.write(VIEWS, "# edited\n" + project.read(VIEWS))
    assert await pushed(client, views, project.expected(VIEWS), version=2) == []
