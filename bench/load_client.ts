/**
 * `deno task bench`, the load client's own figures: netdemo's `client
 * multi` against a small closed-loop C generator (epoll, one thread) on the
 * same fast C echo server, and the accuracy of `--rate`. Both C programs
 * are compiled here with the machine's `gcc`. The server runs on CPU 0 and
 * the load on CPU 1 (`taskset`); runs alternate so that a neighbour's burst
 * hits both, and every run is listed, so the spread shows.
 *
 * ```sh
 * deno run --allow-all bench/load_client.ts [--seconds 5] [--repeat 3]
 *   [--conns 100] [--size 64] [--rates 10000,50000,100000] [--pipeline 1,16]
 * ```
 *
 * Only 127.0.0.1 is used; every child is stopped and awaited. Exit code 1
 * only when something could not be measured; a missed target is a finding,
 * shown as MISS.
 *
 * @module
 */

import { errorMessage } from "../protocol/errors.ts";
import { parseArgs } from "node:util";
import { capture, type Child, spawnChild, stopAll } from "./_children.ts";
import { LOAD_CPU, SERVER_CPU } from "./_machine.ts";
import { cpuSeconds } from "./_procfs.ts";
import { compileBaselines, lastJson, netdemoArgv } from "./_runner.ts";
import { series } from "./_table.ts";

/** The targets of issue 10. */
const MIN_RATE_SHARE = 0.85;
const MAX_P50_EXCESS = 0.15;
const MAX_RATE_ERROR = 0.01;

interface Settings {
  seconds: number;
  repeat: number;
  conns: number;
  size: number;
  rates: number[];
  pipelines: number[];
}

/** One closed-loop run's figures. */
interface ClosedRun {
  perSecond: number;
  p50: number;
  p99: number;
  serverMicros: number;
}

/** One `--rate` run's figures. */
interface RateRun {
  achieved: number;
  roundTrips: number;
  p50: number;
  p99: number;
  uncorrectedP50: number;
  uncorrectedP99: number;
  behind: boolean;
}

function parseSettings(args: string[]): Settings {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: "string", default: "5" },
      repeat: { type: "string", default: "3" },
      conns: { type: "string", default: "100" },
      size: { type: "string", default: "64" },
      rates: { type: "string", default: "10000,50000,100000" },
      pipeline: { type: "string", default: "1,16" },
    },
  });
  const settings = {
    seconds: Number(values.seconds),
    repeat: Number(values.repeat),
    conns: Number(values.conns),
    size: Number(values.size),
    rates: values.rates.split(",").map(Number),
    pipelines: values.pipeline.split(",").map(Number),
  };
  const numbers = [
    settings.seconds,
    settings.repeat,
    settings.conns,
    settings.size,
    ...settings.rates,
    ...settings.pipelines,
  ];
  if (numbers.some((n) => !Number.isFinite(n) || n <= 0)) {
    throw new Error("every option must be a number above 0");
  }
  return settings;
}

async function runToEnd(
  label: string,
  argv: string[],
  seconds: number,
): Promise<Child> {
  const child = spawnChild(label, argv, { cpu: LOAD_CPU });
  await child.succeed({ timeoutMs: (seconds + 60) * 1000 });
  return child;
}

async function closedRun(
  label: string,
  argv: string[],
  server: Child,
  seconds: number,
): Promise<ClosedRun> {
  const before = cpuSeconds(server.pid);
  const report = lastJson(await runToEnd(label, argv, seconds)) as Record<
    string,
    unknown
  >;
  const used = cpuSeconds(server.pid) - before;
  const latency = report.latencyMs as { p50: number; p99: number };
  const trips = report.roundTrips as number;
  return {
    perSecond: report.roundTripsPerSecond as number,
    p50: latency.p50,
    p99: latency.p99,
    serverMicros: trips > 0 ? used * 1e6 / trips : Infinity,
  };
}

function median(values: number[]): number {
  return series(values).median;
}

function spread(values: number[], digits = 0): string {
  const show = (n: number): string =>
    n.toLocaleString("en-US", {
      maximumFractionDigits: digits,
      minimumFractionDigits: digits,
    });
  return `median ${show(median(values))} (runs: ${
    values.map(show).join(", ")
  })`;
}

function verdict(ok: boolean): string {
  return ok ? "ok" : "MISS";
}

