/**
 * Where a server listens or a client connects, over which transport: plain
 * TCP, TLS over TCP, or a Unix domain socket. The bytes on the stream are the
 * same for all three, so every mode takes an {@linkcode Endpoint} and only the
 * listen and connect functions look inside it.
 *
 * @module
 */

import { checkWhole } from "./option_checks.ts";
import {
  bareHost,
  DEFAULT_HOST,
  DEFAULT_PORT,
  formatHostPort,
} from "./address.ts";

/** Plain TCP to or on `host:port`. */
export interface TcpEndpoint {
  /** The transport. */
  transport: "tcp";
  /** Host name or address; IPv6 with or without brackets. */
  host: string;
  /** Port; 0 lets a server's OS pick one. */
  port: number;
}

/** TLS over TCP. A server needs `cert` and `key`; a client uses the rest. */
export interface TlsEndpoint {
  /** The transport. */
  transport: "tls";
  /** Host name or address; IPv6 with or without brackets. */
  host: string;
  /** Port; 0 lets a server's OS pick one. */
  port: number;
  /** Server: the certificate chain, PEM. */
  cert?: string;
  /** Server: the private key, PEM. */
  key?: string;
  /** Client: CA certificates (PEM) trusted in addition to the system's. */
  caCerts?: string[];
  /** Client: the name sent as SNI and verified in the certificate. Default: the host. */
  serverName?: string;
}

/** A Unix domain stream socket at a file-system path. */
export interface UnixEndpoint {
  /** The transport. */
  transport: "unix";
  /** The socket file's path. */
  path: string;
}

/** One of the transports every server and client speaks. */
export type Endpoint = TcpEndpoint | TlsEndpoint | UnixEndpoint;

/** The options from which {@linkcode endpointOf} picks an endpoint. */
export interface EndpointOptions {
  /** The endpoint, when the caller has one; wins over host and port. */
  endpoint?: Endpoint;
  /** The host for plain TCP. Default `127.0.0.1`. */
  host?: string;
  /** The port for plain TCP. Default 65432. */
  port?: number;
}

/**
 * The endpoint a server's or client's options name: `endpoint` when given,
 * else plain TCP on `host` and `port` with their defaults.
 *
 * @example
 * ```ts
 * import { endpointOf } from "./endpoint.ts";
 * endpointOf({ port: 0 }); // { transport: "tcp", host: "127.0.0.1", port: 0 }
 * ```
 */
export function endpointOf(options: EndpointOptions): Endpoint {
  const { endpoint } = options;
  if (endpoint !== undefined) {
    // A caller's object, not always of the type it claims.
    const transport: string = endpoint.transport;
    if (endpoint.transport === "tcp" || endpoint.transport === "tls") {
      checkWhole(endpoint.port, "endpoint.port", { min: 0, max: 65535 });
    } else if (transport !== "unix") {
      throw new RangeError(
        `endpoint.transport must be "tcp", "tls" or "unix", got "${transport}"`,
      );
    }
    return endpoint;
  }
  checkWhole(options.port, "port", { min: 0, max: 65535 });
  return {
    transport: "tcp",
    host: options.host ?? DEFAULT_HOST,
    port: options.port ?? DEFAULT_PORT,
  };
}

/**
 * Names an endpoint as every line shows it: `127.0.0.1:65432`, `[::1]:80`,
 * `unix:/tmp/echo.sock`. TLS endpoints print like TCP ones (the trace and
 * the handshake line say TLS).
 *
 * @example
 * ```ts
 * import { formatEndpoint } from "./endpoint.ts";
 * formatEndpoint({ transport: "unix", path: "/tmp/x.sock" }); // "unix:/tmp/x.sock"
 * ```
 */
export function formatEndpoint(endpoint: Endpoint): string {
  return endpoint.transport === "unix"
    ? `unix:${endpoint.path}`
    : formatHostPort(endpoint.host, endpoint.port);
}

/**
 * The name a TLS client verifies: `serverName`, else the host, either
 * without the brackets of an IPv6 address.
 *
 * @example
 * ```ts
 * import { tlsServerName } from "./endpoint.ts";
 * tlsServerName({ transport: "tls", host: "[::1]", port: 443 }); // "::1"
 * ```
 */
export function tlsServerName(endpoint: TlsEndpoint): string {
  return bareHost(endpoint.serverName ?? endpoint.host);
}
