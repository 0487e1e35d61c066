/**
 * The load mode's schedule: intended send times under `--rate`, the
 * pacing of `--connect-rate`, and the rates a run on a schedule reports.
 * Where a run's figures start and end: `load_span_test.ts`.
 *
 * @module
 */

import { deepEqual, equal, ok } from "node:assert/strict";
import { loadAgainstEcho } from "./_load.ts";
import { within } from "./_helpers.ts";
import {
  EARLY_MS,
  Pacer,
  Schedule,
  sleepUntil,
  Ticker,
} from "../client/_schedule.ts";
import { PauseWatch } from "../client/_pauses.ts";

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
