/**
 * How a load run's raw figures become its {@linkcode LoadResult}: the
 * rates over the counted time, the achieved send rate, the latency
 * statistics and histograms, and whether the client fell behind its
 * schedule. Kept apart from the run itself, which only gathers figures.
 *
 * @module
 */

import type { FailureTally } from "./failures.ts";
import type { LatencyRecorder } from "./latency.ts";
import {
  type IntervalReport,
  type LoadConfig,
  type LoadReport,
  REPORT_SCHEMA,
  roundTo,
} from "./load_report.ts";

/** The client fell behind when it sent less than this share of its schedule. */
const BEHIND_SHARE = 0.99;

/** What {@linkcode runLoad} resolves. */
export interface LoadResult {
  /** The report, as `--json` prints it. */
  report: LoadReport;
  /** The failures by kind, with the first one's message. */
  failures: FailureTally;
  /** True when the client sent under 99% of its `rate` schedule. */
  behind: boolean;
  /**
   * Set when a timed run ended before its duration because failures had
   * stopped every connection: the seconds it ran, warm-up included. Its
   * rates cover only that time.
   */
  endedEarlyAfter?: number;
}

/** A run's figures as it gathered them (times from `performance.now`). */
export interface RunFigures {
  /** What was asked. */
  config: LoadConfig;
  /** When counting began (after any warm-up). */
  started: number;
  /** When the counted time ended: the last echo, or the run's end. */
  end: number;
  /** Round trips counted. */
  roundTrips: number;
  /** Messages sent while counting. */
  sent: number;
  /** When the last counted message was sent. */
  lastSendAt: number;
  /** Connections opened, warm-up included. */
  opened: number;
  /** The failures by kind. */
  failures: FailureTally;
  /** Latency from each scheduled (closed loop: actual) send. */
  latency: LatencyRecorder;
  /** Latency from each actual send, only under a rate. */
  uncorrected: LatencyRecorder | undefined;
  /** Connect latency. */
  connectLatency: LatencyRecorder;
  /** The `--interval` figures, or none. */
  intervals: IntervalReport[];
  /** True after Ctrl-C or SIGTERM. */
  interrupted: boolean;
}

/**
 * The report and verdicts of a run from its figures.
 *
 * @example
 * ```ts ignore
 * import { loadResult } from "./_load_result.ts";
 * const { report, behind } = loadResult(figures);
 * ```
 */
export function loadResult(figures: RunFigures): LoadResult {
  const { config, started, end, roundTrips, sent, failures } = figures;
  const { rate, percentiles, size } = config;
  const seconds = (end - started) / 1000;
  const perSecond = seconds > 0 ? roundTrips / seconds : 0;
  // The last send's own slot of the schedule counts, so that a run that
  // sent on time every time comes out at the rate, not just under it.
  const sentRate = rate === null || sent === 0
    ? 0
    : sent / ((figures.lastSendAt - started) / 1000 + 1 / rate);
  // Rates below one a second keep three significant digits, not one
  // decimal, which would turn 1e-7/s into 0.
  const achieved = rate === null
    ? null
    : sentRate >= 1
    ? roundTo(sentRate, 1)
    : Number(sentRate.toPrecision(3));
  const { interrupted, opened } = figures;
  const report: LoadReport = {
    schema: REPORT_SCHEMA,
    config,
    sources: 1,
    interrupted,
    durationSeconds: roundTo(seconds, 3),
    connectionsOpened: opened,
    connectionsPerSecond: roundTo(seconds > 0 ? opened / seconds : 0, 1),
    roundTrips,
    roundTripsPerSecond: roundTo(perSecond, 1),
    bytesPerSecond: Math.round(perSecond * size),
    achievedRate: achieved,
    latencyMs: figures.latency.stats(percentiles),
    uncorrectedLatencyMs: figures.uncorrected?.stats(percentiles) ?? null,
    connectLatencyMs: figures.connectLatency.stats(percentiles),
    errors: { ...failures.counts } as Record<string, number>,
    intervals: figures.intervals,
    histogram: figures.latency.encode(),
    uncorrectedHistogram: figures.uncorrected?.encode() ?? null,
    connectHistogram: figures.connectLatency.encode(),
  };
  const behind = rate !== null && !interrupted && failures.total === 0 &&
    sentRate < BEHIND_SHARE * rate;
  return { report, failures, behind };
}
