/**
 * A thin wrapper around a Deno stream connection (TCP, TLS or a Unix
 * socket) that every server and client uses: it writes in full (the
 * course's `sendall`), turns failures into {@linkcode NetError}s, honours a
 * per-wait timeout and an abort signal, and traces each socket step when
 * `--trace` is on. `connectSocket` (`dial.ts`) opens one and wraps it;
 * `peer_names.ts` says how its ends are named.
 *
 * @module
 */

import { formatAddr } from "./address.ts";
import { isDialed, peerName } from "./peer_names.ts";
import { errorName, type NetError } from "./errors.ts";
import { isEndWithoutCloseNotify, socketFailure } from "./socket_failure.ts";
import { describeHandshake } from "./connect.ts";
import { type Reporter, SILENT } from "../output/reporter.ts";
import { counted, seconds } from "../output/count.ts";

/** Options for {@linkcode StreamSocket} and `connectSocket` (`dial.ts`). */
export interface SocketOptions {
  /** Where trace lines go. Default: nowhere. */
  reporter?: Reporter;
  /** Longest wait for any one read, write or connect, in ms. Default: none. */
  timeoutMs?: number;
  /** Aborting closes the socket; pending calls fail as "interrupted". */
  signal?: AbortSignal;
}

/**
 * One stream connection (TCP, TLS or Unix) as netdemo's programs see it: a
 * byte stream, read in chunks and written in full, with a half-close. A
 * datagram transport would need a wrapper of its own.
 *
 * @example Read one chunk from an accepted connection
 * ```ts
 * import { StreamSocket } from "./socket.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const client = Deno.connect({ port: listener.addr.port });
 * const socket = new StreamSocket(await listener.accept());
 * (await client).close();
 * await socket.read(new Uint8Array(16)); // null: EOF
 * socket.close();
 * listener.close();
 * ```
 */
export class StreamSocket {
  /** The underlying connection. */
  readonly conn: Deno.Conn;
  // Formatted when first asked: 10,000 idle connections never print them.
  #local: string | undefined;
  #peer: string | undefined;
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
  // Made only with a signal: servers' sockets have none.
  #onAbort: (() => void) | undefined;
  // An accepted TLS connection until its handshake ends: closing it then
  // would free nothing (see close()).
  #handshaking = false;
  // Set once an accepted TLS connection's handshake succeeded: until then
  // the peer's end of stream is a handshake it gave up, not a plain EOF.
  #handshook = false;
  #freed: PromiseWithResolvers<void> | undefined;

  /** Wraps a connection, typically one just accepted or connected. */
  constructor(conn: Deno.Conn, options: SocketOptions = {}) {
    this.conn = conn;
    this.#reporter = options.reporter ?? SILENT;
    if ("handshake" in conn && !isDialed(conn)) {
      // Only watched here: a failure is still reported by the first read.
      this.#handshaking = true;
      (conn as Deno.TlsConn).handshake().then(
        (info) => {
          this.#handshook = true;
          this.#handshakeEnded();
          this.#reporter.trace(
            `TLS handshake with ${this.peer} done (${describeHandshake(info)})`,
          );
        },
        () => this.#handshakeEnded(),
      );
    }
    this.#timeoutMs = options.timeoutMs;
    if (options.signal !== undefined) {
      this.#signal = options.signal;
      this.#onAbort = (): void => this.close();
      this.#signal.addEventListener("abort", this.#onAbort, { once: true });
    }
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

  /** This end's address as `HOST:PORT`. */
  get local(): string {
    return this.#local ??= formatAddr(this.conn.localAddr);
  }

  /** The other end's address as `HOST:PORT` (`unix client N` if unnamed). */
  get peer(): string {
    return this.#peer ??= peerName(this.conn);
  }

  /** True once {@linkcode StreamSocket.close} has run. */
  get closed(): boolean {
    return this.#closed;
  }

