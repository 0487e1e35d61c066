/**
 * Tail latency under an open-loop load: netdemo's own load client sends a
 * fixed number of messages a second whatever the server does (`--rate`), so
 * a server's stalls (garbage collection, timers, logging, accepting) show in
 * full in the high percentiles. Every server gets the same schedule; the
 * rows compare p99.9 and show the maximum.
 *
 * @module
 */

import {
  type BenchComparison,
  describeLoad,
  type LoadFigure,
  type Runner,
  SERVER_LABELS,
  type ServerName,
} from "./_runner.ts";
import { compareRow, type Row, series } from "./_table.ts";

const SERVERS: ServerName[] = ["ours", "deno", "node", "python"];

/** Connections and total messages a second of the open-loop load. */
const CONNS = 100;
const RATE = 30_000;

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
    const figures = (name: ServerName): LoadFigure[] => runs.get(name) ?? [];
    const latency = (name: ServerName, key: string) =>
      series(
        figures(name).map((figure) => {
          const value = figure.report.latencyMs[key];
          return typeof value === "number" ? value : NaN;
        }),
      );
    const shape = `${CONNS} conns, ${RATE} msg/s x ${size} B`;
    const describe = (name: ServerName): string[] =>
      figures(name).map((figure) => describeLoad(SERVER_LABELS[name], figure));
    return [
      compareRow(latency("ours", "p99.9"), latency("deno", "p99.9"), {
        test: "tail",
        name: `p99.9 latency vs bare Deno loop: ${shape}`,
        unit: "ms",
        better: "lower",
        bound: 1.3,
        notes: [...describe("ours"), ...describe("deno")],
      }),
      compareRow(latency("ours", "max"), latency("deno", "max"), {
        test: "tail",
        name: `max latency vs bare Deno loop: ${shape}`,
        unit: "ms",
        better: "lower",
      }),
      compareRow(latency("ours", "p99.9"), latency("node", "p99.9"), {
        test: "tail",
        name: `p99.9 latency vs Node net: ${shape}`,
        unit: "ms",
        better: "lower",
        notes: describe("node"),
      }),
      compareRow(latency("ours", "p99.9"), latency("python", "p99.9"), {
        test: "tail",
        name: `p99.9 latency vs Python selectors: ${shape}`,
        unit: "ms",
        better: "lower",
        notes: describe("python"),
      }),
    ];
  },
};
