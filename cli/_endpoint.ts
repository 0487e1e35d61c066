/**
 * The address and transport options as the CLI reads them: `--host`,
 * `--port`, `--unix`, `--tls-cert` / `--tls-key` (servers), `--tls` /
 * `--tls-ca` / `--tls-server-name` (clients), turned into one
 * {@linkcode Endpoint}; certificate files are read here, once.
 *
 * @module
 */

import { DEFAULT_PORT } from "../protocol/address.ts";
import type { Endpoint } from "../protocol/endpoint.ts";
import { readPem } from "./_pem.ts";
import { UsageError } from "./_usage.ts";

/** The typed values of the address and transport options. */
export interface AddressValues {
  /** `--host`, checked. */
  host: string;
  /** `--port`, checked to be 0..65535. */
  port: number;
  /** `--unix`. */
  unix?: string;
  /** `--tls` (clients). */
  tls?: boolean;
  /** `--tls-cert` (servers). */
  "tls-cert"?: string;
  /** `--tls-key` (servers). */
  "tls-key"?: string;
  /** `--tls-ca` (clients). */
  "tls-ca"?: string;
  /** `--tls-server-name` (clients). */
  "tls-server-name"?: string;
}

/** What {@linkcode endpointValue} reads: the values, and which were given. */
export interface AddressCommand {
  /** The typed option values. */
  values: AddressValues;
  /** The options given on the command line. */
  given: ReadonlySet<string>;
}

const TLS_OPTIONS = ["tls", "tls-cert", "tls-key", "tls-ca", "tls-server-name"];

/**
 * Builds the endpoint a server listens on or a client connects to. A
 * client needs the server's port (0 only picks one for a server); a
 * combination that cannot work is a UsageError, an unreadable or non-PEM
 * certificate file a one-line Error naming the option and the file.
 *
 * @example
 * ```ts
 * import { endpointValue } from "./_endpoint.ts";
 * endpointValue(
 *   { values: { host: "127.0.0.1", port: 65432, unix: "/tmp/echo.sock" }, given: new Set(["unix"]) },
 *   "server",
 * );
 * // { transport: "unix", path: "/tmp/echo.sock" }
 * ```
 */
export function endpointValue(
  command: AddressCommand,
  role: "server" | "client",
): Endpoint {
  const { values, given } = command;
  const { host, port } = values;
  if (port === 0 && role === "client") {
    throw new UsageError(
      `--port 0 only picks a free port for a server; a client needs the server's port, e.g. --port ${DEFAULT_PORT}`,
    );
  }
  const tlsNames = TLS_OPTIONS.filter((name) => given.has(name));
  if (values.unix !== undefined) {
    const clash = ["host", "port"].find((name) => given.has(name));
    if (clash !== undefined) {
      throw new UsageError(
        `--unix replaces --host and --port: give one or the other, not --${clash} too`,
      );
    }
    if (tlsNames.length > 0) {
      throw new UsageError(
        `--${tlsNames[0]} works over TCP only, not with --unix`,
      );
    }
    return { transport: "unix", path: values.unix };
  }
  if (tlsNames.length === 0) return { transport: "tcp", host, port };
  const cert = values["tls-cert"];
  const key = values["tls-key"];
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together: give both");
  }
  const ca = values["tls-ca"];
  return {
    transport: "tls",
    host,
    port,
    cert: cert === undefined
      ? undefined
      : readPem(cert, { option: "--tls-cert", holds: "certificate" }),
    key: key === undefined
      ? undefined
      : readPem(key, { option: "--tls-key", holds: "key" }),
    caCerts: ca === undefined
      ? undefined
      : [readPem(ca, { option: "--tls-ca", holds: "certificate" })],
    serverName: values["tls-server-name"],
  };
}
