// Pure mapping from the extension's settings to what the server gets.
// No `vscode` import here, so `node --test` can exercise it directly.

import * as os from "os";
import * as path from "path";

/** The configuration section the extension contributes. */
export const SECTION = "reflexDjangoLsp";

/** The binary started when `reflexDjangoLsp.path` is empty or unset. */
export const DEFAULT_PATH = "reflex-django-lsp";

/** The largest `follow-calls-depth` the server accepts. */
export const MAX_FOLLOW_CALLS_DEPTH = 100;

/** The levels of the `severity` table. */
export const SEVERITY_LEVELS = ["error", "warning", "info", "off"] as const;
export type SeverityLevel = (typeof SEVERITY_LEVELS)[number];

/** The extension's settings, as read from `workspace.getConfiguration(SECTION)`. */
export interface ExtensionSettings {
  path: string;
  args: string[];
  databaseUrl: string;
  select: string[] | null;
  ignore: string[];
  extendSelect: string[];
  perFileIgnores: Record<string, string[]>;
  exclude: string[] | null;
  extendExclude: string[];
  unsafeFixes: boolean | null;
  djangoVersion: string;
  followCallsDepth: number | null;
  severity: Record<string, SeverityLevel>;
}

/**
 * What the server reads from `initializationOptions` and from
 * `workspace/didChangeConfiguration` (SPEC §3 keys in camelCase).
 * A key that is left out means "use the config files' value".
 */
export interface ServerSettings {
  databaseUrl?: string;
  select?: string[];
  ignore: string[];
  extendSelect: string[];
  perFileIgnores?: Record<string, string[]>;
  exclude?: string[];
  extendExclude?: string[];
  unsafeFixes?: boolean;
  djangoVersion?: string;
  followCallsDepth?: number;
  severity?: Record<string, SeverityLevel>;
}

export const DEFAULTS: Readonly<ExtensionSettings> = Object.freeze({
  path: DEFAULT_PATH,
  args: [],
  databaseUrl: "",
  select: null,
  ignore: [],
  extendSelect: [],
  perFileIgnores: {},
  exclude: null,
  extendExclude: [],
  unsafeFixes: null,
  djangoVersion: "",
  followCallsDepth: null,
  severity: {},
});

/** Anything with a `get(key)`; `vscode.WorkspaceConfiguration` fits. */
export interface ConfigurationLike {
  get(key: string): unknown;
}

function stringList(value: unknown): string[] | null {
  if (!Array.isArray(value)) {
    return null;
  }
  return value
    .filter((v): v is string => typeof v === "string")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

/** A plain object's entries (not an array, not null); none otherwise. */
function entries(value: unknown): [string, unknown][] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [];
  }
  return Object.entries(value as Record<string, unknown>);
}

/** `glob -> [codes]`: keeps the entries with a non-empty glob and a list. */
function perFileIgnores(value: unknown): Record<string, string[]> {
  const kept: [string, string[]][] = [];
  for (const [glob, codes] of entries(value)) {
    const list = stringList(codes);
    if (glob.trim() !== "" && list !== null) {
      kept.push([glob.trim(), list]);
    }
  }
  return Object.fromEntries(kept);
}

/** `code or prefix -> level`: keeps the entries with a known level. */
function severity(value: unknown): Record<string, SeverityLevel> {
  const kept: [string, SeverityLevel][] = [];
  for (const [code, level] of entries(value)) {
    const l = text(level);
    if (code.trim() !== "" && (SEVERITY_LEVELS as readonly string[]).includes(l)) {
      kept.push([code.trim(), l as SeverityLevel]);
    }
  }
  return Object.fromEntries(kept);
}

/** A whole number from 0 to `MAX_FOLLOW_CALLS_DEPTH`, else unset. */
function depth(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_FOLLOW_CALLS_DEPTH
    ? value
    : null;
}

/**
 * Reads the settings, replacing a missing or ill-typed value by its default
 * (a hand-edited settings.json may hold anything).
 */
