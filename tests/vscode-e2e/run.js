// The VS Code extension in a real VS Code: code-server (VS Code in a browser,
// from npm) with the project's .vsix installed, driven by Chromium through
// playwright-core. On a copy of fixtures/shop it checks what a person sees:
// the findings in the Problems panel, the rule's documentation on hover, a
// quick fix and Fix All, each saved to disk and compared with what
// `reflex-django-lsp check` says. Screenshots of each step go to $RDJ_E2E_OUT.
//
// Run by .ci/vscode_e2e.sh, which installs this folder's packages and builds
// the .vsix and the server. Prints one line per step and, last,
// "vscode-e2e: N passed, M failed"; exits non-zero unless every step passed.
"use strict";

const { spawn, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");
const { chromium } = require("playwright-core");

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (!value) {
    throw new Error(`${name} must be set (see .ci/vscode_e2e.sh)`);
  }
  return value;
};
const SERVER_BIN = path.resolve(env("RDJ_SERVER_BIN"));
const VSIX = path.resolve(env("RDJ_VSIX"));
const CHROMIUM = env("RDJ_CHROMIUM", "/usr/bin/chromium");
const OUT = path.resolve(env("RDJ_E2E_OUT"));
// Where the ids of code-server's process group and Chromium go, so that the
// calling script can end them even if this process is killed.
const PIDFILE = process.env.RDJ_E2E_PIDFILE;
const CODE_SERVER = require.resolve("code-server/out/node/entry.js");
const FIXTURE = path.resolve(__dirname, "..", "..", "fixtures", "shop");
// The file the test opens, relative to the workspace folder.
const FILE = "shop/states/catalog.py";
// The finding whose quick fix and hover are checked.
const QUICK_FIX_CODE = "RDJ101";

// Bounds for each wait: generous for a busy 2-core machine, never endless.
const STARTUP_MS = 120_000;
const UI_MS = 30_000;
const DIAGNOSTICS_MS = 60_000;

const results = [];
let shot = 0;
// The page once Chromium shows it: a failed step leaves a screenshot.
let currentPage;

function log(message) {
  process.stdout.write(`${message}\n`);
}

async function step(name, body) {
  const started = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return true;
  } catch (error) {
    results.push({ name, ok: false });
    if (currentPage) {
      await screenshot(currentPage, "failed").catch(() => undefined);
    }
    log(`FAIL ${name} (${((Date.now() - started) / 1000).toFixed(1)} s): ${error instanceof Error ? error.stack : error}`);
    return false;
  }
}

function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 120_000, ...options });
  if (result.error) {
    throw result.error;
  }
  return result;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function until(what, timeoutMs, probe, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) {
        return value;
      }
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${last.message}` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Applies a finding's fix edits (1-based rows and columns) to `text`. */
function applyEdits(text, edits) {
  const lines = text.split("\n");
  const offset = ({ row, column }) => {
    let at = 0;
    for (let i = 0; i < row - 1; i++) {
      at += lines[i].length + 1;
    }
    return at + column - 1;
  };
  const sorted = [...edits].sort((a, b) => offset(b.location) - offset(a.location));
  let out = text;
  for (const edit of sorted) {
    out = out.slice(0, offset(edit.location)) + edit.content + out.slice(offset(edit.end_location));
  }
  return out;
}

async function screenshot(page, name) {
  shot += 1;
  const file = path.join(OUT, `${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file });
  log(`     screenshot ${path.relative(process.cwd(), file)}`);
}

