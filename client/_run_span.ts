/**
 * A load run's span by its schedule: where its counted time ends, and how
 * many messages the schedule had due by then. Arithmetic only, over what
 * `LoadFigures` tracked of the sends; it runs once, at the end.
 *
 * @module
 */

import { EARLY_MS } from "./_schedule.ts";
import { SHORT_STALL_MS } from "./_pipeline_job.ts";

/**
 * How long before a stop a message may fall due and still not count as
 * never sent: a client on schedule has the messages of its last few
 * milliseconds pending, and a wait shorter than a short stall
 * (`SHORT_STALL_MS`) is no shortfall anywhere else either.
 */
const STOP_SLACK_MS = SHORT_STALL_MS;

/** When a run's sending was to end, and when it was interrupted. */
export interface RunLimits {
  /** A timed run's end of sending. Default: none (a counted run). */
  deadline?: number;
  /**
   * When the run stopped, if before its deadline: Ctrl-C or SIGTERM, or
   * every connection failed. Default: never.
   */
  stoppedAt?: number;
}

/** What a run tracked of its sends, on `performance.now()`'s clock. */
export interface SendTrack {
  /** Round trips per second asked for, or null for a closed loop. */
  rate: number | null;
  /** Round trips per connection of a counted run, or null for a timed one. */
  rounds: number | null;
  /** Connections asked for. */
  connections: number;
  /** When the run, and its schedule, began (warm-up included). */
  runStart: number;
  /** Messages due before this are the warm-up's. */
  countFrom: number;
  /** When counting began. */
  started: number;
  /** Messages counted as sent. */
  sent: number;
  /** When the last counted message was due. */
  lastPlannedAt: number;
  /** When the last counted message was handed to the OS. */
  lastSendAt: number;
}

/**
 * Where the schedule's span ends. Under a rate, a timed run's lasts to its
 * deadline (or to when it stopped), so that messages that were due and
 * never sent (a stall longer than the late-send allowance) lower the
 * achieved rate rather than vanish; a counted run's ends one step
 * (1 / rate) after its last message was due, or was sent if that was late.
 * Ending at the last echo instead would put a run that kept its schedule
 * above its rate, by up to D / (D - 1 / rate).
 *
 * Without a rate, a timed run's span is still its duration: a server that
 * stops answering halfway must halve the rates, as wrk's and iperf3's
 * wall-clock figures do, not leave them as they were before the stall. A
 * counted closed loop has no span of its own (-Infinity).
 *
 * @example
 * ```ts
 * import { scheduleEnd } from "./_run_span.ts";
 * const track = { rate: 1000, rounds: 10, connections: 1, runStart: 0,
 *   countFrom: 0, started: 0, sent: 10, lastPlannedAt: 9, lastSendAt: 9 };
 * scheduleEnd(track, {}); // 10: one step after the last message was due
 * ```
 */
export function scheduleEnd(track: SendTrack, limits: RunLimits): number {
  const { rate } = track;
  const deadline = limits.deadline ?? Infinity;
  const stoppedAt = limits.stoppedAt ?? Infinity;
  if (rate === null) {
    return Number.isFinite(deadline)
      ? Math.min(deadline, stoppedAt)
      : -Infinity;
  }
  // A send later than its due time by more than the timer's own
  // millisecond was held back, by the client or its pipelines, and the
  // span takes it in: the achieved rate then falls below the schedule.
  const last = Math.max(track.lastPlannedAt, track.lastSendAt - EARLY_MS);
  // Never shorter than the schedule takes to send what was sent: a last
  // send that went up to EARLY_MS early must not put the rates above it.
  const step = Math.max(
    last + 1000 / rate,
    track.started + track.sent * 1000 / rate,
  );
  if (stoppedAt < deadline) {
    // Cut short (Ctrl-C, or every connection failed): the span ends at
    // the stop, or at the step after the last send when that came within
    // STOP_SLACK_MS of it, so that messages due in the last moments,
    // which a timer a little late had not sent yet, do not lower the rate.
    return Math.min(stoppedAt, Math.max(step, stoppedAt - STOP_SLACK_MS));
  }
  return Number.isFinite(deadline) ? Math.max(step, deadline) : step;
}

/**
 * How many messages the schedule had due from the warm-up's end to the
 * run's: its deadline, or `STOP_SLACK_MS` before it was stopped, or a
 * counted run's every round. Message k of the run is due k / rate seconds
 * after its start, whatever the connection. A closed loop has no schedule
 * and so nothing due (0).
 *
 * @example
 * ```ts
 * import { dueBefore } from "./_run_span.ts";
 * const track = { rate: 1000, rounds: null, connections: 1, runStart: 0,
 *   countFrom: 0, started: 0, sent: 0, lastPlannedAt: 0, lastSendAt: 0 };
 * dueBefore(track, { deadline: 100 }); // 100
 * ```
 */
export function dueBefore(track: SendTrack, limits: RunLimits): number {
  const { rate, rounds, connections } = track;
  if (rate === null) return 0;
  const deadline = limits.deadline ?? Infinity;
  const stoppedAt = limits.stoppedAt ?? Infinity;
  // Those due in the last moments before a stop had no fair chance yet.
  const end = stoppedAt < deadline ? stoppedAt - STOP_SLACK_MS : deadline;
  const all = rounds === null ? Infinity : rounds * connections;
  const index = (time: number): number => scheduleIndex(track, time);
  const last = Number.isFinite(end) ? Math.min(index(end), all) : all;
  return Number.isFinite(last) ? Math.max(0, last - index(track.countFrom)) : 0;
}

/**
 * How many messages the schedule has due from the warm-up's end to `end`
 * (a `performance.now()` time), however many rounds the run has: what a
 * run that kept its schedule sends in a span ending there. Its span may
 * end past the deadline by up to a step, so a rate of `sent` over that
 * span alone would call a run at a low rate behind its schedule.
 *
 * A message due in the span's last moments (up to `STOP_SLACK_MS`, and
 * never more than half a step) is not counted: a span that ends exactly
 * on a due time, one step after the last message, is stretched past it
 * by a last send a few milliseconds late, and that next message was
 * never the run's to send. Lateness longer than that, a run held back,
 * still puts more messages in the span than were sent.
 *
 * @example
 * ```ts
 * import { scheduledBefore } from "./_run_span.ts";
 * const track = { rate: 0.5, rounds: null, connections: 1, runStart: 0,
 *   countFrom: 1000, started: 1000, sent: 1, lastPlannedAt: 2000, lastSendAt: 2005 };
 * scheduledBefore(track, 4004); // 1: the message due at 2 s
 * ```
 */
export function scheduledBefore(track: SendTrack, end: number): number {
  if (track.rate === null) return 0;
  const slack = Math.min(STOP_SLACK_MS, 500 / track.rate);
  return Math.max(
    0,
    scheduleIndex(track, end - slack) -
      scheduleIndex(track, track.countFrom),
  );
}

// Messages the schedule has due before `time`: message k is due k / rate
// seconds after the run's start. A hair under each boundary: omit and
// duration are whole multiples of the step as often as not, and floating
// point must not add one.
function scheduleIndex(track: SendTrack, time: number): number {
  const step = 1000 / (track.rate ?? Infinity);
  return Math.max(0, Math.ceil((time - track.runStart) / step - 1e-9));
}