  /** How trace lines name this connection. */
  get #name(): string {
    const local = this.conn.localAddr;
    return isDialed(this.conn) && "port" in local
      ? `${this.peer} via local port ${local.port}`
      : this.peer;
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
      count = this.endOfRead(error, during);
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
        throw this.failure(error, during);
      }
      if (this.#reporter.tracing) {
        const left = chunk.length - written;
        this.#reporter.trace(
          `write ${counted(chunk.length, "byte")} to ${this.#name}: ${
            "handshake" in this.conn ? "TLS" : "the OS"
          } took ${written}${
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

  /**
   * Closes the connection; safe to call more than once. An accepted TLS
   * connection whose handshake is still pending is closed only when the
   * handshake ends (the peer completes it, fails it, or leaves): Deno
   * cannot abort a handshake, and a close before its end frees nothing,
   * for the runtime keeps the TCP socket until then. Waiting keeps the
   * connection's place, so a server that counts its connections still
   * counts this one; {@linkcode StreamSocket.freed} tells when it goes.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#onAbort) {
      this.#signal?.removeEventListener("abort", this.#onAbort);
    }
    if (this.#handshaking) {
      this.#reporter.trace(
        `close connection to ${this.#name} once its TLS handshake ends (Deno cannot abort one)`,
      );
      return;
    }
    this.#release();
  }

  /**
   * Closes the connection now, even mid-handshake, for a server that is
   * stopping: the runtime then holds the TCP socket until the peer ends
   * the handshake, which an exiting process does not wait for.
   */
  abandon(): void {
    this.close();
    if (this.#handshaking) {
      this.#handshaking = false;
      this.#release();
    }
  }

  /** True while a close waits for a pending TLS handshake to end. */
  get closing(): boolean {
    return this.#closed && this.#handshaking;
  }

  /** Resolves once the connection is closed and its socket freed. */
  get freed(): Promise<void> {
    if (this.#closed && !this.#handshaking) return Promise.resolve();
    this.#freed ??= Promise.withResolvers<void>();
    return this.#freed.promise;
  }

  #handshakeEnded(): void {
    if (!this.#handshaking) return;
    this.#handshaking = false;
    if (this.#closed) this.#release();
  }

  #release(): void {
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
    this.#freed?.resolve();
  }

  async #timed<T>(operation: Promise<T>): Promise<T> {
    const timer = setTimeout(() => {
      this.#timedOut = true;
      // Said first: the close below is traced before the call it ends
      // fails, and would read as its cause.
      this.#reporter.trace(
        `timed out on ${this.#name} after ${
          seconds(this.#timeoutMs ?? 0)
        } without progress: closing it`,
      );
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
      throw this.failure(error, during);
    }
  }

  /**
   * True when {@linkcode StreamSocket.read} and
   * {@linkcode StreamSocket.writeAll} would add nothing to the
   * connection's own calls but the byte counts: no trace lines, no
   * timeout. A loop that runs once per message may then call `conn`
   * itself, saving an async frame per call, as long as it adds to
   * `bytesRead` and `bytesWritten` and turns a failure into the same
   * error with {@linkcode StreamSocket.failure} or
   * {@linkcode StreamSocket.endOfRead}.
   */
  get direct(): boolean {
    return this.#timeoutMs === undefined && !this.#reporter.tracing;
  }

  /**
   * What a failed read of `conn` means, as {@linkcode StreamSocket.read}
   * reports it: null (the end of the stream) when a TLS peer ended without
   * a close_notify alert, else it throws {@linkcode StreamSocket.failure}.
   */
  endOfRead(error: unknown, during: string): null {
    // Many TLS peers (Deno's own close() among them) end the stream
    // without a close_notify alert; like most TLS tools, treat it as EOF.
    if (!isEndWithoutCloseNotify(error)) throw this.failure(error, during);
    return null;
  }

  /**
   * The {@linkcode NetError} for a failed call on this connection
   * `during` a step ("while sending"): a timeout, an interruption, a
   * connection closed under the call, or what the OS said; traced.
   */
  failure(error: unknown, during: string): NetError {
    const failure = socketFailure(error, {
      peer: this.peer,
      during,
      timeoutMs: this.#timedOut ? this.#timeoutMs ?? 0 : undefined,
      aborted: this.#signal?.aborted === true,
      handshakeCut: "handshake" in this.conn && !isDialed(this.conn) &&
        !this.#handshook,
      established: this.bytesRead + this.bytesWritten > 0,
    });
    if (this.#reporter.tracing) {
      // After a timeout or an abort the runtime's error only says that the
      // socket was closed under the call, so the kind alone is the story;
      // after a close of this side's own (a watchdog, the run's end), the
      // close is, and the report names its reason.
      const name = failure.kind === "timeout" || failure.kind === "interrupted"
        ? ""
        : ` (${errorName(error)})`;
      const what = this.#closed && failure.kind === "closed-early"
        ? "closed on this side"
        : `${failure.kind}${name}`;
      this.#reporter.trace(`error on ${this.#name} ${during}: ${what}`);
    }
    return failure;
  }
}
