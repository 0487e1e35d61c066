/**
 * Byte helpers every layer needs: joining chunks into one array, reading
 * a stream whole within a size bound, and strict base64.
 *
 * @module
 */

/**
 * Joins byte arrays into one new array, in order.
 *
 * @example
 * ```ts
 * import { concatBytes } from "./bytes.ts";
 * concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])]); // Uint8Array [1, 2, 3]
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/**
 * Reads `stream` to its end, or until it has given more than `limit`
 * bytes: then it is cancelled, and what was read (more than `limit`) is
 * returned, so the caller can say the input is too large without ever
 * holding much more of it than allowed.
 *
 * @example
 * ```ts
 * import { readBytes } from "./bytes.ts";
 * const bytes = await readBytes(new Blob(["abc"]).stream(), 2);
 * bytes.length > 2; // true: too large
 * ```
 */
export async function readBytes(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  try {
    while (total <= limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
    if (total > limit) await reader.cancel().catch(() => {});
  } finally {
    reader.releaseLock();
  }
  return concatBytes(chunks);
}

/**
 * True for strict base64: whole groups of four, padding only at the end,
 * and no whitespace (`atob` skips whitespace that other decoders read as
 * data, so a check made with `atob` alone could vouch for other bytes).
 *
 * @example
 * ```ts
 * import { isBase64 } from "./bytes.ts";
 * isBase64("QQ=="); // true
 * isBase64("QQ="); // false
 * ```
 */
export function isBase64(text: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 === 0;
}

/**
 * The bytes of a base64 text; throws a `DOMException` for text `atob`
 * cannot read. Check it with {@linkcode isBase64} first for strict base64.
 *
 * @example
 * ```ts
 * import { base64Bytes } from "./bytes.ts";
 * base64Bytes("QUI="); // Uint8Array [65, 66]
 * ```
 */
export function base64Bytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

/**
 * The base64 text of `bytes` (standard alphabet, with padding).
 *
 * @example
 * ```ts
 * import { base64Text } from "./bytes.ts";
 * base64Text(new Uint8Array([65, 66])); // "QUI="
 * ```
 */
export function base64Text(bytes: Uint8Array): string {
  let binary = "";
  // In slices, as a spread of a whole large array would overflow the stack.
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary);
}
