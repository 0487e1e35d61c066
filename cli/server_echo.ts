/**
 * `netdemo server echo`: the command line of the concurrent echo server.
 *
 * @module
 */

import { serveEcho } from "../server/echo.ts";
import type { Mode } from "./_mode.ts";
import type { OptionDecls } from "./_options.ts";
import { endpointValue } from "./_endpoint.ts";
import {
  GRACE_OPTION,
  idleTimeoutOption,
  MAX_CONNS_OPTION,
  QUIET_OPTION,
  SERVER_ADDRESS_OPTIONS,
  SERVER_TRANSPORT_OPTIONS,
  TRACE_OPTION,
} from "./_shared_options.ts";
import { superviseServer } from "./_run.ts";

const OPTIONS = {
  ...SERVER_ADDRESS_OPTIONS,
  ...SERVER_TRANSPORT_OPTIONS,
  ...MAX_CONNS_OPTION,
  ...idleTimeoutOption(),
  ...GRACE_OPTION,
  ...QUIET_OPTION,
  ...TRACE_OPTION,
} satisfies OptionDecls;

/**
 * The echo server's mode: its options, help and runner.
 *
 * @example
 * ```ts
 * import { serverEcho } from "./server_echo.ts";
 * serverEcho.name; // "server echo"
 * ```
 */
export const serverEcho = {
  name: "server echo",
  summary:
    "Serve many connections at once; send every byte back as it arrives.",
  options: OPTIONS,
  examples: [
    "netdemo server echo",
    "netdemo server echo -q -p 0 --max-conns 20000",
    "netdemo server echo --idle-timeout 30 --grace 1",
  ],
  run(command, reporter): Promise<number> {
    const { values } = command;
    const options = {
      endpoint: endpointValue(command, "server"),
      maxConns: values["max-conns"],
      idleTimeoutMs: values["idle-timeout"],
      graceMs: values.grace,
      reporter,
    };
    return superviseServer(() => serveEcho(options), reporter);
  },
} satisfies Mode<typeof OPTIONS>;
