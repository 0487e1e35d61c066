/**
 * `netdemo client multi`'s load mode against servers that stall or never
 * answer for a while: what `--rate` shows of a stall and a closed loop
 * hides, and whom the warning blames (the server, the pipelines, the
 * client). Servers that stop answering for good: `load_silence_test.ts`.
 *
 * @module
 */

import { equal, match, ok } from "node:assert/strict";
import { runLoad } from "../client/load.ts";
import { CliProcess, runCli } from "./_helpers.ts";
import { slowEcho, stallingServer } from "./_load.ts";
import { writeAll } from "./_net.ts";
import { stopped } from "./_children.ts";

Deno.test("load: a 500 ms server stall shows in the --rate latency and not in the uncorrected one", async () => {
  const server = stallingServer(300, 500);
  try {
    const { report, failures } = await runLoad({
      port: server.port,
      connections: 2,
      rate: 400,
      durationMs: 1500,
    });
    equal(failures.total, 0, failures.describeWithFirst());
    const corrected = report.latencyMs;
    const uncorrected = report.uncorrectedLatencyMs!;
    // A third of the messages were due during the stall, waiting up to 500 ms.
    ok(corrected.p99! >= 400, `corrected p99 ${corrected.p99} ms`);
    ok(corrected.max! >= 450, `corrected max ${corrected.max} ms`);
    // Measured from the actual send, only the messages in flight when the
    // stall began (one per connection) saw it.
    ok(uncorrected.p99! < 250, `uncorrected p99 ${uncorrected.p99} ms`);
    ok(uncorrected.max! >= 400, `uncorrected max ${uncorrected.max} ms`);
  } finally {
    await server.close();
  }
});

Deno.test("load: a --rate stall past the run's end lowers the achieved rate: what was due and never sent is not lost", async () => {
  // 0.2 s into a 0.5 s run at 100/s, the server stalls for 1.8 s: past the
  // 1 s a late send is allowed after the end, so about 30 due messages are
  // never sent. Ending the schedule's span at the last send would read
  // 100/s sent, with no warning.
  const server = stallingServer(200, 1800);
  try {
    const result = await runLoad({
      port: server.port,
      connections: 1,
      rate: 100,
      durationMs: 500,
    });
    const { report, behind } = result;
    ok(report.roundTrips < 40, `${report.roundTrips} round trips`);
    ok(report.achievedRate! < 90, `sent ${report.achievedRate}/s`);
    equal(behind, true);
    ok(report.roundTripsPerSecond <= report.achievedRate! + 0.1);
    // The 50 due in the run (0 to 490 ms) were each echoed or left unsent
    // behind the stall, which one of them waited out.
    equal(report.unsentRoundTrips, 50 - report.roundTrips);
    ok(result.longestStallMs >= 1500, `${result.longestStallMs} ms`);
  } finally {
    await server.close();
  }
});

Deno.test("load: a --rate run that a server stall held back says so: how long, and what it left unsent, not that the client was slow", async () => {
  // Ends past the 1 s allowed for late sends: what was due then is unsent,
  // whether a connection waits for a place in its pipeline or, at the end
  // of its --lifetime, for the echo before its replacement.
  const long = stallingServer(200, 1800);
  const churned = stallingServer(200, 1800);
  // Ends within it: the messages due go out late, their wait counted.
  const short = stallingServer(1000, 1200);
  // One message in flight, each echo 20 ms late: the pipeline alone caps
  // the rate at about 50/s, which the stall's line adds.
  const capped = stallingServer(200, 1800, { delayMs: 20 });
  // Under a second, from 0.1 s before the end: it only pushes the last
  // sends past the deadline, which lowers the achieved rate just as a
  // slow client would; the wait for the server says whose doing it was.
  const brief = stallingServer(400, 500);
  try {
    const runs: [number, string, string[]][] = [
      [long.port, "0.5", []],
      [churned.port, "0.5", ["--lifetime", "1"]],
      [short.port, "1.5", []],
      [capped.port, "0.5", []],
      [brief.port, "0.5", []],
    ];
    const [unsent, lifetime, late, cap, end] = await Promise.all(
      runs.map((
        [port, duration, more],
      ) =>
        runCli([
          ...["client", "multi", "--port", `${port}`, "--conns", "1"],
          ...["--rate", "100", "--duration", `${duration}`, "--json"],
          ...more,
        ])
      ),
    );
    // The stalls' lengths to a tenth, give or take one for a server timer
    // that fires late on a loaded machine.
    const stalled =
      "^warning: the server stalled: it sent [0-9.]+ of 100 round trips/s requested, as messages already due waited up to 1\\.[6-9] s for the server to answer the ones before them; ";
    for (const result of [unsent, lifetime]) {
      equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout);
      // Of the 50 due in the 0.5 s, each was echoed or never sent.
      equal(report.unsentRoundTrips, 50 - report.roundTrips, result.stdout);
      match(
        result.stderr,
        new RegExp(
          `${stalled}${report.unsentRoundTrips} messages due in the run were never sent, and the latencies leave them out\n$`,
        ),
      );
    }
    equal(late.code, 0, late.stderr);
    equal(JSON.parse(late.stdout).unsentRoundTrips, 0);
    match(
      late.stderr,
      /^warning: the server stalled: it sent [0-9.]+ of 100 round trips\/s requested, as messages already due waited up to 1\.[0-3] s for the server to answer the ones before them; the latencies include that wait\n$/,
    );
    equal(cap.code, 0, cap.stderr);
    match(
      cap.stderr,
      /; besides, at their usual round trip its pipelines allow about \d+(\.\d+)? round trips\/s \(at most 1 in flight on each of 1 connection\); give more --conns or a deeper --pipeline\n$/,
    );
    equal(end.code, 0, end.stderr);
    equal(JSON.parse(end.stdout).unsentRoundTrips, 0);
    match(
      end.stderr,
      /^warning: the server stalled: it sent [0-9.]+ of 100 round trips\/s requested, as messages already due waited up to 0\.[4-6] s for the server to answer the ones before them; the latencies include that wait\n$/,
    );
  } finally {
    await Promise.all(
      [long, churned, short, capped, brief].map((s) => s.close()),
    );
  }
});

