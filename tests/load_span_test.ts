/**
 * The span a load run's figures cover: where a timed, counted or
 * interrupted run ends, what its schedule owed within it, and the warning
 * when a slow `--rate` stretches it past `--duration`.
 *
 * @module
 */

import { equal, match, ok } from "node:assert/strict";
import { slowEcho } from "./_load.ts";
import { runLoad } from "../client/load.ts";
import { serveEcho } from "../server/echo.ts";
import { CliProcess, runCli, spawnQuietEcho } from "./_helpers.ts";
import { scheduledBefore, type SendTrack } from "../client/_run_span.ts";
import { loadWarnings } from "../client/load_warnings.ts";

Deno.test("span: a timed run's wait for its deadline, woken a timer's tick early, still counts its whole duration", async () => {
  // The last echo comes well before the deadline, and the wait for it may
  // wake up to 1 ms early: that is no run cut short, so the counted time
  // is the duration (or more) and the rate never above the one asked.
  // Ten runs: the early wake comes in about one in six.
  const server = serveEcho({ port: 0 });
  try {
    for (let run = 0; run < 10; run++) {
      const { report } = await runLoad({
        port: server.addr.port,
        connections: 1,
        rate: 50,
        durationMs: 100,
      });
      // More only when a send went late, which the span then takes in.
      ok(
        report.durationSeconds >= 0.1,
        `run ${run}: ${report.durationSeconds} s`,
      );
      ok(report.roundTripsPerSecond <= 50, `${report.roundTripsPerSecond}/s`);
    }
  } finally {
    await server.close();
  }
});

Deno.test("span: a client stopped across its warm-up's end still reports no more than its rate", async () => {
  // SIGSTOP at the first send of a 0.5 s warm-up, for 0.6 s: messages due
  // in the warm-up must stay out of the figures, and the counted time must
  // start at the warm-up's end, however late its timer fires. The stop
  // follows the first write's trace line, with no wait of its own, so that
  // it starts well inside the warm-up even on a busy machine.
  const server = await spawnQuietEcho();
  const client = new CliProcess([
    ...["client", "multi", "--port", `${server.port}`, "--conns", "2"],
    ...["--rate", "200", "--omit", "0.5", "--duration", "1", "--json"],
    "--trace",
  ]);
  try {
    await client.waitForLine(/\] write 64 bytes /);
    client.child.kill("SIGSTOP");
    await new Promise((resolve) => setTimeout(resolve, 600));
    client.child.kill("SIGCONT");
    const status = await client.finished();
    equal(status.code, 0, client.stderrLines.slice(-3).join(" | "));
    const report = JSON.parse(client.stdoutLines.at(-1)!);
    ok(report.achievedRate <= 202, `sent ${report.achievedRate}/s of 200`);
    ok(
      report.roundTripsPerSecond <= report.achievedRate + 0.1,
      `${report.roundTripsPerSecond} round trips/s, sent ${report.achievedRate}/s`,
    );
    ok(report.durationSeconds >= 0.99, `${report.durationSeconds} s counted`);
  } finally {
    await client.stop();
    await server.process.stop();
  }
});

Deno.test("span: a --rate run interrupted early counts the time it ran", async () => {
  const server = serveEcho({ port: 0 });
  try {
    const controller = new AbortController();
    const stopping = setTimeout(() => controller.abort("SIGINT"), 500);
    const { report } = await runLoad({
      port: server.addr.port,
      connections: 1,
      rate: 200,
      durationMs: 10_000,
      signal: controller.signal,
    });
    clearTimeout(stopping);
    // Stopped at 0.5 s of 10: the rates cover that half second.
    equal(report.interrupted, true);
    ok(report.durationSeconds < 2, `${report.durationSeconds} s`);
    ok(report.roundTripsPerSecond > 100, `${report.roundTripsPerSecond}/s`);
  } finally {
    await server.close();
  }
});

Deno.test("span: a run whose pipeline is mostly full but that kept its schedule is not 'held back'", async () => {
  // Each echo 8 ms late at 100/s on one connection: 0.8 in flight on
  // average, but every message goes when due.
  const { port, served } = slowEcho(8);
  const result = await runLoad({
    port,
    connections: 1,
    rate: 100,
    durationMs: 1000,
  });
  await served;
  // Held back is a reason for being behind, never a verdict of its own.
  ok(
    !result.heldBack || result.behind,
    `held back, though it sent ${result.report.achievedRate}/s of 100`,
  );
});

Deno.test("span: a closed-loop counted run's time ends at its last echo, not its last send", async () => {
  // Each echo 100 ms late: 3 round trips take 0.3 s, and the last send is
  // at 0.2 s.
  const { port, served } = slowEcho(100);
  const { report } = await runLoad({
    port,
    connections: 1,
    rounds: 3,
  });
  await served;
  equal(report.roundTrips, 3);
  ok(report.durationSeconds >= 0.29, `${report.durationSeconds} s`);
  ok(report.roundTripsPerSecond <= 10.5, `${report.roundTripsPerSecond}/s`);
});

/** `runLoad` against an in-process echo server, stopped as by Ctrl-C. */
async function interruptedLoad(
  options: Parameters<typeof runLoad>[0],
  afterMs: number,
): ReturnType<typeof runLoad> {
  const server = serveEcho({ port: 0 });
  const controller = new AbortController();
  const stopping = setTimeout(() => controller.abort("SIGINT"), afterMs);
  try {
    return await runLoad({
      ...options,
      port: server.addr.port,
      signal: controller.signal,
    });
  } finally {
    clearTimeout(stopping);
    await server.close();
  }
}

