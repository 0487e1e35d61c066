/**
 * Every run of an interleaved comparison, by name, and the table rows made
 * from them: a row takes one metric of every run of two names, compares
 * the medians and keeps every run, so that each comparison only lists
 * which rows it wants.
 *
 * @module
 */

import {
  type Better,
  compareRow,
  type Row,
  type Series,
  series,
} from "./_table.ts";

/** One figure of a run, and how the table names it. */
export interface Metric<T> {
  /** How a row's name calls the figure, e.g. `CPU/rt`. */
  label: string;
  /** Its unit, e.g. `us CPU/rt`. */
  unit: string;
  /** Which direction is better. */
  better: Better;
  /** Reads the figure from one run; NaN when the run does not give it. */
  pick: (figure: T) => number;
}

/** One row of {@linkcode Runs.rows}: a metric, whom ours is set against. */
export interface RowPlan<N, T> {
  /** The figure compared. */
  metric: Metric<T>;
  /** The name whose runs are the baseline. */
  baseline: N;
  /**
   * The bound on ours / baseline (at least it when higher is better, at
   * most it when lower is); none for a row shown for information.
   */
  bound?: number;
}

/** What every row of {@linkcode Runs.rows} shares. */
export interface RowsOptions<N extends string, T> {
  /** The comparison's `--only` id. */
  test: string;
  /** The name whose runs are ours. */
  ours: N;
  /** How rows and notes call each name, e.g. `Node net`. */
  labels: Record<N, string>;
  /**
   * The row's name from its metric and the baseline's label, e.g.
   * `echo server CPU/rt vs Node net: 100 conns x 64 B`.
   */
  name: (metric: Metric<T>, baseline: string) => string;
  /**
   * Lines describing every run of one name, put under the first row that
   * names it (ours under the first row).
   */
  describe?: (label: string, figures: T[]) => string[];
  /** More notes under the first row. */
  notes?: string[];
}

/**
 * Every run of each name, in the order run.
 *
 * @example
 * ```ts
 * import { Runs } from "./_runs.ts";
 * const runs = new Runs(new Map([["ours", [2, 3]], ["them", [4, 4]]]));
 * const [row] = runs.rows([{
 *   metric: { label: "cost", unit: "us", better: "lower", pick: (x) => x },
 *   baseline: "them",
 *   bound: 1,
 * }], {
 *   test: "example",
 *   ours: "ours",
 *   labels: { ours: "ours", them: "them" },
 *   name: (metric, baseline) => `${metric.label} vs ${baseline}`,
 * });
 * row.result; // "pass"
 * ```
 */
export class Runs<N extends string, T> {
  #runs: Map<N, T[]>;

  /** Runs by name, each list in the order run. */
  constructor(runs: Map<N, T[]>) {
    this.#runs = runs;
  }

  /** Every run of `name`, in the order run. */
  of(name: N): T[] {
    return this.#runs.get(name) ?? [];
  }

  /** One metric over every run of `name`. */
  series(name: N, metric: Metric<T>): Series {
    return series(this.of(name).map(metric.pick));
  }

  /** One row a plan, ours against each plan's baseline. */
  rows(plans: RowPlan<N, T>[], options: RowsOptions<N, T>): Row[] {
    const { describe, labels } = options;
    const described = new Set<N>();
    const describeOnce = (name: N): string[] => {
      if (described.has(name) || describe === undefined) return [];
      described.add(name);
      return describe(labels[name], this.of(name));
    };
    return plans.map(({ metric, baseline, bound }, index) =>
      compareRow(
        this.series(options.ours, metric),
        this.series(baseline, metric),
        {
          test: options.test,
          name: options.name(metric, labels[baseline]),
          unit: metric.unit,
          better: metric.better,
          bound,
          notes: [
            ...describeOnce(options.ours),
            ...describeOnce(baseline),
            ...(index === 0 ? options.notes ?? [] : []),
          ],
        },
      )
    );
  }
}
