/**
 * The multi-connection client's load mode: every connection runs pipelined
 * round trips (closed-loop, or open-loop on the `--rate` schedule) for a
 * time or a count, and the run ends with one {@linkcode LoadReport}:
 * throughput, corrected and uncorrected latency, connect latency, errors by
 * kind, interval figures and the histograms.
 *
 * @module
 */

import { endpointOf, formatEndpoint } from "../protocol/endpoint.ts";
import { NetError } from "../protocol/errors.ts";
import { connectSocket, type Socket } from "../protocol/socket.ts";
import { SILENT } from "../output/reporter.ts";
import { DEFAULT_PERCENTILES, LatencyRecorder } from "./latency.ts";
import { IntervalMeter } from "./_intervals.ts";
import { type LoadReport, REPORT_SCHEMA, roundTo } from "./load_report.ts";
import {
  checkOpenFileLimit,
  connectionFailure,
  FailureTally,
  Gate,
  MAX_CONNECTS_IN_FLIGHT,
  openFileLimitError,
} from "./_many.ts";
import { PipelinedConnection } from "./_pipeline.ts";
import { Pacer, Schedule, Ticker } from "./_schedule.ts";

import {
  DEFAULT_LOAD_DURATION_MS,
  DEFAULT_LOAD_SIZE,
  type LoadOptions,
} from "./_load_options.ts";

export { formatInterval, formatLoadReport } from "./load_report.ts";
export {
  DEFAULT_LOAD_DURATION_MS,
  DEFAULT_LOAD_SIZE,
  DEFAULT_PIPELINE,
  type LoadOptions,
  MAX_LOAD_SIZE,
} from "./_load_options.ts";
export type { IntervalReport, LoadReport } from "./load_report.ts";

/**
 * How long round trips still in flight when the time is up may take before
 * they are abandoned and counted as timed out.
 */
const DRAIN_MS = 2_000;

/** The client fell behind when it sent less than this share of its schedule. */
const BEHIND_SHARE = 0.99;

/** What {@linkcode runLoad} resolves. */
export interface LoadResult {
  /** The report, as `--json` prints it. */
  report: LoadReport;
  /** The failures by kind, with the first one's message. */
  failures: FailureTally;
  /** True when the client sent under 99% of its `rate` schedule. */
  behind: boolean;
}

