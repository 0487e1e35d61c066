/**
 * What a pipelined load connection is given to do (its payload, window,
 * schedule and the callbacks it reports through), and the waits after
 * which a held-back message counts as a stall or a late send.
 *
 * @module
 */

/**
 * How long after the run's end a message due before it may still go out
 * late. A client a little behind its schedule sends everything the run
 * scheduled (its lateness shows in the latency and the achieved rate); one
 * that is further behind than this stops, or the run would never end.
 */
export const LATE_SEND_MS = 1_000;

/**
 * A message already due that waits this long for a place in its pipeline
 * waits for a stalled server, not for the usual time of a round trip.
 */
export const STALL_MS = 1_000;

/**
 * The shortest such wait reported to `PipelineJob.onStall`: under
 * `STALL_MS` it is a stall only when it accounts for a run's shortfall
 * (see `LoadFigures.result`). The client's own pauses (a collection, a
 * busy event loop) are far shorter.
 */
export const SHORT_STALL_MS = 100;

/** What one connection is to do. */
export interface PipelineJob {
  /** The bytes of every message. */
  payload: Uint8Array;
  /** Most messages in flight at once (1: the next waits for the echo). */
  window: number;
  /** Most messages to send; Infinity for no limit. */
  limit: number;
  /**
   * The end of sending, a `performance.now()` time: nothing due at or
   * after it is sent, and a message due before it goes out at most
   * 1 s late (`LATE_SEND_MS`).
   */
  deadline: number;
  /** When message `index` (from 0) is due; undefined: as soon as it may. */
  plannedAt(index: number): number | undefined;
  /** Calls `wake` at a planned time. Default: a timer of this connection's own. */
  wakeAt?(time: number, wake: () => void): void;
  /** Called as each message is handed to the OS, with when it was due. */
  onSend(sentAt: number, plannedAt: number): void;
  /**
   * Called as each echo is complete: its planned and actual send times.
   * A message sent up to a timer tick early has `sentAt` before
   * `plannedAt`; its latency counts from `sentAt`, never from the later
   * due time.
   */
  onEcho(plannedAt: number, sentAt: number, now: number): void;
  /** Called once every message is sent and echoed (before the close). */
  onDone?(): void;
  /**
   * Called when a message due at `plannedAt` waited `ms` (at least
   * `SHORT_STALL_MS`) for a place in the pipeline, full of messages the
   * server did not echo: a stall, if long enough.
   */
  onStall?(stall: Stall): void;
  /**
   * Called when the writer woke `ms` (at least `SHORT_STALL_MS`) after the
   * planned time it slept until: the client's own delay (a busy or paused
   * process), which no server caused.
   */
  onLateWake?(late: Stall): void;
  /**
   * The `--timeout` limit: a read that ends a silence longer than this,
   * with echoes awaited, stops the connection as the watchdog would; also
   * named in the watchdog's error. Default: none.
   */
  watchdogMs?: number;
}

/**
 * A due message held back: by unanswered ones (`PipelineJob.onStall`), or
 * by the client's own late wake (`PipelineJob.onLateWake`).
 */
export interface Stall {
  /** When the message was due. */
  plannedAt: number;
  /** How long it was held back, in milliseconds. */
  ms: number;
  /** When the wait ended, a `performance.now()` time. */
  endedAt: number;
}

/** Why a connection was stopped from outside, which decides what it reports. */
export type StopReason = "drain" | "watchdog" | "interrupt";
