/**
 * What one measured run gives (a load run's report and CPU shares, a
 * streaming run's throughput), the metrics the table's rows read from it,
 * and the one-line descriptions of a run that go under the table.
 *
 * @module
 */

import type { Metric } from "./_runs.ts";

/** CPUs used during a run's steady part (1 = one CPU saturated). */
export interface CpuUse {
  /** The server's share. */
  server: number;
  /** The load client's share. */
  client: number;
  /** Everything else on the machine. */
  others: number;
}

/** The figures a load client's `--json` report gives (netdemo's, Node's, C's). */
export interface LoadReport {
  /** Round trips completed. */
  roundTrips: number;
  /** Round trips per second over the measured time. */
  roundTripsPerSecond: number;
  /** Latency percentiles in milliseconds (`p50`, `p99`, `p99.9`, `max`). */
  latencyMs: Record<string, number | null>;
  /** netdemo's client under `--rate`: latency from the actual sends. */
  uncorrectedLatencyMs?: Record<string, number | null>;
  /** netdemo's client under `--rate`: messages sent a second. */
  achievedRate?: number;
  /** Errors by kind. */
  errors: Record<string, number>;
}

/** One measured load run against one server. */
export interface LoadFigure {
  /** The client's report. */
  report: LoadReport;
  /** What the client printed on stderr (its warnings), last lines kept. */
  stderr: string[];
  /** Who was busy; undefined when the run was too short to sample. */
  cpu?: CpuUse;
  /**
   * Server CPU time per round trip in µs: the server's own cost, which a
   * slow load generator or other work on the machine inflates far less than
   * it deflates round trips per second. Counted over the generator's
   * measured window where it marks one (the C generator), so that its
   * connects and closes are not, else over the whole client run.
   */
  serverMicrosPerRoundTrip: number;
  /** The same over the whole client run, connects and closes included. */
  serverMicrosPerRoundTripWholeRun: number;
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

/** Round trips per second (higher is better). */
export const ROUND_TRIPS_PER_SECOND: Metric<LoadFigure> = {
  label: "rt/s",
  unit: "round trips/s",
  better: "higher",
  pick: (figure) => figure.report.roundTripsPerSecond,
};

/** The server's and the client's CPU cost are named and shown alike. */
const CPU_PER_ROUND_TRIP = {
  label: "CPU/rt",
  unit: "us CPU/rt",
  better: "lower",
} as const;

/** The server's CPU time per round trip (lower is better). */
export const SERVER_CPU_PER_ROUND_TRIP: Metric<LoadFigure> = {
  ...CPU_PER_ROUND_TRIP,
  pick: (figure) => figure.serverMicrosPerRoundTrip,
};

/**
 * The server's CPU time per round trip over the whole client run (lower is
 * better), for rows whose generators differ in whether they mark a window.
 */
export const SERVER_CPU_PER_ROUND_TRIP_WHOLE_RUN: Metric<LoadFigure> = {
  ...CPU_PER_ROUND_TRIP,
  pick: (figure) => figure.serverMicrosPerRoundTripWholeRun,
};

/** The load client's CPU time per round trip (lower is better). */
export const CLIENT_CPU_PER_ROUND_TRIP: Metric<LoadFigure> = {
  ...CPU_PER_ROUND_TRIP,
  pick: (figure) =>
    figure.cpu === undefined
      ? NaN
      : (figure.cpu.client / figure.report.roundTripsPerSecond) * 1e6,
};

/** Echoed MiB per second (higher is better). */
export const MIB_PER_SECOND: Metric<StreamFigure> = {
  label: "MiB/s",
  unit: "MiB/s",
  better: "higher",
  pick: (figure) => figure.mibPerSecond,
};

/** The server's CPU time per echoed MiB (lower is better). */
export const SERVER_CPU_PER_MIB: Metric<StreamFigure> = {
  label: "CPU/MiB",
  unit: "us CPU/MiB",
  better: "lower",
  pick: (figure) => figure.serverMicrosPerMiB,
};

/**
 * One latency percentile of a load run's report, e.g. `p99.9` or `max`
 * (lower is better).
 *
 * @example
 * ```ts
 * import { latency } from "./_figures.ts";
 * latency("p99.9").label; // "p99.9 latency"
 * ```
 */
export function latency(key: string): Metric<LoadFigure> {
  return {
    label: `${key} latency`,
    unit: "ms",
    better: "lower",
    pick: (figure) => {
      const value = figure.report.latencyMs[key];
      return typeof value === "number" ? value : NaN;
    },
  };
}

/**
 * Errors by kind in one phrase, e.g. `2 reset, 1 timeout`.
 *
 * @example
 * ```ts
 * import { formatErrors } from "./_figures.ts";
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
 */
function describeCpu(cpu: CpuUse | undefined): string {
  if (cpu === undefined) return "CPU use not sampled";
  return `CPU used: server ${percent(cpu.server)}, client ${
    percent(cpu.client)
  }, other work ${percent(cpu.others)}`;
}

/**
 * One line per load run: rate, latency, the server's CPU cost, who was busy.
 *
 * @example
 * ```ts ignore
 * describeLoads("netdemo", runs.of("ours"));
 * // ["netdemo: 59,148 rt/s, p50 0.8 ms, p99 2.1 ms, ...", ...]
 * ```
 */
export function describeLoads(label: string, figures: LoadFigure[]): string[] {
  return figures.map((figure) => {
    const { report, serverMicrosPerRoundTrip, cpu } = figure;
    const whole = figure.serverMicrosPerRoundTripWholeRun;
    const latency = ["p50", "p99", "p99.9", "max"]
      .filter((key) => typeof report.latencyMs[key] === "number")
      .map((key) => `${key} ${report.latencyMs[key]} ms`).join(", ");
    const errors = formatErrors(report.errors);
    return `${label}: ${
      Math.round(report.roundTripsPerSecond).toLocaleString("en-US")
    } rt/s, ${latency}, server CPU ${
      serverMicrosPerRoundTrip.toFixed(2)
    } us/rt${
      whole === serverMicrosPerRoundTrip
        ? ""
        : ` (${whole.toFixed(2)} over the whole run)`
    }; ${describeCpu(cpu)}${errors ? `; errors: ${errors}` : ""}`;
  });
}

/**
 * One line per streaming run: throughput, the server's CPU cost, who was
 * busy.
 *
 * @example
 * ```ts
 * import { describeStreams } from "./_figures.ts";
 * describeStreams("netdemo", [{ mibPerSecond: 1500, serverMicrosPerMiB: 620 }]);
 * // ["netdemo: 1500.0 MiB/s, server CPU 620 us/MiB; CPU use not sampled"]
 * ```
 */
export function describeStreams(
  label: string,
  figures: StreamFigure[],
): string[] {
  return figures.map((figure) =>
    `${label}: ${figure.mibPerSecond.toFixed(1)} MiB/s, server CPU ${
      figure.serverMicrosPerMiB.toFixed(0)
    } us/MiB; ${describeCpu(figure.cpu)}`
  );
}

/**
 * A warning when the load generator ran out of CPU: the server then waited
 * for the client, so round trips/s compress towards 1x and the server's CPU
 * per round trip is the figure to read.
 *
 * @example
 * ```ts ignore
 * generatorWarning([...runs.of("ours"), ...runs.of("deno")]);
 * ```
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
