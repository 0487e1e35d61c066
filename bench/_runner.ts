/**
 * The shared runner of every comparison: it starts the servers (pinned to
 * one CPU) and the load generators (pinned to the other), measures each run
 * (the client's JSON report, the server's CPU time from /proc, who else was
 * busy), alternates the order of interleaved runs, and stops every child.
 * The comparisons in `bench/*.ts` only choose what to run and how to read it.
 *
 * @module
 */

import { capture, type Child, spawnChild } from "./_children.ts";
import { awaitQuiet, LOAD_CPU, SERVER_CPU } from "./_machine.ts";
import type { Row } from "./_table.ts";
import { CpuMeter, cpuSeconds, type CpuShares } from "./_procfs.ts";
import { netdemoCommand } from "../tests/children.ts";

/** Where every server listens and every client connects. */
export const HOST = "127.0.0.1";

const BENCH = new URL(".", import.meta.url).pathname;

/** The longest wait for a quiet machine before a measured run. */
const QUIET_WAIT_MS = 15_000;

/** The echo servers a comparison can start. */
export type ServerName = "ours" | "deno" | "node" | "python";

/** The load clients that can drive a round-trip comparison. */
export type GeneratorName = "c" | "netdemo" | "node";

/** How each server is named in the table. */
export const SERVER_LABELS: Record<ServerName, string> = {
  ours: "netdemo",
  deno: "bare Deno loop",
  node: "Node net",
  python: "Python selectors",
};

/** How each load generator is named in the table. */
export const GENERATOR_LABELS: Record<GeneratorName, string> = {
  c: "C epoll load generator (bench/baselines/c_load.c)",
  netdemo: "netdemo client multi",
  node: "Node load client (bench/baselines/node_load_client.mjs)",
};

/** What every comparison may read of the run's options. */
export interface Settings {
  /** Measured seconds per run. */
  seconds: number;
  /** Unmeasured seconds of load before each run. */
  warmup: number;
  /** Connection counts of the round-trip comparisons. */
  conns: number[];
  /** Bytes per round trip. */
  size: number;
  /** Idle connections of the memory comparison. */
  idleConns: number;
  /** Interleaved runs per figure; the median counts. */
  repeat: number;
  /** The load generator of the server comparisons. */
  generator: GeneratorName;
}

/** CPUs used during a run's steady part (1 = one CPU saturated). */
export interface CpuUse {
  /** The server's share. */
  server: number;
  /** The load client's share. */
  client: number;
  /** Everything else on the machine. */
  others: number;
}

/** The figures a load client's `--json` report gives (netdemo's and Node's). */
export interface LoadReport {
  /** Round trips completed. */
  roundTrips: number;
  /** Round trips per second over the measured time. */
  roundTripsPerSecond: number;
  /** Latency percentiles in milliseconds (`p50`, `p99`, `p99.9`, `max`). */
  latencyMs: Record<string, number | null>;
  /** Errors by kind. */
  errors: Record<string, number>;
}

/** One measured load run against one server. */
export interface LoadFigure {
  /** The client's report. */
  report: LoadReport;
  /** Who was busy; undefined when the run was too short to sample. */
  cpu?: CpuUse;
  /**
   * Server CPU time per round trip in µs over the whole client run: the
   * server's own cost, which a slow load generator or other work on the
   * machine inflates far less than it deflates round trips per second.
   */
  serverMicrosPerRoundTrip: number;
}

/** One measured streaming run. */
export interface StreamFigure {
  /** Echoed MiB per second over every connection. */
  mibPerSecond: number;
  /** Server CPU time per echoed MiB, in µs. */
  serverMicrosPerMiB: number;
  /** Who was busy. */
  cpu?: CpuUse;
}

/** What a load run does besides the settings' size. */
export interface LoadOptions {
  /** Connections the load client opens. */
  conns: number;
  /** The load client. Default: the settings' generator. */
  generator?: GeneratorName;
  /** More arguments for the load client, e.g. `--rate 30000`. */
  extraArgs?: string[];
}

/** A server started for a comparison. */
export interface StartedServer {
  /** The running process. */
  child: Child;
  /** The port it reported in its `Listening on` line. */
  port: number;
}

/** Options for {@linkcode Runner.startServer}. */
export interface ServerOptions {
  /** netdemo only: run with per-event output rather than `--quiet`. */
  verbose?: boolean;
  /** The open-file limit the server needs. */
  openFiles?: number;
  /** netdemo only: `--max-conns`. */
  maxConns?: number;
}

