/**
 * A thin wrapper around a Deno TCP connection that every server and client
 * uses: it writes in full (the course's `sendall`), turns failures into
 * {@linkcode NetError}s, honours a per-wait timeout and an abort signal, and
 * traces each socket step when `--trace` is on.
 *
 * @module
 */

import { bareHost, formatAddr } from "./address.ts";
import {
  type Endpoint,
  endpointOf,
  formatEndpoint,
  type TlsEndpoint,
  tlsServerName,
} from "./endpoint.ts";
import { classifyError, NetError, TlsError, toNetError } from "./errors.ts";
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

/** TLS connections whose handshake connectSocket has traced already. */
const tracedHandshakes = new WeakSet<Deno.Conn>();

/**
 * Accepted Unix connections have no peer name, so their listener numbers
 * them (1, 2, ... per listener) and the Socket shows `unix client N`.
 */
const unixClientNumbers = new WeakMap<Deno.Conn, number>();

/**
 * Records the number a Unix listener gave the connection it accepted, so
 * that its {@linkcode Socket} names the peer `unix client N`.
 *
 * @example
 * ```ts
 * import { numberUnixClient } from "./socket.ts";
 * // In a Unix listener's accept: numberUnixClient(conn, ++accepted);
 * ```
 */
export function numberUnixClient(conn: Deno.Conn, number: number): void {
  unixClientNumbers.set(conn, number);
}

function isEndWithoutCloseNotify(error: unknown): boolean {
  return error instanceof Deno.errors.UnexpectedEof &&
    /close_notify/.test(error.message);
}

/** What the handshake step's trace line adds after "done". */
function handshakeDetail(info: Deno.TlsHandshakeInfo): string {
  return `ALPN ${
    info.alpnProtocol ?? "none"
  }; Deno does not report the TLS version`;
}

/**
 * One TCP connection as netdemo's programs see it.
 *
 * @example Read one chunk from an accepted connection
 * ```ts
 * import { Socket } from "./socket.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = Deno.connect({ port: listener.addr.port });
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
  #movedBytes = 0;
  #quietSince = performance.now();
  #onAbort = (): void => this.close();

  /** Wraps a connection, typically one just accepted or connected. */
  constructor(conn: Deno.Conn, options: SocketOptions = {}) {
    this.conn = conn;
    this.local = formatAddr(conn.localAddr);
    const peer = formatAddr(conn.remoteAddr);
    this.peer = peer === "unix:(unnamed)"
      ? `unix client ${unixClientNumbers.get(conn) ?? "(unnumbered)"}`
      : peer;
    this.#reporter = options.reporter ?? SILENT;
    if (
      this.#reporter.tracing && "handshake" in conn &&
      !tracedHandshakes.has(conn)
    ) {
      // Accepted TLS connections complete their handshake on the first
      // read; this only watches it, so a failure is still reported there.
      (conn as Deno.TlsConn).handshake().then(
        (info) =>
          this.#reporter.trace(
            `TLS handshake with ${this.peer} done (${handshakeDetail(info)})`,
          ),
        () => {},
      );
    }
    this.#timeoutMs = options.timeoutMs;
    this.#signal = options.signal;
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /**
   * How long, in ms, no byte has moved either way as of `now`, judged from
   * the byte counters each time it is asked rather than from a clock read
   * on every read and write (which the hot path would pay for even with no
   * idle limit). Ask on a timer: the answer is exact to one tick.
   *
   * @example
   * ```ts ignore
   * if (socket.quietFor(performance.now()) >= idleTimeoutMs) socket.close();
   * ```
   */
  quietFor(now: number): number {
    const moved = this.bytesRead + this.bytesWritten;
    if (moved !== this.#movedBytes) {
      this.#movedBytes = moved;
      this.#quietSince = now;
    }
    return now - this.#quietSince;
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
      // Many TLS peers (Deno's own close() among them) end the stream
      // without a close_notify alert; like most TLS tools, treat it as EOF.
      if (!isEndWithoutCloseNotify(error)) throw this.#failure(error, during);
      count = null;
    }
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
 * const conn = await Deno.connect({ port: listener.addr.port });
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
  /** The server's host name or address when given a port. Default `127.0.0.1`. */
  host?: string;
  /**
   * Send small writes at once (TCP_NODELAY) rather than waiting for the
   * server's acknowledgement of earlier ones. Default true.
   */
  noDelay?: boolean;
}

/**
 * Connects to a server and returns the traced {@linkcode Socket}; failures
 * (refused, unknown host, TLS handshake, timeout, interrupted) reject as
 * {@linkcode NetError}. Takes an {@linkcode Endpoint} (TCP, TLS or Unix), or
 * a port for plain TCP to `options.host`. A TLS connection is returned with
 * its handshake done, so a rejected certificate fails here.
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
  target: Endpoint | number,
  options: ConnectOptions = {},
): Promise<Socket> {
  const endpoint = typeof target === "number"
    ? endpointOf({ host: options.host, port: target })
    : target;
  const address = formatEndpoint(endpoint);
  const host = endpoint.transport === "unix" ? endpoint.path : endpoint.host;
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
    const conn = await openConn(endpoint, controller.signal, options);
    const socket = new Socket(conn, options);
    const local = conn.localAddr;
    traceNames.set(
      socket,
      "port" in local
        ? `${socket.peer} via local port ${local.port}`
        : socket.peer,
    );
    options.reporter?.trace(
      "port" in local
        ? `connected to ${socket.peer} from ${socket.local} (local port chosen by the OS)`
        : `connected to ${socket.peer}`,
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

/** Opens the stream an endpoint names; aborting `signal` abandons it. */
async function openConn(
  endpoint: Endpoint,
  signal: AbortSignal,
  options: ConnectOptions,
): Promise<Deno.Conn> {
  if (endpoint.transport === "unix") {
    // A local connect completes or fails at once: nothing to abort.
    return await Deno.connect({ transport: "unix", path: endpoint.path });
  }
  const tcp = await Deno.connect({
    hostname: bareHost(endpoint.host),
    port: endpoint.port,
    signal,
  });
  // On the TCP stream itself: a TLS connection made from it has no switch.
  if (options.noDelay ?? true) setNoDelay(tcp);
  if (endpoint.transport === "tcp") return tcp;
  return await handshake(tcp, endpoint, signal, options.reporter);
}

/**
 * Runs the client side of the TLS handshake on a connected TCP stream, so
 * that a rejected certificate is a connect failure rather than a read error
 * later; startTls rather than connectTls because only it takes a name to
 * verify that differs from the address connected to.
 */
async function handshake(
  tcp: Deno.TcpConn,
  endpoint: TlsEndpoint,
  signal: AbortSignal,
  reporter: Reporter | undefined,
): Promise<Deno.TlsConn> {
  const name = tlsServerName(endpoint);
  reporter?.trace(
    `TLS handshake with ${formatEndpoint(endpoint)} as "${name}"`,
  );
  const tls = await Deno.startTls(tcp, {
    hostname: name,
    caCerts: endpoint.caCerts,
  });
  const onAbort = (): void => tls.close();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const info = await tls.handshake();
    tracedHandshakes.add(tls);
    reporter?.trace(
      `TLS handshake with ${
        formatEndpoint(endpoint)
      } done: certificate verified for "${name}" (${handshakeDetail(info)})`,
    );
    return tls;
  } catch (error) {
    if (!signal.aborted) {
      try {
        tls.close();
      } catch {
        // Closed already by the runtime after the failed handshake.
      }
    }
    throw signal.aborted ? error : new TlsError(error);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
