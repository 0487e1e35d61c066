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
import { Socket } from "../protocol/socket.ts";
import { type Reporter, SILENT } from "../output/reporter.ts";
import {
  type ListenOptions,
  openListener,
  type ServerHandle,
  type ServerSummary,
} from "./_listener.ts";

/** Default for {@linkcode ConnectionServerOptions.maxConns}. */
export const DEFAULT_MAX_CONNS = 10_000;

/** Default for {@linkcode ConnectionServerOptions.graceMs}. */
export const DEFAULT_GRACE_MS = 5_000;

/** How long to wait before accepting again when out of file descriptors. */
const EMFILE_RETRY_MS = 100;

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

/** One accepted connection, as a handler gets it. */
export interface Connection {
  /** The traced socket; the loop closes it after the handler returns. */
  socket: Socket;
  /** Aborted when the server stops waiting for this connection. */
  signal: AbortSignal;
}

/** A handler serves one connection and resolves when it is done with it. */
export type ConnectionHandler = (connection: Connection) => Promise<void>;

/** A running concurrent server with its live figures. */
export interface ConnectionServer extends ServerHandle {
  /** Connections open right now. */
  readonly open: number;
}

/**
 * Listens and serves every connection concurrently with `handler`. A
 * handler's NetError (reset, timeout, closed) ends that connection with one
 * log line and never disturbs the others.
 *
 * @example
 * ```ts
 * import { serveConnections } from "./_serve.ts";
 * const server = serveConnections({ port: 0 }, async ({ socket }) => {
 *   await socket.writeAll(new TextEncoder().encode("hi"));
 * });
 * await server.close();
 * ```
 */
export function serveConnections(
  options: ConnectionServerOptions,
  handler: ConnectionHandler,
): ConnectionServer {
  const reporter = options.reporter ?? SILENT;
  const maxConns = options.maxConns ?? DEFAULT_MAX_CONNS;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const listener = openListener(options, reporter);
  const started = performance.now();
  const summary: ServerSummary = {
    connections: 0,
    bytesSent: 0,
    uptimeSeconds: 0,
  };
  const live = new Map<
    Socket,
    { controller: AbortController; done: Promise<void> }
  >();
  let stopping = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let wakeRetry: (() => void) | undefined;

  const sweeper = options.idleTimeoutMs === undefined
    ? undefined
    : setInterval(() => {
      const limit = performance.now() - (options.idleTimeoutMs ?? 0);
      for (const [socket, entry] of live) {
        if (socket.lastActivity < limit) {
          reporter.info(
            `Closing idle connection from ${socket.peer} after ${
              (options.idleTimeoutMs ?? 0) / 1000
            } s without traffic`,
          );
          entry.controller.abort();
          socket.close();
        }
      }
    }, Math.min(1000, Math.max(10, (options.idleTimeoutMs ?? 0) / 4)));

  async function serve(
    socket: Socket,
    controller: AbortController,
  ): Promise<void> {
    try {
      await handler({ socket, signal: controller.signal });
    } catch (error) {
      if (!(error instanceof NetError)) {
        reporter.error(
          `connection from ${socket.peer} failed: ${
            error instanceof Error ? error.message : String(error)
          }`,
        );
      } else if (!controller.signal.aborted && !socket.closed) {
        reporter.info(`Connection from ${socket.peer} ended: ${error.message}`);
      }
    } finally {
      socket.close();
      summary.bytesSent += socket.bytesWritten;
      live.delete(socket);
    }
  }

  async function acceptLoop(): Promise<void> {
    while (!stopping) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (stopping) return;
        if (
          error instanceof Error &&
          /os error 24|too many open files/i.test(error.message)
        ) {
          reporter.error(
            `too many open files: cannot accept for now (${live.size} open); retrying`,
          );
          await new Promise<void>((resolve) => {
            wakeRetry = resolve;
            retryTimer = setTimeout(resolve, EMFILE_RETRY_MS);
          });
          continue;
        }
        if (error instanceof Deno.errors.ConnectionAborted) continue;
        throw error;
      }
      const socket = new Socket(conn, { reporter });
      reporter.trace(`accept from ${socket.peer}`);
      if (live.size >= maxConns) {
        reporter.info(
          `Refused connection from ${socket.peer}: already serving ${maxConns} (--max-conns)`,
        );
        socket.close();
        continue;
      }
      summary.connections++;
      const controller = new AbortController();
      const entry = { controller, done: Promise.resolve() };
      live.set(socket, entry);
      entry.done = serve(socket, controller);
    }
  }

  async function run(): Promise<ServerSummary> {
    try {
      await acceptLoop();
    } finally {
      if (sweeper !== undefined) clearInterval(sweeper);
      clearTimeout(retryTimer);
    }
    await drain();
    summary.uptimeSeconds = (performance.now() - started) / 1000;
    return summary;
  }

  async function drain(): Promise<void> {
    if (live.size === 0) return;
    reporter.info(
      `Waiting up to ${graceMs / 1000} s for ${live.size} open connection${
        live.size === 1 ? "" : "s"
      }`,
    );
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<void>((resolve) => {
      graceTimer = setTimeout(resolve, graceMs);
    });
    const allDone = Promise.all([...live.values()].map((entry) => entry.done));
    await Promise.race([allDone, graceOver]);
    clearTimeout(graceTimer);
    if (live.size > 0) {
      reporter.info(
        `Closing ${live.size} connection${
          live.size === 1 ? "" : "s"
        } still open`,
      );
      for (const [socket, entry] of live) {
        entry.controller.abort();
        socket.close();
      }
      await allDone;
    }
  }

  const closed = run();
  return {
    addr: listener.addr,
    closed,
    get open(): number {
      return live.size;
    },
    close(): Promise<ServerSummary> {
      if (!stopping) {
        stopping = true;
        listener.close();
        wakeRetry?.();
      }
      return closed;
    },
  };
}
