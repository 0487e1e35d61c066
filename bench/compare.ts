/**
 * `deno task bench`'s side-by-side comparison: netdemo's echo server and
 * load client against plain Node and Python equivalents, one run, one table
 * of ratios. The server runs on CPU 0 and the load on CPU 1 (`taskset`), and
 * every server comparison uses the same load generator, so a ratio says
 * something about the server and nothing about the machine. It needs
 * --allow-all because Deno guards /proc/PID/* (memory and CPU figures)
 * behind it; it already runs other programs, which is as much power.
 *
 * ```sh
 * deno run --allow-all bench/compare.ts [--seconds 5] [--idle-conns 10000]
 *   [--only echo,idle] [--repeat 2] [--generator netdemo|node] [--out FILE]
 * ```
 *
 * Only 127.0.0.1 is used; every run is bounded in count and time; every
 * child process is stopped and awaited, also on failure or Ctrl-C. The exit
 * code is 1 only when the harness could not measure (a process that did not
 * start or did not report); a missed target is a finding, shown as MISS.
 *
 * @module
 */

import { BINARY_PERMISSIONS } from "../tests/_helpers.ts";
import { parseArgs } from "node:util";
import { Reporter } from "../output/reporter.ts";
import {
  CpuMeter,
  cpuSeconds,
  type CpuShares,
  establishedOnPort,
  machineBusySeconds,
  residentKiB,
} from "./_proc.ts";
import {
  capture,
  type Child,
  openFileLimit,
  spawnChild,
  stopAll,
} from "./_process.ts";

const HOST = "127.0.0.1";
const BENCH = new URL(".", import.meta.url).pathname;
const MOD = new URL("../mod.ts", import.meta.url).pathname;

/** The servers the comparisons start. */
type ServerName = "ours" | "node" | "python";

/** The load clients that can drive the server comparisons. */
type GeneratorName = "node" | "netdemo";

/**
 * The one load generator of every server comparison (`--generator`):
 * netdemo's own `client multi`, since it is the faster of the two (test 4)
 * and so caps the servers less; `--generator node` uses the Node client,
 * which is not code under test.
 */
const DEFAULT_GENERATOR: GeneratorName = "netdemo";

/** The server the two load clients are compared against (test 4). */
const CLIENT_TEST_SERVER: ServerName = "node";

const SERVER_CPU = 0;
const LOAD_CPU = 1;

/** The streaming test's write size and most bytes written but not echoed. */
const STREAM_CHUNK = 64 * 1024;
const STREAM_WINDOW = 1024 * 1024;

/** The memory target per idle connection, in KiB. */
const IDLE_TARGET_KIB = 4;

/** Test ids for `--only`, in the order they run. */
const TESTS = ["echo", "stream", "idle", "client", "quiet"] as const;
type TestId = typeof TESTS[number];

interface Settings {
  seconds: number;
  warmup: number;
  conns: number;
  size: number;
  idleConns: number;
  repeat: number;
  generator: GeneratorName;
  only: Set<TestId>;
  pin: boolean;
  out: string | undefined;
}

/** One line of the result table. */
interface Row {
  test: TestId;
  name: string;
  unit: string;
  ours?: number;
  baseline?: number;
  ratio?: number;
  target: string;
  result: "pass" | "MISS" | "n/a" | "ERROR";
  notes: string[];
}

/** What a load client prints with `--json` (netdemo's and Node's alike). */
interface LoadReport {
  connections?: number;
  roundTrips: number;
  roundTripsPerSecond: number;
  bytesPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  errors: Record<string, number>;
  durationSeconds: number;
}

/** One measured load run against one server. */
interface LoadFigure {
  report: LoadReport;
  /** CPUs used by the server, the load client and everything else. */
  cpu?: CpuUse;
  /**
   * Server CPU time per round trip, in µs, over the whole client run: the
   * server's cost, which neither a slow load generator nor other work on the
   * machine inflates much, unlike round trips per second.
   */
  serverMicrosPerRoundTrip: number;
}

/** CPUs used during a run's steady part (1 = one CPU saturated). */
interface CpuUse {
  server: number;
  client: number;
  others: number;
}

/** Every run's CPU use, for the header's word on how quiet the machine was. */
const cpuLog: CpuUse[] = [];

