/**
 * Labelled reporters for the demo, so a newcomer sees which side of the
 * socket printed each line, and the bork server the lessons share.
 *
 * @module
 */

import { Reporter } from "../output/reporter.ts";
import type { ServerHandle } from "../server/summary.ts";
import { serveBork } from "../server/bork.ts";

/** The terminal every labelled reporter finally prints to. */
const terminal = new Reporter();

/**
 * A reporter that prefixes every line with a label such as `server |`.
 *
 * @example
 * ```ts
 * import { sideReporter } from "./_side.ts";
 * sideReporter("server").info("Listening on 127.0.0.1:1");
 * ```
 */
export function sideReporter(
  label: string,
  options: { quiet?: boolean; onLine?: (line: string) => void } = {},
): Reporter {
  const prefix = `${label.padEnd(6)} | `;
  return new Reporter({
    quiet: options.quiet,
    stdout: (line) => {
      terminal.always(prefix + line);
      options.onLine?.(line);
    },
    // One transcript on stdout, in order: `deno task demo | less` keeps
    // the errors the lessons are about (the second client's reset).
    stderr: (line) => terminal.always(prefix + line),
  });
}

/**
 * Starts the lessons' bork server: a free port, kept open for every client
 * the lesson runs, its lines labelled `server`.
 *
 * @example
 * ```ts
 * import { borkServer } from "./_side.ts";
 * const server = borkServer();
 * await server.close();
 * ```
 */
export function borkServer(): ServerHandle {
  return serveBork({
    port: 0,
    keepOpen: true,
    reporter: sideReporter("server"),
  });
}

/**
 * Prints a lesson heading.
 *
 * @example
 * ```ts
 * import { heading } from "./_side.ts";
 * heading("Lesson 1: a client and the bork server");
 * ```
 */
export function heading(title: string): void {
  terminal.always("");
  terminal.always(`== ${title} ==`);
}
