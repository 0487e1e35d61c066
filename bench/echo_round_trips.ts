/**
 * Echo round trips: netdemo's echo server against a bare Deno loop, Node and
 * Python, each driven by the same load generator at every `--conns` count.
 * The headline is the server's CPU time per round trip, which a 2-core
 * machine measures well; round trips per second are shown beside it but
 * compress towards 1x when the generator, not the server, sets the pace.
 *
 * @module
 */

import {
  describeLoads,
  generatorWarning,
  type LoadFigure,
  ROUND_TRIPS_PER_SECOND,
  SERVER_CPU_PER_ROUND_TRIP,
} from "./_figures.ts";
import type { BenchComparison } from "./_comparison.ts";
import type { Runner } from "./_runner.ts";
import type { RowPlan } from "./_runs.ts";
import {
  GENERATOR_LABELS,
  SERVER_LABELS,
  type ServerName,
} from "./_servers.ts";
import type { Row } from "./_table.ts";

const SERVERS: ServerName[] = ["ours", "deno", "node", "python"];

const PLANS: RowPlan<ServerName, LoadFigure>[] = [
  { metric: SERVER_CPU_PER_ROUND_TRIP, baseline: "deno", bound: 1.05 },
  { metric: ROUND_TRIPS_PER_SECOND, baseline: "deno", bound: 1.0 },
  { metric: ROUND_TRIPS_PER_SECOND, baseline: "node", bound: 1.0 },
  { metric: SERVER_CPU_PER_ROUND_TRIP, baseline: "node" },
  { metric: SERVER_CPU_PER_ROUND_TRIP, baseline: "python" },
];

/** The echo round-trip comparison (`--only echo`). */
export const echoRoundTrips: BenchComparison = {
  id: "echo",
  title: "echo round trips",
  async run(runner: Runner): Promise<Row[]> {
    const rows: Row[] = [];
    for (const conns of runner.settings.conns) {
      rows.push(...await measure(runner, conns));
    }
    return rows;
  },
};

async function measure(runner: Runner, conns: number): Promise<Row[]> {
  const shape = runner.shape(conns);
  const { generator } = runner.settings;
  runner.note(`echo: ${conns} connections x ${shape.size}-byte round trips`);
  const runs = await runner.interleaved(
    SERVERS,
    (name) => runner.measureServer(name, { conns }),
  );
  return runs.rows(PLANS, {
    test: "echo",
    ours: "ours",
    labels: SERVER_LABELS,
    name: (metric, baseline) =>
      `echo server ${metric.label} vs ${baseline}: ${shape.text}`,
    describe: describeLoads,
    notes: [
      `load generator for every server: ${GENERATOR_LABELS[generator]}`,
      ...generatorWarning(SERVERS.flatMap((name) => runs.of(name))),
    ],
  });
}
