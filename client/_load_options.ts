/**
 * The load mode's options, their defaults, and what a run makes of them:
 * the plan with every default filled in and the report's `config`, apart
 * from the run itself.
 *
 * @module
 */

import { checkPositive, checkWhole } from "../protocol/option_checks.ts";
import { MAX_TIMER_MS } from "../system/timers.ts";
import {
  type Endpoint,
  endpointOf,
  formatEndpoint,
} from "../protocol/endpoint.ts";
import type { ConnectOptions } from "../protocol/dial.ts";
import type { ClientOptions } from "./common.ts";
import { DEFAULT_PERCENTILES } from "./latency.ts";
import type { IntervalReport, LoadConfig } from "./load_report.ts";

/** Default message size of a round trip, in bytes. */
export const DEFAULT_LOAD_SIZE = 64;

/** Default length of a run when neither a duration nor rounds are given. */
export const DEFAULT_LOAD_DURATION_MS = 10_000;

/** Largest message: 64 MiB (every connection shares the one payload). */
export const MAX_LOAD_SIZE = 64 * 1024 * 1024;

/** Most messages in flight on one connection. */
export const MAX_PIPELINE = 65_536;

/**
 * The highest `rate` and `connectRate`: one a nanosecond, far past what any
 * client reaches, and low enough that what a run's longest schedule has
 * due stays an exact count (under 2^53).
 */
export const MAX_RATE = 1e9;

/** Default for {@linkcode LoadOptions.pipeline}: one message in flight, as wrk2. */
export const DEFAULT_PIPELINE = 1;

/**
 * How long round trips still in flight when the time is up may take before
 * they are abandoned and counted as timed out. One timer waits for the
 * warm-up, the duration and this together, so they must fit in one.
 */
export const DRAIN_MS = 2_000;

/** The longest run, warm-up included, in ms: with the drain, one timer's wait. */
export const MAX_RUN_MS = MAX_TIMER_MS - DRAIN_MS;

/**
 * The connections a run must open: one per slot, and under `lifetime` in a
 * counted run every replacement too (a timed run makes none due after its
 * end, and so need not open them).
 *
 * @example
 * ```ts
 * import { connectionsToOpen } from "./_load_options.ts";
 * connectionsToOpen({ connections: 2, rounds: 5, lifetime: 2 }); // 6
 * ```
 */
export function connectionsToOpen(
  options: Pick<LoadOptions, "connections" | "rounds" | "lifetime">,
): number {
  const slots = options.connections ?? 2;
  const { rounds, lifetime } = options;
  return rounds !== undefined && lifetime !== undefined
    ? slots * Math.ceil(rounds / lifetime)
    : slots;
}

/** Options for `runLoad` (client/load.ts). */
export interface LoadOptions extends ClientOptions {
  /** Connections running round trips at once. Default 2. */
  connections?: number;
  /** Bytes per message, generated. Default 64; ignored with `payload`. */
  size?: number;
  /** The bytes of every message, instead of `size` generated ones. */
  payload?: Uint8Array;
  /** Where `payload` came from, for the report's config. */
  payloadFile?: string;
  /** Run for this long, in ms. Default 10000 unless `rounds` is given. */
  durationMs?: number;
  /**
   * Run this long first, in ms, without counting it (a warm-up, as
   * iperf3's `--omit`): figures start when it ends. Only with a duration.
   */
  omitMs?: number;
  /** Round trips per connection slot; excludes `durationMs`. */
  rounds?: number;
  /** Round trips per second in total, on a fixed schedule (open loop). */
  rate?: number;
  /** Most messages in flight per connection. Default 1. */
  pipeline?: number;
  /** Round trips after which a connection is replaced by a new one. */
  lifetime?: number;
  /** New connections per second at most. Default: no pacing. */
  connectRate?: number;
  /**
   * Longest connect, in ms; 0: never, even with a `timeoutMs`. Default:
   * `timeoutMs`, else the OS's own limit.
   */
  connectTimeoutMs?: number;
  /** Length of an interval, in ms; each ends with `onInterval`. */
  intervalMs?: number;
  /** Called with each interval's figures. */
  onInterval?: (interval: IntervalReport) => void;
  /** Latency percentiles to report. Default 50, 90, 99, 99.9. */
  percentiles?: readonly number[];
  /**
   * More options for every connect (a transport's, say), passed through
   * to `connectSocket`; the load sets the signal and reporter itself.
   */
  connectOptions?: Omit<ConnectOptions, "signal" | "reporter" | "timeoutMs">;
}

/** A load run's options with every default filled in. */
export interface LoadPlan {
  /** Where the connections go. */
  endpoint: Endpoint;
  /** The endpoint as text, for messages. */
  address: string;
  /** Connections at once, each a slot. */
  slots: number;
  /** The bytes of every message. */
  payload: Uint8Array;
  /** Round trips per second in total; undefined: closed loop. */
  rate: number | undefined;
  /** Round trips per slot; undefined when the run is timed. */
  rounds: number | undefined;
  /** The run's length in ms; undefined when `rounds` bounds it. */
  durationMs: number | undefined;
  /** The warm-up before `durationMs`, in ms, not counted (0: none). */
  omitMs: number;
  /** Round trips per connection before it is replaced; undefined: never. */
  lifetime: number | undefined;
  /** Most messages in flight per connection. */
  window: number;
  /** Longest connect, in ms; undefined: the OS's own limit. */
  connectTimeoutMs: number | undefined;
  /** What was asked, as the report's `config` gives it. */
  config: LoadConfig;
}

