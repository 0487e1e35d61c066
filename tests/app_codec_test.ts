/**
 * The app protocol's codec: exact bytes as the course's Python code writes
 * them, round trips through any chunking, and every rejection with its
 * reason.
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
  ProtocolError,
  type ProtocolReason,
  pythonJson,
} from "../protocol/app_codec.ts";
import { concatBytes } from "../protocol/bytes.ts";
import { randomChunks, seededRandom } from "./_random.ts";

const utf8 = new TextEncoder();

/** Bytes written out by hand: a length prefix, then literal text. */
function handBuilt(prefix: [number, number], text: string): Uint8Array {
  return concatBytes([new Uint8Array(prefix), utf8.encode(text)]);
}

// What Python's libclient sends for `search morpheus` (0x67 = 103 header bytes).
const PYTHON_SEARCH_REQUEST = handBuilt(
  [0x00, 0x67],
  '{"byteorder": "little", "content-type": "text/json", "content-encoding": "utf-8", "content-length": 41}' +
    '{"action": "search", "value": "morpheus"}',
);

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

function protocolErrorFrom(action: () => unknown): ProtocolError {
  try {
    action();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error("expected a ProtocolError, but nothing was thrown");
}

function decodeAll(
  bytes: Uint8Array,
  options = {},
): readonly AppMessage[] {
  const decoder = new AppDecoder(options);
  const messages = decoder.push(bytes);
  decoder.end();
  return messages;
}

function rejection(
  bytes: Uint8Array,
  reason: ProtocolReason,
  options: { maxContentLength?: number } = {},
): ProtocolError {
  let caught: unknown;
  try {
    decodeAll(bytes, options);
  } catch (error) {
    caught = error;
  }
  if (!(caught instanceof ProtocolError)) {
    throw new Error(`expected a ProtocolError (${reason}), got ${caught}`);
  }
  assert.deepEqual(caught.reason, reason, caught.message);
  return caught;
}

/** A frame whose header is `header` (any text) and content `content`. */
function frameWithHeader(header: string, content = ""): Uint8Array {
  const headerBytes = utf8.encode(header);
  return concatBytes([
    new Uint8Array([headerBytes.length >> 8, headerBytes.length & 0xff]),
    headerBytes,
    utf8.encode(content),
  ]);
}

function headerText(fields: Record<string, unknown>): string {
  return JSON.stringify({
    "byteorder": "little",
    "content-type": "binary/custom-client-binary-type",
    "content-encoding": "binary",
    "content-length": 0,
    ...fields,
  });
}

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
