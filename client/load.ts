/**
 * The multi-connection client's load mode: every connection repeats
 * write-a-message / read-its-echo round trips, all at once, for a time or a
 * count, and the run ends with throughput, latency percentiles and errors
 * by kind.
 *
 * @module
 */

import { endpointOf, formatEndpoint } from "../protocol/endpoint.ts";
import { type FailureKind, NetError } from "../protocol/errors.ts";
import { connectSocket, type Socket } from "../protocol/socket.ts";
import { SILENT } from "../output/reporter.ts";
import type { ClientOptions } from "./_common.ts";
import { LatencyRecorder, type LatencySummary } from "./_latency.ts";
import {
  checkOpenFileLimit,
  connectionFailure,
  FailureTally,
  Gate,
  MAX_CONNECTS_IN_FLIGHT,
  openFileLimitError,
} from "./_many.ts";

/** Default message size of a round trip, in bytes. */
export const DEFAULT_LOAD_SIZE = 64;

/** Default length of a run when neither a duration nor rounds are given. */
export const DEFAULT_LOAD_DURATION_MS = 10_000;

/**
 * How long round trips still in flight when the time is up may take before
 * they are abandoned and counted as timed out.
 */
const DRAIN_MS = 2_000;

/** Largest read per call; a bigger message is read in several. */
const READ_CHUNK = 64 * 1024;

/** Options for {@linkcode runLoad}. */
export interface LoadOptions extends ClientOptions {
  /** Connections running round trips at once. Default 2. */
  connections?: number;
  /** Bytes per message. Default 64. */
  size?: number;
  /** Run for this long, in ms. Default 10000 unless `rounds` is given. */
  durationMs?: number;
  /** Round trips per connection; excludes `durationMs`. */
  rounds?: number;
}

/**
 * The load run's report; exactly the keys of `--json`.
 */
export interface LoadReport {
  /** Connections that were opened and ran round trips. */
  connections: number;
  /** Round trips that came back whole and matching. */
  roundTrips: number;
  /** Round trips per second over the run. */
  roundTripsPerSecond: number;
  /** Message bytes echoed per second (each byte counted once, not per direction). */
  bytesPerSecond: number;
  /** Round-trip latency, from the first byte written to the last read. */
  latencyMs: LatencySummary;
  /** Failed connects and round trips by kind. */
  errors: Partial<Record<FailureKind, number>>;
  /** Seconds from the first round trip to the last. */
  durationSeconds: number;
}

/** What {@linkcode runLoad} resolves: the report and the failures' details. */
export interface LoadResult {
  /** The figures, as `--json` prints them. */
  report: LoadReport;
  /** Connections asked for. */
  requested: number;
  /** Message size in bytes. */
  size: number;
  /** The failures by kind, with the first one's message. */
  failures: FailureTally;
}

/**
 * Opens the connections (at most 128 connects in flight), then runs round
 * trips on all of them at once until the time is up or each has done its
 * rounds. A connection stops at its first failure (reset, closed, different
 * bytes, timeout), which is counted by kind; the others go on. While it
 * runs, a progress line shows once a second on a terminal's stderr.
 *
 * @example
 * ```ts
 * import { runLoad } from "./load.ts";
 * import { serveEcho } from "../server/echo.ts";
 * const server = serveEcho({ port: 0 });
 * const { report } = await runLoad({ port: server.addr.port, rounds: 100 });
 * report.roundTrips; // 200
 * await server.close();
 * ```
 */
