/**
 * Reading the PEM files of `--tls-cert`, `--tls-key` and `--tls-ca`, and
 * checking them before anything listens or connects: the TLS library
 * reports a bad file only at the handshake, in words that name neither
 * the file nor the option (a byte position, "BadEncoding").
 *
 * @module
 */

import { fileProblem, readFileBoundedSync } from "../system/files.ts";

/**
 * The largest certificate or key file read. A bundle of every public root
 * certificate is about 0.2 MiB.
 */
const MAX_PEM_BYTES = 4 * 1024 * 1024;

/** What {@linkcode readPem} reads a file for. */
export interface PemOptions {
  /** The option that named the file, for messages (`--tls-key`). */
  option: string;
  /** What the file must hold. */
  holds: "certificate" | "key";
}

/**
 * Reads a PEM file named by an option and demands a block of what it
 * should hold: a key file given as a CA is otherwise found out only in the
 * handshake, as "not signed by a trusted CA", and a certificate given as
 * the key by Deno's own sentence, which names no file. Throws one sentence
 * naming the file for anything wrong.
 *
 * @example
 * ```ts ignore
 * const key = readPem("server.key", { option: "--tls-key", holds: "key" });
 * ```
 */
export function readPem(path: string, options: PemOptions): string {
  const { option, holds } = options;
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
  if (ENCRYPTED_KEY.test(text)) {
    throw new Error(
      `${option} file "${path}" holds an encrypted private key, which netdemo cannot use: decrypt it first (openssl pkey -in KEY -out PLAIN)`,
    );
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
    const shape = DER_SHAPES[label];
    if (shape !== undefined && !fitsShape(atobBytes(base64), shape)) {
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
  if (holds === "key" && !blocks.some(([, label]) => KEY_LABELS.has(label))) {
    throw new Error(
      `${option} file "${path}" holds no private key netdemo can use (no unencrypted BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block; found ${found})`,
    );
  }
  return text;
}

/** The labels of the unencrypted private keys Deno's TLS reads. */
const KEY_LABELS = new Set([
  "PRIVATE KEY",
  "RSA PRIVATE KEY",
  "EC PRIVATE KEY",
]);

/** An encrypted key, in PKCS #8 or in OpenSSL's older PEM headers. */
const ENCRYPTED_KEY =
  /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/;

const KEY_SHAPE = { starts: [0x02] };

/**
 * The blocks whose DER is checked, each with the tags its outer SEQUENCE
 * starts with: a certificate's to-be-signed SEQUENCE, its signature
 * algorithm and its signature BIT STRING, exactly; a key's version
 * INTEGER.
 */
const DER_SHAPES: Readonly<
  Record<string, { starts: readonly number[]; exact?: boolean }>
> = {
  "CERTIFICATE": { starts: [0x30, 0x30, 0x03], exact: true },
  ...Object.fromEntries([...KEY_LABELS].map((label) => [label, KEY_SHAPE])),
};

function atobBytes(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

/**
 * True when `der` is one DER SEQUENCE, exactly, whose elements each fit
 * in it and whose tags begin with `shape.starts` (and are only those,
 * with `shape.exact`).
 */
function fitsShape(
  der: Uint8Array,
  shape: { starts: readonly number[]; exact?: boolean },
): boolean {
  if (der[0] !== 0x30) return false;
  const outer = derLength(der, 1);
  if (outer === undefined || outer.end + outer.length !== der.length) {
    return false;
  }
  const tags: number[] = [];
  for (let at = outer.end; at < der.length;) {
    const inner = derLength(der, at + 1);
    if (inner === undefined || inner.end + inner.length > der.length) {
      return false;
    }
    tags.push(der[at]);
    at = inner.end + inner.length;
  }
  if (shape.exact && tags.length !== shape.starts.length) return false;
  return shape.starts.every((tag, i) => tags[i] === tag);
}

/** A DER length at `at`: its value and where the contents begin. */
function derLength(
  der: Uint8Array,
  at: number,
): { length: number; end: number } | undefined {
  if (at >= der.length) return undefined;
  const first = der[at];
  if (first < 0x80) return { length: first, end: at + 1 };
  const bytes = first & 0x7f;
  if (bytes === 0 || bytes > 4 || at + 1 + bytes > der.length) return undefined;
  let length = 0;
  for (let i = 0; i < bytes; i++) length = length * 256 + der[at + 1 + i];
  return { length, end: at + 1 + bytes };
}

/** One PEM block: its label and its base64 body. */
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \1-----/g;
