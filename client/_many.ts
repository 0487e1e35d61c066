/**
 * What the multi-connection client's two modes share: opening many
 * connections without overflowing the server's listen backlog, turning the
 * open-file limit into one plain sentence, and naming a connection's
 * failure (the tally by kind is `failures.ts`).
 *
 * @module
 */

import { NetError, toNetError } from "../protocol/errors.ts";
import { openFileCount, openFileLimit } from "../system/open_files.ts";

/**
 * Most connects in flight at once. Opening thousands at the same instant
 * overflows the server's listen backlog; the kernel then drops SYNs and the
 * client retries a second later, which looks like a slow server.
 */
export const MAX_CONNECTS_IN_FLIGHT = 128;

/**
 * Lets at most `limit` tasks run at once; the others wait their turn in the
 * order they asked.
 *
 * @example
 * ```ts
 * import { Gate } from "./_many.ts";
 * const gate = new Gate(2);
 * await gate.run(() => Promise.resolve(1)); // 1
 * ```
 */
export class Gate {
  #free: number;
  #waiting: (() => void)[] = [];

  /** Creates a gate that lets `limit` tasks through at once. */
  constructor(limit: number) {
    this.#free = limit;
  }

  /** Runs `task` once a place is free; resolves or rejects as it does. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) {
      this.#free--;
    } else {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/**
 * Converts a connection's failure into a NetError; running out of local
 * ports reads as what it is rather than as a foreign address.
 *
 * @example
 * ```ts
 * import { connectionFailure } from "./_many.ts";
 * connectionFailure(new Deno.errors.ConnectionRefused("x"), "127.0.0.1:1").kind; // "refused"
 * ```
 */
export function connectionFailure(error: unknown, address: string): NetError {
  const failure = toNetError(error, { address });
  if (failure.kind === "address-unavailable") {
    return new NetError(
      "address-unavailable",
      `cannot connect to ${address}: no free local port is left (too many connections at once)`,
      { cause: error },
    );
  }
  return failure;
}

/**
 * Fails early, in one sentence, when `connections` cannot fit under the
 * process's open-file limit; does nothing when the limit cannot be read
 * (then {@linkcode openFileLimitError} explains an actual EMFILE).
 * Returns the limit read, undefined when unknown.
 *
 * @example
 * ```ts
 * import { checkOpenFileLimit } from "./_many.ts";
 * checkOpenFileLimit(10);
 * ```
 */
export function checkOpenFileLimit(connections: number): number | undefined {
  const limit = openFileLimit();
  if (limit === undefined) return undefined;
  const open = openFileCount();
  if (connections + (open ?? 0) <= limit) return limit;
  const inUse = open === undefined
    ? ", fewer than that"
    : ` and ${open} are in use already`;
  throw new NetError(
    "too-many-open-files",
    `cannot open ${connections} connections: this process may have at most ${limit} open files (ulimit -n)${inUse}; ask for fewer or raise the limit`,
  );
}

/**
 * The one-line error for a run that hit the open-file limit (EMFILE) while
 * opening `connections` connections. The limit itself is named only by
 * {@linkcode checkOpenFileLimit}, which can read it; here it could not be.
 *
 * @example
 * ```ts
 * import { openFileLimitError } from "./_many.ts";
 * openFileLimitError(5000).kind; // "too-many-open-files"
 * ```
 */
export function openFileLimitError(connections: number): NetError {
  return new NetError(
    "too-many-open-files",
    `cannot open ${connections} connections: the process ran out of file descriptors (the open-file limit, ulimit -n, is too low for that many); ask for fewer or raise the limit`,
  );
}

/**
 * Picks the failure that explains a connection, from those its writer and
 * reader saw in the order they saw them: different bytes if any (they are
 * the finding), else the first. Closing the socket after the first failure
 * makes the other side fail as a consequence, and a server's FIN and a
 * later RST are two events: the first one seen is what happened.
 *
 * @example
 * ```ts
 * import { firstFailure } from "./_many.ts";
 * import { NetError } from "../protocol/errors.ts";
 * firstFailure([new NetError("closed-early", "x"), new NetError("reset", "y")])?.kind; // "closed-early"
 * ```
 */
export function firstFailure(seen: NetError[]): NetError | undefined {
  return seen.find((failure) => failure.kind === "mismatch") ?? seen[0];
}
