/**
 * Hostile peers against the servers, as issue 15's run found them: resets
 * before and after accept (made by an independent Python peer with
 * SO_LINGER 0), reset storms under load, and thousands of partial app
 * requests. A server must stay up, keep serving, keep its log readable and
 * its memory bounded.
 *
 * @module
 */

import { equal, match, ok } from "node:assert/strict";
import {
  appRequest,
  BINARY_RESPONSE_PREFIX,
  CLIENT_BINARY_TYPE,
  encodeAppMessage,
} from "../protocol/app_codec.ts";
import { DEFAULT_MAX_PENDING_BYTES, serveApp } from "../server/app.ts";
import {
  captureReporter,
  residentKiB,
  type SpawnedServer,
  spawnServer,
} from "./_helpers.ts";
import { connectLocal, readBytes, readToEnd, writeAll } from "./_net.ts";

const RESET_PEER = new URL("./python/reset_peer.py", import.meta.url).pathname;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Runs the Python reset peer to its end; resolves its one line. */
async function resetConnections(
  port: number,
  options: { count: number; afterEcho?: boolean },
): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command("python3", {
    args: [
      RESET_PEER,
      "--port",
      String(port),
      "--count",
      String(options.count),
      ...(options.afterEcho ? ["--after-echo"] : []),
    ],
    stdin: "null",
  }).output();
  const out = decoder.decode(stdout).trim();
  equal(code, 0, `${out}\n${decoder.decode(stderr)}`);
  return out;
}

/** One echo round trip on a fresh connection. */
async function echoOnce(port: number, text: string): Promise<string> {
  const conn = await connectLocal(port);
  try {
    await writeAll(conn, encoder.encode(text));
    return decoder.decode(await readBytes(conn, encoder.encode(text).length));
  } finally {
    conn.close();
  }
}

/** Sends SIGTERM; checks exit 0, the summary last, and no crash output. */
async function stopWithSummary(server: SpawnedServer): Promise<void> {
  const { process } = server;
  const status = await process.stop("SIGTERM");
  const all = [...process.stdoutLines, ...process.stderrLines].join("\n");
  equal(status.code, 0, all);
  match(process.stdoutLines.at(-1) ?? "", /^Served \d+ connections?, /, all);
  ok(!/Uncaught|error: |^\s+at /m.test(all), all);
}

Deno.test("hostile peers: 200 resets before accept leave server echo up and serving", async () => {
  const server = await spawnServer(["server", "echo", "--port", "0"]);
  try {
    equal(
      await resetConnections(server.port, { count: 200 }),
      "Reset 200 connections",
    );
    equal(await echoOnce(server.port, "still here"), "still here");
  } finally {
    await stopWithSummary(server);
  }
});

Deno.test("hostile peers: 200 resets before accept leave server app up and answering", async () => {
  const server = await spawnServer(["server", "app", "--port", "0"]);
  try {
    await resetConnections(server.port, { count: 200 });
    const conn = await connectLocal(server.port);
    try {
      await writeAll(conn, encodeAppMessage(appRequest("search", "port")));
      match(
        decoder.decode(await readToEnd(conn)),
        /A 16-bit number that picks one program on a host\./,
      );
    } finally {
      conn.close();
    }
  } finally {
    await stopWithSummary(server);
  }
});

Deno.test("hostile peers: 200 resets before accept leave server bork --keep-open up and replying", async () => {
  const server = await spawnServer([
    "server",
    "bork",
    "--port",
    "0",
    "--keep-open",
  ]);
  try {
    await resetConnections(server.port, { count: 200 });
    const conn = await connectLocal(server.port);
    try {
      await writeAll(conn, encoder.encode("woof"));
      await conn.closeWrite();
      equal(decoder.decode(await readToEnd(conn)), "woof bork bork bork");
    } finally {
      conn.close();
    }
  } finally {
    await stopWithSummary(server);
  }
});

Deno.test("hostile peers: a reset storm of 200 while 20 connections echo: no echo fails, the server stays up and sums up on SIGTERM", async () => {
  const server = await spawnServer([
    "server",
    "echo",
    "--port",
    "0",
    "--quiet",
  ]);
  let stormOver = false;
  const load: Promise<number>[] = [];
  try {
    for (let index = 0; index < 20; index++) {
      load.push((async () => {
        const conn = await connectLocal(server.port);
        const message = encoder.encode(`load ${index} `.padEnd(600, "."));
        let rounds = 0;
        try {
          // At least a few rounds, then on until the storm is over.
          while (rounds < 5 || !stormOver) {
            await writeAll(conn, message);
            equal(
              decoder.decode(await readBytes(conn, message.length)),
              decoder.decode(message),
            );
            rounds++;
          }
        } finally {
          conn.close();
        }
        return rounds;
      })());
    }
    const storm = Promise.all([
      resetConnections(server.port, { count: 100 }),
      resetConnections(server.port, { count: 100, afterEcho: true }),
    ]).finally(() => stormOver = true);
    await storm;
    const rounds = await Promise.all(load);
    ok(rounds.every((count) => count >= 5), `${rounds}`);
  } finally {
    stormOver = true;
    await Promise.allSettled(load);
    await stopWithSummary(server);
  }
  const summary = server.process.stdoutLines.at(-1) ?? "";
  // 20 load connections, 100 echoed resets and whichever of the other 100
  // were accepted before they were reset.
  const served = Number(/^Served (\d+) /.exec(summary)?.[1]);
  ok(served >= 120 && served <= 220, summary);
});

