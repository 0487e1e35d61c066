/**
 * Unix domain socket against loopback TCP: the same netdemo echo server,
 * loaded by netdemo's `client multi` over each, which shows what TCP itself
 * costs the server per round trip. The socket lives in a temporary folder,
 * removed afterwards. For information: there is no target.
 *
 * @module
 */

import {
  describeLoads,
  type LoadFigure,
  ROUND_TRIPS_PER_SECOND,
  SERVER_CPU_PER_ROUND_TRIP,
} from "./_figures.ts";
import type { BenchComparison } from "./_comparison.ts";
import type { Runner } from "./_runner.ts";
import type { RowPlan } from "./_runs.ts";
import { TCP, type Transport } from "./_servers.ts";
import type { Row } from "./_table.ts";

type Way = "unix" | "tcp";
const WAYS: Way[] = ["unix", "tcp"];
const LABELS: Record<Way, string> = {
  unix: "netdemo over a Unix socket",
  tcp: "netdemo over loopback TCP",
};

const PLANS: RowPlan<Way, LoadFigure>[] = [
  { metric: ROUND_TRIPS_PER_SECOND, baseline: "tcp" },
  { metric: SERVER_CPU_PER_ROUND_TRIP, baseline: "tcp" },
];

/** The Unix socket comparison (`--only unix`). */
export const unixSocket: BenchComparison = {
  id: "unix",
  title: "echo over a Unix socket vs loopback TCP",
  async run(runner: Runner): Promise<Row[]> {
    const shape = runner.shape();
    runner.note(`unix: ${shape.text}, Unix socket vs TCP`);
    const dir = await Deno.makeTempDir({ prefix: "netdemo-bench-" });
    const transports: Record<Way, Transport> = {
      unix: { kind: "unix", path: `${dir}/echo.sock` },
      tcp: TCP,
    };
    try {
      const runs = await runner.interleaved(
        WAYS,
        (way) =>
          runner.measureServer("ours", {
            conns: shape.conns,
            generator: "netdemo",
            transport: transports[way],
          }),
      );
      return runs.rows(PLANS, {
        test: "unix",
        ours: "unix",
        labels: LABELS,
        name: (metric) =>
          `echo server ${metric.label} over a Unix socket vs loopback TCP: ${shape.text}`,
        describe: describeLoads,
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
};
