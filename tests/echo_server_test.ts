import { deepEqual, equal, match, ok } from "node:assert/strict";
import { serveEcho } from "../server/echo.ts";
import { formatSummary } from "../server/summary.ts";
import { runScriptUnderLimit } from "./_children.ts";
import {
  captureReporter,
  residentKiB,
  type SpawnedServer,
  spawnQuietEcho,
  spawnServer,
} from "./_helpers.ts";
import {
  connectLocal,
  decode,
  encode,
  readBytes,
  readToEnd,
  writeAll,
} from "./_net.ts";

function localAddress(conn: Deno.Conn): string {
  return `127.0.0.1:${(conn.localAddr as Deno.NetAddr).port}`;
}

/** Sends `text` on an open connection and resolves what came back. */
async function roundTrip(conn: Deno.Conn, text: string): Promise<string> {
  await writeAll(conn, encode(text));
  return decode(await readBytes(conn, encode(text).length));
}

/** One whole client: connect, send, read the echo, close. */
async function exchange(port: number, text: string): Promise<string> {
  const conn = await connectLocal(port);
  try {
    return await roundTrip(conn, text);
  } finally {
    conn.close();
  }
}

/** What {@linkcode pushUntilStalled} saw. */
interface Push {
  /** Bytes the OS took from the pusher. */
  written: number;
  /** The pusher's write loop, still blocked in a write; close to end it. */
  loop: Promise<void>;
}

/**
 * Writes 64 KiB chunks to `conn` without ever reading, while other clients
 * exchange probes with the server; stops when three probes in a row were
 * served while the pusher's write did not complete (the server stopped
 * reading it), or after `limit` bytes (the server never pushed back).
 */
async function pushUntilStalled(
  conn: Deno.Conn,
  port: number,
  limit: number,
): Promise<Push> {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let written = 0;
  let writes = 0;
  const loop = (async () => {
    while (written < limit) {
      written += await conn.write(chunk);
      writes++;
    }
  })();
  let loopEnded = false;
  loop.then(() => loopEnded = true, () => loopEnded = true);
  let quietProbes = 0;
  while (quietProbes < 3 && !loopEnded) {
    const before = writes;
    equal(await exchange(port, "probe"), "probe");
    quietProbes = writes === before ? quietProbes + 1 : 0;
  }
  return { written, loop };
}

/** Closes a connection whose write is blocked and waits for that write. */
async function abandon(conn: Deno.Conn, loop: Promise<void>): Promise<void> {
  conn.close();
  await loop.catch(() => {});
}

async function stopServer(
  server: SpawnedServer,
  signal: Deno.Signal = "SIGINT",
): Promise<number> {
  return (await server.process.stop(signal)).code;
}

Deno.test("echo server: a second client is served while a first sits idle", async () => {
  const server = serveEcho({ port: 0 });
  const first = await connectLocal(server.addr.port);
  equal(await roundTrip(first, "first"), "first");
  // The first client now holds its connection open and sends nothing.
  equal(await exchange(server.addr.port, "second"), "second");
  first.close();
  const summary = await server.close();
  equal(summary.connections, 2);
  equal(summary.bytesSent, "firstsecond".length);
});

Deno.test("echo server: prints Accepted, Echoed (escaped) and Closing lines for a short exchange", async () => {
  const { reporter, out, waitFor } = captureReporter();
  const server = serveEcho({ port: 0, reporter });
  const conn = await connectLocal(server.addr.port);
  const peer = localAddress(conn);
  equal(await roundTrip(conn, "hello"), "hello");
  await writeAll(conn, new Uint8Array([0, 1, 2, 255]));
  equal((await readBytes(conn, 4)).length, 4);
  conn.close();
  await waitFor(/^Closing connection/);
  await server.close();
  equal(out[0], `Listening on 127.0.0.1:${server.addr.port}`);
  equal(out[1], `Accepted connection from ${peer}`);
  equal(out[2], `Echoed "hello" to ${peer}`);
  equal(out[3], `Echoed "\\x00\\x01\\x02\\xff" to ${peer}`);
  equal(out[4], `Closing connection to ${peer}`);
  equal(out.length, 5);
});

Deno.test("echo server: an 8 MiB message comes back intact", async () => {
  const server = serveEcho({ port: 0 });
  const conn = await connectLocal(server.addr.port);
  const message = new Uint8Array(8 * 1024 * 1024);
  for (let i = 0; i < message.length; i++) {
    message[i] = (i * 7 + (i >> 13)) & 255;
  }
  const [, echoed] = await Promise.all([
    writeAll(conn, message),
    readBytes(conn, message.length),
  ]);
  conn.close();
  await server.close();
  equal(echoed.length, message.length);
  const firstDifference = echoed.findIndex((byte, i) => byte !== message[i]);
  equal(firstDifference, -1);
});

