/**
 * Raw-socket helpers for tests that play a client (or a tiny server) by
 * hand: connect on loopback, write everything, read a count of bytes or
 * everything up to EOF. They use `Deno.Conn` directly rather than
 * `protocol/`, so a bug there cannot hide itself in the tests.
 *
 * @module
 */

import { concatBytes } from "../protocol/bytes.ts";

/** The UTF-8 bytes of `text`. */
export function encode(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** `bytes` read as UTF-8. */
export function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/**
 * Connects to `port` on 127.0.0.1.
 *
 * @example
 * ```ts
 * import { connectLocal } from "./_net.ts";
 * const conn = await connectLocal(65432);
 * conn.close();
 * ```
 */
export function connectLocal(port: number): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "127.0.0.1", port });
}

/**
 * A loopback port where nothing listens: bound on port 0, then released, so
 * a connection to it is refused.
 *
 * @example
 * ```ts
 * import { closedPort } from "./_net.ts";
 * const port = closedPort();
 * // Deno.connect({ hostname: "127.0.0.1", port }) rejects: refused.
 * ```
 */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/**
 * Writes all of `bytes`: `conn.write()` may take fewer than it was given.
 *
 * @example
 * ```ts
 * import { connectLocal, writeAll } from "./_net.ts";
 * const conn = await connectLocal(65432);
 * await writeAll(conn, new TextEncoder().encode("hello"));
 * conn.close();
 * ```
 */
export async function writeAll(
  conn: Deno.Conn,
  bytes: Uint8Array,
): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    offset += await conn.write(bytes.subarray(offset));
  }
}

/**
 * Reads until `length` bytes came and resolves them; fewer means EOF came
 * first, which the caller's assertion on the result then shows.
 *
 * @example
 * ```ts
 * import { connectLocal, readBytes } from "./_net.ts";
 * const conn = await connectLocal(65432);
 * const echoed = await readBytes(conn, 5);
 * conn.close();
 * ```
 */
export async function readBytes(
  conn: Deno.Conn,
  length: number,
): Promise<Uint8Array> {
  const received = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const count = await conn.read(received.subarray(filled));
    if (count === null) break;
    filled += count;
  }
  return received.subarray(0, filled);
}

/** Options for {@linkcode readToEnd}. */
export interface ReadToEndOptions {
  /**
   * Treat a reset like EOF and resolve what came before it, for peers that
   * may abort rather than close. Default: a reset rejects.
   */
  resetIsEnd?: boolean;
}

/**
 * Reads everything up to EOF.
 *
 * @example
 * ```ts
 * import { connectLocal, readToEnd } from "./_net.ts";
 * const conn = await connectLocal(65432);
 * await conn.closeWrite();
 * const rest = await readToEnd(conn, { resetIsEnd: true });
 * conn.close();
 * ```
 */
export async function readToEnd(
  conn: Deno.Conn,
  options: ReadToEndOptions = {},
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(64 * 1024);
  try {
    while (true) {
      const count = await conn.read(buffer);
      if (count === null) break;
      chunks.push(buffer.slice(0, count));
    }
  } catch (error) {
    const reset = error instanceof Deno.errors.ConnectionReset;
    if (!(reset && options.resetIsEnd)) throw error;
  }
  return concatBytes(chunks);
}

/** A server for one connection, from {@linkcode answerOnce}. */
export interface OneShotServer {
  /** The port it listens on (127.0.0.1). */
  port: number;
  /** Resolves once it has answered and closed, and stopped listening. */
  done: Promise<void>;
}

/**
 * Listens on a free port for one connection, reads one chunk, writes
 * `reply` (text as UTF-8, or bytes as they are) and closes: a stand-in for
 * a misbehaving or unusual server.
 */
export function answerOnce(reply: string | Uint8Array): OneShotServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const done = (async () => {
    try {
      const conn = await listener.accept();
      await conn.read(new Uint8Array(64));
      await writeAll(
        conn,
        typeof reply === "string" ? new TextEncoder().encode(reply) : reply,
      );
      conn.close();
    } finally {
      listener.close();
    }
  })();
  return { port: listener.addr.port, done };
}

/** A test server from {@linkcode serveEach}. */
export interface EachServer {
  /** The port it listens on (127.0.0.1). */
  port: number;
  /** Stops listening, ends the handlers' waits, and awaits every handler. */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 at a free port and runs `serve` for every connection
 * accepted (its `index` counts from 0); each connection is closed once its
 * handler ends, which a failed read or write (the client closed first)
 * ends too. Any other failure of a handler (a failed assertion) rejects
 * `close()`. `closing` resolves when the server is closed, for a handler
 * that holds its connection until then.
 */
export function serveEach(
  serve: (
    conn: Deno.Conn,
    { index, closing }: { index: number; closing: Promise<void> },
  ) => Promise<void>,
): EachServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closing = Promise.withResolvers<void>();
  const handlers: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      const index = handlers.length;
      handlers.push(
        serve(conn, { index, closing: closing.promise })
          .catch(socketErrorsOnly)
          .finally(() => conn.close()),
      );
    }
  })();
  return {
    port: listener.addr.port,
    async close(): Promise<void> {
      listener.close();
      closing.resolve();
      await accepting;
      await Promise.all(handlers);
    },
  };
}

// A handler's socket call failed (the client reset or closed first): the
// connection's end, not the test's failure.
function socketErrorsOnly(error: unknown): void {
  const runtime = Object.values(Deno.errors).some((kind) =>
    error instanceof kind
  );
  if (!runtime) throw error;
}
