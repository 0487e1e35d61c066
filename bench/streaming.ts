/**
 * Streaming: the same Node client keeps a window of bytes in flight on each
 * connection and counts what comes back, against netdemo's echo server, the
 * bare Deno loop and Node. Two shapes: one connection with 64 KiB writes and
 * ten connections with 16 KiB writes.
 *
 * @module
 */

import {
  type BenchComparison,
  describeCpu,
  type Runner,
  SERVER_LABELS,
  type ServerName,
  type StreamFigure,
} from "./_runner.ts";
import { compareRow, type Row, series } from "./_table.ts";

const SERVERS: ServerName[] = ["ours", "deno", "node"];

/** The shapes measured: connections, write size, bytes in flight each. */
const SHAPES = [
  { conns: 1, chunk: 64 * 1024, window: 1024 * 1024 },
  { conns: 10, chunk: 16 * 1024, window: 256 * 1024 },
];

/** The streaming comparison (`--only stream`). */
export const streaming: BenchComparison = {
  id: "stream",
  title: "streaming",
  async run(runner: Runner): Promise<Row[]> {
    const rows: Row[] = [];
    for (const shape of SHAPES) rows.push(...await measure(runner, shape));
    return rows;
  },
};

async function measure(
  runner: Runner,
  shape: typeof SHAPES[number],
): Promise<Row[]> {
  const title = `${shape.conns} conn${shape.conns === 1 ? "" : "s"} x ${
    shape.chunk / 1024
  } KiB writes`;
  runner.note(`stream: ${title}, ${shape.window / 1024} KiB in flight each`);
  const runs = await runner.interleaved(
    SERVERS,
    (name) => runner.measureStream(name, shape),
  );
  const figures = (name: ServerName): StreamFigure[] => runs.get(name) ?? [];
  const rate = (name: ServerName) =>
    series(figures(name).map((figure) => figure.mibPerSecond));
  const cost = (name: ServerName) =>
    series(figures(name).map((figure) => figure.serverMicrosPerMiB));
  const describe = (name: ServerName): string[] =>
    figures(name).map((figure) =>
      `${SERVER_LABELS[name]}: ${
        figure.mibPerSecond.toFixed(1)
      } MiB/s, server CPU ${figure.serverMicrosPerMiB.toFixed(0)} us/MiB; ${
        describeCpu(figure.cpu)
      }`
    );
  return [
    compareRow(rate("ours"), rate("deno"), {
      test: "stream",
      name: `echo server vs bare Deno loop: ${title}`,
      unit: "MiB/s",
      better: "higher",
      bound: 0.95,
      notes: [...describe("ours"), ...describe("deno")],
    }),
    compareRow(cost("ours"), cost("deno"), {
      test: "stream",
      name: `echo server CPU/MiB vs bare Deno loop: ${title}`,
      unit: "us CPU/MiB",
      better: "lower",
    }),
    compareRow(rate("ours"), rate("node"), {
      test: "stream",
      name: `echo server vs Node net: ${title}`,
      unit: "MiB/s",
      better: "higher",
      notes: describe("node"),
    }),
  ];
}
