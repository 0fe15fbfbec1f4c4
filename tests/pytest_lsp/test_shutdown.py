"""`shutdown` answers null, later requests are refused, and `exit` ends the
process with exit code 0 — with the client's end of stdin still open, and
while documents are open and recently changed.
"""

from __future__ import annotations

import pygls.exceptions
import pytest
from lsprotocol import types

from conftest import (
    VIEWS,
    Client,
    Project,
    bounded,
    change_document,
    find_range,
    hover,
    open_document,
    pushed,
)


async def test_shutdown_then_exit(client: Client, project: Project):
    text = project.read(VIEWS)
    uri = open_document(client, project, VIEWS, text)
    await pushed(client, uri, project.expected(VIEWS), version=1)
    # A change whose debounced re-check may still be pending.
    change_document(client, uri, 2, (find_range(text, ".get(pk=pk)"), ".get(pk=pk + 1)"))

    assert await bounded(client.shutdown_async(None), "shutdown") is None
    with pytest.raises(pygls.exceptions.JsonRpcException):
        await hover(client, uri, types.Position(line=4, character=30))

    server = client._server
    assert server.returncode is None, "still running until `exit`"
    assert not server.stdin.is_closing()
    client.exit(None)
    assert await bounded(server.wait(), "the process to exit after `exit`", timeout=5) == 0
