"""Settings (SPEC §3 keys in camelCase: `select`, `ignore`, `extendSelect`),
from `initializationOptions` and from `workspace/didChangeConfiguration`,
either under a `reflexDjangoLsp` section or at the top level. They act like
`check`'s `--select` / `--ignore` / `--extend-select`, so `check` with those
options is the oracle. Changing them re-publishes the open documents;
restoring them brings the findings back. A config file changed on disk
(watched) applies too.
"""

from __future__ import annotations

import pytest

from conftest import (
    MAKER,
    MODELS,
    VIEWS,
    Client,
    Project,
    change_configuration,
    codes,
    files_changed,
    open_document,
    pushed,
)


async def test_did_change_configuration(client: Client, project: Project):
    project.write(MODELS, project.read(MODELS) + MAKER)
    files_changed(client, project.uri(MODELS))
    uri = open_document(client, project, VIEWS)
    assert codes(await pushed(client, uri, project.expected(VIEWS))) == ["RDJ101", "RDJ104"]

    change_configuration(client, {"reflexDjangoLsp": {"ignore": ["RDJ101"]}})
    assert codes(await pushed(client, uri, project.expected(VIEWS, "--ignore", "RDJ101"))) == ["RDJ104"]

    change_configuration(client, {"reflexDjangoLsp": {}})  # restored
    assert codes(await pushed(client, uri, project.expected(VIEWS))) == ["RDJ101", "RDJ104"]

    # Top-level keys, prefixes.
    change_configuration(client, {"ignore": ["RDJ1"]})
    assert await pushed(client, uri, project.expected(VIEWS, "--ignore", "RDJ1")) == []

    change_configuration(client, {"reflexDjangoLsp": {"select": ["RDJ104"]}})
    assert codes(await pushed(client, uri, project.expected(VIEWS, "--select", "RDJ104"))) == ["RDJ104"]

    change_configuration(client, {"reflexDjangoLsp": {"select": ["RDJ2"], "extendSelect": ["RDJ101"]}})
    got = await pushed(client, uri, project.expected(VIEWS, "--select", "RDJ2", "--extend-select", "RDJ101"))
    assert codes(got) == ["RDJ101"]

    change_configuration(client, {"reflexDjangoLsp": {"ignore": []}})
    assert codes(await pushed(client, uri, project.expected(VIEWS))) == ["RDJ101", "RDJ104"]


@pytest.mark.lsp(init_options={"reflexDjangoLsp": {"ignore": ["RDJ101"]}})
async def test_initialization_options(client: Client, project: Project):
    uri = open_document(client, project, VIEWS)
    assert await pushed(client, uri, project.expected(VIEWS, "--ignore", "RDJ101"), version=1) == []
    change_configuration(client, {"reflexDjangoLsp": {}})
    assert codes(await pushed(client, uri, project.expected(VIEWS))) == ["RDJ101"]


@pytest.mark.lsp(init_options={"select": ["RDJ2"]})
async def test_initialization_options_at_top_level(client: Client, project: Project):
    uri = open_document(client, project, VIEWS)
    assert await pushed(client, uri, project.expected(VIEWS, "--select", "RDJ2"), version=1) == []


async def test_config_file_changed_on_disk(client: Client, project: Project):
    uri = open_document(client, project, VIEWS)
    await pushed(client, uri, project.expected(VIEWS), version=1)
    pyproject = project.read("pyproject.toml")
    project.write("pyproject.toml", pyproject + '\n[tool.reflex-django-lsp.severity]\nRDJ101 = "warning"\n')
    files_changed(client, project.uri("pyproject.toml"))
    got = await pushed(client, uri, project.expected(VIEWS))
    assert [d[3] for d in got] == [2], "RDJ101 is a warning now"
    project.write("pyproject.toml", pyproject + '\n[tool.reflex-django-lsp]\nignore = ["RDJ101"]\n')
    files_changed(client, project.uri("pyproject.toml"))
    assert await pushed(client, uri, project.expected(VIEWS)) == []
    project.write("pyproject.toml", pyproject)
    files_changed(client, project.uri("pyproject.toml"))
    assert [d[3] for d in await pushed(client, uri, project.expected(VIEWS))] == [1]
