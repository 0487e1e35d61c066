/**
 * `netdemo sockets`: the netstat lesson. Lists this machine's TCP sockets
 * (IPv4 and IPv6) from Linux's /proc/net/tcp and /proc/net/tcp6, as columns
 * like `netstat -an` or as JSON, once or every second with `--watch`.
 *
 * @module
 */

import { parseStateName, TCP_STATES } from "../sockets/proc_net.ts";
import { listSockets } from "../sockets/list.ts";
import {
  formatJson,
  formatTable,
  type SocketFilter,
} from "../sockets/table.ts";
import { repeatUntilAborted, watchScreen } from "../sockets/watch.ts";
import type { Reporter } from "../output/reporter.ts";
import {
  type CommandSpec,
  integerValue,
  JSON_OPTION,
  type OptionValues,
  type ParsedCommand,
  reporterFor,
  UsageError,
} from "./_args.ts";
import { superviseClient } from "./_run.ts";

/** The mode's options and help. */
export const spec: CommandSpec = {
  name: "sockets",
  summary:
    "List this machine's TCP sockets like 'netstat -an', read from /proc/net/tcp and tcp6 (Linux).\n" +
    "Recv-Q/Send-Q are bytes not yet read by the program / not yet acknowledged by the peer;\n" +
    "for a LISTEN socket, Recv-Q is the connections waiting to be accepted.",
  options: {
    port: {
      type: "string",
      placeholder: "PORT",
      description: "show only sockets with this port at either end",
      defaultText: "all ports",
      short: "p",
    },
    state: {
      type: "string",
      placeholder: "STATE",
      description: "show only sockets in this state, e.g. LISTEN or time-wait",
      defaultText: "all states",
    },
    watch: {
      type: "boolean",
      description: "redraw every second until Ctrl-C",
    },
    json: {
      ...JSON_OPTION.json,
      description:
        "print a JSON array of sockets (one array per line with --watch)",
    },
  },
  examples: [
    "netdemo sockets --port 65432",
    "netdemo sockets --state LISTEN -J",
    "netdemo sockets -p 65432 --watch",
  ],
};

/**
 * Runs the mode from parsed arguments; resolves the exit code.
 *
 * @example
 * ```ts
 * import { run } from "./sockets.ts";
 * // await run({ values: { state: "LISTEN" }, positionals: [] });
 * ```
 */
export async function run(parsed: ParsedCommand): Promise<number> {
  const { values } = parsed;
  const filter = filterValues(values);
  const reporter = reporterFor(values);
  const json = values.json === true;
  if (values.watch !== true) {
    const records = await listSockets(filter);
    if (json) {
      reporter.always(formatJson(records));
    } else {
      for (const line of formatTable(records)) reporter.always(line);
      if (records.length === 0) reporter.note(noneLine(filter));
    }
    return 0;
  }
  const terminal = stdoutIsTerminal();
  return await superviseClient(async (signal) => {
    await repeatUntilAborted(async (round) => {
      const records = await listSockets(filter);
      if (json) {
        reporter.always(formatJson(records));
        return;
      }
      showRound(reporter, formatTable(records), { round, terminal });
    }, { signal });
    return 0;
  }, reporter);
}

function filterValues(values: OptionValues): SocketFilter {
  const filter: SocketFilter = {};
  if (typeof values.port === "string") {
    filter.port = integerValue(values.port, {
      name: "--port",
      min: 0,
      max: 65535,
      command: spec.name,
    });
  }
  if (typeof values.state === "string") {
    filter.state = parseStateName(values.state);
    if (filter.state === undefined) {
      throw new UsageError(
        `--state must be one of ${
          TCP_STATES.join(", ")
        }, got "${values.state}"`,
        spec.name,
      );
    }
  }
  return filter;
}

function showRound(
  reporter: Reporter,
  lines: string[],
  options: { round: number; terminal: boolean },
): void {
  const time = new Date().toLocaleTimeString();
  if (options.terminal) {
    const screen = watchScreen(lines, {
      title: `Every 1 s, Ctrl-C to stop. ${time}`,
      height: terminalHeight(),
    });
    // Home the cursor and clear the screen, then draw what fits.
    screen[0] = `\x1b[H\x1b[2J${screen[0]}`;
    for (const line of screen) reporter.always(line);
    return;
  }
  if (options.round > 0) reporter.always(`--- ${time} ---`);
  for (const line of lines) reporter.always(line);
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

function terminalHeight(): number {
  try {
    return Deno.consoleSize().rows;
  } catch {
    return 24;
  }
}

function stdoutIsTerminal(): boolean {
  try {
    return Deno.stdout.isTerminal();
  } catch {
    return false;
  }
}
