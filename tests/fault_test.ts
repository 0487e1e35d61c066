/**
 * Every client/server pair through the fault proxy, as a user runs them: a
 * chunking network must not change any result, and a connection reset must
 * end the client with exit 1 and one clean `error:` line.
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { type FaultProxyOptions, startFaultProxy } from "./_fault_proxy.ts";
import {
  assertOneLineFailure,
  type CliResult,
  runCli,
  spawnServer,
} from "./_helpers.ts";

const SUFFIX = " bork bork bork";

/** Small pieces, small pauses: every message is cut up. */
const CHUNKING: FaultProxyOptions = {
  chunking: { maxChunk: 5, maxDelayMs: 2 },
};

/** What a run through the proxy produced. */
interface Outcome {
  client: CliResult;
  server: { code: number; stdout: string[]; stderr: string[] };
  resets: number;
}

/**
 * Spawns `netdemo server MODE --port 0`, puts the proxy in front of it, runs
 * `netdemo client ... --port PROXY`, then ends the proxy and the server (the
 * bork server stops by itself after its one connection; the others get
 * SIGINT).
 */
async function throughProxy(
  serverArgs: string[],
  clientArgs: string[],
  options: { proxy: FaultProxyOptions; serverStopsItself?: boolean },
): Promise<Outcome> {
  const { process, port } = await spawnServer([
    "server",
    ...serverArgs,
    "--port",
    "0",
  ]);
  let client: CliResult;
  let resets: number;
  try {
    const proxy = await startFaultProxy({ port }, options.proxy);
    try {
      client = await runCli([
        "client",
        ...clientArgs,
        "--port",
        String(proxy.port),
        // A lost or stuck byte must fail the test, not hang it.
        "--timeout",
        "10",
      ]);
    } finally {
      resets = proxy.resets;
      await proxy.close();
    }
  } catch (error) {
    await process.stop("SIGINT");
    throw error;
  }
  // The bork server ends when its one connection does, and the proxy's
  // close guarantees that connection is over.
  const status = options.serverStopsItself
    ? await process.finished()
    : await process.stop("SIGINT");
  const server = {
    code: status.code,
    stdout: process.stdoutLines,
    stderr: process.stderrLines,
  };
  assertNoCrash(server.stdout.concat(server.stderr), "server");
  assertNoCrash([client.stdout, client.stderr], "client");
  equal(status.code, 0, `server: ${server.stderr.join("\n")}`);
  return { client, server, resets };
}

/** No uncaught error, unhandled rejection or stack trace anywhere. */
function assertNoCrash(texts: string[], who: string): void {
  for (const text of texts) {
    ok(!/Uncaught|unhandled|^\s+at /m.test(text), `${who} crashed:\n${text}`);
  }
}

function assertSuccess(result: CliResult): void {
  equal(result.code, 0, `exit ${result.code}, stderr: ${result.stderr}`);
  equal(result.stderr, "", "nothing on stderr");
}

function linesStarting(text: string, prefix: string): string[] {
  return text.split("\n").filter((line) => line.startsWith(prefix)).map((
    line,
  ) => line.slice(prefix.length));
}

/**
 * A bork reply is right when it ends with the suffix and, with every suffix
 * taken out (the server adds one per chunk it receives), is the message.
 */
function assertBorkReply(reply: string, message: string): void {
  ok(reply.endsWith(SUFFIX), `reply ${JSON.stringify(reply)} lacks the suffix`);
  equal(reply.replaceAll(SUFFIX, ""), message);
}

function jsonReport(stdout: string): {
  roundTrips: number;
  connectionsOpened: number;
  errors: Record<string, number>;
} {
  const line = stdout.split("\n").find((text) => text.startsWith("{"));
  ok(line !== undefined, `no JSON line in: ${stdout}`);
  return JSON.parse(line);
}

// ---- Chunking: the results do not change. ----

Deno.test("fault: server bork + client hello through a chunking network: the reply is the message plus suffixes, even split inside characters", async () => {
  const message = "Hello, wörld! 🐕 Ünïcode split at random places";
  const { client, server } = await throughProxy(
    ["bork"],
    ["hello", "--message", message],
    { proxy: CHUNKING, serverStopsItself: true },
  );
  assertSuccess(client);
  const [reply] = linesStarting(client.stdout, "Received: ");
  assertBorkReply(reply, message);
  match(server.stdout.at(-1) ?? "", /^Served 1 connection, /);
});

Deno.test("fault: server bork + client count through a chunking network: every number's reply is complete", async () => {
  const { client } = await throughProxy(
    ["bork"],
    ["count", "998", "--times", "4", "--interval", "0.01"],
    { proxy: CHUNKING, serverStopsItself: true },
  );
  assertSuccess(client);
  const replies = linesStarting(client.stdout, "Received: ");
  equal(replies.length, 4, client.stdout);
  ["998", "999", "1000", "1001"].forEach((number, i) =>
    assertBorkReply(replies[i], number)
  );
});

Deno.test("fault: server echo + client multi (lesson mode) through a chunking network: every echo matches", async () => {
  const { client } = await throughProxy(
    ["echo"],
    [
      "multi",
      "--conns",
      "5",
      "--message",
      "First message, with é and 🐕.",
      "--message",
      "Second message.",
    ],
    { proxy: CHUNKING },
  );
  assertSuccess(client);
  const bytes = new TextEncoder().encode(
    "First message, with é and 🐕.Second message.",
  ).length;
  ok(
    client.stdout.includes(
      `All 5 connections completed; every echo matched (${bytes} bytes each)`,
    ),
    client.stdout,
  );
});

