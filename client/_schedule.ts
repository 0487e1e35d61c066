/**
 * When the load mode sends: the open-loop schedule of `--rate` (every
 * message has an intended send time fixed before the run, so a slow server
 * cannot slow the sending down and hide its own stall), and the pacing of
 * `--connect-rate`.
 *
 * @module
 */

import { MAX_TIMER_MS, sleep } from "../system/timers.ts";

/**
 * The intended send times of an open-loop run: `rate` round trips per
 * second in total, spread evenly over `slots` connections and interleaved,
 * so that slot `s`'s message `k` is due `(s + k * slots) / rate` seconds
 * after the start. Without a rate the run is closed-loop and nothing is due
 * at a fixed time.
 *
 * @example
 * ```ts
 * import { Schedule } from "./_schedule.ts";
 * const schedule = new Schedule({ rate: 1000, slots: 2 }, 0);
 * schedule.plannedAt(1, 3); // 7: slot 1's fourth message, in ms
 * ```
 */
export class Schedule {
  /** Round trips per second in total, or undefined for a closed loop. */
  readonly rate: number | undefined;
  /** Connections the rate is spread over. */
  readonly slots: number;
  /** `performance.now()` of the run's start. */
  readonly startMs: number;

  /** Creates the schedule of a run starting at `startMs`. */
  constructor(options: { rate?: number; slots: number }, startMs: number) {
    this.rate = options.rate;
    this.slots = options.slots;
    this.startMs = startMs;
  }

  /**
   * When slot `slot`'s message number `index` (from 0) is due, as a
   * `performance.now()` time; undefined in a closed loop.
   */
  plannedAt(slot: number, index: number): number | undefined {
    if (this.rate === undefined) return undefined;
    return this.startMs + (slot + index * this.slots) * 1000 / this.rate;
  }
}

/**
 * Timers have a resolution of about a millisecond: a send due sooner than
 * this goes now rather than a whole timer tick late. The latency of such a
 * message counts from its actual send, so going early never flatters it.
 */
export const EARLY_MS = 1;

/**
 * Waits until `time` (a `performance.now()` value) is less than
 * {@linkcode EARLY_MS} away, or until `signal` aborts.
 *
 * @example
 * ```ts
 * import { sleepUntil } from "./_schedule.ts";
 * await sleepUntil(performance.now() + 5);
 * ```
 */
export async function sleepUntil(
  time: number,
  signal?: AbortSignal,
): Promise<void> {
  while (time - performance.now() >= EARLY_MS && !signal?.aborted) {
    // A wait past the timer's longest is taken in steps.
    await sleep(Math.floor(time - performance.now()), signal);
  }
}

/**
 * Spaces events at `perSecond` a second from the first call (the k-th
 * waits until `k / perSecond` seconds after the first), or lets them all
 * through at once without a rate.
 *
 * @example
 * ```ts
 * import { Pacer } from "./_schedule.ts";
 * const pacer = new Pacer(1000);
 * await pacer.next();
 * await pacer.next(); // within about 1 ms after the first
 * await pacer.next({ before: 0 }); // false: the run is over
 * ```
 */
export class Pacer {
  #perSecond: number | undefined;
  #start: number | undefined;
  #count = 0;

  /** Creates a pacer for `perSecond` events a second (none: no pacing). */
  constructor(perSecond?: number) {
    this.#perSecond = perSecond;
  }

  /**
   * Resolves true when the next event is due, or at once false when it
   * would be due at or after `options.before` (a timed run's end), or once
   * `options.signal` is aborted.
   */
  async next(
    options: { signal?: AbortSignal; before?: number } = {},
  ): Promise<boolean> {
    if (this.#perSecond === undefined) return true;
    this.#start ??= performance.now();
    const due = this.#start + this.#count * 1000 / this.#perSecond;
    if (options.before !== undefined && due >= options.before) return false;
    this.#count++;
    await sleepUntil(due, options.signal);
    return options.signal?.aborted !== true;
  }
}

/** One sender waiting for its time. */
interface Waiter {
  time: number;
  wake: () => void;
}

/**
 * One timer for many senders: each waits for its own send time, and the
 * ticker keeps a single timer armed for the earliest, waking every sender
 * due within {@linkcode EARLY_MS} at once. A timer per message would cost
 * more than the message at tens of thousands of messages a second.
 *
 * @example
 * ```ts
 * import { Ticker } from "./_schedule.ts";
 * const ticker = new Ticker();
 * await new Promise<void>((wake) => ticker.at(performance.now() + 3, wake));
 * ticker.release();
 * ```
 */
export class Ticker {
  // A binary min-heap on time.
  #heap: Waiter[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedFor = Infinity;

  /**
   * Calls `wake` once `time` is less than {@linkcode EARLY_MS} away (at
   * once if it is already). A callback rather than a promise: the caller
   * may be woken for another reason first, without a race per message.
   */
  at(time: number, wake: () => void): void {
    if (time - performance.now() < EARLY_MS) {
      wake();
      return;
    }
    this.#push({ time, wake });
    if (time < this.#armedFor) this.#arm(time);
  }

  /** Wakes every waiter now and disarms the timer (at the run's end). */
  release(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const waiting = this.#heap;
    this.#heap = [];
    for (const waiter of waiting) waiter.wake();
  }

  #arm(time: number): void {
    clearTimeout(this.#timer);
    this.#armedFor = time;
    // A wait cut to the timer's longest fires early; #fire re-arms.
    const wait = Math.min(
      MAX_TIMER_MS,
      Math.max(0, Math.floor(time - performance.now())),
    );
    this.#timer = setTimeout(() => this.#fire(), wait);
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = performance.now();
    while (this.#heap.length > 0 && this.#heap[0].time - now < EARLY_MS) {
      this.#pop().wake();
    }
    if (this.#heap.length > 0) this.#arm(this.#heap[0].time);
  }

  #push(waiter: Waiter): void {
    const heap = this.#heap;
    heap.push(waiter);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].time <= heap[i].time) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  #pop(): Waiter {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      while (true) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < heap.length && heap[left].time < heap[least].time) {
          least = left;
        }
        if (right < heap.length && heap[right].time < heap[least].time) {
          least = right;
        }
        if (least === i) break;
        [heap[least], heap[i]] = [heap[i], heap[least]];
        i = least;
      }
    }
    return top;
  }
}
