import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { serveBork } from "../server/bork.ts";
import { runHello } from "../client/hello.ts";
import { runCount } from "../client/count.ts";
import { NetError } from "../protocol/errors.ts";
import { captureReporter } from "./_helpers.ts";
import { closedPort, decode, encode } from "./_net.ts";
import { runPythonSnippet } from "./_python.ts";

/** Reads from a raw connection until `length` bytes came (or EOF). */
async function readBytes(conn: Deno.Conn, length: number): Promise<string> {
  const chunks: number[] = [];
  const buffer = new Uint8Array(1024);
  while (chunks.length < length) {
    const count = await conn.read(buffer);
    if (count === null) break;
    chunks.push(...buffer.subarray(0, count));
  }
  return decode(new Uint8Array(chunks));
}

Deno.test("bork server + hello: the lesson's exchange, byte for byte", async () => {
  const server = captureReporter();
  const client = captureReporter();
  const handle = serveBork({ port: 0, reporter: server.reporter });
  const result = await runHello({
    port: handle.addr.port,
    reporter: client.reporter,
  });
  const summary = await handle.closed;
  deepEqual(result.reply, encode("Hello, World! bork bork bork"));
  equal(summary.connections, 1);
  equal(server.out[0], `Listening on 127.0.0.1:${handle.addr.port}`);
  equal(server.out[1], `Connected by ${result.local}`);
  deepEqual(server.out.slice(2), [
    'Received "Hello, World!"',
    'Replied "Hello, World! bork bork bork"',
    `Connection closed by ${result.local}`,
  ]);
  deepEqual(client.out, [
    `Connected to 127.0.0.1:${handle.addr.port} from ${result.local}`,
    'Sent "Hello, World!"',
    "Received: Hello, World! bork bork bork",
  ]);
});

Deno.test("bork server + count: each number answered on one connection", async () => {
  const client = captureReporter();
  const handle = serveBork({ port: 0 });
  const replies = await runCount(98, {
    port: handle.addr.port,
    times: 3,
    intervalMs: 0,
    reporter: client.reporter,
  });
  await handle.closed;
  deepEqual(replies.map(decode), [
    "98 bork bork bork",
    "99 bork bork bork",
    "100 bork bork bork",
  ]);
  deepEqual(client.out.slice(1), [
    "Sent 98",
    "Received: 98 bork bork bork",
    "Sent 99",
    "Received: 99 bork bork bork",
    "Sent 100",
    "Received: 100 bork bork bork",
  ]);
});

Deno.test("bork server: every chunk of its one client is shown, past the 20-lines-a-second throttle of connection events", async () => {
  const server = captureReporter();
  const handle = serveBork({ port: 0, reporter: server.reporter });
  await runCount(1, { port: handle.addr.port, times: 30, intervalMs: 0 });
  await handle.closed;
  equal(server.out.filter((line) => line.startsWith("Received ")).length, 30);
  equal(server.out.filter((line) => line.startsWith("Replied ")).length, 30);
  ok(
    server.out.some((line) => line.startsWith("Connection closed by ")),
    server.out.join("\n"),
  );
  ok(!server.out.some((line) => line.startsWith("Last second: ")));
});

Deno.test("bork server: emoji and CJK round trip, a character split across two writes", async () => {
  const server = captureReporter({ trace: true });
  const handle = serveBork({ port: 0, reporter: server.reporter });
  const conn = await Deno.connect({ port: handle.addr.port });
  const bytes = encode("你好😀!");
  // 你好 (6 bytes) + the first 2 of the emoji's 4 bytes.
  await conn.write(bytes.subarray(0, 8));
  equal(
    await readBytes(conn, encode("你好 bork bork bork").length),
    "你好 bork bork bork",
  );
  await conn.write(bytes.subarray(8));
  equal(
    await readBytes(conn, encode("😀! bork bork bork").length),
    "😀! bork bork bork",
  );
  conn.close();
  await handle.closed;
  ok(server.out.includes('Received "你好"'));
  ok(server.out.includes('Received "😀!"'));
});

