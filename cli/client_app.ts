/**
 * `netdemo client app`: the command line of the application-protocol
 * client.
 *
 * @module
 */

import { requestApp } from "../client/app.ts";
import type { Mode } from "./_mode.ts";
import type { OptionDecls } from "./_options.ts";
import { endpointValue } from "./_endpoint.ts";
import {
  CLIENT_ADDRESS_OPTIONS,
  CLIENT_TRANSPORT_OPTIONS,
  maxContentOption,
  QUIET_OPTION,
  TIMEOUT_OPTION,
  TRACE_OPTION,
} from "./_shared_options.ts";
import { superviseClient } from "./_run.ts";
import { UsageError } from "./_usage.ts";

const OPTIONS = {
  ...CLIENT_ADDRESS_OPTIONS,
  ...CLIENT_TRANSPORT_OPTIONS,
  ...maxContentOption("largest response content accepted"),
  ...TIMEOUT_OPTION,
  ...QUIET_OPTION,
  ...TRACE_OPTION,
} satisfies OptionDecls;

/**
 * The app client's mode: its options, help and runner.
 *
 * @example
 * ```ts
 * import { clientApp } from "./client_app.ts";
 * clientApp.positionals.map((p) => p.name); // ["ACTION", "VALUE"]
 * ```
 */
export const clientApp = {
  name: "client app",
  summary:
    "Send one app-protocol request (search, or any action as binary), print the response.",
  positionals: [
    {
      name: "ACTION",
      description: '"search" sends JSON; any other action is sent as binary',
    },
    { name: "VALUE", description: "what to search for, or the binary payload" },
  ],
  options: OPTIONS,
  examples: [
    "netdemo client app search café",
    'netdemo client app upload "hello there, server" -p 65432',
    "netdemo client app search 🐢 --timeout 5 --trace",
  ],
  run(command, reporter): Promise<number> {
    const [action, value] = command.positionals;
    if (action === "") {
      throw new UsageError(
        'ACTION must not be empty: "search", or a word sent with VALUE as binary',
      );
    }
    const options = {
      endpoint: endpointValue(command, "client"),
      maxContentLength: command.values["max-content"],
      timeoutMs: command.values.timeout,
      reporter,
    };
    return superviseClient(async (signal) => {
      await requestApp(action, value, { ...options, signal });
      return 0;
    }, reporter);
  },
} satisfies Mode<typeof OPTIONS>;
