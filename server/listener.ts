/**
 * What every netdemo server shares: opening its listener (with the
 * `Listening on HOST:PORT` line and friendly errors), and what an accept
 * failure means. A Unix socket's listener is in `_unix_listener.ts`; the
 * summary and the handle a server returns are in `summary.ts`.
 *
 * @module
 */

import { bareHost, formatAddr, isWildcardHost } from "../protocol/address.ts";
import {
  type Endpoint,
  endpointOf,
  formatEndpoint,
} from "../protocol/endpoint.ts";
import { errorMessage, NetError, toNetError } from "../protocol/errors.ts";
import { keyPairReason } from "../protocol/tls_reasons.ts";
import type { Reporter } from "../output/reporter.ts";
import { announceOrClose } from "./_announce.ts";
import { listenUnix } from "./_unix_listener.ts";
import type { ServerKind, ServerSummary } from "./summary.ts";

/** Options every server takes. */
export interface ListenOptions {
  /** The address to bind. Default `127.0.0.1`. */
  host?: string;
  /** The port to bind; 0 picks a free one. Default 65432. */
  port?: number;
  /** TCP, TLS or a Unix socket; wins over `host` and `port`. */
  endpoint?: Endpoint;
}

/**
 * What the servers use of a listener, whatever its transport. `addr` is a
 * `Deno.NetAddr` for TCP and TLS; a Unix listener's is its `Deno.UnixAddr`
 * (`formatAddr` prints both), typed alike so that the many callers reading
 * a TCP port keep their types.
 */
export interface ServerListener {
  /** The bound address. */
  readonly addr: Deno.NetAddr;
  /**
   * The next connection; rejects once closed, and with a NetError (which
   * ends the server) when the listener could not bind after all.
   */
  accept(): Promise<Deno.Conn>;
  /** Stops listening; a Unix listener's socket file goes with it. */
  close(): void;
}

/**
 * Binds the listener an endpoint names (TCP, TLS or Unix), prints
 * `Listening on ADDRESS` (always, as the first line) and warns when every
 * interface is bound. Failures (address in use, not this machine's address,
 * unknown host, unreadable certificate) throw a NetError.
 */
function openListener(
  options: ListenOptions,
  reporter: Reporter,
): ServerListener {
  const endpoint = endpointOf(options);
  if (endpoint.transport === "unix") return listenUnix(endpoint.path, reporter);
  let listener: Deno.Listener<Deno.Conn, Deno.NetAddr>;
  try {
    const hostname = bareHost(endpoint.host);
    const { port } = endpoint;
    if (endpoint.transport === "tcp") {
      listener = Deno.listen({ hostname, port });
    } else {
      if (endpoint.cert === undefined || endpoint.key === undefined) {
        throw new NetError(
          "other",
          "a TLS server needs a certificate and its key",
        );
      }
      listener = Deno.listenTls({
        hostname,
        port,
        cert: endpoint.cert,
        key: endpoint.key,
      });
    }
  } catch (error) {
    const address = formatEndpoint(endpoint);
    if (endpoint.transport === "tls" && isUnusableKeyPair(error)) {
      throw new NetError(
        "other",
        `cannot serve TLS on ${address}: ${keyPairReason(error as Error)}`,
        { cause: error },
      );
    }
    throw toNetError(error, { address, host: endpoint.host });
  }
  announceOrClose(listener, reporter);
  // The bound address, not the typed one: "::0", "0:0:0:0:0:0:0:0" and
  // "[0::0]" bind every interface too, and all come back as "::".
  if (isWildcardHost(listener.addr.hostname)) {
    reporter.warn(
      `listening on every interface (${
        formatAddr(listener.addr)
      }): other machines can connect`,
    );
  }
  return listener;
}

/** A certificate or key that Deno.listenTls could not use. */
function isUnusableKeyPair(error: unknown): boolean {
  return error instanceof Error && !(error instanceof NetError) &&
    /certificate|key/i.test(error.message);
}

/** A server's listener and the summary it fills in while it runs. */
export interface Listening {
  /** The bound listener, its `Listening on` line already printed. */
  listener: ServerListener;
  /** Counts start at 0; the server adds to them as it serves. */
  summary: ServerSummary;
  /** Sets the summary's uptime (from listening until now) and returns it. */
  stopClock(): ServerSummary;
}

/**
 * The first steps of every server: opens the listener with
 * {@linkcode openListener} and starts the summary of a `kind` server, whose
 * uptime counts from this moment.
 *
 * @example
 * ```ts
 * import { startListening } from "./listener.ts";
 * import { SILENT } from "../output/reporter.ts";
 * const { listener, stopClock } = startListening("echo", SILENT, { port: 0 });
 * listener.close();
 * stopClock().uptimeSeconds; // about 0
 * ```
 */
export function startListening(
  kind: ServerKind,
  reporter: Reporter,
  options: ListenOptions,
): Listening {
  const listener = openListener(options, reporter);
  const started = performance.now();
  const summary: ServerSummary = {
    kind,
    connections: 0,
    refused: 0,
    bytesSent: 0,
    uptimeSeconds: 0,
  };
  return {
    listener,
    summary,
    stopClock(): ServerSummary {
      summary.uptimeSeconds = (performance.now() - started) / 1000;
      return summary;
    },
  };
}

/**
 * True for the accept failures that end a server: a closed listener, or one
 * that never bound (a Unix socket path already in use). Every other failure
 * belongs to one connection, or to a passing shortage, and the server goes
 * on accepting.
 *
 * @example
 * ```ts
 * import { endsAccepting } from "./listener.ts";
 * endsAccepting(new Deno.errors.BadResource("closed")); // true
 * endsAccepting(new Deno.errors.NotConnected("os error 107")); // false
 * ```
 */
export function endsAccepting(error: unknown): boolean {
  return error instanceof Deno.errors.BadResource || error instanceof NetError;
}

/**
 * The log line for an accept that failed; the listener goes on. A
 * connection reset or aborted while it waited in the backlog makes
 * `accept` (or the `getpeername` the runtime calls inside it) fail with
 * ENOTCONN or ECONNABORTED.
 *
 * @example
 * ```ts
 * import { describeAcceptFailure } from "./listener.ts";
 * describeAcceptFailure(new Deno.errors.NotConnected("os error 107"));
 * // "A client gave up its connection while it waited to be accepted; still listening"
 * ```
 */
export function describeAcceptFailure(error: unknown): string {
  const detail = errorMessage(error);
  if (
    error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.ConnectionReset
  ) {
    // The OS's words (ENOTCONN, "Transport endpoint is not connected")
    // name the symptom, not what happened.
    return "A client gave up its connection while it waited to be accepted; still listening";
  }
  // Deno refuses a Unix peer whose socket path is not UTF-8, quoting the
  // path in its own escapes: the path is the peer's, and not shown.
  if (/^File name or path .* is not valid UTF-8$/s.test(detail)) {
    return "Could not accept a connection: the client's socket path is not valid UTF-8, which Deno cannot name; still listening";
  }
  return `Could not accept a connection: ${detail}; still listening`;
}
