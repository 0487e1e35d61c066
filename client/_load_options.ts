/**
 * The load mode's options and their defaults, apart from the run itself.
 *
 * @module
 */

import type { ConnectOptions } from "../protocol/socket.ts";
import type { ClientOptions } from "./common.ts";
import type { IntervalReport } from "./load_report.ts";

/** Default message size of a round trip, in bytes. */
export const DEFAULT_LOAD_SIZE = 64;

/** Default length of a run when neither a duration nor rounds are given. */
export const DEFAULT_LOAD_DURATION_MS = 10_000;

/** Largest message: 64 MiB (every connection shares the one payload). */
export const MAX_LOAD_SIZE = 64 * 1024 * 1024;

/** Default for {@linkcode LoadOptions.pipeline}: one message in flight, as wrk2. */
export const DEFAULT_PIPELINE = 1;

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
  /** Longest connect, in ms. Default: the OS's own limit. */
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
