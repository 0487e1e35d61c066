/**
 * The load client's live progress line, drawn once a second on a terminal:
 * the rate since the last line, how far into its warm-up the run is, and
 * the p99 so far once round trips are counted.
 *
 * @module
 */

/** What a progress line reads of the run at the time it is drawn. */
export interface ProgressFigures {
  /** Every echo so far, warm-up included. */
  allTrips: number;
  /** Failures so far. */
  errors: number;
  /** The p99 of the counted round trips so far, in ms; null for none. */
  p99(): number | null;
}

/**
 * Makes each progress line from the figures at its time, remembering the
 * last line's time and echo count for the rate.
 *
 * @example
 * ```ts
 * import { ProgressLine } from "./_progress_line.ts";
 * const progress = new ProgressLine({ runStart: 0, countFrom: 0, omitSeconds: 0 });
 * progress.line(1000, { allTrips: 5, errors: 0, p99: () => 0.25 });
 * // "1 s elapsed: 5 round trips/s, p99 so far 0.250 ms, 0 errors"
 * ```
 */
export class ProgressLine {
  #runStart: number;
  #countFrom: number;
  #omitSeconds: number;
  #at: number;
  #trips = 0;

  /**
   * For a run that began at `runStart` and counts from `countFrom` (the end
   * of a warm-up of `omitSeconds`, or the start).
   */
  constructor(
    run: { runStart: number; countFrom: number; omitSeconds: number },
  ) {
    this.#runStart = run.runStart;
    this.#countFrom = run.countFrom;
    this.#omitSeconds = run.omitSeconds;
    this.#at = run.runStart;
  }

  /**
   * The line at `now`. During the warm-up nothing is counted yet, so the
   * line says how far into it the run is, without the (empty) latency.
   */
  line(now: number, figures: ProgressFigures): string {
    const since = this.#at;
    const perSecond = (figures.allTrips - this.#trips) /
      Math.max((now - since) / 1000, 1e-3);
    this.#at = now;
    this.#trips = figures.allTrips;
    const rate = `${Math.round(perSecond)} round trips/s`;
    const errors = `${figures.errors} errors`;
    // To a tenth: ticks come each second from the run's start, so after a
    // warm-up of 1.2 s the first one is 0.8 s into the counted time.
    const tenths = (ms: number): number => Number((ms / 1000).toFixed(1));
    if (now < this.#countFrom) {
      return `warming up, ${
        tenths(now - this.#runStart)
      } of ${this.#omitSeconds} s: ${rate}, ${errors}`;
    }
    // A tick just after the warm-up's end: its rate is mostly the
    // warm-up's, whatever has been counted since.
    if (now - this.#countFrom < this.#countFrom - since) {
      return `warm-up over: ${rate}, ${errors}`;
    }
    const p99 = figures.p99();
    const elapsed = `${tenths(now - this.#countFrom)} s elapsed`;
    if (p99 === null) {
      return `${elapsed}: ${rate}, nothing counted yet, ${errors}`;
    }
    return `${elapsed}: ${rate}, p99 so far ${p99.toFixed(3)} ms, ${errors}`;
  }
}
