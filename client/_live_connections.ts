/**
 * The live connections of a load run: each one's run to its close, with
 * its failure counted; under churn, the ones whose every echo is in left
 * to wait for their server's close on their own (lingering), so that a
 * server that keeps half-closed connections open does not slow the churn;
 * and the stops a run makes of all of them (a drain, Ctrl-C, the
 * watchdog).
 *
 * @module
 */

import type { FailureTally } from "./failures.ts";
import { connectionFailure } from "./_many.ts";
import type { PipelinedConnection } from "./_pipeline.ts";
import type { StopReason } from "./_pipeline_job.ts";

/** Most churned connections left to wait for their server's close at once. */
const MAX_LINGERING = 4096;

/** Descriptors the runtime and the process hold besides the connections. */
const RUNTIME_FILES = 64;

/** How a connection's run ended. */
export type Outcome = "done" | "failed" | "stopped";

/** What {@linkcode LiveConnections} needs of its run. */
export interface LiveConnectionsOptions {
  /** Where a connection's failure is counted. */
  failures: FailureTally;
  /** True once the run was stopped: a failure then is no failure. */
  stopped(): boolean;
  /**
   * Under a timed run's churn, the connections the run keeps open at once
   * (its slots) and the open-file limit (undefined: unknown), which bound
   * how many may linger; without, none may.
   */
  linger?: { slots: number; fileLimit: number | undefined };
}

/**
 * The connections a load run has open.
 *
 * @example
 * ```ts ignore
 * const live = new LiveConnections({ failures, stopped: () => false });
 * const outcome = await live.run(connection); // "done"
 * ```
 */
export class LiveConnections {
  #options: LiveConnectionsOptions;
  #active = new Set<PipelinedConnection>();
  #lingering = new Map<PipelinedConnection, Promise<Outcome>>();
  #lingerRoom = 0;

  /** Counts into `options.failures`; lingering as the open-file limit allows. */
  constructor(options: LiveConnectionsOptions) {
    this.#options = options;
    if (options.linger !== undefined) {
      // Room left by the slots' own connections and the runtime's files.
      const { slots, fileLimit } = options.linger;
      const spare = (fileLimit ?? 1024) - slots - RUNTIME_FILES;
      this.#lingerRoom = Math.max(0, Math.min(MAX_LINGERING, spare));
    }
  }

  /** True when one more connection may wait for its close on its own. */
  get mayLinger(): boolean {
    return this.#lingering.size < this.#lingerRoom;
  }

  /**
   * Runs `connection` to its close; its failure is counted, unless the
   * run was stopped.
   */
  async run(connection: PipelinedConnection): Promise<Outcome> {
    this.#active.add(connection);
    try {
      await connection.run();
      return "done";
    } catch (error) {
      if (this.#options.stopped()) return "stopped";
      this.#options.failures.add(
        connectionFailure(error, connection.socket.peer),
      );
      return "failed";
    } finally {
      this.#active.delete(connection);
    }
  }

  /** Leaves `connection`, every echo in, to end `running` on its own. */
  linger(connection: PipelinedConnection, running: Promise<Outcome>): void {
    this.#lingering.set(connection, running);
    running.then(() => this.#lingering.delete(connection));
  }

  /** Resolves once every lingering connection has closed. */
  async settled(): Promise<void> {
    await Promise.all(this.#lingering.values());
  }

  /**
   * Connections sent and echoed in full that still stand for their slot
   * (not lingering: a lingering one's slot has moved on).
   */
  get done(): number {
    let done = 0;
    for (const connection of this.#active) {
      if (connection.done && !this.#lingering.has(connection)) done++;
    }
    return done;
  }

  /** Stops every open connection for `reason`. */
  stop(reason: StopReason): void {
    for (const connection of this.#active) connection.stop(reason);
  }

  /**
   * Stops the connections that have a message in flight and moved no
   * byte for `limitMs` (a connection waiting for its next scheduled send
   * is idle, not stuck); returns when the next one could reach the limit
   * (`now + limitMs` if none is waiting for an echo).
   */
  stopStuck(now: number, limitMs: number): number {
    let next = now + limitMs;
    for (const connection of this.#active) {
      if (connection.inFlight === 0) continue;
      const quiet = connection.quietFor(now);
      if (quiet >= limitMs) connection.stop("watchdog");
      else next = Math.min(next, now + limitMs - quiet);
    }
    return next;
  }
}
