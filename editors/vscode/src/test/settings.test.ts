// Unit tests without a VS Code instance: `node --test out/test`.

import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  DEFAULTS,
  DEFAULT_PATH,
  SECTION,
  describeStart,
  didChangeConfigurationSettings,
  readSettings,
  redactUrl,
  serverCommand,
  toServerSettings,
} from "../settings";

/** A `WorkspaceConfiguration` stand-in: values the user set, nothing else. */
function config(values: Record<string, unknown>) {
  return { get: (key: string) => values[key] };
}

const root = path.resolve(__dirname, "..", "..");
const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

test("defaults send only the additive lists", () => {
  const settings = readSettings(config({}));
  assert.deepEqual(settings, DEFAULTS);
  assert.deepEqual(toServerSettings(settings), { ignore: [], extendSelect: [] });
});

test("every key is camelCase and every set value is sent", () => {
  const settings = readSettings(
    config({
      path: "/opt/rdj/bin/reflex-django-lsp",
      args: ["--verbose"],
      databaseUrl: "postgres://app:s3cret@db:5432/shop",
      select: ["RDJ1", "RDJ201"],
      ignore: ["RDJ104"],
      extendSelect: ["RDJ4"],
      unsafeFixes: true,
      djangoVersion: "5.2",
    }),
  );
  const sent = toServerSettings(settings);
  assert.deepEqual(sent, {
    databaseUrl: "postgres://app:s3cret@db:5432/shop",
    select: ["RDJ1", "RDJ201"],
    ignore: ["RDJ104"],
    extendSelect: ["RDJ4"],
    unsafeFixes: true,
    djangoVersion: "5.2",
  });
  for (const key of Object.keys(sent)) {
    assert.match(key, /^[a-z][a-zA-Z]*$/, `${key} is camelCase`);
  }
  // `path` and `args` start the process; they are not server settings.
  assert.equal("path" in sent, false);
  assert.equal("args" in sent, false);
});

test("an empty databaseUrl is left out", () => {
  for (const databaseUrl of ["", "   ", undefined, null, 42]) {
    const sent = toServerSettings(readSettings(config({ databaseUrl })));
    assert.equal("databaseUrl" in sent, false, `databaseUrl ${JSON.stringify(databaseUrl)}`);
  }
});

test("unsafeFixes false is sent, unset is left out", () => {
  assert.equal(toServerSettings(readSettings(config({ unsafeFixes: false }))).unsafeFixes, false);
  assert.equal("unsafeFixes" in toServerSettings(readSettings(config({ unsafeFixes: null }))), false);
  assert.equal("unsafeFixes" in toServerSettings(readSettings(config({ unsafeFixes: "yes" }))), false);
});

test("an empty select is left out rather than selecting nothing", () => {
  assert.equal("select" in toServerSettings(readSettings(config({ select: [] }))), false);
  assert.equal("select" in toServerSettings(readSettings(config({ select: ["", " "] }))), false);
  assert.equal("select" in toServerSettings(readSettings(config({ select: null }))), false);
});

test("ill-typed values fall back to their defaults", () => {
  const settings = readSettings(
    config({
      path: 7,
      args: "--flag",
      ignore: "RDJ101",
      extendSelect: [1, "RDJ3", null, " RDJ5 "],
      djangoVersion: ["5.2"],
    }),
  );
  assert.equal(settings.path, DEFAULT_PATH);
  assert.deepEqual(settings.args, []);
  assert.deepEqual(settings.ignore, []);
  assert.deepEqual(settings.extendSelect, ["RDJ3", "RDJ5"]);
  assert.equal(settings.djangoVersion, "");
});

test("didChangeConfiguration nests the same object under the section", () => {
  const settings = readSettings(config({ ignore: ["RDJ101"], databaseUrl: "" }));
  assert.deepEqual(didChangeConfigurationSettings(settings), {
    reflexDjangoLsp: { ignore: ["RDJ101"], extendSelect: [] },
  });
  assert.equal(SECTION, "reflexDjangoLsp");
});

test("the server command is `<path> server <args...>`", () => {
  assert.deepEqual(serverCommand(readSettings(config({}))), {
    command: "reflex-django-lsp",
    args: ["server"],
  });
  assert.deepEqual(serverCommand({ path: "/usr/local/bin/rdj", args: ["--a", "b"] }), {
    command: "/usr/local/bin/rdj",
    args: ["server", "--a", "b"],
  });
  assert.deepEqual(serverCommand({ path: "  ", args: [] }).command, DEFAULT_PATH);
});

test("the path expands ~ and ${workspaceFolder}, and resolves relative paths", () => {
  const ws = path.resolve("/ws/shop");
  const home = path.resolve("/home/dev");
  const cmd = (p: string, folder?: string) => serverCommand({ path: p, args: [] }, folder, home).command;
  assert.equal(cmd("~/.cargo/bin/reflex-django-lsp"), path.join(home, ".cargo/bin/reflex-django-lsp"));
  assert.equal(cmd("${workspaceFolder}/.venv/bin/reflex-django-lsp", ws), path.join(ws, ".venv/bin/reflex-django-lsp"));
  assert.equal(cmd(".venv/bin/reflex-django-lsp", ws), path.join(ws, ".venv/bin/reflex-django-lsp"));
  // A bare name stays a PATH lookup, even with a workspace open.
  assert.equal(cmd("reflex-django-lsp", ws), "reflex-django-lsp");
  // Without a folder, `${workspaceFolder}` is left for the user to see in the error.
  assert.equal(cmd("${workspaceFolder}/x"), "${workspaceFolder}/x");
});

test("the start line never shows the database password", () => {
  const url = "postgres://app:s3cret@db:5432/shop";
  const settings = readSettings(config({ databaseUrl: url, args: ["--database-url", url] }));
  const line = describeStart(serverCommand(settings), toServerSettings(settings));
  assert.equal(line.includes("s3cret"), false, line);
  assert.match(line, /"databaseUrl":"<set>"/);
  assert.match(line, /postgres:\/\/app:\*\*\*@db:5432\/shop/);
  assert.equal(redactUrl("sqlite:///tmp/db.sqlite3"), "sqlite:///tmp/db.sqlite3");
  assert.equal(redactUrl("postgresql://u:p%40ss@h/db"), "postgresql://u:***@h/db");
  assert.equal(redactUrl("mysql://u:p@ss@h/db x://a:b@c"), "mysql://u:***@h/db x://a:***@c");
});

test("package.json contributes exactly these settings, with matching defaults", () => {
  const properties = manifest.contributes.configuration.properties as Record<string, { default: unknown }>;
  const contributed = Object.keys(properties).sort();
  const expected = Object.keys(DEFAULTS).map((k) => `${SECTION}.${k}`).sort();
  assert.deepEqual(contributed, expected);
  for (const [key, value] of Object.entries(DEFAULTS)) {
    assert.deepEqual(properties[`${SECTION}.${key}`].default, value, key);
  }
});

test("package.json starts on Python files, from the compiled entry point", () => {
  assert.ok(manifest.activationEvents.includes("onLanguage:python"));
  assert.equal(manifest.main, "./out/extension.js");
  assert.ok(fs.existsSync(path.join(root, "out", "extension.js")));
  const commands = manifest.contributes.commands.map((c: { command: string }) => c.command);
  assert.deepEqual(commands, ["reflexDjangoLsp.restart"]);
});
