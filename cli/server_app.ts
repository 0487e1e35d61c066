/**
 * `netdemo server app`: the command line of the application-protocol
 * server, including loading a search table from a file or standard input.
 *
 * @module
 */

import { DEFAULT_MAX_CONTENT } from "../protocol/app_codec.ts";
import {
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_SEARCH_TABLE,
  serveApp,
} from "../server/app.ts";
import {
  ADDRESS_OPTIONS,
  addressValues,
  type CommandSpec,
  optionalInteger,
  optionalSeconds,
  type ParsedCommand,
  QUIET_OPTION,
  reporterFor,
  TRACE_OPTION,
  UsageError,
} from "./_args.ts";
import { superviseServer } from "./_run.ts";

/** The largest --max-content accepted: 1 GiB. */
const MAX_CONTENT_CEILING = 1024 * 1024 * 1024;
/** A table larger than this is refused rather than read into memory. */
const MAX_TABLE_BYTES = 16 * 1024 * 1024;

/** The mode's options and help. */
export const spec: CommandSpec = {
  name: "server app",
  summary:
    "Answer one app-protocol request per connection (search a table, or echo 10 bytes).",
  options: {
    ...ADDRESS_OPTIONS,
    table: {
      type: "string",
      placeholder: "FILE.json",
      description:
        'search table, a JSON object of strings; "-" reads it from stdin',
      defaultText: `built-in, ${DEFAULT_SEARCH_TABLE.size} entries`,
    },
    "max-content": {
      type: "string",
      placeholder: "BYTES",
      description: "largest request content accepted",
      defaultText: String(DEFAULT_MAX_CONTENT),
    },
    "max-conns": {
      type: "string",
      placeholder: "N",
      description: "most connections served at once",
      defaultText: "10000",
    },
    "max-pending-bytes": {
      type: "string",
      placeholder: "BYTES",
      description:
        "most bytes all unfinished requests may hold together; a connection that would go over is closed",
      defaultText: String(DEFAULT_MAX_PENDING_BYTES),
    },
    "request-timeout": {
      type: "string",
      placeholder: "SECONDS",
      description:
        "cut off a client whose whole request has not arrived by then (0: never)",
      defaultText: "30",
    },
    "idle-timeout": {
      type: "string",
      placeholder: "SECONDS",
      description:
        "close a connection with no traffic for this long (0: never)",
      defaultText: "30",
    },
    grace: {
      type: "string",
      placeholder: "SECONDS",
      description:
        "on Ctrl-C or SIGTERM, how long open connections may finish (a second signal: no longer)",
      defaultText: "5",
    },
    ...QUIET_OPTION,
    ...TRACE_OPTION,
  },
  example: "netdemo server app --port 0 --table - < table.json",
};

/**
 * Runs the app server from parsed arguments; resolves the exit code.
 *
 * @example
 * ```ts
 * import { run } from "./server_app.ts";
 * // await run({ values: { port: "0" }, positionals: [] });
 * ```
 */
export async function run(parsed: ParsedCommand): Promise<number> {
  const { values } = parsed;
  const command = spec.name;
  const address = addressValues(values, command);
  const maxContentLength = optionalInteger(values, {
    name: "--max-content",
    min: 0,
    max: MAX_CONTENT_CEILING,
    command,
  });
  const maxConns = optionalInteger(values, {
    name: "--max-conns",
    min: 1,
    command,
  });
  const maxPendingBytes = optionalInteger(values, {
    name: "--max-pending-bytes",
    min: 0,
    command,
  });
  const requestTimeoutMs =
    optionalSeconds(values, { name: "--request-timeout", command }) ?? 30_000;
  const idleTimeoutMs =
    optionalSeconds(values, { name: "--idle-timeout", command }) ?? 30_000;
  const graceMs = optionalSeconds(values, { name: "--grace", command });
  const source = typeof values.table === "string" ? values.table : undefined;
  const reporter = reporterFor(values);
  if (source === "-" && Deno.stdin.isTerminal()) {
    reporter.note(
      "Reading the search table (a JSON object) from standard input; end it with Ctrl-D",
    );
  }
  const table = source === undefined
    ? DEFAULT_SEARCH_TABLE
    : parseTable(await readTable(source), source);
  const options = {
    ...address,
    table,
    maxContentLength,
    maxConns,
    maxPendingBytes,
    requestTimeoutMs: requestTimeoutMs === 0 ? Infinity : requestTimeoutMs,
    idleTimeoutMs: idleTimeoutMs === 0 ? undefined : idleTimeoutMs,
    graceMs,
    reporter,
  };
  const tableOrigin = source === undefined
    ? "built-in"
    : source === "-"
    ? "from standard input"
    : `from ${source}`;
  return await superviseServer(() => {
    const server = serveApp(options);
    reporter.info(`Search table: ${table.size} entries (${tableOrigin})`);
    return server;
  }, reporter);
}

function tableName(source: string): string {
  return source === "-"
    ? "the table read from standard input"
    : `the table file "${source}"`;
}

async function readTable(source: string): Promise<string> {
  let stream: ReadableStream<Uint8Array>;
  if (source === "-") {
    stream = Deno.stdin.readable;
  } else {
    try {
      stream = (await Deno.open(source)).readable;
    } catch (error) {
      throw new UsageError(openFailure(error, source), spec.name);
    }
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > MAX_TABLE_BYTES) {
      throw new UsageError(
        `${tableName(source)} is larger than ${MAX_TABLE_BYTES} bytes`,
        spec.name,
      );
    }
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${tableName(source)} is not UTF-8 text`, spec.name);
  }
}

function openFailure(error: unknown, path: string): string {
  if (
    error instanceof Deno.errors.NotCapable ||
    error instanceof Deno.errors.PermissionDenied
  ) {
    return `cannot read the table file "${path}": permission denied (the compiled netdemo may only read /proc/net); pass it on standard input instead: --table - < ${path}`;
  }
  if (error instanceof Deno.errors.NotFound) {
    return `the table file "${path}" does not exist`;
  }
  const detail = error instanceof Error ? error.message : String(error);
  return `cannot read the table file "${path}": ${detail}`;
}

function parseTable(text: string, source: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${tableName(source)} is not valid JSON`, spec.name);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new UsageError(
      `${tableName(source)} must be a JSON object mapping strings to strings`,
      spec.name,
    );
  }
  const table = new Map<string, string>();
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== "string") {
      throw new UsageError(
        `${tableName(source)}: the value of ${
          JSON.stringify(key.slice(0, 40))
        } is not a string`,
        spec.name,
      );
    }
    table.set(key, value);
  }
  return table;
}
