/**
 * Helpers shared by the load-mode tests: running `client multi` against a
 * spawned echo server, servers that stall, and checking a JSON report's
 * shape against the README.
 *
 * @module
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import {
  type CliResult,
  runCli,
  type RunCliOptions,
  spawnQuietEcho,
} from "./_helpers.ts";
import { type EachServer, serveEach, writeAll } from "./_net.ts";
import { percentileKey } from "../client/latency.ts";

/** One mebibyte. */
export const MIB = 1024 * 1024;

/** A one-connection echo server from {@linkcode slowEcho}. */
export interface SlowEcho {
  /** Its port. */
  port: number;
  /** Settles once its one connection has ended. */
  served: Promise<void>;
}

/**
 * An echo server for one connection that answers each read `delayMs`
 * late: a round trip of known length, or, with one message in flight, a
 * rate of known ceiling.
 */
export function slowEcho(delayMs: number): SlowEcho {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    listener.close();
    const buffer = new Uint8Array(4096);
    try {
      for (let got; (got = await conn.read(buffer)) !== null;) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        await writeAll(conn, buffer.subarray(0, got));
      }
    } catch {
      // The client closed first.
    } finally {
      conn.close();
    }
  })();
  return { port: listener.addr.port, served };
}

/** Runs `client multi --port PORT ARGS...` against a spawned echo server. */
export async function loadAgainstEcho(
  args: string[],
  options: RunCliOptions = {},
): Promise<CliResult> {
  const server = await spawnQuietEcho();
  try {
    return await runCli(
      ["client", "multi", "--port", `${server.port}`, ...args],
      options,
    );
  } finally {
    await server.process.stop();
  }
}

function numberOrNull(value: unknown): boolean {
  return value === null || typeof value === "number";
}

/** Checks every field of a report against the README's types. */
export function assertReportShape(report: Record<string, unknown>): void {
  deepEqual(Object.keys(report).sort(), [
    "achievedRate",
    "bytesPerSecond",
    "config",
    "connectHistogram",
    "connectLatencyMs",
    "connectionsOpened",
    "connectionsPerSecond",
    "durationSeconds",
    "errors",
    "histogram",
    "interrupted",
    "intervals",
    "latencyMs",
    "roundTrips",
    "roundTripsPerSecond",
    "schema",
    "sources",
    "uncorrectedHistogram",
    "uncorrectedLatencyMs",
    "unsentRoundTrips",
  ]);
  equal(report.schema, 1);
  const config = report.config as Record<string, unknown>;
  deepEqual(Object.keys(config).sort(), [
    "connectRate",
    "connectTimeoutSeconds",
    "connections",
    "durationSeconds",
    "host",
    "intervalSeconds",
    "lifetime",
    "omitSeconds",
    "payloadFile",
    "percentiles",
    "pipeline",
    "port",
    "rate",
    "rounds",
    "size",
    "transport",
  ]);
  equal(config.transport, "tcp");
  equal(typeof config.host, "string");
  for (
    const key of ["port", "connections", "size", "pipeline", "omitSeconds"]
  ) {
    equal(typeof config[key], "number", key);
  }
  for (
    const key of [
      "rate",
      "durationSeconds",
      "rounds",
      "lifetime",
      "connectRate",
      "connectTimeoutSeconds",
      "intervalSeconds",
    ]
  ) ok(numberOrNull(config[key]), key);
  ok(config.payloadFile === null || typeof config.payloadFile === "string");
  ok(Array.isArray(config.percentiles));
  for (
    const key of [
      "sources",
      "durationSeconds",
      "connectionsOpened",
      "connectionsPerSecond",
      "roundTrips",
      "roundTripsPerSecond",
      "bytesPerSecond",
    ]
  ) equal(typeof report[key], "number", key);
  equal(typeof report.interrupted, "boolean");
  ok(numberOrNull(report.achievedRate));
  // A count under --rate, null in a closed loop, as achievedRate.
  equal(report.unsentRoundTrips === null, report.achievedRate === null);
  ok(
    report.unsentRoundTrips === null ||
      Number.isSafeInteger(report.unsentRoundTrips),
  );
  const percentileKeys = (config.percentiles as number[]).map(percentileKey);
  const statsKeys = ["count", "max", "mean", "min", "stddev", ...percentileKeys]
    .sort();
  for (const key of ["latencyMs", "connectLatencyMs", "uncorrectedLatencyMs"]) {
    const stats = report[key] as Record<string, unknown> | null;
    if (key === "uncorrectedLatencyMs" && stats === null) continue;
    deepEqual(Object.keys(stats!).sort(), statsKeys, key);
    equal(typeof stats!.count, "number");
    for (const [name, value] of Object.entries(stats!)) {
      ok(numberOrNull(value), `${key}.${name}`);
      if (stats!.count === 0) ok(name === "count" || value === null);
    }
  }
  equal(report.uncorrectedLatencyMs === null, config.rate === null);
  equal(report.uncorrectedHistogram === null, config.rate === null);
  for (const key of ["histogram", "connectHistogram"]) {
    match(report[key] as string, /^HISTF[A-Za-z0-9+/=]+$/, key);
  }
  ok(Object.values(report.errors as object).every((n) => Number.isInteger(n)));
  ok(Array.isArray(report.intervals));
}

/** The round trips of a JSON report's intervals, added up. */
export function intervalRoundTrips(
  report: { intervals: { roundTrips: number }[] },
): number {
  return report.intervals.reduce(
    (sum, interval) => sum + interval.roundTrips,
    0,
  );
}

/**
 * An echo server that stops reading for `stallMs` once, `afterMs` after
 * the first bytes arrive, on every connection at the same time (with
 * `firstOnly`, on the first one accepted only); with `delayMs`, each echo
 * also waits that long.
 */
export function stallingServer(
  afterMs: number,
  stallMs: number,
  options: { delayMs?: number; firstOnly?: boolean } = {},
): EachServer {
  let stallFrom = Infinity;
  return serveEach(async (conn, { index }) => {
    const stalls = !options.firstOnly || index === 0;
    const buffer = new Uint8Array(4096);
    while (true) {
      const now = performance.now();
      if (stalls && now >= stallFrom && now < stallFrom + stallMs) {
        await new Promise((resolve) =>
          setTimeout(resolve, stallFrom + stallMs - now)
        );
      }
      const got = await conn.read(buffer);
      if (got === null) break;
      if (stallFrom === Infinity) stallFrom = performance.now() + afterMs;
      if (options.delayMs !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      }
      await writeAll(conn, buffer.subarray(0, got));
    }
  });
}
