/**
 * `deno task bench`'s side-by-side comparisons, in one run, one table:
 * netdemo's echo server against a bare Deno loop, Node and Python (round
 * trips, streaming, tails, idle memory, output cost), over TLS against Node
 * `tls` and over a Unix socket against TCP; its load client against a Node
 * one and a C generator, and its `--rate` accuracy. The server runs on CPU 0
 * and the load on CPU 1 (`taskset`); every server in a comparison gets the
 * same load generator; each figure is the median of interleaved runs, with
 * every run shown. It needs --allow-all because Deno guards /proc/PID/* (CPU
 * figures) behind it; it already runs other programs, which is as much
 * power.
 *
 * ```sh
 * deno run --allow-all bench/compare.ts [--seconds 3] [--conns 100,1000]
 *   [--idle-conns 10000] [--only echo,idle] [--repeat 3] [--out FILE]
 * ```
 *
 * Only 127.0.0.1 is used; every run is bounded in count and time; every
 * child process is stopped and awaited, also on failure or Ctrl-C. The exit
 * code is 1 only when the harness could not measure; a missed target is a
 * finding, shown as MISS.
 *
 * @module
 */

import { errorMessage } from "../protocol/errors.ts";
import { parseArgs } from "node:util";
import { Reporter } from "../output/reporter.ts";
import { stopAll } from "./_children.ts";
import { openFileLimit } from "../system/open_files.ts";
import {
  cpuModel,
  describeQuietness,
  LOAD_CPU,
  SERVER_CPU,
  versionOf,
  whyUnpinned,
} from "./_machine.ts";
import type { BenchComparison, Settings } from "./_comparison.ts";
import { Runner } from "./_runner.ts";
import { GENERATOR_LABELS, type GeneratorName } from "./_servers.ts";
import { errorRow, formatTable, type Row } from "./_table.ts";
import { clientVsC } from "./client_vs_c.ts";
import { echoRoundTrips } from "./echo_round_trips.ts";
import { idleMemory } from "./idle_memory.ts";
import { loadClient } from "./client_vs_node.ts";
import { quietOutput } from "./quiet_output.ts";
import { rateAccuracy } from "./rate_accuracy.ts";
import { streaming } from "./streaming.ts";
import { tailLatency } from "./tail_latency.ts";
import { tlsEcho } from "./tls_echo.ts";
import { unixSocket } from "./unix_socket.ts";

/** Every comparison, in the order they run. */
const COMPARISONS: BenchComparison[] = [
  echoRoundTrips,
  streaming,
  tailLatency,
  idleMemory,
  loadClient,
  quietOutput,
  clientVsC,
  rateAccuracy,
  tlsEcho,
  unixSocket,
];
const IDS = COMPARISONS.map((comparison) => comparison.id);

const reporter = new Reporter();

const USAGE =
  `Compares netdemo's echo server and load client with a bare Deno loop, Node, Python
and C baselines, over TCP, TLS and a Unix socket.

Usage: deno task bench   (or: deno run -A bench/compare.ts [options])

  --seconds S       measured seconds per run (default: 3)
  --warmup S        unmeasured seconds of load before each run (default: 1)
  --conns LIST      connection counts of the echo round-trip tests; the other
                    round-trip tests use the first (default: 100,1000)
  --size BYTES      bytes per round trip (default: 64)
  --idle-conns N    idle connections of the memory test (default: 10000)
  --repeat N        interleaved runs per figure; the median counts (default: 3)
  --generator G     load generator of the server tests: c | netdemo | node (default: c)
  --rates LIST      messages a second of the --rate accuracy test
                    (default: 10000,50000,100000)
  --pipelines LIST  messages in flight per connection it tries at each rate
                    (default: 1,16)
  --only LIST       run only these: ${IDS.join(",")} (default: all)
  --no-pin          do not pin server and load to separate CPUs
  --out FILE        also write the figures as JSON to FILE
  -h, --help        show this help

Example: deno run -A bench/compare.ts --seconds 2 --idle-conns 2000 --repeat 1`;

class UsageProblem extends Error {}

interface Options extends Settings {
  only: Set<string>;
  pin: boolean;
  out: string | undefined;
}

