/**
 * Opening a stream connection to a server (TCP, TLS over TCP, or a Unix
 * socket): within a timeout and an abort signal, with TCP no-delay, the TLS
 * handshake done before it is returned, traced when `--trace` is on, and
 * every failure turned into a {@linkcode NetError}. Every client connects
 * here; `connectSocket` (in `dial.ts`) wraps what it opens. (A Unix server
 * that cannot read /proc/net/unix probes a socket file with a bare connect
 * of its own, in `server/listener.ts`: it wants the raw error.)
 *
 * @module
 */

import { checkPositive } from "./option_checks.ts";
import { bareHost } from "./address.ts";
import {
  type Endpoint,
  formatEndpoint,
  type TlsEndpoint,
  tlsServerName,
} from "./endpoint.ts";
import {
  classifyError,
  errorName,
  NetError,
  TlsError,
  toNetError,
} from "./errors.ts";
import type { Reporter } from "../output/reporter.ts";
import { seconds } from "../output/count.ts";

/** Options for {@linkcode openConnection}. */
export interface OpenOptions {
  /** Where trace lines go. Default: nowhere. */
  reporter?: Reporter;
  /** Longest wait for the connect (and TLS handshake), in ms. Default: none. */
  timeoutMs?: number;
  /** Aborting abandons the connect; it fails as "interrupted". */
  signal?: AbortSignal;
  /**
   * Send small writes at once (TCP_NODELAY) rather than waiting for the
   * server's acknowledgement of earlier ones. Default true.
   */
  tcpNoDelay?: boolean;
}

/**
 * Turns Nagle's algorithm off (TCP_NODELAY) on a TCP connection, so that a
 * small write goes out at once rather than waiting for the peer's delayed
 * acknowledgement (up to 40 ms on Linux) of what is still in flight. Other
 * transports have no such delay and are left as they are; a connection
 * already reset is left to its next read or write to report. Returns whether
 * no-delay is now on, so that a trace claims it only when it is.
 *
 * @example
 * ```ts
 * import { setTcpNoDelay } from "./connect.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const conn = await Deno.connect({ port: listener.addr.port });
 * setTcpNoDelay(conn); // true
 * conn.close();
 * listener.close();
 * ```
 */
export function setTcpNoDelay(conn: Deno.Conn): boolean {
  if (!("setNoDelay" in conn) || typeof conn.setNoDelay !== "function") {
    return false;
  }
  try {
    conn.setNoDelay(true);
    return true;
  } catch {
    // Reset already: the next read or write reports it with its context.
    return false;
  }
}

/**
 * What a TLS handshake's trace line adds after "done", on either side.
 *
 * @example
 * ```ts
 * import { describeHandshake } from "./connect.ts";
 * describeHandshake({ alpnProtocol: null });
 * // "ALPN none; Deno does not report the TLS version"
 * ```
 */
export function describeHandshake(info: Deno.TlsHandshakeInfo): string {
  return `ALPN ${
    info.alpnProtocol ?? "none"
  }; Deno does not report the TLS version`;
}

/**
 * Connects to the server an endpoint names and returns the connection;
 * failures (refused, unknown host, TLS handshake, timeout, interrupted)
 * reject as {@linkcode NetError}. A TLS connection is returned with its
 * handshake done, so a rejected certificate fails here.
 *
 * @example
 * ```ts
 * import { openConnection } from "./connect.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const conn = await openConnection({
 *   transport: "tcp",
 *   host: "127.0.0.1",
 *   port: listener.addr.port,
 * });
 * conn.close();
 * listener.close();
 * ```
 */
export async function openConnection(
  endpoint: Endpoint,
  options: OpenOptions = {},
): Promise<Deno.Conn> {
  const address = formatEndpoint(endpoint);
  checkPositive(options.timeoutMs, "timeoutMs");
  // An abort listener never hears a signal aborted before it was added.
  if (options.signal?.aborted) {
    throw new NetError(
      "interrupted",
      `interrupted before connecting to ${address}`,
    );
  }
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
    return await openConn(endpoint, controller.signal, options);
  } catch (error) {
    const kind = timedOut
      ? "timeout"
      : options.signal?.aborted
      ? "interrupted"
      : classifyError(error);
    if (options.reporter?.tracing) {
      const name = timedOut || options.signal?.aborted
        ? ""
        : ` (${errorName(error)})`;
      options.reporter.trace(`error connecting to ${address}: ${kind}${name}`);
    }
    if (timedOut) {
      throw connectTimeout(address, options.timeoutMs ?? 0, { cause: error });
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
  options: OpenOptions,
): Promise<Deno.Conn> {
  if (endpoint.transport === "unix") {
    // A local connect completes or fails at once: nothing to abort.
    try {
      return await Deno.connect({ transport: "unix", path: endpoint.path });
    } catch (error) {
      // The OS refuses a path that holds a plain file as it refuses a
      // stale socket: tell the two apart, a mistyped path being likelier.
      if (error instanceof Deno.errors.ConnectionRefused) {
        const kind = fileKind(endpoint.path);
        if (kind !== undefined && kind !== "socket") {
          throw new NetError(
            "refused",
            `connection to unix:${endpoint.path} refused: the ${kind} there is not a socket`,
            { cause: error },
          );
        }
      }
      throw error;
    }
  }
  const tcp = await Deno.connect({
    hostname: bareHost(endpoint.host),
    port: endpoint.port,
    signal,
  });
  // On the TCP stream itself: a TLS connection made from it has no switch.
  if (options.tcpNoDelay ?? true) setTcpNoDelay(tcp);
  if (endpoint.transport === "tcp") return tcp;
  return await handshake(tcp, endpoint, signal, options.reporter);
}

// What is at `path`, for a refused Unix connect; undefined when nothing
// (or it cannot be seen).
function fileKind(path: string): string | undefined {
  try {
    const info = Deno.lstatSync(path);
    if (info.isSocket) return "socket";
    return info.isDirectory ? "directory" : "file";
  } catch {
    return undefined;
  }
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
    // Aborted (a timeout, Ctrl-C) while startTls was being set up: no
    // listener heard it, and a silent peer would hold the handshake.
    if (signal.aborted) onAbort();
    const info = await tls.handshake();
    reporter?.trace(
      `TLS handshake with ${
        formatEndpoint(endpoint)
      } done: certificate verified for "${name}" (${describeHandshake(info)})`,
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

/**
 * The error for a connect given up after `timeoutMs`, with the runtime's
 * error as its `cause` when there was one.
 *
 * @example
 * ```ts
 * import { connectTimeout } from "./connect.ts";
 * connectTimeout("127.0.0.1:7", 2000).message;
 * // "could not connect to 127.0.0.1:7 within 2 s"
 * ```
 */
export function connectTimeout(
  address: string,
  timeoutMs: number,
  options: { cause?: unknown } = {},
): NetError {
  return new NetError(
    "timeout",
    `could not connect to ${address} within ${seconds(timeoutMs)}`,
    { cause: options.cause },
  );
}
