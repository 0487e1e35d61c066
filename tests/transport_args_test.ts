/**
 * The transport options as the CLI reads them: one endpoint from
 * `--host/--port/--unix/--tls*`, and a one-line usage error for each
 * combination that cannot work.
 *
 * @module
 */

import { deepEqual, equal, match, throws } from "node:assert/strict";
import { endpointValue } from "../cli/_endpoint.ts";
import { parseCommand } from "../cli/_parse.ts";
import { UsageError } from "../cli/_usage.ts";
import { clientHello } from "../cli/client_hello.ts";
import { serverEcho } from "../cli/server_echo.ts";
import { formatAddr } from "../protocol/address.ts";
import type { Endpoint } from "../protocol/endpoint.ts";
import { tlsReason } from "../protocol/tls_reasons.ts";
import { describeAcceptFailure } from "../server/listener.ts";
import { testCerts } from "./_certs.ts";

const certs = await testCerts();

/** The endpoint `netdemo server echo ARGS` or `client hello ARGS` would use. */
function endpointOf(mode: "server" | "client", args: string[]): Endpoint {
  const parsed = mode === "server"
    ? parseCommand(serverEcho, args)
    : parseCommand(clientHello, args);
  if (parsed === null) throw new Error("help was asked for");
  return endpointValue(parsed, mode);
}

Deno.test("transport options: plain TCP, Unix, and TLS for a server and a client", () => {
  deepEqual(endpointOf("server", ["--port", "0"]), {
    transport: "tcp",
    host: "127.0.0.1",
    port: 0,
  });
  deepEqual(endpointOf("server", ["--unix", "/tmp/x.sock"]), {
    transport: "unix",
    path: "/tmp/x.sock",
  });
  const server = endpointOf("server", [
    "--tls-cert",
    certs.serverCert,
    "--tls-key",
    certs.serverKey,
  ]);
  equal(server.transport, "tls");
  match(
    server.transport === "tls" ? server.cert ?? "" : "",
    /BEGIN CERTIFICATE/,
  );
  // --tls-server-name alone turns TLS on, with the system's CAs only.
  deepEqual(
    endpointOf("client", ["--host", "::1", "--tls-server-name", "localhost"]),
    {
      transport: "tls",
      host: "::1",
      port: 65432,
      cert: undefined,
      key: undefined,
      caCerts: undefined,
      serverName: "localhost",
    },
  );
});

Deno.test("addresses: a DNS root dot and a name of exactly 253 characters are hosts", () => {
  const longest = `${"a".repeat(63)}.`.repeat(3) + "d".repeat(61);
  equal(longest.length, 253);
  for (const host of ["localhost.", "example.com.", longest, `${longest}.`]) {
    deepEqual(endpointOf("client", ["--host", host]), {
      transport: "tcp",
      host,
      port: 65432,
    });
  }
});

Deno.test("addresses: an accept that failed is one line without nested parentheses", () => {
  equal(
    describeAcceptFailure(new Deno.errors.NotConnected("os error 107")),
    "A client gave up its connection while it waited to be accepted; still listening",
  );
  equal(
    describeAcceptFailure(new Deno.errors.PermissionDenied("os error 1")),
    "Could not accept a connection: os error 1; still listening",
  );
});

Deno.test("transport options: combinations that cannot work are usage errors naming the options", () => {
  const cases: [["server" | "client", string[]], RegExp][] = [
    [
      ["client", ["--unix", "/tmp/x", "--port", "1"]],
      /^--unix replaces --host and --port: give one or the other, not --port too$/,
    ],
    [["client", ["--unix", "/tmp/x", "--host", "::1"]], /not --host too$/],
    [["client", ["--unix="]], /^--unix must name a path$/],
    [
      ["server", ["--unix", `/tmp/${"é".repeat(52)}`]],
      /^--unix must be a path of at most 107 bytes, the longest a Unix socket can have; this one has 109: use a shorter one \(e\.g\. in \/tmp\)$/,
    ],
    [
      ["client", ["--unix", "/tmp/x", "--tls"]],
      /^--tls works over TCP only, not with --unix$/,
    ],
    [
      ["server", ["--tls-cert", certs.serverCert]],
      /^--tls-cert and --tls-key go together: give both$/,
    ],
  ];
  for (const [[mode, args], message] of cases) {
    throws(() => endpointOf(mode, args), (error: unknown) => {
      equal(error instanceof UsageError, true);
      match((error as Error).message, message);
      return true;
    });
  }
});

