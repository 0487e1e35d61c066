/**
 * The first lesson's server: it serves one connection at a time and answers
 * every chunk with the same bytes plus ` bork bork bork`.
 *
 * @module
 */

import { BorkReplier } from "../protocol/bork.ts";
import { NetError } from "../protocol/errors.ts";
import { StreamSocket } from "../protocol/socket.ts";
import { type Reporter, SILENT } from "../output/reporter.ts";
import { quoted } from "../output/escape.ts";
import { EventLog } from "./_event_log.ts";
import { Acceptor } from "./_accept.ts";
import {
  type Listening,
  type ListenOptions,
  startListening,
} from "./listener.ts";
import type { ServerHandle, ServerSummary } from "./summary.ts";
import { endedLine } from "./_ended_line.ts";
import { noteTlsClient } from "./_tls_client_line.ts";

/** Options for {@linkcode serveBork}. */
export interface BorkServerOptions extends ListenOptions {
  /** Serve one connection after another until closed. Default false: exit after the first. */
  keepOpen?: boolean;
  /** Where the server's lines go. Default: nowhere. */
  reporter?: Reporter;
}

/**
 * Starts the bork server. Without `keepOpen` it stops by itself when its one
 * client has closed; either way `close()` stops it at once.
 *
 * @example
 * ```ts
 * import { serveBork } from "./bork.ts";
 * const server = serveBork({ port: 0 });
 * await server.close();
 * ```
 */
export function serveBork(options: BorkServerOptions = {}): ServerHandle {
  return new BorkServer(options);
}

/** The bork server: its listener, and the one connection it serves. */
class BorkServer implements ServerHandle {
  readonly addr: Deno.NetAddr;
  readonly closed: Promise<ServerSummary>;
  #reporter: Reporter;
  #keepOpen: boolean;
  #listening: Listening;
  #log: EventLog;
  #acceptor: Acceptor;
  #current: StreamSocket | undefined;
  #stopping = false;
  // A client still in its TLS handshake when the server stops: its read
  // would wait for the peer for ever, so the server stops without it.
  #abandoned = Promise.withResolvers<void>();
  #abandonedSocket: StreamSocket | undefined;

  constructor(options: BorkServerOptions) {
    this.#reporter = options.reporter ?? SILENT;
    this.#keepOpen = options.keepOpen ?? false;
    this.#listening = startListening("bork", this.#reporter, options);
    // The lesson's lines come a few a second; a storm of connections (a
    // reset flood against --keep-open) collapses to a line a second.
    this.#log = new EventLog(this.#reporter, {
      open: () => this.#current ? 1 : 0,
      kind: "bork",
    });
    // A connection reset in the backlog fails only its own accept: without
    // --keep-open the server still waits for its one client.
    this.#acceptor = new Acceptor(this.#listening.listener, {
      reporter: this.#reporter,
      log: this.#log,
      open: () => this.#current ? 1 : 0,
    });
    this.addr = this.#listening.listener.addr;
    this.closed = this.#run();
  }

  close(): Promise<ServerSummary> {
    if (!this.#stopping) {
      this.#stopping = true;
      try {
        this.#listening.listener.close();
      } catch {
        // The server had already stopped by itself.
      }
      this.#acceptor.end();
      const current = this.#current;
      current?.close();
      if (current?.closing) {
        this.#log.event(
          `Closing connection to ${current.peer}: the server is stopping (its TLS handshake was still pending)`,
        );
        this.#abandonedSocket = current;
        current.abandon();
        this.#abandoned.resolve();
      }
    }
    return this.closed;
  }

  async #run(): Promise<ServerSummary> {
    try {
      while (!this.#stopping) {
        const conn = await this.#acceptor.next();
        if (conn === undefined) break;
        const socket = new StreamSocket(conn, { reporter: this.#reporter });
        this.#current = socket;
        this.#listening.summary.connections++;
        this.#reporter.trace(`accept from ${socket.peer}`);
        this.#log.event(`Connected by ${socket.peer}`);
        await Promise.race([this.#serveOne(socket), this.#abandoned.promise]);
        socket.close();
        this.#current = undefined;
        if (!this.#keepOpen) break;
      }
    } finally {
      // Closing the listener resets clients still waiting in its backlog:
      // the lesson's single-connection limitation, made visible.
      if (!this.#stopping) this.#listening.listener.close();
      this.#acceptor.end();
      this.#log.close();
    }
    return this.#listening.stopClock();
  }

  async #serveOne(socket: StreamSocket): Promise<void> {
    const replier = new BorkReplier();
    const buffer = new Uint8Array(4096);
    try {
      while (true) {
        const count = await socket.read(buffer);
        if (count !== null && socket.bytesRead === count) {
          noteTlsClient(this.#log, {
            socket,
            first: buffer.subarray(0, count),
          });
        }
        const answer = count === null
          ? replier.flush()
          : replier.push(buffer.subarray(0, count));
        // The lesson is what arrives: one client at a time, whose every
        // chunk is shown, past the throttle that connection events share
        // (a flood of connections still collapses into one line a second).
        if (answer) {
          this.#reporter.info(`Received ${quoted(answer.text)}`);
          await socket.writeAll(answer.reply);
          this.#reporter.info(`Replied ${quoted(answer.reply)}`);
        }
        if (count === null) {
          this.#log.event(`Connection closed by ${socket.peer}`);
          return;
        }
      }
    } catch (error) {
      if (this.#stopping) {
        // Else the log would stop short, and only the client could tell
        // (an abandoned handshake was said at the stop).
        if (socket !== this.#abandonedSocket) {
          this.#log.event(
            `Closing connection to ${socket.peer}: the server is stopping`,
          );
        }
        return;
      }
      if (!(error instanceof NetError)) throw error;
      this.#log.event(endedLine(socket.peer, error.message));
    } finally {
      // What the OS took, a reply cut off by a reset included, as the echo
      // and app servers count.
      this.#listening.summary.bytesSent += socket.bytesWritten;
    }
  }
}
