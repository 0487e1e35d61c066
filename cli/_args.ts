/**
 * Command-line parsing shared by every mode: each mode declares its options
 * once (with help text and default), and gets strict parsing, `--help`
 * output and one-line usage errors from here.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULT_HOST, DEFAULT_PORT } from "../protocol/address.ts";
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
}

/** One positional argument of a mode. */
export interface PositionalSpec {
  /** Its name in help, e.g. `START`. */
  name: string;
  /** What it is. */
  description: string;
  /** The last positional only: it may be given more than once. */
  repeats?: boolean;
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
  /** One example command line. */
  example: string;
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
    description: "address to use (IPv6 as ::1)",
    defaultText: DEFAULT_HOST,
  },
  port: {
    type: "string",
    placeholder: "PORT",
    description: "TCP port; 0 picks a free one for a server",
    defaultText: String(DEFAULT_PORT),
  },
};

/** `--trace`, which every server and client takes. */
export const TRACE_OPTION: Record<string, OptionSpec> = {
  trace: {
    type: "boolean",
    description: "print every socket step on stderr",
  },
};

/** `--timeout`, which every client takes. */
export const TIMEOUT_OPTION: Record<string, OptionSpec> = {
  timeout: {
    type: "string",
    placeholder: "SECONDS",
    description: "give up when connecting or any one wait takes longer",
    defaultText: "wait as long as it takes",
  },
};

/** `--quiet`, for modes that print per-message lines. */
export const QUIET_OPTION: Record<string, OptionSpec> = {
  quiet: {
    type: "boolean",
    description: "print only the essential lines and the summary",
  },
};

/**
 * Formats a mode's `--help` text: usage, every option with its default, one
 * example.
 *
 * @example
 * ```ts
 * import { formatHelp } from "./_args.ts";
 * formatHelp({ name: "server bork", summary: "x", options: {}, example: "netdemo server bork" });
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
    rows.push([
      `--${name}${value}`,
      `${option.description}${repeat}${fallback}`,
    ]);
  }
  rows.push(["-h, --help", "show this help"]);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    `${spec.summary}`,
    "",
    `Usage: netdemo ${spec.name}${positionals} [options]`,
    "",
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    "",
    `Example: ${spec.example}`,
  ].join("\n");
}

/**
 * Parses a mode's arguments strictly. Returns null when `--help` was asked
 * for; throws {@linkcode UsageError} for unknown options, missing values and
 * wrong positional counts.
 *
 * @example
 * ```ts
 * import { parseCommand, ADDRESS_OPTIONS } from "./_args.ts";
 * const parsed = parseCommand(
 *   { name: "server bork", summary: "", options: ADDRESS_OPTIONS, example: "" },
 *   ["--port", "0"],
 * );
 * ```
 */
export function parseCommand(
  spec: CommandSpec,
  args: string[],
): ParsedCommand | null {
  const options: Record<
    string,
    { type: "string" | "boolean"; multiple?: boolean; short?: string }
  > = { help: { type: "boolean", short: "h" } };
  for (const [name, option] of Object.entries(spec.options)) {
    options[name] = option.multiple
      ? { type: option.type, multiple: true }
      : { type: option.type };
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
    const first = message.split("\n")[0].split(". ")[0].replace(/\.$/, "");
    throw new UsageError(lowerFirst(first), spec.name);
  }
  if (parsed.values.help) return null;
  const expected = spec.positionals ?? [];
  if (parsed.positionals.length < expected.length) {
    const missing = expected[parsed.positionals.length].name;
    throw new UsageError(`missing ${missing}`, spec.name);
  }
  if (
    parsed.positionals.length > expected.length && !expected.at(-1)?.repeats
  ) {
    const extra = parsed.positionals[expected.length];
    throw new UsageError(`unexpected argument "${extra}"`, spec.name);
  }
  return {
    values: parsed.values as OptionValues,
    positionals: parsed.positionals,
  };
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
 * Reads a whole-number argument, or throws a UsageError that names the
 * option, the accepted range and the value given.
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
  const value = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN;
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
 * Reads a duration in seconds (fractions allowed) and returns milliseconds,
 * or throws a UsageError naming the value.
 *
 * @example
 * ```ts
 * import { secondsValue } from "./_args.ts";
 * secondsValue("0.5", { name: "--interval", command: "client count" }); // 500
 * ```
 */
export function secondsValue(text: string, context: ValueContext): number {
  const { name, command } = context;
  const value = /^\d+(\.\d*)?$|^\.\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isFinite(value) || value > 86_400 * 365) {
    throw new UsageError(
      `${name} must be a number of seconds (0 or more), got "${text}"`,
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
 * Reads `--host` and `--port` with their defaults and checks the port.
 *
 * @example
 * ```ts
 * import { addressValues } from "./_args.ts";
 * addressValues({ port: "0" }, "server bork"); // { host: "127.0.0.1", port: 0 }
 * ```
 */
export function addressValues(values: OptionValues, command: string): Address {
  const host = typeof values.host === "string" ? values.host : DEFAULT_HOST;
  if (host.trim() === "") {
    throw new UsageError(`--host must not be empty`, command);
  }
  const port = typeof values.port === "string"
    ? integerValue(values.port, {
      name: "--port",
      min: 0,
      max: 65535,
      command,
    })
    : DEFAULT_PORT;
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
  context: ValueContext,
): number | undefined {
  const text = givenText(values, context);
  return text === undefined ? undefined : secondsValue(text, context);
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
  options: Record<string, { type: "string" | "boolean" }>,
): string[] {
  const kept: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const token = args[i];
    if (token === "--") {
      kept.push(...args.slice(i));
      break;
    }
    if (/^-\d/.test(token)) {
      const previous = kept.at(-1) ?? "";
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
