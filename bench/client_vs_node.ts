/**
 * The load client: netdemo's `client multi` against a Node load client doing
 * the same work, both driving the same Node echo server.
 *
 * @module
 */

import {
  CLIENT_CPU_PER_ROUND_TRIP,
  describeLoads,
  type LoadFigure,
  ROUND_TRIPS_PER_SECOND,
} from "./_figures.ts";
import type { BenchComparison } from "./_comparison.ts";
import type { Runner } from "./_runner.ts";
import type { RowPlan } from "./_runs.ts";
import { CLIENT_LABELS, type GeneratorName } from "./_servers.ts";
import type { Row } from "./_table.ts";

const CLIENTS: GeneratorName[] = ["netdemo", "node"];

const PLANS: RowPlan<GeneratorName, LoadFigure>[] = [
  { metric: ROUND_TRIPS_PER_SECOND, baseline: "node", bound: 1.0 },
  { metric: CLIENT_CPU_PER_ROUND_TRIP, baseline: "node" },
];

/** The load-client comparison (`--only client`). */
export const loadClient: BenchComparison = {
  id: "client",
  title: "load client",
  async run(runner: Runner): Promise<Row[]> {
    const shape = runner.shape();
    runner.note(
      "client: netdemo client multi vs Node load client, against the Node echo server",
    );
    const runs = await runner.measureClients("node", CLIENTS, shape);
    const saturated = CLIENTS.flatMap((name) => runs.of(name))
      .some((figure) => (figure.cpu?.server ?? 0) > 0.9);
    return runs.rows(PLANS, {
      test: "client",
      ours: "netdemo",
      labels: CLIENT_LABELS,
      name: (metric) =>
        `load client ${metric.label} vs Node net client: ${shape.text}`,
      describe: describeLoads,
      notes: saturated
        ? [
          "the server's CPU was saturated: the server, not the client, may have set the pace",
        ]
        : [],
    });
  },
};
