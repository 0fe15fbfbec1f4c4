"""Code actions (`textDocument/codeAction`), each applied as a client would
apply its WorkspaceEdit, then checked with `check` on the resulting file:

- `quickfix` with the finding's fix: titled with the fix's message
  (`(unsafe)` appended when it is not safe, preferred only when safe), its
  edits are the fix's edits, and the fixed file no longer has that finding
  (nothing else changes);
- `quickfix` "Disable RDJxxx for this line": adds `# noqa: RDJxxx` (to an
  existing `# noqa:` list too), and the file no longer has that finding;
- `source.fixAll.reflex-django-lsp`: the safe fixes only, the same text as
  `check --fix` writes; no safely fixable finding remains;
- `context.only` selects the kinds, and the range selects the findings.

On the tiny project and on every finding of the example shop.
"""

from __future__ import annotations

from collections import Counter

import pytest
from lsprotocol import types

from conftest import (
    FIX_ALL,
    MAKER,
    MODELS,
    VIEWS,
    Client,
    Project,
    apply_workspace_edit,
    change_document,
    code_actions,
    codes,
    diagnostic_at,
    expected_from_check,
    files_changed,
    normalize,
    open_document,
    pushed,
)

SHOP_FILES_WITH_FINDINGS = [
    "shop/states/admin.py",
    "shop/states/cart.py",
    "shop/states/catalog.py",
    "shop/states/checkout.py",
    "shop/states/orders.py",
]


def fix_title(fix: dict) -> str:
    return fix["message"] if fix["applicability"] == "safe" else f"{fix['message']} (unsafe)"


def lsp_edits(text: str, fix: dict, encoding: str) -> list[tuple]:
    """A `check` fix's edits as LSP (start, end, text), sorted."""
    out = []
    for e in fix["edits"]:
        r = diagnostic_at(text, e, encoding)  # an edit has a location and end_location too
        out.append(((r.start.line, r.start.character), (r.end.line, r.end.character), e["content"]))
    return sorted(out)


def action_edits(action: types.CodeAction, uri: str) -> list[tuple]:
    return sorted(
        ((e.range.start.line, e.range.start.character), (e.range.end.line, e.range.end.character), e.new_text)
        for e in action.edit.changes[uri]
    )


def by_title(actions: list[types.CodeAction], title: str) -> types.CodeAction:
    found = [a for a in actions if a.title == title]
    assert len(found) == 1, f"one action {title!r} in {[a.title for a in actions]}"
    return found[0]


async def quickfixes(client: Client, uri: str, text: str, finding: dict) -> list[types.CodeAction]:
    r = diagnostic_at(text, finding, client.encoding)
    diagnostic = next(d for d in client.diagnostics[uri] if d.range == r and d.code == finding["code"])
    actions = await code_actions(client, uri, r, only=[types.CodeActionKind.QuickFix], diagnostics=[diagnostic])
    assert all(a.kind == types.CodeActionKind.QuickFix for a in actions)
    for a in actions:  # each names the diagnostic it acts on, which overlaps the range
        assert a.diagnostics and len(a.diagnostics) == 1
        d = a.diagnostics[0]
        assert not (d.range.end.line < r.start.line or r.end.line < d.range.start.line), (a.title, d.range, r)
    return actions


