/**
 * Latencies for the load mode, kept in an HdrHistogram: every sample is
 * counted in a bucket whose width is at most 0.1% of its value, so the
 * percentiles are exact to three significant digits however many samples
 * there are, and the memory stays fixed. Histograms travel in HdrHistogram's
 * standard compressed base64 encoding, which any HdrHistogram library
 * reads, and add up exactly: that is how reports from several machines
 * merge.
 *
 * @module
 */

import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from "hdr-histogram-js";
import {
  checkHistogramBounds,
  withStandardRatio,
} from "../protocol/hdr_histogram.ts";

/** Samples are kept in microseconds: loopback round trips take tens of them. */
const MICROS_PER_MS = 1000;

/** The longest latency the histogram covers without growing: one hour. */
const HIGHEST_TRACKABLE_MICROS = 3_600 * 1_000_000;

/**
 * Latencies under this many µs are first tallied in a plain array, one
 * slot per microsecond, and handed to the histogram in bulk whenever it is
 * read. HdrHistogram's own `recordValue` takes a `log2` and two `Math.pow`
 * per sample: under callgrind, `pow` alone was 5% of the load client's
 * instructions per round trip. Adding a value n times at once gives the
 * very histogram that adding it n times one by one does.
 */
const TALLY_MICROS = 16_384;

/** The percentiles a report gives unless `--percentiles` says otherwise. */
export const DEFAULT_PERCENTILES: readonly number[] = [50, 90, 99, 99.9];

/**
 * Latency figures in milliseconds: `count`, `min`, `mean`, `stddev`, one
 * `pN` key per requested percentile (`p50`, `p99.9`) and `max`. Every
 * figure but `count` is null when there is no sample.
 */
export type LatencyStats = { count: number } & Record<string, number | null>;

/**
 * The JSON key of a percentile: `p50`, `p99.9`, and in plain decimals
 * however small (`p0.0000001`, not `p1e-7`).
 *
 * @example
 * ```ts
 * import { percentileKey } from "./latency.ts";
 * percentileKey(99.9); // "p99.9"
 * ```
 */
export function percentileKey(percentile: number): string {
  const text = String(percentile);
  // Below 1e-6 JavaScript writes an exponent; at most 100, never above.
  const exponent = /^\d(?:\.(\d+))?e-(\d+)$/.exec(text);
  if (exponent === null) return `p${text}`;
  const digits = Number(exponent[2]) + (exponent[1]?.length ?? 0);
  return `p${percentile.toFixed(Math.min(digits, 100))}`;
}

/**
 * True when `micros` is what a bucket holding `bucket` stands for: with three
 * significant digits a bucket spans at most 0.1% of its values (twice that
 * allowed, for the ms rounding of a report's figures).
 */
function withinBucket(micros: number, bucket: number): boolean {
  return Math.abs(micros - bucket) <= Math.max(1, bucket * 0.002);
}

function emptyHistogram(): Histogram {
  // The pure JS histogram (not WebAssembly) works the same under `deno
  // run` and in a compiled binary; 64-bit counts cannot overflow.
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_MICROS,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 64,
    autoResize: true,
    useWebAssembly: false,
  });
}

/**
 * Records latencies and answers percentile questions about them.
 *
 * @example
 * ```ts
 * import { LatencyRecorder } from "./latency.ts";
 * const latency = new LatencyRecorder();
 * latency.record(0.25);
 * latency.record(1.5);
 * latency.stats([50]).max; // 1.5
 * ```
 */
export class LatencyRecorder {
  #histogram: Histogram = emptyHistogram();
  // The exact extremes in µs: the encoding keeps only their buckets.
  #min = Infinity;
  #max = 0;
  // Counts of the samples under TALLY_MICROS not yet in the histogram,
  // made at the first sample: a decoded report never records.
  #tally: Float64Array | undefined;
  #tallied = 0;

