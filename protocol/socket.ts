/**
 * A thin wrapper around a Deno TCP connection that every server and client
 * uses: it writes in full (the course's `sendall`), turns failures into
 * {@linkcode NetError}s, honours a per-wait timeout and an abort signal, and
 * traces each socket step when `--trace` is on.
 *
 * @module
 */

import { formatAddr, formatHostPort } from "./address.ts";
import { classifyError, NetError, toNetError } from "./errors.ts";
import { type Reporter, SILENT } from "../output/reporter.ts";
import { counted } from "../output/count.ts";

/** Options for {@linkcode Socket} and {@linkcode connectSocket}. */
export interface SocketOptions {
  /** Where trace lines go. Default: nowhere. */
  reporter?: Reporter;
  /** Longest wait for any one read, write or connect, in ms. Default: none. */
  timeoutMs?: number;
  /** Aborting closes the socket; pending calls fail as "interrupted". */
  signal?: AbortSignal;
}

/**
 * How trace lines name a connection the program opened itself. Its peer is
 * the same server for every connection of a client, so the local port is
 * what tells them apart; accepted connections are named by their peer.
 */
const traceNames = new WeakMap<Socket, string>();

/**
 * One TCP connection as netdemo's programs see it.
 *
 * @example Read one chunk from an accepted connection
 * ```ts
 * import { Socket } from "./socket.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = Deno.connect(listener.addr);
 * const socket = new Socket(await listener.accept());
 * (await client).close();
 * await socket.read(new Uint8Array(16)); // null: EOF
 * socket.close();
 * listener.close();
 * ```
 */
export class Socket {
  /** The underlying connection. */
  readonly conn: Deno.Conn;
  /** This end's address as `HOST:PORT`. */
  readonly local: string;
  /** The other end's address as `HOST:PORT`. */
  readonly peer: string;
  #reporter: Reporter;
  #timeoutMs: number | undefined;
  #signal: AbortSignal | undefined;
  #closed = false;
  #timedOut = false;
  /** Bytes read from the peer so far. */
  bytesRead = 0;
  /** Bytes the OS took for sending so far. */
  bytesWritten = 0;
  /** `performance.now()` of the last completed read or write. */
  lastActivity: number = performance.now();
  #onAbort = (): void => this.close();

  /** Wraps a connection, typically one just accepted or connected. */
  constructor(conn: Deno.Conn, options: SocketOptions = {}) {
    this.conn = conn;
    this.local = formatAddr(conn.localAddr);
    this.peer = formatAddr(conn.remoteAddr);
    this.#reporter = options.reporter ?? SILENT;
    this.#timeoutMs = options.timeoutMs;
    this.#signal = options.signal;
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** True once {@linkcode Socket.close} has run. */
  get closed(): boolean {
    return this.#closed;
  }

  get #name(): string {
    return traceNames.get(this) ?? this.peer;
  }

  /**
   * Reads into `buffer`; resolves the byte count, or null at end of stream.
   * A reset or timeout rejects with a {@linkcode NetError}.
   */
  async read(buffer: Uint8Array, during = "while reading"): Promise<
    number | null
  > {
    let count: number | null;
    try {
      // No helper frame between here and the runtime's read: every idle
      // connection holds one pending read, and each async frame costs it
      // about 400 bytes.
      count = await (this.#timeoutMs === undefined
        ? this.conn.read(buffer)
        : this.#timed(this.conn.read(buffer)));
    } catch (error) {
      throw this.#failure(error, during);
    }
    this.lastActivity = performance.now();
    if (count !== null) this.bytesRead += count;
    if (this.#reporter.tracing) {
      this.#reporter.trace(
        count === null
          ? `read EOF from ${this.#name} (no more data will come)`
          : `read ${counted(count, "byte")} from ${this.#name}`,
      );
    }
    return count;
  }

