/**
 * Idle memory: how much a server's resident memory grows per connection
 * while `--idle-conns` connections sit idle, for netdemo's echo server, the
 * bare Deno loop (the runtime's own floor: one pending read per connection)
 * and Node.
 *
 * @module
 */

import { residentKiB } from "../tests/_children.ts";
import { establishedOnPort } from "./_procfs.ts";
import { formatErrors } from "./_figures.ts";
import type { BenchComparison } from "./_comparison.ts";
import { lastJson, type Runner } from "./_runner.ts";
import { HOST, SERVER_LABELS, type ServerName } from "./_servers.ts";
import { compareRow, type Row, series } from "./_table.ts";

const BENCH = new URL(".", import.meta.url).pathname;

const SERVERS: ServerName[] = ["ours", "deno", "node"];

/** The target per idle connection, in KiB. */
const TARGET_KIB = 4;

/** One run's growth per idle connection and what it came from. */
interface IdleFigure {
  perConnKiB: number;
  /** The resident sizes and connections the figure came from. */
  note: string;
}

/** The idle-memory comparison (`--only idle`). */
export const idleMemory: BenchComparison = {
  id: "idle",
  title: "idle memory",
  async run(runner: Runner): Promise<Row[]> {
    const count = runner.settings.idleConns;
    runner.note(`idle: ${count} idle connections`);
    const runs = await runner.interleaved(
      SERVERS,
      (name) => measure(runner, name),
    );
    const perConn = (name: ServerName) =>
      series(runs.of(name).map((figure) => figure.perConnKiB));
    const notes = SERVERS.map((name) =>
      `${SERVER_LABELS[name]}: ${
        runs.of(name).map((figure) =>
          `${figure.perConnKiB.toFixed(2)} KiB (${figure.note})`
        ).join("; ")
      }`
    );
    const absolute = perConn("ours").median;
    return [
      {
        test: "idle",
        name: `echo server memory per idle conn (${count} conns)`,
        unit: "KiB/conn",
        ours: perConn("ours"),
        better: "lower",
        target: `<= ${TARGET_KIB} KiB`,
        result: absolute <= TARGET_KIB ? "pass" : "MISS",
        notes: [
          ...notes,
          "growth of the server's VmRSS (after one warm-up connection) once every idle connection was accepted and a probe opened after them all was echoed; idle connections send nothing",
        ],
      },
      compareRow(perConn("ours"), perConn("deno"), {
        test: "idle",
        name: `idle memory vs bare Deno loop (${count} conns)`,
        unit: "KiB/conn",
        better: "lower",
      }),
      compareRow(perConn("ours"), perConn("node"), {
        test: "idle",
        name: `idle memory vs Node net (${count} conns)`,
        unit: "KiB/conn",
        better: "lower",
      }),
    ];
  },
};

async function measure(runner: Runner, name: ServerName): Promise<IdleFigure> {
  const count = runner.settings.idleConns;
  // Each side holds one descriptor per connection, plus its own few.
  const openFiles = count + 256;
  const server = await runner.startServer(name, {
    openFiles,
    maxConns: count + 100,
  });
  let holder;
  try {
    // One served connection first, so that code paths run once (and
    // compiled, and their buffers allocated) are not counted per connection.
    await probe(server.port);
    await runner.awaitQuiet();
    const before = await residentKiB(server.child.pid);
    holder = runner.spawnLoad("node idle client", [
      "node",
      `${BENCH}baselines/node_idle_client.mjs`,
      "--host",
      HOST,
      "--port",
      String(server.port),
      "--conns",
      String(count),
    ], { openFiles, stdin: true });
    await holder.waitForLine(/^\{/, {
      timeoutMs: Math.max(60_000, count * 20),
    });
    const ready = lastJson(holder) as {
      ready?: number;
      errors?: Record<string, number>;
    };
    if (ready.ready !== count) {
      throw new Error(
        `only ${ready.ready} of ${count} idle connections were served by the ${
          SERVER_LABELS[name]
        } server (${formatErrors(ready.errors ?? {})})`,
      );
    }
    // A measurement after the server has settled, not a synchronisation:
    // let it finish what accepting and the probe started.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await residentKiB(server.child.pid);
    const established = establishedOnPort(server.port);
    return {
      perConnKiB: (after - before) / count,
      note: `RSS ${mib(before)} -> ${
        mib(after)
      } MiB, ${established} established`,
    };
  } finally {
    await holder?.stop();
    await server.child.stop();
  }
}

/** One connection, one byte there and back, closed. */
async function probe(port: number): Promise<void> {
  const conn = await Deno.connect({ hostname: HOST, port });
  try {
    await conn.write(new Uint8Array([105]));
    const reply = new Uint8Array(1);
    if (await conn.read(reply) !== 1) {
      throw new Error(`no echo from ${HOST}:${port}`);
    }
  } finally {
    conn.close();
  }
}

function mib(kib: number): string {
  return (kib / 1024).toFixed(1);
}
