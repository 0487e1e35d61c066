/**
 * `netdemo client multi`'s load mode against servers that stop answering
 * for good or never answer: a run's time, rates and intervals stay honest
 * when echoes stop coming (the run's duration, a counted run's wait for
 * its timeouts, an interrupted run's stop, a reset as the server closes).
 *
 * @module
 */

import { equal, match, ok } from "node:assert/strict";
import { runLoad } from "../client/load.ts";
import { stallingServer } from "./_load.ts";
import { type EachServer, serveEach } from "./_net.ts";
import { startPythonServer } from "./_python.ts";

Deno.test("load: closed loop, a server that stops answering for good lowers the rates: they are over the whole duration", async () => {
  // 0.3 s into a 1 s run the server stops reading until after the 2 s the
  // client waits for its last echoes. Ending the time at the last echo
  // would report 0.3 s and the rate before the stall, over 3x too high.
  const server = stallingServer(300, 3500);
  try {
    const { report, failures } = await runLoad({
      port: server.port,
      connections: 2,
      durationMs: 1000,
      intervalMs: 250,
    });
    ok(
      report.durationSeconds >= 1 && report.durationSeconds < 1.1,
      `${report.durationSeconds} s`,
    );
    ok(
      report.roundTripsPerSecond <= report.roundTrips / 1,
      `${report.roundTripsPerSecond}/s for ${report.roundTrips}`,
    );
    // The message in flight on each connection when the stall began never
    // came back: two errors, in the last interval, which ends with the run.
    equal(failures.total, 2, failures.describeWithFirst());
    const { intervals } = report;
    equal(intervals.length, 4);
    equal(intervals.at(-1)!.endSeconds, report.durationSeconds);
    equal(intervals.reduce((sum, i) => sum + i.errors, 0), 2);
    equal(
      intervals.reduce((sum, i) => sum + i.roundTrips, 0),
      report.roundTrips,
    );
    equal(intervals.at(-1)!.roundTrips, 0);
  } finally {
    await server.close();
  }
});

Deno.test("load: a counted run that ends on timeouts counts the time it waited, and its last interval holds them", async () => {
  // The server stops reading 0.2 s in; each connection's message in
  // flight then times out 0.5 s later, and a counted run ends there.
  const server = stallingServer(200, 3000);
  try {
    const { report, failures } = await runLoad({
      port: server.port,
      connections: 2,
      rounds: 1_000_000,
      timeoutMs: 500,
      intervalMs: 250,
    });
    equal(failures.counts.timeout, 2, failures.describeWithFirst());
    ok(report.durationSeconds >= 0.7, `${report.durationSeconds} s`);
    const { intervals } = report;
    equal(intervals.at(-1)!.endSeconds, report.durationSeconds);
    equal(intervals.reduce((sum, i) => sum + i.errors, 0), 2);
    equal(
      intervals.reduce((sum, i) => sum + i.roundTrips, 0),
      report.roundTrips,
    );
  } finally {
    await server.close();
  }
});

Deno.test("load: a timed run interrupted while nothing came back ends its intervals where its time ends", async () => {
  const server = stallingServer(200, 3000);
  try {
    const { report } = await runLoad({
      port: server.port,
      connections: 2,
      durationMs: 10_000,
      intervalMs: 250,
      signal: AbortSignal.timeout(900),
    });
    equal(report.interrupted, true);
    // Counted from the first send, after the connects: under the 0.9 s.
    ok(report.durationSeconds >= 0.5, `${report.durationSeconds} s`);
    // The last interval has no round trip in it, and is the run's all the
    // same: dropping it would end the intervals 0.15 s short.
    const last = report.intervals.at(-1)!;
    equal(last.endSeconds, report.durationSeconds);
    equal(last.roundTrips, 0);
  } finally {
    await server.close();
  }
});

/** A server that reads everything and never answers. */
function deafServer(): EachServer {
  return serveEach(async (conn) => {
    const buffer = new Uint8Array(4096);
    while (await conn.read(buffer) !== null);
  });
}

Deno.test("load: with no echo at all, a timed run's time is its duration, or until it was stopped, never the wait after it", async () => {
  const server = deafServer();
  try {
    const [timed, stopped] = await Promise.all([
      runLoad({ port: server.port, connections: 1, durationMs: 500 }),
      runLoad({
        port: server.port,
        connections: 1,
        durationMs: 10_000,
        signal: AbortSignal.timeout(500),
      }),
    ]);
    for (const { report } of [timed, stopped]) equal(report.roundTrips, 0);
    // Not 2.5 s: the 2 s the client waits for last echoes is not counted.
    ok(
      timed.report.durationSeconds >= 0.5 &&
        timed.report.durationSeconds < 0.6,
      `${timed.report.durationSeconds} s`,
    );
    equal(timed.failures.counts.timeout, 1);
    // Not 10 s: the run was stopped after about half a second.
    equal(stopped.report.interrupted, true);
    ok(
      stopped.report.durationSeconds < 1,
      `${stopped.report.durationSeconds} s`,
    );
  } finally {
    await server.close();
  }
});

Deno.test("load: a counted run whose every round trip came back is not lengthened by a reset as the server closes", async () => {
  const { server, port } = await startPythonServer(
    "reset_on_close_server.py",
    ["--delay", "1.5"],
  );
  try {
    const { report, failures } = await runLoad({
      port: Number(port),
      connections: 2,
      rounds: 100,
    });
    equal(report.roundTrips, 200);
    // The resets are the run's errors, told as such, and as what they
    // interrupted: the wait for the end, not for an echo...
    equal(failures.counts.reset, 2, failures.describeWithFirst());
    match(failures.describeWithFirst(), /while waiting for the end\b/);
    // ...but came 1.5 s after the last echo, in the wait for the close.
    ok(report.durationSeconds < 1, `${report.durationSeconds} s`);
  } finally {
    await server.kill();
  }
});

Deno.test("load: a counted --lifetime run's slot stops at the reset that answers its end of stream, whatever the open-file limit", async () => {
  const { server, port } = await startPythonServer(
    "reset_on_close_server.py",
    ["--delay", "0"],
  );
  try {
    const { report, failures } = await runLoad({
      port: Number(port),
      connections: 2,
      rounds: 10,
      lifetime: 2,
    });
    // Each slot's first connection did its 2 round trips, then the reset
    // ended the slot, as any error ends a counted run's slot.
    equal(report.roundTrips, 4);
    equal(failures.counts.reset, 2, failures.describeWithFirst());
  } finally {
    await server.kill();
  }
});

Deno.test("load: --timeout stops a connection whose echo never comes when the limit is reached, not a polling tick or two later", async () => {
  // The watchdog looks when the quietest connection reaches the limit,
  // from the connection's own send time; it used to poll every quarter of
  // the limit from when a poll first saw the bytes move, and stopped this
  // one 2.5 s after its send.
  const server = deafServer();
  try {
    const { report, failures } = await runLoad({
      port: server.port,
      connections: 1,
      rounds: 1,
      timeoutMs: 2000,
    });
    equal(failures.counts.timeout, 1, failures.describeWithFirst());
    match(failures.describeWithFirst(), /made no progress for 2 s/);
    ok(
      report.durationSeconds >= 2 && report.durationSeconds < 2.3,
      `${report.durationSeconds} s`,
    );
  } finally {
    await server.close();
  }
});
