/**
 * The echo server: every connection is served at once and gets back every
 * byte it sends, in order, however it is chunked. Each chunk is written in
 * full before the next is read, so a client that never reads stalls only
 * itself; a half-close is answered with the rest of the echo, then a close.
 *
 * @module
 */

import { type Reporter, SILENT } from "../output/reporter.ts";
import { quoted } from "../output/escape.ts";
import { counted } from "../output/count.ts";
import type { ServerSummary } from "./_listener.ts";
import {
  type Connection,
  type ConnectionServer,
  type ConnectionServerOptions,
  serveConnections,
} from "./_serve.ts";

/**
 * Options for {@linkcode serveEcho}: the listening address, the reporter and
 * the limits of the shared accept loop (`maxConns`, `idleTimeoutMs`,
 * `graceMs`), all with the defaults of {@linkcode ConnectionServerOptions}.
 */
export type EchoServerOptions = ConnectionServerOptions;

/**
 * Every connection starts with a read buffer this small, because a pending
 * read holds its buffer: 10,000 idle clients cost 10,000 of these.
 */
const SMALL_BUFFER = 512;

/** A connection that fills its small buffer moves up to one this large. */
const LARGE_BUFFER = 64 * 1024;

/**
 * Large buffers handed back by connections that went quiet wait here for the
 * next busy one, so that bursts do not allocate; beyond this many they are
 * left to the garbage collector.
 */
const POOL_LIMIT = 64;

/** Per-event lines allowed in one second before they collapse. */
const LINES_PER_SECOND = 20;

/** Chunks at most this long are shown as (escaped) text. */
const SHOWN_TEXT_LIMIT = 80;

/**
 * Starts the echo server on the shared concurrent accept loop.
 *
 * @example Echo one message, then stop
 * ```ts
 * import { serveEcho } from "./echo.ts";
 * const server = serveEcho({ port: 0 });
 * const conn = await Deno.connect(server.addr);
 * await conn.write(new TextEncoder().encode("hi"));
 * await conn.read(new Uint8Array(2));
 * conn.close();
 * await server.close();
 * ```
 */
export function serveEcho(options: EchoServerOptions = {}): ConnectionServer {
  const reporter = options.reporter ?? SILENT;
  const pool: Uint8Array[] = [];
  // Quiet mode gets no log object at all, so the loop's only cost is a
  // null check per chunk.
  const log = reporter.verbose
    ? new EventLog(reporter, () => server.open)
    : undefined;

  // The handler is the echo loop itself: every extra async frame would be
  // held by each idle connection.
  async function echo({ socket }: Connection): Promise<void> {
    log?.event(`Accepted connection from ${socket.peer}`);
    const small = new Uint8Array(SMALL_BUFFER);
    let buffer: Uint8Array = small;
    try {
      while (true) {
        const count = await socket.read(buffer);
        if (count === null) break;
        const chunk = count === buffer.length
          ? buffer
          : buffer.subarray(0, count);
        // The await is the backpressure: nothing more is read from this
        // client until its echo has been taken by the OS.
        await socket.writeAll(chunk);
        log?.echoed(socket.peer, chunk);
        if (count === buffer.length) {
          if (buffer === small) {
            buffer = pool.pop() ?? new Uint8Array(LARGE_BUFFER);
          }
        } else if (buffer !== small) {
          // A read that did not fill the buffer drained the OS's queue, so
          // the next one may wait a long time: wait with the small buffer.
          if (pool.length < POOL_LIMIT) pool.push(buffer);
          buffer = small;
        }
      }
    } finally {
      if (buffer !== small && pool.length < POOL_LIMIT) pool.push(buffer);
    }
    log?.event(`Closing connection to ${socket.peer}`);
  }

  const server = serveConnections(options, echo);

  async function finish(): Promise<ServerSummary> {
    try {
      return { ...await server.closed, sentVerb: "echoed" };
    } finally {
      log?.close();
    }
  }

  const closed = finish();
  return {
    addr: server.addr,
    closed,
    get open(): number {
      return server.open;
    },
    async close(): Promise<ServerSummary> {
      await server.close();
      return closed;
    },
  };
}

/**
 * Prints per-event lines until they come faster than a person can read;
 * beyond {@linkcode LINES_PER_SECOND} in a second it counts instead, and
 * prints one summary line a second while the rush lasts. Its timer runs
 * only while it has something to summarise.
 */
class EventLog {
  #reporter: Reporter;
  #open: () => number;
  #windowStart = -Infinity;
  #linesInWindow = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #reads = 0;
  #bytes = 0;
  #events = 0;

  constructor(reporter: Reporter, open: () => number) {
    this.#reporter = reporter;
    this.#open = open;
  }

  /** A connection event (accepted, closing). */
  event(line: string): void {
    if (this.#allow()) this.#reporter.info(line);
    else this.#events++;
  }

  /** One chunk echoed back to `peer`. */
  echoed(peer: string, chunk: Uint8Array): void {
    if (this.#allow()) {
      this.#reporter.info(`Echoed ${describe(chunk)} to ${peer}`);
    } else {
      this.#reads++;
      this.#bytes += chunk.length;
    }
  }

  /** Prints what is still counted and stops the timer. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flush();
  }

  #allow(): boolean {
    if (this.#timer !== undefined) return false;
    const now = performance.now();
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#linesInWindow = 0;
    }
    if (this.#linesInWindow < LINES_PER_SECOND) {
      this.#linesInWindow++;
      return true;
    }
    this.#timer = setTimeout(() => this.#tick(), 1000);
    return false;
  }

  #tick(): void {
    if (this.#flush()) {
      this.#timer = setTimeout(() => this.#tick(), 1000);
    } else {
      // A quiet second: back to one line per event.
      this.#timer = undefined;
      this.#windowStart = -Infinity;
    }
  }

  #flush(): boolean {
    if (this.#reads === 0 && this.#events === 0) return false;
    const parts: string[] = [];
    if (this.#reads > 0) {
      parts.push(
        `echoed ${counted(this.#reads, "read")} (${
          counted(this.#bytes, "byte")
        })`,
      );
    }
    if (this.#events > 0) {
      parts.push(
        `${counted(this.#events, "connection event")} not shown`,
      );
    }
    const open = this.#open();
    this.#reporter.info(
      `Last second: ${parts.join(", ")}; ${counted(open, "connection")} open`,
    );
    this.#reads = 0;
    this.#bytes = 0;
    this.#events = 0;
    return true;
  }
}

/** Shows a chunk as quoted, escaped text when short, else its size. */
function describe(chunk: Uint8Array): string {
  return chunk.length <= SHOWN_TEXT_LIMIT
    ? quoted(chunk)
    : counted(chunk.length, "byte");
}
