/**
 * The pipelined load connection: writer and reader run independently, each
 * echo is matched byte for byte, and a server's extra bytes, early close or
 * reset are named for what they are.
 *
 * @module
 */

import { createServer, type Socket as NodeSocket } from "node:net";
import type { AddressInfo } from "node:net";
import { equal, match, ok, rejects } from "node:assert/strict";
import { PipelinedConnection } from "../client/_pipeline.ts";
import type { PipelineJob } from "../client/_pipeline_job.ts";
import { connectSocket } from "../protocol/dial.ts";
import { NetError } from "../protocol/errors.ts";
import { serveEcho } from "../server/echo.ts";
import { readBytes, writeAll } from "./_net.ts";

/** A one-connection server running `handle`, closed once it has run. */
function oneShotServer(
  handle: (conn: Deno.Conn) => Promise<void>,
): { port: number; done: Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const done = (async () => {
    const conn = await listener.accept();
    listener.close();
    try {
      await handle(conn);
    } catch {
      // The client may have closed first.
    } finally {
      try {
        conn.close();
      } catch {
        // Closed by the handler.
      }
    }
  })();
  return { port: listener.addr.port, done };
}

interface Echo {
  planned: number;
  sent: number;
  now: number;
}

function job(
  payload: Uint8Array,
  overrides: Partial<PipelineJob> = {},
): { job: PipelineJob; echoes: Echo[] } {
  const echoes: Echo[] = [];
  const full: PipelineJob = {
    payload,
    window: 1,
    limit: 1,
    deadline: Infinity,
    plannedAt: () => undefined,
    onSend(): void {},
    onEcho(planned, sent, now): void {
      echoes.push({ planned, sent, now });
    },
    ...overrides,
  };
  return { job: full, echoes };
}

async function runAgainst(
  port: number,
  work: PipelineJob,
): Promise<PipelinedConnection> {
  const connection = new PipelinedConnection(await connectSocket(port), work);
  await connection.run();
  return connection;
}

async function failureOf(
  server: { port: number; done: Promise<void> },
  work: PipelineJob,
): Promise<NetError> {
  let failure: unknown;
  try {
    await runAgainst(server.port, work);
  } catch (error) {
    failure = error;
  }
  await server.done;
  ok(failure instanceof NetError, `expected a NetError, got ${failure}`);
  return failure;
}

Deno.test("pipeline: a 16 MiB message, larger than both socket buffers, echoes back whole", async () => {
  const server = serveEcho({ port: 0 });
  try {
    const payload = new Uint8Array(16 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
    const { job: work, echoes } = job(payload, { limit: 2 });
    const connection = await runAgainst(server.addr.port, work);
    equal(connection.echoed, 2);
    equal(connection.socket.bytesRead, 2 * payload.length);
    equal(echoes.length, 2);
  } finally {
    await server.close();
  }
});

Deno.test("pipeline: with a window of 4, four messages are in flight before any echo", async () => {
  // This server echoes nothing until it has all four messages: a
  // connection that waited for each echo would never finish.
  const server = oneShotServer(async (conn) => {
    const bytes = await readBytes(conn, 40);
    await writeAll(conn, bytes);
    await readBytes(conn, 1).catch(() => {});
  });
  const { job: work, echoes } = job(new Uint8Array(10).fill(65), {
    window: 4,
    limit: 4,
  });
  const connection = await runAgainst(server.port, work);
  await server.done;
  equal(connection.echoed, 4);
  // All four were sent before the first echo came back.
  const firstEcho = Math.min(...echoes.map((echo) => echo.now));
  ok(echoes.every((echo) => echo.sent <= firstEcho));
});

Deno.test("pipeline: latency counts from the planned send time when one is given", async () => {
  const server = serveEcho({ port: 0 });
  try {
    const start = performance.now() + 5;
    const { job: work, echoes } = job(new Uint8Array(8).fill(66), {
      limit: 3,
      plannedAt: (index) => start + index * 3,
    });
    await runAgainst(server.addr.port, work);
    equal(echoes.length, 3);
    echoes.forEach((echo, index) => {
      // Its schedule time, even when sent a timer tick early.
      equal(echo.planned, start + index * 3);
      ok(echo.now >= echo.sent);
    });
  } finally {
    await server.close();
  }
});

Deno.test("pipeline: extra bytes after the expected echo are a mismatch", async () => {
  const server = oneShotServer(async (conn) => {
    const bytes = await readBytes(conn, 3);
    await writeAll(conn, bytes);
    await writeAll(conn, new TextEncoder().encode("EXTRA"));
    await readBytes(conn, 1).catch(() => {});
  });
  const { job: work } = job(new TextEncoder().encode("abc"));
  const failure = await failureOf(server, work);
  equal(failure.kind, "mismatch");
  match(
    failure.message,
    /sent more bytes than were sent to it \(after the echo of message 1\)/,
  );
});

Deno.test("pipeline: different bytes are a mismatch naming the byte", async () => {
  const server = oneShotServer(async (conn) => {
    const bytes = await readBytes(conn, 6);
    bytes[4] ^= 1;
    await writeAll(conn, bytes);
    await readBytes(conn, 1).catch(() => {});
  });
  const { job: work } = job(new TextEncoder().encode("abcdef"));
  const failure = await failureOf(server, work);
  equal(failure.kind, "mismatch");
  // bytes[4] is the fifth byte: counted from 1, as the lesson client counts.
  match(failure.message, /\(byte 5 of message 1\)/);
});

Deno.test("pipeline: a server that closes (FIN) before echoing everything is closed-early", async () => {
  const server = oneShotServer(async (conn) => {
    const bytes = await readBytes(conn, 100);
    await writeAll(conn, bytes.subarray(0, 40));
  });
  const { job: work } = job(new Uint8Array(100).fill(67), { limit: 5 });
  const failure = await failureOf(server, work);
  equal(failure.kind, "closed-early");
  ok(/closed the connection after echoing 40 of/.test(failure.message));
});

Deno.test("pipeline: a real reset (RST) is a reset", async () => {
  const server = createServer();
  const done = new Promise<void>((resolve) => {
    server.on("connection", (socket: NodeSocket) => {
      socket.on("error", () => {});
      socket.once("data", () => {
        socket.resetAndDestroy();
        server.close(() => resolve());
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const { job: work } = job(new Uint8Array(10).fill(68), { limit: 3 });
  await rejects(runAgainst(port, work), (error: unknown) => {
    ok(error instanceof NetError);
    equal(error.kind, "reset");
    return true;
  });
  await done;
});
