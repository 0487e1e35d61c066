/**
 * The `--interval` figures of a load run: round trips, throughput and
 * latency within each interval, as iperf3 prints them.
 *
 * @module
 */

import { LatencyRecorder } from "./latency.ts";
import { type IntervalReport, roundRate, roundTo } from "./load_report.ts";

// An interval closed but not yet reported: when it began and ended, the
// run's counters then, and its latencies (none when it had no sample).
type HeldInterval = {
  start: number;
  end: number;
  trips: number;
  errors: number;
  endTrips: number;
  endErrors: number;
  latency: LatencyRecorder | undefined;
};

/**
 * Cuts a run into intervals: it keeps the latencies of the current
 * interval and the run's counters at its start.
 *
 * @example
 * ```ts
 * import { IntervalMeter } from "./_intervals.ts";
 * const meter = new IntervalMeter(0, 64);
 * meter.record(0.2);
 * meter.close(1000, { roundTrips: 1, errors: 0 })[0].roundTrips; // 1
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
  #held: HeldInterval[] = [];
  #spares: LatencyRecorder[] = [];
  #foldMs: number;

  /**
   * Starts the first interval at `runStart`, for messages of `size` bytes;
   * `errors` is the run's error count then (a warm-up's), left out of it.
   * A run's last moments up to `foldMs` after a boundary join the interval
   * before it (see {@linkcode IntervalMeter.hold}).
   */
  constructor(
    runStart: number,
    size: number,
    options: { errors?: number; foldMs?: number } = {},
  ) {
    this.#runStart = runStart;
    this.#start = runStart;
    this.#size = size;
    this.#errors = options.errors ?? 0;
    this.#foldMs = options.foldMs ?? 0;
  }

  /** Where the intervals reported so far end: the run lasts at least that. */
  get start(): number {
    return this.#held[0]?.start ?? this.#start;
  }

  /** Records one round trip's latency in the current interval. */
  record(ms: number): void {
    this.#latency.record(ms);
  }

  /**
   * Closes the current interval at `now`, given the run's totals so far,
   * and starts the next. For the `last`, an interval of no time is dropped;
   * one in which nothing happened is the run's time too, and is kept. Held
   * intervals (see {@linkcode IntervalMeter.hold}) are reported first; at
   * the `last`, those that end after `now` or within `foldMs` before it
   * become part of it instead.
   */
  close(
    now: number,
    totals: { roundTrips: number; errors: number; last?: boolean },
  ): IntervalReport[] {
    const closed = this.release(totals.last ? now : Infinity);
    const folded = this.#held[0];
    if (folded !== undefined) {
      for (const held of this.#held) this.#absorb(held.latency);
      this.#held = [];
      this.#start = folded.start;
      this.#trips = folded.trips;
      this.#errors = folded.errors;
    }
    if (!(totals.last && now <= this.#start)) {
      closed.push(this.#report({
        start: this.#start,
        end: now,
        trips: totals.roundTrips - this.#trips,
        errors: totals.errors - this.#errors,
        latency: this.#latency,
      }));
    }
    this.#latency.reset();
    this.#start = now;
    this.#trips = totals.roundTrips;
    this.#errors = totals.errors;
    return closed;
  }

  /**
   * Closes the current interval at `now` as `close` does, but keeps it
   * back: past its duration a run may end at any moment, and an interval
   * is reported only once `release` is given a later time that the run
   * reached (an echo's), or by the last `close`. The time a run waits for
   * echoes that never come is then in no interval, and its last moments
   * never make a sliver of one.
   */
  hold(now: number, totals: { roundTrips: number; errors: number }): void {
    const sampled = this.#latency.count > 0;
    this.#held.push({
      start: this.#start,
      end: now,
      trips: this.#trips,
      errors: this.#errors,
      endTrips: totals.roundTrips,
      endErrors: totals.errors,
      latency: sampled ? this.#latency : undefined,
    });
    // Only an interval with samples keeps a recorder of its own: past the
    // one an echo released, at most two of them are held at a time.
    if (sampled) this.#latency = this.#spares.pop() ?? new LatencyRecorder();
    this.#start = now;
    this.#trips = totals.roundTrips;
    this.#errors = totals.errors;
  }

  /**
   * Reports, in order, the held intervals that ended `foldMs` or more
   * before `reached`, a time within the run.
   */
  release(reached: number): IntervalReport[] {
    const released: IntervalReport[] = [];
    while (
      this.#held.length > 0 && this.#held[0].end <= reached - this.#foldMs
    ) {
      const held = this.#held.shift()!;
      released.push(this.#report({
        start: held.start,
        end: held.end,
        trips: held.endTrips - held.trips,
        errors: held.endErrors - held.errors,
        latency: held.latency,
      }));
      this.#recycle(held.latency);
    }
    return released;
  }

  #absorb(latency: LatencyRecorder | undefined): void {
    if (latency === undefined) return;
    this.#latency.add(latency);
    this.#recycle(latency);
  }

  #recycle(latency: LatencyRecorder | undefined): void {
    if (latency === undefined) return;
    latency.reset();
    this.#spares.push(latency);
  }

  #report(span: {
    start: number;
    end: number;
    trips: number;
    errors: number;
    latency: LatencyRecorder | undefined;
  }): IntervalReport {
    const seconds = (span.end - span.start) / 1000;
    const perSecond = seconds > 0 ? span.trips / seconds : 0;
    const interval: IntervalReport = {
      startSeconds: roundTo((span.start - this.#runStart) / 1000, 6),
      endSeconds: roundTo((span.end - this.#runStart) / 1000, 6),
      roundTrips: span.trips,
      roundTripsPerSecond: roundRate(perSecond),
      bytesPerSecond: Math.round(perSecond * this.#size),
      latencyMs: {
        p50: span.latency?.percentile(50) ?? null,
        p99: span.latency?.percentile(99) ?? null,
      },
      errors: span.errors,
    };
    this.intervals.push(interval);
    return interval;
  }
}
