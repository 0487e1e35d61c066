/**
 * Command-line parsing shared by every mode: each mode declares its options
 * once (with help text and default), and gets strict parsing, `--help`
 * output and one-line usage errors from here.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULT_HOST, DEFAULT_PORT } from "../protocol/address.ts";
import { DEFAULT_GRACE_MS, DEFAULT_MAX_CONNS } from "../server/serve.ts";
import { UsageError } from "./_usage.ts";

export { UsageError } from "./_usage.ts";
export * from "./_values.ts";

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

const UNIX_OPTION: Record<string, OptionSpec> = {
  unix: {
    type: "string",
    placeholder: "PATH",
    description: "use the Unix domain socket PATH instead of --host/--port",
  },
};

/** The transport options of every server: `--unix`, `--tls-cert`, `--tls-key`. */
export const SERVER_TRANSPORT_OPTIONS: Record<string, OptionSpec> = {
  ...UNIX_OPTION,
  "tls-cert": {
    type: "string",
    placeholder: "FILE",
    description: "serve TLS with this PEM certificate chain (needs --tls-key)",
  },
  "tls-key": {
    type: "string",
    placeholder: "FILE",
    description: "the PEM private key of --tls-cert",
  },
};

/** The transport options of every client: `--unix`, `--tls`, `--tls-ca`, `--tls-server-name`. */
export const CLIENT_TRANSPORT_OPTIONS: Record<string, OptionSpec> = {
  ...UNIX_OPTION,
  tls: {
    type: "boolean",
    description: "connect with TLS, verifying the server's certificate",
  },
  "tls-ca": {
    type: "string",
    placeholder: "FILE",
    description:
      "also trust the CA certificates in this PEM file (implies --tls)",
  },
  "tls-server-name": {
    type: "string",
    placeholder: "NAME",
    description: "name to send (SNI) and verify (implies --tls)",
    defaultText: "the host",
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
      "on Ctrl-C or SIGTERM, let open connections go on this long, then close them (0, or a second signal: close at once)",
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
      args: negativeNumbersAsValues(
        shortWithEquals(args, options, spec.name),
        options,
      ),
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

/**
 * `-p=80` is how some type a short option's value; parseArgs would read it
 * as `-p` `-=` ..., so it becomes `--port=80`, and `-k=1` for a flag that
 * takes no value is said to be so.
 */
function shortWithEquals(
  args: string[],
  options: ParseArgsOptions,
  command: string,
): string[] {
  const end = args.indexOf("--");
  return args.map((token, index) => {
    const found = /^-([A-Za-z])=(.*)$/.exec(token);
    if (!found || (end >= 0 && index > end)) return token;
    const entry = Object.entries(options).find(([, option]) =>
      option.short === found[1]
    );
    if (entry === undefined) return token;
    const [name, option] = entry;
    if (option.type === "boolean") {
      throw new UsageError(`--${name} takes no value`, command);
    }
    return `--${name}=${found[2]}`;
  });
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
