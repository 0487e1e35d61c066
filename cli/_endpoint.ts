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
import { fileProblem, readFileBoundedSync } from "./_files.ts";
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
      : readPem(cert, "--tls-cert", "certificate"),
    key: key === undefined ? undefined : readPem(key, "--tls-key", "key"),
    caCerts: ca === undefined
      ? undefined
      : [readPem(ca, "--tls-ca", "certificate")],
    serverName: values["tls-server-name"],
  };
}

/**
 * The largest certificate or key file read. A bundle of every public root
 * certificate is about 0.2 MiB.
 */
const MAX_PEM_BYTES = 4 * 1024 * 1024;

/**
 * Reads a PEM file named by `option` and demands a block of what it should
 * hold: a key file given as a CA is otherwise found out only in the
 * handshake, as "not signed by a trusted CA", and a certificate given as
 * the key by Deno's own sentence, which names no file.
 */
function readPem(
  path: string,
  option: string,
  holds: "certificate" | "key",
): string {
  let bytes: Uint8Array;
  try {
    bytes = readFileBoundedSync(path, MAX_PEM_BYTES);
  } catch (error) {
    throw new Error(
      `cannot read ${option} file "${path}": ${fileProblem(error)}`,
    );
  }
  if (bytes.length > MAX_PEM_BYTES) {
    throw new Error(
      `${option} file "${path}" is larger than ${MAX_PEM_BYTES} bytes, too large for a certificate or key`,
    );
  }
  const text = new TextDecoder().decode(bytes);
  if (!text.includes("-----BEGIN ")) {
    throw new Error(`${option} file "${path}" is not in PEM format`);
  }
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) {
    throw new Error(
      `${option} file "${path}" is not in PEM format: no BEGIN line has its END line`,
    );
  }
  // Checked here, because the TLS library reports bad base64 as a byte
  // position, and a block that is not DER as "BadEncoding", both after
  // the connection is made and neither naming the file.
  for (const [, label, body] of blocks) {
    const base64 = body.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
      throw new Error(
        `${option} file "${path}" is not valid PEM: its ${label} block is not base64`,
      );
    }
    const first = DER_FIRST_INSIDE[label];
    if (first !== undefined && !isDerSequence(atobBytes(base64), first)) {
      throw new Error(
        `${option} file "${path}" is not valid PEM: its ${label} block does not hold a DER-encoded ${
          label === "CERTIFICATE" ? "certificate" : "key"
        }`,
      );
    }
  }
  const found = [...new Set(blocks.map(([, label]) => label))].join(", ");
  if (
    holds === "certificate" &&
    !blocks.some(([, label]) => label === "CERTIFICATE")
  ) {
    throw new Error(
      `${option} file "${path}" holds no certificate (no BEGIN CERTIFICATE block; found ${found})`,
    );
  }
  if (holds === "key" && !blocks.some(([, label]) => KEY_LABEL.test(label))) {
    throw new Error(
      `${option} file "${path}" holds no private key netdemo can use (no unencrypted BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block; found ${found})`,
    );
  }
  return text;
}

/** The labels of the unencrypted private keys Deno's TLS reads. */
const KEY_LABEL = /^(RSA |EC )?PRIVATE KEY$/;

/**
 * The blocks whose DER is checked, each with the tag its outer SEQUENCE
 * starts with: a certificate's to-be-signed SEQUENCE, a key's version
 * INTEGER.
 */
const DER_FIRST_INSIDE: Readonly<Record<string, number>> = {
  "CERTIFICATE": 0x30,
  "PRIVATE KEY": 0x02,
  "RSA PRIVATE KEY": 0x02,
  "EC PRIVATE KEY": 0x02,
};

function atobBytes(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

/**
 * True when `der` is one DER SEQUENCE whose length is exactly the rest of
 * it and whose first element has the tag `firstInside`.
 */
function isDerSequence(der: Uint8Array, firstInside: number): boolean {
  if (der.length < 2 || der[0] !== 0x30) return false;
  let length = der[1];
  let header = 2;
  if (length >= 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4 || der.length < 2 + bytes) return false;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[2 + i];
    header += bytes;
  }
  return header + length === der.length && der[header] === firstInside;
}

/** One PEM block: its label and its base64 body. */
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \1-----/g;
