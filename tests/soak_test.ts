/**
 * The soak: 45 s of load-mode traffic on 200 connections against the echo
 * server, with no errors and no growth of the server's memory once it has
 * warmed up. `NETDEMO_SOAK_SECONDS` changes the length (the memory checks
 * need 30 s or more).
 *
 * Memory is judged by floors, the lowest figure in the middle third of the
 * run against the lowest in the last third, because single figures swing
 * with V8's collection cycle while a leak raises the floor itself.
 *
 * - The live heap: under `deno run` the server runs with `--trace-gc`, which
 *   prints the heap left after every full collection. Over 120 s of this
 *   load it stayed at 7.0-7.3 MB, with a full collection every 2-3 s.
 * - The resident size, a backstop for what the heap does not show, and the
 *   only figure a compiled binary allows (it takes no V8 flags). It swings
 *   by 10% within a cycle, and it steps up once when V8 enlarges its young
 *   generation: measured 25-27 MiB at 16-21 s into the run, which can fall
 *   in the middle third, or later on a slower machine. So the last third's
 *   floor may exceed the middle third's by the tolerance plus that step.
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import {
  residentKiB,
  runCli,
  spawnQuietEcho,
  takesV8Flags,
} from "./_helpers.ts";

const SECONDS = soakSeconds();
/**
 * Shorter runs skip the memory checks: for the first 15 s or so the heap is
 * still growing to its working size, so the middle third of a shorter run
 * would measure the warm-up, not a leak.
 */
const CHECK_MEMORY = SECONDS >= 30;
/** Whether the server's live heap is traced (see the module's comment). */
const TRACE_GC = CHECK_MEMORY && takesV8Flags();
const CONNECTIONS = 200;
/** How much the last third's floor may exceed the middle third's. */
const TOLERANCE = 0.10;
/** The most V8's young generation is allowed to add to the resident size. */
const YOUNG_GENERATION_STEP_KIB = 32 * 1024;
/** The heap V8 reports left after a full collection, in MB. */
const FULL_COLLECTION =
  /Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \(/;

/** One memory sample: when, the resident size, and stdout's length then. */
interface Sample {
  at: number;
  kib: number;
  lines: number;
}

function soakSeconds(): number {
  const text = Deno.env.get("NETDEMO_SOAK_SECONDS");
  if (text === undefined || text === "") return 45;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 1) {
    throw new Error(
      `NETDEMO_SOAK_SECONDS must be a number of seconds >= 1, got "${text}"`,
    );
  }
  return seconds;
}

Deno.test({
  name: `soak: ${SECONDS} s of load on ${CONNECTIONS} connections: no errors${
    !CHECK_MEMORY
      ? " (memory not checked: NETDEMO_SOAK_SECONDS < 30)"
      : TRACE_GC
      ? ", and the echo server's live heap and resident size do not grow after warm-up"
      : ", and the echo server's resident size does not grow after warm-up (a compiled binary's heap cannot be traced)"
  }`,
  ignore: Deno.build.os !== "linux",
  async fn(): Promise<void> {
    const server = await spawnQuietEcho({
      v8Flags: TRACE_GC ? ["--trace-gc"] : [],
    });
    const pid = server.process.child.pid;
    // Measurements on a schedule, not a synchronisation: whatever the load
    // is doing at each second, that is the sample. Each settles to a value
    // or an error, never to a rejection that nobody is awaiting yet.
    const started = performance.now();
    const samples: Promise<Sample | Error>[] = [];
    const sampler = !CHECK_MEMORY ? undefined : setInterval(() => {
      const at = (performance.now() - started) / 1000;
      const lines = server.process.stdoutLines.length;
      samples.push(
        residentKiB(pid).then(
          (kib) => ({ at, kib, lines }),
          (error: Error) => error,
        ),
      );
    }, 1000);
    try {
      const load = await runCli([
        "client",
        "multi",
        "--port",
        String(server.port),
        "--conns",
        String(CONNECTIONS),
        "--size",
        "64",
        "--duration",
        String(SECONDS),
        "--json",
      ]);
      clearInterval(sampler);
      equal(load.code, 0, load.stderr);
      const line = load.stdout.split("\n").find((text) => text.startsWith("{"));
      ok(line !== undefined, `no JSON report in: ${load.stdout}`);
      const report = JSON.parse(line);
      deepEqual(report.errors, {});
      equal(report.connectionsOpened, CONNECTIONS);
      ok(report.roundTrips > 0, line);
      if (CHECK_MEMORY) {
        const taken: Sample[] = [];
        for (const sample of await Promise.all(samples)) {
          if (sample instanceof Error) throw sample;
          taken.push(sample);
        }
        const resident = thirds(
          taken.map(({ at, kib }) => ({ at, value: kib })),
        );
        ok(
          resident.last <= resident.middle * (1 + TOLERANCE) +
              YOUNG_GENERATION_STEP_KIB,
          `server resident size floor grew from ${resident.middle} KiB (middle third) to ${resident.last} KiB (last third), more than ${
            TOLERANCE * 100
          }% plus ${YOUNG_GENERATION_STEP_KIB} KiB`,
        );
        if (TRACE_GC) {
          const heap = thirds(
            fullCollections(server.process.stdoutLines, taken),
          );
          ok(
            heap.last <= heap.middle * (1 + TOLERANCE),
            `server live heap after full collections grew from ${heap.middle} MB (middle third) to ${heap.last} MB (last third), more than ${
              TOLERANCE * 100
            }%`,
          );
        }
      }
    } finally {
      clearInterval(sampler);
      const status = await server.process.stop("SIGINT");
      equal(status.code, 0, server.process.stderrLines.join("\n"));
    }
    // V8 buffers its trace lines, so under --trace-gc they may be cut
    // around the server's own lines: the summary is then looked for within
    // the lines rather than as the last of them.
    const lines = server.process.stdoutLines;
    const summary = TRACE_GC
      ? lines.findLast((line) => line.includes("Served "))
      : lines.at(-1);
    match(
      summary ?? "",
      new RegExp(`${TRACE_GC ? "" : "^"}Served ${CONNECTIONS} connections, `),
    );
  },
});

/**
 * The floors of `points` in the middle and the last third of the run, each
 * required to hold at least one point.
 */
function thirds(
  points: { at: number; value: number }[],
): { middle: number; last: number } {
  const floor = (from: number, to: number): number =>
    Math.min(
      ...points.filter((p) => p.at >= from && p.at < to).map((p) => p.value),
    );
  const middle = floor(SECONDS / 3, (2 * SECONDS) / 3);
  const last = floor((2 * SECONDS) / 3, Infinity);
  ok(
    Number.isFinite(middle) && Number.isFinite(last),
    `too few figures in the middle or last third: ${JSON.stringify(points)}`,
  );
  return { middle, last };
}

/**
 * The heap left after each full collection, timed by the first sample taken
 * after its line was read (lines read after the last sample count as last).
 */
function fullCollections(
  lines: string[],
  samples: Sample[],
): { at: number; value: number }[] {
  const found: { at: number; value: number }[] = [];
  lines.forEach((line, index) => {
    const heap = FULL_COLLECTION.exec(line);
    if (heap === null) return;
    const at = samples.find((sample) => sample.lines > index)?.at ?? Infinity;
    found.push({ at, value: Number(heap[1]) });
  });
  return found;
}
