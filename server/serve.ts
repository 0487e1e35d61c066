/**
 * The accept loop shared by the concurrent servers (echo, app): every
 * connection is served at once by its own handler, within the limits that
 * keep a server alive under load and hostile peers (`--max-conns`,
 * `--idle-timeout`, the open-file limit) and with a graceful shutdown
 * (`--grace`).
 *
 * @module
 */

import { NetError } from "../protocol/errors.ts";
import { setNoDelay, Socket } from "../protocol/socket.ts";
import { type Reporter, SILENT } from "../output/reporter.ts";
import { EventLog } from "./_event_log.ts";
import {
  type CloseOptions,
  describeAcceptFailure,
  endsAccepting,
  type ListenOptions,
  type ServerHandle,
  type ServerKind,
  type ServerSummary,
  startListening,
} from "./listener.ts";

/** Default for {@linkcode ConnectionServerOptions.maxConns}. */
export const DEFAULT_MAX_CONNS = 10_000;

/** Default for {@linkcode ConnectionServerOptions.graceMs}. */
export const DEFAULT_GRACE_MS = 5_000;

/** How long to wait before accepting again when out of file descriptors. */
const EMFILE_RETRY_MS = 100;

/**
 * Failed accepts in a row after which the loop pauses for
 * {@linkcode EMFILE_RETRY_MS} before trying again, so that an error that
 * keeps coming cannot spin the CPU; a storm of resets stays far below it
 * because every accepted connection resets the count.
 */
const FAILED_ACCEPTS_BEFORE_PAUSE = 100;

/** Options for {@linkcode serveConnections}. */
export interface ConnectionServerOptions extends ListenOptions {
  /** Where the server's lines go. Default: nowhere. */
  reporter?: Reporter;
  /**
   * Most connections served at once. Beyond it a new connection is accepted
   * and closed at once, with a log line. Default 10000.
   */
  maxConns?: number;
  /** Close a connection with no traffic for this long, in ms. Default: never. */
  idleTimeoutMs?: number;
  /** On close(), how long open connections may go on, in ms. Default 5000. */
  graceMs?: number;
}

/**
 * Options for {@linkcode serveConnections}: a server's options, and which
 * server it is (for its summary and its log).
 */
export interface ServeOptions extends ConnectionServerOptions {
  /** Which server runs on the loop. */
  kind: ServerKind;
}

/** One accepted connection, as a handler gets it. */
export interface Connection {
  /** The traced socket; the loop closes it after the handler returns. */
  socket: Socket;
  /** Aborted when the server stops waiting for this connection. */
  signal: AbortSignal;
  /** The server's throttled log: every per-connection line goes here. */
  log: EventLog;
}

/** A handler serves one connection and resolves when it is done with it. */
export type ConnectionHandler = (connection: Connection) => Promise<void>;

/** A running concurrent server with its live figures. */
export interface ConnectionServer extends ServerHandle {
  /** Connections open right now. */
  readonly open: number;
}

/**
 * One live connection as the loop tracks it. It is also what the handler
 * gets; its abort controller is made only when someone asks for the signal,
 * because 10,000 idle connections would otherwise hold 10,000 of them.
 */
class Tracked implements Connection {
  readonly socket: Socket;
  readonly log: EventLog;
  #controller: AbortController | undefined;
  #stopped = false;

