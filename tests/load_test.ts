/**
 * `netdemo client multi`'s load mode end to end: big messages against two
 * echo servers, a server stall under `--rate`, the schedule kept, churn,
 * payload files, intervals, the JSON report's every field, Ctrl-C.
 *
 * @module
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { runLoad } from "../client/load.ts";
import { serveEcho } from "../server/echo.ts";
import {
  CliProcess,
  type CliResult,
  runCli,
  type RunCliOptions,
  spawnQuietEcho,
} from "./_helpers.ts";
import { runMain } from "./_main.ts";
import { closedPort, readBytes, writeAll } from "./_net.ts";
import { startPythonServer } from "./_python.ts";

const MIB = 1024 * 1024;

function lines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

/** Runs `client multi --port PORT ARGS...` against a spawned echo server. */
async function loadAgainstEcho(
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

const NUMBER_OR_NULL = (value: unknown) =>
  value === null || typeof value === "number";

/** Checks every field of a report against the README's types. */
function assertReportShape(report: Record<string, unknown>): void {
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
  ) ok(NUMBER_OR_NULL(config[key]), key);
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
  ok(NUMBER_OR_NULL(report.achievedRate));
  const percentileKeys = (config.percentiles as number[]).map((p) => `p${p}`);
  const statsKeys = ["count", "max", "mean", "min", "stddev", ...percentileKeys]
    .sort();
  for (const key of ["latencyMs", "connectLatencyMs", "uncorrectedLatencyMs"]) {
    const stats = report[key] as Record<string, unknown> | null;
    if (key === "uncorrectedLatencyMs" && stats === null) continue;
    deepEqual(Object.keys(stats!).sort(), statsKeys, key);
    equal(typeof stats!.count, "number");
    for (const [name, value] of Object.entries(stats!)) {
      ok(NUMBER_OR_NULL(value), `${key}.${name}`);
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

for (const size of [16 * MIB, 64 * MIB]) {
  Deno.test(`load: a ${size / MIB} MiB message round-trips against netdemo's echo server`, async () => {
    const result = await loadAgainstEcho([
      "--size",
      `${size}`,
      "--rounds",
      "1",
      "--conns",
      "1",
      "--json",
    ]);
    equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    equal(report.roundTrips, 1);
    deepEqual(report.errors, {});
    equal(report.bytesPerSecond > 0, true);
  });
}

Deno.test("load: 16 MiB and 64 MiB messages round-trip against a Python echo server", async () => {
  const { server, port } = await startPythonServer("echo_server.py", [
    "--port",
    "0",
    "--connections",
    "2",
    "--lifetime",
    "30",
  ]);
  try {
    for (const size of [16 * MIB, 64 * MIB]) {
      const result = await runCli([
        "client",
        "multi",
        "--port",
        port,
        "--size",
        `${size}`,
        "--rounds",
        "1",
        "--conns",
        "1",
        "--json",
      ]);
      equal(result.code, 0, result.stderr);
      equal(JSON.parse(result.stdout).roundTrips, 1);
    }
    equal(await server.finished, 0);
  } finally {
    await server.kill();
  }
});

/**
 * An echo server that stops reading for `stallMs` once, `afterMs` after
 * the first bytes arrive, on every connection at the same time.
 */
function stallingServer(
  afterMs: number,
  stallMs: number,
): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let stallFrom = Infinity;
  const conns: Deno.Conn[] = [];
  async function serve(conn: Deno.Conn): Promise<void> {
    const buffer = new Uint8Array(4096);
    try {
      while (true) {
        const now = performance.now();
        if (now >= stallFrom && now < stallFrom + stallMs) {
          await new Promise((resolve) =>
            setTimeout(resolve, stallFrom + stallMs - now)
          );
        }
        const got = await conn.read(buffer);
        if (got === null) break;
        if (stallFrom === Infinity) stallFrom = performance.now() + afterMs;
        await writeAll(conn, buffer.subarray(0, got));
      }
    } catch {
      // The client closed first.
    } finally {
      conn.close();
    }
  }
  const done = (async () => {
    const handlers: Promise<void>[] = [];
    for await (const conn of listener) {
      conns.push(conn);
      handlers.push(serve(conn));
    }
    await Promise.all(handlers);
  })();
  return {
    port: listener.addr.port,
    async close(): Promise<void> {
      listener.close();
      await done;
    },
  };
}

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

Deno.test("load: --rate keeps its schedule: round trips within 2% of rate x duration", async () => {
  const result = await loadAgainstEcho([
    "--rate",
    "2000",
    "--duration",
    "1",
    "--conns",
    "4",
    "--json",
  ]);
  equal(result.code, 0, result.stderr);
  equal(result.stderr, "");
  const report = JSON.parse(result.stdout);
  assertReportShape(report);
  ok(Math.abs(report.roundTrips - 2000) <= 40, `${report.roundTrips}`);
  ok(Math.abs(report.achievedRate - 2000) <= 40, `${report.achievedRate}`);
  equal(report.config.rate, 2000);
  equal(report.uncorrectedLatencyMs.count, report.roundTrips);
});

Deno.test("load: --omit runs a warm-up first and leaves its round trips out of the figures", async () => {
  const server = serveEcho({ port: 0 });
  try {
    const args = ["client", "multi", "--port", `${server.addr.port}`];
    const rated = ["--rate", "2000", "--conns", "4", "--duration", "1"];
    const json = await runMain([
      ...args,
      ...rated,
      ...["--omit", "0.5", "--interval", "0.5", "--json"],
    ]);
    equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    assertReportShape(report);
    equal(report.config.omitSeconds, 0.5);
    // 1.5 s ran at 2000/s; only the second after the warm-up counts (from
    // when its timer fired, which a busy machine may delay a little).
    ok(report.durationSeconds <= 1.05, `${report.durationSeconds}`);
    const due = 2000 * report.durationSeconds;
    ok(report.roundTrips <= 2040, `${report.roundTrips}`);
    ok(
      Math.abs(report.roundTrips - due) <= 40,
      `${report.roundTrips} of ${due}`,
    );
    ok(Math.abs(report.achievedRate - 2000) <= 40, `${report.achievedRate}`);
    equal(report.latencyMs.count, report.roundTrips);
    equal(report.uncorrectedLatencyMs.count, report.roundTrips);
    equal(report.intervals[0].startSeconds, 0);
    const inIntervals = report.intervals.reduce(
      (sum: number, interval: { roundTrips: number }) =>
        sum + interval.roundTrips,
      0,
    );
    equal(inIntervals, report.roundTrips);
    const text = await runMain([...args, "--duration", "0.2", "--omit", "0.2"]);
    equal(text.code, 0, text.stderr);
    match(
      text.stdout,
      /^Round trips: +\d+ of 64 bytes in 0\.\d\d s, after a 0\.2 s warm-up not counted$/m,
    );
  } finally {
    await server.close();
  }
});

Deno.test("load: a client that cannot keep its schedule says so in one line on stderr", async () => {
  const result = await loadAgainstEcho([
    "--rate",
    "10000000",
    "--duration",
    "0.3",
    "--conns",
    "1",
  ]);
  equal(result.code, 0, result.stderr);
  equal(lines(result.stderr).length, 1, result.stderr);
  match(
    result.stderr,
    /^warning: the client fell behind its schedule: it sent \d+ of 10000000 round trips\/s requested/,
  );
});

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
});

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
        /^\[ *\d+\.\d\d-\d+\.\d\d s\] +\d+ round trips\/s +\d+\.\d\d MB\/s {2}p50 (\d+\.\d{3} ms|-) {2}p99 (\d+\.\d{3} ms|-) {2}\d+ errors?$/,
      );
    }
    const json = await runCli([...args, "--json"]);
    equal(json.code, 0, json.stderr);
    equal(lines(json.stdout).length, 1, "no interval lines with --json");
    const report = JSON.parse(json.stdout);
    assertReportShape(report);
    ok(report.intervals.length >= 3);
    equal(
      report.intervals.reduce(
        (sum: number, interval: { roundTrips: number }) =>
          sum + interval.roundTrips,
        0,
      ),
      report.roundTrips,
    );
    equal(report.intervals[0].startSeconds, 0);
  } finally {
    await server.process.stop();
  }
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

