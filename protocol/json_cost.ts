/**
 * What a JSON text costs in memory once parsed, estimated from its bytes
 * before `JSON.parse` runs, so that a server's byte budget can bound the
 * parsed form too. A budget of raw bytes alone does not: in V8 a 1 MiB
 * text of `[{},{},...]` parses to about 22 MB (an object of some 64 bytes
 * for every three bytes of text), and `[[[[...]]]]` to about 30 MB.
 *
 * @module
 */

/**
 * Heap bytes charged per token, above what V8 was measured to spend on it
 * (Deno 2.9.6: an empty object 64 bytes, an empty array 40, an array slot
 * 8, an object of one property 40), so the estimate errs high. A property
 * is charged for the worst case: a key that no other object has costs V8
 * a hidden class of its own as well, and 1 MiB of `[{"0":0},{"1":0},...]`
 * parses to 19.2 MB, 1.4 times what 32 bytes a property had charged.
 */
const OBJECT_OR_ARRAY = 64;
const PROPERTY = 128;
const ELEMENT = 8;
const STRING = 16;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const COLON = 0x3a;
const COMMA = 0x2c;

/**
 * An upper estimate, in bytes, of what parsing `text` (UTF-8 JSON) holds:
 * the bytes themselves (kept until the message is answered), the decoded
 * text and its strings (three times its bytes), and a charge for every
 * object, array, property, element and string, counted outside strings in
 * one pass.
 *
 * @example
 * ```ts
 * import { jsonParseCost } from "./json_cost.ts";
 * const bytes = new TextEncoder().encode("[{},{}]");
 * jsonParseCost(bytes); // 21 + 3 * 64 + 8 = 221
 * ```
 */
export function jsonParseCost(text: Uint8Array): number {
  let cost = 3 * text.length;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const byte = text[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === QUOTE) {
      inString = true;
      cost += STRING;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      cost += OBJECT_OR_ARRAY;
    } else if (byte === COLON) cost += PROPERTY;
    else if (byte === COMMA) cost += ELEMENT;
  }
  return cost;
}
