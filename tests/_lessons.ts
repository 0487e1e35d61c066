/**
 * Every lesson, in process, over one transport: the bork server with the
 * hello and count clients, the echo server with the hello and multi clients
 * and the load mode (100 connections), the app server with the app client.
 * The transport tests (TLS, Unix, IPv6) run it with their endpoints, so each
 * proves the same bytes cross every server and client.
 *
 * @module
 */

import { deepEqual, equal, match } from "node:assert/strict";
import type { Endpoint } from "../protocol/endpoint.ts";
import { serveApp } from "../server/app.ts";
import { serveBork } from "../server/bork.ts";
import { serveEcho } from "../server/echo.ts";
import { requestApp } from "../client/app.ts";
import { runCount } from "../client/count.ts";
import { runHello } from "../client/hello.ts";
import { runLoad } from "../client/load.ts";
import { runMulti } from "../client/multi.ts";
import { captureReporter } from "./_helpers.ts";

/** How a lesson's client reaches a server that listens at `addr`. */
export type ClientEndpoint = (addr: Deno.NetAddr) => Endpoint;

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/**
 * Runs every lesson with the servers on `server` and the clients on
 * `client(addr)`; resolves the lines the servers printed, by server.
 *
 * @example
 * ```ts
 * import { everyLesson } from "./_lessons.ts";
 * await everyLesson(
 *   { transport: "tcp", host: "::1", port: 0 },
 *   (addr) => ({ transport: "tcp", host: "::1", port: addr.port }),
 * );
 * ```
 */
export async function everyLesson(
  server: Endpoint,
  client: ClientEndpoint,
): Promise<Record<"bork" | "echo" | "app", string[]>> {
  const bork = captureReporter();
  const borkServer = serveBork({
    endpoint: server,
    keepOpen: true,
    reporter: bork.reporter,
  });
  try {
    const endpoint = client(borkServer.addr);
    const hello = await runHello({ endpoint });
    equal(text(hello.reply), "Hello, World! bork bork bork");
    const counted = await runCount(7, { endpoint, times: 2, intervalMs: 0 });
    deepEqual(counted.map(text), ["7 bork bork bork", "8 bork bork bork"]);
  } finally {
    await borkServer.close();
  }

  const echo = captureReporter();
  const echoServer = serveEcho({ endpoint: server, reporter: echo.reporter });
  try {
    const endpoint = client(echoServer.addr);
    const hello = await runHello({ endpoint, message: "over the wire" });
    equal(text(hello.reply), "over the wire");
    const multi = await runMulti({ endpoint, connections: 3 });
    equal(multi.completed, 3);
    const load = await runLoad({ endpoint, connections: 100, rounds: 3 });
    equal(load.report.connectionsOpened, 100);
    equal(load.report.roundTrips, 300);
    deepEqual(load.report.errors, {});
  } finally {
    await echoServer.close();
  }

  const app = captureReporter();
  const appServer = serveApp({ endpoint: server, reporter: app.reporter });
  try {
    const response = await requestApp("search", "port", {
      endpoint: client(appServer.addr),
    });
    match(text(response.content), /16-bit number/);
  } finally {
    await appServer.close();
  }
  return { bork: bork.out, echo: echo.out, app: app.out };
}
