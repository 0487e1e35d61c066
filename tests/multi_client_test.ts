/**
 * `netdemo client multi`: the lesson's multi-connection client, and its
 * load mode's failures, against the real echo server and against small
 * misbehaving servers. The load report's forms are in
 * `multi_load_report_test.ts`.
 *
 * @module
 */

import {
  type AddressInfo,
  createServer,
  type Socket as NodeSocket,
} from "node:net";
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { runMulti } from "../client/multi.ts";
import { serveEcho } from "../server/echo.ts";
import {
  captureReporter,
  type CliResult,
  lines,
  runCli,
  type RunCliOptions,
  spawnQuietEcho,
} from "./_helpers.ts";
import { runMain } from "./_main.ts";
import { closedPort, readBytes } from "./_net.ts";

const MESSAGE_1 = "Message 1 from client.";
const MESSAGE_2 = "Message 2 from client.";

/**
 * The last stderr line (with its newline), after checking that every line
 * before it is a per-connection `Connection N failed: ...` diagnostic.
 */
function summaryOf(stderr: string): string {
  const all = lines(stderr);
  for (const line of all.slice(0, -1)) {
    match(line, /^Connection \d+ failed: /, stderr);
  }
  return `${all.at(-1) ?? ""}\n`;
}

/**
 * A server that misbehaves on each of `connections` connections, then
 * stops by itself; `done` settles when every connection was handled.
 */
function misbehavingServer(
  connections: number,
  handle: (conn: Deno.Conn) => Promise<void>,
): { port: number; done: Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  async function run(): Promise<void> {
    const handlers: Promise<void>[] = [];
    try {
      for (let i = 0; i < connections; i++) {
        const conn = await listener.accept();
        handlers.push(
          handle(conn).catch(() => {}).finally(() => {
            try {
              conn.close();
            } catch {
              // The handler closed it already.
            }
          }),
        );
      }
    } finally {
      listener.close();
    }
    await Promise.all(handlers);
  }
  return { port: listener.addr.port, done: run() };
}

/**
 * A server that answers the first bytes of each of `connections`
 * connections with a real reset. `Deno.Conn.close()` sends FIN before any
 * RST, so a client would read a clean EOF; node:net's `resetAndDestroy()`
 * sets SO_LINGER to 0 and sends only the RST, as a crashed peer would.
 */
