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
  reporterFor,
  SERVER_TRANSPORT_OPTIONS,
  TRACE_OPTION,
} from "./_args.ts";
import { superviseServer } from "./_run.ts";

/** The mode's options and help. */
export const spec: CommandSpec = {
  name: "server bork",
  summary:
    "Serve one connection at a time; reply to each chunk with it plus ' bork bork bork'.",
  options: {
    ...ADDRESS_OPTIONS,
    ...SERVER_TRANSPORT_OPTIONS,
    "keep-open": {
      type: "boolean",
      description: "serve one connection after another until interrupted",
      defaultText: "exit after the first connection",
    },
    ...TRACE_OPTION,
  },
  example: "netdemo server bork --port 65432",
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