Deno.test("span: a slow --rate run interrupted between sends ends at the stop, not a step after its last send, and kept its rate", async () => {
  // One message at 0 s, the next due at 5 s; stopped at 0.3 s.
  const timed = await interruptedLoad(
    { connections: 1, rate: 0.2, durationMs: 20_000, intervalMs: 100 },
    300,
  );
  const counted = await interruptedLoad(
    { connections: 1, rate: 0.2, rounds: 5 },
    300,
  );
  for (const { report } of [timed, counted]) {
    equal(report.interrupted, true);
    equal(report.roundTrips, 1);
    ok(report.durationSeconds < 2, `${report.durationSeconds} s`);
    ok(report.achievedRate! <= 0.2, `sent ${report.achievedRate}/s`);
    equal(report.unsentRoundTrips, 0);
  }
  equal(
    timed.report.intervals.at(-1)?.endSeconds,
    timed.report.durationSeconds,
  );
});

Deno.test("span: a --rate run interrupted on schedule leaves no message 'due never sent' for a timer's usual lateness", async () => {
  const { report } = await interruptedLoad(
    { connections: 20, rate: 2000, durationMs: 10_000 },
    500,
  );
  equal(report.interrupted, true);
  equal(report.unsentRoundTrips, 0);
  // 2000/s on a quiet machine; a client in a busy test process may lag.
  const sent = report.achievedRate!;
  ok(sent <= 2000 && sent >= 1900, `sent ${sent}/s`);
});

Deno.test("span: a timed --rate run whose last step ends well past its duration says so on stderr", async () => {
  const server = await spawnQuietEcho();
  try {
    // Due at 0 and 0.667 s: the schedule's span is 1.33 s.
    const run = await runCli([
      ...["client", "multi", "--port", `${server.port}`, "--conns", "1"],
      ...["--rate", "1.5", "--duration", "1"],
    ]);
    equal(run.code, 0, run.stderr);
    // A last send a few milliseconds late (a busy test machine) stretches
    // the span by as much: 1.33 s on time, 1.34 s at 5 ms late.
    match(run.stdout, /^Round trips: +2 of 64 bytes in 1\.3[3-9] s$/m);
    match(
      run.stderr,
      /^warning: --rate 1\.5 has a message due every 0\.667 s, so the figures span the schedule's 1\.3[3-9] s for the 2 messages due in the 1 s run, not the run's own length; give a --duration that holds whole steps of 1 \/ rate\n$/,
    );
    // The schedule starts with the warm-up: due at 0 (not counted) and
    // 2 s, the span to 4 s, 3 s past the warm-up. Not behind, either.
    const warm = await runCli([
      ...["client", "multi", "--port", `${server.port}`, "--conns", "1"],
      ...["--rate", "0.5", "--omit", "1", "--duration", "2"],
    ]);
    equal(warm.code, 0, warm.stderr);
    match(
      warm.stderr,
      /^warning: --rate 0\.5 has a message due every 2 s, so the figures span the schedule's 3(\.0\d)? s for the 1 message due in the 2 s run, not the run's own length; give an --omit and a --duration that hold whole steps of 1 \/ rate\n$/,
    );
    // Whole steps: no warning.
    const whole = await runCli([
      ...["client", "multi", "--port", `${server.port}`, "--conns", "1"],
      ...["--rate", "2", "--duration", "1"],
    ]);
    equal(whole.code, 0, whole.stderr);
    equal(whole.stderr, "");
  } finally {
    await server.process.stop();
  }
});

Deno.test("span: a last send a little late does not put the next message, due as the span ends, among those the run owed", () => {
  // --rate 0.5 --omit 1 --duration 2: due at 0 (the warm-up's) and 2 s.
  // Sent 5 ms late, the span runs to 4.005 s, past the message due at
  // 4 s, which the run was never to send.
  const track: SendTrack = {
    rate: 0.5,
    rounds: null,
    connections: 1,
    runStart: 0,
    countFrom: 1000,
    started: 1000,
    sent: 1,
    lastPlannedAt: 2000,
    lastSendAt: 2005,
  };
  equal(scheduledBefore(track, 4004), 1);
  // Held back for longer than a late timer, the span owes that message.
  equal(scheduledBefore(track, 4200), 2);
  // At 100/s the allowance is half a step (5 ms): a run held back by
  // 0.7 s, 150 messages sent, had 221 due (0 to 2.2 s) in its 2.21 s span.
  const held = { ...track, rate: 100, countFrom: 0, started: 0, sent: 150 };
  equal(scheduledBefore(held, 2210), 221);
});

Deno.test("span: a span stretched by a late last send alone gets no warning about the rate's step", async () => {
  // 40/s over 0.5 s: 20 steps of 25 ms, whole. A last send held up by a
  // full pipeline stretches the measured span past 1% of the duration
  // while the run stays within 1% of its rate (neither behind nor a step
  // problem); the warning about whole steps must not blame the rate.
  const server = serveEcho({ port: 0 });
  let result;
  try {
    result = await runLoad({
      port: server.addr.port,
      connections: 1,
      rate: 40,
      durationMs: 500,
    });
  } finally {
    await server.close();
  }
  ok(
    Math.abs(result.scheduleSpanSeconds - 0.5) < 1e-9,
    `${result.scheduleSpanSeconds} s`,
  );
  const late = { ...result, spanSeconds: 0.506, behind: false };
  equal(loadWarnings(late).filter((l) => /figures span/.test(l)).length, 0);
  // Steps that do not fit the duration still get it.
  const odd = { ...late, scheduleSpanSeconds: 0.525, spanSeconds: 0.525 };
  equal(loadWarnings(odd).filter((l) => /figures span/.test(l)).length, 1);
});
