/**
 * HdrHistogram's V2 compressed base64 encoding, as the load report's
 * `histogram` field carries it: the header's conversion ratio written as
 * the standard gives it, and a bounds check of such a text, made before
 * the library decodes it. The library trusts the encoding: a zero run of 2^50
 * buckets in a 1 KB text makes it walk 2^50 slots, a payload length past the
 * data makes it read zeros for as long as the length says, and a small zlib
 * stream can inflate to gigabytes. A report read from a file is a peer's
 * input, so each of these is refused here, in time and memory bounded by
 * the histogram's own size.
 *
 * @module
 */

import { deflateSync, inflateSync } from "node:zlib";
import { base64Bytes, base64Text, isBase64 } from "./bytes.ts";

// The V2 cookies, with the word-size nibble (0xf0) cleared.
const COMPRESSED_COOKIE = 0x1c849304;
const PLAIN_COOKIE = 0x1c849303;
const HEADER_BYTES = 40;
// A V2 count takes at most 9 bytes (ZigZag LEB128-64b9B).
const MAX_WORD_BYTES = 9;
// Far above any histogram netdemo writes (a few hundred kB at most), and
// above the 45 MB of the largest the library can hold (5 digits, 2^53).
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

/** Where the header's integer-to-double conversion ratio lies. */
const RATIO_OFFSET = 32;

/**
 * `encoded` (as `hdr-histogram-js` writes it) with its header's
 * integer-to-double conversion ratio as the standard encoding has it: the
 * double 1.0. The library writes the integer 1 there, which a reader that
 * takes the field as the double it is reads as 5e-324; integer histograms
 * ignore it, a DoubleHistogram reader would not.
 *
 * @example
 * ```ts
 * import { withStandardRatio } from "./hdr_histogram.ts";
 * import { build, encodeIntoCompressedBase64 } from "hdr-histogram-js";
 * const histogram = build({ useWebAssembly: false });
 * histogram.recordValue(42);
 * withStandardRatio(encodeIntoCompressedBase64(histogram)).startsWith("HISTF"); // true
 * ```
 */
export function withStandardRatio(encoded: string): string {
  const bytes = base64Bytes(encoded);
  const outer = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const compressedBytes = outer.getInt32(4);
  const inflated = inflateSync(bytes.subarray(8, 8 + compressedBytes));
  new DataView(inflated.buffer, inflated.byteOffset, inflated.byteLength)
    .setFloat64(RATIO_OFFSET, 1);
  const compressed = deflateSync(inflated);
  const whole = new Uint8Array(8 + compressed.length);
  whole.set(bytes.subarray(0, 4));
  new DataView(whole.buffer).setInt32(4, compressed.length);
  whole.set(compressed, 8);
  return base64Text(whole);
}

/**
 * Throws a RangeError unless `encoded` is a V2 compressed histogram whose
 * buckets all lie inside the range its header declares and whose counts
 * add up to at most 2^53 - 1 (so that they are exact).
 *
 * @example
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { checkHistogramBounds } from "./hdr_histogram.ts";
 * throws(() => checkHistogramBounds("not a histogram"), RangeError);
 * ```
 */
export function checkHistogramBounds(encoded: string): void {
  const bytes = fromBase64(encoded.trim());
  const outer = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || cookieBase(outer.getInt32(0)) !== COMPRESSED_COOKIE) {
    throw notHistogram();
  }
  const compressedBytes = outer.getInt32(4);
  if (compressedBytes < 0 || 8 + compressedBytes > bytes.length) {
    throw notHistogram();
  }
  let inflated: Uint8Array;
  try {
    inflated = inflateSync(bytes.subarray(8, 8 + compressedBytes), {
      maxOutputLength: MAX_INFLATED_BYTES,
    });
  } catch (error) {
    throw new RangeError("the histogram does not inflate", { cause: error });
  }
  const view = new DataView(
    inflated.buffer,
    inflated.byteOffset,
    inflated.byteLength,
  );
  if (
    inflated.length < HEADER_BYTES ||
    cookieBase(view.getInt32(0)) !== PLAIN_COOKIE
  ) {
    throw notHistogram();
  }
  const payloadBytes = view.getInt32(4);
  const digits = view.getInt32(12);
  const lowest = Number(view.getBigInt64(16));
  const highest = Number(view.getBigInt64(24));
  if (
    payloadBytes < 0 || HEADER_BYTES + payloadBytes > inflated.length ||
    !(digits >= 0 && digits <= 5) || !(lowest >= 1) ||
    !(highest >= 2 * lowest) || highest > Number.MAX_SAFE_INTEGER
  ) {
    throw new RangeError("the histogram has a header out of range");
  }
  const buckets = countsLength(lowest, highest, digits);
  if (payloadBytes > buckets * MAX_WORD_BYTES) {
    throw new RangeError(
      "the histogram holds more buckets than its range allows",
    );
  }
  walkCounts(inflated.subarray(HEADER_BYTES, HEADER_BYTES + payloadBytes), {
    buckets,
  });
}

// The same arithmetic as HdrHistogram's: the length of the counts array of
// a histogram with these parameters.
function countsLength(lowest: number, highest: number, digits: number): number {
  const singleUnit = 2 * 10 ** digits;
  const halfMagnitude = Math.max(Math.ceil(Math.log2(singleUnit)), 1) - 1;
  const subBuckets = 2 ** (halfMagnitude + 1);
  const unitMagnitude = Math.floor(Math.log2(lowest));
  let untrackable = subBuckets * 2 ** unitMagnitude;
  let needed = 1;
  while (untrackable <= highest) {
    if (untrackable > Number.MAX_SAFE_INTEGER / 2) {
      needed++;
      break;
    }
    untrackable *= 2;
    needed++;
  }
  return (needed + 1) * (subBuckets / 2);
}

// Reads the payload's words as the library will (a negative one skips that
// many empty buckets, a positive one is one bucket's count), keeping the
// index within `buckets` and the total exact.
function walkCounts(payload: Uint8Array, limits: { buckets: number }): void {
  let index = 0;
  let total = 0;
  let at = 0;
  while (at < payload.length) {
    let value = 0;
    let scale = 1;
    // As the library reads them: seven bits a byte, at most nine bytes.
    for (let byte = 0;; byte++) {
      if (at >= payload.length) {
        throw new RangeError("the histogram ends inside a count");
      }
      const b = payload[at++];
      value += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0 || byte === 8) break;
    }
    const word = value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    if (word < 0) {
      index += -word;
    } else {
      total += word;
      index++;
    }
    if (index > limits.buckets) {
      throw new RangeError("the histogram holds a bucket outside its range");
    }
    if (total > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(
        "the histogram holds more samples than can be counted exactly",
      );
    }
  }
}

function cookieBase(cookie: number): number {
  return cookie & ~0xf0;
}

// Strict base64 only: atob skips whitespace inside the text where the
// library's decoder reads each such character as six zero bits, so with
// any the two would see different bytes, and the check would vouch for
// bytes the library never reads.
function fromBase64(text: string): Uint8Array {
  if (!isBase64(text)) throw notHistogram();
  return base64Bytes(text);
}

function notHistogram(): RangeError {
  return new RangeError("the histogram is not HdrHistogram compressed base64");
}
