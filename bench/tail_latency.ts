/**
 * Tail latency under an open-loop load: netdemo's own load client sends a
 * fixed number of messages a second whatever the server does (`--rate`), so
 * a server's stalls (garbage collection, timers, logging, accepting) show in
 * full in the high percentiles. Every server gets the same schedule; the
 * rows compare p99.9, show the maximum, and give each server's CPU time per
 * message at that one load.
 *
 * @module
 */

import {
  describeLoads,
  latency,
  type LoadFigure,
  SERVER_CPU_PER_ROUND_TRIP,
} from "./_figures.ts";
import type { BenchComparison } from "./_comparison.ts";
import type { Runner } from "./_runner.ts";
import type { RowPlan, Runs } from "./_runs.ts";
import { mergeReports, parseReport } from "../client/report_merge.ts";
import { errorMessage } from "../protocol/errors.ts";
import { SERVER_LABELS, type ServerName } from "./_servers.ts";
import { compareRow, type Row, series } from "./_table.ts";

const SERVERS: ServerName[] = ["ours", "deno", "node", "python"];

/** Connections and total messages a second of the open-loop load. */
const CONNS = 100;
const RATE = 30_000;

const PLANS: RowPlan<ServerName, LoadFigure>[] = [
  { metric: latency("p99.9"), baseline: "deno", bound: 1.3 },
  { metric: latency("max"), baseline: "deno" },
  { metric: latency("p99.9"), baseline: "node" },
  { metric: latency("p99.9"), baseline: "python" },
  // Closed-loop rows compare each server at its own pace, and a busier
  // server batches more per wake-up; here every server carries one load.
  { metric: SERVER_CPU_PER_ROUND_TRIP, baseline: "deno" },
  { metric: SERVER_CPU_PER_ROUND_TRIP, baseline: "node" },
];

/** The tail-latency comparison (`--only tail`). */
export const tailLatency: BenchComparison = {
  id: "tail",
  title: "tail latency at a fixed rate",
  async run(runner: Runner): Promise<Row[]> {
    const { size } = runner.settings;
    runner.note(
      `tail: ${CONNS} connections, ${RATE} x ${size}-byte messages a second (open loop)`,
    );
    const runs = await runner.interleaved(
      SERVERS,
      (name) =>
        runner.measureServer(name, {
          conns: CONNS,
          generator: "netdemo",
          extraArgs: ["--rate", String(RATE), "--percentiles", "50,99,99.9"],
        }),
    );
    const shape = `${CONNS} conns, ${RATE} msg/s x ${size} B`;
    return [
      ...runs.rows(PLANS, {
        test: "tail",
        ours: "ours",
        labels: SERVER_LABELS,
        name: (metric, baseline) => `${metric.label} vs ${baseline}: ${shape}`,
        describe: describeLoads,
      }),
      pooledRow(runs, shape),
    ];
  },
};

/**
 * One run's p99.9 rests on about a thousandth of its samples (90 in a 3 s
 * run at 30k/s): the runs' histograms added up give the percentile of every
 * sample, which moves far less from one bench to the next.
 */
function pooledRow(runs: Runs<ServerName, LoadFigure>, shape: string): Row {
  const problems: string[] = [];
  const pooled = (name: ServerName): number => {
    try {
      // The bench reads only the fields it shows; merging takes the whole
      // report netdemo's client printed, checked as report merge checks it.
      const reports = runs.of(name).map((figure, index) =>
        parseReport(JSON.stringify(figure.report), `run ${index + 1}`)
      );
      return mergeReports(reports).latencyMs["p99.9"] ?? NaN;
    } catch (error) {
      problems.push(`${SERVER_LABELS[name]}: ${errorMessage(error)}`);
      return NaN;
    }
  };
  const samples = (name: ServerName): number =>
    runs.of(name).reduce((sum, figure) => sum + figure.report.roundTrips, 0);
  return compareRow(series([pooled("ours")]), series([pooled("deno")]), {
    test: "tail",
    name:
      `p99.9 of every run's samples pooled vs ${SERVER_LABELS.deno}: ${shape}`,
    unit: "ms",
    better: "lower",
    notes: [
      `the runs' histograms added up (report merge): ${
        samples("ours").toLocaleString("en-US")
      } and ${samples("deno").toLocaleString("en-US")} round trips`,
      ...problems.map((problem) => `could not pool the runs: ${problem}`),
    ],
  });
}
