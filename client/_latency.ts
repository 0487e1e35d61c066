/**
 * Round-trip latencies for the load mode, kept in an HdrHistogram: every
 * sample is counted in a bucket whose width is at most 0.1% of its value, so
 * the percentiles are exact to three significant digits however many
 * samples there are, and the memory stays fixed (a few hundred KiB).
 *
 * @module
 */

import { build, type Histogram } from "hdr-histogram-js";

/** Samples are kept in microseconds: loopback round trips take tens of them. */
const MICROS_PER_MS = 1000;

/** The longest round trip the histogram covers without growing: one hour. */
const HIGHEST_TRACKABLE_MICROS = 3_600 * 1_000_000;

/** Latency percentiles in milliseconds, as the report shows them. */
export interface LatencySummary {
  /** The median round trip. */
  p50: number;
  /** 90% of round trips took at most this long. */
  p90: number;
  /** 99% of round trips took at most this long. */
  p99: number;
  /** The slowest round trip. */
  max: number;
}

/**
 * Records round-trip times and answers percentile questions about them.
 *
 * @example
 * ```ts
 * import { LatencyRecorder } from "./_latency.ts";
 * const latency = new LatencyRecorder();
 * latency.record(0.25);
 * latency.record(1.5);
 * latency.summary().max; // 1.5
 * ```
 */
export class LatencyRecorder {
  #histogram: Histogram;

  /** Creates an empty recorder. */
  constructor() {
    // The pure JS histogram (not WebAssembly) works the same under `deno
    // run` and in a compiled binary; 64-bit counts cannot overflow.
    this.#histogram = build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: HIGHEST_TRACKABLE_MICROS,
      numberOfSignificantValueDigits: 3,
      bitBucketSize: 64,
      autoResize: true,
      useWebAssembly: false,
    });
  }

  /** How many samples were recorded. */
  get count(): number {
    return this.#histogram.totalCount;
  }

  /** Records one round trip of `ms` milliseconds. */
  record(ms: number): void {
    // Below 1 µs is below the clock's resolution: count it as 1 µs.
    const micros = Math.round(ms * MICROS_PER_MS);
    this.#histogram.recordValue(micros < 1 ? 1 : micros);
  }

  /** The round-trip time that `percentile` % of samples stay within, in ms. */
  percentile(percentile: number): number {
    if (this.count === 0) return 0;
    // A percentile is its bucket's upper edge, which may lie above the
    // largest sample; no percentile can honestly exceed the maximum.
    const micros = Math.min(
      this.#histogram.getValueAtPercentile(percentile),
      this.#histogram.maxValue,
    );
    return micros / MICROS_PER_MS;
  }

  /** The percentiles the report shows, in ms (all 0 when empty). */
  summary(): LatencySummary {
    return {
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      max: this.count === 0 ? 0 : this.#histogram.maxValue / MICROS_PER_MS,
    };
  }
}
