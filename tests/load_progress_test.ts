/**
 * The load's live progress line, tick by tick: in the warm-up, at its end
 * (before anything is counted), and in the counted time.
 *
 * @module
 */

import { equal, match } from "node:assert/strict";
import { formatLoadReport } from "../client/load_report.ts";
import { LoadFigures } from "../client/_load_figures.ts";
import { planLoad } from "../client/_load_options.ts";
import { FailureTally } from "../client/failures.ts";
import { LatencyRecorder } from "../client/latency.ts";

/** Figures of a run planned with `omitMs` of warm-up, begun at time 0. */
function figuresWith(omitMs: number): LoadFigures {
  const { config } = planLoad({ port: 1, omitMs, durationMs: 2000 });
  const figures = new LoadFigures({
    config,
    failures: new FailureTally(),
    connectLatency: new LatencyRecorder(),
  });
  figures.begin(omitMs, 0);
  return figures;
}

Deno.test("load progress: a tick at the warm-up's end says it is over, not '0 s elapsed' with no latency", () => {
  const warm = figuresWith(1000);
  warm.onSend(500, 500);
  warm.onEcho(500, 500, 500.2);
  equal(
    warm.progressLine(999),
    "warming up, 1 of 1 s: 1 round trips/s, 0 errors",
  );
  equal(warm.progressLine(1000), "warm-up over: 0 round trips/s, 0 errors");
  warm.onSend(1500, 1500);
  warm.onEcho(1500, 1500, 1500.25);
  equal(
    warm.progressLine(2000),
    "1 s elapsed: 1 round trips/s, p99 so far 0.250 ms, 0 errors",
  );
  // A tick a moment after a whole-second warm-up's end, with round trips
  // counted already: its rate is still the warm-up's.
  const late = figuresWith(1000);
  late.onSend(1000, 1000);
  late.onEcho(1000, 1000, 1000.2);
  equal(late.progressLine(1003), "warm-up over: 1 round trips/s, 0 errors");
  // A warm-up of 1.2 s: the tick at 2 s is 0.8 s into the counted time.
  const fraction = figuresWith(1200);
  fraction.progressLine(1000);
  fraction.onSend(1500, 1500);
  fraction.onEcho(1500, 1500, 1500.25);
  equal(
    fraction.progressLine(2000),
    "0.8 s elapsed: 1 round trips/s, p99 so far 0.250 ms, 0 errors",
  );
  // Without a warm-up, a first tick with nothing back yet says so.
  equal(
    figuresWith(0).progressLine(1000),
    "1 s elapsed: 0 round trips/s, nothing counted yet, 0 errors",
  );
});

Deno.test("load figures: a message due at the warm-up's end and sent a timer tick early is counted, its latency from its actual send", () => {
  const figures = figuresWith(1000);
  figures.onSend(999.5, 1000);
  figures.onEcho(1000, 999.5, 1000.3);
  equal(figures.roundTrips, 1);
  equal(
    figures.progressLine(2000),
    "1 s elapsed: 1 round trips/s, p99 so far 0.800 ms, 0 errors",
  );
});

Deno.test("load figures: rates are rounded once for the text (999.49/s prints as 999), and one replaced connection in 25 s is 0.04/s, not 0", () => {
  const figures = figuresWith(0);
  figures.startCounting(2);
  for (let i = 0; i < 1944; i++) {
    figures.onSend(i, i);
    figures.onEcho(i, i, i + 0.1);
  }
  const { report } = figures.result(1945, {
    opened: 3,
    interrupted: false,
    deadline: 2000,
  });
  equal(report.roundTripsPerSecond, 999.486);
  equal(report.connectionsPerSecond, 0.514);
  const text = formatLoadReport(report);
  match(text[2], /^Rate: +999 round trips\/s, /);
  const slow = figuresWith(0);
  slow.startCounting(2);
  const churn = slow.result(25_000, {
    opened: 3,
    interrupted: false,
    deadline: 25_000,
  }).report;
  equal(churn.connectionsPerSecond, 0.04);
  match(formatLoadReport(churn)[0], /^Connections: +3 opened \(0\.04\/s\)$/);
});