  constructor(socket: Socket, log: EventLog) {
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

  /** Gives up on the connection: aborts the handler's signal and closes. */
  stop(): void {
    this.#stopped = true;
    this.#controller?.abort();
    this.socket.close();
  }
}

/**
 * Listens and serves every connection concurrently with `handler`. A
 * handler's NetError (reset, timeout, closed) ends that connection with one
 * log line and never disturbs the others; a failed accept (a connection
 * reset while it waited in the backlog, say) costs one log line and never
 * the listener. Every such line goes through one {@linkcode EventLog}.
 *
 * @example
 * ```ts
 * import { serveConnections } from "./serve.ts";
 * const server = serveConnections({ kind: "echo", port: 0 }, async ({ socket }) => {
 *   await socket.writeAll(new TextEncoder().encode("hi"));
 * });
 * await server.close();
 * ```
 */
export function serveConnections(
  options: ServeOptions,
  handler: ConnectionHandler,
): ConnectionServer {
  const reporter = options.reporter ?? SILENT;
  const maxConns = options.maxConns ?? DEFAULT_MAX_CONNS;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const idleTimeoutMs = options.idleTimeoutMs;
  const { listener, summary, stopClock } = startListening(
    options.kind,
    reporter,
    options,
  );
  const live = new Set<Tracked>();
  const log = new EventLog(reporter, {
    open: () => live.size,
    kind: options.kind,
  });
  let stopping = false;
  let endGrace: (() => void) | undefined;
  let graceNow = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let wakeRetry: (() => void) | undefined;
  let allClosed: (() => void) | undefined;

  const sweeper = idleTimeoutMs === undefined ? undefined : setInterval(() => {
    const now = performance.now();
    for (const connection of live) {
      const quiet = connection.socket.quietFor(now);
      if (quiet >= idleTimeoutMs && !connection.stopped) {
        log.event(
          `Closing idle connection from ${connection.socket.peer} after ${
            idleTimeoutMs / 1000
          } s without traffic`,
        );
        connection.stop();
      }
    }
  }, Math.min(1000, Math.max(10, idleTimeoutMs / 4)));

  function finish(connection: Tracked): void {
    connection.socket.close();
    summary.bytesSent += connection.socket.bytesWritten;
    live.delete(connection);
    if (live.size === 0) allClosed?.();
  }

  function failed(connection: Tracked, error: unknown): void {
    const { socket } = connection;
    if (!(error instanceof NetError)) {
      log.problem(
        `connection from ${socket.peer} failed: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    } else if (!connection.stopped && !socket.closed) {
      log.event(`Connection from ${socket.peer} ended: ${error.message}`);
    }
    finish(connection);
  }

  // Promise callbacks rather than an async function: a suspended async
  // frame per idle connection is memory that 10,000 clients multiply.
  function serve(connection: Tracked): void {
    let served: Promise<void>;
    try {
      served = handler(connection);
    } catch (error) {
      failed(connection, error);
      return;
    }
    served.then(
      () => finish(connection),
      (error) => failed(connection, error),
    );
  }

  function isOutOfDescriptors(error: unknown): boolean {
    return error instanceof Error &&
      /os error 2[34]|too many open files/i.test(error.message);
  }

  function pause(): Promise<void> {
    return new Promise<void>((resolve) => {
      wakeRetry = resolve;
      retryTimer = setTimeout(resolve, EMFILE_RETRY_MS);
    }).then(() => wakeRetry = undefined);
  }

  async function acceptLoop(): Promise<void> {
    let outOfDescriptors = false;
    let failedInARow = 0;
    while (!stopping) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (stopping) return;
        if (endsAccepting(error)) throw error;
        if (isOutOfDescriptors(error)) {
          // The waiting client stays in the backlog; one line per episode,
          // not one per retry, keeps the log readable.
          if (!outOfDescriptors) {
            outOfDescriptors = true;
            reporter.error(
              `too many open files (${live.size} connections open): not accepting until some close; raise the limit with 'ulimit -n'`,
            );
          }
          await pause();
          continue;
        }
        log.event(describeAcceptFailure(error));
        if (++failedInARow >= FAILED_ACCEPTS_BEFORE_PAUSE) {
          failedInARow = 0;
          await pause();
        }
        continue;
      }
      failedInARow = 0;
      if (outOfDescriptors) {
        outOfDescriptors = false;
        reporter.info(`Accepting connections again (${live.size} open)`);
      }
      setNoDelay(conn);
      const socket = new Socket(conn, { reporter });
      reporter.trace(`accept from ${socket.peer}`);
      if (live.size >= maxConns) {
        log.event(
          `Refused connection from ${socket.peer}: already serving ${maxConns} (--max-conns)`,
        );
        socket.close();
        continue;
      }
      summary.connections++;
      const connection = new Tracked(socket, log);
      live.add(connection);
      serve(connection);
    }
  }

  async function run(): Promise<ServerSummary> {
    try {
      try {
        await acceptLoop();
      } catch (error) {
        // A listener that cannot accept any more ends the whole server:
        // nobody could reach the connections that are left, so close them.
        stopping = true;
        for (const connection of live) connection.stop();
        throw error;
      }
      await drain();
    } finally {
      if (sweeper !== undefined) clearInterval(sweeper);
      clearTimeout(retryTimer);
      log.close();
    }
    return stopClock();
  }

  async function drain(): Promise<void> {
    if (live.size === 0) return;
    const emptied = new Promise<void>((resolve) => allClosed = resolve);
    if (!graceNow) {
      reporter.info(
        `Waiting up to ${graceMs / 1000} s for ${live.size} open connection${
          live.size === 1 ? "" : "s"
        }`,
      );
      let graceTimer: ReturnType<typeof setTimeout> | undefined;
      const graceOver = new Promise<void>((resolve) => {
        endGrace = resolve;
        graceTimer = setTimeout(resolve, graceMs);
      });
      await Promise.race([emptied, graceOver]);
      clearTimeout(graceTimer);
    }
    if (live.size > 0) {
      reporter.info(
        `Closing ${live.size} connection${
          live.size === 1 ? "" : "s"
        } still open`,
      );
      for (const connection of live) connection.stop();
      await emptied;
    }
  }

  const closed = run();
  return {
    addr: listener.addr,
    closed,
    get open(): number {
      return live.size;
    },
    close(closeOptions: CloseOptions = {}): Promise<ServerSummary> {
      if (!stopping) {
        stopping = true;
        listener.close();
        wakeRetry?.();
      }
      if (closeOptions.now) {
        // Before the drain has begun, a zero grace does the same.
        graceNow = true;
        endGrace?.();
      }
      return closed;
    },
  };
}
