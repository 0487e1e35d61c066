/**
 * `netdemo client multi`'s load mode end to end, its report: every JSON
 * field, intervals, percentiles, payload files and a run cut by Ctrl-C.
 *
 * @module
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { CliProcess, lines, runCli, spawnQuietEcho } from "./_helpers.ts";
import {
  closedPort,
  type EachServer,
  readBytes,
  serveEach,
  writeAll,
} from "./_net.ts";
import {
  assertReportShape,
  intervalRoundTrips,
  loadAgainstEcho,
  stallingServer,
} from "./_load.ts";

Deno.test("load: every JSON field is present and typed, with null latencies when every connect is refused", async () => {
  const port = closedPort();
  const result = await runCli([
    "client",
    "multi",
    "--port",
    `${port}`,
    "--rounds",
    "3",
    "--json",
  ]);
  equal(result.code, 1);
  const report = JSON.parse(result.stdout);
  assertReportShape(report);
  deepEqual(report.errors, { refused: 2 });
  equal(report.roundTrips, 0);
  equal(report.connectionsOpened, 0);
  equal(report.latencyMs.count, 0);
  equal(report.latencyMs.p50, null);
  equal(report.connectLatencyMs.max, null);
  equal(report.interrupted, false);
});

Deno.test("load: --interval prints iperf3-style lines, and the JSON intervals add up to the run", async () => {
  const server = await spawnQuietEcho();
  try {
    const args = [
      "client",
      "multi",
      "--port",
      `${server.port}`,
      "--duration",
      "0.6",
      "--interval",
      "0.2",
      "--rate",
      "500",
    ];
    const text = await runCli(args);
    equal(text.code, 0, text.stderr);
    const intervalLines = lines(text.stdout).filter((line) =>
      line.startsWith("[")
    );
    ok(intervalLines.length >= 3, text.stdout);
    for (const line of intervalLines) {
      match(
        line,
        /^\[ *\d+\.\d\d-\d+\.\d\d s\] +\d+(\.\d+)? round trips\/s +\d+(\.\d\d)? (B|kB|MB|GB)\/s {2}p50 (\d+\.\d{3} ms|-) {2}p99 (\d+\.\d{3} ms|-) {2}\d+ errors?$/,
      );
    }
    const json = await runCli([...args, "--json"]);
    equal(json.code, 0, json.stderr);
    equal(lines(json.stdout).length, 1, "no interval lines with --json");
    const report = JSON.parse(json.stdout);
    assertReportShape(report);
    ok(report.intervals.length >= 3);
    equal(intervalRoundTrips(report), report.roundTrips);
    equal(report.intervals[0].startSeconds, 0);
  } finally {
    await server.process.stop();
  }
});

/**
 * An echo server that, like most keep-alive servers, leaves a connection
 * open after the client's half-close, until the client closes it.
 */
function keepOpenEcho(): EachServer {
  return serveEach(async (conn, { closing }) => {
    const buffer = new Uint8Array(4096);
    for (let got; (got = await conn.read(buffer)) !== null;) {
      await writeAll(conn, buffer.subarray(0, got));
    }
    // The client's half-close: hold the connection open, as a keep-alive
    // server would, until the test is over.
    await closing;
  });
}

Deno.test("load: against a server that keeps connections open, the last interval ends with the run's last echo", async () => {
  const server = keepOpenEcho();
  try {
    const run = (args: string[]) =>
      runCli([
        ...["client", "multi", "--port", `${server.port}`, "--conns", "2"],
        ...args,
        "--json",
      ]);
    // A timed run, and a counted one, whose end is its last echo alone.
    const results = await Promise.all([
      run(["--duration", "0.6", "--interval", "0.2"]),
      run(["--rounds", "2000", "--interval", "0.1"]),
    ]);
    for (const result of results) {
      equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout);
      const last = report.intervals.at(-1);
      // The client waits up to 2 s for the server's close after the run;
      // that wait is neither in the run's duration nor in an interval.
      ok(report.durationSeconds < 1, `${report.durationSeconds}`);
      ok(
        last.endSeconds <= report.durationSeconds + 0.001,
        `last interval ${last.startSeconds}-${last.endSeconds} s, run ${report.durationSeconds} s`,
      );
      equal(intervalRoundTrips(report), report.roundTrips);
    }
  } finally {
    await server.close();
  }
});

