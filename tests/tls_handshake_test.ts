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
import { testCerts } from "./certs.ts";
import { runCli, spawnServer } from "./_helpers.ts";

const certs = await testCerts();

Deno.test("tls: a peer that never starts its handshake keeps its place until it leaves, so --max-conns holds", async () => {
  const { process: server, port } = await spawnServer([
    "server",
    "echo",
    "--port",
    "0",
    ...["--max-conns", "2", "--idle-timeout", "0.2"],
    ...["--tls-cert", certs.serverCert, "--tls-key", certs.serverKey],
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
    match(
      cutOff,
      / after 0\.2 s without traffic \(its TLS handshake is still pending and Deno cannot abort one: it stays open, and counted, until the peer finishes the handshake or leaves\)$/,
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
  } finally {
    for (const conn of silent) {
      try {
        conn.close();
      } catch {
        // Closed above.
      }
    }
    // A silent peer still open must not hold up the server's exit.
    equal((await server.stop("SIGTERM")).code, 0);
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
  const { process: server, port } = await spawnServer([
    "server",
    "app",
    "--port",
    "0",
    "--request-timeout",
    "0.2",
    ...["--tls-cert", certs.serverCert, "--tls-key", certs.serverKey],
  ]);
  const silent = await Deno.connect({ port });
  try {
    match(
      await server.waitForLine(/^Cut off /),
      /: no complete request within 0\.2 s \(--request-timeout\), 0 bytes received \(its TLS handshake is still pending and Deno cannot abort one: it stays open, and counted, until the peer finishes the handshake or leaves\)$/,
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
