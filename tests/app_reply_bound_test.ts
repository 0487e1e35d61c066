/**
 * What a peer can make the app server hold through its replies: a reply
 * quotes a bounded excerpt of the peer's field, and a response counts
 * against --max-pending-bytes until it is written.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  AppDecoder,
  type AppMessage,
  appRequest,
  encodeAppMessage,
  fieldExcerpt,
  fieldText,
  JSON_CONTENT_TYPE,
  jsonMessage,
  REPLY_EXCERPT,
  resultFrameLength,
  resultMessage,
} from "../protocol/app_codec.ts";
import { type AppServerOptions, serveApp } from "../server/app.ts";
import { captureReporter } from "./_helpers.ts";
import { connectLocal, readToEnd, writeAll } from "./_net.ts";
import { RESET_IS_END, resultOf } from "./_app.ts";

const utf8 = new TextEncoder();

/** A text/json request frame whose content is `json`, written as it is. */
function rawJsonRequest(json: string): Uint8Array {
  return encodeAppMessage({
    contentType: JSON_CONTENT_TYPE,
    contentEncoding: "utf-8",
    content: utf8.encode(json),
  });
}

/** Sends `frame` on a new connection and returns every byte read back. */
async function exchange(port: number, frame: Uint8Array): Promise<Uint8Array> {
  const conn = await connectLocal(port);
  try {
    await writeAll(conn, frame);
    return await readToEnd(conn, RESET_IS_END);
  } finally {
    conn.close();
  }
}

function decodeOne(bytes: Uint8Array): AppMessage {
  const messages = new AppDecoder({ maxContentLength: 64 << 20 }).push(bytes);
  assert.equal(messages.length, 1, `expected one message in ${bytes.length}`);
  return messages[0];
}

Deno.test("fieldText with a limit is the first characters of the whole text, built no further", () => {
  const values: unknown[] = [
    "plain",
    [1e20, -0, 1.5, null, true, 'a"b\\c\n', { x: [] }],
    { "__proto__": 1, b: { c: "日本🐢" }, "\u2028": [[]], 10: 2 },
    JSON.parse('{"z": 1, "a": [{}, {"q": "é"}], "1": "one"}'),
    ["🐢".repeat(40)],
  ];
  for (const value of values) {
    const whole = fieldText(value);
    for (let limit = 0; limit <= whole.length + 2; limit++) {
      assert.equal(fieldText(value, limit), whole.slice(0, limit), whole);
    }
  }
  // However deep the nesting, the text stops at the limit.
  let deep: unknown = [];
  for (let i = 0; i < 200_000; i++) deep = [deep];
  assert.equal(fieldText(deep, 5), "[[[[[");
});

Deno.test("fieldExcerpt marks a cut with ... and never splits a surrogate pair", () => {
  const whole = "a".repeat(REPLY_EXCERPT);
  assert.equal(fieldExcerpt(whole), whole);
  assert.equal(fieldExcerpt(`${whole}b`), `${whole}...`);
  const turtle = `${"a".repeat(REPLY_EXCERPT - 1)}🐢`;
  assert.equal(fieldExcerpt(turtle), `${"a".repeat(REPLY_EXCERPT - 1)}...`);
  assert.equal(fieldExcerpt([1e20, 1e20], 4), "[100...");
});

Deno.test("resultFrameLength counts the frame resultMessage makes, escapes and UTF-8 included", () => {
  const results = [
    "",
    "plain",
    'q"b\\s/',
    "\b\t\n\f\r\x00\x1f\x7f",
    "é日本\u2028\u2029\uffff",
    "🐢 \u{10ffff}",
    "\ud800 lone \udfff, \udc00\ud800",
    "x".repeat(100_000),
  ];
  for (const result of results) {
    assert.equal(
      resultFrameLength(result),
      encodeAppMessage(resultMessage(result)).length,
      JSON.stringify(result),
    );
  }
});

Deno.test("app server: a reply quotes at most 60 characters of a long action or search value", async () => {
  const log = captureReporter();
  const server = serveApp({ port: 0, reporter: log.reporter });
  try {
    // 20,000 times `1e20`, each written back as 21 digits.
    const numbers = Array<string>(20_000).fill("1e20").join(",");
    const frame = rawJsonRequest(`{"action": [${numbers}]}`);
    const reply = await exchange(server.addr.port, frame);
    const text = JSON.stringify(Array(20_000).fill(1e20)).slice(0, 60);
    assert.equal(
      resultOf(decodeOne(reply)),
      `Error: invalid action "${text}...".`,
    );
    assert.ok(reply.length < 250, `a ${reply.length}-byte reply`);
    const value = "v".repeat(1_000_000);
    const search = await exchange(
      server.addr.port,
      encodeAppMessage(appRequest("search", value)),
    );
    assert.equal(
      resultOf(decodeOne(search)),
      `No match for "${"v".repeat(60)}...".`,
    );
    assert.ok(search.length < 250, `a ${search.length}-byte reply`);
    // The log line's excerpt is unchanged: 60 characters, then "...".
    await log.waitFor(
      new RegExp(`action "search", value "v{60}\\.\\.\\."$`),
    );
  } finally {
    await server.close();
  }
});