async function resettingServer(
  connections: number,
): Promise<{ port: number; done: Promise<void> }> {
  const server = createServer();
  let seen = 0;
  const done = new Promise<void>((resolve) => {
    server.on("connection", (socket: NodeSocket) => {
      seen++;
      if (seen === connections) server.close(() => resolve());
      socket.once("data", () => socket.resetAndDestroy());
      socket.on("error", () => {});
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve())
  );
  const address = server.address() as AddressInfo;
  return { port: address.port, done };
}

/**
 * Runs `netdemo client multi --port PORT ARGS...` against a spawned quiet
 * echo server, which is stopped afterwards; resolves the client's result
 * and the port it was given.
 */
async function multiAgainstEcho(
  args: string[],
  options: RunCliOptions = {},
): Promise<{ result: CliResult; port: number }> {
  const server = await spawnQuietEcho();
  try {
    const result = await runCli(
      ["client", "multi", "--port", `${server.port}`, ...args],
      options,
    );
    return { result, port: server.port };
  } finally {
    await server.process.stop();
  }
}

/**
 * Runs `netdemo client multi --port PORT ARGS...` against a server from
 * {@linkcode misbehavingServer}, and waits until that has handled every
 * connection.
 */
async function multiAgainstMisbehaving(
  server: { port: number; done: Promise<void> },
  args: string[] = [],
): Promise<CliResult> {
  const result = await runCli([
    "client",
    "multi",
    "--port",
    `${server.port}`,
    ...args,
  ]);
  await server.done;
  return result;
}

const LESSON_BYTES = new TextEncoder().encode(MESSAGE_1 + MESSAGE_2).length;

Deno.test("client multi: the lesson prints each connection's steps and exits 0 against the echo server", async () => {
  const { result, port } = await multiAgainstEcho([]);
  equal(result.code, 0, result.stderr);
  equal(result.stderr, "");
  const out = lines(result.stdout);
  const address = `127.0.0.1:${port}`;
  for (const index of [1, 2]) {
    const mine = new RegExp(`connection ${index}( to |$)`);
    const own = out.filter((line) => mine.test(line));
    equal(own[0], `Starting connection ${index} to ${address}`);
    deepEqual(
      own.filter((line) => line.startsWith("Sending ")),
      [
        `Sending "${MESSAGE_1}" to connection ${index}`,
        `Sending "${MESSAGE_2}" to connection ${index}`,
      ],
    );
    // However the echo was chunked, the pieces add up to what was sent.
    const received = own
      .filter((line) => line.startsWith("Received "))
      .map((line) =>
        JSON.parse(line.slice("Received ".length, line.lastIndexOf(" from ")))
      )
      .join("");
    equal(received, MESSAGE_1 + MESSAGE_2);
    equal(own.at(-1), `Closing connection ${index}`);
  }
  deepEqual(
    out.at(-1),
    `All 2 connections completed; every echo matched (${LESSON_BYTES} bytes each)`,
  );
});

Deno.test("client multi: --quiet prints only the summary, and custom messages are echoed in order", async () => {
  const server = serveEcho({ port: 0 });
  const { reporter, out } = captureReporter({ quiet: true });
  try {
    const result = await runMulti({
      port: server.addr.port,
      connections: 3,
      messages: ["one ", "two, ", "trois é😀"],
      reporter,
    });
    equal(result.completed, 3);
    equal(result.failures.total, 0);
    equal(result.bytesPerConnection, 21);
    deepEqual(out, []);
  } finally {
    await server.close();
  }
});

Deno.test("client multi: --trace shows the socket steps on stderr", async () => {
  const { result, port } = await multiAgainstEcho(["--conns", "1", "--trace"]);
  equal(result.code, 0, result.stderr);
  const trace = lines(result.stderr);
  ok(trace.every((line) => line.startsWith("[trace +")), result.stderr);
  ok(
    trace.some((line) =>
      /connect/.test(line) && line.includes(`127.0.0.1:${port}`)
    ),
    result.stderr,
  );
  ok(trace.some((line) => /read \d+ bytes from/.test(line)));
});

Deno.test("client multi: 1000 connections against the echo server all complete and match", async () => {
  const { result } = await multiAgainstEcho(["--conns", "1000", "--quiet"]);
  equal(result.code, 0, result.stderr);
  deepEqual(lines(result.stdout), [
    `All 1000 connections completed; every echo matched (${LESSON_BYTES} bytes each)`,
  ]);
  equal(result.stderr, "");
});

Deno.test("client multi: a server that closes after reading fails every connection as closed early", async () => {
  const server = misbehavingServer(2, async (conn) => {
    await readBytes(conn, LESSON_BYTES);
  });
  const result = await multiAgainstMisbehaving(server);
  equal(result.code, 1);
  match(
    summaryOf(result.stderr),
    /^error: 2 of 2 connections failed: 2 closed early by server \(first: 127\.0\.0\.1:\d+ closed connection [12] after echoing 0 of 44 bytes\)\n$/,
  );
  ok(
    lines(result.stderr).some((line) => /^Connection [12] failed: /.test(line)),
  );
  ok(!result.stdout.includes("failed"), result.stdout);
});

Deno.test("client multi: a server that resets the connection fails it as reset by server", async () => {
  const server = await resettingServer(2);
  const result = await multiAgainstMisbehaving(server);
  equal(result.code, 1);
  match(
    summaryOf(result.stderr),
    /^error: 2 of 2 connections failed: 2 reset by server \(first: .*reset the connection/,
  );
});

Deno.test("client multi: a server that returns different bytes fails as a mismatch", async () => {
  const server = misbehavingServer(3, async (conn) => {
    const bytes = await readBytes(conn, LESSON_BYTES);
    const upper = new TextEncoder().encode(
      new TextDecoder().decode(bytes).toUpperCase(),
    );
    await conn.write(upper);
  });
  const result = await multiAgainstMisbehaving(server, ["--conns", "3"]);
  equal(result.code, 1);
  match(
    summaryOf(result.stderr),
    /^error: 3 of 3 connections failed: 3 returned different bytes \(first: 127\.0\.0\.1:\d+ returned different bytes on connection \d from its byte 2 on\)\n$/,
  );
  ok(result.stdout.includes('Received "MESSAGE 1 FROM CLIENT.'));
});

Deno.test("client multi: a refused connection exits 1: a failed line per connection, then the summary", async () => {
  const port = closedPort();
  const result = await runCli(["client", "multi", "--port", `${port}`]);
  equal(result.code, 1);
  deepEqual(
    summaryOf(result.stderr),
    `error: 2 of 2 connections failed: 2 refused (first: connection to 127.0.0.1:${port} refused: no server is listening there); start the server first, and give the host and port its "Listening on" line shows\n`,
  );
});

Deno.test("client multi: asking for more connections than the open-file limit says so in one line", async () => {
  const { result } = await multiAgainstEcho(["--conns", "300"], {
    openFileLimit: 64,
  });
  equal(result.code, 1, result.stderr);
  equal(lines(result.stderr).length, 1, result.stderr);
  match(
    result.stderr,
    /^error: cannot open 300 connections: .*ulimit -n/,
  );
});

Deno.test("client multi: load mode against a server that alters bytes counts mismatches and exits 1", async () => {
  const server = misbehavingServer(2, async (conn) => {
    const bytes = await readBytes(conn, 10);
    bytes[5] ^= 0xff;
    await conn.write(bytes);
    await readBytes(conn, 1);
  });
  const result = await multiAgainstMisbehaving(server, [
    "--rounds",
    "5",
    "--size",
    "10",
    "--json",
  ]);
  equal(result.code, 1);
  const report = JSON.parse(result.stdout);
  deepEqual(report.errors, { mismatch: 2 });
  equal(report.roundTrips, 0);
  match(
    result.stderr,
    /^error: 2 errors in the load run: 2 returned different bytes \(first: .*\)\n$/,
  );
});

Deno.test("client multi: usage mistakes exit 2 with one line", async () => {
  const cases: [string[], RegExp][] = [
    [["--conns", "0"], /--conns must be an integer from 1 to/],
    [["--conns", "many"], /--conns must be an integer/],
    [["--size", "0"], /--size must be an integer from 1 to/],
    [
      ["--duration", "1", "--rounds", "2"],
      /give --duration or --rounds, not both/,
    ],
    [
      ["--duration", "0"],
      /--duration must be a number of seconds \(more than 0\), got "0"/,
    ],
    [["--duration", "soon"], /--duration must be a number of seconds/],
    [["--rounds", "0"], /--rounds must be an integer of 1 or more/],
    [["--message", ""], /--message must not be empty/],
    [["--json", "--message", "hi"], /--message is for the lesson mode/],
    [["--rounds", "2", "--message", "hi"], /--message is for the lesson mode/],
    [
      ["--port", "70000"],
      /--port must be the server's port, an integer from 1 to 65535/,
    ],
    [["--bogus"], /unknown option "--bogus"/i],
  ];
  const results = [];
  for (const [args] of cases) {
    results.push(await runMain(["client", "multi", ...args]));
  }
  results.forEach((result, i) => {
    const [args, pattern] = cases[i];
    equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    equal(result.stdout, "");
    equal(lines(result.stderr).length, 1, result.stderr);
    match(result.stderr, /^error: /);
    match(result.stderr, pattern);
  });
});
