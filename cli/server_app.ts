/**
 * `netdemo server app`: the command line of the application-protocol
 * server, including loading a search table from a file or standard input.
 *
 * @module
 */

import { DEFAULT_MAX_CONTENT } from "../protocol/app_codec.ts";
import {
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SEARCH_TABLE,
  serveApp,
} from "../server/app.ts";
import {
  loadSearchTable,
  TableError,
  tableOrigin,
} from "../server/app_table.ts";
import { counted } from "../output/count.ts";
import {
  ADDRESS_OPTIONS,
  addressValues,
  type CommandSpec,
  GRACE_OPTION,
  idleTimeoutOption,
  MAX_CONNS_OPTION,
  optionalInteger,
  optionalSeconds,
  type ParsedCommand,
  QUIET_OPTION,
  reporterFor,
  timeoutValue,
  TRACE_OPTION,
  UsageError,
} from "./_args.ts";
import { superviseServer } from "./_run.ts";

/** The largest --max-content accepted: 1 GiB. */
const MAX_CONTENT_CEILING = 1024 * 1024 * 1024;

/** The app server's idle timeout when none is given, in ms. */
const DEFAULT_APP_IDLE_TIMEOUT_MS = 30_000;

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
      defaultText: `built-in, ${
        counted(DEFAULT_SEARCH_TABLE.size, "entry", { plural: "entries" })
      }`,
    },
    "max-content": {
      type: "string",
      placeholder: "BYTES",
      description: "largest request content accepted",
      defaultText: String(DEFAULT_MAX_CONTENT),
    },
    ...MAX_CONNS_OPTION,
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
      defaultText: String(DEFAULT_REQUEST_TIMEOUT_MS / 1000),
    },
    ...idleTimeoutOption(String(DEFAULT_APP_IDLE_TIMEOUT_MS / 1000)),
    ...GRACE_OPTION,
    ...QUIET_OPTION,
    ...TRACE_OPTION,
  },
  examples: [
    "netdemo server app",
    "netdemo server app -p 0 --table table.json",
    "netdemo server app --table - --request-timeout 5 < table.json",
  ],
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
  const requestTimeoutMs = timeoutValue(values, {
    name: "--request-timeout",
    command,
    fallbackMs: DEFAULT_REQUEST_TIMEOUT_MS,
  });
  const idleTimeoutMs = timeoutValue(values, {
    name: "--idle-timeout",
    command,
    fallbackMs: DEFAULT_APP_IDLE_TIMEOUT_MS,
  });
  const graceMs = optionalSeconds(values, { name: "--grace", command });
  const source = typeof values.table === "string" ? values.table : undefined;
  const reporter = reporterFor(values);
  if (source === "-" && Deno.stdin.isTerminal()) {
    reporter.note(
      "Reading the search table (a JSON object) from standard input; end it with Ctrl-D",
    );
  }
  let table: ReadonlyMap<string, string> = DEFAULT_SEARCH_TABLE;
  if (source !== undefined) {
    try {
      table = await loadSearchTable(source);
    } catch (error) {
      if (error instanceof TableError) {
        throw new UsageError(error.message, command);
      }
      throw error;
    }
  }
  const options = {
    ...address,
    table,
    maxContentLength,
    maxConns,
    maxPendingBytes,
    requestTimeoutMs: requestTimeoutMs ?? Infinity,
    idleTimeoutMs,
    graceMs,
    reporter,
  };
  return await superviseServer(() => {
    const server = serveApp(options);
    reporter.info(
      `Search table: ${counted(table.size, "entry", { plural: "entries" })} (${
        tableOrigin(source)
      })`,
    );
    return server;
  }, reporter);
}