  /**
   * Writes every byte of `data`, looping over partial writes; each loop's
   * await is the backpressure.
   */
  async writeAll(data: Uint8Array, during = "while sending"): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      const chunk = offset === 0 ? data : data.subarray(offset);
      let written: number;
      try {
        written = await (this.#timeoutMs === undefined
          ? this.conn.write(chunk)
          : this.#timed(this.conn.write(chunk)));
      } catch (error) {
        throw this.#failure(error, during);
      }
      if (this.#reporter.tracing) {
        const left = chunk.length - written;
        this.#reporter.trace(
          `write ${
            counted(chunk.length, "byte")
          } to ${this.#name}: the OS took ${written}${
            left > 0 ? ` (partial write, ${left} left to send)` : ""
          }`,
        );
      }
      offset += written;
      this.bytesWritten += written;
      this.lastActivity = performance.now();
    }
  }

  /** Shuts down the sending side (half-close); the peer reads EOF. */
  async closeWrite(): Promise<void> {
    this.#reporter.trace(
      `half-close to ${this.#name} (shutdown write: it will read EOF)`,
    );
    await this.#guard(this.conn.closeWrite(), "while half-closing");
  }

  /** Closes the connection; safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    if (this.#reporter.tracing) {
      this.#reporter.trace(
        `close connection to ${this.#name} (read ${
          counted(this.bytesRead, "byte")
        }, wrote ${counted(this.bytesWritten, "byte")})`,
      );
    }
    try {
      this.conn.close();
    } catch {
      // Already closed by the runtime after a failure: nothing left to free.
    }
  }

  async #timed<T>(operation: Promise<T>): Promise<T> {
    const timer = setTimeout(() => {
      this.#timedOut = true;
      this.close();
    }, this.#timeoutMs);
    try {
      return await operation;
    } finally {
      clearTimeout(timer);
    }
  }

  // For the calls off the hot path; read() and writeAll() inline the same
  // steps to spare every message an async frame.
  async #guard<T>(operation: Promise<T>, during: string): Promise<T> {
    try {
      return await (this.#timeoutMs === undefined
        ? operation
        : this.#timed(operation));
    } catch (error) {
      throw this.#failure(error, during);
    }
  }

  #failure(error: unknown, during: string): NetError {
    let failure: NetError;
    if (this.#timedOut) {
      failure = new NetError(
        "timeout",
        `no progress from ${this.peer} within ${
          (this.#timeoutMs ?? 0) / 1000
        } s ${during}`,
        { cause: error },
      );
    } else if (this.#signal?.aborted) {
      failure = new NetError("interrupted", `interrupted ${during}`, {
        cause: error,
      });
    } else if (
      error instanceof Deno.errors.BadResource ||
      error instanceof Deno.errors.Interrupted
    ) {
      failure = new NetError(
        "closed-early",
        `connection to ${this.peer} was closed ${during}`,
        {
          cause: error,
        },
      );
    } else {
      failure = toNetError(error, { address: this.peer, during });
    }
    if (this.#reporter.tracing) {
      // After a timeout or an abort the runtime's error only says that the
      // socket was closed under the call, so the kind alone is the story.
      const name = failure.kind === "timeout" || failure.kind === "interrupted"
        ? ""
        : ` (${error instanceof Error ? error.name : String(error)})`;
      this.#reporter.trace(
        `error on ${this.#name} ${during}: ${failure.kind}${name}`,
      );
    }
    return failure;
  }
}

/**
 * Turns Nagle's algorithm off (TCP_NODELAY) on a TCP connection, so that a
 * small write goes out at once rather than waiting for the peer's delayed
 * acknowledgement (up to 40 ms on Linux) of what is still in flight. Other
 * transports have no such delay and are left as they are; a connection
 * already reset is left to its next read or write to report.
 *
 * @example
 * ```ts
 * import { setNoDelay } from "./socket.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const conn = await Deno.connect(listener.addr);
 * setNoDelay(conn);
 * conn.close();
 * listener.close();
 * ```
 */
export function setNoDelay(conn: Deno.Conn): void {
  if (!("setNoDelay" in conn) || typeof conn.setNoDelay !== "function") return;
  try {
    conn.setNoDelay(true);
  } catch {
    // Reset already: the next read or write reports it with its context.
  }
}

/** Options for {@linkcode connectSocket}. */
export interface ConnectOptions extends SocketOptions {
  /** The server's host name or address. Default `127.0.0.1`. */
  host?: string;
  /**
   * Send small writes at once (TCP_NODELAY) rather than waiting for the
   * server's acknowledgement of earlier ones. Default true.
   */
  noDelay?: boolean;
}

/**
 * Connects to a server and returns the traced {@linkcode Socket}; failures
 * (refused, unknown host, timeout, interrupted) reject as {@linkcode NetError}.
 *
 * @example
 * ```ts
 * import { connectSocket } from "./socket.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const socket = await connectSocket(listener.addr.port, { host: "127.0.0.1" });
 * socket.close();
 * listener.close();
 * ```
 */
export async function connectSocket(
  port: number,
  options: ConnectOptions = {},
): Promise<Socket> {
  const host = options.host ?? "127.0.0.1";
  const address = formatHostPort(host, port);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let timedOut = false;
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  options.reporter?.trace(`connecting to ${address}`);
  try {
    const conn = await Deno.connect({
      hostname: host.replace(/^\[(.*)\]$/, "$1"),
      port,
      signal: controller.signal,
    });
    if (options.noDelay ?? true) setNoDelay(conn);
    const socket = new Socket(conn, options);
    traceNames.set(
      socket,
      `${socket.peer} via local port ${(conn.localAddr as Deno.NetAddr).port}`,
    );
    options.reporter?.trace(
      `connected to ${socket.peer} from ${socket.local} (local port chosen by the OS)`,
    );
    return socket;
  } catch (error) {
    const kind = timedOut
      ? "timeout"
      : options.signal?.aborted
      ? "interrupted"
      : classifyError(error);
    if (options.reporter?.tracing) {
      const name = timedOut || options.signal?.aborted
        ? ""
        : ` (${error instanceof Error ? error.name : String(error)})`;
      options.reporter.trace(`error connecting to ${address}: ${kind}${name}`);
    }
    if (timedOut) {
      throw new NetError(
        "timeout",
        `could not connect to ${address} within ${
          (options.timeoutMs ?? 0) / 1000
        } s`,
        { cause: error },
      );
    }
    if (options.signal?.aborted) {
      throw new NetError(
        "interrupted",
        `interrupted while connecting to ${address}`,
        {
          cause: error,
        },
      );
    }
    throw toNetError(error, { address, host });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}
