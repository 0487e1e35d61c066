/**
 * `report merge`: combines the JSON reports of load runs made at the same
 * time from several machines into one. Percentiles cannot be averaged, so
 * the merge adds the runs' HdrHistograms and reads exact percentiles from
 * the sum; counts and rates add up.
 *
 * @module
 */

import { LatencyRecorder, type LatencyStats } from "./latency.ts";
import {
  type LoadReport,
  REPORT_SCHEMA,
  roundRate,
  roundTo,
} from "./load_report.ts";
import { reportProblem } from "./_report_shape.ts";

/**
 * A file that cannot be merged, with a one-line reason naming it.
 *
 * @example
 * ```ts
 * import { ReportError } from "./report_merge.ts";
 * throw new ReportError("a.json is not JSON");
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
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ReportError(
      `${name} is not a netdemo load report: not an object`,
    );
  }
  const report = value as Record<string, unknown>;
  if (!("schema" in report)) {
    throw new ReportError(
      `${name} is not a netdemo load report: it has no "schema" field`,
    );
  }
  if (report.schema !== REPORT_SCHEMA) {
    throw new ReportError(
      `${name} is a report of schema ${
        JSON.stringify(report.schema)
      }; this netdemo reads schema ${REPORT_SCHEMA}`,
    );
  }
  const problem = reportProblem(report);
  if (problem !== undefined) {
    throw new ReportError(
      `${name} is not a complete netdemo load report: ${problem}`,
    );
  }
  // Every round trip counted has its latency: a file where the two differ
  // was edited or cut, and would merge into totals that are not a run's.
  const complete = value as LoadReport;
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
    connectionsPerSecond: roundTo(
      sum((report) => report.connectionsPerSecond),
      1,
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

// How the messages name report `i`: its file, else its place.
function reportName(names: readonly string[], i: number): string {
  return names[i] ?? `report ${i + 1}`;
}

/**
 * Runs whose durations differ by more than this share did not run side by
 * side for their whole length, and their summed rates overstate the load.
 */
const UNEVEN_SHARE = 0.1;

/**
 * Says, in one sentence, when the merged runs lasted such different times
 * that adding their rates (as {@linkcode mergeReports} does, for runs made
 * at the same time) overstates the combined rate; else undefined.
 *
 * @example
 * ```ts
 * import { unevenDurations } from "./report_merge.ts";
 * // unevenDurations([threeSecondRun, oneSecondRun]): "the runs lasted ..."
 * ```
 */
export function unevenDurations(
  reports: readonly LoadReport[],
): string | undefined {
  const seconds = reports.map((report) => report.durationSeconds);
  const shortest = Math.min(...seconds);
  const longest = Math.max(...seconds);
  if (reports.length < 2 || shortest >= longest * (1 - UNEVEN_SHARE)) {
    return undefined;
  }
  return `the runs lasted from ${roundTo(shortest, 3)} s to ${
    roundTo(longest, 3)
  } s: their rates are added as if they had run side by side throughout, so the merged rates overstate the load`;
}

/**
 * Says, in one sentence, when some of the merged runs kept a `--rate`
 * schedule and others ran closed-loop: their latencies measure different
 * things (from the schedule, from the send), so the merged percentiles mix
 * the two; else undefined. `names` label the reports as in
 * {@linkcode mergeReports}.
 *
 * @example
 * ```ts
 * import { mixedLoops } from "./report_merge.ts";
 * // mixedLoops([ratedRun, closedLoopRun], ["a.json", "b.json"]):
 * // "a.json ran at --rate and b.json closed-loop: ..."
 * ```
 */
export function mixedLoops(
  reports: readonly LoadReport[],
  names: readonly string[] = [],
): string | undefined {
  const rated = reports.map((report) => report.config.rate !== null);
  const open = rated.indexOf(true);
  const closed = rated.indexOf(false);
  if (open < 0 || closed < 0) return undefined;
  const name = (i: number) => reportName(names, i);
  return `${name(open)} ran at --rate and ${
    name(closed)
  } closed-loop: the merged latencies mix latency from the schedule with latency from the send, and the merge gives no rate and no uncorrected latency`;
}

/**
 * Says, in one sentence, when the merged runs differ in what a round trip
 * was (the message size, the transport, the messages in flight per
 * connection): the merged report shows the first run's settings, and its
 * latencies mix round trips of each kind; else undefined. `names` label
 * the reports as in {@linkcode mergeReports}.
 *
 * @example
 * ```ts
 * import { mixedSettings } from "./report_merge.ts";
 * // mixedSettings([run64, run1MiB], ["a.json", "b.json"]):
 * // "the runs differ in message size (64 bytes in a.json, 1048576 in b.json): ..."
 * ```
 */
export function mixedSettings(
  reports: readonly LoadReport[],
  names: readonly string[] = [],
): string | undefined {
  // Each with the unit its first value is shown with.
  const settings: [string, (report: LoadReport) => string, string][] = [
    ["message size", (report) => `${report.config.size}`, " bytes"],
    ["transport", (report) => report.config.transport, ""],
    ["--pipeline", (report) => `${report.config.pipeline}`, ""],
    ["--omit warm-up", (report) => `${report.config.omitSeconds}`, " s"],
  ];
  const name = (i: number) => reportName(names, i);
  const differ: string[] = [];
  for (const [label, of, unit] of settings) {
    // Each value once, with the first report that has it.
    const firsts = new Map<string, number>();
    reports.forEach((report, i) => {
      if (!firsts.has(of(report))) firsts.set(of(report), i);
    });
    if (firsts.size < 2) continue;
    const values = [...firsts].map(([value, i], n) =>
      `${value}${n === 0 ? unit : ""} in ${name(i)}`
    );
    differ.push(`${label} (${values.join(", ")})`);
  }
  if (differ.length === 0) return undefined;
  return `the runs differ in ${
    differ.join(", ")
  }: the merged report shows the first's settings, and its latencies mix round trips of each kind`;
}

/**
 * Says, in one sentence, when two of the reports are one run given twice
 * (the same file under two names, say), which the merge would count
 * twice; else undefined. Two real runs never match in every figure and
 * every histogram bucket.
 *
 * @example
 * ```ts
 * import { repeatedRun } from "./report_merge.ts";
 * // repeatedRun([run, run], ["a.json", "./a.json"]):
 * // "a.json and ./a.json hold the same run: ..."
 * ```
 */
export function repeatedRun(
  reports: readonly LoadReport[],
  names: readonly string[] = [],
): string | undefined {
  const seen = new Map<string, number>();
  const name = (i: number) => reportName(names, i);
  for (const [i, report] of reports.entries()) {
    // Key order is a writer's choice (`jq -S` sorts them): not the run's.
    const key = JSON.stringify(report, sortedKeys);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      return `${name(earlier)} and ${
        name(i)
      } hold the same run: it is counted twice`;
    }
    seen.set(key, i);
  }
  return undefined;
}

// A JSON replacer that writes every object's keys in one order.
function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return value;
  }
  return Object.fromEntries(
    Object.entries(value).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0),
  );
}
