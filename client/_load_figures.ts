/**
 * A load run's figures: what is counted of every send and echo once the
 * warm-up is over, the intervals, the progress line, and at the end the
 * {@linkcode LoadResult} (rates over the counted time, the achieved send
 * rate, latency statistics and histograms, and whether and why the client
 * fell behind its schedule). The run itself, in `load.ts`, drives the
 * connections and only hands this what happens.
 *
 * @module
 */

import type { FailureTally } from "./failures.ts";
import { LatencyRecorder } from "./latency.ts";
import { IntervalMeter } from "./_intervals.ts";
import { ProgressLine } from "./_progress_line.ts";
import type { Stall } from "./_pipeline_job.ts";
import {
  dueBefore,
  type RunLimits,
  scheduledBefore,
  scheduleEnd,
  type SendTrack,
} from "./_run_span.ts";
import { judgeRun, pipelineCap, type Verdict } from "./_load_verdict.ts";
import type { PauseWatch } from "./_pauses.ts";
import {
  type IntervalReport,
  type LoadConfig,
  type LoadReport,
  REPORT_SCHEMA,
  roundRate,
  roundTo,
} from "./load_report.ts";

/** What {@linkcode runLoad} resolves. */
export interface LoadResult extends Verdict {
  /** The report, as `--json` prints it. */
  report: LoadReport;
  /** The failures by kind, with the first one's message. */
  failures: FailureTally;
  /**
   * Under `rate`, the round trips per second its pipelines allow at their
   * usual round trip (connections x pipeline / the median uncorrected
   * latency), when that is under 99% of the rate asked; else null.
   */
  pipelineCap: number | null;
  /**
   * The schedule's span, in seconds from the warm-up's end: what the rates
   * are over under `rate` (see `scheduleEnd`).
   */
  spanSeconds: number;
  /**
   * The span the schedule alone gives, as if every send had gone on time:
   * past the duration only when the rate's step does not fit it whole.
   */
  scheduleSpanSeconds: number;
  /** Under `rate`, the messages the schedule had due in the counted run. */
  dueInRun: number;
  /**
   * Set when a timed run ended before its duration because failures had
   * stopped every connection: the seconds it ran, warm-up included. Its
   * rates cover only that time.
   */
  endedEarlyAfter?: number;
}

/** What {@linkcode LoadFigures} counts against. */
export interface LoadFiguresOptions {
  /** What was asked. */
  config: LoadConfig;
  /** The run's failures by kind (the connector adds to them too). */
  failures: FailureTally;
  /** The connect latencies the connector records. */
  connectLatency: LatencyRecorder;
  /**
   * The client's own pauses, under a rate: a stall's wait counts only the
   * time the client was running, and the longest pause as a late wake.
   */
  pauses?: PauseWatch;
}

/**
 * The counted figures of one run. The per-message callbacks are bound
 * once, as properties, so that handing them to every connection costs
 * nothing per message.
 *
 * @example
 * ```ts ignore
 * const figures = new LoadFigures({ config, failures, connectLatency });
 * const start = performance.now();
 * figures.begin(start, start); // no warm-up
 * figures.startCounting(2);
 * // ... connections call figures.onSend and figures.onEcho
 * const result = figures.result(figures.end({}), {
 *   opened: 2,
 *   interrupted: false,
 * });
 * ```
 */
