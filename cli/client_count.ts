/**
 * `netdemo client count`: the command line of the counting client.
 *
 * @module
 */

import { runCount } from "../client/count.ts";
import {
  ADDRESS_OPTIONS,
  addressValues,
  CLIENT_TRANSPORT_OPTIONS,
  type CommandSpec,
  integerValue,
  optionalInteger,
  optionalSeconds,
  type ParsedCommand,
  reporterFor,
  TIMEOUT_OPTION,
  TRACE_OPTION,
} from "./_args.ts";
import { superviseClient } from "./_run.ts";

/** The mode's options and help. */
export const spec: CommandSpec = {
  name: "client count",
  summary:
    "Send START, START+1, ... on one connection, printing each reply, pausing between.",
  positionals: [{ name: "START", description: "the first number to send" }],
  options: {
    ...ADDRESS_OPTIONS,
    ...CLIENT_TRANSPORT_OPTIONS,
    times: {
      type: "string",
      placeholder: "N",
      description: "how many numbers to send",
      defaultText: "5",
    },
    interval: {
      type: "string",
      placeholder: "SECONDS",
      description: "pause between numbers",
      defaultText: "1",
    },
    ...TIMEOUT_OPTION,
    ...TRACE_OPTION,
  },
  example: "netdemo client count 5 --times 3 --interval 0.5",
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
  const start = integerValue(parsed.positionals[0], {
    name: "START",
    min: Number.MIN_SAFE_INTEGER,
    command,
  });
  const times = optionalInteger(values, { name: "--times", min: 1, command }) ??
    5;
  const reporter = reporterFor(values);
  const options = {
    ...addressValues(values, command),
    times,
    intervalMs: optionalSeconds(values, { name: "--interval", command }) ??
      1000,
    timeoutMs: optionalSeconds(values, { name: "--timeout", command }),
    reporter,
  };
  return superviseClient(async (signal) => {
    await runCount(start, { ...options, signal });
    return 0;
  }, reporter);
}
