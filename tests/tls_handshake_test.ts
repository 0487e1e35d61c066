/**
 * A TLS server against peers that open a connection and never send their
 * ClientHello: Deno cannot abort a handshake in progress, and a close before
 * its end leaves the TCP socket open, so the server keeps counting such a
 * connection until its peer leaves, and at `--max-conns` it stops accepting
 * rather than accept connections it could not really close.
 *
 * @module
 */

import { equal, match, ok } from "node:assert/strict";
import { testCerts } from "./_certs.ts";
import { runHello } from "../client/hello.ts";
import {
  captureReporter,
  type CliProcess,
  runCli,
  spawnServer,
  within,
} from "./_helpers.ts";

const certs = await testCerts();

/** What a line adds when the peer it gave up on is still mid-handshake. */
const STILL_COUNTED =
  "(its TLS handshake is still pending and Deno cannot abort one: it stays open, and counted, until the peer finishes the handshake or leaves)";

/** Starts `netdemo server MODE --port 0 ARGS...` over TLS with the test certificate. */
function spawnTls(
  mode: "echo" | "app" | "bork",
  args: string[],
): ReturnType<typeof spawnServer> {
  return spawnServer([
    ...["server", mode, "--port", "0", ...args],
    ...["--tls-cert", certs.serverCert, "--tls-key", certs.serverKey],
  ]);
}

/**
 * Stops `server` with SIGTERM and resolves its exit code; one that has not
 * ended within `ms` is killed, which a test then sees as a wrong code
 * rather than waiting for ever.
 */
async function stopWithin(server: CliProcess, ms: number): Promise<number> {
  const guard = setTimeout(() => server.child.kill("SIGKILL"), ms);
  try {
    return (await server.stop("SIGTERM")).code;
  } finally {
    clearTimeout(guard);
  }
}

Deno.test("tls: a peer that never starts its handshake keeps its place until it leaves, so --max-conns holds", async () => {
  const { process: server, port } = await spawnTls("echo", [
    "--max-conns",
    "2",
    // Long enough that a client under load finishes its handshake and
    // sends before it is idle: only the silent peers are cut off.
    "--idle-timeout",
    "1",
  ]);
  const hello = (): ReturnType<typeof runCli> =>
    runCli([
      "client",
      "hello",
      ...["--port", String(port), "--tls", "--tls-ca", certs.ca],
      ...["--timeout", "1"],
    ]);
  const silent = [
    await Deno.connect({ port }),
    await Deno.connect({ port }),
  ];
  try {
    const cutOff = await server.waitForLines(/^Closing idle connection /, 2);
    ok(
      cutOff.endsWith(` after 1 s without traffic ${STILL_COUNTED}`),
      cutOff,
    );
    // Both places are still held: a third client waits in the backlog and
    // gives up, where a server that had let the two go would serve it.
    const waited = await hello();
    equal(waited.code, 1, waited.stdout);
    match(waited.stderr, /within 1 s/);
    // A silent peer that leaves frees its place for the next client.
    silent[0].close();
    const served = await hello();
    equal(served.code, 0, served.stderr);
    match(served.stdout, /^Received: /m);
    // Full again, with both silent peers cut off and still open: a stop
    // must neither wait for them nor for a place to accept into.
    silent.push(await Deno.connect({ port }));
    await server.waitForLines(/^Closing idle connection /, 3);
    await server.waitForLines(/^Not accepting while serving 2 /, 2);
    equal(await stopWithin(server, 10_000), 0);
  } finally {
    for (const conn of silent) {
      try {
        conn.close();
      } catch {
        // Closed above.
      }
    }
    await server.stop("SIGTERM");
  }
  ok(
    server.stdoutLines.some((line) =>
      line.startsWith("Not accepting while serving 2 (--max-conns)")
    ),
    server.stdoutLines.join("\n"),
  );
  ok(
    !server.stdoutLines.some((line) => line.startsWith("Refused connection")),
    server.stdoutLines.join("\n"),
  );
});

