/**
 * The live connections of a concurrent server: each is served by the
 * handler as soon as it is accepted, closed when idle for too long, and at
 * the end waited for (within the grace) or closed.
 *
 * @module
 */

import { errorMessage, NetError } from "../protocol/errors.ts";
import type { StreamSocket } from "../protocol/socket.ts";
import type { Reporter } from "../output/reporter.ts";
import { counted, seconds } from "../output/count.ts";
import { Delay } from "./_delay.ts";
import { EventLog } from "./_event_log.ts";
import type { ServerSummary } from "./summary.ts";
import type { Connection, ConnectionHandler } from "./serve.ts";
import { endedLine } from "./_ended_line.ts";

/** Options for {@linkcode ConnectionRegistry}. */
export interface ConnectionRegistryOptions {
  /** Where the server's lines go. */
  reporter: Reporter;
  /** The server's summary: the registry counts connections and bytes in it. */
  summary: ServerSummary;
  /** Close a connection with no traffic for this long, in ms. Default: never. */
  idleTimeoutMs?: number;
}

/**
 * One live connection as the registry tracks it. It is also what the
 * handler gets; its abort controller is made only when someone asks for the
 * signal, because 10,000 idle connections would otherwise hold 10,000 of
 * them.
 */
class Tracked implements Connection {
  readonly socket: StreamSocket;
  readonly log: EventLog;
  #controller: AbortController | undefined;
  #stopped = false;
  #draining = false;

  constructor(socket: StreamSocket, log: EventLog) {
    this.socket = socket;
    this.log = log;
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.#stopped) this.#controller.abort();
    return this.#controller.signal;
  }

  /** True once the server stopped waiting for this connection. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** True once the handler said its work is done (see `settle`). */
  settled = false;

  // An arrow, as handlers take it from the connection unbound.
  settle = (): void => {
    this.settled = true;
    if (this.#draining) this.stop();
  };

  /**
   * The server is stopping and gives this connection its grace: once
   * settled, it needs none, and is closed then.
   */
  drainNow(): void {
    this.#draining = true;
  }

  /**
   * Gives up on the connection: aborts the handler's signal and closes;
   * `abandon` closes even mid-handshake, for a server that is stopping
   * (see {@linkcode StreamSocket.abandon}).
   */
  stop(abandon = false): void {
    this.#stopped = true;
    this.#controller?.abort();
    if (abandon) this.socket.abandon();
    else this.socket.close();
  }
}

/**
 * What a line about closing `socket` adds when the close has to wait for a
 * TLS handshake: the connection is not gone yet, and still counts.
 *
 * @example
 * ```ts ignore
 * log.event(`Closing idle connection from ${peer}${closingNote(socket)}`);
 * ```
 */
export function closingNote(socket: StreamSocket): string {
  return socket.closing
    ? " (its TLS handshake is still pending and Deno cannot abort one: it stays open, and counted, until the peer finishes the handshake or leaves)"
    : "";
}

/**
 * Serves every accepted socket with the handler, at once. A handler's
 * NetError (reset, timeout, closed) ends that connection with one log line
 * and never disturbs the others; any other failure is logged as the
 * server's own problem. Every such line goes through its one
 * {@linkcode EventLog}.
 *
 * @example
 * ```ts
 * import { ConnectionRegistry } from "./_connections.ts";
 * import { SILENT } from "../output/reporter.ts";
 * const summary = {
 *   kind: "echo" as const,
 *   connections: 0,
 *   refused: 0,
 *   bytesSent: 0,
 *   uptimeSeconds: 0,
 * };
 * const registry = new ConnectionRegistry(async () => {}, {
 *   reporter: SILENT,
 *   summary,
 * });
 * await registry.drain(5_000); // nothing open: resolves at once
 * registry.close();
 * ```
 */
export class ConnectionRegistry {
  /** The server's throttled log of per-connection lines. */
  readonly log: EventLog;
  #handler: ConnectionHandler;
  #reporter: Reporter;
  #summary: ServerSummary;
  #live = new Set<Tracked>();
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #grace = new Delay();
  #graceNow = false;
  #emptied: (() => void) | undefined;
  #room: { count: number; resolve: () => void } | undefined;

  /** Starts an empty registry, and its idle sweeper if there is a limit. */
  constructor(handler: ConnectionHandler, options: ConnectionRegistryOptions) {
    this.#handler = handler;
    this.#reporter = options.reporter;
    this.#summary = options.summary;
    this.log = new EventLog(options.reporter, {
      open: () => this.#live.size,
      kind: options.summary.kind,
    });
    const idleTimeoutMs = options.idleTimeoutMs;
    if (idleTimeoutMs !== undefined) {
      this.#sweeper = setInterval(
        () => this.#closeIdle(idleTimeoutMs),
        Math.min(1000, Math.max(10, idleTimeoutMs / 4)),
      );
    }
  }

