/**
 * Streaming: the same C client keeps a window of bytes in flight on each
 * connection and counts what comes back, against netdemo's echo server, the
 * bare Deno loop and Node. Two shapes: one connection with 64 KiB writes and
 * ten connections with 16 KiB writes.
 *
 * @module
 */

import {
  describeStreams,
  MIB_PER_SECOND,
  SERVER_CPU_PER_MIB,
  type StreamFigure,
} from "./_figures.ts";
import type { BenchComparison, StreamOptions } from "./_comparison.ts";
import type { Runner } from "./_runner.ts";
import type { RowPlan } from "./_runs.ts";
import { SERVER_LABELS, type ServerName } from "./_servers.ts";
import type { Row } from "./_table.ts";

const SERVERS: ServerName[] = ["ours", "deno", "node"];

/** The shapes measured: connections, write size, bytes in flight each. */
const SHAPES: StreamOptions[] = [
  { conns: 1, chunk: 64 * 1024, window: 1024 * 1024 },
  { conns: 10, chunk: 16 * 1024, window: 256 * 1024 },
];

const PLANS: RowPlan<ServerName, StreamFigure>[] = [
  { metric: MIB_PER_SECOND, baseline: "deno", bound: 0.95 },
  { metric: SERVER_CPU_PER_MIB, baseline: "deno" },
  { metric: MIB_PER_SECOND, baseline: "node" },
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

async function measure(runner: Runner, shape: StreamOptions): Promise<Row[]> {
  const title = `${shape.conns} conn${shape.conns === 1 ? "" : "s"} x ${
    shape.chunk / 1024
  } KiB writes`;
  runner.note(`stream: ${title}, ${shape.window / 1024} KiB in flight each`);
  const runs = await runner.interleaved(
    SERVERS,
    (name) => runner.measureStream(name, shape),
  );
  return runs.rows(PLANS, {
    test: "stream",
    ours: "ours",
    labels: SERVER_LABELS,
    name: (metric, baseline) =>
      `echo server ${metric.label} vs ${baseline}: ${title}`,
    describe: describeStreams,
  });
}
