/**
 * Why a `--rate` run sent less than its schedule asked: the client itself
 * fell behind, its pipelines held it back, its `--lifetime` churn waited
 * for new connections, or the server stalled. The figures come from
 * {@linkcode LoadFigures}; this module only weighs them.
 *
 * @module
 */

import { STALL_MS } from "./_pipeline_job.ts";

/** The client fell behind when it sent less than this share of its schedule. */
const BEHIND_SHARE = 0.99;

/**
 * Its pipelines held a run back when, on average, this share of their
 * places (connections x pipeline) had a message in flight.
 */
const FULL_SHARE = 0.75;

/** The verdicts of one run, as {@linkcode LoadResult} carries them. */
export interface Verdict {
  /** True when the client sent under 99% of its `rate` schedule. */
  behind: boolean;
  /**
   * True when, behind its schedule, the run was held back by its pipelines
   * rather than by the client: on average 75% of their places (connections
   * x pipeline) had a message in flight, so connections x pipeline /
   * round-trip time capped the rate; never when a stall did (see
   * `longestStallMs`).
   */
  heldBack: boolean;
  /**
   * True when, behind its schedule and not held back by its pipelines, the
   * run waited for new connections: under `lifetime` churn its slots stood
   * without a connection for at least 1% of the schedule's time (a slow
   * `connectRate`, or slow connects), while their messages fell due.
   */
  waitedForConnections: boolean;
  /**
   * True when, waiting for new connections, the run waited mostly for its
   * old ones' close (the server's end of stream after the client's), which
   * the open-file limit left no room to wait for beside the next.
   */
  waitedForCloses: boolean;
  /**
   * The longest time, in milliseconds, that a message already due in a
   * `rate` run waited for the server to answer the ones before it (for a
   * place in its pipeline, or under `lifetime` for its connection's last
   * echoes), when that was a stall: 1 s or more, or, in a run behind its
   * schedule for no other cause, 0.1 s or more, at least half the time the
   * schedule ran over and twice the client's own latest wake; else 0.
   */
  longestStallMs: number;
}

/** What a run's verdicts are weighed from. */
export interface RunFacts {
  /** Round trips per second asked; null for a closed-loop run. */
  rate: number | null;
  /** Connections asked. */
  connections: number;
  /** Most messages in flight on a connection. */
  pipeline: number;
  /** Round trips per connection under churn; null without. */
  lifetime: number | null;
  /** Messages sent. */
  sent: number;
  /** Messages sent per second of the schedule's span. */
  sentRate: number;
  /**
   * Messages the schedule had due over that span (from the warm-up's end
   * to the span's), however many rounds the run has.
   */
  scheduled: number;
  /** The schedule's span, in milliseconds, to its last send. */
  spanMs: number;
  /** Round trips completed per second of counted time. */
  perSecond: number;
  /** The mean latency from the actual send, in milliseconds. */
  uncorrectedMeanMs: number;
  /** True after Ctrl-C or SIGTERM, or when any failure was counted. */
  cutShort: boolean;
  /** The longest wait of a due message for the server, in milliseconds. */
  longestWaitMs: number;
  /** The latest the client's own timers woke, in milliseconds. */
  longestLateWakeMs: number;
  /** Milliseconds the slots stood empty while messages fell due. */
  emptyMs: number;
  /** The part of `emptyMs` spent waiting for old connections' close. */
  closeWaitMs?: number;
}

/**
 * Weighs a run's figures into its verdicts; a closed-loop run, or one cut
 * short, is never behind.
 *
 * @example
 * ```ts
 * import { judgeRun } from "./_load_verdict.ts";
 * judgeRun({
 *   rate: 100, connections: 1, pipeline: 1, lifetime: null, sent: 100,
 *   sentRate: 100, scheduled: 100, spanMs: 1000, perSecond: 100, uncorrectedMeanMs: 0.2, cutShort: false,
 *   longestWaitMs: 0, longestLateWakeMs: 0, emptyMs: 0,
 * }).behind; // false
 * ```
 */
export function judgeRun(facts: RunFacts): Verdict {
  const { rate, connections, pipeline, spanMs, sent } = facts;
  // Below the rate over the span, and below what the schedule had due in
  // it: at a low rate the span's last step can reach well past the
  // duration, with every message due sent on time.
  const behind = rate !== null && !facts.cutShort &&
    facts.sentRate < BEHIND_SHARE * rate &&
    sent < BEHIND_SHARE * facts.scheduled;
  // Little's law: messages in flight on average = completions per second
  // x seconds each spends in flight (the uncorrected latency).
  const mean = facts.uncorrectedMeanMs;
  const inFlight = facts.perSecond * (mean / 1000);
  const wait = facts.longestWaitMs;
  const longestStall = wait >= STALL_MS ? wait : 0;
  // One wait for an echo much longer than the round trips' usual time
  // is a stall, whatever the average says: more connections or a deeper
  // pipeline would have stalled as well.
  const stalled = longestStall > 2 * mean;
  const heldBack = behind && !stalled &&
    inFlight >= FULL_SHARE * connections * pipeline;
  const waitedForConnections = behind && !heldBack &&
    facts.lifetime !== null &&
    facts.emptyMs >= (1 - BEHIND_SHARE) * connections * spanMs;
  // A shorter wait for the server near the run's end, which pushed its
  // last sends past the deadline, is still the server's doing when it
  // covers at least half the time the schedule ran over, rather than
  // the client's: one stalled answer delays every message queued
  // behind it, so the run can run over by no more than about the wait.
  // Not when the client's own timers woke late by half as much: a busy
  // or paused client is slow to read its echoes too, and its waits for
  // them then look like the server's.
  const overrunMs = rate === null ? 0 : spanMs - sent * 1000 / rate;
  const shortStall = behind && !heldBack && !waitedForConnections &&
      longestStall === 0 &&
      wait > 2 * mean &&
      wait > 2 * facts.longestLateWakeMs &&
      wait >= overrunMs / 2
    ? wait
    : 0;
  return {
    behind,
    heldBack,
    waitedForConnections,
    waitedForCloses: waitedForConnections &&
      (facts.closeWaitMs ?? 0) * 2 > facts.emptyMs,
    longestStallMs: longestStall || shortStall,
  };
}

/**
 * Under a rate, the round trips per second the pipelines allow at their
 * usual round trip (connections x pipeline / the median uncorrected
 * latency, in ms), when that is under 99% of the rate asked; else null.
 *
 * @example
 * ```ts
 * import { pipelineCap } from "./_load_verdict.ts";
 * pipelineCap({ rate: 1000, connections: 1, pipeline: 1 }, 2); // 500
 * ```
 */
export function pipelineCap(
  config: { rate: number | null; connections: number; pipeline: number },
  medianMs: number | null | undefined,
): number | null {
  const { rate, connections, pipeline } = config;
  // A median of 0 (every echo within a microsecond) caps nothing.
  if (rate === null || !medianMs) return null;
  const cap = connections * pipeline * 1000 / medianMs;
  return cap < BEHIND_SHARE * rate ? cap : null;
}
