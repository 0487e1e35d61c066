import assert from "node:assert/strict";
import { captureReporter, lines, runCli, spawnServer } from "./_helpers.ts";
import { connectSocket } from "../protocol/dial.ts";
import { StreamSocket } from "../protocol/socket.ts";
import { NetError } from "../protocol/errors.ts";

const TRACE = /^\[trace \+\d+\.\d{6}s\] /;

/**
 * Asserts that `lines` hold a line matching each pattern, in this order
 * (other lines may come between), and returns the matched lines.
 */
function assertInOrder(lines: string[], patterns: RegExp[]): string[] {
  const matched: string[] = [];
  let from = 0;
  for (const pattern of patterns) {
    const index = lines.findIndex((line, i) => i >= from && pattern.test(line));
    assert.ok(
      index >= 0,
      `no line matching ${pattern} after line ${from} in:\n${lines.join("\n")}`,
    );
    matched.push(lines[index]);
    from = index + 1;
  }
  return matched;
}

Deno.test("trace: client hello --trace shows connect, write, read, EOF and close on stderr only", async () => {
  const { process, port } = await spawnServer([
    "server",
    "bork",
    "--port",
    "0",
  ]);
  let result;
  try {
    result = await runCli([
      "client",
      "hello",
      "--port",
      String(port),
      "--trace",
    ]);
  } finally {
    await process.finished();
  }
  assert.equal(result.code, 0, result.stderr);
  const stderr = lines(result.stderr);
  const steps = assertInOrder(stderr, [
    /^\[trace \+[\d.]+s\] connecting to 127\.0\.0\.1:\d+$/,
    /^\[trace \+[\d.]+s\] connected to 127\.0\.0\.1:\d+ from 127\.0\.0\.1:\d+ /,
    /^\[trace \+[\d.]+s\] write 13 bytes to 127\.0\.0\.1:\d+ via local port \d+: the OS took 13$/,
    /^\[trace \+[\d.]+s\] half-close to /,
    /^\[trace \+[\d.]+s\] read 28 bytes from /,
    /^\[trace \+[\d.]+s\] read EOF from /,
    /^\[trace \+[\d.]+s\] close connection to 127\.0\.0\.1:\d+ via local port \d+ \(read 28 bytes, wrote 13 bytes\)$/,
  ]);
  const local = steps[1].match(
    new RegExp(
      `connected to 127\\.0\\.0\\.1:${port} from 127\\.0\\.0\\.1:(\\d+) `,
    ),
  )?.[1];
  assert.ok(local, steps[1]);
  // Every later step names the connection by the same local port, the one
  // the client's ordinary output reports.
  for (const step of steps.slice(2)) {
    assert.ok(step.includes(`via local port ${local}`), step);
  }
  assert.match(
    result.stdout,
    new RegExp(
      `^Connected to 127\\.0\\.0\\.1:${port} from 127\\.0\\.0\\.1:${local}$`,
      "m",
    ),
  );
  for (const line of stderr) assert.match(line, TRACE);
  assert.equal(result.stdout.includes("[trace"), false);
  assert.match(result.stdout, /^Received: Hello, World! bork bork bork$/m);
});

Deno.test("trace: server bork --trace shows listen, accept, read, write and close", async () => {
  const { process, port } = await spawnServer([
    "server",
    "bork",
    "--port",
    "0",
    "--trace",
  ]);
  const client = await runCli(["client", "hello", "--port", String(port)]);
  const status = await process.finished();
  assert.equal(client.code, 0, client.stderr);
  assert.equal(status.code, 0);
  assert.equal(client.stderr, "", "the client was not asked to trace");
  const peer = client.stdout.match(/from (127\.0\.0\.1:\d+)/)?.[1];
  assert.ok(peer, client.stdout);
  assertInOrder(process.stderrLines, [
    new RegExp(`^\\[trace \\+[\\d.]+s\\] listen on 127\\.0\\.0\\.1:${port}$`),
    new RegExp(`^\\[trace \\+[\\d.]+s\\] accept from ${peer}$`),
    new RegExp(`^\\[trace \\+[\\d.]+s\\] read 13 bytes from ${peer}$`),
    new RegExp(
      `^\\[trace \\+[\\d.]+s\\] write 28 bytes to ${peer}: the OS took 28$`,
    ),
    new RegExp(`^\\[trace \\+[\\d.]+s\\] read EOF from ${peer}`),
    new RegExp(`^\\[trace \\+[\\d.]+s\\] close connection to ${peer} `),
  ]);
  for (const line of process.stderrLines) assert.match(line, TRACE);
  assert.equal(process.stdoutLines[0], `Listening on 127.0.0.1:${port}`);
  assert.equal(process.stdoutLines.some((l) => l.includes("[trace")), false);
});

