/**
 * The app protocol's codec: exact bytes as the course's Python code writes
 * them, and round trips through any chunking. Its rejections are in
 * `app_codec_reject_test.ts`.
 */

import assert from "node:assert/strict";
import {
  AppDecoder,
  type AppMessage,
  type AppMessageInit,
  appRequest,
  DEFAULT_MAX_CONTENT,
  encodeAppMessage,
  jsonMessage,
  pythonJson,
} from "../protocol/app_codec.ts";
import { concatBytes } from "../protocol/bytes.ts";
import { randomChunks, seededRandom } from "./_random.ts";
import {
  decodeAll,
  frameWithHeader,
  handBuilt,
  headerText,
  protocolErrorFrom,
  PYTHON_SEARCH_REQUEST,
} from "./_app_frames.ts";

const utf8 = new TextEncoder();

// What Python's libserver sends for a result with emoji: 37 content bytes.
const PYTHON_EMOJI_RESPONSE = concatBytes([
  handBuilt(
    [0x00, 0x67],
    '{"byteorder": "little", "content-type": "text/json", "content-encoding": "utf-8", "content-length": 37}' +
      '{"result": "',
  ),
  new Uint8Array([0xf0, 0x9f, 0x90, 0xbe]), // U+1F43E, as is (no \u escape)
  utf8.encode(" Playing ball! "),
  new Uint8Array([0xf0, 0x9f, 0x8f, 0x90]), // U+1F3D0
  utf8.encode('"}'),
]);

Deno.test("app codec: a search request is byte for byte what Python's libclient sends", () => {
  const bytes = encodeAppMessage({
    ...appRequest("search", "morpheus"),
    byteorder: "little",
  });
  assert.deepEqual(bytes, PYTHON_SEARCH_REQUEST);
});

Deno.test("app codec: a JSON response with emoji is byte for byte what Python's libserver sends", () => {
  const bytes = encodeAppMessage({
    ...jsonMessage({ result: "\u{1F43E} Playing ball! \u{1F3D0}" }),
    byteorder: "little",
  });
  assert.deepEqual(bytes, PYTHON_EMOJI_RESPONSE);
});

Deno.test("app codec: a binary request carries ACTION then VALUE in UTF-8", () => {
  const message = appRequest("add", "café");
  assert.deepEqual(message.contentType, "binary/custom-client-binary-type");
  assert.deepEqual(message.contentEncoding, "binary");
  assert.deepEqual(
    message.content,
    new Uint8Array([0x61, 0x64, 0x64, 0x63, 0x61, 0x66, 0xc3, 0xa9]),
  );
});

Deno.test("app codec: Python's bytes decode to their header and content", () => {
  const [request] = decodeAll(PYTHON_SEARCH_REQUEST);
  assert.deepEqual(request.kind, "json");
  assert.deepEqual(request.header, {
    byteorder: "little",
    contentType: "text/json",
    contentEncoding: "utf-8",
    contentLength: 41,
  });
  if (request.kind === "json") {
    assert.deepEqual(request.value, { action: "search", value: "morpheus" });
  }
  const [response] = decodeAll(PYTHON_EMOJI_RESPONSE);
  assert.deepEqual(
    response.kind === "json" ? response.value : undefined,
    { result: "\u{1F43E} Playing ball! \u{1F3D0}" },
  );
});

Deno.test("app codec: JSON is written like Python's json.dumps(ensure_ascii=False)", () => {
  // Python 3.11 writes {"a": "x\u0001\"\\\n<DEL><U+2028>"} for this value.
  assert.deepEqual(
    pythonJson({ a: 'x\u0001"\\\n\u007f\u2028' }),
    '{"a": "x\\u0001\\"\\\\\\n\u007f\u2028"}',
  );
  assert.deepEqual(
    pythonJson({ list: [1, true, null, "é"], nested: { k: -3 } }),
    '{"list": [1, true, null, "é"], "nested": {"k": -3}}',
  );
});