Deno.test("load: Ctrl-C prints the report so far, marked interrupted, and exits 130", async () => {
  // A server that takes the bytes and never echoes: the run cannot end by itself.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const received = (async () => {
    const conn = await listener.accept();
    held.push(conn);
    await readBytes(conn, 64);
  })();
  const client = new CliProcess([
    "client",
    "multi",
    "--port",
    `${listener.addr.port}`,
    "--conns",
    "1",
    "--duration",
    "60",
    "--json",
  ]);
  try {
    await received;
    const status = await client.stop("SIGINT");
    equal(status.code, 130);
    const report = JSON.parse(client.stdoutLines[0]);
    assertReportShape(report);
    equal(report.interrupted, true);
    equal(report.roundTrips, 0);
  } finally {
    await client.stop();
    await received.catch(() => {});
    for (const conn of held) conn.close();
    listener.close();
  }
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

Deno.test("load: a rate of one in months waits without overflowing the timer", async () => {
  // The second round trip of the one connection is due 10^7 s after the
  // first: longer than a timer can wait, which would then fire at once with
  // a warning, again and again, for as long as the run waits.
  const server = await spawnQuietEcho();
  const client = new CliProcess([
    "client",
    "multi",
    "--port",
    `${server.port}`,
    "--conns",
    "1",
    "--rate",
    "1e-7",
    "--rounds",
    "2",
    "--interval",
    "0.1",
  ]);
  try {
    // Three interval lines: the client has waited 0.3 s for the second.
    await client.waitForLines(/ round trips\/s /, 3);
    const status = await client.stop("SIGINT");
    equal(status.code, 130);
    deepEqual(
      client.stderrLines.filter((line) => line !== "interrupted, exiting"),
      [],
    );
    ok(
      client.stdoutLines.some((line) => /^Round trips: +1\b/.test(line)),
      client.stdoutLines.join("\n"),
    );
  } finally {
    await client.stop();
    await server.process.stop();
  }
});

