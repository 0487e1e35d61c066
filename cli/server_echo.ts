/**
 * `netdemo server echo`: the command line of the concurrent echo server.
 *
 * @module
 */

import { serveEcho } from "../server/echo.ts";
import { DEFAULT_GRACE_MS, DEFAULT_MAX_CONNS } from "../server/serve.ts";
import {
  ADDRESS_OPTIONS,
  addressValues,
  type CommandSpec,
  GRACE_OPTION,
  idleTimeoutOption,
  MAX_CONNS_OPTION,
  optionalInteger,
  optionalSeconds,
  type ParsedCommand,
  QUIET_OPTION,
  reporterFor,
  SERVER_TRANSPORT_OPTIONS,
  timeoutValue,
  TRACE_OPTION,
} from "./_args.ts";
import { superviseServer } from "./_run.ts";

/** The mode's options and help. */
export const spec: CommandSpec = {
  name: "server echo",
  summary:
    "Serve many connections at once; send every byte back as it arrives.",
  options: {
    ...ADDRESS_OPTIONS,
    ...SERVER_TRANSPORT_OPTIONS,
    ...MAX_CONNS_OPTION,
    ...idleTimeoutOption("0"),
    ...GRACE_OPTION,
    ...QUIET_OPTION,
    ...TRACE_OPTION,
  },
  examples: [
    "netdemo server echo",
    "netdemo server echo -q -p 0 --max-conns 20000",
    "netdemo server echo --idle-timeout 30 --grace 1",
  ],
};

/**
 * Runs the echo server from parsed arguments; resolves the exit code.
 *
 * @example
 * ```ts
 * import { run } from "./server_echo.ts";
 * // await run({ values: { port: "0", quiet: true }, positionals: [] });
 * ```
 */
export function run(parsed: ParsedCommand): Promise<number> {
  const { values } = parsed;
  const command = spec.name;
  const maxConns =
    optionalInteger(values, { name: "--max-conns", min: 1, command }) ??
      DEFAULT_MAX_CONNS;
  const idleTimeoutMs = timeoutValue(values, {
    name: "--idle-timeout",
    command,
  });
  const graceMs = optionalSeconds(values, { name: "--grace", command }) ??
    DEFAULT_GRACE_MS;
  const reporter = reporterFor(values);
  const options = {
    ...addressValues(values, command),
    maxConns,
    idleTimeoutMs,
    graceMs,
    reporter,
  };
  return superviseServer(() => serveEcho(options), reporter);
}
