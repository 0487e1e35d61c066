/**
 * `deno bench bench/app_codec_bench.ts`: the app protocol codec's cost per
 * message: encoding, decoding a message that arrives in one chunk, and
 * decoding one that arrives a byte at a time (the worst chunking a peer can
 * choose).
 *
 * @module
 */

import {
  AppDecoder,
  appRequest,
  encodeAppMessage,
} from "../protocol/app_codec.ts";

const SEARCH = appRequest("search", "café 🐢");
const SEARCH_FRAME = encodeAppMessage(SEARCH);
const BINARY_FRAME = encodeAppMessage(
  appRequest("upload", "x".repeat(64 * 1024)),
);
const BYTES = [...SEARCH_FRAME].map((byte) => new Uint8Array([byte]));

function decodeOnce(frame: Uint8Array): number {
  return new AppDecoder().push(frame).length;
}

Deno.bench("encode a search request", { group: "encode" }, () => {
  encodeAppMessage(SEARCH);
});

Deno.bench("decode a search request in one chunk", {
  group: "decode",
  baseline: true,
}, () => {
  decodeOnce(SEARCH_FRAME);
});

Deno.bench(
  `decode a search request byte by byte (${SEARCH_FRAME.length} chunks)`,
  { group: "decode" },
  () => {
    const decoder = new AppDecoder();
    for (const byte of BYTES) decoder.push(byte);
  },
);

Deno.bench("decode a 64 KiB binary request in one chunk", {
  group: "decode",
  n: 2000,
}, () => {
  decodeOnce(BINARY_FRAME);
});
