/**
 * The app server and client over real sockets, in process: answers, limits
 * and hostile peers.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  AppDecoder,
  type AppMessage,
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
import { captureReporter } from "./_helpers.ts";
import { connectLocal, readToEnd, writeAll } from "./_net.ts";
import { RESET_IS_END, resultOf } from "./_app.ts";
import { frameWithHeader, headerText } from "./_app_frames.ts";

const utf8 = new TextEncoder();

/** Sends raw bytes (optionally half-closing), returns every byte read back. */
async function exchangeRaw(
  port: number,
  bytes: Uint8Array,
  options: { halfClose?: boolean } = {},
): Promise<Uint8Array> {
  const conn = await connectLocal(port);
  try {
    await writeAll(conn, bytes);
    if (options.halfClose) await conn.closeWrite();
    return await readToEnd(conn, RESET_IS_END);
  } finally {
    conn.close();
  }
}

/**
 * Runs `body` against an in-process app server on a free port (`options`
 * as `serveApp` takes them, but for the port), and closes the server
 * afterwards whether `body` passed or failed.
 */
async function withAppServer(
  options: Omit<Parameters<typeof serveApp>[0], "port">,
  body: (port: number) => Promise<void>,
): Promise<void> {
  const server = serveApp({ port: 0, ...options });
  try {
    await body(server.addr.port);
  } finally {
    await server.close();
  }
}

function decodeOne(bytes: Uint8Array): AppMessage {
  const messages = new AppDecoder().push(bytes);
  assert.equal(
    messages.length,
    1,
    `expected one message in ${bytes.length} bytes`,
  );
  return messages[0];
}

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

Deno.test("app server: the first 4 KiB of each connection are free of --max-pending-bytes, for its header and then its content, and not one byte more", async () => {
  /** A binary request: a header padded to `headerBytes`, then `contentBytes`. */
  function frameOf(headerBytes: number, contentBytes: number): Uint8Array {
    const header = headerText({ "content-length": contentBytes });
    return frameWithHeader(
      header.padStart(headerBytes, " "),
      "a".repeat(contentBytes),
    );
  }
  const log = captureReporter();
  await withAppServer(
    { maxPendingBytes: 0, reporter: log.reporter },
    async (port) => {
      // The header is parsed and dropped before its content begins, so
      // each may take the 4 KiB (the 2-byte prefix is not counted).
      const answered = decodeOne(await exchangeRaw(port, frameOf(4096, 4096)));
      assert.equal(answered.kind, "binary");
      const refused = [[4097, 10], [200, 4097]];
      for (const [index, [header, content]] of refused.entries()) {
        assert.equal(
          (await exchangeRaw(port, frameOf(header, content))).length,
          0,
        );
        await log.waitForCount(
          /would take unfinished requests past 0 bytes/,
          index + 1,
        );
      }
      assert.equal(
        log.out.filter((line) =>
          /^Closed connection from .*: its request \(\d+ bytes so far\) would take unfinished requests past 0 bytes \(--max-pending-bytes\)$/
            .test(line)
        ).length,
        2,
        log.out.join("\n"),
      );
    },
  );
});

Deno.test("app server: content above --max-content is refused from the header alone", async () => {
  const log = captureReporter();
  await withAppServer(
    { maxContentLength: 100, reporter: log.reporter },
    async (port) => {
      const frame = encodeAppMessage({
        contentType: "binary/x",
        contentEncoding: "binary",
        content: new Uint8Array(1000),
      });
      const header = frame.subarray(0, frame.length - 1000);
      // Only the header is sent, and the connection stays open: the server
      // must decide without waiting for any content.
      const conn = await connectLocal(port);
      try {
        await writeAll(conn, header);
        assert.equal((await readToEnd(conn, RESET_IS_END)).length, 0);
      } finally {
        conn.close();
      }
      assert.ok(
        log.out.some((line) =>
          /^Rejected request from .*: the content-length 1000 is above the limit of 100 bytes$/
            .test(line)
        ),
        log.out.join("\n"),
      );
    },
  );
});

Deno.test("app server: a request cut short by EOF is rejected as truncated", async () => {
  const log = captureReporter();
  await withAppServer({ reporter: log.reporter }, async (port) => {
    const frame = encodeAppMessage(appRequest("search", "port"));
    const reply = await exchangeRaw(
      port,
      frame.subarray(0, frame.length - 5),
      {
        halfClose: true,
      },
    );
    assert.equal(reply.length, 0);
    await log.waitFor(
      /^Rejected request from .*: the stream ended in the middle of the content \(32 of 37 bytes\)$/,
    );
  });
});

Deno.test("app server: a client that trickles its request is cut off at the request deadline", async () => {
  const log = captureReporter();
  const server = serveApp({
    port: 0,
    requestTimeoutMs: 300,
    idleTimeoutMs: 60_000,
    reporter: log.reporter,
  });
  const conn = await connectLocal(server.addr.port);
  try {
    const frame = encodeAppMessage(appRequest("search", "port"));
    // One byte every 20 ms keeps the connection busy, so only a deadline on
    // the whole request (not an idle timeout) can stop it.
    let sent = 0;
    let cut = false;
    while (sent < frame.length && !cut) {
      try {
        sent += await conn.write(frame.subarray(sent, sent + 1));
      } catch {
        cut = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      cut ||= log.out.some((line) => line.startsWith("Cut off"));
    }
    assert.ok(cut, `the server took all ${sent} bytes without cutting off`);
    assert.ok(sent < frame.length);
    const line = await log.waitFor(/^Cut off /);
    assert.match(
      line,
      /^Cut off 127\.0\.0\.1:\d+: no complete request within 0\.3 s \(--request-timeout\), \d+ bytes received$/,
    );
    assert.equal((await readToEnd(conn, RESET_IS_END)).length, 0);
  } finally {
    conn.close();
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

Deno.test("app server: a binary request's log line quotes its content safely, a quote inside escaped", async () => {
  const log = captureReporter();
  await withAppServer({ reporter: log.reporter }, async (port) => {
    const frame = encodeAppMessage({
      contentType: "binary/x",
      contentEncoding: "binary",
      content: utf8.encode('say "hi"'),
    });
    assert.equal(decodeOne(await exchangeRaw(port, frame)).kind, "binary");
    await log.waitFor(/^Request from /);
  });
  assert.ok(
    log.out.some((line) =>
      /^Request from .*: binary\/x, 8 bytes "say \\"hi\\""$/.test(line)
    ),
    log.out.join("\n"),
  );
});

Deno.test("app server: the 64 KiB read buffer a large request gets counts against --max-pending-bytes", async () => {
  // A 2,000-byte header fills the first 1 KiB read, so the connection's
  // read buffer grows to 64 KiB, which the budget then holds besides the
  // 60,000 bytes of content: past 100,000 (and the free 4 KiB), but
  // within 140,000.
  const frame = frameWithHeader(
    headerText({ "content-type": "binary/x", "content-length": 60_000 })
      .padStart(2000, " "),
    "a".repeat(60_000),
  );
  for (const [budget, served] of [[100_000, false], [140_000, true]] as const) {
    const log = captureReporter();
    await withAppServer(
      { maxPendingBytes: budget, reporter: log.reporter },
      async (port) => {
        const reply = await exchangeRaw(port, frame);
        assert.equal(reply.length > 0, served, `budget ${budget}`);
        if (!served) await log.waitFor(/\(--max-pending-bytes\)$/);
      },
    );
  }
});
