/**
 * `netdemo client count`: the command line of the counting client.
 *
 * @module
 */

import {
  DEFAULT_COUNT_INTERVAL_MS,
  DEFAULT_COUNT_TIMES,
  runCount,
} from "../client/count.ts";
import { BORK_SUFFIX } from "../protocol/bork.ts";
import { SILENCE_NOTICE_MS } from "../client/common.ts";
import type { Mode } from "./_mode.ts";
import type { OptionDecls } from "./_options.ts";
import { endpointValue } from "./_endpoint.ts";
import { plainInteger } from "./_values.ts";
import {
  CLIENT_ADDRESS_OPTIONS,
  CLIENT_TRANSPORT_OPTIONS,
  QUIET_OPTION,
  TIMEOUT_OPTION,
  TRACE_OPTION,
} from "./_shared_options.ts";
import { UsageError } from "./_usage.ts";
import { superviseClient } from "./_run.ts";

/** Any number a person types fits; a megabyte of digits is a mistake. */
const MAX_START_DIGITS = 1000;

const OPTIONS = {
  ...CLIENT_ADDRESS_OPTIONS,
  ...CLIENT_TRANSPORT_OPTIONS,
  times: {
    kind: "integer",
    placeholder: "N",
    description: "how many numbers to send",
    min: 1,
    default: DEFAULT_COUNT_TIMES,
  },
  interval: {
    kind: "seconds",
    placeholder: "SECONDS",
    description: "pause between numbers",
    default: DEFAULT_COUNT_INTERVAL_MS,
  },
  ...TIMEOUT_OPTION,
  ...QUIET_OPTION,
  ...TRACE_OPTION,
} satisfies OptionDecls;

/**
 * The count client's mode: its options, help and runner.
 *
 * @example
 * ```ts
 * import { clientCount } from "./client_count.ts";
 * clientCount.positionals[0].name; // "START"
 * ```
 */
export const clientCount = {
  name: "client count",
  summary:
    `Send START, START+1, ... on one connection to a bork server, waiting for each reply ("N${BORK_SUFFIX}") before a pause.\n` +
    `With no --timeout it waits as long as it takes, saying so on stderr after ${
      SILENCE_NOTICE_MS / 1000
    } s of silence.`,
  positionals: [{
    name: "START",
    description: "the first number to send (an integer of up to 1000 digits)",
  }],
  options: OPTIONS,
  examples: [
    "netdemo client count 5 --times 3",
    "netdemo client count 100 -p 65432 --interval 0.5",
    "netdemo client count 9007199254740993 --times 2 -t 5",
  ],
  run(command, reporter): Promise<number> {
    const { values } = command;
    const start = startValue(command.positionals[0]);
    const options = {
      endpoint: endpointValue(command, "client"),
      times: values.times,
      intervalMs: values.interval,
      timeoutMs: values.timeout,
      reporter,
    };
    return superviseClient(async (signal) => {
      await runCount(start, { ...options, signal });
      return 0;
    }, reporter);
  },
} satisfies Mode<typeof OPTIONS>;

/** START: an integer of up to 1000 digits, in plain decimal digits. */
function startValue(text: string): bigint {
  if (!plainInteger(text, { negative: true })) {
    // "+5" and "05" are integers: what is wrong is how they are written.
    const written = /^-0+$/.test(text)
      ? " (zero has no sign: 0)"
      : /^[+-]?\d+$/.test(text)
      ? " (no + and no leading zero)"
      : "";
    throw new UsageError(
      `START must be an integer in plain decimal digits${written}, got "${text}"`,
    );
  }
  const digits = text.replace(/^-/, "").length;
  if (digits > MAX_START_DIGITS) {
    throw new UsageError(
      `START must have at most ${MAX_START_DIGITS} digits, got ${digits}`,
    );
  }
  return BigInt(text);
}
