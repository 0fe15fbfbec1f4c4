// VS Code client for `reflex-django-lsp server` (SPEC §5–§6).

import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  Executable,
  LanguageClient,
  LanguageClientOptions,
} from "vscode-languageclient/node";
import {
  SECTION,
  describeStart,
  didChangeConfigurationSettings,
  readSettings,
  serverCommand,
  toServerSettings,
} from "./settings";

const CLIENT_ID = "reflexDjangoLsp";
const CLIENT_NAME = "Reflex Django LSP";
const RESTART_COMMAND = "reflexDjangoLsp.restart";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;
// Starts and stops run one after the other, never interleaved.
let queue: Promise<void> = Promise.resolve();

function enqueue(task: () => Promise<void>): Promise<void> {
  queue = queue.then(task, task);
  return queue;
}

function firstWorkspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === "file")?.uri.fsPath;
}

function currentSettings() {
  return readSettings(vscode.workspace.getConfiguration(SECTION));
}

async function start(): Promise<void> {
  const channel = output!;
  const settings = currentSettings();
  const cmd = serverCommand(settings, firstWorkspaceFolder());
  const initializationOptions = toServerSettings(settings);

  // No `transport`: the client would add `--stdio`, which `server` does not take.
  const executable: Executable = { command: cmd.command, args: cmd.args };
  // This client (not a later one after a restart) sends its own settings.
  let self: LanguageClient | undefined;
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "python" }],
    synchronize: { configurationSection: SECTION },
    initializationOptions,
    outputChannel: channel,
    middleware: {
      workspace: {
        // Send the same mapped object as `initializationOptions` (unset values
        // left out), not the raw section with `path`, `args` and empty strings.
        didChangeConfiguration: async () => {
          await self?.sendNotification(DidChangeConfigurationNotification.type, {
            settings: didChangeConfigurationSettings(currentSettings()),
          });
        },
      },
    },
  };

  channel.appendLine(describeStart(cmd, initializationOptions));
  const created = new LanguageClient(CLIENT_ID, CLIENT_NAME, { run: executable, debug: executable }, clientOptions);
  self = created;
  client = created;
  try {
    await created.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    channel.appendLine(`Could not start ${cmd.command}: ${message}`);
    if (client === created) {
      client = undefined;
    }
    await created.dispose().catch(() => undefined);
    void vscode.window
      .showErrorMessage(
        `Reflex Django LSP: could not start "${cmd.command}". Install reflex-django-lsp or set reflexDjangoLsp.path.`,
        "Open Settings",
        "Show Output",
      )
      .then((choice) => {
        if (choice === "Open Settings") {
          void vscode.commands.executeCommand("workbench.action.openSettings", SECTION);
        } else if (choice === "Show Output") {
          channel.show(true);
        }
      });
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running === undefined) {
    return;
  }
  try {
    if (running.isRunning()) {
      await running.stop();
    }
  } catch (error) {
    output?.appendLine(`Error while stopping the server: ${error instanceof Error ? error.message : String(error)}`);
  }
  await running.dispose().catch(() => undefined);
}

function restart(): Promise<void> {
  return enqueue(async () => {
    output?.appendLine("Restarting the server");
    await stop();
    await start();
  });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel(CLIENT_NAME);
  context.subscriptions.push(output);
  context.subscriptions.push(vscode.commands.registerCommand(RESTART_COMMAND, restart));
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      // The other settings reach the running server via didChangeConfiguration.
      if (
        event.affectsConfiguration(`${SECTION}.path`) ||
        event.affectsConfiguration(`${SECTION}.args`)
      ) {
        void restart();
      }
    }),
  );
  await enqueue(start);
}

export function deactivate(): Promise<void> {
  return enqueue(stop);
}
