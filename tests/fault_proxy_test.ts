import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { startFaultProxy } from "./_fault_proxy.ts";
import { readToEnd, writeAll } from "./_net.ts";
import { randomBytes, seededRandom } from "./_random.ts";

/** What a raw target server saw on one connection. */
interface Seen {
  bytes: number;
  reads: number;
  /** How the connection ended for the server: "eof" or the error's name. */
  end: string;
}

/**
 * A raw TCP server for one connection: it echoes (or just counts) every
 * read, answers EOF with a half-close, and reports what it saw.
 */
function rawServer(echo: boolean): {
  port: number;
  seen: Promise<Seen>;
} {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  async function serveOne(): Promise<Seen> {
    const conn = await listener.accept();
    listener.close();
    const buffer = new Uint8Array(64 * 1024);
    const seen: Seen = { bytes: 0, reads: 0, end: "eof" };
    try {
      while (true) {
        const count = await conn.read(buffer);
        if (count === null) break;
        seen.bytes += count;
        seen.reads++;
        if (echo) await writeAll(conn, buffer.subarray(0, count));
      }
      if (echo) await conn.closeWrite();
    } catch (error) {
      seen.end = error instanceof Error ? error.name : String(error);
    } finally {
      conn.close();
    }
    return seen;
  }
  return { port: listener.addr.port, seen: serveOne() };
}

/** How long a test connection may live: a stuck test fails, never hangs. */
const DEADLINE_MS = 10_000;
const deadlines = new Map<Deno.Conn, ReturnType<typeof setTimeout>>();

/**
 * Connects to the proxy; if the test has not released the connection within
 * the deadline, it is closed, which fails whatever read was stuck on it.
 */
async function connectProxy(port: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  deadlines.set(
    conn,
    setTimeout(() => {
      deadlines.delete(conn);
      conn.close();
    }, DEADLINE_MS),
  );
  return conn;
}

/** Closes a connection from {@linkcode connectProxy} and its deadline. */
function release(conn: Deno.Conn): void {
  const timer = deadlines.get(conn);
  if (timer === undefined) return; // The deadline closed it already.
  clearTimeout(timer);
  deadlines.delete(conn);
  conn.close();
}

Deno.test("fault proxy: the PRNG is reproducible and seed-dependent", () => {
  const draws = (seed: number): number[] => {
    const random = seededRandom(seed);
    return Array.from({ length: 5 }, () => random());
  };
  deepEqual(draws(42), draws(42));
  ok(draws(42).join() !== draws(43).join());
  ok(draws(42).every((value) => value >= 0 && value < 1));
});

Deno.test("fault proxy: chunking keeps every byte, in order, both ways, and forwards the half-close", async () => {
  const server = rawServer(true);
  const proxy = await startFaultProxy(server, {
    chunking: { maxChunk: 64, maxDelayMs: 1 },
  });
  try {
    // Larger than the socket buffers would take at once if nobody read,
    // so sending and reading must overlap, as through a real network.
    const data = randomBytes(seededRandom(7), 40_000);
    const conn = await connectProxy(proxy.port);
    try {
      const sending = writeAll(conn, data).then(() => conn.closeWrite());
      const received = await readToEnd(conn);
      await sending;
      equal(received.length, data.length);
      deepEqual(received, data);
    } finally {
      release(conn);
    }
    const seen = await server.seen;
    equal(seen.bytes, data.length);
    equal(seen.end, "eof");
    // Unchunked, 40 kB on loopback arrives in a handful of reads.
    ok(seen.reads > 100, `only ${seen.reads} reads: the stream was not cut`);
  } finally {
    await proxy.close();
  }
});

Deno.test("fault proxy: a small message reaches the server in several pieces", async () => {
  const server = rawServer(true);
  const proxy = await startFaultProxy(server, {
    chunking: { maxChunk: 3, maxDelayMs: 2 },
  });
  try {
    const message = new TextEncoder().encode("Hello, World! héllo 🐕");
    const conn = await connectProxy(proxy.port);
    try {
      await writeAll(conn, message);
      await conn.closeWrite();
      deepEqual(await readToEnd(conn), message);
    } finally {
      release(conn);
    }
    const seen = await server.seen;
    equal(seen.bytes, message.length);
    ok(seen.reads >= 2, `the server got it in ${seen.reads} read(s)`);
  } finally {
    await proxy.close();
  }
});

Deno.test("fault proxy: reset after K bytes: the server reads exactly K bytes then EOF, the client is reset", async () => {
  const server = rawServer(false);
  const proxy = await startFaultProxy(server, { resetAfter: 10 });
  try {
    const conn = await connectProxy(proxy.port);
    try {
      await writeAll(conn, randomBytes(seededRandom(1), 100));
      const seen = await server.seen;
      equal(seen.bytes, 10);
      equal(seen.end, "eof");
      await rejects(
        conn.read(new Uint8Array(16)),
        Deno.errors.ConnectionReset,
      );
    } finally {
      release(conn);
    }
    equal(proxy.resets, 1);
  } finally {
    await proxy.close();
  }
});

Deno.test("fault proxy: reset after exactly the bytes sent, through chunking: a waiting client is reset too", async () => {
  const server = rawServer(false);
  const proxy = await startFaultProxy(server, {
    resetAfter: 5,
    chunking: { maxChunk: 2, maxDelayMs: 1 },
  });
  try {
    const conn = await connectProxy(proxy.port);
    try {
      await writeAll(conn, new TextEncoder().encode("12345"));
      // A real RST, not a FIN: no clean EOF even with nothing pending.
      await rejects(
        conn.read(new Uint8Array(16)),
        Deno.errors.ConnectionReset,
      );
    } finally {
      release(conn);
    }
    const seen = await server.seen;
    equal(seen.bytes, 5);
    equal(proxy.resets, 1);
  } finally {
    await proxy.close();
  }
});

Deno.test("fault proxy: without a reset limit nothing is reset", async () => {
  const server = rawServer(true);
  const proxy = await startFaultProxy(server);
  try {
    const conn = await connectProxy(proxy.port);
    try {
      const message = randomBytes(seededRandom(3), 5000);
      await writeAll(conn, message);
      await conn.closeWrite();
      deepEqual(await readToEnd(conn), message);
    } finally {
      release(conn);
    }
    equal((await server.seen).bytes, 5000);
    equal(proxy.resets, 0);
  } finally {
    await proxy.close();
  }
});

Deno.test("fault proxy: close() ends open connections and the client reads EOF", async () => {
  const server = rawServer(true);
  const proxy = await startFaultProxy(server, { chunking: {} });
  const conn = await connectProxy(proxy.port);
  try {
    await writeAll(conn, new TextEncoder().encode("abc"));
    const buffer = new Uint8Array(3);
    let got = 0;
    while (got < 3) {
      const count = await conn.read(buffer.subarray(got));
      if (count === null) throw new Error("EOF before the echo");
      got += count;
    }
    equal(new TextDecoder().decode(buffer), "abc");
    equal(proxy.connections, 1);
    await proxy.close();
    equal(await conn.read(new Uint8Array(3)), null);
  } finally {
    release(conn);
  }
  const seen = await server.seen;
  equal(seen.bytes, 3);
});

Deno.test("fault proxy: a target that refuses makes the proxy close the client", async () => {
  const unused = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = unused.addr.port;
  unused.close();
  const proxy = await startFaultProxy({ port });
  try {
    const conn = await connectProxy(proxy.port);
    try {
      equal(await conn.read(new Uint8Array(1)), null);
    } finally {
      release(conn);
    }
  } finally {
    await proxy.close();
  }
});
