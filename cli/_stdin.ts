/**
 * The line a command prints before it reads stdin from a terminal, so that
 * a person who typed `-` knows the program waits for them.
 *
 * @module
 */

import type { Reporter } from "../output/reporter.ts";

/**
 * Says on stderr that `what` is read from standard input, and how to end
 * it, when stdin is a terminal (a pipe or a file needs no word).
 *
 * @example
 * ```ts
 * import { announceStdin } from "./_stdin.ts";
 * import { Reporter } from "../output/reporter.ts";
 * announceStdin(new Reporter(), "a report (JSON)");
 * ```
 */
export function announceStdin(reporter: Reporter, what: string): void {
  if (!Deno.stdin.isTerminal()) return;
  reporter.note(
    `Reading ${what} from standard input; end it with Ctrl-D`,
  );
}
