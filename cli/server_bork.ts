/**
 * `netdemo server bork`: the command line of the bork server.
 *
 * @module
 */

import { serveBork } from "../server/bork.ts";
import {
  ADDRESS_OPTIONS,
  addressValues,
  type CommandSpec,
  type ParsedCommand,
  QUIET_OPTION,
  reporterFor,
  TRACE_OPTION,
} from "./_args.ts";
import { superviseServer } from "./_run.ts";

/** The mode's options and help. */
export const spec: CommandSpec = {
  name: "server bork",
  summary:
    "Serve one connection, replying to each chunk with it plus ' bork bork bork', then exit (--keep-open: serve one after another).",
  options: {
    ...ADDRESS_OPTIONS,
    "keep-open": {
      type: "boolean",
      description: "serve one connection after another until Ctrl-C or SIGTERM",
      defaultText: "exit after the first connection",
      short: "k",
    },
    ...QUIET_OPTION,
    ...TRACE_OPTION,
  },
  examples: [
    "netdemo server bork",
    "netdemo server bork -k -p 0",
    "netdemo server bork --host ::1 --port 65432 --trace",
  ],
};

/**
 * Runs the bork server from parsed arguments; resolves the exit code.
 *
 * @example
 * ```ts
 * import { run } from "./server_bork.ts";
 * // await run({ values: { port: "0" }, positionals: [] });
 * ```
 */
export function run(parsed: ParsedCommand): Promise<number> {
  const reporter = reporterFor(parsed.values);
  const options = {
    ...addressValues(parsed.values, spec.name),
    keepOpen: parsed.values["keep-open"] === true,
    reporter,
  };
  return superviseServer(() => serveBork(options), reporter);
}