Deno.test("hostile peers: reset lines go through the throttle: at most 20 a second, then one summary line", async () => {
  const server = await spawnServer(["server", "echo", "--port", "0"]);
  const started = performance.now();
  try {
    await Promise.all([
      resetConnections(server.port, { count: 150, afterEcho: true }),
      resetConnections(server.port, { count: 150 }),
    ]);
    await server.process.waitForLine(/ (?:other )?lines? not shown/);
  } finally {
    await stopWithSummary(server);
  }
  const seconds = (performance.now() - started) / 1000;
  const lines = server.process.stdoutLines;
  const perConnection = lines.filter((line) =>
    !/^(Listening on|Last second: |Served |Waiting up to|Closing \d+ connection)/
      .test(line)
  );
  // The window restarts at most once a second, plus the one in progress.
  // The README's limit: at most 20 per-connection lines a second.
  const allowed = 20 * (Math.ceil(seconds) + 1);
  ok(
    perConnection.length <= allowed,
    `${perConnection.length} per-connection lines in ${
      seconds.toFixed(1)
    } s:\n${perConnection.slice(0, 5).join("\n")}`,
  );
});

Deno.test("hostile peers: 2000 partial 1 MiB app requests: the server closes those over --max-pending-bytes and stays within budget + 100 MiB", async () => {
  const server = await spawnServer(["server", "app", "--port", "0"]);
  const pid = server.process.child.pid;
  const contentLength = 1024 * 1024;
  const header = encoder.encode(JSON.stringify({
    byteorder: "little",
    "content-type": "binary/custom-client-binary-type",
    "content-encoding": "binary",
    "content-length": contentLength,
  }));
  const frame = new Uint8Array(2 + header.length + contentLength - 1);
  new DataView(frame.buffer).setUint16(0, header.length);
  frame.set(header, 2);
  const conns: Deno.Conn[] = [];
  let peakKiB = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakKiB = Math.max(peakKiB, await residentKiB(pid));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  try {
    let next = 0;
    // 100 senders at a time, 2000 connections in all, each left open.
    await Promise.all(Array.from({ length: 100 }, async () => {
      while (next < 2000) {
        next++;
        const conn = await connectLocal(server.port);
        conns.push(conn);
        // A connection the server closed makes the write fail: expected.
        await writeAll(conn, frame).catch(() => {});
      }
    }));
    // The server may still be reading what the OS queued when the writes
    // completed: a request answered gives it that time, sampled too.
    const probe = await connectLocal(server.port);
    try {
      await writeAll(probe, encodeAppMessage(appRequest("search", "port")));
      match(decoder.decode(await readToEnd(probe)), /A 16-bit number/);
    } finally {
      probe.close();
    }
    peakKiB = Math.max(peakKiB, await residentKiB(pid));
  } finally {
    sampling = false;
    await sampler;
    for (const conn of conns) conn.close();
    await stopWithSummary(server);
  }
  const limitKiB = (DEFAULT_MAX_PENDING_BYTES + 100 * 1024 * 1024) / 1024;
  ok(
    peakKiB < limitKiB,
    `server resident memory peaked at ${peakKiB} KiB (limit ${limitKiB} KiB)`,
  );
  ok(
    server.process.stdoutLines.some((line) =>
      /^Closed connection from .*--max-pending-bytes/.test(line)
    ),
    server.process.stdoutLines.slice(0, 5).join("\n"),
  );
});

Deno.test("hostile peers: the request that would go over --max-pending-bytes is refused; the one admitted first completes", async () => {
  const { reporter, out, waitFor } = captureReporter({ trace: true });
  const server = serveApp({ port: 0, reporter, maxPendingBytes: 100_000 });
  const frame = encodeAppMessage({
    contentType: CLIENT_BINARY_TYPE,
    contentEncoding: "binary",
    content: new Uint8Array(80_000).fill(0x62),
  });
  const first = await connectLocal(server.addr.port);
  const second = await connectLocal(server.addr.port);
  try {
    // Both declare 80,000 bytes; only the first fits, so the second is
    // closed at its header, before any of its content is kept.
    await writeAll(first, frame.subarray(0, 1000));
    // The trace shows the server has read the first header.
    await waitFor(
      new RegExp(
        `read \\d+ bytes from 127\\.0\\.0\\.1:${
          (first.localAddr as Deno.NetAddr).port
        }$`,
      ),
    );
    await writeAll(second, frame.subarray(0, 1000));
    const refused = await waitFor(/^Closed connection from /);
    match(
      refused,
      new RegExp(
        `^Closed connection from 127\\.0\\.0\\.1:${
          (second.localAddr as Deno.NetAddr).port
        }: .* past 100000 bytes \\(--max-pending-bytes\\)$`,
      ),
    );
    equal((await readToEnd(second, { resetIsEnd: true })).length, 0);
    await writeAll(first, frame.subarray(1000));
    const response = decoder.decode(await readToEnd(first));
    ok(response.includes(`${BINARY_RESPONSE_PREFIX}bbbbbbbbbb`), response);
  } finally {
    first.close();
    second.close();
    await server.close();
  }
  equal(out.filter((line) => line.startsWith("Closed connection")).length, 1);
});
