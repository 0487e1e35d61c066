/**
 * Round trips on one connection for message sizes past the echo server's
 * 512-byte first read: with Nagle's algorithm on and the echo split in two
 * writes, each round trip waited for the client's delayed acknowledgement
 * (about 44 ms, 23 round trips a second). So the median round trip must be
 * under 20 ms: a functional bound, far from both that failure and the
 * ~0.1 ms the server takes on an idle machine, and one that a machine busy
 * with other tests does not reach (a count in a time window did: 355 of
 * 1000 in 1 s beside the soak). Speed belongs to `bench/`.
 *
 * @module
 */

import { deepEqual, equal, ok } from "node:assert/strict";
import { serveEcho } from "../server/echo.ts";
import { captureReporter, spawnQuietEcho } from "./_helpers.ts";
import { connectLocal, readBytes, writeAll } from "./_net.ts";

/** Round trips timed per message size. */
const ROUND_TRIPS = 200;
/** The median a delayed-acknowledgement stall (~44 ms) cannot get under. */
const MEDIAN_LIMIT_MS = 20;

for (const size of [513, 60_000]) {
  Deno.test(`round trips: ${size}-byte messages echo with a median under ${MEDIAN_LIMIT_MS} ms on one connection`, async () => {
    const server = await spawnQuietEcho();
    const conn = await connectLocal(server.port);
    try {
      const message = new Uint8Array(size).map((_, i) => i % 251);
      // A first round trip outside the count: connection and compilation.
      await writeAll(conn, message);
      equal((await readBytes(conn, size)).length, size);
      const times: number[] = [];
      for (let done = 0; done < ROUND_TRIPS; done++) {
        const start = performance.now();
        await writeAll(conn, message);
        const echo = await readBytes(conn, size);
        times.push(performance.now() - start);
        equal(echo.length, size);
        equal(echo[size - 1], message[size - 1]);
      }
      const median = times.sort((a, b) => a - b)[ROUND_TRIPS / 2];
      ok(
        median < MEDIAN_LIMIT_MS,
        `median round trip of ${size} bytes: ${median.toFixed(1)} ms`,
      );
    } finally {
      conn.close();
      equal((await server.process.stop("SIGTERM")).code, 0);
    }
  });
}

Deno.test("round trips: 1 MiB messages, streamed, echo whole at least 100 times in 2 s", async () => {
  // The tail of the last write of each echo must go at once, not after
  // the client's delayed acknowledgement (which would allow at most ~25
  // of these round trips a second), whatever the server does with
  // Nagle's algorithm while a stream is under way.
  const size = 1024 * 1024;
  const rounds = 100;
  const server = await spawnQuietEcho();
  const conn = await connectLocal(server.port);
  try {
    const message = new Uint8Array(size).map((_, i) => i % 253);
    const roundTrip = async (): Promise<void> => {
      const [, echo] = await Promise.all([
        writeAll(conn, message),
        readBytes(conn, size),
      ]);
      equal(echo.length, size);
      equal(echo[size - 1], message[size - 1]);
    };
    await roundTrip();
    const start = performance.now();
    let done = 0;
    while (done < rounds && performance.now() - start < 2000) {
      await roundTrip();
      done++;
    }
    const ms = performance.now() - start;
    ok(done === rounds, `${done} round trips of 1 MiB in ${ms.toFixed(0)} ms`);
  } finally {
    conn.close();
    equal((await server.process.stop("SIGTERM")).code, 0);
  }
});

Deno.test("round trips: a streamed echo keeps no-delay on, set once at accept", async () => {
  const { reporter, err } = captureReporter({ quiet: true, trace: true });
  const server = serveEcho({ port: 0, reporter });
  const conn = await connectLocal(server.addr.port);
  const size = 1024 * 1024;
  try {
    const message = new Uint8Array(size).fill(0x62);
    const [, echo] = await Promise.all([
      writeAll(conn, message),
      readBytes(conn, size),
    ]);
    equal(echo.length, size);
  } finally {
    conn.close();
    await server.close();
  }
  const steps = err
    .map((line) =>
      / (write|no-delay on|no-delay off|read EOF) /.exec(line)?.[1]
    )
    .filter((step) => step !== undefined);
  // Set at accept, before the first read, traced as a step, and never
  // changed: a 1 MiB echo is many writes, none of them under Nagle.
  equal(steps[0], "no-delay on");
  equal(steps.filter((step) => step.startsWith("no-delay")).length, 1);
  ok(steps.includes("write"), steps.join(", "));
  equal(steps.at(-1), "read EOF");
  ok(
    err.some((line) =>
      / every write goes out at once \(set at accept\)$/.test(line)
    ),
    err.join("\n"),
  );
});

Deno.test("round trips: a 513-byte message that arrived whole is echoed in one write", async () => {
  const { reporter, err } = captureReporter({ quiet: true, trace: true });
  const server = serveEcho({ port: 0, reporter });
  const conn = await connectLocal(server.addr.port);
  try {
    for (let round = 0; round < 3; round++) {
      await writeAll(conn, new Uint8Array(513).fill(0x61 + round));
      equal((await readBytes(conn, 513)).length, 513);
    }
  } finally {
    conn.close();
    await server.close();
  }
  const writes = err
    .map((line) => /\] write (\d+) bytes to /.exec(line)?.[1])
    .filter((size) => size !== undefined);
  deepEqual(writes, ["513", "513", "513"]);
});
