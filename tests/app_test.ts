/**
 * The app server and client over real sockets, in process: answers and
 * hostile peers (its limits: `app_limits_test.ts`).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  AppDecoder,
  appRequest,
  encodeAppMessage,
  jsonMessage,
} from "../protocol/app_codec.ts";
import { NetError } from "../protocol/errors.ts";
import { requestApp } from "../client/app.ts";
import {
  answerRequest,
  DEFAULT_SEARCH_TABLE,
  serveApp,
} from "../server/app.ts";
import { captureReporter, within } from "./_helpers.ts";
import { concatBytes } from "../protocol/bytes.ts";
import { connectLocal, readToEnd, writeAll } from "./_net.ts";
import {
  decodeOne,
  exchangeRaw,
  RESET_IS_END,
  resultOf,
  withAppServer,
} from "./_app.ts";

const utf8 = new TextEncoder();

Deno.test("app server: every built-in entry is found by search", async () => {
  const client = captureReporter();
  await withAppServer({}, async (port) => {
    for (const [key, value] of DEFAULT_SEARCH_TABLE) {
      const response = await requestApp("search", key, {
        port,
        reporter: client.reporter,
      });
      assert.equal(resultOf(response), value);
    }
    assert.ok(
      client.out.includes(`Got result: ${DEFAULT_SEARCH_TABLE.get("café")}`),
    );
  });
});

Deno.test("app server: an emoji key and value round trip through search", async () => {
  const table = new Map([["\u{1F436}", "\u{1F43E} fetch \u{1F3BE}"]]);
  const client = captureReporter();
  await withAppServer({ table }, async (port) => {
    await requestApp("search", "\u{1F436}", {
      port,
      reporter: client.reporter,
    });
    assert.deepEqual(
      client.out.at(-1),
      "Got result: \u{1F43E} fetch \u{1F3BE}",
    );
  });
});

Deno.test("app server: an unknown search value gets a no-match result", async () => {
  await withAppServer({}, async (port) => {
    const response = await requestApp("search", "nothing here", {
      port,
    });
    assert.equal(resultOf(response), 'No match for "nothing here".');
  });
});

Deno.test("app server: another action inside a JSON request is an error result", async () => {
  await withAppServer({}, async (port) => {
    const reply = await exchangeRaw(
      port,
      encodeAppMessage(jsonMessage({ action: "delete", value: "port" })),
    );
    assert.equal(resultOf(decodeOne(reply)), 'Error: invalid action "delete".');
  });
});

Deno.test("app server: a binary request gets its first 10 bytes back, as Python's libserver sends them", async () => {
  const client = captureReporter();
  await withAppServer({}, async (port) => {
    const response = await requestApp("pat", "\u{1F436}\u{1F436}", {
      port,
      reporter: client.reporter,
    });
    // 0x7f = 127 header bytes, written out by hand.
    const expected = new Uint8Array([
      0x00,
      0x7f,
      ...utf8.encode(
        '{"byteorder": "little", "content-type": "binary/custom-server-binary-type", "content-encoding": "binary", "content-length": 37}First 10 bytes of request: pat',
      ),
      0xf0,
      0x9f,
      0x90,
      0xb6,
      0xf0,
      0x9f,
      0x90,
    ]);
    const request = decodeOne(
      encodeAppMessage(appRequest("pat", "\u{1F436}\u{1F436}")),
    );
    assert.deepEqual(
      encodeAppMessage({
        ...answerRequest(request, new Map()),
        byteorder: "little",
      }),
      expected,
    );
    assert.equal(response.kind, "binary");
    assert.equal(
      client.out.at(-1),
      "Got response: First 10 bytes of request: pat\u{1F436}\\xf0\\x9f\\x90",
    );
  });
});

Deno.test("app server: 100 concurrent clients are all answered correctly", async () => {
  const keys = [...DEFAULT_SEARCH_TABLE.keys(), "missing"];
  await withAppServer({}, async (port) => {
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const key = keys[i % keys.length];
        return i % 3 === 0
          ? requestApp("echo", `${i}:${key}`, { port })
          : requestApp("search", key, { port });
      }),
    );
    responses.forEach((response, i) => {
      const key = keys[i % keys.length];
      if (i % 3 === 0) {
        assert.deepEqual(
          response.content,
          new Uint8Array([
            ...utf8.encode("First 10 bytes of request: "),
            ...utf8.encode(`echo${i}:${key}`).subarray(0, 10),
          ]),
        );
      } else {
        assert.equal(
          resultOf(response),
          DEFAULT_SEARCH_TABLE.get(key) ?? `No match for "${key}".`,
        );
      }
    });
  });
});

Deno.test("app server: a malformed request closes that connection and nothing else", async () => {
  const log = captureReporter();
  const server = serveApp({ port: 0, reporter: log.reporter });
  const port = server.addr.port;
  const valid = encodeAppMessage(appRequest("search", "port"));
  const slow = await connectLocal(port);
  try {
    // A valid request, half sent, is still waiting when the bad one comes.
    await writeAll(slow, valid.subarray(0, 20));
    const reply = await exchangeRaw(port, new Uint8Array([0, 0, 1, 2, 3]));
    assert.equal(reply.length, 0);
    await log.waitFor(/^Rejected request from .*: the header length is 0$/);
    await writeAll(slow, valid.subarray(20));
    const response = decodeOne(await readToEnd(slow, RESET_IS_END));
    assert.equal(resultOf(response), DEFAULT_SEARCH_TABLE.get("port"));
  } finally {
    slow.close();
    await server.close();
  }
});

Deno.test("app client: a malformed, truncated or result-less response is a protocol error", async () => {
  const cases: [Uint8Array, RegExp][] = [
    [
      new Uint8Array([0, 0]),
      /sent a malformed response: the header length is 0; is it an app server\?$/,
    ],
    [
      encodeAppMessage(appRequest("search", "x")).subarray(0, 50),
      /sent a malformed response: the stream ended in the middle of the header \(48 of \d+ bytes\); is it an app server\?$/,
    ],
    [
      encodeAppMessage(jsonMessage({ answer: 42 })),
      /sent a malformed response: the text\/json response has no "result"; is it an app server\?$/,
    ],
  ];
  for (const [reply, pattern] of cases) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const serving = (async () => {
      const conn = await listener.accept();
      try {
        await writeAll(conn, reply);
      } finally {
        conn.close();
      }
    })();
    try {
      await assert.rejects(
        requestApp("search", "x", { port: listener.addr.port }),
        (error: unknown) => {
          assert.ok(error instanceof NetError);
          assert.equal(error.kind, "protocol");
          assert.match(error.message, pattern);
          return true;
        },
      );
    } finally {
      await serving;
      listener.close();
    }
  }
});

Deno.test("app server: a binary request's log line quotes its content type and content safely, a quote inside escaped", async () => {
  const log = captureReporter();
  await withAppServer({ reporter: log.reporter }, async (port) => {
    const frame = encodeAppMessage({
      contentType: 'binary/x, 9 bytes "forged"',
      contentEncoding: "binary",
      content: utf8.encode('say "hi"'),
    });
    assert.equal(decodeOne(await exchangeRaw(port, frame)).kind, "binary");
    await log.waitFor(/^Request from /);
  });
  assert.ok(
    log.out.some((line) =>
      /^Request from .*: "binary\/x, 9 bytes \\"forged\\"", 8 bytes "say \\"hi\\""$/
        .test(line)
    ),
    log.out.join("\n"),
  );
});

Deno.test("app server: two requests in one write get one answer, and the log says the rest was not read", async () => {
  const log = captureReporter();
  await withAppServer({ reporter: log.reporter }, async (port) => {
    const one = encodeAppMessage(appRequest("search", "port"));
    const two = new Uint8Array([...one, ...one]);
    const answer = decodeOne(await exchangeRaw(port, two));
    assert.equal(resultOf(answer), DEFAULT_SEARCH_TABLE.get("port"));
    assert.match(
      await within(log.waitFor(/ was followed by more bytes/), {
        ms: 10_000,
        what: "the line about the second request",
      }),
      /^Request from 127\.0\.0\.1:\d+ was followed by more bytes, which are read and dropped, not answered: one request per connection$/,
    );
  });
});

Deno.test("app server: a peer that sends more while a large response is on its way still gets all of it, then the end of stream (no reset)", async () => {
  // Larger than both sides' socket buffers together: the server is still
  // writing when the extra bytes come, and they lie unread at its close.
  const big = "y".repeat(15_000_000);
  const table = new Map([["big", big]]);
  await withAppServer({ table }, async (port) => {
    const conn = await connectLocal(port);
    try {
      await writeAll(conn, encodeAppMessage(appRequest("search", "big")));
      const first = new Uint8Array(64 * 1024);
      const count = await conn.read(first);
      assert.ok(count !== null && count > 0, "the response began");
      await writeAll(conn, new TextEncoder().encode("EXTRA".repeat(20)));
      // A reset here (the old close) rejects: the rest of the answer lost.
      const rest = await readToEnd(conn);
      const messages = new AppDecoder({ maxContentLength: 16_000_000 }).push(
        concatBytes([first.subarray(0, count!), rest]),
      );
      assert.equal(messages.length, 1);
      assert.equal(resultOf(messages[0]), big);
    } finally {
      conn.close();
    }
  });
});

Deno.test("app server: a client answered that keeps its connection open is closed at once when the server stops, with no grace wait", async () => {
  const log = captureReporter();
  const server = serveApp({ port: 0, reporter: log.reporter });
  const conn = await connectLocal(server.addr.port);
  try {
    await writeAll(conn, encodeAppMessage(appRequest("search", "port")));
    // The whole answer, then the server's half-close: it lingers now.
    const answer = decodeOne(await readToEnd(conn));
    assert.equal(resultOf(answer), DEFAULT_SEARCH_TABLE.get("port"));
    await within(server.close(), { ms: 10_000, what: "the server's stop" });
    assert.deepEqual(
      [...log.out, ...log.err].filter((line) =>
        /^(Waiting up to|Closing \d+ connection)/.test(line)
      ),
      [],
    );
  } finally {
    conn.close();
  }
});
