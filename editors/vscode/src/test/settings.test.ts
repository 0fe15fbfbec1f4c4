// Unit tests without a VS Code instance: `node --test out/test`.

import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  DEFAULTS,
  DEFAULT_PATH,
  MAX_FOLLOW_CALLS_DEPTH,
  SECTION,
  SEVERITY_LEVELS,
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
  assert.deepEqual(settings.perFileIgnores, {});
  assert.equal(settings.exclude, null);
  assert.deepEqual(settings.extendExclude, []);
  assert.equal(settings.followCallsDepth, null);
  assert.deepEqual(settings.severity, {});
  assert.deepEqual(toServerSettings(settings), { ignore: [], extendSelect: [] });
  // VS Code returns the contributed defaults for unset keys: same result.
  assert.deepEqual(toServerSettings(readSettings(config({ ...DEFAULTS }))), { ignore: [], extendSelect: [] });
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
      perFileIgnores: { "tests/**/*.py": ["RDJ1"], "conftest.py": ["RDJ101", "RDJ104"] },
      exclude: ["migrations", "legacy/**"],
      extendExclude: ["gen/*.py"],
      unsafeFixes: true,
      djangoVersion: "5.2",
      followCallsDepth: 5,
      severity: { RDJ1: "warning", RDJ604: "off" },
    }),
  );
  const sent = toServerSettings(settings);
  assert.deepEqual(sent, {
    databaseUrl: "postgres://app:s3cret@db:5432/shop",
    select: ["RDJ1", "RDJ201"],
    ignore: ["RDJ104"],
    extendSelect: ["RDJ4"],
    perFileIgnores: { "tests/**/*.py": ["RDJ1"], "conftest.py": ["RDJ101", "RDJ104"] },
    exclude: ["migrations", "legacy/**"],
    extendExclude: ["gen/*.py"],
    unsafeFixes: true,
    djangoVersion: "5.2",
    followCallsDepth: 5,
    severity: { RDJ1: "warning", RDJ604: "off" },
  });
  // Every server setting of the extension is set here, so every one is sent.
  const serverKeys = Object.keys(DEFAULTS).filter((k) => k !== "path" && k !== "args");
  assert.deepEqual(Object.keys(sent).sort(), serverKeys.sort());
  for (const key of Object.keys(sent)) {
    assert.match(key, /^[a-z][a-zA-Z]*$/, `${key} is camelCase`);
  }
  // The severity table keeps its order (equal specificity: the later wins).
  assert.deepEqual(Object.keys(sent.severity!), ["RDJ1", "RDJ604"]);
  // What is sent is a copy: changing it does not change the settings.
  sent.perFileIgnores!["conftest.py"].push("RDJ2");
  sent.exclude!.push("x");
  assert.deepEqual(settings.perFileIgnores["conftest.py"], ["RDJ101", "RDJ104"]);
  assert.deepEqual(settings.exclude, ["migrations", "legacy/**"]);
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

test("an empty exclude is sent (exclude nothing), unset is left out", () => {
  assert.deepEqual(toServerSettings(readSettings(config({ exclude: [] }))).exclude, []);
  assert.deepEqual(toServerSettings(readSettings(config({ exclude: [" build ", ""] }))).exclude, ["build"]);
  for (const exclude of [null, undefined, "build", {}, 3]) {
    assert.equal("exclude" in toServerSettings(readSettings(config({ exclude }))), false, JSON.stringify(exclude));
  }
});

test("empty perFileIgnores, extendExclude and severity are left out", () => {
  const sent = toServerSettings(readSettings(config({ perFileIgnores: {}, extendExclude: [" ", ""], severity: {} })));
  assert.equal("perFileIgnores" in sent, false);
  assert.equal("extendExclude" in sent, false);
  assert.equal("severity" in sent, false);
  // A glob with an empty list is still an entry.
  assert.deepEqual(toServerSettings(readSettings(config({ perFileIgnores: { "a.py": [] } }))).perFileIgnores, {
    "a.py": [],
  });
});

test("followCallsDepth 0 is sent, unset or out of range is left out", () => {
  assert.equal(toServerSettings(readSettings(config({ followCallsDepth: 0 }))).followCallsDepth, 0);
  assert.equal(
    toServerSettings(readSettings(config({ followCallsDepth: MAX_FOLLOW_CALLS_DEPTH }))).followCallsDepth,
    MAX_FOLLOW_CALLS_DEPTH,
  );
  for (const followCallsDepth of [null, undefined, -1, MAX_FOLLOW_CALLS_DEPTH + 1, 2.5, "3", NaN, Infinity]) {
    const sent = toServerSettings(readSettings(config({ followCallsDepth })));
    assert.equal("followCallsDepth" in sent, false, String(followCallsDepth));
  }
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
      perFileIgnores: ["tests/*.py"],
      exclude: "migrations",
      extendExclude: { "gen/*.py": true },
      followCallsDepth: "5",
      severity: "warning",
    }),
  );
  assert.equal(settings.path, DEFAULT_PATH);
  assert.deepEqual(settings.args, []);
  assert.deepEqual(settings.ignore, []);
  assert.deepEqual(settings.extendSelect, ["RDJ3", "RDJ5"]);
  assert.equal(settings.djangoVersion, "");
  assert.deepEqual(settings.perFileIgnores, DEFAULTS.perFileIgnores);
  assert.equal(settings.exclude, DEFAULTS.exclude);
  assert.deepEqual(settings.extendExclude, DEFAULTS.extendExclude);
  assert.equal(settings.followCallsDepth, DEFAULTS.followCallsDepth);
  assert.deepEqual(settings.severity, DEFAULTS.severity);
  for (const value of [null, 7, "x", true]) {
    const s = readSettings(config({ perFileIgnores: value, severity: value, exclude: value, extendExclude: value }));
    assert.deepEqual(s.perFileIgnores, {}, JSON.stringify(value));
    assert.deepEqual(s.severity, {}, JSON.stringify(value));
    assert.equal(s.exclude, null, JSON.stringify(value));
    assert.deepEqual(s.extendExclude, [], JSON.stringify(value));
  }
  // Lists keep their strings only.
  const lists = readSettings(config({ exclude: [1, " legacy ", null], extendExclude: ["gen", false, ""] }));
  assert.deepEqual(lists.exclude, ["legacy"]);
  assert.deepEqual(lists.extendExclude, ["gen"]);
});