export async function runLoad(options: LoadOptions = {}): Promise<LoadResult> {
  const reporter = options.reporter ?? SILENT;
  const endpoint = endpointOf(options);
  const requested = options.connections ?? 2;
  const size = options.size ?? DEFAULT_LOAD_SIZE;
  const timeoutMs = options.timeoutMs;
  if (options.rounds !== undefined && options.durationMs !== undefined) {
    throw new RangeError("Give either rounds or durationMs, not both.");
  }
  const rounds = options.rounds;
  const durationMs = rounds === undefined
    ? options.durationMs ?? DEFAULT_LOAD_DURATION_MS
    : undefined;
  const address = formatEndpoint(endpoint);
  checkOpenFileLimit(requested);

  const attempts: Attempt[] = [];
  let stopped = false;
  const onAbort = (): void => {
    stopped = true;
    for (const attempt of attempts) attempt.controller.abort();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const failures = new FailureTally();
  const latency = new LatencyRecorder();
  // Every connection sends the same bytes, so one payload serves them all.
  const payload = makePayload(size);
  let roundTrips = 0;
  let started = 0;
  let ended = 0;
  let draining = false;
  let drainTimer: ReturnType<typeof setTimeout> | undefined;
  let progressTimer: ReturnType<typeof setInterval> | undefined;
  let watchdog: ReturnType<typeof setInterval> | undefined;

  try {
    const opened = await openAll();
    started = performance.now();
    for (const runner of opened) runner.socket.lastActivity = started;
    const deadline = durationMs === undefined ? Infinity : started + durationMs;
    if (durationMs !== undefined) {
      drainTimer = setTimeout(() => {
        draining = true;
        for (const runner of opened) runner.socket.close();
      }, durationMs + DRAIN_MS);
    }
    if (timeoutMs !== undefined) watchdog = startWatchdog(opened, timeoutMs);
    progressTimer = startProgress();
    await Promise.all(opened.map((runner) => drive(runner, deadline)));
    ended = performance.now();
    return {
      report: makeReport(opened.length),
      requested,
      size,
      failures,
    };
  } finally {
    clearTimeout(drainTimer);
    clearInterval(progressTimer);
    clearInterval(watchdog);
    options.signal?.removeEventListener("abort", onAbort);
  }

  async function openAll(): Promise<Runner[]> {
    const gate = new Gate(MAX_CONNECTS_IN_FLIGHT);
    const opened: Runner[] = [];
    let limitError: NetError | undefined;
    async function open(): Promise<void> {
      const attempt = { controller: new AbortController(), timedOut: false };
      attempts.push(attempt);
      try {
        const socket = await gate.run(() => connect(attempt));
        opened.push({
          socket,
          controller: attempt.controller,
          timedOut: false,
        });
      } catch (error) {
        const failure = connectionFailure(error, address);
        if (failure.kind === "too-many-open-files") {
          limitError ??= openFileLimitError(requested);
          onAbort();
        } else if (!stopped) {
          failures.add(failure);
        }
      }
    }
    const all: Promise<void>[] = [];
    for (let i = 0; i < requested; i++) all.push(open());
    await Promise.all(all);
    if (limitError) {
      for (const runner of opened) runner.socket.close();
      throw limitError;
    }
    return opened;
  }

  // The socket gets no timeout of its own: that would arm and clear a timer
  // on every read and write. One watchdog for all connections does the same
  // job (no progress within --timeout) at no cost per round trip.
  async function connect(attempt: Attempt): Promise<Socket> {
    if (stopped) throw new NetError("interrupted", "interrupted");
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      attempt.timedOut = true;
      attempt.controller.abort();
    }, timeoutMs);
    try {
      return await connectSocket(endpoint, {
        signal: attempt.controller.signal,
        reporter,
      });
    } catch (error) {
      if (!attempt.timedOut) throw error;
      throw new NetError(
        "timeout",
        `could not connect to ${address} within ${(timeoutMs ?? 0) / 1000} s`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  // The hot loop: no buffer allocated, nothing formatted, two clock reads
  // per round trip (its start doubles as the deadline check).
  async function drive(runner: Runner, deadline: number): Promise<void> {
    const { socket } = runner;
    const buffer = new Uint8Array(Math.min(size, READ_CHUNK));
    let done = 0;
    try {
      while (done !== rounds && !stopped) {
        const sent = performance.now();
        if (sent >= deadline) break;
        await socket.writeAll(payload, "while sending");
        let received = 0;
        while (received < size) {
          const got = await socket.read(buffer, "while waiting for the echo");
          if (got === null) {
            throw new NetError(
              "closed-early",
              `${socket.peer} closed the connection after echoing ${received} of ${size} bytes`,
            );
          }
          if (!matches(buffer, got, payload, received)) {
            throw new NetError(
              "mismatch",
              `${socket.peer} returned different bytes than were sent`,
            );
          }
          received += got;
        }
        latency.record(performance.now() - sent);
        done++;
        roundTrips++;
      }
    } catch (error) {
      if (runner.timedOut) {
        failures.add(
          new NetError(
            "timeout",
            `${socket.peer} made no progress within ${
              (timeoutMs ?? 0) / 1000
            } s while a round trip was under way`,
          ),
        );
      } else if (draining) {
        failures.add(
          new NetError(
            "timeout",
            `${socket.peer} did not echo within ${
              DRAIN_MS / 1000
            } s after the run's end`,
          ),
        );
      } else if (!stopped) {
        failures.add(connectionFailure(error, socket.peer));
      }
    } finally {
      socket.close();
    }
  }

  function startWatchdog(
    opened: Runner[],
    limitMs: number,
  ): ReturnType<typeof setInterval> {
    return setInterval(() => {
      const limit = performance.now() - limitMs;
      for (const runner of opened) {
        if (!runner.socket.closed && runner.socket.lastActivity < limit) {
          runner.timedOut = true;
          runner.controller.abort();
        }
      }
    }, Math.min(1000, Math.max(10, limitMs / 4)));
  }

  function startProgress(): ReturnType<typeof setInterval> {
    let last = started;
    let lastCount = 0;
    return setInterval(() => {
      const now = performance.now();
      const rate = (roundTrips - lastCount) / ((now - last) / 1000);
      last = now;
      lastCount = roundTrips;
      reporter.progress(
        `${((now - started) / 1000).toFixed(0)} s elapsed: ${
          Math.round(rate)
        } round trips/s, p99 so far ${
          latency.percentile(99).toFixed(3)
        } ms, ${failures.total} errors`,
      );
    }, 1000);
  }

  function makeReport(connections: number): LoadReport {
    const seconds = (ended - started) / 1000;
    const perSecond = seconds > 0 ? roundTrips / seconds : 0;
    const summary = latency.summary();
    return {
      connections,
      roundTrips,
      roundTripsPerSecond: round(perSecond, 1),
      bytesPerSecond: Math.round(perSecond * size),
      latencyMs: {
        p50: round(summary.p50, 3),
        p90: round(summary.p90, 3),
        p99: round(summary.p99, 3),
        max: round(summary.max, 3),
      },
      errors: { ...failures.counts },
      durationSeconds: round(seconds, 3),
    };
  }
}

/** One connection being opened, and what may stop it. */
interface Attempt {
  /** Aborting stops the connect, then closes the socket. */
  controller: AbortController;
  /** Set when a timer (connect) or the watchdog (round trips) stopped it. */
  timedOut: boolean;
}

/** One open load connection. */
interface Runner extends Attempt {
  socket: Socket;
}

/**
 * The report as lines for a person; `--json` prints the report object
 * instead.
 *
 * @example
 * ```ts
 * import { formatLoadReport, runLoad } from "./load.ts";
 * import { serveEcho } from "../server/echo.ts";
 * const server = serveEcho({ port: 0 });
 * formatLoadReport(await runLoad({ port: server.addr.port, rounds: 10 }));
 * await server.close();
 * ```
 */
export function formatLoadReport(result: LoadResult): string[] {
  const { report, size } = result;
  const { latencyMs } = report;
  const errors = result.failures.total === 0
    ? "none"
    : result.failures.describe();
  return [
    `Connections:   ${report.connections} of ${result.requested} opened`,
    `Round trips:   ${report.roundTrips} of ${size} bytes in ${
      report.durationSeconds.toFixed(2)
    } s`,
    `Rate:          ${Math.round(report.roundTripsPerSecond)} round trips/s, ${
      formatBytes(report.bytesPerSecond)
    }/s echoed`,
    `Latency:       p50 ${latencyMs.p50.toFixed(3)} ms, p90 ${
      latencyMs.p90.toFixed(3)
    } ms, p99 ${latencyMs.p99.toFixed(3)} ms, max ${
      latencyMs.max.toFixed(3)
    } ms`,
    `Errors:        ${errors}`,
  ];
}

/** Printable bytes, so a `--trace` or a packet capture shows readable text. */
function makePayload(size: number): Uint8Array {
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = 0x61 + (i % 26);
  return payload;
}

function matches(
  buffer: Uint8Array,
  got: number,
  payload: Uint8Array,
  offset: number,
): boolean {
  if (offset + got > payload.length) return false;
  for (let i = 0; i < got; i++) {
    if (buffer[i] !== payload[offset + i]) return false;
  }
  return true;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(2)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(2)} kB`;
  return `${bytes} B`;
}
