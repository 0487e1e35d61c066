/**
 * The benchmark's result rows and their one formatter: each row compares
 * netdemo's median with a baseline's median over interleaved runs, says
 * whether higher or lower is better, and shows every run so the spread is
 * visible next to the figure.
 *
 * @module
 */

import { errorMessage } from "../protocol/errors.ts";

/** Whether a larger figure is the better one (throughput) or not (cost). */
export type Better = "higher" | "lower";

/** A figure over several runs: the median that counts, and every run. */
export interface Series {
  /** The median of the runs. */
  median: number;
  /** Every run's figure, in the order run. */
  runs: number[];
}

/** One line of the result table. */
export interface Row {
  /** The comparison it belongs to (`--only` id). */
  test: string;
  /** What is compared, e.g. `echo server vs Node net: 100 conns x 64 B`. */
  name: string;
  /** The unit of `ours` and `baseline`, e.g. `us CPU/rt`. */
  unit: string;
  /** netdemo's figure. */
  ours?: Series;
  /** The baseline's figure. */
  baseline?: Series;
  /** ours / baseline, from the medians. */
  ratio?: number;
  /** Which direction is better for this row's unit. */
  better: Better;
  /** The target, in words, e.g. `>= 0.95x`. */
  target: string;
  /** `pass` or `MISS` against the target; `info` rows have none. */
  result: "pass" | "MISS" | "info" | "ERROR";
  /** Lines printed under the table, numbered like the row. */
  notes: string[];
}

/**
 * Builds a series from each run's figure. A run without the figure (NaN:
 * its CPU use went unsampled, say) is kept in `runs` to be shown but left
 * out of the median, which a sort with NaN in it would make depend on the
 * order of the runs.
 *
 * @example
 * ```ts
 * import { series } from "./_table.ts";
 * series([3, NaN, 1, 2]).median; // 2
 * ```
 */
export function series(runs: number[]): Series {
  const sorted = runs.filter((run) => !Number.isNaN(run)).sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length === 0
    ? NaN
    : sorted.length % 2 === 1
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, runs };
}

/** What {@linkcode compareRow} needs besides the two series. */
export interface RowSpec {
  /** The comparison's id. */
  test: string;
  /** The row's name. */
  name: string;
  /** The unit of both figures. */
  unit: string;
  /** Which direction is better. */
  better: Better;
  /**
   * The bound on ours / baseline: at least this when higher is better, at
   * most this when lower is better; undefined for a row shown for
   * information only.
   */
  bound?: number;
  /**
   * Instead of a bound: how far ours / baseline may be from 1 either way,
   * e.g. 0.01 for a rate that must be within 1% of the one asked for.
   */
  within?: number;
  /** Notes printed under the table. */
  notes?: string[];
}

/**
 * A row comparing the medians of two series against a ratio bound.
 *
 * @example
 * ```ts
 * import { compareRow, series } from "./_table.ts";
 * const row = compareRow(series([10, 11, 12]), series([10, 10, 10]), {
 *   test: "echo",
 *   name: "example",
 *   unit: "round trips/s",
 *   better: "higher",
 *   bound: 1.0,
 * });
 * row.result; // "pass"
 * ```
 */
export function compareRow(
  ours: Series,
  baseline: Series,
  spec: RowSpec,
): Row {
  const { bound, better, within } = spec;
  const target = within !== undefined
    ? `within ${within * 100}%`
    : bound === undefined
    ? "-"
    : `${better === "higher" ? ">=" : "<="} ${bound.toFixed(2)}x`;
  const base = {
    test: spec.test,
    name: spec.name,
    unit: spec.unit,
    ours,
    baseline,
    better,
    target,
    notes: [
      ...(spec.notes ?? []),
      `every run (${spec.unit}, ${better} is better): ours ${
        formatRuns(ours.runs)
      }; baseline ${formatRuns(baseline.runs)}`,
    ],
  };
  if (!(baseline.median > 0) || !Number.isFinite(ours.median)) {
    return { ...base, result: "ERROR" };
  }
  const ratio = ours.median / baseline.median;
  if (within !== undefined) {
    const met = Math.abs(ratio - 1) <= within;
    return { ...base, ratio, result: met ? "pass" : "MISS" };
  }
  if (bound === undefined) return { ...base, ratio, result: "info" };
  const met = better === "higher" ? ratio >= bound : ratio <= bound;
  return { ...base, ratio, result: met ? "pass" : "MISS" };
}

/**
 * A row for a comparison that could not be measured.
 *
 * @example
 * ```ts
 * import { errorRow } from "./_table.ts";
 * errorRow("idle", new Error("server did not start")).result; // "ERROR"
 * ```
 */
export function errorRow(test: string, error: unknown): Row {
  return {
    test,
    name: test,
    unit: "",
    better: "higher",
    target: "",
    result: "ERROR",
    notes: [errorMessage(error)],
  };
}

/**
 * A figure with its unit, rounded for the table.
 */
function formatValue(value: number | undefined, unit: string): string {
  if (value === undefined || Number.isNaN(value)) return "-";
  const short: Record<string, string> = {
    "round trips/s": "rt/s",
    "us CPU/rt": "us/rt",
    "us CPU/MiB": "us/MiB",
    "KiB/conn": "KiB",
  };
  const text = Math.abs(value) >= 1000
    ? Math.round(value).toLocaleString("en-US")
    : Math.abs(value) >= 10
    ? value.toFixed(1)
    : value.toFixed(2);
  return `${text} ${short[unit] ?? unit}`;
}

function formatRuns(runs: number[]): string {
  return runs.map((run) => formatValue(run, "").trim()).join(" / ");
}

/**
 * The table, then each row's notes numbered like the row.
 *
 * @example
 * ```ts
 * import { formatTable } from "./_table.ts";
 * formatTable([]); // the header and rule only
 * ```
 */
export function formatTable(rows: Row[]): string[] {
  const header = [
    "#",
    "test",
    "ours (median)",
    "baseline (median)",
    "ratio",
    "better",
    "target",
    "result",
  ];
  const body = rows.map((row, index) => [
    String(index + 1),
    row.name,
    formatValue(row.ours?.median, row.unit),
    formatValue(row.baseline?.median, row.unit),
    row.ratio === undefined ? "-" : `${row.ratio.toFixed(2)}x`,
    row.unit === "" ? "" : row.better,
    row.target,
    row.result,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => cells[column].length))
  );
  function line(cells: string[]): string {
    return `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  }
  const lines = [
    line(header),
    `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`,
    ...body.map(line),
    "",
  ];
  rows.forEach((row, index) => {
    for (const text of row.notes) lines.push(`${index + 1}. ${text}`);
  });
  return lines;
}
