/**
 * `netdemo client hello`: the command line of the hello client.
 *
 * @module
 */

import { DEFAULT_HELLO_MESSAGE, runHello } from "../client/hello.ts";
import {
  ADDRESS_OPTIONS,
  addressValues,
  type CommandSpec,
  messageValue,
  type ParsedCommand,
  QUIET_OPTION,
  reporterFor,
  TIMEOUT_OPTION,
  timeoutValue,
  TRACE_OPTION,
} from "./_args.ts";
import { superviseClient } from "./_run.ts";

/** The mode's options and help. */
export const spec: CommandSpec = {
  name: "client hello",
  summary: "Send one message, print the server's whole reply.",
  options: {
    ...ADDRESS_OPTIONS,
    message: {
      type: "string",
      placeholder: "TEXT",
      description: "the message to send",
      defaultText: DEFAULT_HELLO_MESSAGE,
    },
    ...TIMEOUT_OPTION,
    ...QUIET_OPTION,
    ...TRACE_OPTION,
  },
  examples: [
    "netdemo client hello",
    'netdemo client hello -p 65432 --message "Hi there"',
    "netdemo client hello --host ::1 -t 5 --trace",
  ],
};

/**
 * Runs the hello client from parsed arguments; resolves the exit code.
 *
 * @example
 * ```ts
 * import { run } from "./client_hello.ts";
 * // await run({ values: { port: "65432" }, positionals: [] });
 * ```
 */
export function run(parsed: ParsedCommand): Promise<number> {
  const { values } = parsed;
  const reporter = reporterFor(values);
  const options = {
    ...addressValues(values, spec.name),
    message: messageValue(values, spec.name),
    timeoutMs: timeoutValue(values, {
      name: "--timeout",
      command: spec.name,
    }),
    reporter,
  };
  return superviseClient(async (signal) => {
    await runHello({ ...options, signal });
    return 0;
  }, reporter);
}