async function main() {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "rdj-vscode-e2e-"));
  const workspace = path.join(scratch, "shop");
  const userData = path.join(scratch, "user-data");
  const extensions = path.join(scratch, "extensions");
  const profile = path.join(scratch, "chromium-profile");
  const target = path.join(workspace, FILE);
  let server;
  let context;

  const cleanup = async () => {
    if (context) {
      await context.close().catch(() => undefined);
      context = undefined;
    }
    if (server && server.exitCode === null && server.signalCode === null) {
      // code-server, its extension host and the language server share this group.
      try {
        process.kill(-server.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    fs.rmSync(scratch, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      log(`vscode-e2e: interrupted by ${signal}`);
      void cleanup().finally(() => process.exit(1));
    });
  }

  try {
    await scenario({ scratch, workspace, userData, extensions, profile, target }, {
      setServer: (child) => (server = child),
      setContext: (created) => (context = created),
    });
  } finally {
    await cleanup();
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  log(`vscode-e2e: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

async function scenario(dirs, hooks) {
  const { scratch, workspace, userData, extensions, profile, target } = dirs;
  // Each step needs the ones before it: after a failure the rest count as failed.
  const steps = [];
  let findings;
  let original;
  let fixedByCli;
  let findingsAfterFix;
  steps.push(["findings from `reflex-django-lsp check`", async () => {
    // Without a result cache that a `check` in the checkout may have left.
    const copyFixture = (to) =>
      fs.cpSync(FIXTURE, to, { recursive: true, filter: (from) => path.basename(from) !== ".reflex-django-lsp-cache" });
    copyFixture(workspace);
    original = fs.readFileSync(target, "utf8");
    const check = run(SERVER_BIN, ["check", "--no-cache", "--output-format", "json", FILE], { cwd: workspace });
    findings = JSON.parse(check.stdout);
    assert(findings.length > 0, `check found nothing in ${FILE}: ${check.stderr}`);
    quickFixed = findings.find((f) => f.code === QUICK_FIX_CODE && f.fix);
    assert(quickFixed, `no ${QUICK_FIX_CODE} with a fix in ${FILE}`);
    at = { row: quickFixed.location.row, column: quickFixed.location.column + 2 };
    // What Fix All must produce: `check --fix` on another copy.
    const copy = path.join(scratch, "fixed-by-cli");
    copyFixture(copy);
    run(SERVER_BIN, ["check", "--no-cache", "--fix", FILE], { cwd: copy });
    fixedByCli = fs.readFileSync(path.join(copy, FILE), "utf8");
    assert(fixedByCli !== original, "check --fix changed nothing");
    const after = run(SERVER_BIN, ["check", "--no-cache", "--output-format", "json", FILE], { cwd: copy });
    findingsAfterFix = JSON.parse(after.stdout);
    log(`     ${findings.map((f) => `${f.code}@${f.location.row}`).join(" ")}`);
  }]);

  steps.push(["install the .vsix into code-server", async () => {
    const installed = run(process.execPath, [
      CODE_SERVER, "--user-data-dir", userData, "--extensions-dir", extensions,
      "--install-extension", VSIX, "--force",
    ], { env: codeServerEnv(scratch) });
    assert(installed.status === 0, `exit ${installed.status}: ${installed.stdout}${installed.stderr}`);
    const listed = run(process.execPath, [CODE_SERVER, "--extensions-dir", extensions, "--list-extensions"], {
      env: codeServerEnv(scratch),
    });
    assert(/reflex-django-lsp\.reflex-django-lsp/.test(listed.stdout), `not listed: ${listed.stdout}${listed.stderr}`);
  }]);

  let port;
  steps.push(["start code-server", async () => {
    fs.mkdirSync(path.join(userData, "User"), { recursive: true });
    fs.writeFileSync(path.join(userData, "User", "settings.json"), JSON.stringify(userSettings(), null, 2));
    port = await freePort();
    const config = path.join(scratch, "code-server.yaml");
    fs.writeFileSync(config, "");
    const child = spawn(process.execPath, [
      CODE_SERVER, "--config", config, "--bind-addr", `127.0.0.1:${port}`, "--auth", "none",
      "--user-data-dir", userData, "--extensions-dir", extensions,
      "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust",
      "--disable-getting-started-override", "--ignore-last-opened", workspace,
    ], { env: codeServerEnv(scratch), detached: true, stdio: ["ignore", "pipe", "pipe"] });
    hooks.setServer(child);
    writePids({ codeServerGroup: child.pid });
    let logText = "";
    child.stdout.on("data", (chunk) => (logText += chunk));
    child.stderr.on("data", (chunk) => (logText += chunk));
    await until("code-server to listen", STARTUP_MS, async () => {
      assert(child.exitCode === null, `code-server exited ${child.exitCode}: ${logText}`);
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      return response.ok;
    });
  }]);

  let page;
  steps.push(["open the workspace in Chromium", async () => {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: STARTUP_MS,
      viewport: { width: 1400, height: 900 },
      args: [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ],
    });
    hooks.setContext(context);
    writePids({ chromium: launchedChromium() });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(UI_MS);
    currentPage = page;
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`, { timeout: STARTUP_MS });
    await page.locator(".monaco-workbench").waitFor({ timeout: STARTUP_MS });
    // The explorer shows the workspace's files once the remote side is up.
    await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "catalog" }).first().waitFor({ timeout: STARTUP_MS });
    await screenshot(page, "workbench");
  }]);

  steps.push(["open the file", async () => {
    await page.keyboard.press("Control+P");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor();
    await input.fill(FILE);
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "catalog.py" }).first().waitFor();
    await page.keyboard.press("Enter");
    await page.locator(".tabs-container .tab.active", { hasText: "catalog.py" }).waitFor();
    await page.locator(".monaco-editor .view-lines").first().waitFor();
  }]);

  steps.push(["Problems panel lists the findings", async () => {
    await page.keyboard.press("Control+Shift+M");
    await page.locator(".markers-panel").waitFor();
    await expectProblems(page, findings);
    await screenshot(page, "problems");
  }]);

  // The finding whose hover and quick fix are checked, and a position inside it.
  let quickFixed;
  let at;
  steps.push(["hover shows the rule's documentation", async () => {
    const doc = run(SERVER_BIN, ["rule", QUICK_FIX_CODE]).stdout;
    // The first line of the rule's "What it does" section.
    const firstLine = doc.split("\n")[doc.split("\n").indexOf("## What it does") + 1].trim();
    assert(firstLine, `no "What it does" in \`rule ${QUICK_FIX_CODE}\`: ${doc}`);
    await goTo(page, at);
    await page.keyboard.press("Control+K");
    await page.keyboard.press("Control+I");
    const hover = page.locator(".monaco-hover:not(.hidden)", { hasText: quickFixed.name });
    await hover.first().waitFor({ timeout: DIAGNOSTICS_MS });
    const text = (await hover.first().innerText()).replace(/\s+/g, " ");
    for (const part of [QUICK_FIX_CODE, quickFixed.name, "What it does", "Why is this bad?", firstLine]) {
      assert(text.includes(part.replace(/\s+/g, " ")), `the hover lacks ${JSON.stringify(part)}: ${text}`);
    }
    await screenshot(page, "hover");
    await page.keyboard.press("Escape");
  }]);

  steps.push(["quick fix applied and saved", async () => {
    await goTo(page, at);
    await page.keyboard.press("Control+.");
    const action = page.locator(".action-widget .monaco-list-row", { hasText: quickFixed.fix.message });
    await action.first().waitFor({ timeout: DIAGNOSTICS_MS });
    const offered = await page.locator(".action-widget .monaco-list-row").allInnerTexts();
    assert(offered.some((t) => t.includes(`Disable ${QUICK_FIX_CODE} for this line`)), `no noqa action in ${offered}`);
    await screenshot(page, "quick-fix-menu");
    // The menu sits under a pointer block: choose with the keyboard.
    const rows = page.locator(".action-widget .monaco-list-row.action");
    const titles = await rows.allInnerTexts();
    const wanted = titles.findIndex((t) => t.includes(quickFixed.fix.message));
    const focused = await rows.evaluateAll((all) => all.findIndex((r) => r.classList.contains("focused")));
    for (let i = Math.max(focused, 0); i < wanted; i++) {
      await page.keyboard.press("ArrowDown");
    }
    await page.locator(".action-widget .monaco-list-row.action.focused", { hasText: quickFixed.fix.message }).waitFor();
    await page.keyboard.press("Enter");
    await saveAfterEdit(page);
    const expected = applyEdits(original, quickFixed.fix.edits);
    await until("the quick fix on disk", UI_MS, () => fs.readFileSync(target, "utf8") === expected);
    const fixedLine = expected.split("\n")[quickFixed.location.row - 1];
    log(`     line ${quickFixed.location.row}: ${fixedLine.trim()}`);
    await expectProblems(page, findings.filter((f) => f !== quickFixed));
    await screenshot(page, "quick-fixed");
  }]);

  steps.push(["Fix All applied and saved", async () => {
    // As a user would, after the save settles: a Fix All asked for while
    // VS Code still handles the save (file watcher, refreshed pulls) was
    // sometimes cancelled by VS Code itself ("No fix all action available").
    await lspQuiet(userData);
    await page.keyboard.press("F1");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor();
    await input.fill(">Fix All");
    // Enter runs the focused row: wait until the filtered list focuses Fix All.
    await page.locator(".quick-input-list .monaco-list-row.focused", { hasText: "Fix All" }).waitFor();
    await page.keyboard.press("Enter");
    // When the server's pull reports re-set VS Code's markers, VS Code redid
    // the request in flight and said "No fix all action available": the
    // report says what the workbench and the server's log show.
    await saveAfterEdit(page).catch(async (error) => {
      throw new Error(`${error.message}\nthe workbench says:\n${await workbenchMessages(page, userData)}`);
    });
    await until("Fix All on disk", UI_MS, () => fs.readFileSync(target, "utf8") === fixedByCli).catch((error) => {
      throw new Error(`${error.message}\n--- on disk:\n${fs.readFileSync(target, "utf8")}`);
    });
    await expectProblems(page, findingsAfterFix);
    await screenshot(page, "fixed-all");
  }]);

  for (const [index, [name, body]] of steps.entries()) {
    if (!(await step(name, body))) {
      for (const [skipped] of steps.slice(index + 1)) {
        results.push({ name: skipped, ok: false });
        log(`FAIL ${skipped}: not run, an earlier step failed`);
      }
      return;
    }
  }
}

