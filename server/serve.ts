/**
 * The accept loop shared by the concurrent servers (echo, app): every
 * connection is served at once by its own handler, within the limits that
 * keep a server alive under load and hostile peers (`--max-conns`,
 * `--idle-timeout`, the open-file limit) and with a graceful shutdown
 * (`--grace`). Accepting is here; the live connections are kept by the
 * registry in `_connections.ts`.
 *
 * @module
 */

import { checkPositive, checkWhole } from "../protocol/option_checks.ts";
import { setTcpNoDelay } from "../protocol/connect.ts";
import { StreamSocket } from "../protocol/socket.ts";
import { endpointOf } from "../protocol/endpoint.ts";
import { type Reporter, SILENT } from "../output/reporter.ts";
import { ConnectionRegistry } from "./_connections.ts";
import { Acceptor } from "./_accept.ts";
import type { EventLog } from "./_event_log.ts";
import {
  type Listening,
  type ListenOptions,
  startListening,
} from "./listener.ts";
import type {
  CloseOptions,
  ServerHandle,
  ServerKind,
  ServerSummary,
} from "./summary.ts";

/** Default for {@linkcode ConnectionServerOptions.maxConns}. */
export const DEFAULT_MAX_CONNS = 10_000;

/** Default for {@linkcode ConnectionServerOptions.graceMs}. */
export const DEFAULT_GRACE_MS = 5_000;

/** Options every concurrent server (echo, app) takes. */
export interface ConnectionServerOptions extends ListenOptions {
  /** Where the server's lines go. Default: nowhere. */
  reporter?: Reporter;
  /**
   * Most connections served at once. Beyond it a new connection is accepted
   * and closed at once, with a log line; a TLS server stops accepting
   * instead, until one closes (a close mid-handshake frees nothing).
   * Default 10000.
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
  socket: StreamSocket;
  /** Aborted when the server stops waiting for this connection. */
  signal: AbortSignal;
  /** The server's throttled log: every per-connection line goes here. */
  log: EventLog;
  /**
   * Says the handler's work is done and it only waits for the peer's end
   * of stream (a lingering close): a stopping server then closes this
   * connection at once rather than give it the grace.
   */
  settle(): void;
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
  checkWhole(options.maxConns, "maxConns", { min: 1 });
  checkPositive(options.idleTimeoutMs, "idleTimeoutMs");
  checkPositive(options.graceMs, "graceMs", { orZero: true });
  return new AcceptLoop(options, handler);
}

/**
 * The listener's side of a concurrent server: accepts for as long as the
 * server runs, within `--max-conns` and the open-file limit, hands each
 * connection to the {@linkcode ConnectionRegistry}, and stops when closed.
 */
class AcceptLoop implements ConnectionServer {
  readonly addr: Deno.NetAddr;
  readonly closed: Promise<ServerSummary>;
  #reporter: Reporter;
  #maxConns: number;
  #graceMs: number;
  #listening: Listening;
  #connections: ConnectionRegistry;
  #acceptor: Acceptor;
  #stopping = false;
  #tls: boolean;
  #wakeAccept: (() => void) | undefined;

  constructor(options: ServeOptions, handler: ConnectionHandler) {
    this.#reporter = options.reporter ?? SILENT;
    this.#maxConns = options.maxConns ?? DEFAULT_MAX_CONNS;
    this.#graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    this.#listening = startListening(options.kind, this.#reporter, options);
    this.#connections = new ConnectionRegistry(handler, {
      reporter: this.#reporter,
      summary: this.#listening.summary,
      idleTimeoutMs: options.idleTimeoutMs,
    });
    this.#acceptor = new Acceptor(this.#listening.listener, {
      reporter: this.#reporter,
      log: this.#connections.log,
      open: () => this.open,
    });
    this.#tls = endpointOf(options).transport === "tls";
    this.addr = this.#listening.listener.addr;
    this.closed = this.#run();
  }

  get open(): number {
    return this.#connections.size;
  }

  close(closeOptions: CloseOptions = {}): Promise<ServerSummary> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#listening.listener.close();
      this.#acceptor.end();
      this.#wakeAccept?.();
    }
    // Before the drain has begun, a zero grace does the same.
    if (closeOptions.now) this.#connections.endGrace();
    return this.closed;
  }

  async #run(): Promise<ServerSummary> {
    try {
      try {
        await this.#acceptAll();
      } catch (error) {
        // A listener that cannot accept any more ends the whole server:
        // nobody could reach the connections that are left, so close them.
        this.#stopping = true;
        this.#connections.stopAll();
        throw error;
      }
      await this.#connections.drain(this.#graceMs);
    } finally {
      this.#acceptor.end();
      this.#connections.close();
    }
    return this.#listening.stopClock();
  }

  async #acceptAll(): Promise<void> {
    while (!this.#stopping) {
      if (this.#tls && this.open >= this.#maxConns) {
        await this.#waitForRoom();
        continue;
      }
      const conn = await this.#acceptor.next();
      if (conn === undefined) return;
      this.#admit(conn);
    }
  }

  // A TLS connection refused at once would still hold its socket until
  // its peer ends the handshake (see StreamSocket.close), so refusing does
  // not bound a TLS server: it leaves new ones in the listen backlog.
  async #waitForRoom(): Promise<void> {
    this.#connections.log.event(
      `Not accepting while serving ${this.#maxConns} (--max-conns): new TLS connections wait in the backlog until one closes`,
    );
    await new Promise<void>((resolve) => {
      this.#wakeAccept = resolve;
      this.#connections.roomFor(this.#maxConns).then(resolve);
    });
    this.#wakeAccept = undefined;
  }

  /** Serves a connection just accepted, or refuses it beyond --max-conns. */
  #admit(conn: Deno.Conn): void {
    const noDelay = setTcpNoDelay(conn);
    const socket = new StreamSocket(conn, { reporter: this.#reporter });
    // Guarded: formatting the peer's address is work that 10,000 quiet
    // connections would pay for nothing.
    if (this.#reporter.tracing) {
      this.#reporter.trace(`accept from ${socket.peer}`);
      if (noDelay) {
        this.#reporter.trace(
          `no-delay on for ${socket.peer}: every write goes out at once (set at accept)`,
        );
      }
    }
    if (this.open >= this.#maxConns) {
      this.#listening.summary.refused++;
      this.#connections.log.event(
        `Refused connection from ${socket.peer}: already serving ${this.#maxConns} (--max-conns)`,
      );
      socket.close();
      return;
    }
    this.#connections.serve(socket);
  }
}