async def check_every_quickfix(client: Client, project: Project, rel: str) -> Counter:
    """Applies each finding's fix and noqa actions in turn to `rel`; returns
    the kinds of action applied."""
    text, enc = project.read(rel), client.encoding
    uri = open_document(client, project, rel, text)
    findings = project.check(rel)
    await pushed(client, uri, expected_from_check(findings, text, enc), version=1)
    before = Counter(f["code"] for f in findings)
    applied: Counter = Counter()
    for finding in findings:
        code, fix = finding["code"], finding["fix"]
        actions = await quickfixes(client, uri, text, finding)
        expected_rest = before - Counter([code])

        if fix is not None:
            action = by_title(actions, fix_title(fix))
            assert action.is_preferred is (fix["applicability"] == "safe")
            assert action.diagnostics[0].code == code
            assert action_edits(action, uri) == lsp_edits(text, fix, enc)
            project.write(rel, apply_workspace_edit(action.edit, uri, text, enc))
            after = Counter(f["code"] for f in project.check(rel))
            assert after == expected_rest, f"{code} fix ({fix['message']}): {dict(after)} != {dict(expected_rest)}"
            applied["fix"] += 1

        noqa = by_title(actions, f"Disable {code} for this line")
        fixed = apply_workspace_edit(noqa.edit, uri, text, enc)
        line = fixed.splitlines()[finding["noqa_row"] - 1]
        assert "# noqa:" in line and code in line.split("# noqa:")[1], line
        project.write(rel, fixed)
        after = Counter(f["code"] for f in project.check(rel))
        assert after == expected_rest, f"{code} noqa: {dict(after)} != {dict(expected_rest)}"
        applied["noqa"] += 1
        project.write(rel, text)
    return applied


async def check_fix_all(client: Client, project: Project, rel: str, uri: str) -> bool:
    """The fix-all action (if any) against `check --fix`; returns whether
    there was one."""
    text = project.read(rel)
    findings = project.check(rel)
    project.fix(rel)
    by_check = project.read(rel)
    project.write(rel, text)

    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=len(text.splitlines()), character=0))
    actions = await code_actions(client, uri, whole, only=["source.fixAll"])
    safe = [f for f in findings if f["fix"] and f["fix"]["applicability"] == "safe"]
    if not safe:
        assert actions == [] and by_check == text
        return False
    assert [a.kind for a in actions] == [FIX_ALL]
    fixed = apply_workspace_edit(actions[0].edit, uri, text, client.encoding)
    assert fixed == by_check, "fix-all writes what `check --fix` writes"
    project.write(rel, fixed)
    remaining = project.check(rel)
    assert not [f for f in remaining if f["fix"] and f["fix"]["applicability"] == "safe"], remaining
    # Only the safe ones were fixed: each unsafe or unfixable finding remains.
    assert Counter(f["code"] for f in remaining) == Counter(f["code"] for f in findings if f not in safe)
    project.write(rel, text)
    return True


@pytest.mark.parametrize(
    ("newline", "encoding"),
    [
        pytest.param("\n", "utf-16", id="utf-16"),
        pytest.param("\n", "utf-8", id="utf-8", marks=pytest.mark.lsp(encodings=["utf-8"])),
        pytest.param("\r\n", "utf-16", id="crlf"),
    ],
)
async def test_tiny_quickfix_noqa_and_fix_all(client: Client, project: Project, newline: str, encoding: str):
    assert client.encoding == encoding

    project.write(MODELS, project.read(MODELS) + MAKER)
    files_changed(client, project.uri(MODELS))
    project.write(VIEWS, project.read(VIEWS).replace("\n", newline))
    assert project.read(VIEWS).count(newline) == 10
    assert codes(project.expected(VIEWS)) == ["RDJ101", "RDJ104"]
    applied = await check_every_quickfix(client, project, VIEWS)
    assert applied == {"fix": 2, "noqa": 2}
    assert await check_fix_all(client, project, VIEWS, project.uri(VIEWS))
    # After fix-all the whole file is clean (both rules have safe fixes).
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=99, character=0))
    [fix_all] = await code_actions(client, project.uri(VIEWS), whole, only=[FIX_ALL])
    fixed = apply_workspace_edit(fix_all.edit, project.uri(VIEWS), project.read(VIEWS), client.encoding)
    if newline == "\r\n":
        assert "\n" not in fixed.replace("\r\n", ""), "line endings kept"
    project.write(VIEWS, fixed)
    assert project.check(VIEWS) == []


