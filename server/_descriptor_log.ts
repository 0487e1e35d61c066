/**
 * What a server says when it runs out of file descriptors. Under churn at
 * the limit it runs out and recovers many times a second; a line for each
 * time would flood the log (ncat prints every one), and hiding them all
 * would hide the limit. So the first time is one error line, later ones
 * at most one line per {@linkcode DESCRIPTOR_LINE_MS}, each counting those
 * it left out, and the recovery after a printed line is printed too, even
 * under `--quiet`, so that a quiet log shows the server came back.
 *
 * @module
 */

import type { Reporter } from "../output/reporter.ts";

/** After a line about the limit, the shortest time until the next one. */
export const DESCRIPTOR_LINE_MS = 10_000;

/**
 * The lines about the open-file limit of one server.
 *
 * @example
 * ```ts ignore
 * const log = new DescriptorLog(reporter);
 * log.ranOut(40, performance.now()); // the error line, the first time
 * log.recovered(30); // "Accepting connections again (30 open)"
 * log.end(); // how many times since the last line went unsaid, if any
 * ```
 */
export class DescriptorLog {
  #reporter: Reporter;
  #out = false;
  #printedAt = -Infinity;
  #said = false;
  #unsaid = 0;

  /** Starts with the server accepting. */
  constructor(reporter: Reporter) {
    this.#reporter = reporter;
  }

  /**
   * An accept failed for want of descriptors, with `open` connections: the
   * first failure of an episode, or a retry within it.
   */
  ranOut(open: number, now: number): void {
    if (this.#out && this.#said) return;
    if (!this.#out) {
      this.#out = true;
      this.#unsaid++;
    }
    // Asked again at every retry, so that an episode that began unsaid is
    // said once it has lasted past the pause: a stuck server is never
    // silent for longer than that.
    this.#said = now - this.#printedAt >= DESCRIPTOR_LINE_MS;
    if (!this.#said) return;
    // This episode is the line's own; those before it since the last line
    // are counted in it.
    this.#unsaid--;
    const since = this.#unsaid === 0
      ? ""
      : ` (reached ${times(this.#unsaid)} more since the last such line)`;
    this.#printedAt = now;
    this.#unsaid = 0;
    this.#reporter.error(
      `too many open files (${open} connections open): not accepting until some close; raise the limit with 'ulimit -n'${since}`,
    );
  }

  /** An accept succeeded again, with `open` connections. */
  recovered(open: number): void {
    if (!this.#out) return;
    this.#out = false;
    if (this.#said) {
      this.#reporter.always(`Accepting connections again (${open} open)`);
    }
  }

  /** The server stopped: says how often the limit was reached unsaid. */
  end(): void {
    if (this.#unsaid === 0) return;
    this.#reporter.note(
      `Since the last line about the open-file limit, it was reached ${
        times(this.#unsaid)
      } more`,
    );
    this.#unsaid = 0;
  }
}

function times(count: number): string {
  return count === 1 ? "once" : `${count} times`;
}
