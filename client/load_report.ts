/**
 * The load run's report: one typed object, which `--json` prints as it is
 * and the text report renders for a person. `report merge` reads it back.
 * The README documents every field; `schema` goes up on any incompatible
 * change.
 *
 * @module
 */

import { type LatencyStats, percentileKey } from "./latency.ts";
import { describeFailureCounts } from "./failures.ts";
import { counted } from "../output/count.ts";

/** The report format's version; bumped on any incompatible change. */
export const REPORT_SCHEMA = 1;

/** What was asked for. */
export interface LoadConfig {
  /** How the connections were opened: plain TCP, TLS, or a Unix socket. */
  transport: "tcp" | "tls" | "unix";
  /** The server's host (a Unix socket's path). */
  host: string;
  /** The server's port (0 for a Unix socket). */
  port: number;
  /** Connections asked for (open at once). */
  connections: number;
  /** Bytes per message. */
  size: number;
  /** The file every message was read from (`-`: stdin), or null. */
  payloadFile: string | null;
  /** Requested round trips per second in total, or null (closed loop). */
  rate: number | null;
  /** Most messages in flight per connection. */
  pipeline: number;
  /** The run's length in seconds, or null when `rounds` bounded it. */
  durationSeconds: number | null;
  /** Seconds of warm-up before the duration, not counted (0: none). */
  omitSeconds: number;
  /** Round trips per connection slot, or null when a duration bounded it. */
  rounds: number | null;
  /** Round trips before a connection is replaced, or null (never). */
  lifetime: number | null;
  /** New connections per second at most, or null (as fast as allowed). */
  connectRate: number | null;
  /** Longest connect, in seconds, or null (the OS's own limit). */
  connectTimeoutSeconds: number | null;
  /** Seconds per interval line, or null (none). */
  intervalSeconds: number | null;
  /** The latency percentiles reported. */
  percentiles: number[];
}

/** One `--interval`'s figures. */
export interface IntervalReport {
  /** Start of the interval, in seconds from the run's start. */
  startSeconds: number;
  /** End of the interval, in seconds from the run's start. */
  endSeconds: number;
  /** Round trips completed within it. */
  roundTrips: number;
  /** Round trips per second within it. */
  roundTripsPerSecond: number;
  /** Message bytes echoed per second within it. */
  bytesPerSecond: number;
  /** Median and 99th percentile latency within it, null without a sample. */
  latencyMs: { p50: number | null; p99: number | null };
  /** Failures within it. */
  errors: number;
}

/** The load run's report; exactly the keys of `--json`. */
export interface LoadReport {
  /** The report format's version ({@linkcode REPORT_SCHEMA}). */
  schema: number;
  /** What was asked for. */
  config: LoadConfig;
  /** How many runs this report holds: 1, or more after `report merge`. */
  sources: number;
  /** True when Ctrl-C or SIGTERM stopped the run before its end. */
  interrupted: boolean;
  /**
   * Seconds counted: from the start of sending (after any warm-up) to the
   * last echo, a timed run's no less than its duration or until it was
   * stopped (the README's `durationSeconds` says it in full).
   */
  durationSeconds: number;
  /** Connections opened, replacements under `lifetime` included. */
  connectionsOpened: number;
  /** Connections opened per second over the run. */
  connectionsPerSecond: number;
  /** Round trips that came back whole and matching. */
  roundTrips: number;
  /** Round trips per second over the run. */
  roundTripsPerSecond: number;
  /** Message bytes echoed per second (each byte counted once). */
  bytesPerSecond: number;
  /** Messages sent per second against the schedule, or null without a rate. */
  achievedRate: number | null;
  /**
   * Under `rate`, messages the schedule had due in the run that were never
   * sent (the client behind, or a stall past the run's end): in no
   * latency. Null without a rate (or in a report older than the field).
   */
  unsentRoundTrips: number | null;
  /** Round-trip latency; under `rate`, from each message's scheduled send. */
  latencyMs: LatencyStats;
  /** Under `rate`, latency from each message's actual send; else null. */
  uncorrectedLatencyMs: LatencyStats | null;
  /** Time to connect. */
  connectLatencyMs: LatencyStats;
  /** Failed connects and connections, by kind. */
  errors: Record<string, number>;
  /** One entry per `--interval`; empty without it. */
  intervals: IntervalReport[];
  /** `latencyMs`'s histogram (µs), HdrHistogram compressed base64. */
  histogram: string;
  /** `uncorrectedLatencyMs`'s histogram (µs), or null without a rate. */
  uncorrectedHistogram: string | null;
  /** `connectLatencyMs`'s histogram (µs). */
  connectHistogram: string;
}

/** The report's Transport line, shown when it is not plain TCP. */
const TRANSPORT_NAMES: Record<LoadConfig["transport"], string> = {
  tcp: "TCP",
  tls: "TLS (each connection's handshake is part of its connect)",
  unix: "Unix socket",
};

/**
 * A rate as the text report prints it: whole numbers from 100 a second up,
 * three significant digits below, so that a run at `--rate 0.5` does not
 * read as 1/s, nor one at 0.3 as 0.
 *
 * @example
 * ```ts
 * import { roundPerSecond } from "./load_report.ts";
 * roundPerSecond(31846.4); // 31846
 * roundPerSecond(4.6667); // 4.67
 * ```
 */
export function roundPerSecond(value: number): number {
  return value >= 100 ? Math.round(value) : Number(value.toPrecision(3));
}

/**
 * The report as lines for a person; `--json` prints the object instead.
 *
 * @example
 * ```ts
 * import { formatLoadReport } from "./load_report.ts";
 * // formatLoadReport(result.report)
 * ```
 */