Deno.test("load: a stall that left a few due messages unsent is said even when the rate was kept", async () => {
  // One connection of 100 stalls from 0.2 s to 2.3 s, past the 1 s run and
  // its second of late sends: about 8 of its messages are never sent, under
  // 1% of the run's 1000, so the run did not fall behind.
  const server = stallingServer(200, 2100, { firstOnly: true });
  try {
    const result = await runCli([
      ...["client", "multi", "--port", `${server.port}`, "--conns", "100"],
      ...["--rate", "1000", "--duration", "1", "--json"],
    ]);
    equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    ok(report.unsentRoundTrips > 0, result.stdout);
    match(
      result.stderr,
      new RegExp(
        `^warning: the server stalled: it sent [0-9.]+ of 1000 round trips/s requested, as messages already due waited up to [12](\\.\\d)? s for the server to answer the ones before them; ${report.unsentRoundTrips} messages? due in the run (was|were) never sent, and the latencies leave them out\n$`,
      ),
    );
  } finally {
    await server.close();
  }
});

Deno.test("load: a server slow on every echo holds the schedule back; that is no stall", async () => {
  // 1.2 s each: every wait is that long, so none stands out as a stall.
  const server = slowEcho(1200);
  const result = await runCli([
    ...["client", "multi", "--port", `${server.port}`, "--conns", "1"],
    ...["--rate", "10", "--duration", "2.5"],
  ]);
  await server.served;
  equal(result.code, 0, result.stderr);
  match(
    result.stderr,
    /^warning: the schedule was held back by its pipelines: /,
  );
});

Deno.test("load: closed loop, the same stall hides in the percentiles (why --rate exists)", async () => {
  const server = stallingServer(300, 500);
  try {
    const { report } = await runLoad({
      port: server.port,
      connections: 2,
      durationMs: 1200,
    });
    ok(report.latencyMs.p99! < 250, `closed-loop p99 ${report.latencyMs.p99}`);
    ok(report.latencyMs.max! >= 400, `closed-loop max ${report.latencyMs.max}`);
  } finally {
    await server.close();
  }
});

Deno.test("load: a client paused near a --rate run's end (SIGSTOP) fell behind itself; the server is not blamed", async () => {
  // Message 90 of the 100 is due 0.9 s in: the pause below takes in the
  // run's end, however late a loaded machine sends it.
  const server = holdingEcho(90);
  const client = new CliProcess([
    ...["client", "multi", "--port", `${server.port}`, "--conns", "1"],
    ...["--rate", "100", "--duration", "1"],
  ]);
  try {
    // A run that ended first fails the test rather than leave it waiting.
    const held = await Promise.race([
      server.held,
      client.finished().then(() => undefined),
    ]);
    ok(held, client.stderrLines.join("\n"));
    // Stopped with its one message in flight, and so no timer of its
    // connection's due: the echo, sent once the client is stopped, waits
    // in its socket's buffer for the whole pause, which is no wait for the
    // server however long it lasts.
    client.child.kill("SIGSTOP");
    await stopped(client.child.pid);
    await held.release();
    await new Promise((resolve) => setTimeout(resolve, 400));
    client.child.kill("SIGCONT");
    const status = await client.finished();
    equal(status.code, 0, client.stderrLines.join("\n"));
    match(
      client.stderrLines.join("\n"),
      /^warning: the client fell behind its schedule: /,
    );
  } finally {
    await client.stop();
    await server.close();
  }
});

/**
 * A one-connection echo server for 64-byte messages that holds the echo
 * of message `index` (from 0) until the test releases it, or closes it.
 */
function holdingEcho(index: number): {
  port: number;
  held: Promise<{ release(): Promise<void> }>;
  close(): Promise<void>;
} {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held = Promise.withResolvers<{ release(): Promise<void> }>();
  const go = Promise.withResolvers<void>();
  const served = (async () => {
    const conn = await listener.accept();
    listener.close();
    const buffer = new Uint8Array(4096);
    let bytes = 0;
    try {
      for (let got; (got = await conn.read(buffer)) !== null;) {
        const holds = bytes <= index * 64 && bytes + got > index * 64;
        bytes += got;
        // The test's release sends the echo, and settles once it is sent.
        const sent = Promise.withResolvers<void>();
        if (holds) {
          held.resolve({ release: () => (go.resolve(), sent.promise) });
          await go.promise;
        }
        await writeAll(conn, buffer.subarray(0, got));
        sent.resolve();
      }
    } catch {
      // The client closed first.
    } finally {
      conn.close();
    }
  })();
  return {
    port: listener.addr.port,
    held: held.promise,
    // A test that failed before its release must not wait for ever.
    close: () => (go.resolve(), served),
  };
}
