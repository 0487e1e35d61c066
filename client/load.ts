/**
 * The multi-connection client's load mode: every connection runs pipelined
 * round trips (closed-loop, or open-loop on the `--rate` schedule) for a
 * time or a count, and the run ends with one {@linkcode LoadReport}:
 * throughput, corrected and uncorrected latency, connect latency, errors by
 * kind, interval figures and the histograms.
 *
 * @module
 */

import { type Reporter, SILENT } from "../output/reporter.ts";
import { LatencyRecorder } from "./latency.ts";
import { type IntervalReport, roundTo } from "./load_report.ts";
import { LoadFigures, type LoadResult } from "./_load_figures.ts";
import { NetError } from "../protocol/errors.ts";
import { FailureTally } from "./failures.ts";
import { Connector } from "./_connect.ts";
import { EARLY_MS, Schedule, sleepUntil, Ticker } from "./_schedule.ts";
import { LiveConnections } from "./_live_connections.ts";
import { Slots } from "./_load_slots.ts";
import { PauseWatch } from "./_pauses.ts";
import {
  DRAIN_MS,
  type LoadOptions,
  type LoadPlan,
  planLoad,
} from "./_load_options.ts";

export { formatInterval, formatLoadReport } from "./load_report.ts";
export {
  connectionsToOpen,
  DEFAULT_LOAD_DURATION_MS,
  DEFAULT_LOAD_SIZE,
  DEFAULT_PIPELINE,
  DRAIN_MS,
  type LoadOptions,
  MAX_LOAD_SIZE,
  MAX_PIPELINE,
  MAX_RATE,
} from "./_load_options.ts";
export type { IntervalReport, LoadReport } from "./load_report.ts";
export type { LoadResult } from "./_load_figures.ts";
export type { Verdict } from "./_load_verdict.ts";

/** The watchdog's shortest wait between looks, in ms. */
const WATCHDOG_MIN_MS = 10;

/**
 * Opens the connections (at most 128 connects in flight, paced by
 * `connectRate`), starts the clock, then runs round trips on all of them
 * until the time is up or each slot has done its rounds. A connection stops
 * at its first failure (reset, closed, different or extra bytes, timeout),
 * counted by kind; the others go on, and in a timed run a new connection
 * takes the failed one's slot. Under `lifetime`, a connection that did its
 * round trips closes and a new one takes its slot.
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
  return await new LoadRun(options).run();
}

type Timer = ReturnType<typeof setTimeout>;

/**
 * One load run's state: what it measures, the connections it runs and
 * the timers that watch them. The per-message callbacks are bound once.
 */
class LoadRun {
  #options: LoadOptions;
  #plan: LoadPlan;
  #reporter: Reporter;
  #connector: Connector;
  #failures = new FailureTally();
  #figures: LoadFigures;
  #live: LiveConnections;
  #ticker = new Ticker();
  #pauses: PauseWatch | undefined;
  #timers: Timer[] = [];
  #watchdog: Timer | undefined;
  #deadline = Infinity;
  /** Aborted when a timed run's drain time is up. */
  #drained = new AbortController();
  /** The slots, once their first connections are open (the run runs). */
  #slots: Slots | undefined;
  /** False when a stop came after a counted run's round trips were done. */
  #cutShort = true;
  #intervalTimer: Timer | undefined;
  #interruptedAt = Infinity;

