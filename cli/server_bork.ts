/**
 * `netdemo server bork`: the command line of the bork server.
 *
 * @module
 */

import { serveBork } from "../server/bork.ts";
import { BORK_SUFFIX } from "../protocol/bork.ts";
import type { Mode } from "./_mode.ts";
import type { OptionDecls } from "./_options.ts";
import { endpointValue } from "./_endpoint.ts";
import {
  QUIET_OPTION,
  SERVER_ADDRESS_OPTIONS,
  SERVER_TRANSPORT_OPTIONS,
  TRACE_OPTION,
} from "./_shared_options.ts";
import { superviseServer } from "./_run.ts";

const OPTIONS = {
  ...SERVER_ADDRESS_OPTIONS,
  ...SERVER_TRANSPORT_OPTIONS,
  "keep-open": {
    kind: "flag",
    description: "serve one connection after another until Ctrl-C or SIGTERM",
    defaultText: "exit after the first connection",
    short: "k",
  },
  ...QUIET_OPTION,
  ...TRACE_OPTION,
} satisfies OptionDecls;

/**
 * The bork server's mode: its options, help and runner.
 *
 * @example
 * ```ts
 * import { serverBork } from "./server_bork.ts";
 * serverBork.name; // "server bork"
 * ```
 */
export const serverBork = {
  name: "server bork",
  summary:
    `Serve one connection, replying to each chunk with it plus '${BORK_SUFFIX}', then exit (--keep-open: serve one after another).`,
  options: OPTIONS,
  examples: [
    "netdemo server bork",
    "netdemo server bork -k -p 0",
    "netdemo server bork --host ::1 --port 65432 --trace",
  ],
  run(command, reporter): Promise<number> {
    const options = {
      endpoint: endpointValue(command, "server"),
      keepOpen: command.values["keep-open"],
      reporter,
    };
    return superviseServer(() => serveBork(options), reporter);
  },
} satisfies Mode<typeof OPTIONS>;
