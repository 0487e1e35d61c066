/**
 * What every netdemo server shares: opening its listener (with the
 * `Listening on HOST:PORT` line and friendly errors) and the handle it
 * returns to the CLI and to tests.
 *
 * @module
 */

import {
  bareHost,
  DEFAULT_HOST,
  DEFAULT_PORT,
  formatAddr,
  formatHostPort,
  isWildcardHost,
} from "../protocol/address.ts";
import { toNetError } from "../protocol/errors.ts";
import type { Reporter } from "../output/reporter.ts";
import { counted } from "../output/count.ts";

/** Options every server takes. */
export interface ListenOptions {
  /** The address to bind. Default `127.0.0.1`. */
  host?: string;
  /** The port to bind; 0 picks a free one. Default 65432. */
  port?: number;
}

/** What a server reports when it stops. */
export interface ServerSummary {
  /** Connections accepted over the server's life. */
  connections: number;
  /** Bytes the server sent back to clients. */
  bytesSent: number;
  /** Seconds from listening to stopping. */
  uptimeSeconds: number;
  /** How the summary names what was sent, e.g. "echoed". Default "sent". */
  sentVerb?: string;
}

/** Options for {@linkcode ServerHandle.close}. */
export interface CloseOptions {
  /**
   * Close every open connection now, without the grace a server may give
   * them (also when the grace has already begun). Default false.
   */
  now?: boolean;
}

/** A running server, as returned by every `serve*` function. */
export interface ServerHandle {
  /** The bound address; its port is the real one when port 0 was asked. */
  readonly addr: Deno.NetAddr;
  /** Settles when the server has stopped and released every socket. */
  readonly closed: Promise<ServerSummary>;
  /** Stops accepting and ends the server; resolves when it has stopped. */
  close(options?: CloseOptions): Promise<ServerSummary>;
}

/**
 * Binds a TCP listener, prints `Listening on HOST:PORT` (always, as the
 * first line) and warns when every interface is bound. Failures (address in
 * use, not this machine's address, unknown host) throw a NetError.
 *
 * @example
 * ```ts
 * import { openListener } from "./_listener.ts";
 * import { SILENT } from "../output/reporter.ts";
 * const listener = openListener({ port: 0 }, SILENT);
 * listener.close();
 * ```
 */
export function openListener(
  options: ListenOptions,
  reporter: Reporter,
): Deno.TcpListener {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: bareHost(host), port });
  } catch (error) {
    throw toNetError(error, { address: formatHostPort(host, port), host });
  }
  const address = formatAddr(listener.addr);
  reporter.always(`Listening on ${address}`);
  reporter.trace(`listen on ${address}`);
  if (isWildcardHost(host)) {
    reporter.warn(
      `listening on every interface (${address}): other machines can connect`,
    );
  }
  return listener;
}

/** A server's listener and the summary it fills in while it runs. */
export interface Listening {
  /** The bound listener, its `Listening on` line already printed. */
  listener: Deno.TcpListener;
  /** Counts start at 0; the server adds to them as it serves. */
  summary: ServerSummary;
  /** Sets the summary's uptime (from listening until now) and returns it. */
  stopClock(): ServerSummary;
}

/**
 * The first steps of every server: opens the listener with
 * {@linkcode openListener} and starts its summary, whose uptime counts from
 * this moment.
 *
 * @example
 * ```ts
 * import { startListening } from "./_listener.ts";
 * import { SILENT } from "../output/reporter.ts";
 * const { listener, stopClock } = startListening({ port: 0 }, SILENT);
 * listener.close();
 * stopClock().uptimeSeconds; // about 0
 * ```
 */
export function startListening(
  options: ListenOptions,
  reporter: Reporter,
): Listening {
  const listener = openListener(options, reporter);
  const started = performance.now();
  const summary: ServerSummary = {
    connections: 0,
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
 * Formats a server's final summary line.
 *
 * @example
 * ```ts
 * import { formatSummary } from "./_listener.ts";
 * formatSummary({ connections: 2, bytesSent: 10, uptimeSeconds: 1.5 });
 * // "Served 2 connections, sent 10 bytes, up 1.5 s"
 * ```
 */
export function formatSummary(summary: ServerSummary): string {
  return `Served ${counted(summary.connections, "connection")}, ${
    summary.sentVerb ?? "sent"
  } ${counted(summary.bytesSent, "byte")}, up ${
    summary.uptimeSeconds.toFixed(1)
  } s`;
}

/**
 * The log line for an accept that failed; the listener goes on. A
 * connection reset or aborted while it waited in the backlog makes
 * `accept` (or the `getpeername` the runtime calls inside it) fail with
 * ENOTCONN or ECONNABORTED.
 *
 * @example
 * ```ts
 * import { describeAcceptFailure } from "./_listener.ts";
 * describeAcceptFailure(new Deno.errors.NotConnected("os error 107"));
 * // "A connection was reset before it could be accepted (os error 107); still listening"
 * ```
 */
export function describeAcceptFailure(error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  if (
    error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.ConnectionReset
  ) {
    return `A connection was reset before it could be accepted (${detail}); still listening`;
  }
  return `Could not accept a connection (${detail}); still listening`;
}