function parseOptions(args: string[]): Options | undefined {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      seconds: { type: "string" },
      warmup: { type: "string" },
      conns: { type: "string" },
      size: { type: "string" },
      "idle-conns": { type: "string" },
      repeat: { type: "string" },
      generator: { type: "string" },
      rates: { type: "string" },
      pipelines: { type: "string" },
      only: { type: "string" },
      "no-pin": { type: "boolean" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return undefined;
  function number(text: string, name: string, min: number): number {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value < min) {
      throw new UsageProblem(
        `--${name} must be a number of ${min} or more, got "${text}"`,
      );
    }
    return value;
  }
  const option = (name: keyof typeof values, fallback: string): string => {
    const value = values[name];
    return typeof value === "string" ? value : fallback;
  };
  const whole = (name: keyof typeof values, fallback: string): number =>
    Math.round(number(option(name, fallback), name, 1));
  const wholes = (name: keyof typeof values, fallback: string): number[] =>
    option(name, fallback).split(",").map((text) =>
      Math.round(number(text, name, 1))
    );
  const generator = option("generator", "c");
  if (!(generator in GENERATOR_LABELS)) {
    throw new UsageProblem(
      `--generator must be c, netdemo or node, got "${generator}"`,
    );
  }
  const only = new Set(option("only", IDS.join(",")).split(","));
  for (const id of only) {
    if (!IDS.includes(id)) {
      throw new UsageProblem(
        `--only takes a list of ${IDS.join(", ")}; got "${id}"`,
      );
    }
  }
  return {
    seconds: number(option("seconds", "3"), "seconds", 0.1),
    warmup: number(option("warmup", "1"), "warmup", 0),
    conns: wholes("conns", "100,1000"),
    size: whole("size", "64"),
    idleConns: whole("idle-conns", "10000"),
    repeat: whole("repeat", "3"),
    generator: generator as GeneratorName,
    rates: wholes("rates", "10000,50000,100000"),
    pipelines: wholes("pipelines", "1,16"),
    only,
    pin: !values["no-pin"],
    out: values.out,
  };
}

async function main(args: string[]): Promise<number> {
  let options: Options | undefined;
  try {
    options = parseOptions(args);
  } catch (error) {
    reporter.error(errorMessage(error));
    return 2;
  }
  if (options === undefined) {
    reporter.always(USAGE);
    return 0;
  }
  const unpinned = options.pin ? await whyUnpinned() : "--no-pin";
  const runner = new Runner(options, {
    pinned: unpinned === undefined,
    notify: (line) => reporter.note(line),
  });
  const [node, python] = await Promise.all([
    versionOf(["node", "--version"]),
    versionOf(["python3", "--version"]),
  ]);
  const cores = navigator.hardwareConcurrency;
  const model = cpuModel();
  const started = performance.now();

  const rows: Row[] = [];
  for (const comparison of COMPARISONS) {
    if (!options.only.has(comparison.id)) continue;
    try {
      rows.push(...await comparison.run(runner));
    } catch (error) {
      const message = errorMessage(error);
      reporter.error(`${comparison.title}: ${message}`);
      rows.push(errorRow(comparison.id, error));
    } finally {
      await stopAll();
    }
  }

  const minutes = (performance.now() - started) / 60_000;
  const placement = unpinned === undefined
    ? `server pinned to CPU ${SERVER_CPU}, load to CPU ${LOAD_CPU} (taskset)`
    : `UNPINNED (${unpinned})`;
  const header = [
    `netdemo benchmark: ${cores} cores (${model}); ${placement}`,
    `Deno ${Deno.version.deno}, Node ${node}, Python ${python}; open-file limit ${
      openFileLimit() ?? "unknown"
    }`,
    `${options.seconds} s per run after ${options.warmup} s warm-up, median of ${options.repeat} interleaved runs; load generator for server tests: ${
      GENERATOR_LABELS[options.generator]
    }; took ${minutes.toFixed(1)} min`,
    describeQuietness(runner.otherWork, runner),
    // The CPU sampler leaves out a run's first 0.5 s (start-up, connects).
    ...(options.seconds < 2
      ? [
        `runs of ${options.seconds} s: a client's CPU use may go unsampled (shown as such, and left out of medians); use --seconds 2 or more for CPU figures`,
      ]
      : []),
    "",
  ];
  for (const line of [...header, ...formatTable(rows)]) reporter.always(line);

  if (options.out !== undefined) {
    const document = {
      machine: { cores, model, pinned: unpinned === undefined, unpinned },
      versions: { deno: Deno.version.deno, node, python },
      settings: { ...options, only: [...options.only] },
      otherWork: runner.otherWork,
      rows,
    };
    await Deno.writeTextFile(
      options.out,
      `${JSON.stringify(document, null, 2)}\n`,
    );
  }
  return rows.some((row) => row.result === "ERROR") ? 1 : 0;
}

if (import.meta.main) {
  const interrupt = (): void => {
    reporter.note("interrupted: stopping every child process");
    stopAll().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", interrupt);
  Deno.addSignalListener("SIGTERM", interrupt);
  let code = 1;
  try {
    code = await main(Deno.args);
  } finally {
    await stopAll();
  }
  Deno.exit(code);
}