test("ill-typed perFileIgnores and severity entries are dropped, the others kept", () => {
  const settings = readSettings(
    config({
      perFileIgnores: {
        "tests/*.py": ["RDJ1", 2, " RDJ104 ", ""],
        "scripts/*.py": "RDJ1",
        "a.py": null,
        "b.py": { RDJ1: true },
        " ": ["RDJ1"],
        " conftest.py ": ["RDJ101"],
      },
      severity: {
        RDJ1: "warning",
        RDJ101: " error ",
        RDJ102: "Error",
        RDJ103: "loud",
        RDJ104: 1,
        RDJ105: null,
        RDJ106: ["info"],
        "": "info",
        RDJ604: "off",
        RDJ6: "info",
      },
    }),
  );
  assert.deepEqual(settings.perFileIgnores, {
    "tests/*.py": ["RDJ1", "RDJ104"],
    "conftest.py": ["RDJ101"],
  });
  assert.deepEqual(settings.severity, { RDJ1: "warning", RDJ101: "error", RDJ604: "off", RDJ6: "info" });
  for (const level of Object.values(settings.severity)) {
    assert.ok((SEVERITY_LEVELS as readonly string[]).includes(level), level);
  }
  const sent = toServerSettings(settings);
  assert.deepEqual(sent.perFileIgnores, settings.perFileIgnores);
  assert.deepEqual(sent.severity, settings.severity);
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

test("package.json describes the new settings' shapes and names their config keys", () => {
  type Property = {
    type: string | string[];
    default: unknown;
    items?: { type: string };
    additionalProperties?: { type: string; items?: { type: string }; enum?: string[] };
    minimum?: number;
    maximum?: number;
    markdownDescription: string;
  };
  const p = (key: string) => manifest.contributes.configuration.properties[`${SECTION}.${key}`] as Property;

  assert.equal(p("perFileIgnores").type, "object");
  assert.deepEqual(p("perFileIgnores").additionalProperties, { type: "array", items: { type: "string" } });
  assert.deepEqual(p("exclude").type, ["array", "null"]);
  assert.deepEqual(p("exclude").items, { type: "string" });
  assert.equal(p("extendExclude").type, "array");
  assert.deepEqual(p("extendExclude").items, { type: "string" });
  assert.deepEqual(p("followCallsDepth").type, ["integer", "null"]);
  assert.equal(p("followCallsDepth").minimum, 0);
  assert.equal(p("followCallsDepth").maximum, MAX_FOLLOW_CALLS_DEPTH);
  assert.equal(p("severity").type, "object");
  assert.equal(p("severity").additionalProperties?.type, "string");
  assert.deepEqual(p("severity").additionalProperties?.enum, [...SEVERITY_LEVELS]);

  const configKeys: Record<string, string> = {
    perFileIgnores: "per-file-ignores",
    exclude: "exclude",
    extendExclude: "extend-exclude",
    followCallsDepth: "follow-calls-depth",
    severity: "severity",
    unsafeFixes: "unsafe-fixes",
  };
  for (const [key, configKey] of Object.entries(configKeys)) {
    const description = p(key).markdownDescription;
    assert.ok(description.includes(`(\`${configKey}\`)`), `${key} names \`${configKey}\``);
    if (key !== "unsafeFixes") {
      assert.match(description, /e\.g\. `/, `${key} has an example`);
    }
  }
  // Unsafe fixes are always offered; the setting only widens Fix All.
  assert.match(p("unsafeFixes").markdownDescription, /always offered/);
  assert.match(p("unsafeFixes").markdownDescription, /\(unsafe\)/);
  assert.match(p("unsafeFixes").markdownDescription, /Fix All/);
});

test("the server's MAX_FOLLOW_CALLS_DEPTH matches the extension's", () => {
  const parse = path.resolve(root, "..", "..", "src", "config", "parse.rs");
  if (!fs.existsSync(parse)) {
    return; // outside the repository (e.g. a packaged copy)
  }
  const m = /const MAX_FOLLOW_CALLS_DEPTH: i64 = (\d+);/.exec(fs.readFileSync(parse, "utf8"));
  assert.ok(m, "MAX_FOLLOW_CALLS_DEPTH in parse.rs");
  assert.equal(Number(m[1]), MAX_FOLLOW_CALLS_DEPTH);
});

test("package.json starts on Python files, from the bundled entry point", () => {
  assert.ok(manifest.activationEvents.includes("onLanguage:python"));
  // `npm run build` bundles src/extension.ts with esbuild into this one file.
  assert.equal(manifest.main, "./dist/extension.js");
  assert.ok(fs.existsSync(path.join(root, "dist", "extension.js")));
  const commands = manifest.contributes.commands.map((c: { command: string }) => c.command);
  assert.deepEqual(commands, ["reflexDjangoLsp.restart"]);
});
