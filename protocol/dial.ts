/**
 * Opening a connection as a client: {@linkcode connectSocket} connects (TCP,
 * TLS with its handshake done, or a Unix socket) and wraps the connection
 * in a traced `StreamSocket`.
 *
 * @module
 */

import { type Endpoint, endpointOf } from "./endpoint.ts";
import { openConnection, type OpenOptions } from "./connect.ts";
import { markDialed } from "./peer_names.ts";
import { type SocketOptions, StreamSocket } from "./socket.ts";

/** Options for {@linkcode connectSocket}. */
export interface ConnectOptions extends SocketOptions, OpenOptions {
  /** The server's host name or address when given a port. Default `127.0.0.1`. */
  host?: string;
}

/**
 * Connects to a server (see `openConnection` in `connect.ts`) and returns
 * the traced `StreamSocket`; failures (refused, unknown host, TLS
 * handshake, timeout, interrupted) reject as {@linkcode NetError}. Takes an
 * {@linkcode Endpoint} (TCP, TLS or Unix), or a port for plain TCP to
 * `options.host`. A TLS connection is returned with its handshake done, so
 * a rejected certificate fails here.
 *
 * @example
 * ```ts
 * import { connectSocket } from "./dial.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const socket = await connectSocket(listener.addr.port, { host: "127.0.0.1" });
 * socket.close();
 * listener.close();
 * ```
 */
export async function connectSocket(
  target: Endpoint | number,
  options: ConnectOptions = {},
): Promise<StreamSocket> {
  const endpoint = typeof target === "number"
    ? endpointOf({ host: options.host, port: target })
    : target;
  const conn = await openConnection(endpoint, options);
  markDialed(conn);
  const socket = new StreamSocket(conn, options);
  if (options.reporter?.tracing) {
    options.reporter.trace(
      "port" in conn.localAddr
        ? `connected to ${socket.peer} from ${socket.local} (local port chosen by the OS)`
        : `connected to ${socket.peer}`,
    );
  }
  return socket;
}
