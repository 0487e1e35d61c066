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
  formatLoadReport,
  runLoad,
} from "../client/load.ts";
import { NetError } from "../protocol/errors.ts";
import type { Reporter } from "../output/reporter.ts";
import {
  ADDRESS_OPTIONS,
  addressValues,
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
import { EXIT_INTERRUPTED, superviseClient } from "./_run.ts";

/** Most connections one run may ask for: about the local ports there are. */
const MAX_CONNECTIONS = 60_000;

/** Largest message in load mode: with many connections, memory adds up. */
const MAX_SIZE = 16 * 1024 * 1024;

/** The mode's options and help. */
export const spec: CommandSpec = {
  name: "client multi",
  summary:
    "Open several connections at once and check every echo; with --duration or --rounds, a load test.",
  options: {
    ...ADDRESS_OPTIONS,
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
      defaultText: `${DEFAULT_LOAD_DURATION_MS / 1000} with --size alone`,
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
      description: "load mode: bytes per message",
      defaultText: String(DEFAULT_LOAD_SIZE),
    },
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
    values.size !== undefined;
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
  const size = optionalInteger(values, {
    name: "--size",
    min: 1,
    max: MAX_SIZE,
    command,
  }) ?? DEFAULT_LOAD_SIZE;
  const json = values.json === true;
  return superviseClient(async (signal) => {
    const result = await runLoad({
      ...common,
      size,
      durationMs,
      rounds,
      signal,
    });
    printReport(reporter, json, formatLoadReport(result), result.report);
    if (signal.aborted) return EXIT_INTERRUPTED;
    if (result.failures.total > 0) {
      const noun = result.failures.total === 1 ? "error" : "errors";
      throw new NetError(
        result.failures.mainKind(),
        `${result.failures.total} ${noun} in the load run: ${result.failures.describeWithFirst()}`,
      );
    }
    return 0;
  }, reporter);
}

function checkModeOptions(values: OptionValues, load: boolean): void {
  const command = spec.name;
  if (load && values.message !== undefined) {
    throw new UsageError(
      "--message is for the lesson mode; load mode sends --size bytes",
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

function printReport(
  reporter: Reporter,
  json: boolean,
  lines: string[],
  report: object,
): void {
  if (json) {
    reporter.always(JSON.stringify(report));
    return;
  }
  for (const line of lines) reporter.always(line);
}
