/**
 * `netdemo client app`: the command line of the application-protocol
 * client.
 *
 * @module
 */

import { requestApp } from "../client/app.ts";
import { DEFAULT_MAX_CONTENT } from "../protocol/app_codec.ts";
import {
  ADDRESS_OPTIONS,
  addressValues,
  type CommandSpec,
  optionalInteger,
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
  options: {
    ...ADDRESS_OPTIONS,
    "max-content": {
      type: "string",
      placeholder: "BYTES",
      description: "largest response content accepted",
      defaultText: String(DEFAULT_MAX_CONTENT),
    },
    ...TIMEOUT_OPTION,
    ...QUIET_OPTION,
    ...TRACE_OPTION,
  },
  examples: [
    "netdemo client app search café",
    'netdemo client app upload "hello there, server" -p 65432',
    "netdemo client app search 🐢 --timeout 5 --trace",
  ],
};

/**
 * Runs the app client from parsed arguments; resolves the exit code.
 *
 * @example
 * ```ts
 * import { run } from "./client_app.ts";
 * // await run({ values: {}, positionals: ["search", "port"] });
 * ```
 */
export function run(parsed: ParsedCommand): Promise<number> {
  const { values, positionals } = parsed;
  const command = spec.name;
  const [action, value] = positionals;
  const reporter = reporterFor(values);
  const options = {
    ...addressValues(values, command),
    maxContentLength: optionalInteger(values, {
      name: "--max-content",
      min: 0,
      max: 1024 * 1024 * 1024,
      command,
    }),
    timeoutMs: timeoutValue(values, { name: "--timeout", command }),
    reporter,
  };
  return superviseClient(async (signal) => {
    await requestApp(action, value, { ...options, signal });
    return 0;
  }, reporter);
}
