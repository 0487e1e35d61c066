/**
 * `netdemo client multi`: the multi-connection client, in its lesson mode
 * (a few messages on each of N connections, every step printed) and its
 * load mode (`--duration` or `--rounds`: round trips on every connection,
 * then a report).
 *
 * @module
 */

import {
  DEFAULT_MULTI_CONNECTIONS,
  DEFAULT_MULTI_MESSAGES,
  formatMultiSummary,
  runMulti,
} from "../client/multi.ts";
import {
  DEFAULT_LOAD_DURATION_MS,
  DEFAULT_LOAD_SIZE,
  MAX_LOAD_SIZE,
} from "../client/load.ts";
import { LOAD_OPTIONS, runLoadCommand } from "./_load.ts";
import { NetError } from "../protocol/errors.ts";
import {
  ADDRESS_OPTIONS,
  addressValues,
  CLIENT_TRANSPORT_OPTIONS,
  type CommandSpec,
  JSON_OPTION,
  messageValue,
  optionalInteger,
  optionalSeconds,
  type OptionValues,
  type ParsedCommand,
  QUIET_OPTION,
  reporterFor,
  TIMEOUT_OPTION,
  timeoutValue,
  TRACE_OPTION,
  UsageError,
} from "./_args.ts";
import { superviseClient } from "./_run.ts";

/** Most connections one run may ask for: about the local ports there are. */
const MAX_CONNECTIONS = 60_000;

/** The mode's options and help. */
export const spec: CommandSpec = {
  name: "client multi",
  summary:
    "Open several connections at once and check every echo; with --duration or --rounds, a load test.",
  options: {
    ...ADDRESS_OPTIONS,
    ...CLIENT_TRANSPORT_OPTIONS,
    conns: {
      type: "string",
      placeholder: "N",
      description: "connections to open at once",
      defaultText: String(DEFAULT_MULTI_CONNECTIONS),
      short: "c",
    },
    message: {
      type: "string",
      multiple: true,
      placeholder: "TEXT",
      description: "a message every connection sends, in order",
      defaultText: DEFAULT_MULTI_MESSAGES.map((text) => `"${text}"`).join(
        " ",
      ),
    },
    duration: {
      type: "string",
      placeholder: "SECONDS",
      description: "load mode: run round trips on every connection this long",
      defaultText: `${
        DEFAULT_LOAD_DURATION_MS / 1000
      } in load mode without --rounds`,
    },
    rounds: {
      type: "string",
      placeholder: "N",
      description:
        "load mode: round trips per connection, instead of --duration",
    },
    size: {
      type: "string",
      placeholder: "BYTES",
      description: `load mode: bytes per message, at most ${MAX_LOAD_SIZE}`,
      defaultText: String(DEFAULT_LOAD_SIZE),
    },
    ...LOAD_OPTIONS,
    json: {
      ...JSON_OPTION.json,
      description: "load mode: print the report as one JSON object",
    },
    ...TIMEOUT_OPTION,
    ...QUIET_OPTION,
    ...TRACE_OPTION,
  },
  examples: [
    "netdemo client multi",
    'netdemo client multi -c 10 --message "ping" --message "pong"',
    "netdemo client multi -c 100 --duration 5 --size 64 -J",
  ],
};

/**
 * Runs the multi client from parsed arguments; resolves the exit code: 0
 * when every connection (or round trip) came back matching, else 1 with a
 * one-line summary.
 *
 * @example
 * ```ts
 * import { run } from "./client_multi.ts";
 * // await run({ values: { conns: "3" }, positionals: [] });
 * ```
 */
export function run(parsed: ParsedCommand): Promise<number> {
  const { values } = parsed;
  const command = spec.name;
  const connections = optionalInteger(values, {
    name: "--conns",
    min: 1,
    max: MAX_CONNECTIONS,
    command,
  }) ?? DEFAULT_MULTI_CONNECTIONS;
  const durationMs = optionalSeconds(values, {
    name: "--duration",
    command,
    positive: true,
  });
  const rounds = optionalInteger(values, { name: "--rounds", min: 1, command });
  const load = durationMs !== undefined || rounds !== undefined ||
    values.size !== undefined ||
    Object.keys(LOAD_OPTIONS).some((name) => values[name] !== undefined);
  checkModeOptions(values, load);
  if (durationMs !== undefined && rounds !== undefined) {
    throw new UsageError(
      "give --duration or --rounds, not both",
      command,
    );
  }
  const reporter = reporterFor(values);
  const common = {
    ...addressValues(values, command),
    connections,
    timeoutMs: timeoutValue(values, { name: "--timeout", command }),
    reporter,
  };
  if (!load) {
    const messages = values.message as string[] | undefined;
    return superviseClient(async (signal) => {
      const result = await runMulti({ ...common, messages, signal });
      const summary = formatMultiSummary(result);
      if (result.failures.total > 0) {
        throw new NetError(result.failures.mainKind(), summary);
      }
      reporter.always(summary);
      return 0;
    }, reporter);
  }
  return runLoadCommand(values, { ...common, durationMs, rounds });
}

function checkModeOptions(values: OptionValues, load: boolean): void {
  const command = spec.name;
  if (load && values.message !== undefined) {
    throw new UsageError(
      "--message is for the lesson mode; load mode sends --size bytes or --payload-file",
      command,
    );
  }
  if (!load && values.json === true) {
    throw new UsageError(
      "--json needs load mode (--duration or --rounds)",
      command,
    );
  }
  messageValue(values, command);
}