Deno.test("app codec: random messages survive random chunkings (seeded)", () => {
  const random = seededRandom(20240611);
  const limit = 100_000;
  const originals: AppMessageInit[] = [];
  for (let i = 0; i < 150; i++) {
    originals.push(randomMessage(random, limit));
  }
  originals.push({
    contentType: "binary/x",
    contentEncoding: "binary",
    content: new Uint8Array(limit).fill(7),
  });
  const stream = concatBytes(
    originals.map((message) => encodeAppMessage(message)),
  );
  for (let round = 0; round < 4; round++) {
    const decoder = new AppDecoder({ maxContentLength: limit });
    const decoded: AppMessage[] = [];
    const maxChunk = round === 0 ? 1 : [7, 1000, 70_000][round - 1];
    for (const chunk of randomChunks(stream, random, { maxChunk })) {
      decoded.push(...decoder.push(chunk));
    }
    decoder.end();
    assert.deepEqual(decoded.length, originals.length);
    decoded.forEach((message, index) => {
      const original = originals[index];
      assert.deepEqual(message.header, {
        byteorder: original.byteorder ?? message.header.byteorder,
        contentType: original.contentType,
        contentEncoding: original.contentEncoding,
        contentLength: original.content.length,
      });
      assert.deepEqual(message.content, original.content);
    });
  }
});

Deno.test("app codec: a content of exactly the default 1 MiB limit is accepted", () => {
  const content = new Uint8Array(DEFAULT_MAX_CONTENT).fill(0x41);
  const frame = encodeAppMessage({
    contentType: "binary/x",
    contentEncoding: "binary",
    content,
  });
  const decoder = new AppDecoder();
  const random = seededRandom(5);
  const messages = randomChunks(frame, random, { maxChunk: 50_000 }).flatMap((
    chunk,
  ) => decoder.push(chunk));
  assert.deepEqual(messages.length, 1);
  assert.deepEqual(messages[0].content.length, DEFAULT_MAX_CONTENT);
});

Deno.test("app codec: a message with no content completes with its header", () => {
  const frame = encodeAppMessage({
    contentType: "binary/x",
    contentEncoding: "binary",
    content: new Uint8Array(0),
  });
  const decoder = new AppDecoder();
  assert.deepEqual(decoder.push(frame.subarray(0, frame.length - 1)), []);
  const [message] = decoder.push(frame.subarray(frame.length - 1));
  assert.deepEqual(message.content.length, 0);
});

Deno.test("app codec: unknown header keys are ignored", () => {
  const [message] = decodeAll(
    frameWithHeader(
      headerText({ "content-length": 2, "x-extra": [1, 2] }),
      "hi",
    ),
  );
  assert.deepEqual(message.content, utf8.encode("hi"));
});

function randomMessage(random: () => number, limit: number): AppMessageInit {
  const byteorder = random() < 0.5 ? "little" : "big";
  if (random() < 0.4) {
    const value = {
      action: randomText(random, 12),
      value: randomText(random, Math.floor(random() * 200)),
      n: Math.floor(random() * 1e9),
    };
    return { ...jsonMessage(value), byteorder };
  }
  // Mostly small contents, some large, so the run stays quick.
  const size = random() < 0.9
    ? Math.floor(random() * 2000)
    : Math.floor(random() * (limit + 1));
  const content = new Uint8Array(size);
  for (let i = 0; i < size; i++) content[i] = Math.floor(random() * 256);
  return {
    contentType: randomText(random, 30),
    contentEncoding: randomText(random, 10),
    content,
    byteorder,
  };
}

const ALPHABET = [
  ...'abcXYZ019 -/"\\\n\t{}:,',
  "é",
  "ß",
  "東",
  "\u{1F436}",
  "\u{1F3D0}",
  "\u0000",
  "\u007f",
];

function randomText(random: () => number, maxLength: number): string {
  let text = "";
  const length = Math.floor(random() * (maxLength + 1));
  for (let i = 0; i < length; i++) {
    text += ALPHABET[Math.floor(random() * ALPHABET.length)];
  }
  return text;
}

Deno.test("app codec: a message before bad bytes is delivered whatever the chunking", () => {
  const stream = new Uint8Array([...PYTHON_SEARCH_REQUEST, 0, 0]);
  const whole = new AppDecoder();
  assert.equal(whole.push(stream).length, 1);
  assert.equal(protocolErrorFrom(() => whole.end()).reason, "empty-header");
  const split = new AppDecoder();
  assert.equal(split.push(stream.subarray(0, 50)).length, 0);
  assert.equal(split.push(stream.subarray(50)).length, 1);
  assert.equal(
    protocolErrorFrom(() => split.push(new Uint8Array(1))).reason,
    "empty-header",
  );
});
