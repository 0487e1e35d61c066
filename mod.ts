/**
 * netdemo: every server and client of a socket-programming course, and a
 * TCP test instrument (a fast echo server, an open-loop load client with
 * HdrHistogram latencies), as a library and as one command,
 * `netdemo <server|client> <mode> [options]`.
 *
 * Run as a program, this module is the command line; imported, it is the
 * library the command line is made of: each server returns a handle with
 * its address, a `closed` promise and `close()`, each client resolves what
 * it saw.
 *
 * @example Serve echo on a free port and load it for 100 round trips
 * ```ts
 * import { runLoad, serveEcho } from "./mod.ts";
 * const server = serveEcho({ port: 0 });
 * const { report } = await runLoad({ port: server.addr.port, rounds: 100 });
 * report.roundTrips; // 200: two connections by default
 * await server.close();
 * ```
 *
 * @example The command line
 * ```sh
 * netdemo server bork --port 0
 * netdemo client hello --port 65432
 * ```
 *
 * @module
 */

import { main } from "./cli/main.ts";

export { main, type MainOptions } from "./cli/main.ts";
export { type BorkServerOptions, serveBork } from "./server/bork.ts";
export { type EchoServerOptions, serveEcho } from "./server/echo.ts";
export { type AppServerOptions, serveApp } from "./server/app.ts";
export type { ListenOptions } from "./server/listener.ts";
export type {
  CloseOptions,
  ServerHandle,
  ServerKind,
  ServerSummary,
} from "./server/summary.ts";
export type {
  ConnectionServer,
  ConnectionServerOptions,
} from "./server/serve.ts";
export {
  type HelloOptions,
  type HelloResult,
  runHello,
} from "./client/hello.ts";
export type { ClientOptions } from "./client/common.ts";
export { type CountOptions, runCount } from "./client/count.ts";
export { type AppClientOptions, requestApp } from "./client/app.ts";
export {
  formatMultiSummary,
  type MultiOptions,
  type MultiResult,
  runMulti,
} from "./client/multi.ts";
export {
  formatInterval,
  formatLoadReport,
  type IntervalReport,
  type LoadOptions,
  type LoadReport,
  type LoadResult,
  runLoad,
  type Verdict,
} from "./client/load.ts";
export type { LoadConfig } from "./client/load_report.ts";
export type { LatencyStats } from "./client/latency.ts";
export { FailureTally } from "./client/failures.ts";
export {
  mergeReports,
  parseReport,
  ReportError,
} from "./client/report_merge.ts";
export { listSockets } from "./sockets/list.ts";
export type { SocketRecord, TcpProtocol } from "./sockets/proc_net.ts";
export type { SocketFilter } from "./sockets/table.ts";
export type {
  Endpoint,
  TcpEndpoint,
  TlsEndpoint,
  UnixEndpoint,
} from "./protocol/endpoint.ts";
export type { AppHeader, AppMessage } from "./protocol/app_header.ts";
export type { OpenOptions } from "./protocol/connect.ts";
export type { SocketOptions } from "./protocol/socket.ts";
export type { ConnectOptions } from "./protocol/dial.ts";
export { type FailureKind, NetError } from "./protocol/errors.ts";
export {
  type LineSink,
  Reporter,
  type ReporterOptions,
} from "./output/reporter.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args, { exit: true }));
}
