/**
 * `netdemo sockets`: the netstat lesson. Lists this machine's TCP sockets
 * (IPv4 and IPv6) from Linux's /proc/net/tcp and /proc/net/tcp6, as columns
 * like `netstat -an` or as JSON, once or every second with `--watch`.
 *
 * @module
 */

import { parseStateName, TCP_STATES } from "../sockets/proc_net.ts";
import { closestName } from "./_suggest.ts";
import { listSockets } from "../sockets/list.ts";
import {
  formatJson,
  formatTable,
  type SocketFilter,
} from "../sockets/table.ts";
import { repeatUntilAborted, showWatchRound } from "../sockets/watch.ts";
import type { Mode } from "./_mode.ts";
import type { OptionDecls } from "./_options.ts";
import { jsonOption } from "./_shared_options.ts";
import { superviseClient } from "./_run.ts";

const OPTIONS = {
  port: {
    kind: "integer",
    placeholder: "PORT",
    description: "show only sockets with this port at either end",
    // A listening socket's far end is port 0 ("*"): 0 would match them all.
    min: 1,
    max: 65535,
    defaultText: "all ports",
    short: "p",
  },
  state: {
    kind: "value",
    placeholder: "STATE",
    description: "show only sockets in this state, e.g. LISTEN or time-wait",
    defaultText: "all states",
    parse: stateValue,
  },
  watch: {
    kind: "flag",
    description: "redraw every second until Ctrl-C",
  },
  ...jsonOption(
    "print a JSON array of sockets (one array per line with --watch)",
  ),
} satisfies OptionDecls;

/**
 * The sockets mode: its options, help and runner.
 *
 * @example
 * ```ts
 * import { sockets } from "./sockets.ts";
 * sockets.name; // "sockets"
 * ```
 */
export const sockets = {
  name: "sockets",
  summary:
    "List this machine's TCP sockets like 'netstat -an', read from /proc/net/tcp and tcp6 (Linux).\n" +
    "Recv-Q/Send-Q are bytes not yet read by the program / not yet acknowledged by the peer;\n" +
    "for a LISTEN socket, Recv-Q is the connections waiting to be accepted.",
  options: OPTIONS,
  examples: [
    "netdemo sockets --port 65432",
    "netdemo sockets --state LISTEN -J",
    "netdemo sockets -p 65432 --watch",
  ],
  async run(command, reporter): Promise<number> {
    const { values } = command;
    const filter: SocketFilter = { port: values.port, state: values.state };
    if (!values.watch) {
      const records = await listSockets(filter);
      if (values.json) {
        reporter.always(formatJson(records));
      } else {
        for (const line of formatTable(records)) reporter.always(line);
        if (records.length === 0) reporter.note(noneLine(filter));
      }
      return 0;
    }
    return await superviseClient(async (signal) => {
      await repeatUntilAborted(async (round) => {
        const records = await listSockets(filter);
        if (values.json) {
          reporter.always(formatJson(records));
          return;
        }
        showWatchRound(reporter, formatTable(records), {
          round,
          empty: records.length === 0 ? noneLine(filter) : undefined,
        });
      }, { signal });
      return 0;
    }, reporter);
  },
} satisfies Mode<typeof OPTIONS>;

function stateValue(text: string): { value: string } | { problem: string } {
  const state = parseStateName(text);
  if (state !== undefined) return { value: state };
  const guess = closestName(text, TCP_STATES);
  const problem = `must be one of ${TCP_STATES.join(", ")}, got "${text}"`;
  return {
    problem: guess === undefined
      ? problem
      : `${problem}; did you mean ${guess}?`,
  };
}

function noneLine(filter: SocketFilter): string {
  const conditions = [
    filter.port === undefined ? "" : ` --port ${filter.port}`,
    filter.state === undefined ? "" : ` --state ${filter.state}`,
  ].join("");
  return conditions === ""
    ? "no TCP sockets found"
    : `no TCP sockets match${conditions}`;
}