/**
 * Starts, measures and stops the processes of every comparison.
 *
 * @example
 * ```ts ignore
 * const runner = new Runner(settings, { pinned: true, notify: console.log });
 * const figure = await runner.measureServer("ours");
 * ```
 */
export class Runner {
  /** The run's options. */
  readonly settings: Settings;
  /** Each measured run's share of other work, for the header. */
  readonly otherWork: number[] = [];
  /** Seconds spent waiting for a quiet machine. */
  waitedSeconds = 0;
  #serverCpu: number | undefined;
  #loadCpu: number | undefined;
  #notify: (line: string) => void;
  #compiled: Promise<Record<CProgram, string>> | undefined;

  /** A runner that pins (when `pinned`) and reports progress to `notify`. */
  constructor(
    settings: Settings,
    options: { pinned: boolean; notify: (line: string) => void },
  ) {
    this.settings = settings;
    this.#serverCpu = options.pinned ? SERVER_CPU : undefined;
    this.#loadCpu = options.pinned ? LOAD_CPU : undefined;
    this.#notify = options.notify;
  }

  /** The path of a C baseline, compiled on first use. */
  async cProgram(name: CProgram): Promise<string> {
    this.#compiled ??= compileBaselines();
    return (await this.#compiled)[name];
  }

  /** Prints a progress line. */
  note(line: string): void {
    this.#notify(line);
  }

  /** Starts a server and waits for its `Listening on` line. */
  async startServer(
    name: ServerName,
    options: ServerOptions = {},
  ): Promise<StartedServer> {
    const child = spawnChild(
      `${SERVER_LABELS[name]} echo server`,
      serverArgv(name, options),
      { cpu: this.#serverCpu, openFiles: options.openFiles },
    );
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

  /** Starts a client pinned to the load CPU. */
  spawnLoad(
    label: string,
    argv: string[],
    options: { openFiles?: number; stdin?: boolean } = {},
  ): Child {
    return spawnChild(label, argv, { cpu: this.#loadCpu, ...options });
  }

  /** Waits for a quiet machine, counting the wait for the header. */
  async awaitQuiet(): Promise<void> {
    this.waitedSeconds += await awaitQuiet(QUIET_WAIT_MS);
  }

  /** Runs one load client for `seconds`; returns its figures. */
  async runLoad(
    server: StartedServer,
    options: LoadOptions & { generator: GeneratorName; seconds: number },
  ): Promise<LoadFigure> {
    const { generator, conns, seconds } = options;
    const args = [
      "--host",
      HOST,
      "--port",
      String(server.port),
      "--conns",
      String(conns),
      "--size",
      String(this.settings.size),
      "--duration",
      String(seconds),
      "--json",
      ...(options.extraArgs ?? []),
    ];
    const argv = generator === "c"
      ? [
        await this.cProgram("c_load"),
        HOST,
        String(server.port),
        String(conns),
        String(this.settings.size),
        String(seconds),
      ]
      : generator === "node"
      ? ["node", `${BENCH}baselines/node_load_client.mjs`, ...args]
      : [...netdemoArgv(), "client", "multi", ...args];
    const label = GENERATOR_LABELS[generator];
    // Connecting 1000 connections takes descriptors on the client too.
    const child = this.spawnLoad(label, argv, { openFiles: conns + 256 });
    const serverBefore = cpuSeconds(server.child.pid);
    const meter = new CpuMeter([server.child.pid, child.pid]);
    try {
      await child.succeed({ timeoutMs: (seconds + 60) * 1000 });
    } finally {
      meter.stop();
      if (!child.exited) await child.stop();
    }
    const serverUsed = cpuSeconds(server.child.pid) - serverBefore;
    const report = parseLoadReport(child);
    return {
      report,
      cpu: cpuUse(meter.shares()),
      serverMicrosPerRoundTrip: report.roundTrips > 0
        ? (serverUsed * 1e6) / report.roundTrips
        : Infinity,
    };
  }

  /** A warm-up run, a quiet moment, then a measured run. */
  async measureLoad(
    server: StartedServer,
    options: LoadOptions,
  ): Promise<LoadFigure> {
    const { seconds, warmup } = this.settings;
    const generator = options.generator ?? this.settings.generator;
    if (warmup > 0) {
      await this.runLoad(server, { ...options, generator, seconds: warmup });
    }
    await this.awaitQuiet();
    const figure = await this.runLoad(server, {
      ...options,
      generator,
      seconds,
    });
    if (figure.cpu) this.otherWork.push(figure.cpu.others);
    return figure;
  }

  /** Starts a server, measures one load run against it, stops it. */
  async measureServer(
    name: ServerName,
    options: ServerOptions & LoadOptions,
  ): Promise<LoadFigure> {
    const server = await this.startServer(name, {
      ...options,
      openFiles: options.conns + 256,
    });
    try {
      return await this.measureLoad(server, options);
    } finally {
      await server.child.stop();
    }
  }

  /** Starts a server and measures streaming throughput against it. */
  async measureStream(
    name: ServerName,
    options: { conns: number; chunk: number; window: number },
  ): Promise<StreamFigure> {
    const { seconds, warmup } = this.settings;
    const server = await this.startServer(name);
    try {
      await this.awaitQuiet();
      const child = this.spawnLoad("C stream client", [
        await this.cProgram("c_stream"),
        HOST,
        String(server.port),
        String(options.conns),
        String(options.chunk),
        String(options.window),
        String(seconds),
        String(warmup),
      ]);
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
      if (cpu) this.otherWork.push(cpu.others);
      const result = lastJson(child) as {
        mibPerSecond?: number;
        errors?: Record<string, number>;
      };
      if (typeof result.mibPerSecond !== "number") {
        throw new Error(`the C stream client printed no figure`);
      }
      const errors = formatErrors(result.errors ?? {});
      if (errors) throw new Error(`stream to ${name} failed: ${errors}`);
      return {
        mibPerSecond: result.mibPerSecond,
        serverMicrosPerMiB: cpu === undefined || result.mibPerSecond === 0
          ? NaN
          : (cpu.server / result.mibPerSecond) * 1e6,
        cpu,
      };
    } finally {
      await server.child.stop();
    }
  }

  /**
   * Runs `measure` for each name, `repeat` times, alternating who goes
   * first so that drift (thermal, other work) evens out.
   */
  async interleaved<N extends string, T>(
    names: N[],
    measure: (name: N) => Promise<T>,
  ): Promise<Map<N, T[]>> {
    const { repeat } = this.settings;
    const results = new Map<N, T[]>(names.map((name) => [name, []]));
    for (let round = 0; round < repeat; round++) {
      const order = round % 2 === 0 ? names : [...names].reverse();
      for (const name of order) {
        this.note(`  ${name} (run ${round + 1} of ${repeat})`);
        results.get(name)?.push(await measure(name));
      }
    }
    return results;
  }
}

/** The C programs in `bench/baselines/`, built by the bench itself. */
export type CProgram = "c_load" | "c_stream" | "c_echo_server";

/**
 * Compiles every C baseline with the machine's `gcc` into a new temporary
 * folder (removed when the process exits); resolves each program's path.
 *
 * @example
 * ```ts ignore
 * const { c_load } = await compileBaselines();
 * ```
 */
export async function compileBaselines(): Promise<Record<CProgram, string>> {
  const dir = await Deno.makeTempDir({ prefix: "netdemo-bench-" });
  addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Already gone: nothing to clean.
    }
  });
  const names: CProgram[] = ["c_load", "c_stream", "c_echo_server"];
  const paths = {} as Record<CProgram, string>;
  for (const name of names) {
    paths[name] = `${dir}/${name}`;
    await capture([
      "gcc",
      "-O2",
      "-o",
      paths[name],
      `${BENCH}baselines/${name}.c`,
    ]);
  }
  return paths;
}

/**
 * The command that starts netdemo as an argv (the one command line the
 * tests use too, from `tests/children.ts`).
 *
 * @example
 * ```ts
 * import { netdemoArgv } from "./_runner.ts";
 * const argv = [...netdemoArgv(), "server", "echo", "--port", "0"];
 * ```
 */
export function netdemoArgv(): string[] {
  const { program, prefix } = netdemoCommand();
  return [program, ...prefix];
}

function serverArgv(name: ServerName, options: ServerOptions): string[] {
  switch (name) {
    case "ours":
      return [
        ...netdemoArgv(),
        "server",
        "echo",
        "--host",
        HOST,
        "--port",
        "0",
        ...(options.verbose ? [] : ["--quiet"]),
        ...(options.maxConns ? ["--max-conns", String(options.maxConns)] : []),
      ];
    case "deno":
      return [
        Deno.execPath(),
        "run",
        "--quiet",
        "--allow-net",
        `${BENCH}baselines/deno_echo_server.ts`,
        "0",
        HOST,
      ];
    case "node":
      return ["node", `${BENCH}baselines/node_echo_server.mjs`, "0", HOST];
    case "python":
      return ["python3", `${BENCH}baselines/python_echo_server.py`, "0", HOST];
  }
}

function cpuUse(shares: CpuShares | undefined): CpuUse | undefined {
  if (shares === undefined) return undefined;
  const [server, client] = shares.processes;
  return { server, client, others: shares.others };
}

/** The last JSON object a child printed on stdout. */
export function lastJson(child: Child): unknown {
  const line = child.stdoutLines.findLast((text) => text.startsWith("{"));
  if (line === undefined) {
    throw new Error(`${child.label} printed no JSON report`);
  }
  return JSON.parse(line);
}

function parseLoadReport(child: Child): LoadReport {
  const report = lastJson(child) as Partial<LoadReport>;
  for (const key of ["roundTrips", "roundTripsPerSecond"] as const) {
    if (typeof report[key] !== "number") {
      throw new Error(`${child.label}'s JSON report has no number "${key}"`);
    }
  }
  return { errors: {}, latencyMs: {}, ...report } as LoadReport;
}

/**
 * Errors by kind in one phrase, e.g. `2 reset, 1 timeout`.
 *
 * @example
 * ```ts
 * import { formatErrors } from "./_runner.ts";
 * formatErrors({ reset: 2 }); // "2 reset"
 * ```
 */
export function formatErrors(errors: Record<string, number>): string {
  return Object.entries(errors).map(([kind, count]) => `${count} ${kind}`)
    .join(", ");
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/**
 * Who was busy during a run: if neither side is near 100%, something else
 * interfered.
 *
 * @example
 * ```ts
 * import { describeCpu } from "./_runner.ts";
 * describeCpu({ server: 0.6, client: 0.98, others: 0.01 });
 * ```
 */
export function describeCpu(cpu: CpuUse | undefined): string {
  if (cpu === undefined) return "CPU use not sampled";
  return `CPU used: server ${percent(cpu.server)}, client ${
    percent(cpu.client)
  }, other work ${percent(cpu.others)}`;
}

/**
 * A warning when the load generator ran out of CPU: the server then waited
 * for the client, so round trips/s compress towards 1x and the server's CPU
 * per round trip is the figure to read.
 */
export function generatorWarning(figures: LoadFigure[]): string[] {
  const busiest = Math.max(...figures.map((figure) => figure.cpu?.client ?? 0));
  if (busiest < 0.9) return [];
  return [
    `the load generator used up to ${
      percent(busiest)
    } of its CPU: it, not only the server, set the pace, so round trips/s ratios are compressed towards 1x; server CPU per round trip is the server's own figure`,
  ];
}

/** One comparison of the bench: an id for `--only` and what it runs. */
export interface BenchComparison {
  /** The `--only` id, e.g. `echo`. */
  id: string;
  /** A phrase for the progress line, e.g. `echo round trips`. */
  title: string;
  /** Measures and returns the comparison's rows. */
  run(runner: Runner): Promise<Row[]>;
}

/**
 * One line on a load run: rate, latency, the server's CPU cost, who was busy.
 *
 * @example
 * ```ts ignore
 * describeLoad("netdemo", figure);
 * // "netdemo: 59,148 rt/s, p50 0.8 ms, p99 2.1 ms, ..."
 * ```
 */
export function describeLoad(label: string, figure: LoadFigure): string {
  const { report } = figure;
  const latency = ["p50", "p99", "p99.9", "max"]
    .filter((key) => typeof report.latencyMs[key] === "number")
    .map((key) => `${key} ${report.latencyMs[key]} ms`).join(", ");
  const errors = formatErrors(report.errors);
  return `${label}: ${
    Math.round(report.roundTripsPerSecond).toLocaleString("en-US")
  } rt/s, ${latency}, server CPU ${
    figure.serverMicrosPerRoundTrip.toFixed(2)
  } us/rt; ${describeCpu(figure.cpu)}${errors ? `; errors: ${errors}` : ""}`;
}
