/**
 * The app server's limits over real sockets, in process: the free first
 * 4 KiB, `--max-pending-bytes` and `--max-content`, a request cut short by
 * EOF, and the request deadline for a client that trickles.
 *
 * @module
 */

import assert from "node:assert/strict";
import { appRequest, encodeAppMessage } from "../protocol/app_codec.ts";
import { serveApp } from "../server/app.ts";
import { captureReporter } from "./_helpers.ts";
import { connectLocal, readToEnd, writeAll } from "./_net.ts";
import { decodeOne, exchangeRaw, RESET_IS_END, withAppServer } from "./_app.ts";
import { frameWithHeader, headerText } from "./_app_frames.ts";

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
