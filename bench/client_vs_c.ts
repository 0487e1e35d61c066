/**
 * The load client against a C generator: netdemo's `client multi` and a
 * small closed-loop C generator (`bench/baselines/c_load.c`: epoll, one
 * thread, one message in flight per connection, latency per round trip)
 * load the same fast C echo server (`c_echo_server.c`, epoll, one thread),
 * so that the client, not the server, sets the pace. The targets are issue
 * 10's: at least 0.85x the C generator's round trips per second, and a p50
 * within 15% of its. A bare Deno client doing the C generator's job
 * (`deno_load_client.ts`) runs beside them: what the runtime itself allows.
 *
 * @module
 */

import {
  CLIENT_CPU_PER_ROUND_TRIP,
  describeLoads,
  latency,
  type LoadFigure,
  ROUND_TRIPS_PER_SECOND,
  SERVER_CPU_PER_ROUND_TRIP_WHOLE_RUN,
} from "./_figures.ts";
import type { BenchComparison } from "./_comparison.ts";
import type { Runner } from "./_runner.ts";
import type { RowPlan } from "./_runs.ts";
import { CLIENT_LABELS, type GeneratorName } from "./_servers.ts";
import type { Row } from "./_table.ts";

const CLIENTS: GeneratorName[] = ["netdemo", "c", "deno"];

const PLANS: RowPlan<GeneratorName, LoadFigure>[] = [
  { metric: ROUND_TRIPS_PER_SECOND, baseline: "c", bound: 0.85 },
  { metric: latency("p50"), baseline: "c", bound: 1.15 },
  { metric: latency("p99"), baseline: "c" },
  { metric: CLIENT_CPU_PER_ROUND_TRIP, baseline: "c" },
  { metric: SERVER_CPU_PER_ROUND_TRIP_WHOLE_RUN, baseline: "c" },
  { metric: ROUND_TRIPS_PER_SECOND, baseline: "deno" },
  { metric: CLIENT_CPU_PER_ROUND_TRIP, baseline: "deno" },
];

// The runtime's floor against the same C generator.
const FLOOR_PLANS: RowPlan<GeneratorName, LoadFigure>[] = [
  { metric: ROUND_TRIPS_PER_SECOND, baseline: "c" },
  { metric: CLIENT_CPU_PER_ROUND_TRIP, baseline: "c" },
];

/** The load client vs C generator comparison (`--only client-c`). */
export const clientVsC: BenchComparison = {
  id: "client-c",
  title: "load client vs a C generator",
  async run(runner: Runner): Promise<Row[]> {
    const shape = runner.shape();
    runner.note(
      `client-c: netdemo client multi vs the C generator, ${shape.text}, against the C echo server`,
    );
    const runs = await runner.measureClients("c", CLIENTS, shape);
    return [
      ...runs.rows(PLANS, {
        test: "client-c",
        ours: "netdemo",
        labels: CLIENT_LABELS,
        name: (metric, baseline) =>
          metric === SERVER_CPU_PER_ROUND_TRIP_WHOLE_RUN
            ? `C echo server CPU/rt, loaded by netdemo vs by the C generator: ${shape.text}, closed loop`
            : `load client ${metric.label} vs ${baseline}: ${shape.text}, closed loop`,
        describe: describeLoads,
      }),
      ...runs.rows(FLOOR_PLANS, {
        test: "client-c",
        ours: "deno",
        labels: CLIENT_LABELS,
        name: (metric, baseline) =>
          `bare Deno client ${metric.label} vs ${baseline}: ${shape.text}, closed loop (the runtime's floor)`,
      }),
    ];
  },
};
