/**
 * Output cost: netdemo's echo server with `--quiet` against its default
 * output, which collapses to one summary line a second under load, compared
 * by server CPU time per round trip.
 *
 * @module
 */

import { describeLoads, SERVER_CPU_PER_ROUND_TRIP } from "./_figures.ts";
import type { BenchComparison } from "./_comparison.ts";
import type { Runner } from "./_runner.ts";
import type { Row } from "./_table.ts";

type Mode = "quiet" | "default";
const MODES: Mode[] = ["quiet", "default"];
const LABELS: Record<Mode, string> = { quiet: "--quiet", default: "default" };

/** The output-cost comparison (`--only quiet`). */
export const quietOutput: BenchComparison = {
  id: "quiet",
  title: "quiet vs default output",
  async run(runner: Runner): Promise<Row[]> {
    const shape = runner.shape();
    runner.note("quiet: netdemo echo server with --quiet vs default output");
    const runs = await runner.interleaved(
      MODES,
      (mode) =>
        runner.measureServer("ours", {
          conns: shape.conns,
          verbose: mode === "default",
        }),
    );
    return runs.rows([
      { metric: SERVER_CPU_PER_ROUND_TRIP, baseline: "quiet", bound: 1.05 },
    ], {
      test: "quiet",
      ours: "default",
      labels: LABELS,
      name: () => `echo server default output vs --quiet: ${shape.text}`,
      describe: describeLoads,
      notes: [
        "server CPU time per round trip: what a message costs the server, which other work on the machine barely moves; <= 1.05x allows for the spread between runs (the 10 ms ticks of /proc/PID/stat put at most 0.7% into a 3 s run at one CPU)",
      ],
    });
  },
};
