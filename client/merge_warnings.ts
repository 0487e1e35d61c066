/**
 * The warnings `report merge` prints on stderr, each one sentence: runs
 * that did not run side by side for their whole length, runs of different
 * loops or settings whose latencies the merge mixes, and one run given
 * twice.
 *
 * @module
 */

import type { LoadReport } from "./load_report.ts";
import { roundTo } from "./load_report.ts";
import { reportName } from "./report_merge.ts";
import { isJsonObject } from "../protocol/json_object.ts";

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
 * import { unevenDurations } from "./merge_warnings.ts";
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
 * import { mixedLoops } from "./merge_warnings.ts";
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
 * import { mixedSettings } from "./merge_warnings.ts";
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
 * import { repeatedRun } from "./merge_warnings.ts";
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
  if (!isJsonObject(value)) {
    return value;
  }
  return Object.fromEntries(
    Object.entries(value).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0),
  );
}