/**
 * Opens the connections (at most 128 connects in flight, paced by
 * `connectRate`), starts the clock, then runs round trips on all of them
 * until the time is up or each slot has done its rounds. A connection stops
 * at its first failure (reset, closed, different or extra bytes, timeout),
 * counted by kind; the others go on. Under `lifetime`, a connection that
 * did its round trips closes and a new one takes its slot.
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
  const slots = options.connections ?? 2;
  const payload = options.payload ??
    makePayload(options.size ?? DEFAULT_LOAD_SIZE);
  const size = payload.length;
  const percentiles = [...(options.percentiles ?? DEFAULT_PERCENTILES)];
  const { rate, rounds, lifetime, timeoutMs } = options;
  if (rounds !== undefined && options.durationMs !== undefined) {
    throw new RangeError("Give either rounds or durationMs, not both.");
  }
  const durationMs = rounds === undefined
    ? options.durationMs ?? DEFAULT_LOAD_DURATION_MS
    : undefined;
  const address = formatEndpoint(endpoint);
  checkOpenFileLimit(slots);

  const failures = new FailureTally();
  const latency = new LatencyRecorder();
  const uncorrected = new LatencyRecorder();
  const connectLatency = new LatencyRecorder();
  const connecting = new Set<AbortController>();
  const active = new Set<PipelinedConnection>();
  const gate = new Gate(MAX_CONNECTS_IN_FLIGHT);
  const pacer = new Pacer(options.connectRate);
  const ticker = new Ticker();
  let stopped = false;
  let limitError: NetError | undefined;
  let opened = 0;
  let roundTrips = 0;
  let sent = 0;
  let started = performance.now();
  let lastSendAt = started;
  let lastEchoAt = 0;
  let deadline = Infinity;
  const timers: ReturnType<typeof setTimeout>[] = [];
  let meter: IntervalMeter | undefined;
  const onAbort = (): void => {
    stopped = true;
    ticker.release();
    for (const controller of connecting) controller.abort();
    for (const connection of active) connection.stop("interrupt");
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });

  try {
    const first = await Promise.all(
      Array.from({ length: slots }, () => open()),
    );
    if (limitError) {
      for (const socket of first) socket?.close();
      throw limitError;
    }
    started = performance.now();
    lastSendAt = started;
    const schedule = new Schedule({ rate, slots }, started);
    if (durationMs !== undefined) {
      deadline = started + durationMs;
      timers.push(setTimeout(() => {
        for (const connection of active) connection.stop("drain");
      }, durationMs + DRAIN_MS));
    }
    if (timeoutMs !== undefined) timers.push(startWatchdog(timeoutMs));
    timers.push(startProgress());
    if (options.intervalMs !== undefined) {
      meter = new IntervalMeter(started, size);
      timers.push(startIntervals(options.intervalMs));
    }
    await Promise.all(
      first.map((socket, slot) => runSlot(slot, socket, schedule)),
    );
    const ended = performance.now();
    closeInterval(ended, true);
    return finish(ended);
  } finally {
    for (const timer of timers) clearTimeout(timer);
    ticker.release();
    options.signal?.removeEventListener("abort", onAbort);
  }

  async function open(): Promise<Socket | undefined> {
    const controller = new AbortController();
    try {
      await pacer.next(options.signal);
      return await gate.run(() => connect(controller));
    } catch (error) {
      const failure = connectionFailure(error, address);
      if (failure.kind === "too-many-open-files") {
        limitError ??= openFileLimitError(slots);
        onAbort();
      } else if (!stopped) {
        failures.add(failure);
      }
      return undefined;
    }
  }

  // The socket gets no timeout of its own: that would arm and clear a timer
  // on every read and write. One watchdog for all connections does the same
  // job (no progress within --timeout) at no cost per round trip.
  async function connect(controller: AbortController): Promise<Socket> {
    if (stopped) throw new NetError("interrupted", "interrupted");
    const limitMs = options.connectTimeoutMs ?? timeoutMs;
    let timedOut = false;
    const timer = limitMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, limitMs);
    connecting.add(controller);
    const begun = performance.now();
    try {
      const socket = await connectSocket(endpoint, {
        ...options.connectOptions,
        signal: controller.signal,
        reporter,
      });
      connectLatency.record(performance.now() - begun);
      opened++;
      return socket;
    } catch (error) {
      if (!timedOut) throw error;
      throw new NetError(
        "timeout",
        `could not connect to ${address} within ${(limitMs ?? 0) / 1000} s`,
      );
    } finally {
      clearTimeout(timer);
      connecting.delete(controller);
    }
  }

  // One slot: its connection, and under --lifetime the ones replacing it;
  // the schedule runs on across them, so a slow reconnect shows as latency.
  async function runSlot(
    slot: number,
    socket: Socket | undefined,
    schedule: Schedule,
  ): Promise<void> {
    let index = 0;
    while (socket !== undefined) {
      // Interrupted while this one was still connecting.
      if (stopped) {
        socket.close();
        return;
      }
      const base = index;
      const left = rounds === undefined ? Infinity : rounds - index;
      const limit = Math.min(left, lifetime ?? Infinity);
      const connection = new PipelinedConnection(socket, {
        payload,
        window: options.pipeline ?? 1,
        limit,
        deadline,
        plannedAt: (i) => schedule.plannedAt(slot, base + i),
        wakeAt: (time, wake) => ticker.at(time, wake),
        onSend,
        onEcho,
      });
      active.add(connection);
      try {
        await connection.run();
      } catch (error) {
        if (!stopped) failures.add(connectionFailure(error, socket.peer));
        return;
      } finally {
        active.delete(connection);
      }
      index += connection.sent;
      // No replacement that would have nothing left to send.
      const next = schedule.plannedAt(slot, index) ?? performance.now();
      const finished = connection.sent < limit || index === rounds;
      if (finished || stopped || next >= deadline) return;
      socket = await open();
    }
  }

  function onSend(at: number): void {
    sent++;
    lastSendAt = at;
  }

  function onEcho(plannedAt: number, sentAt: number, now: number): void {
    const ms = now - plannedAt;
    latency.record(ms);
    meter?.record(ms);
    if (rate !== undefined) uncorrected.record(now - sentAt);
    roundTrips++;
    lastEchoAt = now;
  }

  function startWatchdog(limitMs: number): ReturnType<typeof setInterval> {
    return setInterval(() => {
      const now = performance.now();
      for (const connection of active) {
        // Asked of every connection at every tick, so that quiet time
        // counts from the last byte moved; but a connection waiting for its
        // next scheduled send is idle, not stuck.
        const quiet = connection.socket.quietFor(now);
        if (connection.inFlight > 0 && quiet >= limitMs) {
          connection.stop("watchdog");
        }
      }
    }, Math.min(1000, Math.max(10, limitMs / 4)));
  }

  function startProgress(): ReturnType<typeof setInterval> {
    let last = started;
    let lastCount = 0;
    return setInterval(() => {
      const now = performance.now();
      const perSecond = (roundTrips - lastCount) / ((now - last) / 1000);
      last = now;
      lastCount = roundTrips;
      const p99 = latency.percentile(99);
      reporter.progress(
        `${((now - started) / 1000).toFixed(0)} s elapsed: ${
          Math.round(perSecond)
        } round trips/s, p99 so far ${
          p99?.toFixed(3) ?? "-"
        } ms, ${failures.total} errors`,
      );
    }, 1000);
  }

  function startIntervals(ms: number): ReturnType<typeof setInterval> {
    return setInterval(() => {
      const now = performance.now();
      // The tick at the duration's end would leave a sliver of an interval
      // for the last echoes: the final interval runs to the end instead.
      if (now < deadline - ms / 10) closeInterval(now, false);
    }, ms);
  }

  function closeInterval(now: number, last: boolean): void {
    const totals = { roundTrips, errors: failures.total };
    const interval = meter?.close(now, totals, last);
    if (interval) options.onInterval?.(interval);
  }

  function finish(ended: number): LoadResult {
    const seconds = ((roundTrips > 0 ? lastEchoAt : ended) - started) / 1000;
    const perSecond = seconds > 0 ? roundTrips / seconds : 0;
    const sendSeconds = rate === undefined
      ? 0
      : (lastSendAt - started) / 1000 + 1 / rate;
    const achieved = rate === undefined
      ? null
      : roundTo(sent > 0 ? sent / sendSeconds : 0, 1);
    const interrupted = options.signal?.aborted === true;
    const report: LoadReport = {
      schema: REPORT_SCHEMA,
      config: {
        transport: endpoint.transport,
        host: endpoint.transport === "unix" ? endpoint.path : endpoint.host,
        port: endpoint.transport === "unix" ? 0 : endpoint.port,
        connections: slots,
        size,
        payloadFile: options.payloadFile ?? null,
        rate: rate ?? null,
        pipeline: options.pipeline ?? 1,
        durationSeconds: durationMs === undefined ? null : durationMs / 1000,
        rounds: rounds ?? null,
        lifetime: lifetime ?? null,
        connectRate: options.connectRate ?? null,
        connectTimeoutSeconds: options.connectTimeoutMs === undefined
          ? null
          : options.connectTimeoutMs / 1000,
        intervalSeconds: options.intervalMs === undefined
          ? null
          : options.intervalMs / 1000,
        percentiles,
      },
      sources: 1,
      interrupted,
      durationSeconds: roundTo(seconds, 3),
      connectionsOpened: opened,
      connectionsPerSecond: roundTo(seconds > 0 ? opened / seconds : 0, 1),
      roundTrips,
      roundTripsPerSecond: roundTo(perSecond, 1),
      bytesPerSecond: Math.round(perSecond * size),
      achievedRate: achieved,
      latencyMs: latency.stats(percentiles),
      uncorrectedLatencyMs: rate === undefined
        ? null
        : uncorrected.stats(percentiles),
      connectLatencyMs: connectLatency.stats(percentiles),
      errors: { ...failures.counts } as Record<string, number>,
      intervals: meter?.intervals ?? [],
      histogram: latency.encode(),
      uncorrectedHistogram: rate === undefined ? null : uncorrected.encode(),
      connectHistogram: connectLatency.encode(),
    };
    const behind = rate !== undefined && !interrupted && failures.total === 0 &&
      (achieved ?? 0) < BEHIND_SHARE * rate;
    return { report, failures, behind };
  }
}

/** Printable bytes, so a `--trace` or a packet capture shows readable text. */
function makePayload(size: number): Uint8Array {
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = 0x61 + (i % 26);
  return payload;
}
