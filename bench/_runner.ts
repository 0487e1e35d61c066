/**
 * The shared runner of every comparison: it starts the servers (pinned to
 * one CPU) and the load clients (pinned to the other), measures each run
 * (the client's JSON report, the server's CPU time from /proc, who else was
 * busy), alternates the order of interleaved runs, and stops every child.
 * The comparisons in `bench/*.ts` only choose what to run and which rows
 * to read from it.
 *
 * @module
 */

import { type Child, spawnChild } from "./_children.ts";
import type {
  CpuUse,
  LoadFigure,
  LoadReport,
  StreamFigure,
} from "./_figures.ts";
import { formatErrors } from "./_figures.ts";
import { awaitQuiet, LOAD_CPU, SERVER_CPU } from "./_machine.ts";
import { CpuMeter, cpuSeconds, type CpuShares } from "./_procfs.ts";
import { Runs } from "./_runs.ts";
import {
  compileBaselines,
  type CProgram,
  GENERATOR_LABELS,
  type GeneratorName,
  loadArgv,
  SERVER_LABELS,
  serverArgv,
  type ServerName,
  streamArgv,
  TCP,
} from "./_servers.ts";
import type {
  LoadOptions,
  ServerOptions,
  Settings,
  StartedServer,
  StreamOptions,
} from "./_comparison.ts";

/** The longest wait for a quiet machine before a measured run. */
const QUIET_WAIT_MS = 15_000;

/**
 * Starts, measures and stops the processes of every comparison.
 *
 * @example
 * ```ts ignore
 * const runner = new Runner(settings, { pinned: true, notify: console.log });
 * const figure = await runner.measureServer("ours", { conns: 100 });
 * ```
 */
