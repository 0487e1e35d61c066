/**
 * `netdemo server echo`: the command line of the concurrent echo server.
 *
 * @module
 */

import { serveEcho } from "../server/echo.ts";
import { DEFAULT_GRACE_MS, DEFAULT_MAX_CONNS } from "../server/_serve.ts";
import {
  ADDRESS_OPTIONS,
  addressValues,
  type CommandSpec,
  optionalInteger,
  optionalSeconds,
  type ParsedCommand,
  QUIET_OPTION,
  reporterFor,
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
    "max-conns": {
      type: "string",
      placeholder: "N",
      description:
        "most connections served at once; more are accepted and closed at once",
      defaultText: String(DEFAULT_MAX_CONNS),
    },
    "idle-timeout": {
      type: "string",
      placeholder: "SECONDS",
      description:
        "close a connection with no traffic for this long (0: never)",
      defaultText: "never",
    },
    grace: {
      type: "string",
      placeholder: "SECONDS",
      description:
        "on Ctrl-C or SIGTERM, let open connections go on this long, then close them (a second signal: at once)",
      defaultText: String(DEFAULT_GRACE_MS / 1000),
    },
    ...QUIET_OPTION,
    ...TRACE_OPTION,
  },
  example: "netdemo server echo --port 65432 --max-conns 100 --idle-timeout 30",
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
  const idleTimeoutMs = optionalSeconds(values, {
    name: "--idle-timeout",
    command,
  });
  const graceMs = optionalSeconds(values, { name: "--grace", command }) ??
    DEFAULT_GRACE_MS;
  const reporter = reporterFor(values);
  const options = {
    ...addressValues(values, command),
    maxConns,
    idleTimeoutMs: idleTimeoutMs === 0 ? undefined : idleTimeoutMs,
    graceMs,
    reporter,
  };
  return superviseServer(() => serveEcho(options), reporter);
}