/**
 * Fills in `options`' defaults; throws a RangeError when both `rounds` and
 * `durationMs` are given, `omitMs` with `rounds`, a run longer than
 * {@linkcode MAX_RUN_MS}, or a `connectRate` too low to open the run's
 * connections within a timer's longest wait (the run would hang).
 *
 * @example
 * ```ts
 * import { planLoad } from "./_load_options.ts";
 * planLoad({ rounds: 5 }).config.durationSeconds; // null
 * ```
 */
export function planLoad(options: LoadOptions): LoadPlan {
  checkLoadOptions(options);
  const endpoint = endpointOf(options);
  const payload = options.payload ??
    makePayload(options.size ?? DEFAULT_LOAD_SIZE);
  const { rate, rounds, lifetime } = options;
  if (rounds !== undefined && options.durationMs !== undefined) {
    throw new RangeError("rounds and durationMs cannot both be given");
  }
  const omitMs = options.omitMs ?? 0;
  if (rounds !== undefined && omitMs > 0) {
    throw new RangeError(
      "omitMs (a warm-up) needs a timed run: give durationMs, not rounds",
    );
  }
  const durationMs = rounds === undefined
    ? options.durationMs ?? DEFAULT_LOAD_DURATION_MS
    : undefined;
  if (durationMs !== undefined && omitMs + durationMs > MAX_RUN_MS) {
    throw new RangeError(
      `omitMs plus durationMs must be at most ${MAX_RUN_MS} (a timer's longest wait less the ${DRAIN_MS} ms drain), got ${
        omitMs + durationMs
      }`,
    );
  }
  // A run waits for its first connections before its clock starts.
  const { connectRate } = options;
  const openMs = connectRate === undefined
    ? 0
    : (connectionsToOpen(options) - 1) / connectRate * 1000;
  if (openMs > MAX_TIMER_MS) {
    throw new RangeError(
      `connectRate ${connectRate} would take ${
        Math.round(openMs)
      } ms to open the run's connections, more than a timer can wait (${MAX_TIMER_MS} ms)`,
    );
  }
  const slots = options.connections ?? 2;
  const window = options.pipeline ?? DEFAULT_PIPELINE;
  return {
    endpoint,
    address: formatEndpoint(endpoint),
    slots,
    payload,
    rate,
    rounds,
    durationMs,
    omitMs,
    lifetime,
    window,
    // Without its own limit a connect gets the run's --timeout (the socket
    // gets none: see LoadRun's watchdog), and without that, in a timed
    // run, the run's length: a TLS handshake has no OS timeout, and a run
    // asked to last N seconds must not wait for ever for its first
    // connects.
    connectTimeoutMs: options.connectTimeoutMs === 0
      ? undefined
      : options.connectTimeoutMs ?? options.timeoutMs ??
        (durationMs === undefined ? undefined : omitMs + durationMs),
    config: {
      transport: endpoint.transport,
      host: endpoint.transport === "unix" ? endpoint.path : endpoint.host,
      port: endpoint.transport === "unix" ? 0 : endpoint.port,
      connections: slots,
      size: payload.length,
      payloadFile: options.payloadFile ?? null,
      rate: rate ?? null,
      pipeline: window,
      durationSeconds: durationMs === undefined ? null : durationMs / 1000,
      omitSeconds: omitMs / 1000,
      rounds: rounds ?? null,
      lifetime: lifetime ?? null,
      connectRate: options.connectRate ?? null,
      connectTimeoutSeconds: secondsOrNull(options.connectTimeoutMs),
      intervalSeconds: secondsOrNull(options.intervalMs),
      // Sorted, once each, as the command line gives them.
      percentiles: [...new Set(options.percentiles ?? DEFAULT_PERCENTILES)]
        .sort((a, b) => a - b),
    },
  };
}

/** The numbers of `options`, checked before any of them is used. */
function checkLoadOptions(options: LoadOptions): void {
  checkWhole(options.connections, "connections", { min: 1 });
  checkWhole(options.size, "size", { min: 1, max: MAX_LOAD_SIZE });
  if (options.payload !== undefined) {
    checkWhole(options.payload.length, "payload's length", {
      min: 1,
      max: MAX_LOAD_SIZE,
    });
  }
  checkWhole(options.pipeline, "pipeline", { min: 1, max: MAX_PIPELINE });
  checkWhole(options.rounds, "rounds", { min: 1 });
  checkWhole(options.lifetime, "lifetime", { min: 1 });
  checkRate(options.rate, "rate");
  checkPositive(options.durationMs, "durationMs");
  checkPositive(options.omitMs, "omitMs", { orZero: true });
  checkRate(options.connectRate, "connectRate");
  checkPositive(options.connectTimeoutMs, "connectTimeoutMs", {
    orZero: true,
  });
  checkPositive(options.timeoutMs, "timeoutMs");
  checkPositive(options.intervalMs, "intervalMs");
  for (const percentile of options.percentiles ?? []) {
    if (!(percentile > 0 && percentile <= 100)) {
      throw new RangeError(
        `percentiles must be numbers above 0 and at most 100, got ${percentile}`,
      );
    }
  }
}

function checkRate(value: number | undefined, name: string): void {
  checkPositive(value, name);
  if (value !== undefined && value > MAX_RATE) {
    throw new RangeError(`${name} must be at most ${MAX_RATE}, got ${value}`);
  }
}

function secondsOrNull(ms: number | undefined): number | null {
  return ms === undefined ? null : ms / 1000;
}

/** Printable bytes, so a `--trace` or a packet capture shows readable text. */
function makePayload(size: number): Uint8Array {
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = 0x61 + (i % 26);
  return payload;
}