export class Runner {
  /** The run's options. */
  readonly settings: Settings;
  /** Each measured run's share of other work, for the header. */
  readonly otherWork: number[] = [];
  /** Seconds spent waiting for a quiet machine. */
  waitedSeconds = 0;
  /** Runs started because the longest wait passed, not on a quiet machine. */
  busyStarts = 0;
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
    const transport = options.transport ?? TCP;
    const argv = await serverArgv(name, {
      ...options,
      transport,
      cProgram: (program) => this.cProgram(program),
    });
    const child = spawnChild(`${SERVER_LABELS[name]} echo server`, argv, {
      cpu: this.#serverCpu,
      openFiles: options.openFiles,
    });
    try {
      const line = await child.waitForLine(/^Listening on /, {
        timeoutMs: 60_000,
      });
      const port = transport.kind === "unix"
        ? 0
        : Number(line.slice(line.lastIndexOf(":") + 1));
      return { child, port, transport };
    } catch (error) {
      await child.stop();
      throw error;
    }
  }

  /** Starts a server, hands it to `use`, and stops it however `use` ends. */
  async withServer<T>(
    name: ServerName,
    use: (server: StartedServer) => Promise<T>,
    options: ServerOptions = {},
  ): Promise<T> {
    const server = await this.startServer(name, options);
    try {
      return await use(server);
    } finally {
      await server.child.stop();
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
    const { seconds, quiet } = await awaitQuiet(QUIET_WAIT_MS);
    this.waitedSeconds += seconds;
    if (!quiet) this.busyStarts++;
  }

  /** Runs one load client for `seconds`; returns its figures. */
  async runLoad(
    server: StartedServer,
    options: LoadOptions & { generator: GeneratorName; seconds: number },
  ): Promise<LoadFigure> {
    const { generator, conns, seconds } = options;
    const argv = await loadArgv(generator, {
      ...options,
      transport: server.transport,
      port: server.port,
      size: this.settings.size,
      cProgram: (program) => this.cProgram(program),
    });
    // Connecting 1000 connections takes descriptors on the client too.
    const child = this.spawnLoad(GENERATOR_LABELS[generator], argv, {
      openFiles: conns + 256,
    });
    const timeoutMs = (seconds + 60) * 1000;
    const serverBefore = cpuSeconds(server.child.pid);
    const window = markedWindowCpu(child, server.child.pid, timeoutMs);
    const meter = new CpuMeter([server.child.pid, child.pid]);
    try {
      await child.succeed({ timeoutMs });
    } finally {
      meter.stop();
      if (!child.exited) await child.stop();
    }
    const wholeRun = cpuSeconds(server.child.pid) - serverBefore;
    const report = parseLoadReport(child);
    const perRoundTrip = (used: number) =>
      report.roundTrips > 0 ? (used * 1e6) / report.roundTrips : Infinity;
    const whole = perRoundTrip(wholeRun);
    const marked = await window;
    return {
      report,
      stderr: [...child.stderrLines],
      cpu: cpuUse(meter.shares()),
      serverMicrosPerRoundTrip: marked === undefined
        ? whole
        : perRoundTrip(marked),
      serverMicrosPerRoundTripWholeRun: whole,
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
  measureServer(
    name: ServerName,
    options: ServerOptions & LoadOptions,
  ): Promise<LoadFigure> {
    return this.withServer(
      name,
      (server) => this.measureLoad(server, options),
      { ...options, openFiles: options.conns + 256 },
    );
  }

  /** Starts a server and measures streaming throughput against it. */
  measureStream(
    name: ServerName,
    options: StreamOptions,
  ): Promise<StreamFigure> {
    const { seconds, warmup } = this.settings;
    const client = options.client ?? "c";
    return this.withServer(name, async (server) => {
      await this.awaitQuiet();
      const argv = await streamArgv(client, {
        ...options,
        transport: server.transport,
        port: server.port,
        seconds,
        warmup,
        cProgram: (program) => this.cProgram(program),
      });
      const child = this.spawnLoad(`${client} stream client`, argv);
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
        throw new Error(`the ${client} stream client printed no figure`);
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
    }, { transport: options.transport });
  }

  /**
   * Starts a server and measures each load client against it, interleaved
   * (see {@linkcode Runner.interleaved}); stops the server.
   */
  measureClients(
    name: ServerName,
    clients: GeneratorName[],
    options: LoadOptions,
  ): Promise<Runs<GeneratorName, LoadFigure>> {
    return this.withServer(name, (server) =>
      this.interleaved(
        clients,
        (generator) => this.measureLoad(server, { ...options, generator }),
      ));
  }

  /**
   * The connections (default: the first `--conns` count, which every
   * round-trip comparison but echo's uses) and bytes of a round-trip load,
   * with the phrase rows name them by.
   */
  shape(
    conns: number = this.settings.conns[0],
  ): { conns: number; size: number; text: string } {
    const { size } = this.settings;
    return { conns, size, text: `${conns} conns x ${size} B` };
  }

  /**
   * Runs `measure` for each name, `repeat` times, alternating who goes
   * first so that drift (thermal, other work) evens out.
   */
  async interleaved<N extends string, T>(
    names: N[],
    measure: (name: N) => Promise<T>,
  ): Promise<Runs<N, T>> {
    const { repeat } = this.settings;
    const results = new Map<N, T[]>(names.map((name) => [name, []]));
    for (let round = 0; round < repeat; round++) {
      const order = round % 2 === 0 ? names : [...names].reverse();
      for (const name of order) {
        this.note(`  ${name} (run ${round + 1} of ${repeat})`);
        results.get(name)?.push(await measure(name));
      }
    }
    return new Runs(results);
  }
}

/**
 * The server's CPU seconds between a generator's `measuring` and
 * `measured` lines, or undefined for a generator that prints no such marks
 * (the whole run then counts). Rejects when it marked a start but no end.
 */
async function markedWindowCpu(
  child: Child,
  pid: number,
  timeoutMs: number,
): Promise<number | undefined> {
  const at = (pattern: RegExp) =>
    child.waitForLine(pattern, { timeoutMs }).then(() => cpuSeconds(pid));
  const end = at(/^measured$/);
  // Settled now, so that a generator without marks leaves no rejection.
  end.catch(() => {});
  let start: number;
  try {
    start = await at(/^measuring$/);
  } catch {
    return undefined;
  }
  return await end - start;
}

function cpuUse(shares: CpuShares | undefined): CpuUse | undefined {
  if (shares === undefined) return undefined;
  const [server, client] = shares.processes;
  return { server, client, others: shares.others };
}

/**
 * The last JSON object a child printed on stdout.
 *
 * @example
 * ```ts ignore
 * const ready = lastJson(holder) as { ready?: number };
 * ```
 */
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