/** Waits until the Problems panel shows exactly `expected` (check's JSON findings). */
async function expectProblems(page, expected) {
  const want = expected
    .map((f) => `${f.severity} ${f.code} [Ln ${f.location.row}, Col ${f.location.column}] ${f.message}`)
    .sort();
  let shown = [];
  await until(`the Problems panel to list ${want.length} finding(s)`, DIAGNOSTICS_MS, async () => {
    shown = (
      await page.$$eval(".markers-panel .monaco-list-row[aria-level='2']", (rows) =>
        rows.map((row) => {
          const text = (selector) => row.querySelector(selector)?.textContent?.trim() ?? "";
          const icon = row.querySelector(".marker-icon");
          const severity = ["error", "warning", "info"].find((s) => icon?.classList.contains(s)) ?? "?";
          return `${severity} ${text(".marker-code")} ${text(".marker-line")} ${text(".marker-message")}`;
        }),
      )
    ).sort();
    return JSON.stringify(shown) === JSON.stringify(want);
  }).catch((error) => {
    throw new Error(`${error.message}\nwanted:\n  ${want.join("\n  ")}\nshown:\n  ${shown.join("\n  ")}`);
  });
}

/** The client's LSP trace files (the extension's output channel). */
function traceLogs(userData) {
  const logs = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (/reflex/i.test(entry.name)) {
        logs.push(full);
      }
    }
  };
  try {
    walk(path.join(userData, "logs"));
  } catch {
    // No logs yet.
  }
  return logs;
}

