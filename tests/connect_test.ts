/**
 * The connect phase that both modes of `client multi` share, against real
 * sockets: a server on port 0, a port where nothing listens, a stop, and a
 * process that runs out of file descriptors while it connects.
 *
 * @module
 */

import { deepEqual, equal, ok } from "node:assert/strict";
import { Connector, type ConnectorOptions } from "../client/_connect.ts";
import { LatencyRecorder } from "../client/latency.ts";
import { endpointOf } from "../protocol/endpoint.ts";
import { closedPort } from "./_net.ts";
import { runScriptUnderLimit } from "./_children.ts";

/** Accepts `count` connections, one after the other. */
async function acceptSome(
  listener: Deno.Listener,
  count: number,
): Promise<Deno.Conn[]> {
  const conns: Deno.Conn[] = [];
  while (conns.length < count) conns.push(await listener.accept());
  return conns;
}

/** A connector to `port` that logs each start and failure as a line. */
function logged(
  port: number,
  options: Partial<ConnectorOptions> = {},
): { connector: Connector; log: string[] } {
  const log: string[] = [];
  const connector = new Connector({
    endpoint: endpointOf({ port }),
    connections: 3,
    onStart: (index) => log.push(`start ${index}`),
    onFailure: (failure, index) =>
      log.push(`failed ${index}: ${failure.kind}: ${failure.message}`),
    ...options,
  });
  return { connector, log };
}

Deno.test("connector: opens every connection to a server on port 0, counting and timing each", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = acceptSome(listener, 3);
  const connectLatency = new LatencyRecorder();
  const { connector, log } = logged(listener.addr.port, { connectLatency });
  const sockets = await Promise.all([1, 2, 3].map((i) => connector.open(i)));
  try {
    for (const socket of sockets) {
      equal(socket?.peer, `127.0.0.1:${listener.addr.port}`);
    }
    deepEqual(log, ["start 1", "start 2", "start 3"]);
    equal(connector.opened, 3);
    equal(connectLatency.count, 3);
    equal(connector.limitError, undefined);
  } finally {
    for (const socket of sockets) socket?.close();
    for (const conn of await accepted) conn.close();
    connector.close();
    listener.close();
  }
});

Deno.test("connector: a refused port fails each connection once, as refused, naming the address", async () => {
  const port = closedPort();
  const { connector, log } = logged(port);
  const sockets = await Promise.all([1, 2].map((i) => connector.open(i)));
  deepEqual(sockets, [undefined, undefined]);
  const refused =
    `refused: connection to 127.0.0.1:${port} refused: no server is listening there`;
  deepEqual(log.toSorted(), [
    `failed 1: ${refused}`,
    `failed 2: ${refused}`,
    "start 1",
    "start 2",
  ]);
  ok(log.indexOf("start 1") < log.indexOf(`failed 1: ${refused}`));
  equal(connector.opened, 0);
  equal(connector.stopped, false);
  connector.close();
});

Deno.test("connector: after a stop nothing more connects and no failure is counted", async () => {
  const { connector, log } = logged(closedPort());
  connector.stop();
  equal(await connector.open(1), undefined);
  deepEqual(log, []);
  equal(connector.signal.aborted, true);
  connector.close();
});

Deno.test("connector: a stop closes the open connections only under closeOnStop", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = acceptSome(listener, 2);
  const lesson = logged(listener.addr.port, { closeOnStop: true }).connector;
  const load = logged(listener.addr.port).connector;
  const held = await lesson.open(1);
  const kept = await load.open(1);
  try {
    lesson.stop();
    load.stop();
    equal(held?.closed, true);
    equal(kept?.closed, false);
  } finally {
    kept?.close();
    for (const conn of await accepted) conn.close();
    lesson.close();
    load.close();
    listener.close();
  }
});

Deno.test("connector: the caller's abort ends a connect still waiting for its --connect-rate turn", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const caller = new AbortController();
  // One connect per 10 s: the second would wait that long.
  const { connector, log } = logged(listener.addr.port, {
    connectRate: 0.1,
    signal: caller.signal,
  });
  const first = await connector.open(1);
  const begun = performance.now();
  const second = connector.open(2);
  caller.abort();
  try {
    equal(await second, undefined);
    ok(performance.now() - begun < 5000, "the second connect waited its turn");
    deepEqual(log, ["start 1"]);
    equal(connector.opened, 1);
  } finally {
    first?.close();
    (await accepted).close();
    connector.close();
    listener.close();
  }
});

Deno.test("connector: out of file descriptors mid-connect, one open-file limit error stops the rest and counts nothing", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const output = await runScriptUnderLimit(
      new URL("./_connect_under_limit.ts", import.meta.url).pathname,
      { limit: 64, args: [`${listener.addr.port}`] },
    );
    const stderr = new TextDecoder().decode(output.stderr);
    equal(output.code, 0, stderr);
    const seen = JSON.parse(new TextDecoder().decode(output.stdout));
    equal(
      seen.limitError,
      "cannot open 8 connections: the process ran out of file descriptors (the open-file limit, ulimit -n, is too low for that many); ask for fewer or raise the limit",
    );
    equal(seen.stopped, true);
    deepEqual(seen.failures, []);
    ok(seen.opened <= 2, `${seen.opened} opened with 2 descriptors free`);
  } finally {
    listener.close();
  }
});