Deno.test("load: usage mistakes exit 2 with one line; an unreadable payload file exits 1", async () => {
  const cases: [string[], RegExp][] = [
    [["--rate", "0"], /--rate must be a number more than 0, got "0"/],
    [["--rate", "fast"], /--rate must be a number more than 0/],
    [["--pipeline", "0"], /--pipeline must be an integer from 1 to/],
    [["--lifetime", "0"], /--lifetime must be an integer of 1 or more/],
    [["--connect-rate", "-1"], /--connect-rate must be a number more than 0/],
    [["--connect-timeout", "0"], /--connect-timeout must be more than 0/],
    [["--interval", "0"], /--interval must be more than 0 seconds/],
    [["--omit", "0"], /--omit must be more than 0 seconds/],
    [["--omit", "1", "--rounds", "2"], /--omit needs a timed run/],
    [["--percentiles", "50,,99"], /--percentiles must be numbers above 0/],
    [["--percentiles", "101"], /--percentiles must be numbers above 0/],
    [["--size", `${64 * MIB + 1}`], /--size must be an integer from 1 to/],
    [
      ["--size", "10", "--payload-file", "x"],
      /give --size or --payload-file, not both/,
    ],
  ];
  const results = [];
  for (const [args] of cases) {
    results.push(await runMain(["client", "multi", "--port", "1", ...args]));
  }
  results.forEach((result, i) => {
    const [args, pattern] = cases[i];
    equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    equal(result.stdout, "");
    equal(lines(result.stderr).length, 1, result.stderr);
    match(result.stderr, pattern);
  });
  const missing = await runCli([
    "client",
    "multi",
    "--port",
    "1",
    "--payload-file",
    "/nonexistent/payload.bin",
  ]);
  equal(missing.code, 1);
  equal(
    missing.stderr,
    'error: cannot read --payload-file "/nonexistent/payload.bin": no such file\n',
  );
  // A device never ends and a FIFO blocks whoever opens it: neither is read.
  const device = await runCli([
    "client",
    "multi",
    "--port",
    "1",
    "--payload-file",
    "/dev/zero",
  ]);
  equal(device.code, 1);
  equal(
    device.stderr,
    'error: cannot read --payload-file "/dev/zero": it is not a regular file (a FIFO, a device or a socket)\n',
  );
  const empty = await runCli([
    "client",
    "multi",
    "--port",
    "1",
    "--payload-file",
    "-",
  ], { stdin: "" });
  equal(empty.code, 1);
  equal(
    empty.stderr,
    "error: --payload-file stdin is empty; a message needs at least 1 byte\n",
  );
});

