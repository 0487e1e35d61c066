/**
 * `netdemo client multi`'s load mode as a user reads it: exact round-trip
 * counts, the `--json` report's figures agreeing with each other, and the
 * text report's lines. Every JSON field's type is checked in
 * `load_test.ts`.
 *
 * @module
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { runLoad } from "../client/load.ts";
import { formatLoadReport } from "../client/load_report.ts";
import { serveEcho } from "../server/echo.ts";
import { lines, runCli } from "./_helpers.ts";
import { loadAgainstEcho } from "./_load.ts";

/** Runs `netdemo client multi --port PORT ARGS...` against an echo server. */
Deno.test("client multi: load mode with --rounds makes exactly conns x rounds round trips", async () => {
  const server = serveEcho({ port: 0 });
  try {
    const { report, failures } = await runLoad({
      port: server.addr.port,
      connections: 4,
      rounds: 25,
      size: 3000,
    });
    equal(report.connectionsOpened, 4);
    equal(report.roundTrips, 100);
    equal(report.latencyMs.count, 100);
    deepEqual(report.errors, {});
    equal(failures.total, 0);
    const { p50, p90, p99, max } = report.latencyMs;
    ok(p50! > 0);
    ok(p50! <= p90! && p90! <= p99! && p99! <= max!);
  } finally {
    await server.close();
  }
});

Deno.test("client multi: --json prints one object: the load report", async () => {
  const result = await loadAgainstEcho([
    "--conns",
    "3",
    "--rounds",
    "40",
    "--size",
    "100",
    "--json",
  ]);
  equal(result.code, 0, result.stderr);
  const out = lines(result.stdout);
  equal(out.length, 1);
  // Every field is checked in load_test.ts; here, that the figures agree.
  const report = JSON.parse(out[0]);
  equal(report.schema, 1);
  equal(report.connectionsOpened, 3);
  equal(report.roundTrips, 120);
  deepEqual(report.errors, {});
  ok(report.durationSeconds > 0);
  ok(report.roundTripsPerSecond > 0);
  // One direction's bytes: round trips x message size.
  ok(
    Math.abs(report.bytesPerSecond - report.roundTripsPerSecond * 100) <= 100,
  );
});

Deno.test("client multi: a rate under 100/s keeps three digits in the text report: 1.5/s is not 2/s", async () => {
  // One message at 1.5/s: its span is the schedule's step, 1/1.5 s.
  const result = await loadAgainstEcho(
    ["--conns", "1", "--rate", "1.5", "--rounds", "1", "--json"],
  );
  equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  // 1.5, or under when a loaded machine sent the message late (1.2 is
  // 0.17 s late).
  ok(
    report.achievedRate >= 1.2 && report.achievedRate <= 1.5,
    `${report.achievedRate}`,
  );
  const merged = await runCli(["report", "merge", "-"], {
    stdin: result.stdout,
  });
  equal(merged.code, 0, merged.stderr);
  const rate = lines(merged.stdout).find((line) => line.startsWith("Rate:"));
  match(
    rate ?? "",
    /^Rate: {10}1\.[2-5]\d? round trips\/s, \d+ B\/s echoed; requested 1\.5\/s, sent 1\.[2-5]\d?\/s$/,
  );
  // Between 10 and 100 a second, three digits still: 12.5/s, not 13/s. A
  // late send stretches the span: the rates are then lower (a whole
  // number, such as 12.0, shows as 12), never above 12.5.
  const tens = await loadAgainstEcho(
    ["--conns", "1", "--rate", "12.5", "--rounds", "1"],
  );
  equal(tens.code, 0, tens.stderr);
  const shown = tens.stdout.match(
    /^Rate: {10}(\d+(?:\.\d)?) round trips\/s, \d+ B\/s echoed; requested 12\.5\/s, sent (\d+(?:\.\d)?)\/s$/m,
  );
  ok(shown, tens.stdout);
  for (const figure of shown.slice(1).map(Number)) {
    ok(figure >= 6 && figure <= 12.5, tens.stdout);
  }
  // Under 0.05/s, one decimal would say 0 in the JSON too. (A counted
  // run's span is its schedule's: one step of 25 s, though it ends sooner.)
  const slow = await loadAgainstEcho(
    ["--conns", "1", "--rate", "0.04", "--rounds", "1", "--json"],
  );
  equal(slow.code, 0, slow.stderr);
  const slowReport = JSON.parse(slow.stdout);
  equal(slowReport.roundTripsPerSecond, 0.04);
  equal(slowReport.achievedRate, 0.04);
});