Deno.test("bork server: the suffix goes before the newline, so nc users get lines back", async () => {
  const handle = serveBork({ port: 0 });
  const conn = await Deno.connect({ port: handle.addr.port });
  await conn.write(encode("one\n"));
  equal(await readBytes(conn, 19), "one bork bork bork\n");
  await conn.write(encode("two\r\n"));
  equal(await readBytes(conn, 20), "two bork bork bork\r\n");
  conn.close();
  await handle.closed;
});

Deno.test("bork server: --keep-open serves one client after another", async () => {
  const server = captureReporter();
  const handle = serveBork({
    port: 0,
    keepOpen: true,
    reporter: server.reporter,
  });
  const first = await runHello({ port: handle.addr.port, message: "one" });
  const second = await runHello({ port: handle.addr.port, message: "two" });
  const summary = await handle.close();
  equal(decode(first.reply), "one bork bork bork");
  equal(decode(second.reply), "two bork bork bork");
  // The summary's bytes are the replies': 18 bytes each.
  equal(summary.bytesSent, 36);
  equal(server.out.filter((line) => line.startsWith("Connected by")).length, 2);
});

Deno.test("bork server: a second client waits unserved, then is reset when the server exits", async () => {
  const server = captureReporter();
  const second = captureReporter();
  const handle = serveBork({ port: 0, reporter: server.reporter });
  const first = await Deno.connect({ port: handle.addr.port });
  await first.write(encode("1"));
  equal(await readBytes(first, 16), "1 bork bork bork");
  const waiting = runCount(5, {
    port: handle.addr.port,
    reporter: second.reporter,
  });
  await second.waitFor(/^Connected to /);
  first.close();
  await handle.closed;
  await rejects(waiting, (error) => {
    ok(error instanceof NetError);
    equal(error.kind, "reset");
    match(error.message, /reset the connection before replying/);
    return true;
  });
  equal(server.out.filter((line) => line.startsWith("Connected by")).length, 1);
});

Deno.test("hello client: --timeout gives up on a server that never replies", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  await rejects(
    runHello({ port: listener.addr.port, timeoutMs: 100 }),
    (error) => error instanceof NetError && error.kind === "timeout",
  );
  (await accepted).close();
});

Deno.test("hello client: a refused connection is a NetError of kind refused", async () => {
  const port = closedPort();
  await rejects(runHello({ port }), (error) => {
    ok(error instanceof NetError);
    equal(error.kind, "refused");
    equal(
      error.message,
      `connection to 127.0.0.1:${port} refused: no server is listening there`,
    );
    return true;
  });
});

Deno.test("bork server: works on IPv6 loopback with the bracketed address", async () => {
  const server = captureReporter();
  const handle = serveBork({ host: "::1", port: 0, reporter: server.reporter });
  const result = await runHello({ host: "::1", port: handle.addr.port });
  await handle.closed;
  equal(server.out[0], `Listening on [::1]:${handle.addr.port}`);
  equal(decode(result.reply), "Hello, World! bork bork bork");
});

Deno.test("bork server: a client's reset is logged as the echo server logs it, 'Connection from ... ended'", async () => {
  const server = captureReporter();
  const handle = serveBork({ port: 0, reporter: server.reporter });
  // Sends a chunk, takes its reply, then resets (SO_LINGER 0).
  await runPythonSnippet(
    "import socket, struct, sys; s = socket.create_connection(('127.0.0.1', int(sys.argv[1]))); s.sendall(b'x'); s.recv(64); s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); s.close()",
    [`${handle.addr.port}`],
  );
  await handle.closed;
  const ended = server.out.filter((line) => /^Connection /.test(line));
  equal(ended.length, 1, server.out.join("\n"));
  match(
    ended[0],
    /^Connection from 127\.0\.0\.1:\d+ ended: the client reset the connection/,
  );
});