/**
 * An app server whose table's entry `big` is `big`, with a budget of 20 MiB
 * for unfinished requests, and the log it writes.
 */
function serveBig(
  big: string,
  options: Partial<AppServerOptions> = {},
): {
  server: ReturnType<typeof serveApp>;
  log: ReturnType<typeof captureReporter>;
} {
  const log = captureReporter();
  const server = serveApp({
    port: 0,
    reporter: log.reporter,
    table: new Map([["big", big]]),
    maxPendingBytes: 20 << 20,
    ...options,
  });
  return { server, log };
}

Deno.test("app server: an unread response counts against --max-pending-bytes until written", async () => {
  // 16 MiB is far more than the kernel's socket buffers take from a writer
  // whose peer never reads, so the first response stays unwritten.
  const big = "x".repeat(16 << 20);
  const { server, log } = serveBig(big);
  const port = server.addr.port;
  const request = encodeAppMessage(appRequest("search", "big"));
  const reader = await connectLocal(port);
  try {
    await writeAll(reader, request);
    // Once it logs the request, the server claims the response before it
    // next waits on any socket: before it can read another request.
    const readerPort = (reader.localAddr as Deno.NetAddr).port;
    await log.waitFor(
      new RegExp(`^Request from 127\\.0\\.0\\.1:${readerPort}:`),
    );
    const refused = await connectLocal(port);
    try {
      await writeAll(refused, request);
      assert.equal((await readToEnd(refused, RESET_IS_END)).length, 0);
      const refusedPort = (refused.localAddr as Deno.NetAddr).port;
      await log.waitFor(
        new RegExp(
          `^Closed connection from 127\\.0\\.0\\.1:${refusedPort}: its response \\(\\d+ bytes\\) would take unfinished requests past ${
            20 << 20
          } bytes \\(--max-pending-bytes\\)$`,
        ),
      );
    } finally {
      refused.close();
    }
    // The first peer still gets its whole response, and once it is written
    // the budget has room for the next.
    assert.equal(resultOf(decodeOne(await readToEnd(reader))), big);
    const next = decodeOne(await exchange(port, request));
    assert.equal(resultOf(next), big);
  } finally {
    reader.close();
    await server.close();
  }
  assert.equal(
    log.out.filter((line) => line.startsWith("Closed connection")).length,
    1,
  );
});

Deno.test("app server: a request's own bytes leave the budget when its response takes their place", async () => {
  // 5 MiB of request (charged 15 MiB and a little, for its bytes, its
  // text and its parsed string) and 12 MiB of response each fit in 20 MiB,
  // together they would not: the request is done with once it is answered.
  const big = "x".repeat(12 << 20);
  const { server, log } = serveBig(big, { maxContentLength: 16 << 20 });
  const request = encodeAppMessage(
    jsonMessage({ action: "search", value: "big", pad: "y".repeat(5 << 20) }),
  );
  try {
    const reply = await exchange(server.addr.port, request);
    assert.equal(resultOf(decodeOne(reply)), big);
  } finally {
    await server.close();
  }
  assert.deepEqual(
    log.out.filter((line) => line.startsWith("Closed connection")),
    [],
  );
});

Deno.test("app server: a JSON request is charged for what it parses to, so 1 MiB of [{},{},...] is refused where 1 MiB of string is answered", async () => {
  const log = captureReporter();
  // 8 MiB: room for a 1 MiB string (charged 3 MiB: its bytes, its text
  // and its parsed string), not for 350,000 objects (about 22 MB parsed,
  // charged 28 MB).
  const server = serveApp({
    port: 0,
    reporter: log.reporter,
    maxPendingBytes: 8 << 20,
  });
  try {
    const port = server.addr.port;
    const objects = "{},".repeat(349_000).slice(0, -1);
    const refused = await exchange(
      port,
      rawJsonRequest(`{"action":"search","value":[${objects}]}`),
    );
    assert.equal(refused.length, 0);
    assert.match(
      await log.waitFor(/^Closed connection from /),
      /^Closed connection from 127\.0\.0\.1:\d+: its request \(\d+ bytes so far\) would take unfinished requests past 8388608 bytes \(--max-pending-bytes\)$/,
    );
    const text = "x".repeat(1_000_000);
    const answer = decodeOne(
      await exchange(
        port,
        rawJsonRequest(`{"action":"search","value":"${text}"}`),
      ),
    );
    assert.match(String(resultOf(answer)), /^No match for "x{60}\.\.\."\.$/);
  } finally {
    await server.close();
  }
});
