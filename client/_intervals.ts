/**
 * The `--interval` figures of a load run: round trips, throughput and
 * latency within each interval, as iperf3 prints them.
 *
 * @module
 */

import { LatencyRecorder } from "./latency.ts";
import { type IntervalReport, roundRate, roundTo } from "./load_report.ts";

/**
 * Cuts a run into intervals: it keeps the latencies of the current
 * interval and the run's counters at its start.
 *
 * @example
 * ```ts
 * import { IntervalMeter } from "./_intervals.ts";
 * const meter = new IntervalMeter(0, 64);
 * meter.record(0.2);
 * meter.close(1000, { roundTrips: 1, errors: 0 })?.roundTrips; // 1
 * ```
 */
export class IntervalMeter {
  /** Every interval closed so far. */
  readonly intervals: IntervalReport[] = [];
  #runStart: number;
  #size: number;
  #start: number;
  #trips = 0;
  #errors = 0;
  #latency = new LatencyRecorder();

  /**
   * Starts the first interval at `runStart`, for messages of `size` bytes;
   * `errors` is the run's error count then (a warm-up's), left out of it.
   */
  constructor(
    runStart: number,
    size: number,
    options: { errors?: number } = {},
  ) {
    this.#runStart = runStart;
    this.#start = runStart;
    this.#size = size;
    this.#errors = options.errors ?? 0;
  }

  /** When the current interval began. */
  get start(): number {
    return this.#start;
  }

  /** Records one round trip's latency in the current interval. */
  record(ms: number): void {
    this.#latency.record(ms);
  }

  /**
   * Closes the current interval at `now`, given the run's totals so far,
   * and starts the next. For the `last`, an interval of no time is dropped;
   * one in which nothing happened is the run's time too, and is kept.
   */
  close(
    now: number,
    totals: { roundTrips: number; errors: number; last?: boolean },
  ): IntervalReport | undefined {
    const last = totals.last ?? false;
    const trips = totals.roundTrips - this.#trips;
    const errors = totals.errors - this.#errors;
    const seconds = (now - this.#start) / 1000;
    if (last && seconds <= 0) return undefined;
    const perSecond = seconds > 0 ? trips / seconds : 0;
    const interval: IntervalReport = {
      startSeconds: roundTo((this.#start - this.#runStart) / 1000, 3),
      endSeconds: roundTo((now - this.#runStart) / 1000, 3),
      roundTrips: trips,
      roundTripsPerSecond: roundRate(perSecond),
      bytesPerSecond: Math.round(perSecond * this.#size),
      latencyMs: {
        p50: this.#latency.percentile(50),
        p99: this.#latency.percentile(99),
      },
      errors,
    };
    this.intervals.push(interval);
    this.#latency.reset();
    this.#start = now;
    this.#trips = totals.roundTrips;
    this.#errors = totals.errors;
    return interval;
  }
}
