/**
 * `netdemo client count`: the command line of the counting client.
 *
 * @module
 */

import {
  DEFAULT_COUNT_INTERVAL_MS,
  DEFAULT_COUNT_TIMES,
  DEFAULT_SILENCE_NOTICE_MS,
  runCount,
} from "../client/count.ts";
import { BORK_SUFFIX } from "../protocol/bork.ts";
import {
  ADDRESS_OPTIONS,
  addressValues,
  type CommandSpec,
  optionalInteger,
  optionalSeconds,
  type ParsedCommand,
  plainInteger,
  QUIET_OPTION,
  reporterFor,
  TIMEOUT_OPTION,
  timeoutValue,
  TRACE_OPTION,
  UsageError,
} from "./_args.ts";
import { superviseClient } from "./_run.ts";

/** Any number a person types fits; a megabyte of digits is a mistake. */
const MAX_START_DIGITS = 1000;

/** The mode's options and help. */
export const spec: CommandSpec = {
  name: "client count",
  summary:
    `Send START, START+1, ... on one connection to a bork server, waiting for each reply ("N${BORK_SUFFIX}") before a pause.\n` +
    `With no --timeout it waits as long as it takes, saying so on stderr after ${
      DEFAULT_SILENCE_NOTICE_MS / 1000
    } s of silence.`,
  positionals: [{
    name: "START",
    description: "the first number to send (an integer of any size)",
  }],
  options: {
    ...ADDRESS_OPTIONS,
    times: {
      type: "string",
      placeholder: "N",
      description: "how many numbers to send",
      defaultText: String(DEFAULT_COUNT_TIMES),
    },
    interval: {
      type: "string",
      placeholder: "SECONDS",
      description: "pause between numbers",
      defaultText: String(DEFAULT_COUNT_INTERVAL_MS / 1000),
    },
    ...TIMEOUT_OPTION,
    ...QUIET_OPTION,
    ...TRACE_OPTION,
  },
  examples: [
    "netdemo client count 5 --times 3",
    "netdemo client count 100 -p 65432 --interval 0.5",
    "netdemo client count 9007199254740993 --times 2 -t 5",
  ],
};

/**
 * Runs the count client from parsed arguments; resolves the exit code.
 *
 * @example
 * ```ts
 * import { run } from "./client_count.ts";
 * // await run({ values: {}, positionals: ["5"] });
 * ```
 */
export function run(parsed: ParsedCommand): Promise<number> {
  const { values } = parsed;
  const command = spec.name;
  const text = parsed.positionals[0];
  if (!plainInteger(text, true)) {
    throw new UsageError(
      `START must be an integer in decimal digits, got "${text}"`,
      command,
    );
  }
  if (text.length > MAX_START_DIGITS) {
    throw new UsageError(
      `START must have at most ${MAX_START_DIGITS} digits, got ${text.length}`,
      command,
    );
  }
  const start = BigInt(text);
  const times = optionalInteger(values, { name: "--times", min: 1, command }) ??
    DEFAULT_COUNT_TIMES;
  const reporter = reporterFor(values);
  const options = {
    ...addressValues(values, command),
    times,
    intervalMs: optionalSeconds(values, { name: "--interval", command }) ??
      DEFAULT_COUNT_INTERVAL_MS,
    timeoutMs: timeoutValue(values, { name: "--timeout", command }),
    reporter,
  };
  return superviseClient(async (signal) => {
    await runCount(start, { ...options, signal });
    return 0;
  }, reporter);
}