Deno.test("load: --connect-timeout gives up on a connect the server's full backlog never answers", async () => {
  const { server, port } = await startPythonServer("unaccepting_server.py", [
    "--lifetime",
    "20",
  ]);
  try {
    const result = await runCli([
      "client",
      "multi",
      "--port",
      port,
      "--conns",
      "4",
      "--rounds",
      "1",
      "--connect-timeout",
      "0.3",
      "--timeout",
      "1",
      "--json",
    ]);
    equal(result.code, 1);
    const report = JSON.parse(result.stdout);
    equal(report.config.connectTimeoutSeconds, 0.3);
    ok(report.connectionsOpened < 4, `${report.connectionsOpened} opened`);
    equal(report.errors.timeout, 4, JSON.stringify(report.errors));
    match(
      result.stderr,
      /^error: 4 errors in the load run: 4 timed out \(first: could not connect to 127\.0\.0\.1:\d+ within 0\.3 s\)\n$/,
    );
  } finally {
    await server.kill();
  }
});

Deno.test("load: a server that closes before echoing is 'closed early by server', as in the lesson mode", async () => {
  // Reads the first message of each connection, then ends the stream (FIN).
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    for (let i = 0; i < 2; i++) {
      const conn = await listener.accept();
      await readBytes(conn, 64);
      conn.close();
    }
    listener.close();
  })();
  const result = await runCli([
    "client",
    "multi",
    "--port",
    `${listener.addr.port}`,
    "--rounds",
    "5",
  ]);
  await served;
  equal(result.code, 1);
  ok(lines(result.stdout).includes("Errors:        2 closed early by server"));
  match(
    result.stderr,
    /^error: 2 errors in the load run: 2 closed early by server \(first: 127\.0\.0\.1:\d+ closed the connection after echoing 0 of 64 bytes sent\)\n$/,
  );
});

Deno.test("load: --timeout does not cut a connection that only waits for its next scheduled send", async () => {
  // Each of 2 connections sends every 0.5 s, longer than --timeout 0.3.
  const result = await loadAgainstEcho([
    "--rate",
    "4",
    "--duration",
    "1.2",
    "--timeout",
    "0.3",
    "--json",
  ]);
  equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  deepEqual(report.errors, {});
  equal(report.roundTrips, 5);
});

Deno.test("load: Ctrl-C while connections are still being opened ends the run there", async () => {
  // Five connects at 2/s: the interrupt comes after the first, long before the rest.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const firstAccepted = listener.accept().then((conn) => {
    held.push(conn);
  });
  const client = new CliProcess([
    "client",
    "multi",
    "--port",
    `${listener.addr.port}`,
    "--conns",
    "5",
    "--connect-rate",
    "2",
    "--duration",
    "30",
    "--json",
  ]);
  try {
    await firstAccepted;
    const status = await client.stop("SIGINT");
    equal(status.code, 130);
    const report = JSON.parse(client.stdoutLines[0]);
    equal(report.interrupted, true);
    ok(report.connectionsOpened < 5, `${report.connectionsOpened} opened`);
    // Not the 30 s asked for: the run stopped at the interrupt.
    ok(report.durationSeconds < 10, `${report.durationSeconds} s`);
  } finally {
    await client.stop();
    for (const conn of held) conn.close();
    listener.close();
  }
});