Deno.test("load: a run that outlasts its duration (echoes held by a stall) goes on in intervals of the length asked", async () => {
  // The server stops reading 0.7 s in, for 1 s: the echoes of what was
  // sent from then to the 1 s deadline come back about 1.7 s in.
  const server = stallingServer(700, 1000);
  try {
    const result = await runCli([
      ...["client", "multi", "--port", `${server.port}`, "--conns", "2"],
      ...["--rate", "200", "--duration", "1", "--interval", "0.25", "--json"],
    ]);
    equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    ok(report.durationSeconds > 1.4, `${report.durationSeconds} s`);
    const spans = report.intervals.map((
      interval: { startSeconds: number; endSeconds: number },
    ) => [interval.startSeconds, interval.endSeconds]);
    // Each interval starts where the one before it ended, the last ends
    // with the run, and none is twice the length asked: the old last one
    // ran from 0.75 s to the end.
    for (let i = 1; i < spans.length; i++) {
      equal(spans[i][0], spans[i - 1][1], JSON.stringify(spans));
    }
    equal(spans.at(-1)[1], report.durationSeconds, JSON.stringify(spans));
    ok(spans.length >= 6, JSON.stringify(spans));
    for (const [start, end] of spans) {
      ok(end - start < 0.5, JSON.stringify(spans));
    }
    equal(intervalRoundTrips(report), report.roundTrips);
  } finally {
    await server.close();
  }
});

Deno.test("load: the warm-up's errors are the run's, not its first interval's", async () => {
  // The first two connections are closed at once, well inside the 0.3 s
  // warm-up; their replacements are echoed.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const handlers: Promise<void>[] = [];
    let accepted = 0;
    for await (const conn of listener) {
      if (++accepted <= 2) {
        conn.close();
        continue;
      }
      handlers.push((async () => {
        const buffer = new Uint8Array(4096);
        try {
          for (let got; (got = await conn.read(buffer)) !== null;) {
            await writeAll(conn, buffer.subarray(0, got));
          }
        } catch {
          // The client closed first.
        } finally {
          conn.close();
        }
      })());
      // Leaving the loop closes the listener.
      if (accepted === 4) break;
    }
    await Promise.all(handlers);
  })();
  const result = await runCli([
    ...["client", "multi", "--port", `${listener.addr.port}`, "--conns", "2"],
    ...["--omit", "0.3", "--duration", "0.4", "--interval", "0.2", "--json"],
  ]);
  await served;
  equal(result.code, 1, result.stderr);
  const report = JSON.parse(result.stdout);
  deepEqual(report.errors, { "closed-early": 2 });
  ok(report.intervals.length >= 2, JSON.stringify(report.intervals));
  deepEqual(
    report.intervals.map((interval: { errors: number }) => interval.errors),
    report.intervals.map(() => 0),
  );
});

Deno.test("load: without a warm-up, the first connects' failures are the first interval's", async () => {
  const result = await runCli([
    ...["client", "multi", "--port", `${closedPort()}`, "--conns", "3"],
    ...["--duration", "1", "--interval", "0.5", "--json"],
  ]);
  equal(result.code, 1, result.stderr);
  const report = JSON.parse(result.stdout);
  deepEqual(report.errors, { refused: 3 });
  deepEqual(
    report.intervals.map((interval: { errors: number }) => interval.errors),
    [3],
  );
});

