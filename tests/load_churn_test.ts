/**
 * `netdemo client multi`'s load mode, its connection churn: `--lifetime`
 * replacements and their rate, `--connect-rate` spacing, churn that ends
 * with a timed run's duration, churn that waits on its connects, and churn
 * that reaches the open-file limit.
 *
 * @module
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { runLoad } from "../client/load.ts";
import { loadWarnings } from "../client/load_warnings.ts";
import { serveEcho } from "../server/echo.ts";
import { CliProcess, spawnQuietEcho } from "./_helpers.ts";
import { runPythonSnippet } from "./_python.ts";
import { type EachServer, serveEach, writeAll } from "./_net.ts";
import { assertReportShape, loadAgainstEcho, slowEcho } from "./_load.ts";

Deno.test("load: --lifetime replaces connections: conns x ceil(rounds / lifetime) opened", async () => {
  const result = await loadAgainstEcho([
    "--conns",
    "3",
    "--rounds",
    "10",
    "--lifetime",
    "4",
    "--json",
  ]);
  equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assertReportShape(report);
  equal(report.connectionsOpened, 9);
  equal(report.roundTrips, 30);
  equal(report.connectLatencyMs.count, 9);
  equal(report.config.lifetime, 4);
  // The churn rate counts the 6 replacements, not the 3 opened before the
  // clock started (within the rounding of both figures).
  const seconds = report.durationSeconds;
  const [low, high] = [6 / (seconds + 0.0005), 6 / (seconds - 0.0005)];
  ok(
    report.connectionsPerSecond >= low - 0.05 &&
      report.connectionsPerSecond <= high + 0.05,
    `${report.connectionsPerSecond}/s over ${seconds} s`,
  );
});

Deno.test("load: connections opened before the clock started are no churn: 0 a second", async () => {
  const result = await loadAgainstEcho(
    ["--conns", "5", "--rounds", "3", "--lifetime", "1000", "--json"],
  );
  equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  equal(report.connectionsOpened, 5);
  equal(report.connectionsPerSecond, 0);
});

Deno.test("load: --connect-rate spaces the connects", async () => {
  const server = serveEcho({ port: 0 });
  try {
    const begun = performance.now();
    const { report } = await runLoad({
      port: server.addr.port,
      connections: 5,
      rounds: 1,
      connectRate: 50,
    });
    equal(report.connectionsOpened, 5);
    // Five connects at 50/s: the fifth waits 80 ms after the first.
    ok(performance.now() - begun >= 80 - 1);
    equal(report.config.connectRate, 50);
  } finally {
    await server.close();
  }
});

Deno.test("load: a timed run whose next connection would be due after its end still lasts its duration", async () => {
  // One round per connection at 0.5 connections a second: the second
  // would be due at 2 s, after the 1 s run, so it is never opened.
  const result = await loadAgainstEcho([
    ...["--conns", "1", "--lifetime", "1", "--connect-rate", "0.5"],
    ...["--duration", "1", "--interval", "0.25", "--json"],
  ]);
  equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  equal(report.roundTrips, 1);
  equal(report.connectionsOpened, 1);
  ok(
    report.durationSeconds >= 1 && report.durationSeconds < 1.5,
    `${report.durationSeconds} s`,
  );
  // Its intervals go on to the end too, one a quarter second.
  equal(report.intervals.length, 4, JSON.stringify(report.intervals));
  equal(report.intervals.at(-1).endSeconds, report.durationSeconds);
  equal(result.stderr, "");
});

Deno.test("load: churn under --connect-rate ends with --duration: no connect is made for after it", async () => {
  const server = serveEcho({ port: 0 });
  try {
    // One connection of one round trip, whose replacement the pacer would
    // let through only 5 s after the first: after the 0.3 s run.
    const { report } = await runLoad({
      port: server.addr.port,
      connections: 1,
      lifetime: 1,
      connectRate: 0.2,
      durationMs: 300,
    });
    equal(report.connectionsOpened, 1);
    equal(report.roundTrips, 1);
    deepEqual(report.errors, {});
  } finally {
    await server.close();
  }
});

Deno.test("load: a --rate run whose --lifetime churn waits on --connect-rate says it waited for connections", async () => {
  // One round trip per connection, a new one four times a second: of the
  // 50 messages due in the 0.5 s run, about two go out.
  const result = await loadAgainstEcho([
    ...["--conns", "1", "--rate", "100", "--lifetime", "1"],
    ...["--connect-rate", "4", "--duration", "0.5", "--json"],
  ]);
  equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  ok(report.roundTrips <= 3, `${report.roundTrips} round trips`);
  match(
    result.stderr,
    new RegExp(
      "^warning: the schedule waited for new connections: it sent [0-9.]+ " +
        "of 100 round trips/s requested; each connection closed after its " +
        "--lifetime of 1 round trip, and its slot stood empty while the " +
        "next connect waited its turn; give a --connect-rate of at least " +
        "100/s \\(--rate / --lifetime\\) or a longer --lifetime\n$",
    ),
  );
  // Five round trips a connection: a fifth as many connects are needed.
  const five = await loadAgainstEcho([
    ...["--conns", "1", "--rate", "100", "--lifetime", "5"],
    ...["--connect-rate", "4", "--duration", "0.5"],
  ]);
  equal(five.code, 0, five.stderr);
  match(
    five.stderr,
    /give a --connect-rate of at least 20\/s \(--rate \/ --lifetime\) or a longer --lifetime\n$/,
  );
});

Deno.test("load: churn that ends early under --rate (the next connect due after the end) is a wait for connections, not a slow client", async () => {
  const server = serveEcho({ port: 0 });
  try {
    const result = await runLoad({
      port: server.addr.port,
      connections: 1,
      rate: 20,
      lifetime: 1,
      connectRate: 0.5,
      durationMs: 500,
    });
    equal(result.report.roundTrips, 1);
    equal(result.behind, true);
    equal(result.waitedForConnections, true);
    equal(result.heldBack, false);
  } finally {
    await server.close();
  }
});

Deno.test("load: a --lifetime run held back by a slow server's round trips is held back, not waiting for connections", async () => {
  // 50 ms a round trip with one in flight: at most 20 of the 100/s asked.
  const server = slowEcho(50);
  const result = await runLoad({
    port: server.port,
    connections: 1,
    rate: 100,
    lifetime: 1000,
    durationMs: 500,
  });
  await server.served;
  equal(result.behind, true);
  equal(result.heldBack, true);
  equal(result.waitedForConnections, false);
});

Deno.test("load: churn that reaches the open-file limit mid-run stops the run with that error, exit 1", async () => {
  const server = await spawnQuietEcho();
  const client = new CliProcess([
    ...["client", "multi", "--port", `${server.port}`, "--conns", "2"],
    ...["--lifetime", "1", "--omit", "0.1", "--duration", "5.1"],
    ...["--interval", "0.2"],
  ]);
  try {
    await client.waitForLine(/^\[ *0\.00-/);
    // Lowered under the descriptors the run holds: the next connect of
    // the churn gets EMFILE, as it would at a limit reached for real.
    await runPythonSnippet(
      "import resource, sys; resource.prlimit(int(sys.argv[1]), resource.RLIMIT_NOFILE, (10, 10))",
      [`${client.child.pid}`],
    );
    const status = await client.finished();
    equal(status.code, 1, client.stderrLines.join("\n"));
    ok(
      client.stdoutLines.includes("Errors:        1 over the open-file limit"),
      client.stdoutLines.join("\n"),
    );
    const [warning, error, ...rest] = client.stderrLines;
    // The time asked is the seconds typed (0.1 + 5.1 is 5.199999999999999
    // in binary floating point).
    match(
      warning,
      /^warning: the run stopped \d+(\.\d+)? s after its start, not after the 5\.2 s asked: the process ran out of file descriptors, so its rates cover only the time it ran$/,
    );
    match(
      error,
      /^error: 1 error in the load run: 1 over the open-file limit \(first: cannot open a new connection to 127\.0\.0\.1:\d+: the process reached its open-file limit, which stopped the run; raise ulimit -n or ask for fewer connections\)$/,
    );
    deepEqual(rest, []);
  } finally {
    await client.stop();
    await server.process.stop();
  }
});

Deno.test("load: under --rate, connections that keep timing out are replaced only until the run's end", async () => {
  // Accepts and never reads: each connection times out after 0.3 s of no
  // progress, and the slot's messages are long due by then.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  try {
    const { report } = await runLoad({
      port: listener.addr.port,
      connections: 1,
      rate: 100,
      durationMs: 1000,
      timeoutMs: 300,
    });
    // At 0 s and then about every 0.3-0.4 s until 1 s: at most four.
    ok(report.connectionsOpened <= 4, `${report.connectionsOpened} opened`);
    equal(report.errors.timeout, report.connectionsOpened);
    equal(held.length, report.connectionsOpened);
  } finally {
    listener.close();
    await accepting;
    for (const conn of held) conn.close();
  }
});

/**
 * An echo server that closes a connection only `closeAfterMs` after the
 * client's end of stream (as a server may), or at its own close.
 */
