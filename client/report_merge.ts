/**
 * `report merge`: combines the JSON reports of load runs made at the same
 * time from several machines into one. Percentiles cannot be averaged, so
 * the merge adds the runs' HdrHistograms and reads exact percentiles from
 * the sum; counts and rates add up.
 *
 * @module
 */

import { LatencyRecorder, type LatencyStats } from "./latency.ts";
import { type LoadReport, REPORT_SCHEMA, roundRate } from "./load_report.ts";
import { reportProblem } from "./_report_shape.ts";
import { isJsonObject } from "../protocol/json_object.ts";

/**
 * A file that cannot be merged, with a one-line reason naming it.
 *
 * @example
 * ```ts
 * import { ReportError } from "./report_merge.ts";
 * const error = new ReportError("a.json is not JSON");
 * error.message; // "a.json is not JSON"
 * ```
 */
export class ReportError extends Error {
  /** Creates the error with its one-line message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ReportError";
  }
}

/**
 * Reads one report from JSON text; `name` says where it came from in
 * error messages. Throws a {@linkcode ReportError} when the text is not a
 * netdemo load report of this schema.
 *
 * @example
 * ```ts
 * import { parseReport } from "./report_merge.ts";
 * try { parseReport("{}", "a.json"); } catch (error) { (error as Error).message; }
 * // 'a.json is not a netdemo load report: it has no "schema" field'
 * ```
 */
export function parseReport(text: string, name: string): LoadReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ReportError(
      `${name} is not JSON (a load report is what 'client multi --json' prints)`,
    );
  }
  if (!isJsonObject(value)) {
    throw new ReportError(
      `${name} is not a netdemo load report: not an object`,
    );
  }
  if (!("schema" in value)) {
    throw new ReportError(
      `${name} is not a netdemo load report: it has no "schema" field`,
    );
  }
  if (typeof value.schema !== "number") {
    throw new ReportError(
      `${name} is not a netdemo load report: its "schema" is ${
        JSON.stringify(value.schema)
      }, not a number (this netdemo reads schema ${REPORT_SCHEMA})`,
    );
  }
  if (value.schema !== REPORT_SCHEMA) {
    throw new ReportError(
      `${name} is a report of schema ${
        JSON.stringify(value.schema)
      }; this netdemo reads schema ${REPORT_SCHEMA}`,
    );
  }
  const problem = reportProblem(value);
  if (problem !== undefined) {
    throw new ReportError(
      `${name} is not a complete netdemo load report: ${problem}`,
    );
  }
  // Every round trip counted has its latency: a file where the two differ
  // was edited or cut, and would merge into totals that are not a run's.
  const complete = value as unknown as LoadReport;
  if (complete.roundTrips !== complete.latencyMs.count) {
    throw new ReportError(
      `${name} does not add up: "roundTrips" is ${complete.roundTrips}, but its latencies count ${complete.latencyMs.count} round trips`,
    );
  }
  return complete;
}

/**
 * Merges reports of runs made side by side: histograms, counts, rates and
 * errors add up; the duration is the longest; `config` is the first
 * report's with `connections` (and `rate`, when every run had one) summed.
 * Throws a {@linkcode ReportError} when a histogram cannot be read.
 *
 * @example
 * ```ts
 * import { mergeReports } from "./report_merge.ts";
 * // mergeReports([reportA, reportB]).roundTrips === reportA.roundTrips + reportB.roundTrips
 * ```
 */
