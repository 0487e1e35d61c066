/**
 * The servers' line throttle: past 20 lines in a second it counts, and its
 * summary line says what it left out, reads apart from other lines.
 *
 * @module
 */

import { deepEqual } from "node:assert/strict";
import { EventLog, LINES_PER_SECOND } from "../server/_event_log.ts";
import { captureReporter } from "./_helpers.ts";

Deno.test("event log: past its 20 lines a second it counts, naming reads apart from the other lines", () => {
  const mixed = captureReporter();
  const log = new EventLog(mixed.reporter, { open: () => 3, kind: "echo" });
  for (let i = 0; i < LINES_PER_SECOND; i++) log.event(`line ${i}`);
  log.data(10, () => "a read");
  log.data(20, () => "a read");
  log.event("one more");
  log.close();
  deepEqual(mixed.out.slice(LINES_PER_SECOND), [
    "Last second: echoed 2 reads (30 bytes), 1 other line not shown; 3 connections open",
  ]);

  const events = captureReporter();
  const only = new EventLog(events.reporter, { open: () => 1, kind: "bork" });
  for (let i = 0; i < LINES_PER_SECOND + 2; i++) only.event(`line ${i}`);
  only.close();
  deepEqual(events.out.slice(LINES_PER_SECOND), [
    "Last second: 2 lines not shown; 1 connection open",
  ]);
});

Deno.test("event log: no second holds more than 20 lines, wherever it starts", () => {
  let now = 0;
  const lines = captureReporter();
  const log = new EventLog(lines.reporter, {
    open: () => 0,
    kind: "echo",
    now: () => now,
  });
  for (let i = 0; i < 5; i++) log.event(`early ${i}`);
  now = 900;
  for (let i = 0; i < 15; i++) log.event(`late ${i}`);
  // A second after the first lines, but 15 were printed 0.15 s ago: 5
  // more fit in the second up to now, then the rest is counted.
  now = 1050;
  for (let i = 0; i < 10; i++) log.event(`next ${i}`);
  log.close();
  deepEqual(lines.out.slice(20), [
    "next 0",
    "next 1",
    "next 2",
    "next 3",
    "next 4",
    "Last second: 5 lines not shown; 0 connections open",
  ]);
});