  /**
   * Reads a histogram in HdrHistogram's compressed base64 encoding; throws
   * a RangeError when the text is not one. `exact` gives the extremes in
   * ms as the report printed them, which the encoding rounds to their
   * buckets.
   */
  static decode(
    encoded: string,
    exact: { min?: number | null; max?: number | null; count?: number } = {},
  ): LatencyRecorder {
    checkHistogramBounds(encoded);
    let histogram: Histogram;
    try {
      histogram = decodeFromCompressedBase64(encoded, 64, false);
    } catch (error) {
      throw new RangeError(
        "the histogram is not HdrHistogram compressed base64",
        {
          cause: error,
        },
      );
    }
    if (exact.count !== undefined && histogram.totalCount !== exact.count) {
      throw new RangeError(
        `the histogram holds ${histogram.totalCount} samples, not the report's own count of ${exact.count}`,
      );
    }
    const recorder = new LatencyRecorder();
    recorder.#histogram.add(histogram);
    if (histogram.totalCount > 0) {
      const min = typeof exact.min === "number"
        ? Math.round(exact.min * MICROS_PER_MS)
        : histogram.minNonZeroValue;
      const max = typeof exact.max === "number"
        ? Math.round(exact.max * MICROS_PER_MS)
        : histogram.maxValue;
      // Below a microsecond the histogram holds zeros, not a minimum.
      if (
        (min >= 1 && !withinBucket(min, histogram.minNonZeroValue)) ||
        !withinBucket(max, histogram.maxValue)
      ) {
        throw new RangeError(
          "the histogram does not agree with the report's own min or max latency",
        );
      }
      recorder.#min = min;
      recorder.#max = max;
    }
    return recorder;
  }

  /** How many samples were recorded. */
  get count(): number {
    return this.#histogram.totalCount + this.#tallied;
  }

  /** Records one latency of `ms` milliseconds. */
  record(ms: number): void {
    // Below 1 µs is below the clock's resolution: count it as 1 µs.
    let micros = Math.round(ms * MICROS_PER_MS);
    if (micros < 1) micros = 1;
    if (micros < TALLY_MICROS) {
      (this.#tally ??= new Float64Array(TALLY_MICROS))[micros]++;
      this.#tallied++;
    } else {
      this.#histogram.recordValue(micros);
    }
    if (micros > this.#max) this.#max = micros;
    if (micros < this.#min) this.#min = micros;
  }

  /** Adds every sample of `other`. */
  add(other: LatencyRecorder): void {
    this.#flushed().add(other.#flushed());
    this.#max = Math.max(this.#max, other.#max);
    this.#min = Math.min(this.#min, other.#min);
  }

  /** Forgets every sample. */
  reset(): void {
    if (this.#tallied > 0) this.#tally?.fill(0, this.#min, this.#tallyEnd());
    this.#tallied = 0;
    this.#histogram.reset();
    this.#min = Infinity;
    this.#max = 0;
  }

  // Past the last tally slot in use: every tallied sample lies between the
  // extremes, so only that stretch is ever walked.
  #tallyEnd(): number {
    return Math.min(this.#max, TALLY_MICROS - 1) + 1;
  }

  // The histogram with every tallied sample in it.
  #flushed(): Histogram {
    const tally = this.#tally;
    if (tally === undefined || this.#tallied === 0) return this.#histogram;
    const end = this.#tallyEnd();
    for (let micros = this.#min; micros < end; micros++) {
      const count = tally[micros];
      if (count > 0) {
        this.#histogram.recordValueWithCount(micros, count);
        tally[micros] = 0;
      }
    }
    this.#tallied = 0;
    return this.#histogram;
  }

  /** The latency that `percentile` % of samples stay within, in ms; null when empty. */
  percentile(percentile: number): number | null {
    if (this.count === 0) return null;
    // A percentile is its bucket's upper edge, which may lie above the
    // largest sample; no percentile can honestly exceed the maximum.
    const micros = Math.min(
      this.#flushed().getValueAtPercentile(percentile),
      this.#max,
    );
    return micros / MICROS_PER_MS;
  }

  /** The report's figures, in ms rounded to the microsecond. */
  stats(percentiles: readonly number[]): LatencyStats {
    const empty = this.count === 0;
    const h = this.#flushed();
    const stats: LatencyStats = {
      count: this.count,
      min: empty ? null : this.#min / MICROS_PER_MS,
      // The histogram's mean is of its buckets' midpoints, which can lie
      // past an extreme (one sample's mean a microsecond above its max).
      mean: empty ? null : roundMs(
        Math.min(Math.max(h.mean, this.#min), this.#max) / MICROS_PER_MS,
      ),
      stddev: empty ? null : roundMs(h.stdDeviation / MICROS_PER_MS),
    };
    for (const percentile of percentiles) {
      stats[percentileKey(percentile)] = this.percentile(percentile);
    }
    stats.max = empty ? null : this.#max / MICROS_PER_MS;
    return stats;
  }

  /** The histogram in HdrHistogram's compressed base64 encoding. */
  encode(): string {
    return withStandardRatio(encodeIntoCompressedBase64(this.#flushed()));
  }
}

function roundMs(ms: number): number {
  return Math.round(ms * MICROS_PER_MS) / MICROS_PER_MS;
}
