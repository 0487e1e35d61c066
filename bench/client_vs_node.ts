/**
 * The load client: netdemo's `client multi` against a Node load client doing
 * the same work, both driving the same Node echo server.
 *
 * @module
 */

import {
  type BenchComparison,
  describeLoad,
  type GeneratorName,
  type LoadFigure,
  type Runner,
} from "./_runner.ts";
import { compareRow, type Row, series } from "./_table.ts";

/** The load-client comparison (`--only client`). */
export const loadClient: BenchComparison = {
  id: "client",
  title: "load client",
  async run(runner: Runner): Promise<Row[]> {
    const { size } = runner.settings;
    const conns = runner.settings.conns[0];
    runner.note(
      "client: netdemo client multi vs Node load client, against the Node echo server",
    );
    const server = await runner.startServer("node");
    let runs: Map<GeneratorName, LoadFigure[]>;
    try {
      runs = await runner.interleaved(
        ["netdemo", "node"] as GeneratorName[],
        (generator) => runner.measureLoad(server, { generator, conns }),
      );
    } finally {
      await server.child.stop();
    }
    const figures = (name: GeneratorName): LoadFigure[] => runs.get(name) ?? [];
    const rate = (name: GeneratorName) =>
      series(figures(name).map((figure) => figure.report.roundTripsPerSecond));
    const clientCost = (name: GeneratorName) =>
      series(
        figures(name).map((figure) =>
          figure.cpu === undefined
            ? NaN
            : (figure.cpu.client / figure.report.roundTripsPerSecond) * 1e6
        ),
      );
    const notes = [
      ...figures("netdemo").map((figure) =>
        describeLoad("netdemo client", figure)
      ),
      ...figures("node").map((figure) => describeLoad("Node client", figure)),
    ];
    const saturated = [...figures("netdemo"), ...figures("node")]
      .some((figure) => (figure.cpu?.server ?? 0) > 0.9);
    if (saturated) {
      notes.push(
        "the server's CPU was saturated: the server, not the client, may have set the pace",
      );
    }
    return [
      compareRow(rate("netdemo"), rate("node"), {
        test: "client",
        name: `load client vs Node net client: ${conns} conns x ${size} B`,
        unit: "round trips/s",
        better: "higher",
        bound: 1.0,
        notes,
      }),
      compareRow(clientCost("netdemo"), clientCost("node"), {
        test: "client",
        name:
          `load client CPU/rt vs Node net client: ${conns} conns x ${size} B`,
        unit: "us CPU/rt",
        better: "lower",
      }),
    ];
  },
};
