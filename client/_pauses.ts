/**
 * When the load client itself was not running: stopped (SIGSTOP, a
 * debugger), starved of CPU, or busy in one long task. A wait for an echo
 * that falls in such a time is the client's, however it looks: the echo
 * may have sat in the socket's buffer all along.
 *
 * @module
 */

/** How often the watch's own timer fires. */
const TICK_MS = 50;

/** A tick this much later than due marks the time between as a pause. */
const PAUSE_MS = 20;

/** The pauses kept: older ones are forgotten (a run has few). */
const KEPT = 256;

/**
 * Watches the client's own event loop with a timer of its own, one that
 * fires whether or not any connection sleeps, so a pause shows even when
 * every connection was waiting for an echo at the time.
 *
 * @example
 * ```ts ignore
 * const pauses = new PauseWatch();
 * pauses.start();
 * // ... a wait for an echo from `from` to `to`
 * const ownMs = pauses.heldBack(from, to);
 * pauses.stop();
 * ```
 */
export class PauseWatch {
  #due = Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  // [from, to] pairs, oldest first.
  #pauses: number[] = [];
  #longestMs = 0;

  /** The longest pause seen, in milliseconds. */
  get longestMs(): number {
    return this.#longestMs;
  }

  /** Starts the watch's timer. */
  start(): void {
    this.#arm(performance.now());
  }

  /** Stops the watch's timer; what it saw stays. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = Infinity;
  }

  /**
   * The milliseconds at the end of the time from `from` to `to`
   * (`performance.now()` times) that the client's own pause may have added
   * to a wait: from the start of the pause that ran up to `to` (ended
   * within PAUSE_MS of it) to `to`. An earlier pause added nothing that can
   * be told: the client may have run after it, and would then have read an
   * echo that had come. A pause still going on counts too: once the
   * watch's tick is overdue, its timers were not run, though the loop may
   * have taken an echo's read first.
   */
  heldBack(from: number, to: number): number {
    let start = to;
    if (performance.now() - this.#due >= PAUSE_MS && this.#due < to) {
      start = this.#due;
    } else {
      const pauses = this.#pauses;
      for (let i = pauses.length - 2; i >= 0; i -= 2) {
        if (pauses[i] >= to) continue;
        if (pauses[i + 1] >= to - PAUSE_MS) start = pauses[i];
        break;
      }
    }
    return Math.max(0, to - Math.max(start, from));
  }

  #arm(now: number): void {
    this.#due = now + TICK_MS;
    this.#timer = setTimeout(this.#tick, TICK_MS);
  }

  #tick = (): void => {
    const now = performance.now();
    const late = now - this.#due;
    if (late >= PAUSE_MS) {
      this.#pauses.push(this.#due, now);
      if (this.#pauses.length > 2 * KEPT) this.#pauses.splice(0, 2);
      this.#longestMs = Math.max(this.#longestMs, late);
    }
    this.#arm(now);
  };
}
