/**
 * The echo server: every connection is served at once and gets back every
 * byte it sends, in order, however it is chunked. Each chunk is written in
 * full before the next is read, so a client that never reads stalls only
 * itself; a half-close is answered with the rest of the echo, then a close.
 *
 * @module
 */

import { describeBytes } from "../output/escape.ts";
import type { EventLog } from "./_event_log.ts";
import type { StreamSocket } from "../protocol/socket.ts";
import { noteTlsClient } from "./_tls_client_line.ts";
import {
  type Connection,
  type ConnectionServer,
  type ConnectionServerOptions,
  serveConnections,
} from "./serve.ts";

/**
 * Options for {@linkcode serveEcho}: the listening address, the reporter and
 * the limits of the shared accept loop (`maxConns`, `idleTimeoutMs`,
 * `graceMs`), all with the defaults of {@linkcode ConnectionServerOptions}.
 */
export type EchoServerOptions = ConnectionServerOptions;

/** What the server was doing when a write fails, as its log line says. */
const ECHOING = "while its echo was being sent";

/**
 * Every connection starts with a read buffer this small, because a pending
 * read holds its buffer: 10,000 idle clients cost 10,000 of these.
 */
const SMALL_BUFFER = 512;

/**
 * A connection that fills its small buffer moves up to one this large. A
 * read brings everything queued, up to the buffer, and nothing of it is
 * echoed until the read returns, so a client that keeps at most a
 * buffer's worth in flight waits, with nothing in flight, for each echo:
 * the stream becomes stop-and-go. At 256 KiB, 10 connections each keeping
 * 256 KiB in flight streamed at 0.57x-0.67x the bare 64 KiB loop's rate,
 * and at 64 KiB at 0.80x-0.92x; with 1 MiB in flight, 256 KiB had been
 * 1.09x-1.25x and 64 KiB is 1.02x-1.10x (bench/streaming.ts). 64 KiB is
 * also what the bare loop and Node read.
 */
const LARGE_BUFFER = 64 * 1024;

/**
 * Large buffers handed back by connections that went quiet wait here for the
 * next busy one, so that bursts do not allocate; beyond this many they are
 * left to the garbage collector.
 */
const POOL_LIMIT = 64;

/**
 * The most large buffers held by connections at once (16 MiB). A connection
 * keeps its large buffer while its reads bring more than a small buffer
 * holds, so one that streamed and then went quiet may wait holding it: this
 * cap is what bounds that memory, whatever the peers do. Beyond it, busy
 * connections are served with their small buffer, more slowly but in full.
 */
const LARGE_BUFFERS_OUT = 256;

/** Microtasks a read with its bytes already queued takes to complete. */
const SETTLE_TICKS = 4;

/** Chunks at most this long are shown as (escaped) text. */
const SHOWN_TEXT_LIMIT = 80;

/**
 * Starts the echo server on the shared concurrent accept loop.
 *
 * @example Echo one message, then stop
 * ```ts
 * import { serveEcho } from "./echo.ts";
 * const server = serveEcho({ port: 0 });
 * const conn = await Deno.connect({ port: server.addr.port });
 * await conn.write(new TextEncoder().encode("hi"));
 * await conn.read(new Uint8Array(2));
 * conn.close();
 * await server.close();
 * ```
 */
export function serveEcho(options: EchoServerOptions = {}): ConnectionServer {
  const buffers = new LargeBuffers();
  return serveConnections(
    { ...options, kind: "echo" },
    (connection) => echo(connection, buffers),
  );
}

/**
 * Echoes one connection until its peer is done. The handler calls this
 * directly, so that the echo loop is the only async frame an idle
 * connection holds.
 */
