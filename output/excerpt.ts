/**
 * The start of a long value a peer sent, for a log line: escaped as
 * `escape.ts` does, and cut where a reader sees a character end, never
 * inside one (an emoji of several code points included), with `...` when
 * there was more.
 *
 * @module
 */

import { escapeBytes, escapeText } from "./escape.ts";
import { strictUtf8, utf8Length, validSequence } from "../protocol/utf8.ts";

/**
 * The escaped start of text or bytes a peer sent: at most `limit`
 * characters (of a string) or bytes (of bytes), then `...` when there was
 * more, for lines that show a long value in part.
 *
 * @example
 * ```ts
 * import { excerpt } from "./excerpt.ts";
 * excerpt("abcdef", 3); // "abc..."
 * excerpt(new Uint8Array([0x68, 0x07]), 3); // "h\\x07"
 * ```
 */
export function excerpt(value: string | Uint8Array, limit: number): string {
  const shown = typeof value === "string"
    ? escapeText(value.slice(0, wholeCharacters(value, limit)))
    : escapeBytes(value.subarray(0, wholeBytes(value, limit)));
  return value.length > limit ? `${shown}...` : shown;
}

/**
 * {@linkcode excerpt} in double quotes, a `"` inside shown as `\"` (as
 * {@linkcode quoted} does), so that a quote the peer sent cannot end the
 * quoted value early as a reader sees it.
 *
 * @example
 * ```ts
 * import { quotedExcerpt } from "./excerpt.ts";
 * quotedExcerpt('say "hi" now', 8); // '"say \\"hi\\"..."'
 * ```
 */
export function quotedExcerpt(
  value: string | Uint8Array,
  limit: number,
): string {
  return `"${excerpt(value, limit).replaceAll('"', '\\"')}"`;
}

/** How many bytes past a cut are enough to see the character it falls in. */
const LOOK_PAST = 64;

// How much of `bytes`, at most `limit`, ends between two characters as a
// reader sees them, as `wholeCharacters` does for text: a cut inside a
// valid character would show its first bytes as `\xNN`, which says the
// peer sent bytes that are not UTF-8. The cut falls in a run of valid
// UTF-8 between two bytes that are not (or the ends), which is read as
// text to find where its characters end.
function wholeBytes(bytes: Uint8Array, limit: number): number {
  if (bytes.length <= limit) return bytes.length;
  const seen = bytes.subarray(0, limit + LOOK_PAST);
  let runStart = 0;
  let runEnd = seen.length;
  for (let index = 0; index < seen.length;) {
    const size = validSequence(seen, index);
    if (size > 0) {
      index += size;
    } else if (index < limit) {
      runStart = ++index;
    } else {
      runEnd = index;
      break;
    }
  }
  const text = strictUtf8.decode(seen.subarray(runStart, runEnd));
  let end = runStart;
  for (const { segment } of GRAPHEMES.segment(text)) {
    const size = utf8Length(segment);
    if (end + size > limit) break;
    end += size;
  }
  // One character longer than the whole excerpt (a letter under dozens of
  // accents): its code points, rather than nothing.
  if (end === runStart && runStart < limit) {
    for (const character of text) {
      const size = utf8Length(character);
      if (end + size > limit) break;
      end += size;
    }
  }
  return end;
}

/** Splits text into what a reader sees as one character each. */
const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: "grapheme" });

// How much of `text`, at most `limit` code units, ends between two
// characters as a reader sees them: an excerpt never ends inside an emoji
// (a flag, a family joined by ZWJ, a skin tone) nor splits a surrogate pair.
function wholeCharacters(text: string, limit: number): number {
  if (text.length <= limit) return text.length;
  let end = 0;
  for (const { index, segment } of GRAPHEMES.segment(text)) {
    if (index + segment.length > limit) break;
    end = index + segment.length;
  }
  // As for bytes: a first character longer than the excerpt is cut
  // between its code points, never inside a surrogate pair.
  if (end === 0) {
    for (const character of text) {
      if (end + character.length > limit) break;
      end += character.length;
    }
  }
  return end;
}
