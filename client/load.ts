/**
 * The multi-connection client's load mode: every connection runs pipelined
 * round trips (closed-loop, or open-loop on the `--rate` schedule) for a
 * time or a count, and the run ends with one {@linkcode LoadReport}:
 * throughput, corrected and uncorrected latency, connect latency, errors by
 * kind, interval figures and the histograms.
 *
 * @module
 */

import type { StreamSocket } from "../protocol/socket.ts";
import { type Reporter, SILENT } from "../output/reporter.ts";
import { LatencyRecorder } from "./latency.ts";
import { roundTo } from "./load_report.ts";
import { LoadFigures, type LoadResult } from "./_load_figures.ts";
import { connectionFailure } from "./_many.ts";
import { NetError } from "../protocol/errors.ts";
import { FailureTally } from "./failures.ts";
import { Connector } from "./_connect.ts";
import { PipelinedConnection } from "./_pipeline.ts";
import { LATE_SEND_MS, SHORT_STALL_MS } from "./_pipeline_job.ts";
import { Schedule, sleepUntil, Ticker } from "./_schedule.ts";
import { openFileLimit } from "../system/open_files.ts";
import { type LoadOptions, type LoadPlan, planLoad } from "./_load_options.ts";

export { formatInterval, formatLoadReport } from "./load_report.ts";
export {
  DEFAULT_LOAD_DURATION_MS,
  DEFAULT_LOAD_SIZE,
  DEFAULT_PIPELINE,
  type LoadOptions,
  MAX_LOAD_SIZE,
  MAX_PIPELINE,
} from "./_load_options.ts";
export type { IntervalReport, LoadReport } from "./load_report.ts";
export type { LoadResult } from "./_load_figures.ts";
export type { Verdict } from "./_load_verdict.ts";

/**
 * How long round trips still in flight when the time is up may take before
 * they are abandoned and counted as timed out. One timer waits for the
 * warm-up, the duration and this together, so they must fit in one.
 */
export const DRAIN_MS = 2_000;

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

/** Most churned connections left to wait for their server's close at once. */
const MAX_LINGERING = 4096;