Deno.test("echo server: after a half-close it echoes what is left, then closes", async () => {
  const server = serveEcho({ port: 0 });
  const conn = await connectLocal(server.addr.port);
  const message = encode("half-close me ".repeat(5000));
  await writeAll(conn, message);
  await conn.closeWrite();
  const echoed = await readToEnd(conn);
  conn.close();
  await server.close();
  equal(decode(echoed), decode(message));
});

Deno.test("echo server: a client resetting mid-transfer ends only its own connection, with one line", async () => {
  const { reporter, out, waitFor } = captureReporter();
  const server = serveEcho({ port: 0, reporter });
  const port = server.addr.port;
  const bystander = await connectLocal(port);
  equal(await roundTrip(bystander, "before"), "before");
  const resetter = await connectLocal(port);
  const resetterAddress = localAddress(resetter);
  const push = await pushUntilStalled(resetter, port, 100 * 1024 * 1024);
  // Closing with unread echo in its receive queue makes the OS send a reset.
  await abandon(resetter, push.loop);
  // The push's echo lines went past 20 a second, so the reset's line may
  // be one of the events the throttle counts rather than shows.
  await waitFor(
    new RegExp(
      `^Connection from ${resetterAddress} ended|(?:other )?lines? not shown`,
    ),
  );
  equal(await roundTrip(bystander, "after"), "after");
  equal(await exchange(port, "newcomer"), "newcomer");
  bystander.close();
  await server.close();
  const about = out.filter((line) =>
    line.includes(resetterAddress) && !line.startsWith("Echoed") &&
    !line.startsWith("Last second")
  );
  equal(about[0], `Accepted connection from ${resetterAddress}`);
  if (about.length === 1) {
    ok(out.some((line) => / (?:other )?lines? not shown/.test(line)));
  } else {
    equal(about.length, 2, about.join("\n"));
    match(about[1], /ended: .*reset/);
  }
});

Deno.test("echo server: a client that never reads is stopped, not buffered, and others are still served", async () => {
  const server = await spawnQuietEcho();
  const pid = server.process.child.pid;
  const before = await residentKiB(pid);
  const pusher = await connectLocal(server.port);
  const limit = 100 * 1024 * 1024;
  const push = await pushUntilStalled(pusher, server.port, limit);
  const grownKiB = await residentKiB(pid) - before;
  await abandon(pusher, push.loop);
  equal(await exchange(server.port, "still here"), "still here");
  equal(await stopServer(server, "SIGTERM"), 0);
  ok(push.written < limit, `the server took all ${push.written} bytes`);
  ok(
    grownKiB < 16 * 1024,
    `server memory grew by ${grownKiB} KiB while ${push.written} bytes were pushed`,
  );
});

Deno.test("echo server: beyond --max-conns a connection is closed at once and logged", async () => {
  const { reporter, waitFor } = captureReporter();
  const server = serveEcho({ port: 0, reporter, maxConns: 2 });
  const port = server.addr.port;
  const first = await connectLocal(port);
  const second = await connectLocal(port);
  equal(await roundTrip(first, "one"), "one");
  equal(await roundTrip(second, "two"), "two");
  const third = await connectLocal(port);
  const thirdAddress = localAddress(third);
  equal(await third.read(new Uint8Array(16)), null);
  third.close();
  match(
    await waitFor(/^Refused connection/),
    new RegExp(`^Refused connection from ${thirdAddress}: .*--max-conns`),
  );
  equal(await roundTrip(first, "one again"), "one again");
  equal(await roundTrip(second, "two again"), "two again");
  first.close();
  second.close();
  const summary = await server.close();
  equal(summary.connections, 2);
  equal(summary.refused, 1);
  match(
    formatSummary(summary),
    /^Served 2 connections \(and refused 1 beyond --max-conns\), echoed 24 bytes, up /,
  );
});

Deno.test("echo server: --idle-timeout closes a quiet connection with a line", async () => {
  const { reporter, waitFor } = captureReporter();
  const server = serveEcho({ port: 0, reporter, idleTimeoutMs: 200 });
  const conn = await connectLocal(server.addr.port);
  const address = localAddress(conn);
  equal(await roundTrip(conn, "then silence"), "then silence");
  equal(await conn.read(new Uint8Array(16)), null);
  conn.close();
  match(
    await waitFor(/^Closing idle connection/),
    new RegExp(`^Closing idle connection from ${address} after 0.2 s`),
  );
  await server.close();
});