Deno.test("load: --percentiles chooses the reported percentiles, each with its unit", async () => {
  const result = await loadAgainstEcho([
    "--rounds",
    "20",
    "--percentiles",
    "99.99,50",
  ]);
  equal(result.code, 0, result.stderr);
  const latency = lines(result.stdout).find((line) =>
    line.startsWith("Latency:")
  );
  match(
    latency!,
    /^Latency: {7}p50 \d+\.\d{3} ms, p99\.99 \d+\.\d{3} ms, max \d+\.\d{3} ms, mean \d+\.\d{3} ms$/,
  );
});

/** A server that records the first message of one connection and echoes it. */
function recordingServer(
  size: number,
): { port: number; received: Promise<Uint8Array> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received = (async () => {
    const conn = await listener.accept();
    listener.close();
    try {
      const bytes = await readBytes(conn, size);
      await writeAll(conn, bytes);
      await readBytes(conn, 1).catch(() => {});
      return bytes;
    } finally {
      conn.close();
    }
  })();
  return { port: listener.addr.port, received };
}

Deno.test("load: --payload-file sends the file's bytes, from a file or from stdin", async () => {
  const payload = new Uint8Array(300);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
  const path = await Deno.makeTempFile({ suffix: ".bin" });
  try {
    await Deno.writeFile(path, payload);
    for (const [file, stdin] of [[path, undefined], ["-", payload]] as const) {
      const server = recordingServer(payload.length);
      const result = await runCli([
        "client",
        "multi",
        "--port",
        `${server.port}`,
        "--conns",
        "1",
        "--rounds",
        "1",
        "--payload-file",
        file,
        "--json",
      ], { stdin });
      deepEqual(await server.received, payload);
      equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout);
      equal(report.config.size, 300);
      equal(report.config.payloadFile, file);
      equal(report.roundTrips, 1);
    }
  } finally {
    await Deno.remove(path);
  }
});

for (const json of [true, false]) {
  Deno.test(
    `load: Ctrl-C prints the report so far, marked interrupted, and exits 130 (${
      json ? "--json" : "text"
    })`,
    async () => {
      // A server that takes the bytes and never echoes: the run cannot end by itself.
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const held: Deno.Conn[] = [];
      const received = (async () => {
        const conn = await listener.accept();
        held.push(conn);
        await readBytes(conn, 64);
      })();
      const client = new CliProcess([
        ...["client", "multi", "--port", `${listener.addr.port}`],
        ...["--conns", "1", "--duration", "60"],
        // The text run is cut inside a warm-up, and says so.
        ...(json ? ["--json"] : ["--omit", "30"]),
      ]);
      try {
        await received;
        const status = await client.stop("SIGINT");
        equal(status.code, 130);
        if (json) {
          const report = JSON.parse(client.stdoutLines[0]);
          assertReportShape(report);
          equal(report.interrupted, true);
          equal(report.roundTrips, 0);
        } else {
          ok(
            client.stdoutLines.includes("Interrupted:   the run was cut short"),
            client.stdoutLines.join("\n"),
          );
          ok(
            client.stdoutLines.includes(
              "Round trips:   0 of 64 bytes in 0.00 s, interrupted during its 30 s warm-up: nothing counted",
            ),
            client.stdoutLines.join("\n"),
          );
        }
      } finally {
        await client.stop();
        await received.catch(() => {});
        for (const conn of held) conn.close();
        listener.close();
      }
    },
  );
}

Deno.test("load report: a run whose every connect failed within its warm-up says it ended there, not that a warm-up ran", async () => {
  const result = await runCli([
    ...["client", "multi", "--port", `${closedPort()}`],
    ...["--omit", "1", "--duration", "1"],
  ]);
  equal(result.code, 1);
  ok(
    lines(result.stdout).includes(
      "Round trips:   0 of 64 bytes in 0.00 s, ended within its 1 s warm-up: nothing counted",
    ),
    result.stdout,
  );
  // It never reached a server: the hint to start one first.
  match(
    result.stderr,
    /refused: no server is listening there\); start the server first, and give the host and port its "Listening on" line shows\n$/,
  );
});