/** Other work below this many CPUs counts as a quiet machine. */
const QUIET_CPUS = 0.2;

/** Other work above this many CPUs during a run makes its figure suspect. */
const NOISY_CPUS = 0.15;

/** The longest wait for a quiet machine before a measured run. */
const QUIET_WAIT_MS = 15_000;

/** Seconds spent waiting for a quiet machine, for the header. */
let quietWaitSeconds = 0;

interface StartedServer {
  child: Child;
  port: number;
}

const reporter = new Reporter();

const USAGE =
  `Compares netdemo's echo server and load client with Node and Python baselines.

Usage: deno task bench   (or: deno run -A bench/compare.ts [options])

  --seconds S       measured seconds per throughput run (default: 5)
  --warmup S        unmeasured seconds of load before each run (default: 1)
  --conns N         connections of the round-trip tests (default: 100)
  --size BYTES      bytes per round trip (default: 64)
  --idle-conns N    idle connections of the memory test (default: 10000)
  --repeat N        runs per figure, interleaved; the best counts (default: 3)
  --generator G     load generator of the server tests: node | netdemo (default: ${DEFAULT_GENERATOR})
  --only LIST       run only these tests: ${TESTS.join(",")} (default: all)
  --no-pin          do not pin server and load to separate CPUs
  --out FILE        also write the figures as JSON to FILE
  -h, --help        show this help

Example: deno run -A bench/compare.ts --seconds 2 --idle-conns 2000 --repeat 1`;

function parseSettings(args: string[]): Settings | undefined {
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
      only: { type: "string" },
      "no-pin": { type: "boolean" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return undefined;
  function number(
    name: keyof typeof values,
    fallback: number,
    min: number,
  ): number {
    const text = values[name];
    if (typeof text !== "string") return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min) {
      throw new UsageProblem(
        `--${name} must be a number of ${min} or more, got "${text}"`,
      );
    }
    return value;
  }
  const generator = values.generator ?? DEFAULT_GENERATOR;
  if (generator !== "node" && generator !== "netdemo") {
    throw new UsageProblem(
      `--generator must be node or netdemo, got "${generator}"`,
    );
  }
  const only = new Set<TestId>();
  for (const id of (values.only ?? TESTS.join(",")).split(",")) {
    if (!(TESTS as readonly string[]).includes(id)) {
      throw new UsageProblem(
        `--only takes a list of ${TESTS.join(", ")}; got "${id}"`,
      );
    }
    only.add(id as TestId);
  }
  return {
    seconds: number("seconds", 5, 0.1),
    warmup: number("warmup", 1, 0),
    conns: Math.round(number("conns", 100, 1)),
    size: Math.round(number("size", 64, 1)),
    idleConns: Math.round(number("idle-conns", 10_000, 1)),
    repeat: Math.round(number("repeat", 3, 1)),
    generator,
    only,
    pin: !values["no-pin"],
    out: values.out,
  };
}

class UsageProblem extends Error {}

/** The command that starts netdemo: the compiled binary if given, else mod.ts. */
function netdemo(): string[] {
  const bin = Deno.env.get("NETDEMO_BIN");
  if (bin) return [bin];
  return [
    Deno.execPath(),
    "run",
    "--quiet",
    ...BINARY_PERMISSIONS,
    MOD,
  ];
}

class Bench {
  readonly settings: Settings;
  readonly serverCpu: number | undefined;
  readonly loadCpu: number | undefined;

  constructor(settings: Settings, pinned: boolean) {
    this.settings = settings;
    this.serverCpu = pinned ? SERVER_CPU : undefined;
    this.loadCpu = pinned ? LOAD_CPU : undefined;
  }

  async startServer(
    name: ServerName,
    options: { quiet?: boolean; openFiles?: number; maxConns?: number } = {},
  ): Promise<StartedServer> {
    const argv: Record<ServerName, string[]> = {
      ours: [
        ...netdemo(),
        "server",
        "echo",
        "--host",
        HOST,
        "--port",
        "0",
        ...(options.quiet === false ? [] : ["--quiet"]),
        ...(options.maxConns ? ["--max-conns", String(options.maxConns)] : []),
      ],
      node: ["node", `${BENCH}node_echo_server.mjs`, "0", HOST],
      python: ["python3", `${BENCH}python_echo_server.py`, "0", HOST],
    };
    const label = `${SERVER_LABELS[name]} echo server`;
    const child = spawnChild(label, argv[name], {
      cpu: this.serverCpu,
      openFiles: options.openFiles,
    });
    try {
      const line = await child.waitForLine(/^Listening on /, {
        timeoutMs: 60_000,
      });
      return { child, port: Number(line.slice(line.lastIndexOf(":") + 1)) };
    } catch (error) {
      await child.stop();
      throw error;
    }
  }