/** Waits until no LSP message was logged for a second (at most UI_MS). */
async function lspQuiet(userData) {
  const size = () => traceLogs(userData).reduce((n, f) => n + fs.statSync(f).size, 0);
  let last = size();
  let since = Date.now();
  await until("the LSP conversation to be quiet for 1 s", UI_MS, () => {
    const now = size();
    if (now !== last) {
      [last, since] = [now, Date.now()];
    }
    return Date.now() - since >= 1000;
  }, 100);
}

/**
 * What the workbench shows besides the editor (the message over the editor,
 * notifications) and the last messages of the client's LSP trace (copied
 * whole next to the screenshots): for a failure's report.
 */
async function workbenchMessages(page, userData) {
  const texts = async (selector) =>
    (await page.locator(selector).allInnerTexts().catch(() => [])).map((t) => t.replace(/\s+/g, " ").trim()).filter(Boolean);
  const lines = [
    ...(await texts(".monaco-editor-overlaymessage")).map((t) => `  over the editor: ${t}`),
    ...(await texts(".notification-toast .notification-list-item-message")).map((t) => `  notification: ${t}`),
  ];
  for (const file of traceLogs(userData)) {
    const copy = path.join(OUT, path.basename(file).replace(/\s+/g, "-"));
    fs.copyFileSync(file, copy);
    // The trace's message lines (not the JSON bodies), the last ones.
    const heads = fs.readFileSync(file, "utf8").split("\n").filter((l) => /^\[(Trace|Info|Error)/.test(l)).slice(-25);
    lines.push(`  ${path.relative(process.cwd(), copy)} (last ${heads.length} messages):`, ...heads.map((l) => `    ${l}`));
  }
  return lines.length ? lines.join("\n") : "  nothing";
}

/** Waits for the editor to hold an unsaved edit, then saves it. */
async function saveAfterEdit(page) {
  await page.locator(".tabs-container .tab.active.dirty").waitFor();
  await page.keyboard.press("Control+S");
  await page.locator(".tabs-container .tab.active:not(.dirty)").waitFor();
}

/** Puts the cursor at a 1-based row and column with Go to Line. */
async function goTo(page, { row, column }) {
  await page.locator(".monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+G");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor();
  await input.fill(`:${row}:${column}`);
  await page.keyboard.press("Enter");
  await until(`the cursor at ${row}:${column}`, UI_MS, async () =>
    (await page.locator(".statusbar-item", { hasText: `Ln ${row}, Col ${column}` }).count()) > 0,
  );
}

/** The Chromium that playwright-core started: a child of this process. */
function launchedChromium() {
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === process.pid && fs.readlinkSync(`/proc/${entry}/exe`).includes("chromium")) {
        return Number(entry);
      }
    } catch {
      // Gone meanwhile, or not readable.
    }
  }
  return undefined;
}