/** Descriptors the runtime and the process hold besides the connections. */
const RUNTIME_FILES = 64;

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
  #active = new Set<PipelinedConnection>();
  #ticker = new Ticker();
  #timers: Timer[] = [];
  #deadline = Infinity;
  /** Aborted when a timed run's drain time is up. */
  #drained = new AbortController();
  /** Slots that ended because their connect failed. */
  #gaveUp = 0;
  /** Slots of a counted run still sending or awaiting echoes. */
  #slotsBusy = 0;
  /** True once the slots run (their connections opened). */
  #running = false;
  /** False when a stop came after a counted run's round trips were done. */
  #cutShort = true;
  #intervalTimer: Timer | undefined;
  #interruptedAt = Infinity;
  /** When the counted figures begin (after the warm-up). */
  #countFrom = 0;
  /** Time the slots stood without a connection while messages fell due. */
  #emptyMs = 0;
  /** Churned connections, every echo in, waiting for the server's close. */
  #lingering = new Map<PipelinedConnection, Promise<unknown>>();
  /** Most connections lingering at once. */
  #lingerRoom = 0;

  constructor(options: LoadOptions) {
    this.#options = options;
    this.#plan = planLoad(options);
    this.#reporter = options.reporter ?? SILENT;
    if (this.#plan.lifetime !== undefined) {
      // Room left by the slots' own connections and the runtime's files.
      const spare = (openFileLimit() ?? 1024) - this.#plan.slots -
        RUNTIME_FILES;
      this.#lingerRoom = Math.max(0, Math.min(MAX_LINGERING, spare));
    }
    const connectLatency = new LatencyRecorder();
    this.#figures = new LoadFigures({
      config: this.#plan.config,
      failures: this.#failures,
      connectLatency,
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
      this.#countFrom = started + omitMs;
      this.#figures.begin(this.#countFrom, started);
      const schedule = new Schedule({ rate, slots }, started);
      this.#slotsBusy = slots;
      this.#running = true;
      if (durationMs !== undefined) {
        const runMs = omitMs + durationMs;
        this.#deadline = started + runMs;
        this.#timers.push(setTimeout(this.#drain, runMs + DRAIN_MS));
      }
      this.#startWatching();
      if (omitMs > 0) {
        this.#timers.push(setTimeout(this.#startCounting, omitMs));
      } else {
        this.#startCounting();
      }
      this.#gaveUp += first.filter((socket) => socket === undefined).length;
      await Promise.all(
        first.map((socket, slot) => this.#runSlot(slot, socket, schedule)),
      );
      await Promise.all(this.#lingering.values());
      // A slot whose next connection would be due after the deadline (slow
      // --connect-rate churn) ends early; the run still lasts its duration.
      if (
        durationMs !== undefined && this.#gaveUp < slots &&
        !this.#connector.stopped
      ) {
        await sleepUntil(this.#deadline, this.#connector.signal);
      }
      const ended = performance.now();
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
            ended < this.#deadline && durationMs !== undefined
              ? ended
              : Infinity,
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
      this.#closeInterval(end, true);
      const result = figures.result(end, {
        ...limits,
        opened: this.#connector.opened,
        interrupted: this.#options.signal?.aborted === true && this.#cutShort,
        emptyMs: this.#emptyMs,
      });
      // A slot of a timed run ends early only when a connect fails; when
      // every one did (or the open-file limit stopped them all), the run
      // ended before its duration (a run that never
      // opened a connection did not run at all: its errors say why).
      const allFailed = this.#gaveUp === slots ||
        this.#connector.limitError !== undefined;
      if (
        durationMs !== undefined && allFailed &&
        this.#connector.opened > 0 && ended < this.#deadline &&
        !result.report.interrupted
      ) {
        result.endedEarlyAfter = roundTo((ended - started) / 1000, 2);
      }
      return result;
    } finally {
      for (const timer of this.#timers) clearTimeout(timer);
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
      this.#cutShort = !(this.#running && this.#allEchoed());
    }
    this.#interruptedAt = Math.min(this.#interruptedAt, performance.now());
    this.#ticker.release();
    for (const connection of this.#active) connection.stop("interrupt");
  };

  // Every slot's work is done: a counted run's slots say so as their last
  // echo comes; a timed run's slot is busy until its loop ends, so each
  // busy one must have its connection sent and echoed in full.
  #allEchoed(): boolean {
    if (this.#plan.durationMs === undefined) return this.#slotsBusy === 0;
    let done = 0;
    for (const connection of this.#active) {
      // A lingering one's slot has moved on to its next connection.
      if (connection.done && !this.#lingering.has(connection)) done++;
    }
    return done === this.#slotsBusy;
  }

  #drain = (): void => {
    this.#drained.abort();
    for (const connection of this.#active) connection.stop("drain");
  };

  // One slot: its connection, and the ones replacing it under --lifetime
  // or, in a timed run, after a failure; the schedule runs on across them,
  // so a slow reconnect shows as latency.
  async #runSlot(
    slot: number,
    socket: StreamSocket | undefined,
    schedule: Schedule,
  ): Promise<void> {
    let busy = true;
    // A counted run's last echo ends its intervals, though the connection
    // may wait on for a server that keeps it open; a timed run's go on to
    // its deadline, though its churn ended sooner.
    const over = (): void => {
      if (!busy) return;
      busy = false;
      if (--this.#slotsBusy === 0 && this.#plan.durationMs === undefined) {
        clearInterval(this.#intervalTimer);
      }
    };
    try {
      await this.#slotLoop(slot, socket, schedule, over);
    } finally {
      over();
    }
  }

  async #slotLoop(
    slot: number,
    first: StreamSocket | undefined,
    schedule: Schedule,
    over: () => void,
  ): Promise<void> {
    const { rounds, lifetime, durationMs } = this.#plan;
    const connector = this.#connector;
    let socket = first;
    let index = 0;
    while (socket !== undefined) {
      // Interrupted while this one was still connecting.
      if (connector.stopped) {
        socket.close();
        return;
      }
      const base = index;
      const echoed = Promise.withResolvers<"echoed">();
      let echoedAt: number | undefined;
      const left = rounds === undefined ? Infinity : rounds - index;
      const limit = Math.min(left, lifetime ?? Infinity);
      const connection = new PipelinedConnection(socket, {
        payload: this.#plan.payload,
        window: this.#plan.window,
        limit,
        deadline: this.#deadline,
        plannedAt: (i) => schedule.plannedAt(slot, base + i),
        wakeAt: this.#wakeAt,
        onSend: this.#figures.onSend,
        onEcho: this.#figures.onEcho,
        onStall: this.#figures.onStall,
        onLateWake: this.#figures.onLateWake,
        watchdogMs: this.#options.timeoutMs,
        onDone: () => {
          echoedAt = performance.now();
          echoed.resolve("echoed");
          if (base + connection.sent === rounds) over();
        },
      });
      this.#active.add(connection);
      const running = this.#runConnection(connection);
      // Under churn the slot goes on once every echo is in: the old
      // connection waits for the server's close on its own, so a server
      // that keeps half-closed connections open does not slow the churn
      // (as many at a time as the open-file limit leaves room for; beyond,
      // the slot waits for the close).
      const lingers = lifetime !== undefined &&
        this.#lingering.size < this.#lingerRoom;
      const outcome =
        await (lingers ? Promise.race([running, echoed.promise]) : running);
      if (outcome === "stopped") return;
      // A counted run ends at its first failure; a timed one keeps its
      // load, as wrk does, with a new connection in the failed one's
      // slot (its messages in flight are lost and counted in the error).
      if (outcome === "failed" && durationMs === undefined) return;
      const failed = outcome === "failed";
      index += connection.sent;
      // No replacement that would have nothing left to send.
      const planned = schedule.plannedAt(slot, index);
      const now = performance.now();
      const next = planned ?? now;
      const finished = !failed &&
        (connection.sent < limit || index === rounds);
      // Its --lifetime's last echoes kept the slot's next message waiting
      // (since it was due, or since the last send if that came later: the
      // slot's lag before then was not this wait): a stall as much as a
      // full pipeline's (see PipelineJob.onStall).
      const freedAt = echoedAt ?? now;
      const waited = planned === undefined
        ? 0
        : freedAt - Math.max(planned, connection.lastSentAt);
      if (!failed && waited >= SHORT_STALL_MS) {
        this.#figures.onStall({ plannedAt: planned!, ms: waited });
      }
      // Under --rate a slot that fell behind has its next message long due:
      // the clock, too, ends churn, at the deadline after a failure, else
      // where a late send still may go (LATE_SEND_MS after it).
      const lastChance = this.#deadline +
        (failed || planned === undefined ? 0 : LATE_SEND_MS);
      if (
        finished || connector.stopped || next >= this.#deadline ||
        now >= lastChance
      ) {
        if (outcome === "echoed") await running;
        return;
      }
      if (outcome === "echoed") {
        this.#lingering.set(connection, running);
        running.then(() => this.#lingering.delete(connection));
      }
      // A replacement is due no later than the deadline, and its connect
      // is given up at the drain, so churn cannot run past the duration.
      const failuresBefore = this.#failures.total;
      // From the last echo: a wait for the old connection's close, when it
      // could not linger, left the slot without a connection too.
      const dueFrom = Math.max(freedAt, next);
      socket = await connector.open(slot, {
        before: this.#deadline,
        until: this.#drained.signal,
      });
      const failedToOpen = this.#failures.total > failuresBefore;
      if (socket === undefined && failedToOpen) this.#gaveUp++;
      // No replacement in time (the next connect's turn came after the
      // deadline): the slot stood empty for the rest of the run.
      const refilled = socket !== undefined || failedToOpen ||
          connector.stopped
        ? performance.now()
        : this.#deadline;
      this.#emptyMs += Math.max(
        0,
        refilled - Math.max(dueFrom, this.#countFrom),
      );
    }
  }

  // A connection's run to its close, its failure counted unless the run
  // was stopped.
  async #runConnection(
    connection: PipelinedConnection,
  ): Promise<"done" | "failed" | "stopped"> {
    try {
      await connection.run();
      return "done";
    } catch (error) {
      if (this.#connector.stopped) return "stopped";
      this.#failures.add(connectionFailure(error, connection.socket.peer));
      return "failed";
    } finally {
      this.#active.delete(connection);
    }
  }

  #wakeAt = (time: number, wake: () => void): void => {
    this.#ticker.at(time, wake);
  };

  #startWatching(): void {
    const { timeoutMs } = this.#options;
    // The socket gets no timeout of its own: that would arm and clear a
    // timer on every read and write. One watchdog for all connections does
    // the same job (no progress within --timeout) at no cost per round trip.
    if (timeoutMs !== undefined) {
      this.#timers.push(setInterval(
        () => this.#stopStuck(timeoutMs),
        Math.min(1000, Math.max(10, timeoutMs / 4)),
      ));
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

  #stopStuck(limitMs: number): void {
    const now = performance.now();
    for (const connection of this.#active) {
      // Asked of every connection at every tick, so that quiet time counts
      // from the last byte moved; but a connection waiting for its next
      // scheduled send is idle, not stuck.
      const quiet = connection.socket.quietFor(now);
      if (connection.inFlight > 0 && quiet >= limitMs) {
        connection.stop("watchdog");
      }
    }
  }

  #intervalTick(ms: number): void {
    const now = performance.now();
    // The tick at the duration's end would leave a sliver of an interval
    // for the last echoes: the final interval runs to the end instead.
    if (now < this.#deadline - ms / 10) this.#closeInterval(now, false);
  }

  #closeInterval(now: number, last: boolean): void {
    const interval = this.#figures.closeInterval(now, last);
    if (interval) this.#options.onInterval?.(interval);
  }
}