export class LoadFigures {
  /** Round trips counted. */
  roundTrips = 0;
  /** When counting began (after any warm-up). */
  started: number = performance.now();
  /** True once counting began. */
  counting = false;
  #config: LoadConfig;
  #failures: FailureTally;
  #connectLatency: LatencyRecorder;
  #latency = new LatencyRecorder();
  // Only under a rate: a closed loop sends each message as it is due.
  #uncorrected: LatencyRecorder | undefined;
  #meter: IntervalMeter | undefined;
  #sent = 0;
  #lastPlannedAt = this.started;
  #lastSendAt = this.started;
  #lastEchoAt = 0;
  #openedBefore = 0;
  #progress = new ProgressLine({
    runStart: this.started,
    countFrom: this.started,
    omitSeconds: 0,
  });
  // Every echo, warm-up included: what the live progress line shows.
  #allTrips = 0;
  // Messages due before this are the warm-up's, whenever they complete.
  #countFrom = -Infinity;
  /** When the run began, its warm-up included. */
  #runStart = 0;
  #longestWaitMs = 0;
  #longestLateWakeMs = 0;
  #pauses: PauseWatch | undefined;

  /**
   * Counts against `options.config`; the uncorrected latency is kept only
   * under a rate, where it differs from the scheduled one.
   */
  constructor(options: LoadFiguresOptions) {
    this.#config = options.config;
    this.#failures = options.failures;
    this.#connectLatency = options.connectLatency;
    this.#pauses = options.pauses;
    if (options.config.rate !== null) {
      this.#uncorrected = new LatencyRecorder();
    }
  }

  /** Counts a message handed to the OS at `at`, by when it was due. */
  onSend = (at: number, plannedAt: number): void => {
    if (plannedAt < this.#countFrom) return;
    this.#sent++;
    this.#lastPlannedAt = plannedAt;
    this.#lastSendAt = at;
  };

  /** Counts a stall that held a due message back, unless in the warm-up. */
  onStall = ({ plannedAt, ms, endedAt }: Stall): void => {
    if (plannedAt < this.#countFrom) return;
    // An echo may have waited in the socket's buffer while the client was
    // stopped or starved: that part of the wait was never the server's.
    const own = this.#pauses?.heldBack(endedAt - ms, endedAt) ?? 0;
    this.#longestWaitMs = Math.max(this.#longestWaitMs, ms - own);
  };

  /** Counts a late wake of the client's own, unless in the warm-up. */
  onLateWake = ({ plannedAt, ms }: Stall): void => {
    if (plannedAt < this.#countFrom) return;
    this.#longestLateWakeMs = Math.max(this.#longestLateWakeMs, ms);
  };

  /** Counts a whole echo: its planned and actual send times, and now. */
  onEcho = (plannedAt: number, sentAt: number, now: number): void => {
    this.#allTrips++;
    if (plannedAt < this.#countFrom) return;
    // Sent a timer tick early: from the actual send, not the later due
    // time, as the uncorrected latency is.
    const ms = now - Math.min(plannedAt, sentAt);
    this.#latency.record(ms);
    this.#meter?.record(ms);
    this.#uncorrected?.record(now - sentAt);
    this.roundTrips++;
    this.#lastEchoAt = now;
  };

  /**
   * The figures are of messages due from `countFrom` on (the end of a
   * warm-up, fixed in advance as iperf3's `-O` is): one due before then
   * is left out whenever it completes, and one due after is counted even
   * if the warm-up's timer fires late (a stopped or busy client). The
   * run (and its schedule) began at `runStart`.
   */
  begin(countFrom: number, runStart: number): void {
    this.#countFrom = countFrom;
    this.started = countFrom;
    this.#lastPlannedAt = countFrom;
    this.#lastSendAt = countFrom;
    this.#runStart = runStart;
    this.#progress = new ProgressLine({
      runStart,
      countFrom,
      omitSeconds: this.#config.omitSeconds,
    });
  }

  /**
   * The warm-up is over, with `opened` connections open: they are no
   * churn.
   */
  startCounting(opened: number): void {
    this.counting = true;
    this.#openedBefore = opened;
  }

  /** The run ended at `now`, inside its warm-up: nothing was counted. */
  endedInWarmUp(now: number, opened: number): void {
    this.started = now;
    this.#openedBefore = opened;
  }

  /** Starts cutting the counted time into intervals. */
  startIntervals(): void {
    // Failures of the warm-up are not the first interval's; without one,
    // the first connects' are, or the intervals' errors would not add up
    // to the run's.
    const { intervalSeconds, omitSeconds, size } = this.#config;
    this.#meter = new IntervalMeter(this.started, size, {
      errors: omitSeconds > 0 ? this.#failures.total : 0,
      foldMs: (intervalSeconds ?? 0) * 100,
    });
  }

  /** Where the intervals reported so far end; -Infinity without any. */
  get intervalStart(): number {
    return this.#meter?.start ?? -Infinity;
  }

  /** Closes the current interval at `now` (see `IntervalMeter.close`). */
  closeInterval(
    now: number,
    options: { last?: boolean } = {},
  ): IntervalReport[] {
    return this.#meter?.close(now, {
      roundTrips: this.roundTrips,
      errors: this.#failures.total,
      last: options.last,
    }) ?? [];
  }

  /** Closes the current interval at `now` and holds it back (see `IntervalMeter.hold`). */
  holdInterval(now: number): void {
    this.#meter?.hold(now, {
      roundTrips: this.roundTrips,
      errors: this.#failures.total,
    });
  }

  /** Reports the held intervals that the last echo shows the run outlasted. */
  releaseIntervals(): IntervalReport[] {
    return this.#meter?.release(this.#lastEchoAt) ?? [];
  }

  /** The live progress line at `now` (see {@linkcode ProgressLine}). */
  progressLine(now: number): string {
    return this.#progress.line(now, {
      allTrips: this.#allTrips,
      errors: this.#failures.total,
      p99: () => this.#latency.percentile(99),
    });
  }

  /**
   * When the counted time ends: at the last echo, or at the end of the
   * run's span if that is later (see `scheduleEnd`); a counted run
   * short of its round trips at its last failure if that came later
   * still, as the time it waited for an echo that never came is the run's
   * (a timed run's wait after its deadline is not: those echoes were due
   * by its end).
   */
  end(limits: RunLimits): number {
    const { rounds, connections } = this.#config;
    // Once every round trip is in, a failure (a reset as the server
    // closes) came during the wait for its close, which is not the run's.
    const waitedFor = rounds !== null &&
      this.roundTrips < rounds * connections;
    const failedAt = waitedFor
      ? Math.min(this.#failures.lastAt, limits.stoppedAt ?? Infinity)
      : -Infinity;
    return Math.max(
      this.#lastEchoAt,
      scheduleEnd(this.#track(), limits),
      failedAt,
    );
  }

  // What the span is drawn from: read only at the end of a run.
  #track(): SendTrack {
    const { rate, rounds, connections } = this.#config;
    return {
      rate,
      rounds,
      connections,
      runStart: this.#runStart,
      countFrom: this.#countFrom,
      started: this.started,
      sent: this.#sent,
      lastPlannedAt: this.#lastPlannedAt,
      lastSendAt: this.#lastSendAt,
    };
  }

  /** The report and verdicts, for counted time ending at `end`. */
  result(
    end: number,
    run: RunLimits & {
      opened: number;
      interrupted: boolean;
      /** Milliseconds the slots stood empty while messages fell due. */
      emptyMs?: number;
      /** The part of `emptyMs` spent waiting for old connections' close. */
      closeWaitMs?: number;
    },
  ): LoadResult {
    const config = this.#config;
    const { rate, percentiles, size } = config;
    const { roundTrips, started } = this;
    const failures = this.#failures;
    const sent = this.#sent;
    const seconds = (end - started) / 1000;
    const perSecond = seconds > 0 ? roundTrips / seconds : 0;
    const track = this.#track();
    const spanMs = scheduleEnd(track, run) - started;
    const onTime = { ...track, lastSendAt: track.lastPlannedAt };
    // A span cut at a stop can be shorter than the schedule needed for
    // what was sent: every message then went out on time.
    const sentRate = rate === null || sent === 0
      ? 0
      : Math.min(rate, sent / (spanMs / 1000));
    const achieved = rate === null ? null : roundRate(sentRate);
    const { interrupted, opened } = run;
    const churn = opened - this.#openedBefore;
    const unsent = rate === null
      ? null
      : Math.max(0, dueBefore(track, run) - sent);
    const report: LoadReport = {
      schema: REPORT_SCHEMA,
      config,
      sources: 1,
      interrupted,
      durationSeconds: roundTo(seconds, 6),
      connectionsOpened: opened,
      connectionsPerSecond: roundRate(seconds > 0 ? churn / seconds : 0),
      roundTrips,
      roundTripsPerSecond: roundRate(perSecond),
      bytesPerSecond: Math.round(perSecond * size),
      achievedRate: achieved,
      unsentRoundTrips: unsent,
      latencyMs: this.#latency.stats(percentiles),
      uncorrectedLatencyMs: this.#uncorrected?.stats(percentiles) ?? null,
      connectLatencyMs: this.#connectLatency.stats(percentiles),
      errors: { ...failures.counts } as Record<string, number>,
      intervals: this.#meter?.intervals ?? [],
      histogram: this.#latency.encode(),
      uncorrectedHistogram: this.#uncorrected?.encode() ?? null,
      connectHistogram: this.#connectLatency.encode(),
    };
    const verdict = judgeRun({
      rate,
      connections: config.connections,
      pipeline: config.pipeline,
      lifetime: config.lifetime,
      sent,
      sentRate,
      scheduled: scheduledBefore(track, started + spanMs),
      spanMs,
      perSecond,
      uncorrectedMeanMs: report.uncorrectedLatencyMs?.mean ?? 0,
      cutShort: interrupted || failures.total > 0,
      longestWaitMs: this.#longestWaitMs,
      longestLateWakeMs: Math.max(
        this.#longestLateWakeMs,
        this.#pauses?.longestMs ?? 0,
      ),
      emptyMs: run.emptyMs ?? 0,
      closeWaitMs: run.closeWaitMs,
    });
    return {
      report,
      failures,
      spanSeconds: spanMs / 1000,
      scheduleSpanSeconds: (scheduleEnd(onTime, run) - started) / 1000,
      dueInRun: (unsent ?? 0) + sent,
      ...verdict,
      pipelineCap: pipelineCap(config, this.#uncorrected?.percentile(50)),
    };
  }
}