Deno.test("client multi: load mode prints a readable report", async () => {
  const server = serveEcho({ port: 0 });
  try {
    const result = await runCli([
      "client",
      "multi",
      "--port",
      `${server.addr.port}`,
      "--rounds",
      "10",
    ]);
    equal(result.code, 0, result.stderr);
    const out = lines(result.stdout);
    equal(out[0], "Connections:   2 of 2 opened");
    // A short run is shown to the millisecond, not as 0.00 s, since the
    // rate is divided by its time.
    const took = out[1].match(
      /^Round trips: {3}20 of 64 bytes in (\d+\.\d\d\d?) s$/,
    );
    ok(took, out[1]);
    const rate = out[2].match(
      /^Rate: {10}(\d+(?:\.\d+)?) round trips\/s, .*\/s echoed$/,
    );
    ok(rate, out[2]);
    ok(Number(took[1]) > 0, out[1]);
    // The text rounds the report's seconds to two decimals (or three), and
    // the rate to the round trip.
    ok(
      Math.abs(Number(took[1]) - 20 / Number(rate[1])) <= 0.0051,
      `${out[1]} / ${out[2]}`,
    );
    match(
      out[3],
      /^Latency: {7}p50 \d+\.\d{3} ms, p90 \d+\.\d{3} ms, p99 \d+\.\d{3} ms, p99\.9 \d+\.\d{3} ms, max \d+\.\d{3} ms, mean \d+\.\d{3} ms$/,
    );
    match(out[4], /^Connect: {7}p50 \d+\.\d{3} ms, .* max \d+\.\d{3} ms/);
    equal(out[5], "Errors:        none");
    equal(out.length, 6);
    const one = await runCli([
      ...["client", "multi", "--port", `${server.addr.port}`],
      ...["--rounds", "1", "--conns", "1"],
    ]);
    equal(one.code, 0, one.stderr);
    match(
      lines(one.stdout)[1],
      /^Round trips: {3}1 of 64 bytes in (?!0\.00 )(\d+\.\d\d\d?|under 0\.001) s$/,
    );
  } finally {
    await server.close();
  }
});

Deno.test("client multi: a run's time shows two decimals, or the millisecond when those would read 0.00", async () => {
  const server = serveEcho({ port: 0 });
  try {
    const { report } = await runLoad({
      port: server.addr.port,
      connections: 1,
      rounds: 2,
    });
    const took = (durationSeconds: number, roundTrips = report.roundTrips) =>
      formatLoadReport({ ...report, durationSeconds, roundTrips })[1];
    equal(took(1.234), "Round trips:   2 of 64 bytes in 1.23 s");
    equal(took(0.01), "Round trips:   2 of 64 bytes in 0.01 s");
    equal(took(0.004), "Round trips:   2 of 64 bytes in 0.004 s");
    equal(took(0.000499), "Round trips:   2 of 64 bytes in under 0.001 s");
    equal(took(0.0005), "Round trips:   2 of 64 bytes in 0.001 s");
    equal(took(0), "Round trips:   2 of 64 bytes in under 0.001 s");
    equal(took(0.0004, 0), "Round trips:   0 of 64 bytes in 0.00 s");
    // Nothing done in no time (every connect refused) stays 0.00 s.
    equal(took(0, 0), "Round trips:   0 of 64 bytes in 0.00 s");
  } finally {
    await server.close();
  }
});
