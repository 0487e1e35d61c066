/**
 * Echo over TLS: netdemo's echo server against a Node `tls` echo server
 * written for it (`bench/baselines/node_tls_echo_server.mjs`,
 * `socket.pipe(socket)`), on round trips (netdemo's `client multi` loads
 * both) and on one connection streaming 64 KiB writes with 1 MiB in flight
 * (the Node stream client with `--tls-ca`: the C one speaks no TLS). The
 * certificates are made with `openssl` for the run (`tests/_certs.ts`).
 *
 * @module
 */

import { testCerts } from "../tests/_certs.ts";
import {
  describeLoads,
  describeStreams,
  MIB_PER_SECOND,
  ROUND_TRIPS_PER_SECOND,
  SERVER_CPU_PER_MIB,
  SERVER_CPU_PER_ROUND_TRIP,
} from "./_figures.ts";
import type { BenchComparison, StreamOptions } from "./_comparison.ts";
import type { Runner } from "./_runner.ts";
import type { Metric } from "./_runs.ts";
import type { ServerName, Transport } from "./_servers.ts";
import type { Row } from "./_table.ts";

type TlsServer = Extract<ServerName, "ours" | "node">;
const SERVERS: TlsServer[] = ["ours", "node"];
const LABELS: Record<TlsServer, string> = {
  ours: "netdemo TLS",
  node: "Node tls",
};

const STREAM: StreamOptions = {
  conns: 1,
  chunk: 64 * 1024,
  window: 1024 * 1024,
  client: "node",
};

/** The TLS comparison (`--only tls`). */
export const tlsEcho: BenchComparison = {
  id: "tls",
  title: "echo over TLS",
  async run(runner: Runner): Promise<Row[]> {
    const shape = runner.shape();
    const certs = await testCerts();
    const transport: Transport = {
      kind: "tls",
      cert: certs.serverCert,
      key: certs.serverKey,
      ca: certs.ca,
    };
    runner.note(`tls: ${shape.text} round trips`);
    const trips = await runner.interleaved(
      SERVERS,
      (server) =>
        runner.measureServer(server, {
          conns: shape.conns,
          generator: "netdemo",
          transport,
        }),
    );
    runner.note("tls stream: 1 connection, 64 KiB writes, 1 MiB in flight");
    const streams = await runner.interleaved(
      SERVERS,
      (server) => runner.measureStream(server, { ...STREAM, transport }),
    );
    const rows = { test: "tls", ours: "ours", labels: LABELS } as const;
    const name = (what: string) => <T>(metric: Metric<T>): string =>
      `echo server ${metric.label} over TLS vs Node tls: ${what}`;
    return [
      ...trips.rows([
        { metric: ROUND_TRIPS_PER_SECOND, baseline: "node", bound: 1.0 },
        { metric: SERVER_CPU_PER_ROUND_TRIP, baseline: "node" },
      ], { ...rows, name: name(shape.text), describe: describeLoads }),
      ...streams.rows([
        { metric: MIB_PER_SECOND, baseline: "node", bound: 1.0 },
        { metric: SERVER_CPU_PER_MIB, baseline: "node" },
      ], {
        ...rows,
        name: name("1 conn streaming 64 KiB writes"),
        describe: describeStreams,
      }),
    ];
  },
};
