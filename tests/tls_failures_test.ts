/**
 * TLS handshakes that fail, with certificates made at test time by
 * `openssl`: each failure is one line for the client (exit 1) and one for
 * the server, which keeps serving; a plain TCP client, a partial hello and
 * an openssl client with nothing in common are each said in words.
 *
 * @module
 */

import { equal, match, ok } from "node:assert/strict";
import { serveEcho } from "../server/echo.ts";
import { testCerts, tlsServerEndpoint } from "./_certs.ts";
import {
  assertOneLineFailure,
  captureReporter,
  runCli,
  spawnServer,
  within,
} from "./_helpers.ts";
import { writeAll } from "./_net.ts";

const certs = await testCerts();

Deno.test("tls: each failed handshake is one line for the client (exit 1) and one for the server, which keeps serving", async () => {
  const good = captureReporter();
  const servers = {
    good: serveEcho({
      endpoint: tlsServerEndpoint(certs.serverCert, certs.serverKey),
      reporter: good.reporter,
    }),
    wrong: serveEcho({
      endpoint: tlsServerEndpoint(certs.wrongCert, certs.wrongKey),
    }),
    expired: serveEcho({
      endpoint: tlsServerEndpoint(certs.expiredCert, certs.expiredKey),
    }),
    plain: serveEcho({ port: 0 }),
  };
  const port = (name: keyof typeof servers): string =>
    String(servers[name].addr.port);
  try {
    const [unknownCa, wrongName, expired, plain] = await Promise.all([
      runCli(["client", "hello", "--port", port("good"), "--tls"]),
      runCli([
        ...["client", "hello", "--port", port("wrong")],
        ...["--tls-ca", certs.ca],
      ]),
      runCli([
        ...["client", "hello", "--port", port("expired")],
        ...["--tls-ca", certs.ca],
      ]),
      runCli([
        ...["client", "hello", "--port", port("plain")],
        ...["--tls-ca", certs.ca],
      ]),
    ]);
    assertOneLineFailure(
      unknownCa,
      /^error: TLS handshake with 127\.0\.0\.1:\d+ failed: its certificate is not signed by a trusted CA \(trust that CA with --tls-ca FILE\)$/,
    );
    assertOneLineFailure(
      wrongName,
      /failed: its certificate is not valid for the name "127\.0\.0\.1" \(name the expected one with --tls-server-name\)$/,
    );
    assertOneLineFailure(expired, /failed: its certificate has expired$/);
    assertOneLineFailure(
      plain,
      /failed: the peer does not speak TLS; if it is a plain TCP server, connect without --tls$/,
    );

    await good.waitFor(/failed: the peer does not trust the CA/);
    const refusals = good.out.filter((line) => / ended: /.test(line));
    equal(refusals.length, 1, good.out.join("\n"));
    match(
      refusals[0],
      /^Connection from 127\.0\.0\.1:\d+ ended: TLS handshake failed: the peer does not trust the CA that signed our certificate$/,
    );
    // The same server then serves a client that trusts it.
    const served = await runCli([
      ...["client", "hello", "--port", port("good"), "--tls-ca", certs.ca],
      ...["--tls-server-name", "localhost", "--message", "still here"],
    ]);
    equal(served.code, 0, served.stderr);
    equal(served.stdout.trimEnd().split("\n").at(-1), "Received: still here");
    // An IPv6 name is verified without the brackets --host takes too.
    const bracketed = await runCli([
      ...["client", "hello", "--port", port("good"), "--tls-ca", certs.ca],
      ...["--tls-server-name", "[::1]", "--message", "by address"],
    ]);
    equal(bracketed.code, 0, bracketed.stderr);
    equal(
      bracketed.stdout.trimEnd().split("\n").at(-1),
      "Received: by address",
    );
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.close()));
  }
});

Deno.test("tls: a plain TCP client of a TLS server says the server speaks TLS (exit 1); the server logs it in one line", async () => {
  const log = captureReporter();
  const server = serveEcho({
    endpoint: tlsServerEndpoint(certs.serverCert, certs.serverKey),
    reporter: log.reporter,
  });
  const app = await spawnServer([
    ...["server", "app", "--port", "0"],
    ...["--tls-cert", certs.serverCert, "--tls-key", certs.serverKey],
  ]);
  const echoPort = String(server.addr.port);
  try {
    const clients = [
      ["client", "hello", "--port", echoPort],
      ["client", "count", "5", "--port", echoPort],
      ["client", "multi", "--conns", "1", "--port", echoPort],
      ["client", "multi", "--conns", "1", "--rounds", "3", "--port", echoPort],
      ["client", "app", "search", "café", "--port", String(app.port)],
    ];
    for (const args of clients) {
      const result = await runCli([...args, "--timeout", "10"]);
      // Before, the alert was taken for a reply: exit 0 and its bytes.
      equal(result.code, 1, `${args.join(" ")}: ${result.stdout}`);
      match(
        result.stderr,
        /127\.0\.0\.1:\d+ answered with a TLS alert record: it is a TLS server, so connect with --tls\)?\n$/,
        args.join(" "),
      );
      // Not an echo mismatch nor a reply cut short: one cause, told once
      // (the lesson's multi client adds its line per connection).
      ok(!/different bytes|closed the connection/.test(result.stderr));
    }
    await log.waitFor(/ ended: /);
    match(
      log.out.find((line) => / ended: /.test(line)) ?? "",
      /^Connection from 127\.0\.0\.1:\d+ ended: TLS handshake failed: the peer does not speak TLS$/,
    );
  } finally {
    await server.close();
    await app.process.stop();
  }
});