  /** Runs one load client to completion; returns its JSON report. */
  async runLoad(
    generator: GeneratorName,
    server: StartedServer,
    seconds: number,
  ): Promise<LoadFigure> {
    const { conns, size } = this.settings;
    const args = [
      "--host",
      HOST,
      "--port",
      String(server.port),
      "--conns",
      String(conns),
      "--size",
      String(size),
      "--duration",
      String(seconds),
      "--json",
    ];
    const argv = generator === "node"
      ? ["node", `${BENCH}node_load_client.mjs`, ...args]
      : [...netdemo(), "client", "multi", ...args];
    const label = GENERATOR_LABELS[generator];
    const child = spawnChild(label, argv, { cpu: this.loadCpu });
    const serverBefore = cpuSeconds(server.child.pid);
    const meter = new CpuMeter([server.child.pid, child.pid]);
    try {
      await child.succeed({ timeoutMs: (seconds + 60) * 1000 });
    } finally {
      meter.stop();
      if (!child.exited) await child.stop();
    }
    const serverUsed = cpuSeconds(server.child.pid) - serverBefore;
    const report = parseLoadReport(child, label);
    return {
      report,
      cpu: cpuUse(meter.shares()),
      serverMicrosPerRoundTrip: report.roundTrips > 0
        ? (serverUsed * 1e6) / report.roundTrips
        : Infinity,
    };
  }

  /** Warm-up, then a measured load run of the chosen generator. */
  async measureLoad(
    server: StartedServer,
    generator: GeneratorName,
  ): Promise<LoadFigure> {
    const { seconds, warmup } = this.settings;
    if (warmup > 0) await this.runLoad(generator, server, warmup);
    await awaitQuiet();
    const figure = await this.runLoad(generator, server, seconds);
    if (figure.cpu) cpuLog.push(figure.cpu);
    return figure;
  }

  async measureServer(
    name: ServerName,
    options: { quiet?: boolean } = {},
  ): Promise<LoadFigure> {
    const server = await this.startServer(name, options);
    try {
      return await this.measureLoad(server, this.settings.generator);
    } finally {
      await server.child.stop();
    }
  }

  async measureStream(
    name: ServerName,
  ): Promise<{ mibPerSecond: number; cpu?: CpuUse }> {
    const { seconds, warmup } = this.settings;
    const server = await this.startServer(name);
    try {
      await awaitQuiet();
      const child = spawnChild("node stream client", [
        "node",
        `${BENCH}node_stream_client.mjs`,
        "--host",
        HOST,
        "--port",
        String(server.port),
        "--chunk",
        String(STREAM_CHUNK),
        "--window",
        String(STREAM_WINDOW),
        "--duration",
        String(seconds),
        "--warmup",
        String(warmup),
      ], { cpu: this.loadCpu });
      // Sampling starts after the warm-up, like the figure.
      const meter = new CpuMeter([server.child.pid, child.pid], {
        skip: 1 + Math.ceil(warmup * 4),
      });
      try {
        await child.succeed({ timeoutMs: (seconds + warmup + 60) * 1000 });
      } finally {
        meter.stop();
      }
      const cpu = cpuUse(meter.shares());
      if (cpu) cpuLog.push(cpu);
      const result = lastJson(child) as {
        mibPerSecond?: number;
        errors?: Record<string, number>;
      };
      if (typeof result.mibPerSecond !== "number") {
        throw new Error(`node stream client printed no figure`);
      }
      const errors = formatErrors(result.errors ?? {});
      if (errors) throw new Error(`stream to ${name} failed: ${errors}`);
      return { mibPerSecond: result.mibPerSecond, cpu };
    } finally {
      await server.child.stop();
    }
  }

