"""Hover (`textDocument/hover`): on a finding's range, or on a rule code in a
`# noqa:` comment, the rule's documentation as markdown (the code in bold
and the rule's name, then the text that `reflex-django-lsp rule` shows);
nothing elsewhere.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from lsprotocol import types

from conftest import (
    SERVER_BIN,
    TIMEOUT,
    VIEWS,
    Client,
    Project,
    diagnostic_at,
    find_range,
    hover,
    open_document,
    pushed,
)


@pytest.fixture(scope="module")
def rules() -> dict[str, dict]:
    out = subprocess.run(
        [str(SERVER_BIN), "rule", "--all", "--output-format", "json"],
        capture_output=True, text=True, timeout=TIMEOUT, check=True,
    ).stdout
    return {r["code"]: r for r in json.loads(out)}


def assert_rule_doc(h: types.Hover | None, rule: dict) -> None:
    assert h is not None, f"a hover for {rule['code']}"
    assert isinstance(h.contents, types.MarkupContent), h.contents
    assert h.contents.kind == types.MarkupKind.Markdown
    assert h.contents.value.startswith(f"**{rule['code']}** `{rule['name']}`\n\n"), h.contents.value[:80]
    assert rule["doc"].strip() in h.contents.value
    assert "## What it does" in h.contents.value


async def test_on_a_finding(client: Client, project: Project, rules):
    text = project.read(VIEWS)
    uri = open_document(client, project, VIEWS, text)
    await pushed(client, uri, project.expected(VIEWS), version=1)
    [finding] = project.check(VIEWS)
    r = diagnostic_at(text, finding)
    inside = types.Position(line=r.start.line, character=r.start.character + 4)
    for position in (r.start, inside, r.end):
        assert_rule_doc(await hover(client, uri, position), rules["RDJ101"])
    # Before the finding on its line (inside `"é😀"`), and on other lines: nothing.
    assert await hover(client, uri, types.Position(line=r.start.line, character=13)) is None
    assert await hover(client, uri, types.Position(line=0, character=5)) is None
    # A position past the end is clamped, not an error.
    assert await hover(client, uri, types.Position(line=999, character=999)) is None


async def test_on_a_noqa_code(client: Client, project: Project, rules):
    text = project.read(VIEWS) + "\nLIMIT = 10  # noqa: E501, RDJ104\n"
    project.write(VIEWS, text)
    uri = open_document(client, project, VIEWS, text)
    await pushed(client, uri, project.expected(VIEWS), version=1)
    code = find_range(text, "RDJ104")
    for character in range(code.start.character, code.end.character + 1):
        h = await hover(client, uri, types.Position(line=code.start.line, character=character))
        assert_rule_doc(h, rules["RDJ104"])
    # Not one of ours, and not on a code.
    assert await hover(client, uri, find_range(text, "E501").start) is None
    assert await hover(client, uri, find_range(text, "LIMIT").start) is None


@pytest.mark.lsp(project="shop")
async def test_on_every_shop_finding(client: Client, project: Project, rules):
    files = ["shop/states/admin.py", "shop/states/cart.py", "shop/states/catalog.py", "shop/states/checkout.py", "shop/states/orders.py"]
    seen = set()
    for rel in files:
        text = project.read(rel)
        uri = open_document(client, project, rel, text)
        for finding in project.check(rel):
            h = await hover(client, uri, diagnostic_at(text, finding).start)
            assert_rule_doc(h, rules[finding["code"]])
            seen.add(finding["code"])
    # Every rule planted in these files (their `# expect:` markers) was hovered.
    planted = {m for rel in files for m in re.findall(r"# expect: (RDJ\d{3})", project.read(rel))}
    assert seen == planted and len(seen) >= 16
