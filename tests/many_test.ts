/**
 * The connect phase's building blocks on their own: the gate that bounds
 * connects in flight, and the failure tally that every multi-connection
 * summary is written from.
 */

import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { Gate } from "../client/_many.ts";
import { describeFailureCounts, FailureTally } from "../client/failures.ts";
import { NetError } from "../protocol/errors.ts";

Deno.test("gate: never more than its limit in flight, and every task runs", async () => {
  const gate = new Gate(3);
  let inFlight = 0;
  let most = 0;
  const releases: (() => void)[] = [];
  const tasks = Array.from({ length: 10 }, (_, i) =>
    gate.run(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((release) => releases.push(release));
      inFlight--;
      return i;
    }));
  // Release the tasks one at a time, in the order they got in, until all ran.
  // A gate that never let the next task in would leave nothing to release:
  // a bounded wait turns that into a failure rather than a hang.
  for (let released = 0; released < 10; released++) {
    for (let spin = 0; releases.length === 0 && spin < 1000; spin++) {
      await Promise.resolve();
    }
    ok(releases.length > 0, `task ${released} never got through the gate`);
    releases.shift()?.();
  }
  deepEqual(await Promise.all(tasks), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  equal(most, 3);
});

Deno.test("gate: a failed task frees its place and the failure reaches the caller", async () => {
  const gate = new Gate(1);
  await rejects(
    gate.run(() => Promise.reject(new Error("refused"))),
    /refused/,
  );
  equal(await gate.run(() => Promise.resolve("next")), "next");
});

Deno.test("failure tally: counts by kind, most frequent first, with the first failure", () => {
  const tally = new FailureTally();
  tally.add(new NetError("refused", "127.0.0.1:1 refused the connection"));
  tally.add(new NetError("reset", "127.0.0.1:1 reset the connection"));
  tally.add(new NetError("reset", "127.0.0.1:1 reset it again"));
  equal(tally.total, 3);
  deepEqual(tally.counts, { refused: 1, reset: 2 });
  equal(tally.mainKind(), "reset");
  equal(tally.describe(), "2 reset by server, 1 refused");
  equal(
    tally.describeWithFirst(),
    "2 reset by server, 1 refused (first: 127.0.0.1:1 refused the connection)",
  );
});

Deno.test("failure tally: every kind is shown in words; one another version wrote, as written", () => {
  equal(
    describeFailureCounts({ "other": 3, "permission-denied": 2, "later": 1 }),
    "3 other errors, 2 permission denied, 1 later",
  );
});

Deno.test("failure tally: an empty tally names no kind", () => {
  const tally = new FailureTally();
  equal(tally.total, 0);
  equal(tally.describe(), "");
  equal(tally.mainKind(), "other");
});
