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
  type BenchComparison,
  describeLoad,
  GENERATOR_LABELS,
  generatorWarning,
  type LoadFigure,
  type Runner,
  SERVER_LABELS,
  type ServerName,
} from "./_runner.ts";
import { compareRow, type Row, series } from "./_table.ts";

const SERVERS: ServerName[] = ["ours", "deno", "node", "python"];

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
  const { size, generator } = runner.settings;
  runner.note(`echo: ${conns} connections x ${size}-byte round trips`);
  const runs = await runner.interleaved(
    SERVERS,
    (name) => runner.measureServer(name, { conns }),
  );
  const figures = (name: ServerName): LoadFigure[] => runs.get(name) ?? [];
  const cost = (name: ServerName) =>
    series(figures(name).map((figure) => figure.serverMicrosPerRoundTrip));
  const rate = (name: ServerName) =>
    series(figures(name).map((figure) => figure.report.roundTripsPerSecond));
  const shape = `${conns} conns x ${size} B`;
  const notes = (baseline: ServerName): string[] => [
    ...figures("ours").map((figure) => describeLoad("netdemo", figure)),
    ...figures(baseline).map((figure) =>
      describeLoad(SERVER_LABELS[baseline], figure)
    ),
    `load generator for every server: ${GENERATOR_LABELS[generator]}`,
    ...generatorWarning([...figures("ours"), ...figures(baseline)]),
  ];
  return [
    compareRow(cost("ours"), cost("deno"), {
      test: "echo",
      name: `echo server CPU/rt vs bare Deno loop: ${shape}`,
      unit: "us CPU/rt",
      better: "lower",
      bound: 1.05,
      notes: notes("deno"),
    }),
    compareRow(rate("ours"), rate("deno"), {
      test: "echo",
      name: `echo server rt/s vs bare Deno loop: ${shape}`,
      unit: "round trips/s",
      better: "higher",
      bound: 1.0,
    }),
    compareRow(rate("ours"), rate("node"), {
      test: "echo",
      name: `echo server rt/s vs Node net: ${shape}`,
      unit: "round trips/s",
      better: "higher",
      bound: 1.0,
      notes: notes("node"),
    }),
    compareRow(cost("ours"), cost("node"), {
      test: "echo",
      name: `echo server CPU/rt vs Node net: ${shape}`,
      unit: "us CPU/rt",
      better: "lower",
    }),
    compareRow(cost("ours"), cost("python"), {
      test: "echo",
      name: `echo server CPU/rt vs Python selectors: ${shape}`,
      unit: "us CPU/rt",
      better: "lower",
      notes: notes("python"),
    }),
  ];
}
