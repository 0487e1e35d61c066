/**
 * Reading the PEM files of `--tls-cert`, `--tls-key` and `--tls-ca`, and
 * checking them before anything listens or connects: the TLS library
 * reports a bad file only at the handshake, in words that name neither
 * the file nor the option (a byte position, "BadEncoding").
 *
 * @module
 */

import { fileProblem, readFileBoundedSync } from "../system/files.ts";
import {
  derFits,
  isEncryptedKey,
  KEY_LABELS,
  pemBlocks,
} from "../protocol/pem.ts";
import { isBase64 } from "../protocol/bytes.ts";

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
      `cannot read ${option} file "${path}": ${
        fileProblem(error, { stdin: false })
      }`,
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
  if (isEncryptedKey(text)) {
    throw new Error(
      `${option} file "${path}" holds an encrypted private key, which netdemo cannot use: decrypt it first (openssl pkey -in KEY -out PLAIN)`,
    );
  }
  const blocks = pemBlocks(text);
  if (blocks.length === 0) {
    throw new Error(
      `${option} file "${path}" is not in PEM format: no BEGIN line has its END line`,
    );
  }
  // Checked here, because the TLS library reports bad base64 as a byte
  // position, and a block that is not DER as "BadEncoding", both after
  // the connection is made and neither naming the file.
  for (const { label, base64 } of blocks) {
    if (!isBase64(base64)) {
      throw new Error(
        `${option} file "${path}" is not valid PEM: its ${label} block is not base64`,
      );
    }
    if (!derFits(label, base64)) {
      throw new Error(
        `${option} file "${path}" is not valid PEM: its ${label} block does not hold a DER-encoded ${
          label === "CERTIFICATE" ? "certificate" : "key"
        }`,
      );
    }
  }
  const found = [...new Set(blocks.map(({ label }) => label))].join(", ");
  if (
    holds === "certificate" &&
    !blocks.some(({ label }) => label === "CERTIFICATE")
  ) {
    throw new Error(
      `${option} file "${path}" holds no certificate (no BEGIN CERTIFICATE block; found ${found})`,
    );
  }
  if (holds === "key" && !blocks.some(({ label }) => KEY_LABELS.has(label))) {
    throw new Error(
      `${option} file "${path}" holds no private key netdemo can use (no unencrypted BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block; found ${found})`,
    );
  }
  return text;
}