  constructor(options: LoadOptions) {
    this.#options = options;
    this.#plan = planLoad(options);
    this.#reporter = options.reporter ?? SILENT;
    const connectLatency = new LatencyRecorder();
    // Only a schedule's waits are weighed as stalls.
    if (this.#plan.rate !== undefined) this.#pauses = new PauseWatch();
    this.#figures = new LoadFigures({
      config: this.#plan.config,
      failures: this.#failures,
      connectLatency,
      pauses: this.#pauses,
    });
    this.#connector = new Connector({
      endpoint: this.#plan.endpoint,
      connections: this.#plan.slots,
      reporter: this.#reporter,
      signal: options.signal,
      connectOptions: options.connectOptions,
      connectTimeoutMs: this.#plan.connectTimeoutMs,
      connectRate: options.connectRate,
      connectLatency,
      onFailure: (failure) => this.#failures.add(failure),
    });
    // Only a timed run's churned connections wait for the server's close
    // on their own: a counted run's slot stops at its connection's error,
    // which may come in that wait (a reset answering the end of stream).
    const churns = this.#plan.lifetime !== undefined &&
      this.#plan.durationMs !== undefined;
    this.#live = new LiveConnections({
      failures: this.#failures,
      stopped: () => this.#connector.stopped,
      linger: churns
        ? { slots: this.#plan.slots, fileLimit: this.#connector.fileLimit }
        : undefined,
    });
    this.#connector.signal.addEventListener("abort", this.#stop, {
      once: true,
    });
  }

  async run(): Promise<LoadResult> {
    const { slots, durationMs, omitMs, rate } = this.#plan;
    try {
      const first = await Promise.all(
        Array.from({ length: slots }, (_, slot) => this.#connector.open(slot)),
      );
      const { limitError } = this.#connector;
      if (limitError) {
        for (const socket of first) socket?.close();
        throw limitError;
      }
      const started = performance.now();
      const countFrom = started + omitMs;
      this.#figures.begin(countFrom, started);
      this.#pauses?.start();
      if (durationMs !== undefined) {
        const runMs = omitMs + durationMs;
        this.#deadline = started + runMs;
        this.#timers.push(setTimeout(this.#drain, runMs + DRAIN_MS));
      }
      const slotsRun = new Slots({
        plan: this.#plan,
        connector: this.#connector,
        figures: this.#figures,
        failures: this.#failures,
        live: this.#live,
        schedule: new Schedule({ rate, slots }, started),
        deadline: this.#deadline,
        countFrom,
        drained: this.#drained.signal,
        wakeAt: this.#wakeAt,
        watchdogMs: this.#options.timeoutMs,
        // A counted run's last echo ends its intervals, though a
        // connection may wait on for a server that keeps it open.
        onAllEchoed: () => clearInterval(this.#intervalTimer),
      });
      this.#slots = slotsRun;
      this.#startWatching();
      if (omitMs > 0) {
        this.#timers.push(setTimeout(this.#startCounting, omitMs));
      } else {
        this.#startCounting();
      }
      await slotsRun.run(first);
      await this.#live.settled();
      // A slot whose next connection would be due after the deadline (slow
      // --connect-rate churn) ends early; the run still lasts its duration.
      if (
        durationMs !== undefined && slotsRun.gaveUp < slots &&
        !this.#connector.stopped
      ) {
        await sleepUntil(this.#deadline, this.#connector.signal);
      }
      const ended = performance.now();
      // The wait for the deadline may wake a timer's tick early (EARLY_MS):
      // a run that ended within it lasted its whole duration.
      const endedEarly = durationMs !== undefined &&
        ended <= this.#deadline - EARLY_MS;
      // Out of file descriptors on a replacement connect: the connector
      // stopped every connection, which the run reports as its error.
      if (this.#connector.limitError !== undefined) {
        this.#failures.add(
          new NetError(
            "too-many-open-files",
            `cannot open a new connection to ${this.#connector.address}: the process reached its open-file limit, which stopped the run; raise ulimit -n or ask for fewer connections`,
          ),
        );
      }
      const figures = this.#figures;
      // A run that ended inside its warm-up measured nothing.
      if (!figures.counting) {
        figures.endedInWarmUp(ended, this.#connector.opened);
      }
      // The figures end at the last echo, or at a timed run's deadline if
      // that is later, never after the wait for a server that never
      // closes: the last interval ends there too, so that the intervals
      // add up to the run.
      const limits = {
        deadline: this.#deadline,
        // A timed run that ended before its deadline had every
        // connection fail; a counted one ends when its rounds are done.
        // A stop that cut nothing short (every echo in, nothing more due)
        // ends nothing: the span is the schedule's.
        stoppedAt: this.#cutShort
          ? Math.min(
            this.#interruptedAt,
            endedEarly ? ended : Infinity,
          )
          : Infinity,
      };
      // With no echo, the time counted is still the duration's, not the
      // drain's wait after it for echoes that never came. An interval
      // closed later than either still ran within the run: the time
      // counted reaches it, or the intervals would outlast the run.
      const end = Math.max(
        figures.intervalStart,
        figures.roundTrips === 0
          ? Math.max(
            figures.started,
            Math.min(ended, this.#deadline, limits.stoppedAt),
          )
          : figures.end(limits),
      );
      this.#closeInterval(end, { last: true });
      const result = figures.result(end, {
        ...limits,
        opened: this.#connector.opened,
        interrupted: this.#options.signal?.aborted === true && this.#cutShort,
        emptyMs: slotsRun.emptyMs,
        closeWaitMs: slotsRun.closeWaitMs,
      });
      // A slot of a timed run ends early only when a connect fails; when
      // every one did (or the open-file limit stopped them all), the run
      // ended before its duration (a run that never
      // opened a connection did not run at all: its errors say why).
      const allFailed = slotsRun.gaveUp === slots ||
        this.#connector.limitError !== undefined;
      if (
        durationMs !== undefined && allFailed &&
        this.#connector.opened > 0 && endedEarly &&
        !result.report.interrupted
      ) {
        result.endedEarlyAfter = roundTo((ended - started) / 1000, 2);
      }
      return result;
    } finally {
      for (const timer of this.#timers) clearTimeout(timer);
      clearTimeout(this.#watchdog);
      this.#pauses?.stop();
      this.#ticker.release();
      this.#connector.close();
    }
  }

  // On the caller's abort, or when the open-file limit was hit.
  #stop = (): void => {
    // A Ctrl-C in the wait for the server's close, every round trip done
    // (a counted run's rounds, or a timed run's echoes after its end),
    // cut nothing short: its figures are whole.
    if (this.#interruptedAt === Infinity) {
      this.#cutShort = !(this.#slots !== undefined && this.#allEchoed());
    }
    this.#interruptedAt = Math.min(this.#interruptedAt, performance.now());
    this.#ticker.release();
    this.#live.stop("interrupt");
  };

  // Every slot's work is done: a counted run's slots say so as their last
  // echo comes; a timed run's slot is busy until its loop ends, so each
  // busy one must have its connection sent and echoed in full.
  #allEchoed(): boolean {
    const busy = this.#slots?.busy ?? this.#plan.slots;
    if (this.#plan.durationMs === undefined) return busy === 0;
    return this.#live.done === busy;
  }

  #drain = (): void => {
    this.#drained.abort();
    this.#live.stop("drain");
  };

  #wakeAt = (time: number, wake: () => void): void => {
    this.#ticker.at(time, wake);
  };

  #startWatching(): void {
    const { timeoutMs } = this.#options;
    // The socket gets no timeout of its own: that would arm and clear a
    // timer on every read and write. One watchdog for all connections does
    // the same job (no progress within --timeout) at no cost per round
    // trip: it looks when the quietest connection would reach the limit,
    // from the connections' own send and read times, so that a stuck one
    // stops on time rather than up to a polling tick late.
    if (timeoutMs !== undefined) {
      const look = (): void => {
        const now = performance.now();
        const next = this.#live.stopStuck(now, timeoutMs);
        this.#watchdog = setTimeout(
          look,
          Math.max(WATCHDOG_MIN_MS, next - now),
        );
      };
      this.#watchdog = setTimeout(look, timeoutMs);
    }
    this.#timers.push(setInterval(() => {
      this.#reporter.progress(this.#figures.progressLine(performance.now()));
    }, 1000));
  }

  // The warm-up is over (or there is none). Which round trips count was
  // fixed at the start: those due from its nominal end on
  // (LoadFigures.begin), so a late timer moves nothing; this marks the end
  // for the churn count and starts the intervals. Connects and failures
  // during the warm-up still count.
  #startCounting = (): void => {
    this.#figures.startCounting(this.#connector.opened);
    const { intervalMs } = this.#options;
    if (intervalMs !== undefined) {
      this.#figures.startIntervals();
      this.#intervalTimer = setInterval(
        () => this.#intervalTick(intervalMs),
        intervalMs,
      );
      this.#timers.push(this.#intervalTimer);
    }
  };

  #intervalTick(ms: number): void {
    const now = performance.now();
    if (now < this.#deadline - ms / 10) {
      this.#closeInterval(now);
      return;
    }
    // Past the deadline with every echo in, what is left is the wait for
    // the server's close, which is no interval's: the final close ends the
    // last one, and takes in one still held.
    if (now >= this.#deadline && this.#allEchoed()) {
      clearInterval(this.#intervalTimer);
      return;
    }
    // From a tenth of an interval before the deadline on, the run may end
    // at any moment, or go on (late sends, late echoes): an interval is
    // held until an echo shows that the run outlasted it.
    this.#report(this.#figures.releaseIntervals());
    this.#figures.holdInterval(now);
  }

  #closeInterval(now: number, options: { last?: boolean } = {}): void {
    this.#report(this.#figures.closeInterval(now, options));
  }

  #report(intervals: IntervalReport[]): void {
    for (const interval of intervals) this.#options.onInterval?.(interval);
  }
}