function writePids(pids) {
  if (PIDFILE) {
    const known = fs.existsSync(PIDFILE) ? JSON.parse(fs.readFileSync(PIDFILE, "utf8")) : {};
    fs.writeFileSync(PIDFILE, JSON.stringify({ ...known, ...pids }));
  }
}

function codeServerEnv(scratch) {
  return {
    ...process.env,
    // Keep code-server's own config, data and logs out of $HOME.
    XDG_CONFIG_HOME: path.join(scratch, "xdg-config"),
    XDG_DATA_HOME: path.join(scratch, "xdg-data"),
    XDG_CACHE_HOME: path.join(scratch, "xdg-cache"),
    VSCODE_PROXY_URI: "",
  };
}

function userSettings() {
  return {
    "reflexDjangoLsp.path": SERVER_BIN,
    "security.workspace.trust.enabled": false,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "extensions.ignoreRecommendations": true,
    "workbench.enableExperiments": false,
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.welcomePage.walkthroughs.openOnInstall": false,
    "chat.commandCenter.enabled": false,
    "files.autoSave": "off",
    "editor.hover.delay": 200,
    "editor.minimap.enabled": false,
    // The client's log of every LSP message: copied next to the screenshots
    // when a step fails (workbenchMessages).
    "reflexDjangoLsp.trace.server": "verbose",
  };
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log(`vscode-e2e: 0 passed, 1 failed (${error instanceof Error ? error.stack : error})`);
    process.exit(1);
  },
);
