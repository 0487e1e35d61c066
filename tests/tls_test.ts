/**
 * TLS on every server and client, with certificates made at test time by
 * `openssl`: every lesson, a 1 MiB echo, the handshake in `--trace`, the
 * load mode with 100 connections from the CLI, and interop with
 * `openssl s_client` and Python's `ssl` module. Failed handshakes:
 * `tls_failures_test.ts`.
 *
 * @module
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import type { TlsEndpoint } from "../protocol/endpoint.ts";
import { connectSocket } from "../protocol/dial.ts";
import { serveEcho } from "../server/echo.ts";
import { testCerts, tlsServerEndpoint } from "./_certs.ts";
import { CliProcess, runCli, spawnServer } from "./_helpers.ts";
import { everyLesson } from "./_lessons.ts";
import { startPython } from "./_python.ts";
import { randomBytes, seededRandom } from "./_random.ts";

const certs = await testCerts();
const caPem = Deno.readTextFileSync(certs.ca);

function trusting(addr: Deno.NetAddr, host = "127.0.0.1"): TlsEndpoint {
  return { transport: "tls", host, port: addr.port, caCerts: [caPem] };
}

Deno.test("tls: every lesson's client against every server", async () => {
  const lines = await everyLesson(
    tlsServerEndpoint(certs.serverCert, certs.serverKey),
    (addr) => trusting(addr),
  );
  match(lines.echo[0], /^Listening on 127\.0\.0\.1:\d+$/);
  ok(
    lines.echo.some((line) =>
      /^Echoed "over the wire" to 127\.0\.0\.1:\d+$/.test(line)
    ),
  );
});

Deno.test("tls: every lesson over ::1, the name verified against the certificate's IPv6 address", async () => {
  await everyLesson(
    tlsServerEndpoint(certs.serverCert, certs.serverKey, "::1"),
    (addr) => trusting(addr, "::1"),
  );
});

Deno.test("tls: 1 MiB is echoed intact", async () => {
  const server = serveEcho({
    endpoint: tlsServerEndpoint(certs.serverCert, certs.serverKey),
  });
  const socket = await connectSocket(trusting(server.addr));
  try {
    const sent = randomBytes(seededRandom(13), 1 << 20);
    const received = new Uint8Array(sent.length);
    let filled = 0;
    const reading = (async () => {
      while (filled < received.length) {
        const count = await socket.read(received.subarray(filled));
        if (count === null) break;
        filled += count;
      }
    })();
    await socket.writeAll(sent);
    await reading;
    equal(filled, sent.length);
    deepEqual(received, sent);
  } finally {
    socket.close();
    await server.close();
  }
});

Deno.test("tls: --trace shows the handshake as a step on both sides", async () => {
  const server = new CliProcess([
    ...["server", "echo", "--port", "0", "--trace"],
    ...["--tls-cert", certs.serverCert, "--tls-key", certs.serverKey],
  ]);
  try {
    const line = await server.waitForLine(/^Listening on /);
    const port = line.slice(line.lastIndexOf(":") + 1);
    const client = await runCli([
      ...["client", "hello", "--port", port, "--trace"],
      ...["--tls-ca", certs.ca, "--tls-server-name", "localhost"],
    ]);
    equal(client.code, 0, client.stderr);
    const steps = client.stderr.split("\n").map((step) =>
      step.replace(/^\[trace \+[\d.]+s\] /, "")
    );
    match(steps[0], /^connecting to 127\.0\.0\.1:\d+$/);
    match(steps[1], /^TLS handshake with 127\.0\.0\.1:\d+ as "localhost"$/);
    match(
      steps[2],
      /^TLS handshake with 127\.0\.0\.1:\d+ done: certificate verified for "localhost" \(ALPN none; Deno does not report the TLS version\)$/,
    );
    match(steps[3], /^connected to 127\.0\.0\.1:\d+ from 127\.0\.0\.1:\d+/);
    // The TLS layer takes the plaintext; the OS gets records.
    ok(
      steps.some((step) =>
        /^write 13 bytes to 127\.0\.0\.1:\d+ .*: TLS took 13$/.test(step)
      ),
      client.stderr,
    );
    await server.waitForLine(/TLS handshake with 127\.0\.0\.1:\d+ done/);
  } finally {
    equal((await server.stop()).code, 0);
  }
});

Deno.test("tls: the load mode runs 100 connections from the command line", async () => {
  const server = serveEcho({
    endpoint: tlsServerEndpoint(certs.serverCert, certs.serverKey),
  });
  try {
    const result = await runCli([
      ...["client", "multi", "--port", String(server.addr.port)],
      ...["--tls-ca", certs.ca, "--conns", "100", "--rounds", "5", "--json"],
    ]);
    equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    equal(report.connectionsOpened, 100);
    equal(report.config.transport, "tls");
    equal(report.roundTrips, 500);
    deepEqual(report.errors, {});
  } finally {
    await server.close();
  }
});

Deno.test("tls: openssl s_client talks to netdemo's TLS echo server", async () => {
  const server = serveEcho({
    endpoint: tlsServerEndpoint(certs.serverCert, certs.serverKey),
  });
  const child = new Deno.Command("openssl", {
    args: [
      ...["s_client", "-connect", `127.0.0.1:${server.addr.port}`],
      ...["-CAfile", certs.ca, "-verify_return_error", "-quiet"],
      ...["-servername", "localhost", "-verify_hostname", "localhost"],
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("hello from openssl\n"));
    // -quiet ignores EOF on stdin, so the echo is read before the end.
    let echoed = "";
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      echoed += decoder.decode(chunk, { stream: true });
      if (echoed.includes("\n")) break;
    }
    equal(echoed, "hello from openssl\n");
    await writer.close();
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await server.close();
  }
});

Deno.test("tls: netdemo's clients talk to a Python ssl echo server", async () => {
  const python = startPython("stream_peers.py", [
    "tls-server",
    certs.serverCert,
    certs.serverKey,
    "3",
  ]);
  try {
    const line = await python.waitFor(/^Listening on /);
    const port = line.slice(line.lastIndexOf(":") + 1);
    const tls = ["--port", port, "--tls-ca", certs.ca];
    const hello = await runCli(["client", "hello", ...tls]);
    equal(hello.code, 0, hello.stderr);
    equal(hello.stdout.trimEnd().split("\n").at(-1), "Received: Hello, World!");
    const multi = await runCli(["client", "multi", ...tls, "--conns", "2"]);
    equal(multi.code, 0, multi.stderr);
    match(multi.stdout, /All 2 connections completed; every echo matched/);
    equal(await python.finished, 0);
  } finally {
    await python.kill();
  }
});

Deno.test("tls: the count and app clients against TLS bork and app servers, from the command line", async () => {
  const tlsServer = [
    "--tls-cert",
    certs.serverCert,
    "--tls-key",
    certs.serverKey,
  ];
  const bork = await spawnServer([
    "server",
    "bork",
    "--port",
    "0",
    ...tlsServer,
  ]);
  const app = await spawnServer(["server", "app", "--port", "0", ...tlsServer]);
  try {
    const [count, search] = await Promise.all([
      runCli([
        ...["client", "count", "5", "--times", "2", "--interval", "0"],
        ...["--port", String(bork.port), "--tls-ca", certs.ca],
      ]),
      runCli([
        ...["client", "app", "search", "café", "--port", String(app.port)],
        ...["--tls-ca", certs.ca],
      ]),
    ]);
    equal(count.code, 0, count.stderr);
    match(
      count.stdout,
      /Received: 5 bork bork bork\nSent 6\nReceived: 6 bork bork bork\n$/,
    );
    equal(search.code, 0, search.stderr);
    match(search.stdout, /Got result: Un café noir/);
    equal((await bork.process.finished()).code, 0);
  } finally {
    await bork.process.stop();
    equal((await app.process.stop("SIGTERM")).code, 0);
  }
});

Deno.test("tls: the load report says TLS; under --lifetime its connection rate is handshakes per second", async () => {
  const server = serveEcho({
    endpoint: tlsServerEndpoint(certs.serverCert, certs.serverKey),
  });
  try {
    const result = await runCli([
      ...["client", "multi", "--port", String(server.addr.port)],
      ...["--tls-ca", certs.ca, "--conns", "4", "--rounds", "3"],
      ...["--lifetime", "1"],
    ]);
    equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split("\n");
    equal(
      lines[0],
      "Transport:     TLS (each connection's handshake is part of its connect)",
    );
    match(lines[1], /^Connections: +\d+ opened \([\d.]+ TLS handshakes\/s\)$/);
  } finally {
    await server.close();
  }
});