async function echo(
  { socket, log }: Connection,
  buffers: LargeBuffers,
): Promise<void> {
  // Checked first so that a quiet server never formats the peer's address.
  if (log.verbose) log.event(`Accepted connection from ${socket.peer}`);
  const small = new Uint8Array(SMALL_BUFFER);
  let buffer: Uint8Array = small;
  // The connection's own read and write when the socket would add only
  // byte counts to them (no trace, no timeout): the wrappers' two async
  // frames per message were about a tenth of the server's CPU per round
  // trip against the bare loop's, and the read's frame is held by every
  // idle connection.
  const conn = socket.direct ? socket.conn : undefined;
  try {
    while (true) {
      let count: number | null;
      if (conn === undefined) count = await socket.read(buffer);
      else {
        try {
          count = await conn.read(buffer);
        } catch (error) {
          count = socket.endOfRead(error, "while reading");
        }
        if (count !== null) socket.bytesRead += count;
      }
      if (count === null) break;
      let start = 0;
      const large = count === SMALL_BUFFER && buffer === small
        ? buffers.take()
        : undefined;
      if (large !== undefined) {
        // The message may go on past the small buffer. Echoing its first
        // 512 bytes alone would cost a second write (and a second
        // segment) for the rest, so when the rest is already here it is
        // read first and the whole goes back in one write.
        large.set(small);
        buffer = large;
        const rest = socket.read(large.subarray(SMALL_BUFFER));
        if (!await settlesAtOnce(rest)) {
          // Nothing more yet: the client may be waiting for this echo.
          const first = large.subarray(0, SMALL_BUFFER);
          await socket.writeAll(first, ECHOING);
          if (log.verbose) logEcho(log, socket, first);
          start = SMALL_BUFFER;
        }
        const more = await rest;
        if (more === null) {
          if (start === 0) {
            const first = large.subarray(0, SMALL_BUFFER);
            await socket.writeAll(first, ECHOING);
            if (log.verbose) logEcho(log, socket, first);
          }
          break;
        }
        count = SMALL_BUFFER + more;
      }
      // The await is the backpressure: nothing more is read from this
      // client until its echo has been taken by the OS.
      const chunk = start === 0 && count === buffer.length
        ? buffer
        : buffer.subarray(start, count);
      let written = 0;
      if (conn !== undefined) {
        try {
          written = await conn.write(chunk);
        } catch (error) {
          throw socket.failure(error, ECHOING);
        }
        socket.bytesWritten += written;
      }
      if (written < chunk.length) {
        await socket.writeAll(
          written === 0 ? chunk : chunk.subarray(written),
          ECHOING,
        );
      }
      // Checked here so that quiet mode makes no closure per message.
      if (log.verbose) logEcho(log, socket, chunk);
      // No-delay stays on (set at accept), also in a stream. Turning
      // Nagle's algorithm on while more was queued saved a segment per
      // 64 KiB write, but it cost a setsockopt every few writes, and one
      // connection streaming 64 KiB writes then went at 0.77x the rate
      // (paired median of 8 runs, each pair under 0.87x) for 1.8x the
      // server CPU per MiB.
      if (buffer !== small && count - start <= SMALL_BUFFER) {
        // The traffic fits the small buffer again (small messages, or the
        // tail of a burst): wait for the next read with that one. A
        // stream whose reads stay larger keeps the large buffer, rather
        // than paying a small read and a settle check for every chunk.
        buffers.give(buffer);
        buffer = small;
      }
    }
  } finally {
    if (buffer !== small) buffers.give(buffer);
  }
  if (log.verbose) log.event(`Closing connection to ${socket.peer}`);
}

/**
 * The echo server's large buffers: at most {@linkcode LARGE_BUFFERS_OUT}
 * held by connections at once, and up to {@linkcode POOL_LIMIT} kept for
 * reuse so that bursts do not allocate.
 */
class LargeBuffers {
  #pool: Uint8Array[] = [];
  #out = 0;

  /** A large buffer, or undefined when the cap is reached. */
  take(): Uint8Array | undefined {
    if (this.#out >= LARGE_BUFFERS_OUT) return undefined;
    this.#out++;
    return this.#pool.pop() ?? new Uint8Array(LARGE_BUFFER);
  }

  /** Hands a buffer from {@linkcode LargeBuffers.take} back. */
  give(buffer: Uint8Array): void {
    this.#out--;
    if (this.#pool.length < POOL_LIMIT) this.#pool.push(buffer);
  }
}

function logEcho(log: EventLog, socket: StreamSocket, chunk: Uint8Array): void {
  // Checked when the first echo is logged rather than at each read, so
  // that quiet mode's read loop carries no check at all.
  if (socket.bytesWritten === chunk.length) {
    noteTlsClient(log, { socket, first: chunk });
  }
  const peer = socket.peer;
  log.data(
    chunk.length,
    () => `Echoed ${describeBytes(chunk, SHOWN_TEXT_LIMIT)} to ${peer}`,
  );
}

/**
 * True when `operation` settles before the event loop turns: a read whose
 * bytes are already in the OS's queue completes within a few microtasks,
 * while one that must wait for the network does not. A wrong guess costs
 * only an extra write, never a byte.
 */
async function settlesAtOnce(operation: Promise<unknown>): Promise<boolean> {
  let settled = false;
  operation.then(() => settled = true, () => settled = true);
  for (let tick = 0; tick < SETTLE_TICKS && !settled; tick++) await null;
  return settled;
}