async def test_noqa_joins_an_existing_list(client: Client, project: Project):
    text = project.read(VIEWS).replace(".get(pk=pk).name\n", ".get(pk=pk).name  # noqa: E501\n")
    project.write(VIEWS, text)
    applied = await check_every_quickfix(client, project, VIEWS)
    assert applied == {"fix": 1, "noqa": 1}


async def test_only_and_range_select_actions(client: Client, project: Project):
    uri = open_document(client, project, VIEWS)
    [finding] = project.check(VIEWS)
    await pushed(client, uri, project.expected(VIEWS), version=1)
    on_finding = diagnostic_at(project.read(VIEWS), finding)
    everything = await code_actions(client, uri, on_finding)
    assert Counter(a.kind for a in everything) == {types.CodeActionKind.QuickFix: 2, FIX_ALL: 1}
    assert [a.kind for a in await code_actions(client, uri, on_finding, only=["source"])] == [FIX_ALL]
    assert len(await code_actions(client, uri, on_finding, only=["quickfix"])) == 2
    # Elsewhere (the import line): no quick fix, but fix-all is for the file.
    elsewhere = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=4))
    assert [a.kind for a in await code_actions(client, uri, elsewhere)] == [FIX_ALL]
    assert normalize(everything[0].diagnostics[0]) == project.expected(VIEWS)[0]


@pytest.mark.lsp(project="shop")
@pytest.mark.parametrize("rel", SHOP_FILES_WITH_FINDINGS)
async def test_shop_quickfix_noqa_and_fix_all(client: Client, project: Project, rel: str):
    applied = await check_every_quickfix(client, project, rel)
    assert applied["noqa"] == len(project.check(rel)) > 0
    await check_fix_all(client, project, rel, project.uri(rel))


@pytest.mark.lsp(project="shop")
def test_shop_covers_every_fix(project: Project):
    """The shop exercises safe and unsafe fixes of many rules (so the
    parametrized test above is not vacuous)."""
    fixes = [(f["code"], f["fix"]["applicability"]) for rel in SHOP_FILES_WITH_FINDINGS for f in project.check(rel) if f["fix"]]
    assert len(fixes) == 10
    assert {a for _, a in fixes} == {"safe", "unsafe"}
    assert {c for c, _ in fixes} >= {"RDJ101", "RDJ102", "RDJ103", "RDJ104", "RDJ105", "RDJ106", "RDJ107", "RDJ108", "RDJ201"}


@pytest.mark.lsp(project="shop")
async def test_fix_all_right_after_a_quick_fix_is_saved(client: Client, project: Project):
    """What VS Code does (tests/vscode-e2e): a quick fix applied as an edit,
    the file saved, and Fix All asked for at once, while the save's rescan
    and schema refresh run. The fix-all must be there, and be `check --fix`'s."""
    rel = "shop/states/catalog.py"
    text = project.read(rel)
    uri = open_document(client, project, rel)
    await pushed(client, uri, project.expected(rel), version=1)
    findings = project.check(rel)
    first = next(f for f in findings if f["fix"] and f["fix"]["applicability"] == "safe")
    [action] = [
        a for a in await code_actions(client, uri, diagnostic_at(text, first), only=["quickfix"]) if a.title == fix_title(first["fix"])
    ]
    quick_fixed = apply_workspace_edit(action.edit, uri, text, client.encoding)
    project.write(rel, quick_fixed)
    project.fix(rel)
    by_check = project.read(rel)
    project.write(rel, quick_fixed)
    change_document(client, uri, 2, (None, quick_fixed))
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    files_changed(client, uri)
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=len(quick_fixed.splitlines()), character=0))
    for attempt in range(20):
        actions = await code_actions(client, uri, whole, only=["source.fixAll"])
        assert [a.kind for a in actions] == [FIX_ALL], f"attempt {attempt}: {actions}"
        assert apply_workspace_edit(actions[0].edit, uri, quick_fixed, client.encoding) == by_check
