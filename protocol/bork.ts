/**
 * The bork lesson's wire behaviour: the reply to each chunk is the chunk with
 * ` bork bork bork` added, before a trailing newline if there is one. Shared
 * by the bork server (which makes replies) and the count client (which knows
 * how long a reply is).
 *
 * @module
 */

import { concatBytes } from "./bytes.ts";
import { incompleteTail } from "./utf8.ts";

/** The text added to every chunk. */
export const BORK_SUFFIX = " bork bork bork";

const SUFFIX_BYTES = new TextEncoder().encode(BORK_SUFFIX);
const LF = 0x0a;
const CR = 0x0d;

/**
 * Makes the bork reply to one complete chunk: the suffix goes before a
 * trailing `\n` or `\r\n`, else at the end.
 *
 * @example
 * ```ts
 * import { borkReply } from "./bork.ts";
 * new TextDecoder().decode(borkReply(new TextEncoder().encode("hi\n")));
 * // "hi bork bork bork\n"
 * ```
 */
export function borkReply(chunk: Uint8Array): Uint8Array {
  let bodyEnd = chunk.length;
  if (bodyEnd > 0 && chunk[bodyEnd - 1] === LF) {
    bodyEnd -= bodyEnd > 1 && chunk[bodyEnd - 2] === CR ? 2 : 1;
  }
  const reply = new Uint8Array(chunk.length + SUFFIX_BYTES.length);
  reply.set(chunk.subarray(0, bodyEnd));
  reply.set(SUFFIX_BYTES, bodyEnd);
  reply.set(chunk.subarray(bodyEnd), bodyEnd + SUFFIX_BYTES.length);
  return reply;
}

/**
 * The longest reply a bork server can give to `sentLength` bytes: every
 * chunk it reads (one byte at the least) gains a suffix, and a line end may
 * follow. A client reads no more than this, so that a server that never
 * stops sending cannot make it hold without bound.
 *
 * @example
 * ```ts
 * import { maxBorkReply } from "./bork.ts";
 * maxBorkReply(2) > 2; // true
 * ```
 */
export function maxBorkReply(sentLength: number): number {
  return sentLength * (1 + SUFFIX_BYTES.length) + 2;
}

/**
 * Tells whether `reply` holds the whole answer to `sentLength` bytes that
 * the server may have received in several chunks: every chunk brings one
 * suffix, so the reply is complete when, without its suffixes, it is as long
 * as what was sent and it ends with a suffix (or a suffix and a newline).
 *
 * @example
 * ```ts
 * import { isCompleteBorkReply } from "./bork.ts";
 * const bytes = new TextEncoder().encode("1 bork bork bork0 bork bork bork");
 * isCompleteBorkReply(bytes, 2); // true
 * ```
 */
export function isCompleteBorkReply(
  reply: Uint8Array,
  sentLength: number,
): boolean {
  let suffixes = 0;
  let lastEnd = -1;
  for (let i = 0; i + SUFFIX_BYTES.length <= reply.length; i++) {
    if (startsWithSuffix(reply, i)) {
      suffixes++;
      lastEnd = i + SUFFIX_BYTES.length;
      i = lastEnd - 1;
    }
  }
  if (suffixes === 0) return false;
  if (reply.length - suffixes * SUFFIX_BYTES.length !== sentLength) {
    return false;
  }
  const tail = reply.length - lastEnd;
  return tail === 0 ||
    (tail === 1 && reply[lastEnd] === LF) ||
    (tail === 2 && reply[lastEnd] === CR && reply[lastEnd + 1] === LF);
}

function startsWithSuffix(bytes: Uint8Array, at: number): boolean {
  for (let j = 0; j < SUFFIX_BYTES.length; j++) {
    if (bytes[at + j] !== SUFFIX_BYTES[j]) return false;
  }
  return true;
}

/**
 * Turns a stream of received chunks into bork replies without ever splitting
 * a multi-byte UTF-8 character: an incomplete trailing sequence waits for the
 * next chunk.
 *
 * @example
 * ```ts
 * import { BorkReplier } from "./bork.ts";
 * const replier = new BorkReplier();
 * replier.push(new Uint8Array([0xc3])); // null: half of "é"
 * replier.push(new Uint8Array([0xa9])); // the reply to "é"
 * ```
 */
export class BorkReplier {
  #pending = new Uint8Array(0);

  /**
   * Takes a received chunk; returns the complete text it finishes (to show)
   * and the reply to send, or null when only part of a character came.
   */
  push(chunk: Uint8Array): { text: Uint8Array; reply: Uint8Array } | null {
    const bytes = this.#pending.length === 0
      ? chunk
      : concatBytes([this.#pending, chunk]);
    const complete = incompleteTail(bytes);
    this.#pending = bytes.slice(complete);
    if (complete === 0) return null;
    const text = bytes.subarray(0, complete);
    return { text, reply: borkReply(text) };
  }

  /** At end of stream: the reply to bytes still waiting, or null if none. */
  flush(): { text: Uint8Array; reply: Uint8Array } | null {
    if (this.#pending.length === 0) return null;
    const text = this.#pending;
    this.#pending = new Uint8Array(0);
    return { text, reply: borkReply(text) };
  }
}
