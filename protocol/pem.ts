/**
 * The PEM and DER formats as far as a TLS certificate or key file needs
 * checking before it is used: a file's blocks, whether a key is encrypted,
 * and whether a certificate's or key's
 * DER has the right outer shape. `cli/_pem.ts` says, in one sentence
 * naming the file and option, what is wrong.
 *
 * @module
 */

import { base64Bytes } from "./bytes.ts";

/** The labels of the unencrypted private keys Deno's TLS reads. */
export const KEY_LABELS: ReadonlySet<string> = new Set([
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

/** A PEM block: its label (`CERTIFICATE`) and its body, whitespace removed. */
export interface PemBlock {
  /** The word after BEGIN. */
  label: string;
  /** The body between the lines, as one string. */
  base64: string;
}

/**
 * The whole blocks of a PEM text: those whose BEGIN line has its END line.
 *
 * @example
 * ```ts
 * import { pemBlocks } from "./pem.ts";
 * pemBlocks("-----BEGIN X-----\nQQ==\n-----END X-----\n");
 * // [{ label: "X", base64: "QQ==" }]
 * ```
 */
export function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_BLOCK)].map(([, label, body]) => ({
    label,
    base64: body.replace(/\s+/g, ""),
  }));
}

/**
 * True for a text holding an encrypted private key, in PKCS #8 or in
 * OpenSSL's older PEM headers.
 *
 * @example
 * ```ts
 * import { isEncryptedKey } from "./pem.ts";
 * isEncryptedKey("-----BEGIN ENCRYPTED PRIVATE KEY-----"); // true
 * ```
 */
export function isEncryptedKey(text: string): boolean {
  return ENCRYPTED_KEY.test(text);
}

/**
 * True when a block of a label whose DER netdemo checks (a certificate, an
 * unencrypted key) holds DER of that shape; true for any other label.
 *
 * @example
 * ```ts
 * import { derFits } from "./pem.ts";
 * derFits("CERTIFICATE", "QQ=="); // false: not a DER SEQUENCE
 * ```
 */
export function derFits(label: string, base64: string): boolean {
  const shape = DER_SHAPES[label];
  return shape === undefined || fitsShape(base64Bytes(base64), shape);
}
