/**
 * The send times of the messages in flight on one pipelined connection,
 * oldest first: a queue that reuses its arrays, so that a long run keeps
 * no more than the messages still in flight and allocates nothing per
 * message once it has grown to its window.
 *
 * @module
 */

/** Past this many taken entries the queue drops them before pushing on. */
const COMPACT_AFTER = 1024;

/**
 * Scheduled and actual send times of the messages in flight, oldest first.
 *
 * @example
 * ```ts
 * import { InFlightTimes } from "./_in_flight.ts";
 * const times = new InFlightTimes();
 * times.push(10, 12);
 * times.shift();
 * console.log(times.planned, times.sentAt); // 10 12
 * ```
 */
export class InFlightTimes {
  /** The scheduled send time of the message last shifted off. */
  planned = 0;
  /** The time the message last shifted off was handed to the OS. */
  sentAt = 0;
  #planned: number[] = [];
  #sentAt: number[] = [];
  #head = 0;

  /** Adds the newest message's scheduled and actual send times. */
  push(planned: number, sentAt: number): void {
    this.#planned.push(planned);
    this.#sentAt.push(sentAt);
  }

  /**
   * Takes the oldest message off, leaving its times in
   * {@linkcode InFlightTimes.planned} and {@linkcode InFlightTimes.sentAt}
   * (two fields rather than a pair, so that no object is made per echo).
   */
  shift(): void {
    const head = this.#head++;
    this.planned = this.#planned[head];
    this.sentAt = this.#sentAt[head];
    if (this.#head === this.#planned.length) {
      this.#planned.length = 0;
      this.#sentAt.length = 0;
      this.#head = 0;
    } else if (this.#head > COMPACT_AFTER) {
      this.#planned.splice(0, this.#head);
      this.#sentAt.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