export function mergeReports(
  reports: readonly LoadReport[],
  names: readonly string[] = [],
): LoadReport {
  if (reports.length === 0) {
    throw new RangeError("reports must hold at least one report, got none");
  }
  const percentiles = [
    ...new Set(reports.flatMap((report) => report.config.percentiles)),
  ].sort((a, b) => a - b);
  const latency = new LatencyRecorder();
  const connect = new LatencyRecorder();
  const uncorrected = new LatencyRecorder();
  const allRated = reports.every((report) =>
    typeof report.uncorrectedHistogram === "string" &&
    report.config.rate !== null
  );
  const errors: Record<string, number> = {};
  reports.forEach((report, i) => {
    const name = reportName(names, i);
    addTo(latency, decode(report.histogram, report.latencyMs, name), name);
    addTo(
      connect,
      decode(report.connectHistogram, report.connectLatencyMs, name),
      name,
    );
    if (allRated) {
      addTo(
        uncorrected,
        decode(report.uncorrectedHistogram!, report.uncorrectedLatencyMs, name),
        name,
      );
    }
    for (const [kind, count] of Object.entries(report.errors)) {
      // An own property only: a kind read from a file may be "constructor".
      errors[kind] = (Object.hasOwn(errors, kind) ? errors[kind] : 0) + count;
    }
  });
  const sum = (pick: (report: LoadReport) => number): number =>
    reports.reduce((total, report) => total + pick(report), 0);
  const first = reports[0];
  const merged: LoadReport = {
    schema: REPORT_SCHEMA,
    config: {
      ...first.config,
      connections: sum((report) => report.config.connections),
      rate: allRated ? sum((report) => report.config.rate ?? 0) : null,
      percentiles,
    },
    sources: sum((report) => report.sources),
    interrupted: reports.some((report) => report.interrupted),
    durationSeconds: Math.max(...reports.map((r) => r.durationSeconds)),
    connectionsOpened: sum((report) => report.connectionsOpened),
    connectionsPerSecond: roundRate(
      sum((report) => report.connectionsPerSecond),
    ),
    roundTrips: sum((report) => report.roundTrips),
    roundTripsPerSecond: roundRate(sum((report) => report.roundTripsPerSecond)),
    bytesPerSecond: sum((report) => report.bytesPerSecond),
    achievedRate: allRated
      ? roundRate(sum((report) => report.achievedRate ?? 0))
      : null,
    unsentRoundTrips: allRated
      ? sum((report) => report.unsentRoundTrips ?? 0)
      : null,
    latencyMs: latency.stats(percentiles),
    uncorrectedLatencyMs: allRated ? uncorrected.stats(percentiles) : null,
    connectLatencyMs: connect.stats(percentiles),
    errors,
    // Each run's intervals were timed by its own clock: they do not line up.
    intervals: [],
    histogram: latency.encode(),
    uncorrectedHistogram: allRated ? uncorrected.encode() : null,
    connectHistogram: connect.encode(),
  };
  const overflow = SUMMED.find((key) => !Number.isFinite(merged[key] ?? 0));
  if (overflow !== undefined || !Number.isFinite(merged.config.rate ?? 0)) {
    throw new ReportError(
      `the reports' "${
        overflow ?? "config.rate"
      }" add up to more than a number holds`,
    );
  }
  return merged;
}

// The sums that JSON could not write (it would print null).
const SUMMED = [
  "connectionsPerSecond",
  "roundTripsPerSecond",
  "bytesPerSecond",
  "achievedRate",
] as const;

function decode(
  encoded: string,
  stats: LatencyStats | null | undefined,
  name: string,
): LatencyRecorder {
  try {
    return LatencyRecorder.decode(encoded, {
      min: stats?.min,
      max: stats?.max,
      count: stats?.count,
    });
  } catch (error) {
    // The recorder's sentence, about this file's histogram.
    const reason = (error as Error).message.replace(/^the histogram /, "");
    throw new ReportError(`${name} holds a histogram that ${reason}`, {
      cause: error,
    });
  }
}

// HdrHistogram's counts are exact only below 2^53: past that the sum is
// refused rather than rounded.
function addTo(
  sum: LatencyRecorder,
  one: LatencyRecorder,
  name: string,
): void {
  try {
    // The library adds past 2^53 without a word, and fails later in its
    // own walk of the counts.
    if (sum.count + one.count > Number.MAX_SAFE_INTEGER) {
      throw new RangeError("the samples add up past 2^53");
    }
    sum.add(one);
  } catch (error) {
    throw new ReportError(
      `${name} holds more samples than can be added to the others' and still be counted exactly`,
      { cause: error },
    );
  }
}

/**
 * How the messages name report `i`: its file in `names`, else its place.
 *
 * @example
 * ```ts
 * import { reportName } from "./report_merge.ts";
 * reportName(["a.json"], 1); // "report 2"
 * ```
 */
export function reportName(names: readonly string[], i: number): string {
  return names[i] ?? `report ${i + 1}`;
}