function slowClosingServer(closeAfterMs: number): EachServer {
  return serveEach(async (conn, { closing }) => {
    const buffer = new Uint8Array(4096);
    try {
      for (let got; (got = await conn.read(buffer)) !== null;) {
        await writeAll(conn, buffer.subarray(0, got));
      }
    } catch {
      // The client closed first: its close is the one to delay as well.
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise((resolve) => timer = setTimeout(resolve, closeAfterMs)),
      closing,
    ]);
    clearTimeout(timer);
  });
}

/**
 * `runLoad` of 2 connections at 100/s, each closed after one round trip,
 * against {@linkcode slowClosingServer}, which closes 0.5 s after each
 * end of stream; `length` makes it a timed or a counted run.
 */
async function churnAgainstSlowClose(
  length: { durationMs: number } | { rounds: number },
): ReturnType<typeof runLoad> {
  const server = slowClosingServer(500);
  try {
    return await runLoad({
      port: server.port,
      connections: 2,
      lifetime: 1,
      rate: 100,
      ...length,
    });
  } finally {
    await server.close();
  }
}

Deno.test("load: --lifetime churn does not wait for a server slow to close half-closed connections, and blames no stall on it", async () => {
  const result = await churnAgainstSlowClose({ durationMs: 1000 });
  const { report } = result;
  // 100 round trips, one per connection, where waiting 0.5 s for each
  // close would have allowed about four.
  equal(report.roundTrips, 100);
  equal(report.connectionsOpened, 100);
  equal(result.behind, false);
  equal(result.longestStallMs, 0);
  deepEqual(report.errors, {});
});

Deno.test("load: a counted --rate run whose --lifetime waits for a server slow to close says it waited for closes, not for connects or a stall", async () => {
  // Each slot's first connection waits 0.5 s for the close before the
  // slot opens its second.
  const result = await churnAgainstSlowClose({ rounds: 2 });
  equal(result.report.roundTrips, 4);
  equal(result.behind, true);
  equal(result.waitedForCloses, true);
  equal(result.longestStallMs, 0);
  match(
    loadWarnings(result)[0] ?? "",
    /^the schedule waited for the server to close connections: it sent [\d.]+ of 100 round trips\/s requested; .*a server that closes$/,
  );
});
