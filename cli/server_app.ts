/**
 * `netdemo server app`: the command line of the application-protocol
 * server.
 *
 * @module
 */

import { announceStdin } from "./_stdin.ts";
import {
  DEFAULT_APP_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_SEARCH_TABLE,
  serveApp,
} from "../server/app.ts";
import { loadSearchTable, tableLine, tableSize } from "../server/app_table.ts";
import type { Mode } from "./_mode.ts";
import type { OptionDecls } from "./_options.ts";
import { endpointValue } from "./_endpoint.ts";
import {
  GRACE_OPTION,
  idleTimeoutOption,
  MAX_CONNS_OPTION,
  maxContentOption,
  QUIET_OPTION,
  SERVER_ADDRESS_OPTIONS,
  SERVER_TRANSPORT_OPTIONS,
  TRACE_OPTION,
} from "./_shared_options.ts";
import { superviseServer } from "./_run.ts";
import { fileName } from "./_values.ts";

const OPTIONS = {
  ...SERVER_ADDRESS_OPTIONS,
  ...SERVER_TRANSPORT_OPTIONS,
  table: {
    kind: "text",
    placeholder: "FILE.json",
    check: fileName,
    description:
      'search table, a JSON object of strings; "-" reads it from stdin',
    defaultText: `built-in, ${tableSize(DEFAULT_SEARCH_TABLE)}`,
  },
  ...maxContentOption("largest request content accepted"),
  ...MAX_CONNS_OPTION,
  "max-pending-bytes": {
    kind: "integer",
    placeholder: "BYTES",
    description:
      "most bytes all unfinished requests and their unsent responses may hold together; a connection that would go over is closed",
    min: 0,
    default: DEFAULT_MAX_PENDING_BYTES,
  },
  "request-timeout": {
    kind: "timeout",
    placeholder: "SECONDS",
    description:
      "cut off a client whose whole request has not arrived by then (0: never)",
    default: DEFAULT_REQUEST_TIMEOUT_MS,
  },
  ...idleTimeoutOption(DEFAULT_APP_IDLE_TIMEOUT_MS),
  ...GRACE_OPTION,
  ...QUIET_OPTION,
  ...TRACE_OPTION,
} satisfies OptionDecls;

/**
 * The app server's mode: its options, help and runner (which loads the
 * search table first).
 *
 * @example
 * ```ts
 * import { serverApp } from "./server_app.ts";
 * serverApp.name; // "server app"
 * ```
 */
export const serverApp = {
  name: "server app",
  summary:
    "Answer one app-protocol request per connection (search a table, or echo 10 bytes).",
  options: OPTIONS,
  examples: [
    "netdemo server app",
    "netdemo server app -p 0 --table table.json",
    "netdemo server app --table - --request-timeout 5 < table.json",
  ],
  async run(command, reporter): Promise<number> {
    const { values } = command;
    const source = values.table;
    const options = {
      endpoint: endpointValue(command, "server"),
      maxContentLength: values["max-content"],
      maxConns: values["max-conns"],
      maxPendingBytes: values["max-pending-bytes"],
      requestTimeoutMs: values["request-timeout"] ?? Infinity,
      idleTimeoutMs: values["idle-timeout"],
      graceMs: values.grace,
      reporter,
    };
    // The table is read once Ctrl-C is heard: from a terminal, or a pipe
    // slow to end, it may take a while.
    return await superviseServer(async () => {
      if (source === "-") {
        announceStdin(reporter, "the search table (a JSON object)");
      }
      const table = source === undefined
        ? DEFAULT_SEARCH_TABLE
        : await loadSearchTable(source);
      const server = serveApp({ ...options, table });
      reporter.info(tableLine(table, source));
      return server;
    }, reporter);
  },
} satisfies Mode<typeof OPTIONS>;
