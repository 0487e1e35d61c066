/**
 * `netdemo client hello`: the command line of the hello client.
 *
 * @module
 */

import { DEFAULT_HELLO_MESSAGE, runHello } from "../client/hello.ts";
import type { Mode } from "./_mode.ts";
import type { OptionDecls } from "./_options.ts";
import { endpointValue } from "./_endpoint.ts";
import { nonEmpty } from "./_values.ts";
import {
  CLIENT_ADDRESS_OPTIONS,
  CLIENT_TRANSPORT_OPTIONS,
  QUIET_OPTION,
  TIMEOUT_OPTION,
  TRACE_OPTION,
} from "./_shared_options.ts";
import { superviseClient } from "./_run.ts";

const OPTIONS = {
  ...CLIENT_ADDRESS_OPTIONS,
  ...CLIENT_TRANSPORT_OPTIONS,
  message: {
    kind: "text",
    placeholder: "TEXT",
    description: "the message to send",
    default: DEFAULT_HELLO_MESSAGE,
    check: nonEmpty,
  },
  ...TIMEOUT_OPTION,
  ...QUIET_OPTION,
  ...TRACE_OPTION,
} satisfies OptionDecls;

/**
 * The hello client's mode: its options, help and runner.
 *
 * @example
 * ```ts
 * import { clientHello } from "./client_hello.ts";
 * clientHello.name; // "client hello"
 * ```
 */
export const clientHello = {
  name: "client hello",
  summary: "Send one message, print the server's whole reply.",
  options: OPTIONS,
  examples: [
    "netdemo client hello",
    'netdemo client hello -p 65432 --message "Hi there"',
    "netdemo client hello --host ::1 -t 5 --trace",
  ],
  run(command, reporter): Promise<number> {
    const { values } = command;
    const options = {
      endpoint: endpointValue(command, "client"),
      message: values.message,
      timeoutMs: values.timeout,
      reporter,
    };
    return superviseClient(async (signal) => {
      await runHello({ ...options, signal });
      return 0;
    }, reporter);
  },
} satisfies Mode<typeof OPTIONS>;
