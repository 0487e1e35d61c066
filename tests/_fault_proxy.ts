/**
 * A fault-injecting TCP proxy for tests: it listens on `127.0.0.1:0` and
 * forwards every accepted connection to a target, while doing to the bytes
 * what real networks and crashing peers do to them.
 *
 * - Chunking: each direction's stream is cut into random 1..`maxChunk`-byte
 *   pieces, written one after another with a random 0..`maxDelayMs` ms pause
 *   before each piece but the first. Byte order is kept, and a half-close is
 *   forwarded (as a FIN) only after every byte before it.
 * - Reset after K bytes: once the proxy has forwarded K bytes from the client
 *   to the server (that direction only, so the cut point does not depend on
 *   how fast the server answers), it resets the client's connection and
 *   closes the server's, forwarding nothing more either way. The server
 *   reads exactly K bytes, then EOF.
 *
 * Why `node:net` rather than `Deno.listen`: `Deno.Conn.close()` always
 * sends FIN first (it calls `shutdown(SHUT_WR)` before `close`), so a client
 * would read a clean EOF even when data was pending, and an RST would only
 * follow. Deno's `node:net` implements `socket.resetAndDestroy()` with
 * `SO_LINGER` 0, which sends a real RST and nothing before it. A client
 * then sees what it sees when a peer crashes or a middlebox drops the
 * connection: its next read fails with ECONNRESET (Deno's
 * `ConnectionReset`), whether or not it had data pending, and bytes still
 * in flight towards it are lost.
 *
 * Randomness comes from a seeded PRNG (one stream per connection and
 * direction), so a failing run can be repeated. The draws are reproducible;
 * the chunk boundaries also depend on how the OS split the reads, because a
 * piece never waits for bytes that have not arrived (waiting could deadlock
 * a request/reply exchange).
 *
 * @module
 */

import * as net from "node:net";
import { seededRandom } from "./_random.ts";

/** The seed used when none is given. */
const DEFAULT_SEED = 0x5eed;

/** How the proxy cuts the stream into pieces. */
export interface ChunkingOptions {
  /** Largest piece, in bytes (at least 1). Default 7. */
  maxChunk?: number;
  /** Longest pause before a piece, in ms (0: none). Default 2. */
  maxDelayMs?: number;
}

/** Options for {@linkcode startFaultProxy}. */
export interface FaultProxyOptions {
  /** The target's host. Default `127.0.0.1`. */
  targetHost?: string;
  /** Seed of the PRNG. Default {@linkcode DEFAULT_SEED}. */
  seed?: number;
  /** Cut both directions into random pieces. Default: forward as received. */
  chunking?: ChunkingOptions;
  /**
   * Reset the client once this many client-to-server bytes have been
   * forwarded (0: as soon as it connects). Default: never.
   */
  resetAfter?: number;
}

/** A running proxy, from {@linkcode startFaultProxy}. */
export interface FaultProxy {
  /** The port clients connect to (on 127.0.0.1). */
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections the proxy reset on purpose. */
  readonly resets: number;
  /** Stops listening, ends every open pair, resolves once all is closed. */
  close(): Promise<void>;
}

/**
 * Starts the proxy in front of `target` (a port on `targetHost`); resolves
 * once it is listening.
 *
 * @example Cut a stream into small random pieces
 * ```ts
 * import { startFaultProxy } from "./_fault_proxy.ts";
 * const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const proxy = await startFaultProxy({ port: server.addr.port }, {
 *   chunking: { maxChunk: 3, maxDelayMs: 2 },
 * });
 * // Clients connect to proxy.port instead of server.addr.port.
 * await proxy.close();
 * server.close();
 * ```
 */
