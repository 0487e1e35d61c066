/**
 * Hostile servers against the clients: one that never stops sending, one
 * that answers with bytes that are not UTF-8, and a TLS stream that breaks
 * after its handshake. A client must end with one line, hold a bounded
 * amount, and show what it received as it was.
 *
 * @module
 */

import { equal, match, ok } from "node:assert/strict";
import { maxBorkReply } from "../protocol/bork.ts";
import { toNetError } from "../protocol/errors.ts";
import { assertOneLineFailure, runCli } from "./_helpers.ts";
import { answerOnce, writeAll } from "./_net.ts";
import { startPythonServer } from "./_python.ts";

/**
 * A server that, once it has read a request, sends 64 KiB blocks until the
 * client goes away (its write then fails, which ends the server).
 */
function endlessServer(): { port: number; done: Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const done = (async () => {
    const conn = await listener.accept();
    listener.close();
    try {
      await conn.read(new Uint8Array(1024));
      const block = new Uint8Array(64 * 1024).fill(0x78);
      for (;;) await writeAll(conn, block);
    } catch {
      // The client closed: the end of the flood.
    } finally {
      conn.close();
    }
  })();
  return { port: listener.addr.port, done };
}

// Each with what it sends: "Hello, World!" (13 bytes) and "2" (1 byte).
for (
  const [mode, sent] of [
    [["hello"], 13],
    [["count", "2", "--times", "1"], 1],
  ] as const
) {
  Deno.test(`hostile servers: client ${mode[0]} gives up on a reply that never ends, in one line`, async () => {
    const server = endlessServer();
    const result = await runCli(["client", ...mode, "-p", `${server.port}`]);
    await server.done;
    // The bound is the longest reply a bork server can give, no more.
    const bound = maxBorkReply(sent).toLocaleString("en-US");
    assertOneLineFailure(
      result,
      new RegExp(
        `^error: 127\\.0\\.0\\.1:\\d+ sent more than ${bound} bytes, more than a reply to this message can be$`,
      ),
    );
  });
}

Deno.test("hostile servers: client hello takes a reply of exactly the bound and refuses one byte more", async () => {
  const bound = maxBorkReply("Hello, World!".length);
  const within = answerOnce("x".repeat(bound));
  const fits = await runCli(["client", "hello", "-p", `${within.port}`]);
  await within.done;
  equal(fits.code, 0, fits.stderr);
  ok(fits.stdout.includes(`Received: ${"x".repeat(bound)}`));
  const over = answerOnce("x".repeat(bound + 1));
  const result = await runCli(["client", "hello", "-p", `${over.port}`]);
  await over.done;
  assertOneLineFailure(
    result,
    new RegExp(
      `^error: 127\\.0\\.0\\.1:\\d+ sent more than ${bound} bytes, more than a reply to this message can be$`,
    ),
  );
});

Deno.test("hostile servers: client multi shows an echo's bytes that are not UTF-8 as \\xNN", async () => {
  const server = answerOnce(new Uint8Array([0x41, 0xff, 0xfe, 0x42]));
  const result = await runCli([
    "client",
    "multi",
    "-c",
    "1",
    "-p",
    `${server.port}`,
    "--message",
    "abcd",
  ]);
  await server.done;
  equal(result.code, 1, result.stderr);
  ok(
    result.stdout.includes('Received "A\\xff\\xfeB" from connection 1'),
    result.stdout,
  );
  match(
    result.stderr,
    /returned different bytes on connection 1 from its byte 1 on/,
  );
});

Deno.test("hostile servers: a TLS stream that breaks after its handshake is not called a failed handshake", () => {
  const broken = new Deno.errors.InvalidData(
    "received corrupt message of type InvalidContentType",
  );
  equal(
    toNetError(broken, {
      address: "127.0.0.1:9",
      during: "before the reply was complete",
      established: true,
    }).message,
    "TLS with 127.0.0.1:9 failed before the reply was complete: the peer sent bytes that are not TLS records",
  );
  // Before any byte crossed, the same error is the handshake's.
  equal(
    toNetError(broken, { address: "127.0.0.1:9", during: "while reading" })
      .message,
    "TLS handshake with 127.0.0.1:9 failed: the peer does not speak TLS",
  );
});

Deno.test("hostile servers: a reset after part of a reply says how much had come, as a close does", async () => {
  // The Python peer echoes, and resets (SO_LINGER 0) once the client has
  // half-closed: client hello has then received its 13 bytes and waits for
  // the end of the reply.
  const { server, port } = await startPythonServer(
    "reset_on_close_server.py",
    ["--delay", "0"],
  );
  try {
    const result = await runCli(["client", "hello", "-p", port]);
    assertOneLineFailure(
      result,
      /reset the connection before the reply was complete \(13 bytes received\)$/,
    );
  } finally {
    await server.kill();
  }
});
