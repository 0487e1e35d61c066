/**
 * The load mode's schedule: intended send times under `--rate`, the
 * pacing of `--connect-rate`, and the rates a run on a schedule reports.
 *
 * @module
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { loadAgainstEcho, slowEcho } from "./_load.ts";
import { runLoad } from "../client/load.ts";
import { serveEcho } from "../server/echo.ts";
import { CliProcess, runCli, spawnQuietEcho, within } from "./_helpers.ts";
import {
  EARLY_MS,
  Pacer,
  Schedule,
  sleepUntil,
  Ticker,
} from "../client/_schedule.ts";
import { PauseWatch } from "../client/_pauses.ts";
import { scheduledBefore, type SendTrack } from "../client/_run_span.ts";

Deno.test("schedule: --rate spreads round trips evenly over the connections, interleaved", () => {
  const schedule = new Schedule({ rate: 1000, slots: 4 }, 100);
  // 1 ms apart overall; each connection every 4 ms, offset by its slot.
  deepEqual(
    [0, 1, 2, 3].map((slot) => schedule.plannedAt(slot, 0)),
    [100, 101, 102, 103],
  );
  deepEqual(
    [0, 1, 2].map((index) => schedule.plannedAt(2, index)),
    [102, 106, 110],
  );
  // Every one of rate x duration messages falls within the duration, once.
  const times = [];
  for (let slot = 0; slot < 4; slot++) {
    for (let index = 0; index < 250; index++) {
      times.push(schedule.plannedAt(slot, index)!);
    }
  }
  equal(new Set(times).size, 1000);
  ok(Math.max(...times) < 100 + 1000);
});

Deno.test("schedule: without a rate nothing is due at a fixed time (closed loop)", () => {
  equal(new Schedule({ slots: 2 }, 0).plannedAt(1, 5), undefined);
});

Deno.test("schedule: sleepUntil never wakes more than one timer tick early", async () => {
  for (const ahead of [0, 0.5, 3, 7]) {
    const due = performance.now() + ahead;
    await sleepUntil(due);
    ok(performance.now() >= due - EARLY_MS, `woke early for +${ahead} ms`);
  }
});

Deno.test("schedule: an aborted sleep ends at once", async () => {
  const controller = new AbortController();
  const sleeping = sleepUntil(performance.now() + 60_000, controller.signal);
  controller.abort();
  await within(sleeping, {
    ms: 5_000,
    what: "a sleepUntil 60 s ahead, aborted",
  });
});

Deno.test("schedule: the connect pacer lets the k-th event through k/rate seconds after the first", async () => {
  const pacer = new Pacer(500);
  // The pacer counts from its first call, which is no earlier than this;
  // the first event's own return may be later (a busy machine), so it is
  // not the origin.
  const origin = performance.now();
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    equal(await pacer.next(), true);
    times.push(performance.now());
  }
  // The seventh is due 12 ms after the pacer's first call, so no earlier
  // than a run's end 12 ms after the origin (however late this loop ran):
  // it does not come.
  equal(await pacer.next({ before: origin + 12 }), false);
  for (let i = 1; i < times.length; i++) {
    ok(times[i] - origin >= i * 2 - EARLY_MS, `event ${i} came early`);
  }
});

Deno.test("schedule: one ticker wakes many senders, each at its own time, in time order", async () => {
  const ticker = new Ticker();
  // Every sender is registered well before the first is due: one registered
  // after its time has passed is woken at once, in registration order, which
  // a loaded machine could otherwise make look like a wake out of turn.
  const start = performance.now() + 50;
  const offsets = [9, 2, 6, 2.5, 0, 4];
  const woke: number[] = [];
  await Promise.all(offsets.map(async (offset, i) => {
    await new Promise<void>((wake) => ticker.at(start + offset, wake));
    ok(performance.now() >= start + offset - EARLY_MS, `sender ${i} early`);
    woke.push(offset);
  }));
  // Those due within one tick of each other may wake together, never out of turn.
  for (let i = 1; i < woke.length; i++) {
    ok(woke[i] >= woke[i - 1] - EARLY_MS, `woke ${woke}`);
  }
  ticker.release();
});

Deno.test("schedule: releasing the ticker wakes every waiting sender at once", async () => {
  const ticker = new Ticker();
  const far = performance.now() + 60_000;
  const waiting = Promise.all(
    [far, far + 1].map((time) =>
      new Promise<void>((wake) => ticker.at(time, wake))
    ),
  );
  ticker.release();
  await waiting;
});

Deno.test("schedule: the pause watch counts a blocked event loop as the client's own time, also while the block goes on", async () => {
  const pauses = new PauseWatch();
  pauses.start();
  try {
    // Its first tick is set, then the loop is blocked past it.
    const from = performance.now();
    while (performance.now() - from < 200) {
      // A long synchronous task, as a stopped or starved client would be.
    }
    // Asked before its overdue tick has run (as an echo read first would).
    const during = performance.now();
    ok(
      pauses.heldBack(from, during) >= 100,
      `${pauses.heldBack(from, during)}`,
    );
    equal(pauses.longestMs, 0);
    await new Promise((resolve) => setTimeout(resolve, 0));
    ok(pauses.longestMs >= 100, `longest ${pauses.longestMs}`);
    ok(
      pauses.heldBack(from, during) >= 100,
      `${pauses.heldBack(from, during)}`,
    );
    // None of it before the block.
    equal(pauses.heldBack(from - 1000, from - 500), 0);
    // Once the client has run on for a while (ticks on time), the block
    // could not have held back an echo that comes now: a server's stall
    // is not made shorter by a client that was busy during it.
    // (A loaded machine may still make the last tick late: never the
    // 200 ms block, though.)
    await new Promise((resolve) => setTimeout(resolve, 150));
    const after = pauses.heldBack(from, performance.now());
    ok(after < 100, `${after}`);
  } finally {
    pauses.stop();
  }
});

Deno.test("schedule: a run that kept its --rate reports that rate, never more than it sent", async () => {
  // 4/s for 1 s: sends at 0, 0.25, 0.5 and 0.75 s. Ending the figures at
  // the last echo would give 4 / 0.75 = 5.3/s; 5 rounds at 10/s, 12.5/s.
  // 300 at 2000/s: a last send up to 1 ms early must not lift the rates.
  const [timed, fast, counted] = await Promise.all([
    loadAgainstEcho(
      ["--conns", "1", "--rate", "4", "--duration", "1", "--json"],
    ),
    loadAgainstEcho(
      ["--conns", "3", "--rate", "2000", "--rounds", "100", "--json"],
    ),
    loadAgainstEcho([
      "--conns",
      "1",
      "--rate",
      "10",
      "--rounds",
      "5",
      "--json",
    ]),
  ]);
  for (
    const [result, trips, rate] of [
      [timed, 4, 4],
      [counted, 5, 10],
      [fast, 300, 2000],
    ] as const
  ) {
    equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    equal(report.roundTrips, trips);
    ok(
      report.roundTripsPerSecond <= report.achievedRate + 0.1,
      `${report.roundTripsPerSecond} round trips/s, sent ${report.achievedRate}/s`,
    );
    ok(report.roundTripsPerSecond <= rate, `${report.roundTripsPerSecond}/s`);
    ok(report.achievedRate <= rate, `sent ${report.achievedRate}/s`);
    // Bytes are round trips x 64, to the rounding of the rate's decimal.
    ok(Math.abs(report.bytesPerSecond - report.roundTripsPerSecond * 64) <= 4);
  }
});

Deno.test("schedule: a timed run's wait for its deadline, woken a timer's tick early, still counts its whole duration", async () => {
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

Deno.test("schedule: a client stopped across its warm-up's end still reports no more than its rate", async () => {
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

Deno.test("schedule: a --rate run interrupted early counts the time it ran", async () => {
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

Deno.test("schedule: a run whose pipeline is mostly full but that kept its schedule is not 'held back'", async () => {
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

Deno.test("schedule: a closed-loop counted run's time ends at its last echo, not its last send", async () => {
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

Deno.test("schedule: a slow --rate run interrupted between sends ends at the stop, not a step after its last send, and kept its rate", async () => {
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

Deno.test("schedule: a --rate run interrupted on schedule leaves no message 'due never sent' for a timer's usual lateness", async () => {
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

Deno.test("schedule: a timed --rate run whose last step ends well past its duration says so on stderr", async () => {
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

Deno.test("schedule: a last send a little late does not put the next message, due as the span ends, among those the run owed", () => {
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
