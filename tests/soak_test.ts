/**
 * The soak: 45 s of load-mode traffic on 200 connections against the echo
 * server, with no errors and no growth of the server's memory once it has
 * warmed up. `NETDEMO_SOAK_SECONDS` changes the length (the memory check
 * needs 30 s or more).
 *
 * Memory is sampled every second and compared as floors: the lowest resident
 * size in the middle third of the run against the lowest in the last third.
 * A single sample swings by 10% with V8's collection cycle (a --trace-gc run
 * showed the live heap flat at 7 MB after every full collection while the
 * resident size moved between 128 and 141 MiB), whereas a leak raises the
 * floor itself.
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { residentKiB, runCli, spawnQuietEcho } from "./_helpers.ts";

const SECONDS = soakSeconds();
/**
 * Shorter runs skip the memory check: for the first 15 s or so the heap is
 * still growing to its working size, so the middle third of a shorter run
 * would measure the warm-up, not a leak.
 */
const CHECK_MEMORY = SECONDS >= 30;
const CONNECTIONS = 200;
/** How much the last third's floor may exceed the middle third's. */
const TOLERANCE = 0.10;

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
    CHECK_MEMORY
      ? ", and the echo server's memory does not grow after warm-up"
      : " (memory not checked: NETDEMO_SOAK_SECONDS < 30)"
  }`,
  ignore: Deno.build.os !== "linux",
  async fn(): Promise<void> {
    const server = await spawnQuietEcho();
    const pid = server.process.child.pid;
    // Measurements on a schedule, not a synchronisation: whatever the load
    // is doing at each second, that is the sample. Each settles to a value
    // or an error, never to a rejection that nobody is awaiting yet.
    const started = performance.now();
    const samples: Promise<{ at: number; kib: number } | Error>[] = [];
    const sampler = !CHECK_MEMORY ? undefined : setInterval(() => {
      const at = (performance.now() - started) / 1000;
      samples.push(
        residentKiB(pid).then((kib) => ({ at, kib }), (error: Error) => error),
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
        const taken: { at: number; kib: number }[] = [];
        for (const sample of await Promise.all(samples)) {
          if (sample instanceof Error) throw sample;
          taken.push(sample);
        }
        const floor = (from: number, to: number): number =>
          Math.min(
            ...taken.filter((s) => s.at >= from && s.at < to).map((s) => s.kib),
          );
        const middle = floor(SECONDS / 3, (2 * SECONDS) / 3);
        const last = floor((2 * SECONDS) / 3, Infinity);
        ok(
          Number.isFinite(middle) && Number.isFinite(last),
          `too few memory samples: ${JSON.stringify(taken)}`,
        );
        ok(
          last <= middle * (1 + TOLERANCE),
          `server memory floor grew from ${middle} KiB (${SECONDS / 3}-${
            (2 * SECONDS) / 3
          } s) to ${last} KiB (last third), more than ${TOLERANCE * 100}%`,
        );
      }
    } finally {
      clearInterval(sampler);
      const status = await server.process.stop("SIGINT");
      equal(status.code, 0, server.process.stderrLines.join("\n"));
    }
    match(
      server.process.stdoutLines.at(-1) ?? "",
      new RegExp(`^Served ${CONNECTIONS} connections, `),
    );
  },
});