export function readSettings(config: ConfigurationLike): ExtensionSettings {
  const select = stringList(config.get("select"));
  const unsafeFixes = config.get("unsafeFixes");
  return {
    path: text(config.get("path")) || DEFAULT_PATH,
    args: Array.isArray(config.get("args"))
      ? (config.get("args") as unknown[]).filter((a): a is string => typeof a === "string")
      : [],
    databaseUrl: text(config.get("databaseUrl")),
    // An empty `select` would select no rule at all: treat it as unset.
    select: select && select.length > 0 ? select : null,
    ignore: stringList(config.get("ignore")) ?? [],
    extendSelect: stringList(config.get("extendSelect")) ?? [],
    perFileIgnores: perFileIgnores(config.get("perFileIgnores")),
    // Unlike `select`, an empty `exclude` is meaningful: exclude nothing.
    exclude: stringList(config.get("exclude")),
    extendExclude: stringList(config.get("extendExclude")) ?? [],
    unsafeFixes: typeof unsafeFixes === "boolean" ? unsafeFixes : null,
    djangoVersion: text(config.get("djangoVersion")),
    followCallsDepth: depth(config.get("followCallsDepth")),
    severity: severity(config.get("severity")),
  };
}

/**
 * The object sent as `initializationOptions` and, nested under `SECTION`, as
 * the `settings` of `workspace/didChangeConfiguration`. Unset values are left
 * out so that the project's config files decide; `ignore`/`extendSelect` only
 * add to them, so they are always sent. The other additive keys
 * (`perFileIgnores`, `extendExclude`, `severity`) are sent when non-empty;
 * `exclude` replaces the config's, so it is sent whenever set, even empty.
 */
export function toServerSettings(settings: ExtensionSettings): ServerSettings {
  const out: ServerSettings = {
    ignore: [...settings.ignore],
    extendSelect: [...settings.extendSelect],
  };
  if (settings.databaseUrl !== "") {
    out.databaseUrl = settings.databaseUrl;
  }
  if (settings.select !== null && settings.select.length > 0) {
    out.select = [...settings.select];
  }
  if (Object.keys(settings.perFileIgnores).length > 0) {
    out.perFileIgnores = Object.fromEntries(
      Object.entries(settings.perFileIgnores).map(([glob, codes]) => [glob, [...codes]]),
    );
  }
  if (settings.exclude !== null) {
    out.exclude = [...settings.exclude];
  }
  if (settings.extendExclude.length > 0) {
    out.extendExclude = [...settings.extendExclude];
  }
  if (settings.unsafeFixes !== null) {
    out.unsafeFixes = settings.unsafeFixes;
  }
  if (settings.djangoVersion !== "") {
    out.djangoVersion = settings.djangoVersion;
  }
  if (settings.followCallsDepth !== null) {
    out.followCallsDepth = settings.followCallsDepth;
  }
  if (Object.keys(settings.severity).length > 0) {
    out.severity = Object.fromEntries(Object.entries(settings.severity));
  }
  return out;
}

/** The `settings` payload of `workspace/didChangeConfiguration`. */
export function didChangeConfigurationSettings(settings: ExtensionSettings): {
  [SECTION]: ServerSettings;
} {
  return { [SECTION]: toServerSettings(settings) };
}

export interface ServerCommand {
  command: string;
  args: string[];
}

/**
 * The process to start: `<path> server <args...>`. In `path`, a leading `~`
 * is the home directory and `${workspaceFolder}` the first workspace folder;
 * a relative path with a directory part is taken from that folder too.
 * A bare name (the default) is looked up on PATH.
 */
export function serverCommand(
  settings: Pick<ExtensionSettings, "path" | "args">,
  workspaceFolder?: string,
  home: string = os.homedir(),
): ServerCommand {
  let command = settings.path.trim() || DEFAULT_PATH;
  if (workspaceFolder !== undefined) {
    command = command.split("${workspaceFolder}").join(workspaceFolder);
  }
  if (command === "~" || command.startsWith("~/") || command.startsWith("~\\")) {
    command = path.join(home, command.slice(1));
  }
  const hasDirectory = command.includes("/") || command.includes("\\");
  if (hasDirectory && !path.isAbsolute(command) && workspaceFolder !== undefined) {
    command = path.resolve(workspaceFolder, command);
  }
  return { command, args: ["server", ...settings.args] };
}

/** Hides the password of any `scheme://user:password@host` in `s`. */
export function redactUrl(s: string): string {
  return s.replace(/(\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/]*@/g, "$1***@");
}

/**
 * A one-line description of the server start for the output channel: the
 * command line with any password hidden, and which settings are sent (the
 * database URL only as "set", never its value).
 */
export function describeStart(cmd: ServerCommand, options: ServerSettings): string {
  const line = [cmd.command, ...cmd.args].map(redactUrl).join(" ");
  const shown: Record<string, unknown> = { ...options };
  if (shown.databaseUrl !== undefined) {
    shown.databaseUrl = "<set>";
  }
  return `Starting ${line} with settings ${JSON.stringify(shown)}`;
}
