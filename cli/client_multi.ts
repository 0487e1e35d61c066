/**
 * `netdemo client multi`: the multi-connection client, in its lesson mode
 * (a few messages on each of N connections, every step printed) and its
 * load mode (`--duration`, `--rounds` or any other load option, `--json`
 * included: round trips on every connection, then a report).
 *
 * @module
 */

import {
  DEFAULT_MULTI_CONNECTIONS,
  DEFAULT_MULTI_MESSAGES,
  formatMultiSummary,
  runMulti,
} from "../client/multi.ts";
import { NetError } from "../protocol/errors.ts";
import type { Mode } from "./_mode.ts";
import type { OptionDecls } from "./_options.ts";
import { endpointValue } from "./_endpoint.ts";
import { nonEmpty } from "./_values.ts";
import {
  CLIENT_ADDRESS_OPTIONS,
  CLIENT_TRANSPORT_OPTIONS,
  jsonOption,
  QUIET_OPTION,
  TIMEOUT_OPTION,
  TRACE_OPTION,
} from "./_shared_options.ts";
import { LOAD_OPTIONS, runLoadCommand } from "./_load.ts";
import { UsageError } from "./_usage.ts";
import { superviseClient } from "./_run.ts";

/** Most connections one run may ask for: about the local ports there are. */
const MAX_CONNECTIONS = 60_000;

const OPTIONS = {
  ...CLIENT_ADDRESS_OPTIONS,
  ...CLIENT_TRANSPORT_OPTIONS,
  conns: {
    kind: "integer",
    placeholder: "N",
    description:
      `connections to open at once (at most ${MAX_CONNECTIONS}, about the local ports there are)`,
    min: 1,
    max: MAX_CONNECTIONS,
    default: DEFAULT_MULTI_CONNECTIONS,
    short: "c",
  },
  message: {
    kind: "texts",
    placeholder: "TEXT",
    description: "a message every connection sends, in order",
    defaultText: DEFAULT_MULTI_MESSAGES.map((text) => `"${text}"`).join(" "),
    check: nonEmpty,
  },
  ...LOAD_OPTIONS,
  ...jsonOption("load mode: print the report as one JSON object"),
  ...TIMEOUT_OPTION,
  ...QUIET_OPTION,
  ...TRACE_OPTION,
} satisfies OptionDecls;

/**
 * The multi client's mode: its options, help and runner. It exits 0 when
 * every connection (or round trip) came back matching, else 1 with a
 * one-line summary.
 *
 * @example
 * ```ts
 * import { clientMulti } from "./client_multi.ts";
 * clientMulti.options.conns.default; // 2
 * ```
 */
export const clientMulti = {
  name: "client multi",
  summary:
    "Open several connections at once and check every echo, then that the server closes (within 5 s, or --timeout if set); with --duration, --rounds or any load option (--json too), a load test.",
  options: OPTIONS,
  examples: [
    "netdemo client multi",
    'netdemo client multi -c 10 --message "ping" --message "pong"',
    "netdemo client multi -c 100 --duration 5 --size 64 -J",
  ],
  run(command, reporter): Promise<number> {
    const { values } = command;
    const given: ReadonlySet<string> = command.given;
    // --json is a load option too: only load mode has a report to print.
    const load = given.has("json") ||
      Object.keys(LOAD_OPTIONS).some((name) => given.has(name));
    if (load && given.has("message")) {
      throw new UsageError(
        "--message is for the lesson mode; load mode sends --size bytes or --payload-file",
      );
    }
    const common = {
      endpoint: endpointValue(command, "client"),
      connections: values.conns,
      timeoutMs: values.timeout,
    };
    if (load) return runLoadCommand({ values, given, reporter }, common);
    return superviseClient(async (signal) => {
      const result = await runMulti({
        ...common,
        messages: values.message,
        signal,
        reporter,
      });
      const summary = formatMultiSummary(result);
      if (result.failures.total > 0) {
        throw new NetError(result.failures.mainKind(), summary);
      }
      reporter.always(summary);
      return 0;
    }, reporter);
  },
} satisfies Mode<typeof OPTIONS>;