export async function startFaultProxy(
  target: { port: number },
  options: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const seed = options.seed ?? DEFAULT_SEED;
  const pairs = new Set<Pair>();
  let connections = 0;
  let resets = 0;
  // pauseOnConnect: nothing is read from a client before its pair is set up;
  // allowHalfOpen: a FIN from one side must not close the other direction.
  const server = net.createServer(
    { allowHalfOpen: true, pauseOnConnect: true },
    (client) => {
      const pair = new Pair(client, {
        host: options.targetHost ?? "127.0.0.1",
        port: target.port,
        // Every direction gets its own stream of draws, so the draws do not
        // depend on how the two directions interleave.
        seed: seed + connections * 2,
        chunking: options.chunking,
        resetAfter: options.resetAfter,
        onReset: () => resets++,
      });
      connections++;
      pairs.add(pair);
      pair.closed.then(() => pairs.delete(pair));
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  let closing: Promise<void> | undefined;

  async function close(): Promise<void> {
    // The callback of server.close() waits for every connection to end,
    // so the pairs are ended after it stops accepting.
    const stopped = new Promise<void>((resolve) =>
      server.close(() => resolve())
    );
    for (const pair of pairs) pair.destroy();
    await Promise.all([...pairs].map((pair) => pair.closed));
    await stopped;
  }

  return {
    port,
    get connections(): number {
      return connections;
    },
    get resets(): number {
      return resets;
    },
    close(): Promise<void> {
      closing ??= close();
      return closing;
    },
  };
}

interface PairOptions {
  host: string;
  port: number;
  seed: number;
  chunking?: ChunkingOptions;
  resetAfter?: number;
  onReset: () => void;
}

/** One client connection and the proxy's connection to the target. */
class Pair {
  /** Resolves once both sockets have closed. */
  readonly closed: Promise<void>;
  #client: net.Socket;
  #upstream: net.Socket;
  #controller = new AbortController();
  #options: PairOptions;
  #remaining: number;

  constructor(client: net.Socket, options: PairOptions) {
    this.#client = client;
    this.#options = options;
    this.#remaining = options.resetAfter ?? Infinity;
    this.#upstream = net.connect({
      host: options.host,
      port: options.port,
      allowHalfOpen: true,
    });
    // A socket error (reset, refused, broken pipe) ends the whole pair;
    // the listeners also keep node from treating it as uncaught.
    client.on("error", () => this.destroy());
    this.#upstream.on("error", () => this.destroy());
    this.closed = Promise.all([closeOf(client), closeOf(this.#upstream)])
      .then(() => {});
    this.#upstream.once("connect", () => this.#start());
  }

  /** Ends the pair at once: both sockets destroyed, pauses cut short. */
  destroy(): void {
    this.#controller.abort();
    this.#client.destroy();
    this.#upstream.destroy();
  }

  #start(): void {
    if (this.#remaining <= 0) {
      this.#cut();
      return;
    }
    const { seed, chunking } = this.#options;
    const upstream = this.#pump(this.#client, this.#upstream, {
      random: seededRandom(seed),
      chunking,
      limit: () => this.#remaining,
      forwarded: (count) => {
        this.#remaining -= count;
        if (this.#remaining <= 0) this.#cut();
      },
    });
    const downstream = this.#pump(this.#upstream, this.#client, {
      random: seededRandom(seed + 1),
      chunking,
      limit: () => Infinity,
      forwarded: () => {},
    });
    // Both directions have forwarded their FIN: nothing is left to do.
    Promise.all([upstream, downstream]).then(() => this.destroy());
  }

  /** Resets the client (a real RST) and closes the server's side. */
  #cut(): void {
    if (this.#controller.signal.aborted) return;
    this.#options.onReset();
    this.#controller.abort();
    this.#client.resetAndDestroy();
    this.#upstream.destroy();
  }

  /**
   * Copies `from` to `to` piece by piece; at EOF, half-closes `to` after
   * the last byte. Resolves when done or when the pair is ended.
   */
  #pump(
    from: net.Socket,
    to: net.Socket,
    options: {
      random: () => number;
      chunking?: ChunkingOptions;
      limit: () => number;
      forwarded: (count: number) => void;
    },
  ): Promise<void> {
    const { random, chunking } = options;
    const maxChunk = Math.max(1, chunking?.maxChunk ?? 7);
    const maxDelayMs = Math.max(0, chunking?.maxDelayMs ?? 2);
    const signal = this.#controller.signal;
    const queue: Uint8Array[] = [];
    let ended = false;
    let busy = false;
    let first = true;
    const { promise: done, resolve: finish } = Promise.withResolvers<void>();
    signal.addEventListener("abort", () => finish(), { once: true });

    const drain = async (): Promise<void> => {
      if (busy || signal.aborted) return;
      busy = true;
      try {
        while (queue.length > 0 && !signal.aborted) {
          const data = queue.shift() as Uint8Array;
          let offset = 0;
          while (offset < data.length && !signal.aborted) {
            let size = data.length - offset;
            if (chunking !== undefined) {
              size = Math.min(size, 1 + Math.floor(random() * maxChunk));
              if (!first) {
                await pause(Math.floor(random() * (maxDelayMs + 1)), signal);
              }
              first = false;
            }
            size = Math.min(size, options.limit());
            if (signal.aborted || size <= 0) return;
            // Waiting for each write to complete is the backpressure, and
            // keeps the pieces in separate writes.
            await write(to, data.subarray(offset, offset + size));
            offset += size;
            options.forwarded(size);
          }
        }
        if (signal.aborted) return;
        busy = false;
        if (ended) {
          to.end();
          finish();
        } else {
          from.resume();
        }
      } catch {
        this.destroy();
      } finally {
        busy = false;
      }
    };

    from.on("data", (data: Uint8Array) => {
      queue.push(data);
      from.pause();
      drain();
    });
    from.on("end", () => {
      ended = true;
      drain();
    });
    from.resume();
    return done;
  }
}

function closeOf(socket: net.Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once("close", () => resolve()));
}

function write(socket: net.Socket, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.write(data, (error) => error ? reject(error) : resolve());
  });
}

/** Waits `ms` (not at all when 0); an abort ends the wait and clears the timer. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
