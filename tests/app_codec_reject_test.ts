/**
 * The app protocol's decoder refusing what the format does not allow: each
 * rejection with its reason, before any content it would have to buffer.
 *
 * @module
 */

import assert from "node:assert/strict";
import { AppDecoder, DEFAULT_MAX_CONTENT } from "../protocol/app_codec.ts";
import { concatBytes } from "../protocol/bytes.ts";
import {
  frameWithHeader,
  headerText,
  protocolErrorFrom,
  PYTHON_SEARCH_REQUEST,
  rejection,
} from "./_app_frames.ts";

Deno.test("app codec: a header length of 0 is rejected", () => {
  rejection(new Uint8Array([0, 0]), "empty-header");
});

Deno.test("app codec: a header that is not UTF-8 is rejected", () => {
  rejection(new Uint8Array([0, 3, 0x7b, 0xff, 0x7d]), "header-not-utf8");
});

Deno.test("app codec: a header that is not JSON is rejected", () => {
  rejection(frameWithHeader('{"byteorder": '), "header-not-json");
  // Python's json module refuses a byte order mark too.
  rejection(
    frameWithHeader(`\ufeff${headerText({})}`),
    "header-not-json",
  );
});

Deno.test("app codec: a header that is JSON but not an object is rejected", () => {
  for (const header of ["[1, 2]", '"text"', "null", "42"]) {
    rejection(frameWithHeader(header), "header-not-object");
  }
});

Deno.test("app codec: each missing required key is rejected by name", () => {
  for (
    const key of [
      "byteorder",
      "content-type",
      "content-encoding",
      "content-length",
    ]
  ) {
    const fields = JSON.parse(headerText({}));
    delete fields[key];
    const error = rejection(
      frameWithHeader(JSON.stringify(fields)),
      "missing-key",
    );
    assert.deepEqual(error.message, `the header has no "${key}" key`);
  }
});

Deno.test("app codec: a byteorder other than little or big is rejected", () => {
  rejection(
    frameWithHeader(headerText({ byteorder: "middle" })),
    "bad-byteorder",
  );
});

Deno.test("app codec: content-type and content-encoding must be strings", () => {
  rejection(
    frameWithHeader(headerText({ "content-type": 5 })),
    "bad-content-type",
  );
  rejection(
    frameWithHeader(headerText({ "content-encoding": null })),
    "bad-content-encoding",
  );
});

Deno.test("app codec: a content-length that is not a non-negative safe integer is rejected", () => {
  for (const length of [-1, 1.5, "5", null, 2 ** 53, true]) {
    rejection(
      frameWithHeader(headerText({ "content-length": length })),
      "bad-content-length",
    );
  }
});

Deno.test("app codec: a content-length above the limit is rejected before any content arrives", () => {
  const header = frameWithHeader(headerText({ "content-length": 11 }));
  const decoder = new AppDecoder({ maxContentLength: 10 });
  // Only the header is fed: the rejection must not wait for the content.
  const error = protocolErrorFrom(() => decoder.push(header));
  assert.deepEqual(error.reason, "content-too-long");
  assert.deepEqual(
    error.message,
    "the content-length 11 is above the limit of 10 bytes",
  );
  rejection(
    frameWithHeader(headerText({ "content-length": DEFAULT_MAX_CONTENT + 1 })),
    "content-too-long",
  );
});

Deno.test("app codec: text/json content must be utf-8 encoded", () => {
  const error = rejection(
    frameWithHeader(
      headerText({
        "content-type": "text/json",
        "content-encoding": "latin-1",
        "content-length": 2,
      }),
      "{}",
    ),
    "bad-json-encoding",
  );
  assert.deepEqual(
    error.message,
    'text/json content must be utf-8 encoded, got "latin-1"',
  );
  // The peer's text is quoted safely: its quote escaped, cut at 40
  // characters with ..., an emoji at the cut left whole or out.
  const long = rejection(
    frameWithHeader(
      headerText({
        "content-type": "text/json",
        "content-encoding": `x"y\x1b${"a".repeat(35)}🐢tail`,
        "content-length": 2,
      }),
      "{}",
    ),
    "bad-json-encoding",
  );
  assert.deepEqual(
    long.message,
    `text/json content must be utf-8 encoded, got "x\\"y\\x1b${
      "a".repeat(35)
    }..."`,
  );
});

Deno.test("app codec: text/json content that is not UTF-8 or not JSON is rejected", () => {
  const jsonHeader = (length: number): string =>
    headerText({
      "content-type": "text/json",
      "content-encoding": "utf-8",
      "content-length": length,
    });
  rejection(
    concatBytes([
      frameWithHeader(jsonHeader(3)),
      new Uint8Array([0x22, 0xc3, 0x22]),
    ]),
    "content-not-utf8",
  );
  rejection(frameWithHeader(jsonHeader(5), "{'a'}"), "content-not-json");
  rejection(frameWithHeader(jsonHeader(0)), "content-not-json");
});

Deno.test("app codec: a stream that ends inside a message is truncated", () => {
  const decoder = new AppDecoder();
  decoder.push(PYTHON_SEARCH_REQUEST.subarray(0, 60));
  const error = protocolErrorFrom(() => decoder.end());
  assert.deepEqual(error.reason, "truncated");
  assert.deepEqual(
    error.message,
    "the stream ended in the middle of the header (58 of 103 bytes)",
  );
  const whole = new AppDecoder();
  assert.deepEqual(whole.push(PYTHON_SEARCH_REQUEST).length, 1);
  whole.end(); // a clean end between messages is fine
});

Deno.test("app codec: a failed decoder keeps failing with the same error", () => {
  const decoder = new AppDecoder();
  const first = protocolErrorFrom(() => decoder.push(new Uint8Array([0, 0])));
  const again = protocolErrorFrom(() => decoder.push(PYTHON_SEARCH_REQUEST));
  assert.equal(again, first);
});