Deno.test("transport options: --unix takes a path of 107 bytes, the kernel's longest, and not 108", () => {
  const path = `/tmp/${"x".repeat(102)}`;
  deepEqual(endpointOf("client", ["--unix", path]), {
    transport: "unix",
    path,
  });
  throws(
    () => endpointOf("client", ["--unix", `${path}x`]),
    /this one has 108: use a shorter one/,
  );
});

Deno.test("transport options: an unreadable or non-PEM file is one sentence naming it", () => {
  throws(
    () => endpointOf("client", ["--tls-ca", `${certs.dir}/missing.pem`]),
    /^Error: cannot read --tls-ca file ".*missing\.pem": no such file$/,
  );
  throws(
    () => endpointOf("client", ["--tls-ca", "/dev/zero"]),
    /^Error: cannot read --tls-ca file "\/dev\/zero": it is not a regular file \(a FIFO, a device or a socket\)$/,
  );
  Deno.writeTextFileSync(
    `${certs.dir}/garbled.pem`,
    "-----BEGIN CERTIFICATE-----\nabcde!@#\n-----END CERTIFICATE-----\n",
  );
  throws(
    () => endpointOf("client", ["--tls-ca", `${certs.dir}/garbled.pem`]),
    /^Error: --tls-ca file ".*garbled\.pem" is not valid PEM: its CERTIFICATE block is not base64$/,
  );
  Deno.writeTextFileSync(`${certs.dir}/not.pem`, "hello\n");
  throws(
    () => endpointOf("client", ["--tls-ca", `${certs.dir}/not.pem`]),
    /--tls-ca file ".*not\.pem" is not in PEM format$/,
  );
});

Deno.test("addresses: a mapped IPv4 peer prints as IPv4; Unix ends print as unix:PATH", () => {
  equal(
    formatAddr({ transport: "tcp", hostname: "::ffff:10.1.2.3", port: 80 }),
    "10.1.2.3:80",
  );
  equal(
    formatAddr({ transport: "tcp", hostname: "::1", port: 80 }),
    "[::1]:80",
  );
  equal(formatAddr({ transport: "unix", path: "/tmp/s" }), "unix:/tmp/s");
  equal(
    formatAddr({ transport: "unix", path: null } as unknown as Deno.Addr),
    "unix:(unnamed)",
  );
});

Deno.test("tls reasons: each runtime message becomes its sentence", () => {
  equal(
    tlsReason("received fatal alert: UnknownCA"),
    "the peer does not trust the CA that signed our certificate",
  );
  equal(
    tlsReason("received fatal alert: DecryptError"),
    "the peer sent the alert DecryptError",
  );
  equal(
    tlsReason(
      "invalid peer certificate: certificate expired: verification time 1 (UNIX), but certificate is not valid after 0",
    ),
    "its certificate has expired",
  );
  equal(
    tlsReason("received corrupt message of type InvalidContentType"),
    "the peer does not speak TLS",
  );
  equal(
    tlsReason("peer is incompatible: NoSignatureSchemesInCommon"),
    "the peer has no signature scheme in common with this side",
  );
  equal(
    tlsReason("received fatal alert: ProtocolVersion"),
    "the peer speaks no TLS version in common with netdemo (TLS 1.2 and 1.3)",
  );
  equal(
    tlsReason("received fatal alert: AlertDescription(0x7b)"),
    "the peer sent an alert of a code TLS does not define (123)",
  );
  equal(
    tlsReason("peer misbehaved: ServerNameMustContainOneHostName"),
    "the peer broke a rule of the TLS protocol (ServerNameMustContainOneHostName)",
  );
  equal(
    tlsReason("peer is incompatible: SomethingNew"),
    "the peer's TLS settings do not fit this side's (SomethingNew)",
  );
});
