/**
 * Command-line parsing shared by every mode: each mode declares its options
 * once (with help text and default), and gets strict parsing, `--help`
 * output and one-line usage errors from here.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  hostProblem,
} from "../protocol/address.ts";
import { DEFAULT_GRACE_MS, DEFAULT_MAX_CONNS } from "../server/_serve.ts";
import { Reporter } from "../output/reporter.ts";

/** A mistake in the command line; the CLI prints it and exits 2. */
export class UsageError extends Error {
  /** The command whose `--help` the message points to, e.g. `server bork`. */
  readonly command: string;

  /** Creates a usage error for `command`. */
  constructor(message: string, command: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/** One option of a mode. */
export interface OptionSpec {
  /** Whether the option takes a value. */
  type: "string" | "boolean";
  /** May be given more than once (values collect in order). */
  multiple?: boolean;
  /** The value's name in help, e.g. `SECONDS`. */
  placeholder?: string;
  /** What it does, one line. */
  description: string;
  /** The default shown in help, if any. */
  defaultText?: string;
  /** A one-letter alias, e.g. `p` for `-p`. */
  short?: string;
}

/** One positional argument of a mode. */
export interface PositionalSpec {
  /** Its name in help, e.g. `START`. */
  name: string;
  /** What it is. */
  description: string;
}

/** Everything the CLI knows about one mode. */
export interface CommandSpec {
  /** The words that select it, e.g. `client count`. */
  name: string;
  /** One line saying what it does. */
  summary: string;
  /** Required positional arguments, in order. */
  positionals?: PositionalSpec[];
  /** Its options, without the leading dashes. */
  options: Record<string, OptionSpec>;
  /** Two or three example command lines, shown at the end of `--help`. */
  examples?: string[];
  /** One example command line (when a mode has only one). */
  example?: string;
}

/** Parsed options: strings, booleans or lists of strings by option name. */
export type OptionValues = Record<
  string,
  string | boolean | string[] | undefined
>;

/** The result of {@linkcode parseCommand}. */
export interface ParsedCommand {
  /** Option values by name; absent options are undefined. */
  values: OptionValues;
  /** Positional arguments in order. */
  positionals: string[];
}

/** `--host` and `--port`, as every server and client takes them. */
export const ADDRESS_OPTIONS: Record<string, OptionSpec> = {
  host: {
    type: "string",
    placeholder: "HOST",
    description: "host name or IP address, without a port (IPv6 as ::1)",
    defaultText: DEFAULT_HOST,
  },
  port: {
    type: "string",
    placeholder: "PORT",
    description: "TCP port; 0 picks a free one for a server",
    defaultText: String(DEFAULT_PORT),
    short: "p",
  },
};

/** `--trace`, which every server and client takes. */
export const TRACE_OPTION: Record<string, OptionSpec> = {
  trace: {
    type: "boolean",
    description: "print every socket step on stderr",
    short: "v",
  },
};

/** `--timeout`, which every client takes. */
export const TIMEOUT_OPTION: Record<string, OptionSpec> = {
  timeout: {
    type: "string",
    placeholder: "SECONDS",
    description:
      "give up when connecting or any one read or write takes longer (0: never)",
    defaultText: "0, wait as long as it takes",
    short: "t",
  },
};

/** `--quiet`, for every mode that prints per-event lines. */
export const QUIET_OPTION: Record<string, OptionSpec> = {
  quiet: {
    type: "boolean",
    description:
      "print no per-event lines: only results, summaries, warnings and errors",
    short: "q",
  },
};

/** `--json`, for modes that can print their result as JSON. */
export const JSON_OPTION: Record<string, OptionSpec> = {
  json: {
    type: "boolean",
    description: "print the result as JSON",
    short: "J",
  },
};

/** `--grace`, as every concurrent server takes it. */
export const GRACE_OPTION: Record<string, OptionSpec> = {
  grace: {
    type: "string",
    placeholder: "SECONDS",
    description:
      "on Ctrl-C or SIGTERM, let open connections go on this long, then close them (0: close at once)",
    defaultText: String(DEFAULT_GRACE_MS / 1000),
  },
};

/** `--max-conns`, as every concurrent server takes it. */
export const MAX_CONNS_OPTION: Record<string, OptionSpec> = {
  "max-conns": {
    type: "string",
    placeholder: "N",
    description:
      "most connections served at once; more are accepted and closed at once",
    defaultText: String(DEFAULT_MAX_CONNS),
  },
};

/** `--idle-timeout` for a server, with its default in seconds ("0": never). */
export function idleTimeoutOption(
  defaultText: string,
): Record<string, OptionSpec> {
  return {
    "idle-timeout": {
      type: "string",
      placeholder: "SECONDS",
      description:
        "close a connection with no traffic for this long (0: never)",
      defaultText,
    },
  };
}

/**
 * Formats a mode's `--help` text: usage, every option with its short flag
 * and default, then its examples.
 *
 * @example
 * ```ts
 * import { formatHelp } from "./_args.ts";
 * formatHelp({ name: "server bork", summary: "x", options: {}, examples: ["netdemo server bork"] });
 * ```
 */
export function formatHelp(spec: CommandSpec): string {
  const positionals = (spec.positionals ?? []).map((p) => ` ${p.name}`).join(
    "",
  );
  const rows: [string, string][] = (spec.positionals ?? []).map((p) => [
    p.name,
    p.description,
  ]);
  for (const [name, option] of Object.entries(spec.options)) {
    const value = option.placeholder ? ` ${option.placeholder}` : "";
    const repeat = option.multiple ? " (repeatable)" : "";
    const fallback = option.defaultText
      ? ` (default: ${option.defaultText})`
      : "";
    const flag = option.short ? `-${option.short}, ` : "    ";
    rows.push([
      `${flag}--${name}${value}`,
      `${option.description}${repeat}${fallback}`,
    ]);
  }
  rows.push(["-h, --help", "show this help"]);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const examples = spec.examples ?? (spec.example ? [spec.example] : []);
  return [
    `${spec.summary}`,
    "",
    `Usage: netdemo ${spec.name}${positionals} [options]`,
    "",
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    "",
    "Examples:",
    ...examples.map((line) => `  ${line}`),
  ].join("\n");
}

type ParseArgsOptions = Record<
  string,
  { type: "string" | "boolean"; multiple?: boolean; short?: string }
>;

/**
 * Parses a mode's arguments strictly. Returns null when `--help` was asked
 * for; throws {@linkcode UsageError} for unknown options, missing values and
 * wrong positional counts.
 *
 * @example
 * ```ts
 * import { parseCommand, ADDRESS_OPTIONS } from "./_args.ts";
 * const parsed = parseCommand(
 *   { name: "server bork", summary: "", options: ADDRESS_OPTIONS, examples: [] },
 *   ["--port", "0"],
 * );
 * ```
 */
export function parseCommand(
  spec: CommandSpec,
  args: string[],
): ParsedCommand | null {
  const options: ParseArgsOptions = { help: { type: "boolean", short: "h" } };
  for (const [name, option] of Object.entries(spec.options)) {
    options[name] = { type: option.type };
    if (option.multiple) options[name].multiple = true;
    if (option.short) options[name].short = option.short;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: negativeNumbersAsValues(args, options),
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS")) {
      throw error;
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(parseArgsMessage(message), spec.name);
  }
  if (parsed.values.help) return null;
  const expected = spec.positionals ?? [];
  if (parsed.positionals.length < expected.length) {
    const missing = expected[parsed.positionals.length].name;
    throw new UsageError(`missing ${missing}`, spec.name);
  }
  if (parsed.positionals.length > expected.length) {
    const extra = parsed.positionals[expected.length];
    throw new UsageError(`unexpected argument "${extra}"`, spec.name);
  }
  return {
    values: parsed.values as OptionValues,
    positionals: parsed.positionals,
  };
}

/** node:util's parseArgs messages, said in netdemo's voice. */
function parseArgsMessage(message: string): string {
  const named = /Option '(?:-\w, )?(--[\w-]+)/.exec(message)?.[1];
  if (named && /argument missing|argument is ambiguous/.test(message)) {
    return `${named} needs a value`;
  }
  if (named && /does not take an argument/.test(message)) {
    return `${named} takes no value`;
  }
  const first = message.split("\n")[0].split(". ")[0].replace(/\.$/, "");
  return lowerFirst(first);
}

/** Which option a value belongs to, for error messages. */
export interface ValueContext {
  /** The option as typed, e.g. `--port`. */
  name: string;
  /** The mode, e.g. `server bork`, whose `--help` errors point to. */
  command: string;
}

/** Limits for {@linkcode integerValue}. */
export interface IntegerLimits extends ValueContext {
  /** The smallest accepted value. */
  min: number;
  /** The largest accepted value. Default `Number.MAX_SAFE_INTEGER`. */
  max?: number;
}

/**
 * Reads a whole-number argument written in plain decimal digits (a leading
 * `-` only where negative values are allowed; no spaces, `+`, leading
 * zeros, hex or exponents), or throws a UsageError that names the option,
 * the accepted range and the value given.
 *
 * @example
 * ```ts
 * import { integerValue } from "./_args.ts";
 * integerValue("80", { name: "--port", min: 0, max: 65535, command: "server bork" }); // 80
 * ```
 */
export function integerValue(text: string, limits: IntegerLimits): number {
  const { name, command } = limits;
  const max = limits.max ?? Number.MAX_SAFE_INTEGER;
  const value = plainInteger(text, limits.min < 0) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < limits.min || value > max) {
    const range = limits.max !== undefined
      ? ` from ${limits.min} to ${max}`
      : limits.min > Number.MIN_SAFE_INTEGER
      ? ` of ${limits.min} or more`
      : "";
    throw new UsageError(
      `${name} must be an integer${range}, got "${text}"`,
      command,
    );
  }
  return value;
}

/**
 * Tells whether `text` is an integer in plain decimal digits: `0`, `80`,
 * `-5` (when `negative`), but not `080`, `+80`, ` 80`, `0x50` or `1e3`.
 *
 * @example
 * ```ts
 * import { plainInteger } from "./_args.ts";
 * plainInteger("080", false); // false
 * ```
 */
export function plainInteger(text: string, negative: boolean): boolean {
  return (negative ? /^-?(0|[1-9]\d*)$/ : /^(0|[1-9]\d*)$/).test(text);
}

/** Options for {@linkcode secondsValue}. */
export interface SecondsContext extends ValueContext {
  /** Refuse 0 (for a run's length, where 0 would do nothing). */
  positive?: boolean;
}

/**
 * Reads a duration in seconds (fractions allowed) and returns milliseconds,
 * or throws a UsageError naming the value.
 *
 * @example
 * ```ts
 * import { secondsValue } from "./_args.ts";
 * secondsValue("0.5", { name: "--interval", command: "client count" }); // 500
 * ```
 */
export function secondsValue(text: string, context: SecondsContext): number {
  const { name, command } = context;
  const value = /^\d+(\.\d*)?$|^\.\d+$/.test(text) ? Number(text) : NaN;
  if (
    !Number.isFinite(value) || value > 86_400 * 365 ||
    (context.positive && value === 0)
  ) {
    const range = context.positive ? "more than 0" : "0 or more";
    throw new UsageError(
      `${name} must be a number of seconds (${range}), got "${text}"`,
      command,
    );
  }
  return value * 1000;
}

/** The address options after checking. */
export interface Address {
  /** The host as given, or the default. */
  host: string;
  /** The port, checked to be 0..65535. */
  port: number;
}

/**
 * Reads `--host` and `--port` with their defaults and checks both: a host
 * must be a name or an address without a port or spaces, and a client needs
 * the server's port (0 only makes sense for a server).
 *
 * @example
 * ```ts
 * import { addressValues } from "./_args.ts";
 * addressValues({ port: "0" }, "server bork"); // { host: "127.0.0.1", port: 0 }
 * ```
 */
export function addressValues(values: OptionValues, command: string): Address {
  const host = typeof values.host === "string" ? values.host : DEFAULT_HOST;
  const problem = hostProblem(host);
  if (problem !== undefined) {
    throw new UsageError(`--host ${problem}`, command);
  }
  const port = typeof values.port === "string"
    ? integerValue(values.port, {
      name: "--port",
      min: 0,
      max: 65535,
      command,
    })
    : DEFAULT_PORT;
  if (port === 0 && command.startsWith("client")) {
    throw new UsageError(
      `--port 0 only picks a free port for a server; a client needs the server's port, e.g. --port ${DEFAULT_PORT}`,
      command,
    );
  }
  return { host, port };
}

/**
 * Reads an optional seconds option, returning milliseconds or undefined.
 *
 * @example
 * ```ts
 * import { optionalSeconds } from "./_args.ts";
 * optionalSeconds({ timeout: "2" }, { name: "--timeout", command: "client hello" }); // 2000
 * ```
 */
export function optionalSeconds(
  values: OptionValues,
  context: SecondsContext,
): number | undefined {
  const text = givenText(values, context);
  return text === undefined ? undefined : secondsValue(text, context);
}

/**
 * Reads a timeout option in seconds, where 0 means never (as for every
 * netdemo timeout): returns milliseconds, `undefined` for never, or
 * `fallbackMs` when the option was not given.
 *
 * @example
 * ```ts
 * import { timeoutValue } from "./_args.ts";
 * timeoutValue({ timeout: "0" }, { name: "--timeout", command: "client hello" }); // undefined
 * ```
 */
export function timeoutValue(
  values: OptionValues,
  context: ValueContext,
  fallbackMs?: number,
): number | undefined {
  const ms = optionalSeconds(values, context);
  if (ms === undefined) return fallbackMs;
  return ms === 0 ? undefined : ms;
}

/**
 * Reads an optional whole-number option, returning it checked against
 * `limits` or undefined when it was not given.
 *
 * @example
 * ```ts
 * import { optionalInteger } from "./_args.ts";
 * optionalInteger({ times: "3" }, { name: "--times", min: 1, command: "client count" }); // 3
 * ```
 */
export function optionalInteger(
  values: OptionValues,
  limits: IntegerLimits,
): number | undefined {
  const text = givenText(values, limits);
  return text === undefined ? undefined : integerValue(text, limits);
}

/** The text of the option `context` names, or undefined when not given. */
function givenText(
  values: OptionValues,
  context: ValueContext,
): string | undefined {
  const text = values[context.name.replace(/^--/, "")];
  return typeof text === "string" ? text : undefined;
}

/**
 * Builds the reporter a mode asked for with `--quiet` and `--trace`.
 *
 * @example
 * ```ts
 * import { reporterFor } from "./_args.ts";
 * const reporter = reporterFor({ quiet: true });
 * ```
 */
export function reporterFor(values: OptionValues): Reporter {
  return new Reporter({
    quiet: values.quiet === true,
    trace: values.trace === true,
  });
}

/**
 * parseArgs reads `-5` as an option; a person typing `--port -1` or
 * `count -5` means a number, so such tokens become `--port=-1` or a
 * positional (moved behind `--`), and the range check reports them.
 */
function negativeNumbersAsValues(
  args: string[],
  options: ParseArgsOptions,
): string[] {
  const longNames = new Map(
    Object.entries(options).flatMap(([name, option]) =>
      option.short ? [[`-${option.short}`, `--${name}`]] : []
    ),
  );
  const kept: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const token = args[i];
    if (token === "--") {
      kept.push(...args.slice(i));
      break;
    }
    if (/^-\d/.test(token)) {
      const previous = longNames.get(kept.at(-1) ?? "") ?? kept.at(-1) ?? "";
      const name = previous.startsWith("--") ? previous.slice(2) : "";
      if (options[name]?.type === "string") {
        kept[kept.length - 1] = `${previous}=${token}`;
      } else {
        positionals.push(token);
      }
      continue;
    }
    kept.push(token);
  }
  if (positionals.length === 0) return kept;
  return kept.includes("--")
    ? [...kept, ...positionals]
    : [...kept, "--", ...positionals];
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * Reads a single `--message`, which must not be empty (an empty message
 * would send nothing and wait for a reply that never comes).
 *
 * @example
 * ```ts
 * import { messageValue } from "./_args.ts";
 * messageValue({ message: "hi" }, "client hello"); // "hi"
 * ```
 */
export function messageValue(
  values: OptionValues,
  command: string,
): string | undefined {
  const message = values.message;
  const texts = typeof message === "string" ? [message] : message;
  if (Array.isArray(texts) && texts.some((text) => text === "")) {
    throw new UsageError("--message must not be empty", command);
  }
  return typeof message === "string" ? message : undefined;
}
