/**
 * Output cost: netdemo's echo server with `--quiet` against its default
 * output, which collapses to one summary line a second under load, compared
 * by server CPU time per round trip.
 *
 * @module
 */

import {
  type BenchComparison,
  describeLoad,
  type LoadFigure,
  type Runner,
} from "./_runner.ts";
import { compareRow, type Row, series } from "./_table.ts";

type Mode = "quiet" | "default";

/** The output-cost comparison (`--only quiet`). */
export const quietOutput: BenchComparison = {
  id: "quiet",
  title: "quiet vs default output",
  async run(runner: Runner): Promise<Row[]> {
    const { size } = runner.settings;
    const conns = runner.settings.conns[0];
    runner.note("quiet: netdemo echo server with --quiet vs default output");
    const runs = await runner.interleaved(
      ["quiet", "default"] as Mode[],
      (mode) =>
        runner.measureServer("ours", { conns, verbose: mode === "default" }),
    );
    const figures = (mode: Mode): LoadFigure[] => runs.get(mode) ?? [];
    const cost = (mode: Mode) =>
      series(figures(mode).map((figure) => figure.serverMicrosPerRoundTrip));
    return [compareRow(cost("default"), cost("quiet"), {
      test: "quiet",
      name: `echo server default output vs --quiet: ${conns} conns x ${size} B`,
      unit: "us CPU/rt",
      better: "lower",
      bound: 1.05,
      notes: [
        ...figures("quiet").map((figure) => describeLoad("--quiet", figure)),
        ...figures("default").map((figure) => describeLoad("default", figure)),
        "server CPU time per round trip: what a message costs the server, which other work on the machine barely moves; <= 1.05x allows for the CPU clock's 10 ms ticks",
      ],
    })];
  },
};
