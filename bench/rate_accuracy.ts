/**
 * `--rate` accuracy: netdemo's `client multi --rate R --pipeline P` against
 * the fast C echo server, at every rate and pipeline depth asked for, with
 * the messages it actually sent a second set against the rate requested
 * (within 1% is the target). With one message in flight per connection the
 * rate is bounded by connections / round-trip time, and the client warns
 * when it falls behind; the notes say when it did, and give the corrected
 * (from each message's due time) and uncorrected latencies of every run.
 *
 * @module
 */

import type { LoadFigure } from "./_figures.ts";
import type { BenchComparison } from "./_comparison.ts";
import type { Runner } from "./_runner.ts";
import type { Metric, Runs } from "./_runs.ts";
import { compareRow, type Row, series } from "./_table.ts";

/** How far the rate sent may be from the rate requested. */
const MAX_RATE_ERROR = 0.01;

/** One rate at one pipeline depth. */
interface Plan {
  rate: number;
  pipeline: number;
  /** Its name in the progress lines and in {@linkcode Runs}. */
  key: string;
}

const SENT: Metric<LoadFigure> = {
  label: "sent",
  unit: "msg/s",
  better: "higher",
  pick: (figure) => figure.report.achievedRate ?? NaN,
};

/** The `--rate` accuracy comparison (`--only rate`). */
export const rateAccuracy: BenchComparison = {
  id: "rate",
  title: "--rate accuracy",
  async run(runner: Runner): Promise<Row[]> {
    const { rates, pipelines } = runner.settings;
    const shape = runner.shape();
    runner.note(
      `rate: netdemo client multi --rate, ${shape.text}, against the C echo server`,
    );
    const plans = new Map<string, Plan>();
    for (const pipeline of pipelines) {
      for (const rate of rates) {
        const key = `--pipeline ${pipeline} --rate ${rate}`;
        plans.set(key, { rate, pipeline, key });
      }
    }
    const runs = await runner.withServer(
      "c",
      (server) =>
        runner.interleaved([...plans.keys()], (key) => {
          const { rate, pipeline } = plans.get(key) as Plan;
          return runner.measureLoad(server, {
            conns: shape.conns,
            generator: "netdemo",
            extraArgs: ["--rate", String(rate), "--pipeline", String(pipeline)],
          });
        }),
    );
    return [...plans.values()].map((plan) =>
      compareRow(runs.series(plan.key, SENT), series([plan.rate]), {
        test: "rate",
        name: `--rate ${
          plan.rate.toLocaleString("en-US")
        }/s sent vs requested, --pipeline ${plan.pipeline}: ${shape.text}`,
        unit: SENT.unit,
        better: SENT.better,
        within: MAX_RATE_ERROR,
        notes: describe(runs, plan),
      })
    );
  },
};

function describe(runs: Runs<string, LoadFigure>, plan: Plan): string[] {
  const figures = runs.of(plan.key);
  const pair = (latency: Record<string, number | null> | undefined): string =>
    `${latency?.p50 ?? "-"}/${latency?.p99 ?? "-"}`;
  const behind =
    figures.filter((figure) =>
      figure.stderr.some((line) => line.includes("fell behind"))
    ).length;
  return [
    `${plan.key}: corrected p50/p99 ms ${
      figures.map((figure) => pair(figure.report.latencyMs)).join(", ")
    }; uncorrected ${
      figures.map((figure) => pair(figure.report.uncorrectedLatencyMs))
        .join(", ")
    }`,
    ...(behind > 0
      ? [
        `the client warned it fell behind in ${behind} of ${figures.length} runs`,
      ]
      : []),
  ];
}