Deno.test("tls: a peer that sends part of a TLS hello and closes is a TLS handshake failure in the server's log, not a bare end of file", async () => {
  const log = captureReporter();
  const server = serveEcho({
    endpoint: tlsServerEndpoint(certs.serverCert, certs.serverKey),
    reporter: log.reporter,
  });
  try {
    const conn = await Deno.connect({ port: server.addr.port });
    // A handshake record's header and the start of a ClientHello, no more.
    await writeAll(
      conn,
      new Uint8Array([0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4]),
    );
    conn.close();
    const line = await log.waitFor(/ ended: /);
    match(
      line,
      /^Connection from 127\.0\.0\.1:\d+ ended: TLS handshake failed: the peer closed the connection before the handshake ended$/,
    );
  } finally {
    await server.close();
  }
});

Deno.test("tls: an openssl client with nothing in common with the server is told so in words", async () => {
  const log = captureReporter();
  const server = serveEcho({
    endpoint: tlsServerEndpoint(certs.serverCert, certs.serverKey),
    reporter: log.reporter,
  });
  try {
    const cases: [string[], string][] = [
      [["-tls1_1"], "offers no TLS version in common"],
      [
        ["-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_8_SHA256"],
        "has no cipher suite in common with this side",
      ],
      [["-groups", "ffdhe2048"], "has no key-exchange group in common"],
    ];
    for (const [index, [options, reason]] of cases.entries()) {
      await new Deno.Command("openssl", {
        args: [
          ...["s_client", "-connect", `127.0.0.1:${server.addr.port}`],
          ...options,
        ],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).output();
      const line = await log.waitForCount(
        / ended: TLS handshake failed/,
        index + 1,
      );
      ok(line.includes(`failed: the peer ${reason}`), line);
    }
  } finally {
    await server.close();
  }
});

Deno.test("tls: a TLS client of a plain server is told to connect without --tls, and the server's log names the ClientHello", async () => {
  const servers = await Promise.all(
    (["bork", "echo", "app"] as const).map((mode) =>
      spawnServer(["server", mode, "--port", "0"])
    ),
  );
  const hint = (port: number | string) =>
    `Connection from 127.0.0.1:${port} began with a TLS handshake record: it is a TLS client, and this server speaks plain TCP (serve with --tls-cert and --tls-key to speak TLS to it)`;
  try {
    const [bork, echo, app] = servers;
    for (const server of [bork, echo]) {
      const client = await runCli([
        ...["client", "hello", "--port", String(server.port), "--tls"],
        ...["--timeout", "10"],
      ]);
      assertOneLineFailure(
        client,
        /; if it is a plain TCP server, connect without --tls$/,
      );
      const line = await within(
        server.process.waitForLine(/ TLS handshake record/),
        { ms: 10_000, what: "the server's ClientHello line" },
      );
      equal(line.replace(/127\.0\.0\.1:\d+/, "127.0.0.1:PORT"), hint("PORT"));
    }
    // The app server would wait for the rest of a header this long: the
    // record's first bytes are enough for the line.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: app.port });
    try {
      await writeAll(conn, new Uint8Array([0x16, 3, 1, 0, 5, 1, 0, 0, 1, 3]));
      const line = await within(
        app.process.waitForLine(/ TLS handshake record/),
        { ms: 10_000, what: "the app server's ClientHello line" },
      );
      equal(line, hint((conn.localAddr as Deno.NetAddr).port));
    } finally {
      conn.close();
    }
  } finally {
    for (const server of servers) await server.process.stop();
  }
});

/**
 * A ClientHello that is TLS in every byte but names the server with a
 * control character in it, which no host name holds: made by Python's
 * ssl module and sent by hand.
 */
const BAD_SERVER_NAME_HELLO = `
import socket, ssl, sys
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = context.wrap_bio(incoming, outgoing, server_hostname="xxxxxxxx.example")
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
hello = outgoing.read().replace(b"xxxxxxxx", b"bad\\x01name")
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as conn:
    conn.sendall(hello)
    conn.recv(100)
`;

Deno.test("tls: a hello that breaks a TLS rule and an alert of no defined code are each a handshake failure in words", async () => {
  const log = captureReporter();
  const server = serveEcho({
    endpoint: tlsServerEndpoint(certs.serverCert, certs.serverKey),
    reporter: log.reporter,
  });
  try {
    const python = await new Deno.Command("python3", {
      args: ["-c", BAD_SERVER_NAME_HELLO, String(server.addr.port)],
      stdout: "null",
      stderr: "inherit",
    }).output();
    equal(python.code, 0);
    match(
      await log.waitFor(/ ended: /),
      /^Connection from 127\.0\.0\.1:\d+ ended: TLS handshake failed: the peer broke a rule of the TLS protocol \(ServerNameMustContainOneHostName\)$/,
    );
    // An alert record with code 123, which TLS does not define.
    const conn = await Deno.connect({ port: server.addr.port });
    await writeAll(
      conn,
      new Uint8Array([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x7b]),
    );
    const ended = await log.waitForCount(/ ended: /, 2);
    conn.close();
    match(
      ended,
      /^Connection from 127\.0\.0\.1:\d+ ended: TLS handshake failed: the peer sent an alert of a code TLS does not define \(123\)$/,
    );
  } finally {
    await server.close();
  }
});
