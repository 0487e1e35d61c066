/**
 * A server out of file descriptors says so once, then at most once per
 * ten seconds with a count of the times between, and says it recovered
 * after each line it printed: churn at the limit cannot flood the log,
 * and a quiet log still shows both ends of an episode.
 *
 * @module
 */

import { deepEqual } from "node:assert/strict";
import {
  DESCRIPTOR_LINE_MS,
  DescriptorLog,
} from "../server/_descriptor_log.ts";
import { captureReporter } from "./_helpers.ts";

const LIMIT_LINE =
  "error: too many open files (40 connections open): not accepting until some close; raise the limit with 'ulimit -n'";

Deno.test("descriptor log: churn at the limit is one line and one recovery per ten seconds, each counting the episodes left out", () => {
  const { reporter, out, err } = captureReporter({ quiet: true });
  const log = new DescriptorLog(reporter);
  // Five episodes a second for twelve seconds; retries within an episode
  // are the same episode.
  for (let ms = 0; ms < 12_000; ms += 200) {
    log.ranOut(40, ms);
    log.ranOut(40, ms + 100);
    log.recovered(39);
  }
  log.end();
  const second = Math.ceil(DESCRIPTOR_LINE_MS / 200);
  deepEqual(err, [
    LIMIT_LINE,
    `${LIMIT_LINE} (reached ${second - 1} times more since the last such line)`,
    `Since the last line about the open-file limit, it was reached ${
      60 - second - 1
    } times more`,
  ]);
  deepEqual(out, [
    "Accepting connections again (39 open)",
    "Accepting connections again (39 open)",
  ]);
});

Deno.test("descriptor log: an episode that began unsaid is said once it outlasts the pause, and its recovery with it", () => {
  const { reporter, out, err } = captureReporter({ quiet: true });
  const log = new DescriptorLog(reporter);
  log.ranOut(40, 0);
  log.recovered(39);
  // Out again 2 s later, and stuck: retried every 100 ms.
  for (let ms = 2_000; ms <= 13_000; ms += 100) log.ranOut(40, ms);
  deepEqual(err, [LIMIT_LINE, LIMIT_LINE]);
  log.recovered(20);
  // One more, unsaid, is counted at the end, once.
  log.ranOut(40, 14_000);
  log.recovered(20);
  log.end();
  deepEqual(out, [
    "Accepting connections again (39 open)",
    "Accepting connections again (20 open)",
  ]);
  deepEqual(err.slice(2), [
    "Since the last line about the open-file limit, it was reached once more",
  ]);
});

Deno.test("descriptor log: a server that never ran out says nothing, and one that ran out once says nothing at its end", () => {
  const { reporter, out, err } = captureReporter();
  const log = new DescriptorLog(reporter);
  log.recovered(3);
  log.end();
  deepEqual([out, err], [[], []]);
  log.ranOut(40, 0);
  log.recovered(12);
  log.end();
  deepEqual(err, [LIMIT_LINE]);
  deepEqual(out, ["Accepting connections again (12 open)"]);
});
