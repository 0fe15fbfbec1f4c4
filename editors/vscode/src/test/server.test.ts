// The real server, started the way the extension starts it (`serverCommand`)
// and configured with exactly what the extension sends (`toServerSettings`,
// `didChangeConfigurationSettings`), on a copy of fixtures/shop.
//
// Needs the binary: RDJ_SERVER_BIN=/path/to/reflex-django-lsp (.ci/vscode.sh
// builds it). Without it the test is skipped, unless CI is set: then it fails.

import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import {
  ConfigurationRequest,
  DidChangeConfigurationNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  RegistrationRequest,
  ShutdownRequest,
  UnregistrationRequest,
  WorkDoneProgressCreateRequest,
  createProtocolConnection,
} from "vscode-languageserver-protocol/node";
import { didChangeConfigurationSettings, readSettings, serverCommand, toServerSettings } from "../settings";

const bin = process.env.RDJ_SERVER_BIN ?? "";
const inCi = !!process.env.CI && process.env.CI !== "false" && process.env.CI !== "0";
const fixture = path.resolve(__dirname, "..", "..", "..", "..", "fixtures", "shop");
const WAIT_MS = 20_000;
// What `reflex-django-lsp check` reports on fixtures/shop/shop/states/catalog.py:
// its `# expect: RDJxxx` markers (tests/shop.rs holds check to them).
const ALL = fs
  .readFileSync(path.join(fixture, "shop", "states", "catalog.py"), "utf8")
  .split("\n")
  .flatMap((line) => [...line.matchAll(/# expect: (RDJ\d{3})/g)].map((m) => m[1]));

function settingsOf(values: Record<string, unknown>) {
  return readSettings({ get: (key: string) => values[key] });
}

test("the server accepts the extension's command line and settings", { skip: !bin && !inCi && "RDJ_SERVER_BIN not set" }, async () => {
  assert.ok(bin, "RDJ_SERVER_BIN must name the reflex-django-lsp binary when CI is set");
  assert.ok(fs.existsSync(bin), `${bin} does not exist`);

  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "rdj-vscode-"));
  fs.cpSync(fixture, workspace, { recursive: true });
  const cmd = serverCommand({ path: bin, args: [] }, workspace);
  assert.deepEqual(cmd.args, ["server"]);
  const child = spawn(cmd.command, cmd.args, { cwd: workspace, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  const connection = createProtocolConnection(child.stdout, child.stdin);
  // What the server may ask of the client.
  connection.onRequest(RegistrationRequest.type, () => undefined);
  connection.onRequest(UnregistrationRequest.type, () => undefined);
  connection.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
  connection.onRequest(ConfigurationRequest.type, (params) =>
    params.items.map(() => didChangeConfigurationSettings(settingsOf({})).reflexDjangoLsp),
  );
  const published: PublishDiagnosticsParams[] = [];
  const waiters: Array<() => void> = [];
  connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
    published.push(params);
    waiters.splice(0).forEach((wake) => wake());
  });
  connection.listen();

  const file = path.join(workspace, "shop", "states", "catalog.py");
  const uri = pathToFileURL(file).href;
  const codesOf = (p: PublishDiagnosticsParams) => p.diagnostics.map((d) => String(d.code)).sort();

  /** The first publication for `uri` (from `from` on) whose codes satisfy `ok`. */
  async function diagnostics(from: number, ok: (codes: string[]) => boolean, what: string): Promise<string[]> {
    const deadline = Date.now() + WAIT_MS;
    for (let i = from; ; ) {
      for (; i < published.length; i++) {
        if (published[i].uri === uri && ok(codesOf(published[i]))) {
          return codesOf(published[i]);
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = published.filter((p) => p.uri === uri).map(codesOf);
        assert.fail(`no diagnostics ${what} within ${WAIT_MS} ms; seen: ${JSON.stringify(seen)}; stderr: ${stderr}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  try {
    // initializationOptions: ignore RDJ103 (and an empty databaseUrl, left out).
    const initial = settingsOf({ ignore: ["RDJ103"], databaseUrl: "" });
    await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(workspace).href,
      workspaceFolders: [{ uri: pathToFileURL(workspace).href, name: "shop" }],
      capabilities: { workspace: { didChangeConfiguration: { dynamicRegistration: true } } },
      initializationOptions: toServerSettings(initial),
    });
    await connection.sendNotification(InitializedNotification.type, {});
    await connection.sendNotification(DidChangeConfigurationNotification.type, {
      settings: didChangeConfigurationSettings(initial),
    });
    await connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: "python", version: 1, text: fs.readFileSync(file, "utf8") },
    });
    // Until the workspace is indexed a publication may hold fewer findings:
    // wait for the exact set.
    const same = (want: string[]) => (c: string[]) => JSON.stringify(c) === JSON.stringify([...want].sort());
    await diagnostics(0, same(ALL.filter((c) => c !== "RDJ103")), "equal to all but the ignored RDJ103");

    // Back to the defaults: RDJ103 is reported again.
    let mark = published.length;
    await connection.sendNotification(DidChangeConfigurationNotification.type, {
      settings: didChangeConfigurationSettings(settingsOf({})),
    });
    await diagnostics(mark, same(ALL), "equal to all the findings after resetting");

    // select replaces the selection: only RDJ3xx remains.
    mark = published.length;
    await connection.sendNotification(DidChangeConfigurationNotification.type, {
      settings: didChangeConfigurationSettings(settingsOf({ select: ["RDJ3"], djangoVersion: "5.2", unsafeFixes: true })),
    });
    await diagnostics(mark, same(ALL.filter((c) => c.startsWith("RDJ3"))), "limited to the selected RDJ3");

    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r("timeout"), WAIT_MS)))]);
    clearTimeout(timer);
    assert.equal(code, 0, `exit code; stderr: ${stderr}`);
  } finally {
    connection.dispose();
    if (child.exitCode === null) {
      child.kill();
    }
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});