Deno.test("echo server: more than 20 lines a second collapse into a summary line", async () => {
  const { reporter, out, waitFor } = captureReporter();
  const server = serveEcho({ port: 0, reporter });
  const conn = await connectLocal(server.addr.port);
  for (let i = 0; i < 200; i++) equal(await roundTrip(conn, `m${i}`), `m${i}`);
  match(
    await waitFor(/^Last second: /),
    /^Last second: echoed \d+ reads? \(\d+ bytes?\); 1 connection open$/,
  );
  conn.close();
  await server.close();
  const detailed = out.filter((line) => line.startsWith("Echoed "));
  ok(detailed.length < 200, `${detailed.length} lines were not collapsed`);
  // Nothing is lost in the collapse: the summaries count every read and
  // byte not shown ("m0" to "m199": 10 x 2 + 90 x 3 + 100 x 4 bytes).
  let reads = detailed.length;
  let bytes = detailed.reduce(
    (sum, line) => sum + (/^Echoed "(m\d+)"/.exec(line)?.[1].length ?? NaN),
    0,
  );
  for (const line of out) {
    const summary = /^Last second: echoed (\d+) reads? \((\d+) bytes?\)/.exec(
      line,
    );
    if (summary === null) continue;
    reads += Number(summary[1]);
    bytes += Number(summary[2]);
  }
  equal(reads, 200);
  equal(bytes, 690);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`echo server: ${signal} prints the summary, closes open connections after --grace, exits 0`, async () => {
    const server = await spawnServer([
      "server",
      "echo",
      "--port",
      "0",
      "--grace",
      "0.2",
    ]);
    const conn = await connectLocal(server.port);
    equal(await roundTrip(conn, "stay"), "stay");
    await server.process.waitForLine(/^Echoed "stay"/);
    server.process.child.kill(signal);
    // The idle connection is closed by the server once the grace is over.
    equal(await conn.read(new Uint8Array(16)), null);
    conn.close();
    equal((await server.process.finished()).code, 0);
    const out = server.process.stdoutLines;
    ok(out.includes("Closing 1 connection still open"), out.join("\n"));
    match(out.at(-1) ?? "", /^Served 1 connection, echoed 4 bytes, up \d/);
  });
}

Deno.test("echo server: --quiet prints only the Listening line and the summary", async () => {
  const server = await spawnQuietEcho();
  equal(await exchange(server.port, "shh"), "shh");
  equal(await exchange(server.port, "again"), "again");
  equal(await stopServer(server), 0);
  // The second client's end of stream may still be on its way at the
  // signal: the grace line for it is said even under --quiet.
  const out = server.process.stdoutLines.filter((line) =>
    line !== "Waiting up to 5 s for 1 open connection"
  );
  equal(out.length, 2, out.join("\n"));
  equal(out[0], `Listening on 127.0.0.1:${server.port}`);
  match(out[1], /^Served 2 connections, echoed 8 bytes, up \d/);
});

Deno.test("echo server: out of file descriptors it says so once, keeps listening and recovers", async () => {
  const server = await spawnQuietEcho({ openFileLimit: 64 });
  const port = server.port;
  const held: Deno.Conn[] = [];
  const limitReached = server.process.waitForLine(/too many open files/);
  let stuck: { conn: Deno.Conn; echo: Promise<Uint8Array> } | undefined;
  let code: number;
  try {
    while (stuck === undefined && held.length < 100) {
      const conn = await connectLocal(port);
      await writeAll(conn, encode("x"));
      const echo = readBytes(conn, 1);
      const winner = await Promise.race([echo, limitReached]);
      if (typeof winner === "string") stuck = { conn, echo };
      else held.push(conn);
    }
    ok(
      stuck,
      `the server served ${held.length} connections under ulimit -n 64`,
    );
    for (const conn of held.splice(0, 10)) conn.close();
    equal(decode(await stuck.echo), "x");
    equal(await exchange(port, "later"), "later");
  } finally {
    stuck?.conn.close();
    for (const conn of held) conn.close();
    code = await stopServer(server, "SIGTERM");
  }
  equal(code, 0);
  const { stderrLines, stdoutLines } = server.process;
  equal(
    stderrLines.filter((line) => /too many open files/.test(line)).length,
    1,
  );
  // Quiet, the server still says it came back, as it said it ran out.
  equal(
    stdoutLines.filter((line) =>
      /^Accepting connections again \(\d+ open\)$/.test(line)
    ).length,
    1,
    stdoutLines.join("\n"),
  );
});

Deno.test("echo server: a listen that finds no descriptor left says so and names ulimit -n", async () => {
  // In a child of its own: the test files running beside this one share
  // this process's descriptors, and would run out of them too.
  const output = await runScriptUnderLimit(
    new URL("./_listen_under_limit.ts", import.meta.url).pathname,
    { limit: 64 },
  );
  equal(output.code, 0, new TextDecoder().decode(output.stderr));
  deepEqual(JSON.parse(new TextDecoder().decode(output.stdout)), {
    error:
      "too many open files for 127.0.0.1:0: the process reached its open-file limit; raise it with 'ulimit -n'",
  });
});
