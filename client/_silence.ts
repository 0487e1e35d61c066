/**
 * How long a load connection has been silent, for `--timeout`: from the
 * connection's own send and read times, so that an echo ending a silence
 * longer than the limit is a timeout, whenever the watchdog last looked.
 *
 * @module
 */

import type { StreamSocket } from "../protocol/socket.ts";

/**
 * A connection's last movement of bytes, as its own steps tell (a send, a
 * read's completion), and the bytes written by then: a write still going
 * moves bytes at times nobody reads the clock for, which leaves the
 * silence unknown and so not over the limit.
 *
 * @example
 * ```ts ignore
 * const silence = new Silence(socket, 500);
 * silence.moved(performance.now()); // a send
 * // ... a read completes:
 * if (silence.endedLate(performance.now(), true)) connection.stop();
 * ```
 */
export class Silence {
  /** The limit in ms, or undefined for none. */
  readonly limitMs: number | undefined;
  #socket: StreamSocket;
  // From the start: a connection yet to send has not been silent before.
  #at = performance.now();
  #written = 0;

  /** Watches `socket` against `limitMs` (undefined: no limit). */
  constructor(socket: StreamSocket, limitMs: number | undefined) {
    this.#socket = socket;
    this.limitMs = limitMs;
  }

  /**
   * Bytes moved at `now`: a send began, or a write or read ended (after a
   * small message's write, which goes at once, its send time).
   */
  moved(now: number): void {
    // Called on every send and read: without a limit, nothing to keep.
    if (this.limitMs === undefined) return;
    this.#at = now;
    this.#written = this.#socket.bytesWritten;
  }

  /**
   * How long the connection has moved no byte, at `now`, in ms: from its
   * last send or read, or 0 when a write still going has moved bytes since
   * (noted as movement now). 0 without a limit.
   */
  quietFor(now: number): number {
    if (this.limitMs === undefined) return 0;
    if (this.#socket.bytesWritten !== this.#written) this.moved(now);
    return now - this.#at;
  }

  /**
   * True when bytes read at `now` ended a silence longer than the limit,
   * while echoes were `awaited`; notes the read as movement either way.
   */
  endedLate(now: number, awaited: boolean): boolean {
    const limit = this.limitMs;
    if (limit === undefined) return false;
    const late = awaited && now - this.#at > limit &&
      this.#socket.bytesWritten === this.#written;
    this.moved(now);
    return late;
  }
}
