/**
 * The slots of a load run: each keeps one connection open at a time, and
 * under `--lifetime` churn, or in a timed run after a failure, opens the
 * next in its place; the schedule runs on across them, so a slow
 * reconnect shows as latency. What the slots count (slots that gave up,
 * time a slot stood empty while messages fell due, slots still busy) is
 * the run's to weigh.
 *
 * @module
 */

import type { StreamSocket } from "../protocol/socket.ts";
import type { Connector } from "./_connect.ts";
import type { FailureTally } from "./failures.ts";
import type { LoadFigures } from "./_load_figures.ts";
import type { LoadPlan } from "./_load_options.ts";
import type { LiveConnections } from "./_live_connections.ts";
import { PipelinedConnection } from "./_pipeline.ts";
import { LATE_SEND_MS, SHORT_STALL_MS } from "./_pipeline_job.ts";
import type { Schedule } from "./_schedule.ts";

/** What the slots run on: the run's parts, and its times. */
export interface SlotsOptions {
  /** The run's plan. */
  plan: LoadPlan;
  /** Opens each slot's next connection. */
  connector: Connector;
  /** What every send and echo is counted in. */
  figures: LoadFigures;
  /** The run's failures, which a failed connect adds to. */
  failures: FailureTally;
  /** The connections open. */
  live: LiveConnections;
  /** When each slot's messages are due. */
  schedule: Schedule;
  /** A timed run's end of sending; Infinity for a counted run. */
  deadline: number;
  /** When the counted figures begin (after the warm-up). */
  countFrom: number;
  /** Aborted when a timed run's drain time is up. */
  drained: AbortSignal;
  /** Wakes a connection's writer at a planned time. */
  wakeAt(time: number, wake: () => void): void;
  /** The `--timeout` limit (see `PipelineJob.watchdogMs`). */
  watchdogMs?: number;
  /** Called once a counted run's every slot has its last echo. */
  onAllEchoed?(): void;
}

/**
 * The slots of one run.
 *
 * @example
 * ```ts ignore
 * const slots = new Slots({ plan, connector, figures, ... });
 * await slots.run(firstSockets);
 * slots.gaveUp; // slots whose connect failed
 * ```
 */
export class Slots {
  /** Slots that ended because their connect failed. */
  gaveUp = 0;
  /** Time, in ms, the slots stood without a connection while messages fell due. */
  emptyMs = 0;
  /**
   * The part of `emptyMs` spent waiting for the old connection's close
   * (the server's end of stream), when it could not wait on its own.
   */
  closeWaitMs = 0;
  /**
   * Slots still sending or awaiting echoes: a counted run's slot is over
   * at its last echo, a timed run's when its loop ends.
   */
  busy: number;
  #options: SlotsOptions;

  /** Slots for `options.plan.slots` connections. */
  constructor(options: SlotsOptions) {
    this.#options = options;
    this.busy = options.plan.slots;
  }

  /** Runs every slot, from its first socket (undefined: its connect failed). */
  async run(first: readonly (StreamSocket | undefined)[]): Promise<void> {
    this.gaveUp += first.filter((socket) => socket === undefined).length;
    await Promise.all(first.map((socket, slot) => this.#runSlot(slot, socket)));
  }

  // One slot: its connection, and the ones replacing it under --lifetime
  // or, in a timed run, after a failure; the schedule runs on across them,
  // so a slow reconnect shows as latency.
  async #runSlot(
    slot: number,
    socket: StreamSocket | undefined,
  ): Promise<void> {
    let busy = true;
    // A counted run's last echo ends its intervals, though the connection
    // may wait on for a server that keeps it open; a timed run's go on to
    // its deadline, though its churn ended sooner.
    const over = (): void => {
      if (!busy) return;
      busy = false;
      if (--this.busy === 0 && this.#options.plan.durationMs === undefined) {
        this.#options.onAllEchoed?.();
      }
    };
    try {
      await this.#slotLoop(slot, socket, over);
    } finally {
      over();
    }
  }

  async #slotLoop(
    slot: number,
    first: StreamSocket | undefined,
    over: () => void,
  ): Promise<void> {
    const { plan, connector, figures, live, schedule, deadline } =
      this.#options;
    const { rounds, lifetime, durationMs } = plan;
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
        payload: plan.payload,
        window: plan.window,
        limit,
        deadline,
        plannedAt: (i) => schedule.plannedAt(slot, base + i),
        wakeAt: this.#options.wakeAt,
        onSend: figures.onSend,
        onEcho: figures.onEcho,
        onStall: figures.onStall,
        onLateWake: figures.onLateWake,
        watchdogMs: this.#options.watchdogMs,
        onDone: () => {
          echoedAt = performance.now();
          echoed.resolve("echoed");
          if (base + connection.sent === rounds) over();
        },
      });
      const running = live.run(connection);
      // Under churn the slot goes on once every echo is in: the old
      // connection waits for the server's close on its own, so a server
      // that keeps half-closed connections open does not slow the churn
      // (in a timed run, as many at a time as the open-file limit leaves
      // room for; beyond, and in a counted run, the slot waits for it).
      const enough = live.mayLinger ? echoed.promise : running;
      const outcome = await Promise.race([running, enough]);
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
        figures.onStall({ plannedAt: planned!, ms: waited, endedAt: freedAt });
      }
      // Under --rate a slot that fell behind has its next message long due:
      // the clock, too, ends churn, at the deadline after a failure, else
      // where a late send still may go (LATE_SEND_MS after it).
      const lastChance = deadline +
        (failed || planned === undefined ? 0 : LATE_SEND_MS);
      if (
        finished || connector.stopped || next >= deadline ||
        now >= lastChance
      ) {
        if (outcome === "echoed") await running;
        return;
      }
      if (outcome === "echoed") live.linger(connection, running);
      // A replacement is due no later than the deadline, and its connect
      // is given up at the drain, so churn cannot run past the duration.
      const failuresBefore = this.#options.failures.total;
      // From the last echo: a wait for the old connection's close, when it
      // could not linger, left the slot without a connection too.
      const dueFrom = Math.max(freedAt, next);
      socket = await connector.open(slot, {
        before: deadline,
        until: this.#options.drained,
      });
      const failedToOpen = this.#options.failures.total > failuresBefore;
      if (socket === undefined && failedToOpen) this.gaveUp++;
      // No replacement in time (the next connect's turn came after the
      // deadline): the slot stood empty for the rest of the run.
      const refilled = socket !== undefined || failedToOpen ||
          connector.stopped
        ? performance.now()
        : deadline;
      const from = Math.max(dueFrom, this.#options.countFrom);
      this.emptyMs += Math.max(0, refilled - from);
      this.closeWaitMs += Math.max(0, now - from);
    }
  }
}