async function main(args: string[]): Promise<number> {
  const settings = parseSettings(args);
  const { seconds, conns, size } = settings;
  const out = (line: string): void => {
    Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
  };
  const programs = await compileBaselines();
  const server = spawnChild("C echo server", [programs.c_echo_server, "0"], {
    cpu: SERVER_CPU,
  });
  try {
    const line = await server.waitForLine(/^Listening on /, {
      timeoutMs: 10_000,
    });
    const port = line.slice(line.lastIndexOf(":") + 1);
    const multi = [
      ...netdemoArgv(),
      "client",
      "multi",
      "--port",
      port,
      "--conns",
      `${conns}`,
      "--size",
      `${size}`,
      "--duration",
      `${seconds}`,
      "--json",
    ];
    const generator = [
      programs.c_load,
      "127.0.0.1",
      port,
      `${conns}`,
      `${size}`,
      `${seconds}`,
    ];
    out(
      `load client vs C generator: ${conns} connections x ${size} B, closed loop, ${seconds} s per run, ${settings.repeat} runs each; C echo server on CPU ${SERVER_CPU}, load on CPU ${LOAD_CPU}`,
    );
    const ours: ClosedRun[] = [];
    const theirs: ClosedRun[] = [];
    for (let i = 0; i < settings.repeat; i++) {
      theirs.push(await closedRun("C generator", generator, server, seconds));
      ours.push(
        await closedRun("netdemo client multi", multi, server, seconds),
      );
    }
    const rate = median(ours.map((run) => run.perSecond)) /
      median(theirs.map((run) => run.perSecond));
    const p50 = median(ours.map((run) => run.p50)) /
        median(theirs.map((run) => run.p50)) - 1;
    for (
      const [name, runs] of [["C generator", theirs], [
        "netdemo",
        ours,
      ]] as const
    ) {
      out(`  ${name.padEnd(12)} rt/s ${spread(runs.map((r) => r.perSecond))}`);
      out(`  ${"".padEnd(12)} p50 ms ${spread(runs.map((r) => r.p50), 3)}`);
      out(`  ${"".padEnd(12)} p99 ms ${spread(runs.map((r) => r.p99), 3)}`);
      out(
        `  ${"".padEnd(12)} server CPU µs/rt ${
          spread(runs.map((r) => r.serverMicros), 2)
        }`,
      );
    }
    out(
      `  netdemo / C round trips/s: ${
        rate.toFixed(2)
      }x (target >= ${MIN_RATE_SHARE}x) ${verdict(rate >= MIN_RATE_SHARE)}`,
    );
    out(
      `  netdemo p50 vs C p50: ${(p50 * 100).toFixed(0)}% (target within ${
        MAX_P50_EXCESS * 100
      }%) ${verdict(Math.abs(p50) <= MAX_P50_EXCESS)}`,
    );

    for (const pipeline of settings.pipelines) {
      out(
        `--rate accuracy: ${conns} connections x ${size} B, --pipeline ${pipeline}, ${seconds} s per run`,
      );
      for (const requested of settings.rates) {
        const runs: RateRun[] = [];
        for (let i = 0; i < settings.repeat; i++) {
          const child = await runToEnd(
            "netdemo client multi --rate",
            [...multi, "--rate", `${requested}`, "--pipeline", `${pipeline}`],
            seconds,
          );
          const report = lastJson(child) as Record<string, unknown>;
          const latency = report.latencyMs as Record<string, number>;
          const uncorrected = report.uncorrectedLatencyMs as Record<
            string,
            number
          >;
          runs.push({
            achieved: report.achievedRate as number,
            roundTrips: report.roundTrips as number,
            p50: latency.p50,
            p99: latency.p99,
            uncorrectedP50: uncorrected.p50,
            uncorrectedP99: uncorrected.p99,
            behind: child.stderrLines.some((l) => l.includes("fell behind")),
          });
        }
        const achieved = median(runs.map((run) => run.achieved));
        const error = Math.abs(achieved - requested) / requested;
        out(
          `  ${requested.toLocaleString("en-US")}/s requested: sent ${
            spread(runs.map((r) => r.achieved))
          }/s, ${(error * 100).toFixed(1)}% off (target <= 1%) ${
            verdict(error <= MAX_RATE_ERROR)
          }${
            runs.some((r) => r.behind)
              ? "; the client warned it fell behind"
              : ""
          }`,
        );
        out(
          `    corrected p50/p99 ms: ${
            runs.map((r) => `${r.p50}/${r.p99}`).join(", ")
          }; uncorrected: ${
            runs.map((r) => `${r.uncorrectedP50}/${r.uncorrectedP99}`).join(
              ", ",
            )
          }`,
        );
      }
    }
    const load = await capture(["cat", "/proc/loadavg"]);
    out(
      `machine load average at the end: ${load.trim()} (other work shares this machine)`,
    );
    return 0;
  } finally {
    await stopAll();
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    await stopAll();
    Deno.stderr.writeSync(
      new TextEncoder().encode(
        `error: ${errorMessage(error)}\n`,
      ),
    );
    Deno.exit(1);
  }
}