Deno.test("trace: without --trace nothing is traced", async () => {
  const { process, port } = await spawnServer([
    "server",
    "bork",
    "--port",
    "0",
  ]);
  const client = await runCli(["client", "hello", "--port", String(port)]);
  await process.finished();
  assert.equal(client.code, 0);
  assert.equal(client.stderr, "");
  assert.deepEqual(process.stderrLines, []);
});

Deno.test("trace: a refused connection is traced as an error with its kind", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const { reporter, err } = captureReporter({ trace: true });
  await assert.rejects(connectSocket(port, { reporter }), /refused/);
  assert.deepEqual(err.map((line) => line.replace(TRACE, "")), [
    `connecting to 127.0.0.1:${port}`,
    `error connecting to 127.0.0.1:${port}: refused (ConnectionRefused)`,
  ]);
});

Deno.test("trace: a write to a peer that reset the connection is traced as an error", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { reporter, err } = captureReporter({ trace: true });
  const client = await Deno.connect({
    hostname: "127.0.0.1",
    port: listener.addr.port,
  });
  const socket = new StreamSocket(await listener.accept(), { reporter });
  try {
    await socket.writeAll(new Uint8Array([1, 2, 3]));
    // A round trip, so the three bytes wait unread in the client's kernel:
    // closing with unread bytes makes the kernel send a reset, not a FIN.
    await client.write(new Uint8Array([9]));
    assert.equal(await socket.read(new Uint8Array(1)), 1);
    client.close();
    await assert.rejects(
      async () => {
        // Deno reports a reset seen by read() as end of stream; the next
        // write is what fails.
        await socket.read(new Uint8Array(16));
        await socket.writeAll(new Uint8Array([4]));
      },
      (error) => error instanceof NetError && error.kind === "reset",
    );
  } finally {
    socket.close();
    listener.close();
  }
  const steps = err.map((line) => line.replace(TRACE, ""));
  assertInOrder(steps, [
    /^write 3 bytes to 127\.0\.0\.1:\d+: the OS took 3$/,
    /^read 1 byte from /,
    /^error on 127\.0\.0\.1:\d+ while sending: reset \((BrokenPipe|ConnectionReset)\)$/,
    /^close connection to 127\.0\.0\.1:\d+ \(read 1 byte, wrote 3 bytes\)$/,
  ]);
});

Deno.test("trace: a load connection its watchdog stops is traced as closed on this side, and reported as timed out", async () => {
  // Accepts and never reads or answers.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  try {
    const result = await runCli([
      ...["client", "multi", "--port", `${listener.addr.port}`, "--conns", "1"],
      ...["--rounds", "1", "--timeout", "0.3", "--trace"],
    ]);
    assert.equal(result.code, 1);
    const errors = lines(result.stderr).filter((line) =>
      / error on /.test(line)
    );
    assert.equal(errors.length, 1, result.stderr);
    assert.match(
      errors[0],
      / while waiting for the echo: closed on this side$/,
    );
    assert.match(
      result.stderr,
      /\nerror: 1 error in the load run: 1 timed out \(first: 127\.0\.0\.1:\d+ made no progress for 0\.3 s \(--timeout\)\)\n$/,
    );
  } finally {
    listener.close();
    (await accepted.catch(() => undefined))?.close();
  }
});

Deno.test("trace: a --timeout is traced before the close it makes, then the call's error", async () => {
  // Accepts and never replies.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  try {
    const result = await runCli([
      ...["client", "hello", "--port", `${listener.addr.port}`],
      ...["--timeout", "0.3", "--trace"],
    ]);
    assert.equal(result.code, 1);
    assertInOrder(lines(result.stderr), [
      /\] timed out on 127\.0\.0\.1:\d+ via local port \d+ after 0\.3 s without progress: closing it$/,
      /\] close connection to 127\.0\.0\.1:\d+ /,
      /\] error on 127\.0\.0\.1:\d+ via local port \d+ before replying: timeout$/,
    ]);
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
  }
});