export function formatLoadReport(report: LoadReport): string[] {
  const { config } = report;
  // Every TLS connection opened is one full handshake, so under --lifetime
  // churn the connection rate is the handshake rate.
  const handshakes = config.transport === "tls" ? " TLS handshakes" : "";
  // Churn (--lifetime, or new connections after failures) opens more; a
  // merge's connections are summed, so the same test holds for it.
  const churned = config.lifetime !== null ||
    report.connectionsOpened > config.connections;
  const opened = !churned
    ? `${report.connectionsOpened} of ${config.connections} opened`
    : `${report.connectionsOpened} opened (${
      roundPerSecond(report.connectionsPerSecond)
    }${handshakes}/s)`;
  const rate = config.rate === null
    ? ""
    : `; requested ${config.rate}/s, sent ${
      roundPerSecond(report.achievedRate ?? 0)
    }/s${
      report.unsentRoundTrips
        ? `, ${report.unsentRoundTrips} due never sent`
        : ""
    }`;
  // Reports from before the field had no warm-up.
  const omitted = config.omitSeconds ?? 0;
  // A run that ended before its warm-up was over (stopped, or every
  // connection failed) counted nothing at all.
  const cutInWarmUp = report.roundTrips === 0 && report.durationSeconds === 0;
  const warmUp = omitted === 0
    ? ""
    : cutInWarmUp
    ? `, ${
      report.interrupted ? "interrupted during" : "ended within"
    } its ${omitted} s warm-up: nothing counted`
    : `, after a ${omitted} s warm-up not counted`;
  const lines = [
    `Connections:   ${opened}`,
    `Round trips:   ${report.roundTrips} of ${config.size} bytes in ${
      spanText(report)
    }${warmUp}`,
    `Rate:          ${
      roundPerSecond(report.roundTripsPerSecond)
    } round trips/s, ${formatBytes(report.bytesPerSecond)}/s echoed${rate}`,
    `Latency:       ${formatStats(report.latencyMs, config.percentiles)}`,
  ];
  if (report.uncorrectedLatencyMs !== null) {
    lines.push(
      `Uncorrected:   ${
        formatStats(report.uncorrectedLatencyMs, config.percentiles)
      } (from the actual send)`,
    );
  }
  lines.push(
    `Connect:       ${
      formatStats(report.connectLatencyMs, config.percentiles)
    }`,
  );
  const errors = describeFailureCounts(report.errors);
  lines.push(`Errors:        ${errors === "" ? "none" : errors}`);
  // Reports from before the field read as TCP.
  const transport = config.transport ?? "tcp";
  if (transport !== "tcp") {
    lines.unshift(`Transport:     ${TRANSPORT_NAMES[transport]}`);
  }
  if (report.interrupted) lines.push("Interrupted:   the run was cut short");
  return lines;
}

/**
 * One interval's line, iperf3 style.
 *
 * @example
 * ```ts
 * import { formatInterval } from "./load_report.ts";
 * formatInterval({ startSeconds: 0, endSeconds: 1, roundTrips: 10,
 *   roundTripsPerSecond: 10, bytesPerSecond: 640,
 *   latencyMs: { p50: 0.1, p99: 0.2 }, errors: 0 });
 * ```
 */
export function formatInterval(interval: IntervalReport): string {
  const span = `${interval.startSeconds.toFixed(2)}-${
    interval.endSeconds.toFixed(2)
  } s`;
  const errors = counted(interval.errors, "error");
  return `[${span.padStart(13)}] ${
    String(roundPerSecond(interval.roundTripsPerSecond)).padStart(8)
  } round trips/s ${
    `${formatBytes(interval.bytesPerSecond)}/s`.padStart(11)
  }  p50 ${formatMs(interval.latencyMs.p50)}  p99 ${
    formatMs(interval.latencyMs.p99)
  }  ${errors}`;
}

// Two decimals, as iperf3 gives, unless they would read 0.00 for a run
// that took time: the rate beside it was divided by that time.
function spanText(report: LoadReport): string {
  const { durationSeconds, roundTrips } = report;
  if (
    durationSeconds >= 0.01 || (roundTrips === 0 && durationSeconds < 0.0005)
  ) {
    return `${durationSeconds.toFixed(2)} s`;
  }
  return durationSeconds >= 0.0005
    ? `${durationSeconds.toFixed(3)} s`
    : "under 0.001 s";
}

function formatStats(stats: LatencyStats, percentiles: number[]): string {
  if (stats.count === 0) return "no samples";
  const parts = percentiles.map((percentile) =>
    `${percentileKey(percentile)} ${formatMs(stats[percentileKey(percentile)])}`
  );
  parts.push(`max ${formatMs(stats.max)}`);
  parts.push(`mean ${formatMs(stats.mean)}`);
  return parts.join(", ");
}

function formatMs(ms: number | null): string {
  return ms === null ? "-" : `${ms.toFixed(3)} ms`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(2)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(2)} kB`;
  return `${bytes} B`;
}

/**
 * `value` rounded to `digits` decimals, as the report's figures are.
 *
 * @example
 * ```ts
 * import { roundTo } from "./load_report.ts";
 * roundTo(1.23456, 3); // 1.235
 * ```
 */
export function roundTo(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * A rate as the JSON report keeps it: three decimals from 1 a second up,
 * three significant digits below, so that 0.04/s does not become 0. The
 * text rounds it again ({@linkcode roundPerSecond}), so it must keep more
 * than the text shows: with one decimal, 999.49/s was kept as 999.5 and
 * printed as 1000.
 *
 * @example
 * ```ts
 * import { roundRate } from "./load_report.ts";
 * roundRate(1903.4567); // 1903.457
 * roundRate(0.0401); // 0.0401
 * ```
 */
export function roundRate(value: number): number {
  return value >= 1 ? roundTo(value, 3) : Number(value.toPrecision(3));
}
