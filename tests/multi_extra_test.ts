/**
 * `client multi` (lesson mode) must not take more bytes than it sent for a
 * matching echo: after the expected bytes it half-closes and reads on to
 * the end of the stream, so a server answering `abc` with `abcEXTRA` is a
 * mismatch, however the extra bytes are timed.
 *
 * @module
 */

import { equal, match } from "node:assert/strict";
import { formatMultiSummary, runMulti } from "../client/multi.ts";
import { runCli } from "./_helpers.ts";
import { readBytes, readToEnd, writeAll } from "./_net.ts";

const encoder = new TextEncoder();

/**
 * A one-connection server: reads `abc`, answers with `reply`, then, once
 * the client has half-closed, sends `afterEnd` (if any) and closes; or,
 * given `holdOpenUntil`, keeps the connection open until it settles.
 */
function abcServer(
  reply: string,
  options: { afterEnd?: string; holdOpenUntil?: Promise<void> } = {},
): { port: number; done: Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  async function serve(): Promise<void> {
    const conn = await listener.accept();
    listener.close();
    try {
      equal(new TextDecoder().decode(await readBytes(conn, 3)), "abc");
      await writeAll(conn, encoder.encode(reply));
      if (options.holdOpenUntil) {
        await options.holdOpenUntil;
        return;
      }
      equal((await readToEnd(conn, { resetIsEnd: true })).length, 0);
      if (options.afterEnd) {
        await writeAll(conn, encoder.encode(options.afterEnd));
      }
    } finally {
      conn.close();
    }
  }
  return { port: listener.addr.port, done: serve() };
}

Deno.test("client multi: a server answering abc with abcEXTRA is a mismatch, exit 1", async () => {
  const server = abcServer("abcEXTRA");
  const result = await runCli([
    "client",
    "multi",
    "--port",
    String(server.port),
    "--conns",
    "1",
    "--message",
    "abc",
  ]);
  await server.done;
  equal(result.code, 1, result.stdout);
  match(
    result.stderr,
    /^error: 1 of 1 connection failed: .*sent more bytes than connection 1 sent \((at least )?8 for 3\)\)$/m,
  );
});

Deno.test("client multi: extra bytes sent only after the client's half-close are a mismatch too", async () => {
  const server = abcServer("abc", { afterEnd: "EXTRA" });
  const result = await runMulti({
    port: server.port,
    connections: 1,
    messages: ["abc"],
  });
  await server.done;
  equal(result.completed, 0);
  match(
    formatMultiSummary(result),
    /sent more bytes than connection 1 sent \(at least 8 for 3\)/,
  );
});

Deno.test("client multi: an exact echo followed by the server's close completes", async () => {
  const server = abcServer("abc");
  const result = await runMulti({
    port: server.port,
    connections: 1,
    messages: ["abc"],
  });
  await server.done;
  equal(
    formatMultiSummary(result),
    "The connection completed; its echo matched (3 bytes)",
  );
});

Deno.test("client multi: a server that never closes after the echo fails as a timeout", async () => {
  const { promise: clientDone, resolve } = Promise.withResolvers<void>();
  const server = abcServer("abc", { holdOpenUntil: clientDone });
  const result = await runMulti({
    port: server.port,
    connections: 1,
    messages: ["abc"],
    timeoutMs: 300,
  }).finally(resolve);
  await server.done;
  equal(result.completed, 0);
  match(
    formatMultiSummary(result),
    /did not close connection 1 within 0\.3 s after echoing it in full/,
  );
});