Deno.test("fault: server echo + client multi (load mode) through a chunking network: every round trip matches", async () => {
  const { client } = await throughProxy(
    ["echo", "--quiet"],
    ["multi", "--conns", "4", "--rounds", "15", "--size", "200", "--json"],
    { proxy: { chunking: { maxChunk: 40, maxDelayMs: 1 } } },
  );
  assertSuccess(client);
  const report = jsonReport(client.stdout);
  deepEqual(report.errors, {});
  equal(report.connectionsOpened, 4);
  equal(report.roundTrips, 60);
});

Deno.test("fault: server app + client app search through a chunking network: the right result", async () => {
  const found = await throughProxy(["app"], ["app", "search", "café"], {
    proxy: CHUNKING,
  });
  assertSuccess(found.client);
  deepEqual(linesStarting(found.client.stdout, "Got result: "), [
    "Un café noir, s'il vous plaît. ☕",
  ]);
  const missing = await throughProxy(
    ["app"],
    ["app", "search", "nothing-like-this"],
    { proxy: CHUNKING },
  );
  assertSuccess(missing.client);
  deepEqual(linesStarting(missing.client.stdout, "Got result: "), [
    'No match for "nothing-like-this".',
  ]);
});

Deno.test("fault: server app + client app binary through a chunking network: the first 10 bytes come back", async () => {
  const { client } = await throughProxy(
    ["app"],
    ["app", "upload", "0123456789abcdef"],
    { proxy: CHUNKING },
  );
  assertSuccess(client);
  // The binary request carries the action and the value, so its first 10
  // bytes are "upload" and "0123".
  deepEqual(linesStarting(client.stdout, "Got response: "), [
    "First 10 bytes of request: upload0123",
  ]);
});

// ---- Resets: one clean error line, exit 1. ----

Deno.test("fault: client hello reset by the network: exit 1, one error line", async () => {
  const { client, resets } = await throughProxy(
    ["bork"],
    ["hello", "--message", "Hello, World!"],
    { proxy: { resetAfter: 5 }, serverStopsItself: true },
  );
  equal(resets, 1);
  assertOneLineFailure(client, /reset the connection/);
  equal(linesStarting(client.stdout, "Received: ").length, 0);
});

Deno.test("fault: client count reset after two numbers: the replies so far, then exit 1 and one error line", async () => {
  const { client, resets } = await throughProxy(
    ["bork"],
    ["count", "1", "--times", "5", "--interval", "0.01"],
    { proxy: { resetAfter: 3, ...CHUNKING }, serverStopsItself: true },
  );
  equal(resets, 1);
  assertOneLineFailure(client, /reset the connection/);
  const replies = linesStarting(client.stdout, "Received: ");
  equal(replies.length, 2, client.stdout);
  assertBorkReply(replies[0], "1");
  assertBorkReply(replies[1], "2");
});

Deno.test("fault: client multi (lesson mode) with every connection reset: a failed line each and a summary, all on stderr, exit 1", async () => {
  const { client, resets } = await throughProxy(
    ["echo"],
    [
      "multi",
      "--conns",
      "3",
      "--message",
      "0123456789",
      "--message",
      "abcdefghij",
    ],
    { proxy: { resetAfter: 15 } },
  );
  equal(resets, 3);
  // Each failed connection is a diagnostic (stderr), and the summary error
  // comes last; stdout keeps only what went as planned.
  equal(client.code, 1);
  const errors = client.stderr.trimEnd().split("\n");
  equal(errors.length, 4, client.stderr);
  deepEqual(
    errors.slice(0, 3).map((line) => line.replace(/:.*/, "")).sort(),
    ["Connection 1 failed", "Connection 2 failed", "Connection 3 failed"],
  );
  match(errors[3], /^error: 3 of 3 connections failed: .*reset/);
  ok(!client.stdout.includes("failed"), client.stdout);
  ok(!client.stdout.includes("every echo matched"), client.stdout);
});

Deno.test("fault: client multi (load mode) with every connection reset mid-run: exit 1, the report counts the resets", async () => {
  const { client, resets } = await throughProxy(
    ["echo", "--quiet"],
    ["multi", "--conns", "2", "--rounds", "10", "--size", "100", "--json"],
    { proxy: { resetAfter: 450 } },
  );
  equal(resets, 2);
  assertOneLineFailure(client, /^error: 2 errors in the load run: .*reset/);
  const report = jsonReport(client.stdout);
  deepEqual(report.errors, { reset: 2 });
  // Four whole round trips fit in 450 bytes on each connection; the fifth
  // was cut.
  equal(report.roundTrips, 8);
});

Deno.test("fault: client app reset before the response: exit 1, one error line", async () => {
  const { client, resets } = await throughProxy(
    ["app"],
    ["app", "search", "port"],
    { proxy: { resetAfter: 10 } },
  );
  equal(resets, 1);
  assertOneLineFailure(client, /reset the connection/);
  equal(linesStarting(client.stdout, "Got result: ").length, 0);
});