Deno.test("tls: the app server's --request-timeout says when a cut-off peer's handshake never began, and a stop does not wait for it", async () => {
  const { process: server, port } = await spawnTls("app", [
    "--request-timeout",
    "0.2",
  ]);
  const silent = await Deno.connect({ port });
  try {
    const cutOff = await server.waitForLine(/^Cut off /);
    ok(
      cutOff.endsWith(
        `: no complete request within 0.2 s (--request-timeout), 0 bytes received ${STILL_COUNTED}`,
      ),
      cutOff,
    );
    // The server gave up on it: stopping gives it no grace.
    equal((await server.stop("SIGTERM")).code, 0);
    ok(
      !server.stdoutLines.some((line) => line.startsWith("Waiting up to")),
      server.stdoutLines.join("\n"),
    );
  } finally {
    silent.close();
    await server.stop("SIGTERM");
  }
});

Deno.test("tls: a peer that finishes its handshake after it was cut off is closed then, not served", async () => {
  const { process: server, port } = await spawnTls("echo", [
    "--idle-timeout",
    "0.2",
  ]);
  const late = await Deno.connect({ port });
  let tls: Deno.TlsConn | undefined;
  let guard: ReturnType<typeof setTimeout> | undefined;
  try {
    await server.waitForLine(/^Closing idle connection .*handshake/);
    tls = await Deno.startTls(late, {
      hostname: "127.0.0.1",
      caCerts: [Deno.readTextFileSync(certs.ca)],
    });
    await tls.handshake();
    // A bound for the broken case only: the end of stream comes at once.
    const hung = new Promise<"hung">((resolve) => {
      guard = setTimeout(() => resolve("hung"), 10_000);
    });
    const read = tls.read(new Uint8Array(16)).catch(() => null);
    equal(await Promise.race([read, hung]), null);
  } finally {
    clearTimeout(guard);
    try {
      (tls ?? late).close();
    } catch {
      // Closed by the server's end already.
    }
    equal(await stopWithin(server, 10_000), 0);
  }
});

Deno.test("tls: a stop closes a connection still in its handshake once the grace is over", async () => {
  const { process: server, port } = await spawnTls("echo", ["--grace", "0.2"]);
  const silent = await Deno.connect({ port });
  try {
    await server.waitForLine(/^Accepted connection from /);
    equal(await stopWithin(server, 10_000), 0);
    ok(
      server.stdoutLines.includes("Closing 1 connection still open"),
      server.stdoutLines.join("\n"),
    );
  } finally {
    silent.close();
    await server.stop("SIGTERM");
  }
});

Deno.test("tls: a bork server stops while its one client is still in its handshake, saying so", async () => {
  const { process: server, port } = await spawnTls("bork", []);
  const silent = await Deno.connect({ port });
  try {
    await server.waitForLine(/^Connected by /);
    equal(await stopWithin(server, 10_000), 0);
    ok(
      server.stdoutLines.some((line) =>
        /^Closing connection to 127\.0\.0\.1:\d+: the server is stopping \(its TLS handshake was still pending\)$/
          .test(line)
      ),
      server.stdoutLines.join("\n"),
    );
    match(
      server.stdoutLines.at(-1) ?? "",
      /^Served 1 connection, sent 0 bytes/,
    );
  } finally {
    silent.close();
    await server.stop("SIGTERM");
  }
});

Deno.test("tls: a lesson client whose handshake waits in the backlog says so after the notice time, and keeps waiting", async () => {
  // A listener that never accepts: the TCP connect completes in the
  // backlog, and the handshake waits, as behind a busy bork server.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const log = captureReporter();
  const stop = new AbortController();
  const hello = runHello({
    endpoint: {
      transport: "tls",
      host: "127.0.0.1",
      port: listener.addr.port,
      caCerts: [Deno.readTextFileSync(certs.ca)],
    },
    silenceNoticeMs: 100,
    signal: stop.signal,
    reporter: log.reporter,
  });
  const ended = hello.then(() => "replied", (error) => error.message);
  try {
    match(
      await within(log.waitFor(/^Still /), {
        ms: 10_000,
        what: "the handshake notice",
      }),
      /^Still in the TLS handshake with 127\.0\.0\.1:\d+ after 0\.1 s; still waiting \(is the server busy with another client\? Ctrl-C stops\)$/,
    );
  } finally {
    stop.abort();
    listener.close();
  }
  match(
    await within(ended, { ms: 10_000, what: "the client's end" }),
    /^interrupted/,
  );
  equal(log.out.filter((line) => /^Connected/.test(line)).length, 0);
});
