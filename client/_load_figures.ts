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
import { EARLY_MS } from "./_schedule.ts";
import { SHORT_STALL_MS, type Stall } from "./_pipeline_job.ts";
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

/**
 * How long before a stop a message may fall due and still not count as
 * never sent: a client on schedule has the messages of its last few
 * milliseconds pending, and a wait shorter than a short stall
 * (`SHORT_STALL_MS`) is no shortfall anywhere else either.
 */
const STOP_SLACK_MS = SHORT_STALL_MS;

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
   * Set when a timed run ended before its duration because failures had
   * stopped every connection: the seconds it ran, warm-up included. Its
   * rates cover only that time.
   */
  endedEarlyAfter?: number;
}

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
    const ms = now - plannedAt;
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
   * run's span if that is later (see `#scheduleEnd`); a counted run
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
    return Math.max(this.#lastEchoAt, this.#scheduleEnd(limits), failedAt);
  }

  // Under a rate, the schedule's span: a timed run's lasts to its deadline
  // (or to when it stopped), so that messages that were due and never sent
  // (a stall longer than the late-send allowance) lower the achieved rate
  // rather than vanish; a counted run's ends one step (1 / rate) after its
  // last message was due, or was sent if that was late. Ending at the last
  // echo instead would put a run that kept its schedule above its rate, by
  // up to D / (D - 1 / rate).
  // Without a rate, a timed run's span is still its duration: a server that
  // stops answering halfway must halve the rates, as wrk's and iperf3's
  // wall-clock figures do, not leave them as they were before the stall.
  #scheduleEnd(limits: RunLimits): number {
    const { rate } = this.#config;
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
    const last = Math.max(this.#lastPlannedAt, this.#lastSendAt - EARLY_MS);
    // Never shorter than the schedule takes to send what was sent: a last
    // send that went up to EARLY_MS early must not put the rates above it.
    const step = Math.max(
      last + 1000 / rate,
      this.started + this.#sent * 1000 / rate,
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

  // Messages the schedule had due from the warm-up's end to the run's (its
  // deadline, or STOP_SLACK_MS before it was stopped; a counted run's every
  // round), the
  // slots taken together: message k of the run is due k / rate seconds
  // after its start.
  #dueBefore(limits: RunLimits, rate: number): number {
    const step = 1000 / rate;
    const deadline = limits.deadline ?? Infinity;
    const stoppedAt = limits.stoppedAt ?? Infinity;
    // Those due in the last moments before a stop had no fair chance yet.
    const end = stoppedAt < deadline ? stoppedAt - STOP_SLACK_MS : deadline;
    const { rounds, connections } = this.#config;
    const all = rounds === null ? Infinity : rounds * connections;
    // A hair under each boundary: omit and duration are whole multiples of
    // the step as often as not, and floating point must not add one.
    const index = (time: number): number =>
      Math.max(0, Math.ceil((time - this.#runStart) / step - 1e-9));
    const last = Number.isFinite(end) ? Math.min(index(end), all) : all;
    return Number.isFinite(last)
      ? Math.max(0, last - index(this.#countFrom))
      : 0;
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
    const spanMs = this.#scheduleEnd(run) - started;
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
      : Math.max(0, this.#dueBefore(run, rate) - sent);
    const report: LoadReport = {
      schema: REPORT_SCHEMA,
      config,
      sources: 1,
      interrupted,
      durationSeconds: roundTo(seconds, 6),
      connectionsOpened: opened,
      connectionsPerSecond: roundTo(seconds > 0 ? churn / seconds : 0, 1),
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
      ...verdict,
      pipelineCap: pipelineCap(config, this.#uncorrected?.percentile(50)),
    };
  }
}