  async measureIdle(
    name: ServerName,
  ): Promise<{ perConnKiB: number; notes: string }> {
    const count = this.settings.idleConns;
    // Each side holds one descriptor per connection, plus its own few.
    const openFiles = count + 256;
    const server = await this.startServer(name, {
      openFiles,
      maxConns: count + 100,
    });
    let holder: Child | undefined;
    try {
      // One served connection first, so that code paths run once (and
      // compiled, and their buffers allocated) are not counted per connection.
      await probe(server.port);
      await awaitQuiet();
      const before = residentKiB(server.child.pid);
      holder = spawnChild("node idle client", [
        "node",
        `${BENCH}node_idle_client.mjs`,
        "--host",
        HOST,
        "--port",
        String(server.port),
        "--conns",
        String(count),
      ], { cpu: this.loadCpu, openFiles, stdin: true });
      await holder.waitForLine(/^\{/, {
        timeoutMs: Math.max(60_000, count * 20),
      });
      const ready = lastJson(holder) as {
        ready?: number;
        errors?: Record<string, number>;
      };
      if (ready.ready !== count) {
        throw new Error(
          `only ${ready.ready} of ${count} idle connections were served by the ${
            SERVER_LABELS[name]
          } server (${formatErrors(ready.errors ?? {})})`,
        );
      }
      // Let the server finish what accepting and the probe started.
      await delay(1_000);
      const after = residentKiB(server.child.pid);
      const established = establishedOnPort(server.port);
      return {
        perConnKiB: (after - before) / count,
        notes: `${SERVER_LABELS[name]}: RSS ${mib(before)} -> ${
          mib(after)
        } MiB with ${established} established`,
      };
    } finally {
      await holder?.stop();
      await server.child.stop();
    }
  }
}

const GENERATOR_LABELS: Record<GeneratorName, string> = {
  netdemo: "netdemo client multi",
  node: "Node load client (bench/node_load_client.mjs)",
};

const SERVER_LABELS: Record<ServerName, string> = {
  ours: "netdemo",
  node: "Node net",
  python: "Python selectors",
};

function cpuUse(shares: CpuShares | undefined): CpuUse | undefined {
  if (shares === undefined) return undefined;
  const [server, client] = shares.processes;
  return { server, client, others: shares.others };
}

function lastJson(child: Child): unknown {
  const line = child.stdoutLines.findLast((text) => text.startsWith("{"));
  if (line === undefined) {
    throw new Error(`${child.label} printed no JSON report`);
  }
  return JSON.parse(line);
}

function parseLoadReport(child: Child, label: string): LoadReport {
  const report = lastJson(child) as Partial<LoadReport>;
  for (
    const key of [
      "roundTrips",
      "roundTripsPerSecond",
      "durationSeconds",
    ] as const
  ) {
    if (typeof report[key] !== "number") {
      throw new Error(`${label}'s JSON report has no number "${key}"`);
    }
  }
  return { errors: {}, ...report } as LoadReport;
}

/** One connection, one byte there and back, closed. */
async function probe(port: number): Promise<void> {
  const conn = await Deno.connect({ hostname: HOST, port });
  try {
    await conn.write(new Uint8Array([105]));
    const reply = new Uint8Array(1);
    if (await conn.read(reply) !== 1) {
      throw new Error(`no echo from 127.0.0.1:${port}`);
    }
  } finally {
    conn.close();
  }
}

/**
 * Waits until the machine has been quiet (other work under
 * {@linkcode QUIET_CPUS}) for half a second, or {@linkcode QUIET_WAIT_MS}
 * has passed: other programs' bursts then fall between runs, not in them.
 * The server waiting for load meanwhile uses no CPU.
 */
async function awaitQuiet(): Promise<void> {
  const started = performance.now();
  while (performance.now() - started < QUIET_WAIT_MS) {
    const before = machineBusySeconds();
    await delay(500);
    if ((machineBusySeconds() - before) / 0.5 < QUIET_CPUS) break;
  }
  quietWaitSeconds += (performance.now() - started) / 1000;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function mib(kib: number): string {
  return (kib / 1024).toFixed(1);
}

function formatErrors(errors: Record<string, number>): string {
  return Object.entries(errors).map(([kind, count]) => `${count} ${kind}`)
    .join(", ");
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** Who was busy: if neither side is near 100%, something else interfered. */
function describeCpu(cpu: CpuUse | undefined): string {
  if (cpu === undefined) return "CPU use not sampled";
  return `CPU used: server ${percent(cpu.server)}, client ${
    percent(cpu.client)
  }, other work ${percent(cpu.others)}`;
}

/** Notes for a load figure: latency, errors, who was busy. */
function describeLoad(label: string, figure: LoadFigure): string {
  const { report } = figure;
  const errors = formatErrors(report.errors);
  return `${label}: ${
    Math.round(report.roundTripsPerSecond).toLocaleString("en-US")
  } rt/s, p50 ${report.latencyMs?.p50} ms, p99 ${report.latencyMs?.p99} ms, server CPU ${
    figure.serverMicrosPerRoundTrip.toFixed(1)
  } us/rt; ${describeCpu(figure.cpu)}${errors ? `; errors: ${errors}` : ""}`;
}

function describeStream(
  label: string,
  figure: { mibPerSecond: number; cpu?: CpuUse },
): string {
  const cost = figure.cpu === undefined
    ? ""
    : `, server CPU ${
      ((figure.cpu.server / figure.mibPerSecond) * 1000).toFixed(2)
    } ms/MiB`;
  return `${label}: ${figure.mibPerSecond.toFixed(1)} MiB/s${cost}; ${
    describeCpu(figure.cpu)
  }`;
}

function best(figures: LoadFigure[]): LoadFigure {
  return figures.reduce((a, b) =>
    b.report.roundTripsPerSecond > a.report.roundTripsPerSecond ? b : a
  );
}

/** Runs `measure` for each name, `repeat` times, alternating the order. */
async function interleaved<N extends string, T>(
  names: N[],
  repeat: number,
  measure: (name: N) => Promise<T>,
): Promise<Map<N, T[]>> {
  const results = new Map<N, T[]>(names.map((name) => [name, []]));
  for (let round = 0; round < repeat; round++) {
    // Alternating who goes first evens out drift (thermal, other work).
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      note(`  ${name} (run ${round + 1} of ${repeat})`);
      results.get(name)?.push(await measure(name));
    }
  }
  return results;
}

function note(line: string): void {
  reporter.note(line);
}

function compareRow(
  base: Omit<Row, "ratio" | "result">,
  minimumRatio: number,
): Row {
  const { ours, baseline } = base;
  if (ours === undefined || baseline === undefined || baseline === 0) {
    return { ...base, result: "ERROR" };
  }
  const ratio = ours / baseline;
  return { ...base, ratio, result: ratio >= minimumRatio ? "pass" : "MISS" };
}

function errorRow(test: TestId, name: string, error: unknown): Row {
  return {
    test,
    name,
    unit: "",
    target: "",
    result: "ERROR",
    notes: [error instanceof Error ? error.message : String(error)],
  };
}

async function echoTest(bench: Bench): Promise<Row[]> {
  const { conns, size, repeat, generator } = bench.settings;
  note(`echo: ${conns} connections x ${size}-byte round trips`);
  const runs = await interleaved(
    ["ours", "node", "python"] as ServerName[],
    repeat,
    (name) => bench.measureServer(name),
  );
  const ours = best(runs.get("ours") ?? []);
  const rows: Row[] = [];
  for (const baseline of ["node", "python"] as const) {
    const other = best(runs.get(baseline) ?? []);
    rows.push(compareRow({
      test: "echo",
      name: `echo server vs ${
        SERVER_LABELS[baseline]
      }: ${conns} conns x ${size} B`,
      unit: "round trips/s",
      ours: ours.report.roundTripsPerSecond,
      baseline: other.report.roundTripsPerSecond,
      target: ">= 1.2x",
      notes: [
        describeLoad("netdemo", ours),
        describeLoad(SERVER_LABELS[baseline], other),
        `load generator for every server: ${GENERATOR_LABELS[generator]}`,
        costComparison(ours, other),
        ...generatorWarning([ours, other]),
        allRuns("round trips/s", [
          ["netdemo", rates(runs.get("ours"))],
          [SERVER_LABELS[baseline], rates(runs.get(baseline))],
        ]),
      ],
    }, 1.2));
  }
  return rows;
}

async function streamTest(bench: Bench): Promise<Row[]> {
  const { repeat } = bench.settings;
  note(`stream: 1 connection, 64 KiB writes, 1 MiB in flight`);
  const runs = await interleaved(
    ["ours", "node"] as ServerName[],
    repeat,
    (name) => bench.measureStream(name),
  );
  function fastest(name: ServerName): { mibPerSecond: number; cpu?: CpuUse } {
    return (runs.get(name) ?? []).reduce((a, b) =>
      b.mibPerSecond > a.mibPerSecond ? b : a
    );
  }
  const ours = fastest("ours");
  const node = fastest("node");
  return [compareRow({
    test: "stream",
    name: "echo server vs Node net: 1 conn streaming",
    unit: "MiB/s",
    ours: ours.mibPerSecond,
    baseline: node.mibPerSecond,
    target: ">= 1.0x",
    notes: [
      describeStream("netdemo", ours),
      describeStream("Node net", node),
      allRuns("MiB/s", [
        ["netdemo", (runs.get("ours") ?? []).map((run) => run.mibPerSecond)],
        ["Node net", (runs.get("node") ?? []).map((run) => run.mibPerSecond)],
      ]),
      `64 KiB writes, at most 1 MiB written but not yet echoed; the same Node stream client for both`,
    ],
  }, 1.0)];
}

async function idleTest(bench: Bench): Promise<Row[]> {
  const count = bench.settings.idleConns;
  note(`idle: ${count} idle connections`);
  const ours = await bench.measureIdle("ours");
  const node = await bench.measureIdle("node");
  return [{
    test: "idle",
    name: `echo server memory per idle conn (${count} conns)`,
    unit: "KiB/conn",
    ours: ours.perConnKiB,
    baseline: node.perConnKiB,
    ratio: node.perConnKiB > 0 ? ours.perConnKiB / node.perConnKiB : undefined,
    target: `<= ${IDLE_TARGET_KIB} KiB`,
    result: ours.perConnKiB <= IDLE_TARGET_KIB ? "pass" : "MISS",
    notes: [
      ours.notes,
      node.notes,
      "ratio: netdemo / Node, lower is better here",
      "growth of the server's VmRSS (after one warm-up connection) once every idle connection was accepted (a probe connection opened after them all was echoed); idle connections send nothing",
    ],
  }];
}

async function clientTest(bench: Bench): Promise<Row[]> {
  const { conns, size, repeat } = bench.settings;
  note(
    `client: netdemo client multi vs Node load client, against the ${
      SERVER_LABELS[CLIENT_TEST_SERVER]
    } echo server`,
  );
  const server = await bench.startServer(CLIENT_TEST_SERVER);
  let runs: Map<GeneratorName, LoadFigure[]>;
  try {
    runs = await interleaved(
      ["netdemo", "node"] as GeneratorName[],
      repeat,
      (generator) => bench.measureLoad(server, generator),
    );
  } catch (error) {
    if (/not built yet/.test(String(error))) {
      return [{
        test: "client",
        name: `load client vs Node net client: ${conns} conns x ${size} B`,
        unit: "round trips/s",
        target: ">= 1.0x",
        result: "n/a",
        notes: ["netdemo client multi's load mode is not built yet"],
      }];
    }
    throw error;
  } finally {
    await server.child.stop();
  }
  const ours = best(runs.get("netdemo") ?? []);
  const node = best(runs.get("node") ?? []);
  const notes = [
    describeLoad("netdemo client", ours),
    describeLoad("Node client", node),
    `client CPU per round trip (sampled): netdemo ${clientCost(ours)}, Node ${
      clientCost(node)
    } (lower is better)`,
    allRuns("round trips/s", [
      ["netdemo client", rates(runs.get("netdemo"))],
      ["Node client", rates(runs.get("node"))],
    ]),
  ];
  if (Math.max(ours.cpu?.server ?? 0, node.cpu?.server ?? 0) > 0.9) {
    notes.push(
      "the server's CPU was saturated: the server, not the client, may have set the pace",
    );
  }
  return [compareRow({
    test: "client",
    name: `load client vs Node net client: ${conns} conns x ${size} B`,
    unit: "round trips/s",
    ours: ours.report.roundTripsPerSecond,
    baseline: node.report.roundTripsPerSecond,
    target: ">= 1.0x",
    notes,
  }, 1.0)];
}

async function quietTest(bench: Bench): Promise<Row[]> {
  const { conns, size, repeat } = bench.settings;
  note(`quiet: netdemo echo server with --quiet vs default output`);
  const runs = await interleaved(
    ["quiet", "default"],
    repeat,
    (mode) => bench.measureServer("ours", { quiet: mode === "quiet" }),
  );
  const quiet = cheapest(runs.get("quiet") ?? []);
  const verbose = cheapest(runs.get("default") ?? []);
  const row = compareRow({
    test: "quiet",
    name: `echo server --quiet vs default output: ${conns} conns x ${size} B`,
    unit: "us CPU/rt",
    ours: quiet.serverMicrosPerRoundTrip,
    baseline: verbose.serverMicrosPerRoundTrip,
    target: "<= 1.05x",
    notes: [
      describeLoad("--quiet", quiet),
      describeLoad("default", verbose),
      allRuns("us CPU/rt", [
        ["--quiet", costs(runs.get("quiet"))],
        ["default", costs(runs.get("default"))],
      ]),
      "server CPU time per round trip (lower is better; the cheapest run of each): what a message costs the server, which other work on the machine barely moves, unlike round trips/s",
      "default output collapses to one summary line a second under load; <= 1.05x allows for the CPU clock's 10 ms ticks and cache effects",
    ],
  }, 0);
  // Lower is better here: the bound is a ceiling.
  const ratio = row.ratio;
  return [{
    ...row,
    result: ratio === undefined ? "ERROR" : ratio <= 1.05 ? "pass" : "MISS",
  }];
}

/** What a round trip cost the load client in CPU time, from the samples. */
function clientCost(figure: LoadFigure): string {
  if (figure.cpu === undefined) return "?";
  const micros = (figure.cpu.client / figure.report.roundTripsPerSecond) * 1e6;
  return `${micros.toFixed(1)} us`;
}

function rates(figures: LoadFigure[] | undefined): number[] {
  return (figures ?? []).map((figure) => figure.report.roundTripsPerSecond);
}

function costs(figures: LoadFigure[] | undefined): number[] {
  return (figures ?? []).map((figure) => figure.serverMicrosPerRoundTrip);
}

/** Every run's figure, in the order run, so that the spread is visible. */
function allRuns(unit: string, series: [string, number[]][]): string {
  return `every run (${unit}): ${
    series.map(([label, values]) =>
      `${label} ${
        values.map((value) =>
          value >= 1000
            ? Math.round(value).toLocaleString("en-US")
            : value.toFixed(1)
        ).join(" / ")
      }`
    ).join("; ")
  }`;
}

/** The run in which the server spent the least CPU per round trip. */
function cheapest(figures: LoadFigure[]): LoadFigure {
  return figures.reduce((a, b) =>
    b.serverMicrosPerRoundTrip < a.serverMicrosPerRoundTrip ? b : a
  );
}

/** Compares what a round trip cost each server in CPU time. */
function costComparison(ours: LoadFigure, other: LoadFigure): string {
  const a = ours.serverMicrosPerRoundTrip;
  const b = other.serverMicrosPerRoundTrip;
  return `server CPU per round trip: netdemo ${a.toFixed(1)} us, baseline ${
    b.toFixed(1)
  } us (${(a / b).toFixed(2)}x; lower is better)`;
}

/**
 * Warns when the load generator ran out of CPU: the server then waited for
 * the client, and round trips/s measure the client as much as the server.
 */
function generatorWarning(figures: LoadFigure[]): string[] {
  const busiest = Math.max(...figures.map((figure) => figure.cpu?.client ?? 0));
  if (busiest < 0.9) return [];
  return [
    `the load generator used up to ${
      percent(busiest)
    } of its CPU: it, not only the server, set the pace, so this ratio is compressed towards 1x; the CPU per round trip above is the server's own figure`,
  ];
}

function formatValue(value: number | undefined, unit: string): string {
  if (value === undefined) return "-";
  if (unit === "round trips/s") {
    return `${Math.round(value).toLocaleString("en-US")} rt/s`;
  }
  if (unit === "MiB/s") return `${value.toFixed(1)} MiB/s`;
  if (unit === "KiB/conn") return `${value.toFixed(2)} KiB`;
  if (unit === "us CPU/rt") return `${value.toFixed(1)} us/rt`;
  return String(value);
}

function formatTable(rows: Row[]): string[] {
  const header = ["#", "test", "ours", "baseline", "ratio", "target", "result"];
  const body = rows.map((row, index) => [
    String(index + 1),
    row.name,
    formatValue(row.ours, row.unit),
    formatValue(row.baseline, row.unit),
    row.ratio === undefined ? "-" : `${row.ratio.toFixed(2)}x`,
    row.target,
    row.result,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => cells[column].length))
  );
  function line(cells: string[]): string {
    return `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  }
  const lines = [
    line(header),
    `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`,
    ...body.map(line),
    "",
  ];
  rows.forEach((row, index) => {
    for (const text of row.notes) lines.push(`${index + 1}. ${text}`);
  });
  return lines;
}

function cpuModel(): string {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    return info.match(/^model name\s*:\s*(.+)$/m)?.[1].trim() ?? "unknown CPU";
  } catch {
    return "unknown CPU";
  }
}

/** How much other work shared the machine during the measured runs. */
function quietness(): string {
  if (cpuLog.length === 0) {
    return `other work on the machine: not sampled (waited ${
      quietWaitSeconds.toFixed(0)
    } s for quiet moments)`;
  }
  const others = cpuLog.map((cpu) => cpu.others);
  const mean = others.reduce((sum, share) => sum + share, 0) / others.length;
  const disturbed = others.filter((share) => share > NOISY_CPUS).length;
  const verdict = disturbed === 0
    ? "the machine was otherwise quiet"
    : `MEASURED WHILE OTHER WORK RAN: ${disturbed} of ${others.length} runs had other work above ${NOISY_CPUS} CPUs; each row's notes show its runs' share`;
  return `other work during measured runs: ${
    mean.toFixed(2)
  } CPUs on average, ${Math.max(...others).toFixed(2)} at most, after waiting ${
    quietWaitSeconds.toFixed(0)
  } s in all for quiet moments (${verdict})`;
}

async function versionOf(argv: string[]): Promise<string> {
  try {
    return (await capture(argv)).replace(/^(v|Python )/, "");
  } catch {
    return "not found";
  }
}

async function canPin(): Promise<string | undefined> {
  if (navigator.hardwareConcurrency < 2) {
    return `only ${navigator.hardwareConcurrency} CPU`;
  }
  try {
    await capture(["taskset", "-c", String(LOAD_CPU), "true"]);
    return undefined;
  } catch {
    return "taskset is not available";
  }
}

async function main(args: string[]): Promise<number> {
  let settings: Settings | undefined;
  try {
    settings = parseSettings(args);
  } catch (error) {
    reporter.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (settings === undefined) {
    reporter.always(USAGE);
    return 0;
  }
  const unpinned = settings.pin ? await canPin() : "--no-pin";
  const bench = new Bench(settings, unpinned === undefined);
  const [node, python] = await Promise.all([
    versionOf(["node", "--version"]),
    versionOf(["python3", "--version"]),
  ]);
  const cores = navigator.hardwareConcurrency;
  const model = cpuModel();
  const started = performance.now();

  const tests: Record<TestId, (bench: Bench) => Promise<Row[]>> = {
    echo: echoTest,
    stream: streamTest,
    idle: idleTest,
    client: clientTest,
    quiet: quietTest,
  };
  const rows: Row[] = [];
  for (const id of TESTS) {
    if (!settings.only.has(id)) continue;
    try {
      rows.push(...await tests[id](bench));
    } catch (error) {
      reporter.error(
        `${id}: ${error instanceof Error ? error.message : String(error)}`,
      );
      rows.push(errorRow(id, id, error));
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
    `Deno ${Deno.version.deno}, Node ${node}, Python ${python}; open-file limit ${openFileLimit()}`,
    `${settings.seconds} s per run after ${settings.warmup} s warm-up, best of ${settings.repeat}; load generator for server tests: ${
      GENERATOR_LABELS[settings.generator]
    }; took ${minutes.toFixed(1)} min`,
    quietness(),
    "",
  ];
  for (const line of [...header, ...formatTable(rows)]) reporter.always(line);

  if (settings.out !== undefined) {
    const document = {
      machine: { cores, model, pinned: unpinned === undefined, unpinned },
      versions: { deno: Deno.version.deno, node, python },
      settings: { ...settings, only: [...settings.only] },
      otherWork: cpuLog.map((cpu) => cpu.others),
      rows,
    };
    await Deno.writeTextFile(
      settings.out,
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
