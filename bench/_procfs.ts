/**
 * What the benchmark reads about a process from Linux's /proc: CPU time
 * used, and how many connections a port has established. (Resident memory
 * comes from `tests/_children.ts`, through `ps`, which the tests can run
 * without `--allow-all`.)
 *
 * @module
 */

import { parseProcNet } from "../sockets/proc_net.ts";

/** Linux reports CPU time in clock ticks of 1/100 s on every common build. */
const TICKS_PER_SECOND = 100;

/**
 * The CPU time (user plus system) a process has used so far, in seconds.
 *
 * @example
 * ```ts
 * import { cpuSeconds } from "./_procfs.ts";
 * cpuSeconds(Deno.pid); // e.g. 0.42
 * ```
 */
export function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // The command name may hold spaces and parentheses: count fields from the
  // last ")". utime and stime are fields 14 and 15 of the whole line.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * How many sockets in the ESTABLISHED state have `port` as their local port
 * (a server's accepted connections), over IPv4 and IPv6.
 *
 * @example
 * ```ts
 * import { establishedOnPort } from "./_procfs.ts";
 * establishedOnPort(65432); // 0 when no server runs there
 * ```
 */
export function establishedOnPort(port: number): number {
  let count = 0;
  for (const protocol of ["tcp", "tcp6"] as const) {
    let text: string;
    try {
      text = Deno.readTextFileSync(`/proc/net/${protocol}`);
    } catch {
      continue;
    }
    // The format is read where `netdemo sockets` reads it.
    count += parseProcNet(text, protocol).filter((record) =>
      record.state === "ESTABLISHED" && record.localPort === port
    ).length;
  }
  return count;
}

/**
 * CPU time the whole machine has spent busy, summed over every CPU, in
 * seconds: everything but idle and I/O wait. Interrupt and softirq time
 * count: with tick-based accounting (no IRQ_TIME_ACCOUNTING) a tick that
 * lands in a softirq is also charged to the task it interrupted, so the
 * loopback packets that a server's and a client's time already include
 * would otherwise make them use more than the machine did, and leave no
 * room to see other work.
 *
 * @example
 * ```ts
 * import { machineBusySeconds } from "./_procfs.ts";
 * machineBusySeconds(); // e.g. 1234.5
 * ```
 */
export function machineBusySeconds(): number {
  const stat = Deno.readTextFileSync("/proc/stat");
  const fields = stat.slice(0, stat.indexOf("\n")).trim().split(/\s+/)
    .slice(1, 9).map(Number);
  // The "cpu" line: user nice system idle iowait irq softirq steal, then
  // guest time, which user time already holds.
  const [, , , idle, iowait] = fields;
  const total = fields.reduce((sum, ticks) => sum + (ticks || 0), 0);
  return (total - idle - (iowait || 0)) / TICKS_PER_SECOND;
}

/** What a {@linkcode CpuMeter} saw, in CPUs (1 = one CPU fully busy). */
export interface CpuShares {
  /** Each watched process's share, in the order given. */
  processes: number[];
  /** Everything else the machine did meanwhile (other programs, the kernel). */
  others: number;
  /** Seconds between the first and last sample used. */
  seconds: number;
}

/**
 * Samples the CPU time of some processes and of the whole machine a few
 * times a second, to tell afterwards who was saturated and how much other
 * work shared the machine.
 *
 * @example
 * ```ts
 * import { CpuMeter } from "./_procfs.ts";
 * const meter = new CpuMeter([Deno.pid]);
 * await new Promise((resolve) => setTimeout(resolve, 1500));
 * meter.stop();
 * meter.shares(); // { processes: [0.01], others: 0.2, seconds: 0.75 }
 * ```
 */
export class CpuMeter {
  #pids: number[];
  #skip: number;
  #samples: { at: number; machine: number; processes: number[] }[] = [];
  #timer: ReturnType<typeof setInterval>;

  /**
   * Starts sampling every `intervalMs` (default 250); the first `skip`
   * samples (default 2: start-up and connecting) are left out.
   */
  constructor(
    pids: number[],
    options: { intervalMs?: number; skip?: number } = {},
  ) {
    this.#pids = pids;
    this.#skip = options.skip ?? 2;
    this.#timer = setInterval(() => this.#sample(), options.intervalMs ?? 250);
  }

  /** Stops sampling. */
  stop(): void {
    clearInterval(this.#timer);
  }

  /** The shares over the sampled window, or undefined if it was too short. */
  shares(): CpuShares | undefined {
    const useful = this.#samples.slice(this.#skip);
    if (useful.length < 2) return undefined;
    const first = useful[0];
    const last = useful[useful.length - 1];
    const seconds = (last.at - first.at) / 1000;
    const processes = last.processes.map((cpu, i) =>
      (cpu - first.processes[i]) / seconds
    );
    const machine = (last.machine - first.machine) / seconds;
    const ours = processes.reduce((sum, share) => sum + share, 0);
    return { processes, others: Math.max(0, machine - ours), seconds };
  }

  #sample(): void {
    try {
      const processes = this.#pids.map(cpuSeconds);
      this.#samples.push({
        at: performance.now(),
        machine: machineBusySeconds(),
        processes,
      });
    } catch {
      // A watched process has exited: the window ends at the last sample.
    }
  }
}
