/**
 * Facts about UTF-8 bytes that the protocols and the escaping share: how
 * long the valid character at a place is, where a character cut off at a
 * chunk's end begins, and how many bytes text takes.
 *
 * @module
 */

/**
 * A decoder that throws on any byte that is not UTF-8. `ignoreBOM`: a byte
 * order mark a peer sent is part of what it sent, not dropped as the
 * decoder's default would.
 */
export const strictUtf8: TextDecoder = new TextDecoder("utf-8", {
  fatal: true,
  ignoreBOM: true,
});

/**
 * The length of the valid UTF-8 character at `index`, 0 when the byte
 * there starts none (invalid, or cut off by the end).
 *
 * @example
 * ```ts
 * import { validSequence } from "./utf8.ts";
 * validSequence(new Uint8Array([0xe2, 0x82, 0xac]), 0); // 3: "€"
 * validSequence(new Uint8Array([0xff]), 0); // 0
 * ```
 */
export function validSequence(bytes: Uint8Array, index: number): number {
  const size = sequenceLength(bytes[index]);
  if (size === 0 || index + size > bytes.length) return 0;
  if (size === 1) return 1;
  try {
    strictUtf8.decode(bytes.subarray(index, index + size));
    return size;
  } catch {
    return 0;
  }
}

/**
 * Where a cut-off UTF-8 character at the end of `bytes` begins (a lead byte
 * whose continuation has not arrived yet), or `bytes.length` when the end is
 * whole: a reader showing a stream chunk by chunk keeps those bytes for the
 * next chunk rather than showing half a character as `\xNN`.
 *
 * @example
 * ```ts
 * import { incompleteTail } from "./utf8.ts";
 * incompleteTail(new Uint8Array([0x61, 0xe2, 0x82])); // 1: "€" is cut off
 * incompleteTail(new Uint8Array([0x61, 0xff])); // 2: 0xff is no lead byte
 * ```
 */
export function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const at = bytes.length - back;
    const byte = bytes[at];
    if ((byte & 0xc0) === 0x80) continue;
    const cutOff = sequenceLength(byte) > back &&
      (back === 1 || secondByteFits(byte, bytes[at + 1]));
    return cutOff ? at : bytes.length;
  }
  return bytes.length;
}

// The leads whose second byte is narrower than 0x80-0xbf: what falls
// outside would make an overlong form, a surrogate or a code point past
// U+10FFFF, which no more bytes can make a character.
function secondByteFits(lead: number, second: number): boolean {
  if (lead === 0xe0) return second >= 0xa0;
  if (lead === 0xed) return second <= 0x9f;
  if (lead === 0xf0) return second >= 0x90;
  if (lead === 0xf4) return second <= 0x8f;
  return true;
}

/**
 * The UTF-8 length of well-formed text.
 *
 * @example
 * ```ts
 * import { utf8Length } from "./utf8.ts";
 * utf8Length("a€"); // 4
 * ```
 */
export function utf8Length(text: string): number {
  let size = 0;
  for (const character of text) {
    const point = character.codePointAt(0)!;
    size += point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
  }
  return size;
}

/** The length of the UTF-8 sequence a lead byte starts, 0 when invalid. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}
