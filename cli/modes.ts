/**
 * Every mode of the command line, keyed by the words that select it, and
 * the commands they are grouped under. The main help, each command's
 * help and the dispatcher are all made from this one table.
 *
 * @module
 */

import type { Mode } from "./_mode.ts";
import { serverBork } from "./server_bork.ts";
import { serverEcho } from "./server_echo.ts";
import { serverApp } from "./server_app.ts";
import { clientHello } from "./client_hello.ts";
import { clientCount } from "./client_count.ts";
import { clientMulti } from "./client_multi.ts";
import { clientApp } from "./client_app.ts";
import { sockets } from "./sockets.ts";
import { reportMerge } from "./report_merge.ts";

/**
 * The modes by their words, in the order help lists them.
 *
 * @example
 * ```ts
 * import { MODES } from "./modes.ts";
 * MODES["server echo"].summary;
 * ```
 */
export const MODES = {
  "server bork": serverBork,
  "server echo": serverEcho,
  "server app": serverApp,
  "client hello": clientHello,
  "client count": clientCount,
  "client multi": clientMulti,
  "client app": clientApp,
  "sockets": sockets,
  "report merge": reportMerge,
} satisfies Record<string, Mode>;

/**
 * What each command (the first word) is for, as the main help says it.
 *
 * @example
 * ```ts
 * import { COMMANDS } from "./modes.ts";
 * COMMANDS.server; // "run a server"
 * ```
 */
export const COMMANDS: Readonly<Record<string, string>> = {
  server: "run a server",
  client: "run a client",
  sockets: "list this machine's TCP sockets",
  report: "combine load reports from several machines",
};

/**
 * The modes of one command, by their second word (`bork`, `echo`, ...);
 * empty for an unknown command.
 *
 * @example
 * ```ts
 * import { modesOf } from "./modes.ts";
 * [...modesOf("server").keys()]; // ["bork", "echo", "app"]
 * ```
 */
export function modesOf(command: string): Map<string, Mode> {
  const found = new Map<string, Mode>();
  for (const [words, mode] of Object.entries(MODES)) {
    const [first, second] = words.split(" ");
    if (first === command && second !== undefined) found.set(second, mode);
  }
  return found;
}