  /** Connections open right now. */
  get size(): number {
    return this.#live.size;
  }

  /**
   * Serves a socket just accepted with the handler; the registry closes it
   * when the handler is done with it.
   */
  serve(socket: StreamSocket): void {
    this.#summary.connections++;
    const connection = new Tracked(socket, this.log);
    this.#live.add(connection);
    // Promise callbacks rather than an async function: a suspended async
    // frame per idle connection is memory that 10,000 clients multiply.
    let served: Promise<void>;
    try {
      served = this.#handler(connection);
    } catch (error) {
      this.#failed(connection, error);
      return;
    }
    served.then(
      () => this.#finish(connection),
      (error) => this.#failed(connection, error),
    );
  }

  /**
   * Gives up on every open connection at once, for a server that is
   * stopping: one whose TLS handshake is still pending is abandoned.
   */
  stopAll(): void {
    for (const connection of this.#live) connection.stop(true);
  }

  /**
   * Resolves once fewer than `count` connections are open: a TLS server
   * at its limit waits here rather than accept a connection it could only
   * refuse by a close that frees nothing mid-handshake.
   */
  roomFor(count: number): Promise<void> {
    if (this.#live.size < count) return Promise.resolve();
    return new Promise((resolve) => {
      this.#room = { count, resolve };
    });
  }

  /**
   * Lets open connections go on for up to `graceMs` (none once
   * {@linkcode ConnectionRegistry.endGrace} was called), closes those still
   * open then, and resolves when every one is closed.
   */
  async drain(graceMs: number): Promise<void> {
    const live = this.#live;
    if (live.size === 0) return;
    const emptied = new Promise<void>((resolve) => this.#emptied = resolve);
    // The server gave up on these already (see closingNote), or has
    // answered them and only waits for their end: no grace.
    const abandoned = new Set<Tracked>();
    for (const connection of live) {
      if (connection.socket.closing || connection.settled) {
        abandoned.add(connection);
        connection.stop(connection.socket.closing);
      } else {
        connection.drainNow();
      }
    }
    const open = (): number =>
      [...live].filter((connection) => !abandoned.has(connection)).length;
    // Said even under --quiet: a server that waits after Ctrl-C with
    // nothing said looks hung.
    if (!this.#graceNow && graceMs > 0 && open() > 0) {
      this.#reporter.always(
        `Waiting up to ${seconds(graceMs)} for ${
          counted(open(), "open connection")
        }`,
      );
      await Promise.race([emptied, this.#grace.wait(graceMs)]);
      this.#grace.end();
    }
    if (open() > 0) {
      this.#reporter.always(
        `Closing ${counted(open(), "connection")} still open`,
      );
      this.stopAll();
    }
    await emptied;
  }

  /** Ends the grace now, or skips it if the drain has not begun yet. */
  endGrace(): void {
    this.#graceNow = true;
    this.#grace.end();
  }

  /** Stops the idle sweeper and prints what the log still counts. */
  close(): void {
    clearInterval(this.#sweeper);
    this.log.close();
  }

  #closeIdle(idleTimeoutMs: number): void {
    const now = performance.now();
    for (const connection of this.#live) {
      const quiet = connection.socket.quietFor(now);
      if (quiet >= idleTimeoutMs && !connection.stopped) {
        connection.stop();
        this.log.event(
          `Closing idle connection from ${connection.socket.peer} after ${
            seconds(idleTimeoutMs)
          } without traffic${closingNote(connection.socket)}`,
        );
      }
    }
  }

  #finish(connection: Tracked): void {
    const { socket } = connection;
    socket.close();
    if (socket.closing) {
      // Its place is held until its socket is really gone.
      socket.freed.then(() => this.#finish(connection));
      return;
    }
    if (!this.#live.delete(connection)) return;
    this.#summary.bytesSent += socket.bytesWritten;
    if (this.#live.size === 0) this.#emptied?.();
    if (this.#room !== undefined && this.#live.size < this.#room.count) {
      this.#room.resolve();
      this.#room = undefined;
    }
  }

  #failed(connection: Tracked, error: unknown): void {
    const { socket } = connection;
    if (!(error instanceof NetError)) {
      this.log.problem(
        `connection from ${socket.peer} failed: ${errorMessage(error)}`,
      );
    } else if (!connection.stopped && !socket.closed) {
      this.log.event(endedLine(socket.peer, error.message));
    }
    this.#finish(connection);
  }
}
