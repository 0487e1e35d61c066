/**
 * The first lesson's server: it serves one connection at a time and answers
 * every chunk with the same bytes plus ` bork bork bork`.
 *
 * @module
 */

import { BorkReplier } from "../protocol/bork.ts";
import { NetError } from "../protocol/errors.ts";
import { Socket } from "../protocol/socket.ts";
import { type Reporter, SILENT } from "../output/reporter.ts";
import { quoted } from "../output/escape.ts";
import { EventLog } from "./_event_log.ts";
import {
  describeAcceptFailure,
  endsAccepting,
  type ListenOptions,
  type ServerHandle,
  type ServerSummary,
  startListening,
} from "./listener.ts";

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
  const reporter = options.reporter ?? SILENT;
  const { listener, summary, stopClock } = startListening(
    "bork",
    reporter,
    options,
  );
  let current: Socket | undefined;
  let stopping = false;
  // The lesson's lines come a few a second; a storm of connections (a
  // reset flood against --keep-open) collapses to a line a second.
  const log = new EventLog(reporter, {
    open: () => current ? 1 : 0,
    kind: "bork",
  });

  async function run(): Promise<ServerSummary> {
    try {
      while (!stopping) {
        let conn: Deno.Conn;
        try {
          conn = await listener.accept();
        } catch (error) {
          if (stopping) break;
          // A connection reset in the backlog fails only its own accept:
          // without --keep-open the server still waits for its one client.
          if (endsAccepting(error)) throw error;
          log.event(describeAcceptFailure(error));
          continue;
        }
        current = new Socket(conn, { reporter });
        summary.connections++;
        reporter.trace(`accept from ${current.peer}`);
        log.event(`Connected by ${current.peer}`);
        await serveOne(current);
        current.close();
        current = undefined;
        if (!options.keepOpen) break;
      }
    } finally {
      // Closing the listener resets clients still waiting in its backlog:
      // the lesson's single-connection limitation, made visible.
      if (!stopping) listener.close();
      log.close();
      stopClock();
    }
    return summary;
  }

  async function serveOne(socket: Socket): Promise<void> {
    const replier = new BorkReplier();
    const buffer = new Uint8Array(4096);
    try {
      while (true) {
        const count = await socket.read(buffer);
        const answer = count === null
          ? replier.flush()
          : replier.push(buffer.subarray(0, count));
        if (answer) {
          log.event(`Received ${quoted(answer.text)}`);
          await socket.writeAll(answer.reply);
          summary.bytesSent += answer.reply.length;
          log.event(`Replied ${quoted(answer.reply)}`);
        }
        if (count === null) {
          log.event(`Connection closed by ${socket.peer}`);
          return;
        }
      }
    } catch (error) {
      if (stopping) return;
      if (!(error instanceof NetError)) throw error;
      log.event(`Connection to ${socket.peer} ended: ${error.message}`);
    }
  }

  const closed = run();
  return {
    addr: listener.addr,
    closed,
    close(): Promise<ServerSummary> {
      if (!stopping) {
        stopping = true;
        try {
          listener.close();
        } catch {
          // The server had already stopped by itself.
        }
        current?.close();
      }
      return closed;
    },
  };
}
