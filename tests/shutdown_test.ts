/**
 * Ctrl-C (SIGINT) and SIGTERM on running servers with open connections, as
 * a user sees them: the server stops accepting, lets in-flight work finish
 * or closes it as the mode defines, prints its `Served ...` summary and
 * exits 0.
 */

import { equal, match, ok, rejects } from "node:assert/strict";
import { appRequest, encodeAppMessage } from "../protocol/app_codec.ts";
import { type SpawnedServer, spawnServer } from "./_helpers.ts";
import { connectLocal, readBytes, readToEnd, writeAll } from "./_net.ts";

const SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM"];
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Starts `netdemo ARGS...` (a server on port 0), connects to it, and waits
 * for the server's line about that connection (`logged`, given the
 * client's local port): only then is a signal sure to find it open.
 */
async function spawnConnected(
  args: string[],
  logged: (clientPort: number) => RegExp,
): Promise<{ server: SpawnedServer; conn: Deno.TcpConn }> {
  const server = await spawnServer(args);
  const conn = await connectLocal(server.port);
  const clientPort = (conn.localAddr as Deno.NetAddr).port;
  await server.process.waitForLine(logged(clientPort));
  return { server, conn };
}

/** The bytes as UTF-8 text, so a short read shows in the diff as text. */
function text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * Waits for the server to exit and checks the ending every server shares.
 * The signal is sent once only: a second Ctrl-C may arrive after the server
 * has put back the default handler, and would kill it.
 */
async function checkExit(
  server: SpawnedServer,
  connections: number,
): Promise<void> {
  const status = await server.process.finished();
  const { stdoutLines, stderrLines } = server.process;
  equal(status.code, 0, stderrLines.join("\n"));
  const plural = connections === 1 ? "" : "s";
  match(
    stdoutLines.at(-1) ?? "",
    new RegExp(`^Served ${connections} connection${plural}, `),
  );
  for (const line of [...stdoutLines, ...stderrLines]) {
    ok(!/Uncaught|unhandled|^\s+at /.test(line), `crash: ${line}`);
  }
}

for (const signal of SIGNALS) {
  Deno.test(`shutdown: ${signal} on server bork with a connected client: summary, exit 0, the client reads EOF`, async () => {
    const { server, conn } = await spawnConnected(
      ["server", "bork", "--port", "0"],
      (port) => new RegExp(`^Connected by 127\\.0\\.0\\.1:${port}$`),
    );
    try {
      server.process.child.kill(signal);
      await checkExit(server, 1);
      const port = (conn.localAddr as Deno.NetAddr).port;
      equal(
        server.process.stdoutLines.at(-2),
        `Closing connection to 127.0.0.1:${port}: the server is stopping`,
      );
      equal(await conn.read(new Uint8Array(16)), null);
    } finally {
      conn.close();
    }
  });

  Deno.test(`shutdown: ${signal} on server echo: it stops accepting, lets the open connection finish within the grace, then exits 0`, async () => {
    const server = await spawnServer([
      "server",
      "echo",
      "--port",
      "0",
      "--grace",
      "30",
    ]);
    const conn = await connectLocal(server.port);
    try {
      await writeAll(conn, encoder.encode("ping"));
      equal(text(await readBytes(conn, 4)), "ping");
      server.process.child.kill(signal);
      await server.process.waitForLine(
        /^Waiting up to 30 s for 1 open connection$/,
      );
      await rejects(connectLocal(server.port), Deno.errors.ConnectionRefused);
      // The connection in flight is still served...
      await writeAll(conn, encoder.encode("more"));
      equal(text(await readBytes(conn, 4)), "more");
      // ...and ending it ends the server, long before the grace is over.
      await conn.closeWrite();
      equal((await readToEnd(conn)).length, 0);
      await checkExit(server, 1);
      match(server.process.stdoutLines.at(-1) ?? "", /, echoed 8 bytes, /);
      ok(
        !server.process.stdoutLines.some((line) =>
          line.startsWith("Closing 1 connection still open")
        ),
      );
    } finally {
      conn.close();
    }
  });

  Deno.test(`shutdown: ${signal} on server echo --grace 0.3: an idle connection is closed after the grace, exit 0`, async () => {
    const { server, conn } = await spawnConnected(
      ["server", "echo", "--port", "0", "--grace", "0.3"],
      (port) =>
        new RegExp(`^Accepted connection from 127\\.0\\.0\\.1:${port}$`),
    );
    try {
      server.process.child.kill(signal);
      // The server closes it: EOF, not a reset and not a hang.
      equal(await conn.read(new Uint8Array(16)), null);
      await checkExit(server, 1);
      const lines = server.process.stdoutLines.concat(
        server.process.stderrLines,
      );
      ok(
        lines.includes("Waiting up to 0.3 s for 1 open connection"),
        `${lines}`,
      );
      ok(lines.includes("Closing 1 connection still open"), `${lines}`);
    } finally {
      conn.close();
    }
  });

  Deno.test(`shutdown: ${signal} on server app: a request in flight still gets its response, new ones are refused, exit 0`, async () => {
    // --trace shows the accept, which is the only sign that the server has
    // the connection before it has a whole request.
    const { server, conn } = await spawnConnected(
      ["server", "app", "--port", "0", "--grace", "30", "--trace"],
      (port) => new RegExp(`accept from 127\\.0\\.0\\.1:${port}$`),
    );
    try {
      const request = encodeAppMessage(appRequest("search", "port"));
      // Half a request, then the signal.
      await writeAll(conn, request.subarray(0, 20));
      server.process.child.kill(signal);
      await server.process.waitForLine(
        /^Waiting up to 30 s for 1 open connection$/,
      );
      await rejects(connectLocal(server.port), Deno.errors.ConnectionRefused);
      await writeAll(conn, request.subarray(20));
      const response = text(await readToEnd(conn));
      ok(
        response.includes("A 16-bit number that picks one program on a host."),
        response,
      );
      await checkExit(server, 1);
    } finally {
      conn.close();
    }
  });
}

Deno.test("shutdown: --grace 0 closes an open connection at once, with no wait announced", async () => {
  const { server, conn } = await spawnConnected(
    ["server", "echo", "--port", "0", "--grace", "0"],
    (port) => new RegExp(`^Accepted connection from 127\\.0\\.0\\.1:${port}$`),
  );
  try {
    server.process.child.kill("SIGTERM");
    equal(await conn.read(new Uint8Array(16)), null);
    await checkExit(server, 1);
    const lines = server.process.stdoutLines.concat(
      server.process.stderrLines,
    );
    ok(!lines.some((line) => line.startsWith("Waiting up to")), `${lines}`);
    ok(lines.includes("Closing 1 connection still open"), `${lines}`);
  } finally {
    conn.close();
  }
});

Deno.test("shutdown: a --quiet server still says it waits out its grace, and what it closes then", async () => {
  // --trace shows the accept, which --quiet would otherwise keep quiet.
  const { server, conn } = await spawnConnected(
    ["server", "echo", "--quiet", "--trace", "--port", "0", "--grace", "0.3"],
    (port) => new RegExp(`accept from 127\\.0\\.0\\.1:${port}$`),
  );
  try {
    server.process.child.kill("SIGINT");
    equal(await conn.read(new Uint8Array(16)), null);
    await checkExit(server, 1);
    const lines = server.process.stdoutLines;
    ok(lines.includes("Waiting up to 0.3 s for 1 open connection"), `${lines}`);
    ok(lines.includes("Closing 1 connection still open"), `${lines}`);
  } finally {
    conn.close();
  }
});
