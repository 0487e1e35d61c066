/**
 * The error a mistake in the command line becomes: the CLI prints its
 * message as one line pointing to the mode's `--help`, and exits 2.
 *
 * @module
 */

/**
 * A mistake in the command line; the CLI prints it and exits 2.
 *
 * @example
 * ```ts
 * import { UsageError } from "./_usage.ts";
 * const error = new UsageError('--port must be an integer from 0 to 65535, got "x"');
 * error.message; // '--port must be an integer from 0 to 65535, got "x"'
 * ```
 */
export class UsageError extends Error {
  /**
   * The command whose `--help` the message points to, e.g. `server`; when
   * undefined, the mode that raised it (the CLI knows which).
   */
  readonly command: string | undefined;

  /** Creates a usage error, pointing to `command`'s help if given. */
  constructor(message: string, command?: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}
