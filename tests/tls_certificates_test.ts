/**
 * Certificates that the common openssl recipes make and the TLS library
 * refuses where OpenSSL would not: each refusal is one line in netdemo's
 * words that says how to make one it takes, never the library's own name
 * for the error.
 *
 * @module
 */

import { doesNotMatch, equal, match } from "node:assert/strict";
import { serveEcho } from "../server/echo.ts";
import { testCerts, tlsServerEndpoint } from "./_certs.ts";
import {
  assertOneLineFailure,
  captureReporter,
  runCli,
  within,
} from "./_helpers.ts";

const certs = await testCerts();
const dir = await Deno.makeTempDir({ prefix: "netdemo-recipes-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(dir, { recursive: true });
});

async function openssl(args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`openssl failed: ${new TextDecoder().decode(stderr)}`);
  }
}

const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

// The self-signed recipe: openssl marks it a CA unless told otherwise.
await openssl([
  ...["req", "-x509", ...KEY, "-days", "2", "-subj", "/CN=localhost"],
  ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
  ...["-keyout", "self.key", "-out", "self.pem"],
]);
// Signed by the test CA from a request with a Common Name only: without an
// -extfile, openssl x509 makes a version 1 certificate; with one that
// names no subjectAltName, a version 3 one with no names.
await openssl([
  ...["req", ...KEY, "-subj", "/CN=localhost"],
  ...["-keyout", "cn.key", "-out", "cn.csr"],
]);
await Deno.writeTextFile(`${dir}/cn.ext`, "basicConstraints=CA:FALSE\n");
for (
  const [out, extra, serial] of [
    ["v1.pem", [], "11"],
    ["cn.pem", ["-extfile", "cn.ext"], "12"],
  ] as const
) {
  await openssl([
    ...["x509", "-req", "-in", "cn.csr", "-days", "2", "-set_serial", serial],
    ...["-CA", certs.ca, "-CAkey", `${certs.dir}/ca.key`, ...extra],
    ...["-out", out],
  ]);
}

Deno.test("tls recipes: a self-signed certificate marked as a CA is refused in words that say how to make one", async () => {
  const log = captureReporter();
  const server = serveEcho({
    endpoint: tlsServerEndpoint(`${dir}/self.pem`, `${dir}/self.key`),
    reporter: log.reporter,
  });
  try {
    const result = await runCli([
      ...["client", "hello", "--port", String(server.addr.port)],
      ...["--tls-ca", `${dir}/self.pem`, "--timeout", "10"],
    ]);
    assertOneLineFailure(
      result,
      /its certificate is marked as a CA \(basicConstraints CA:TRUE\), which TLS refuses as a server's own; make it with -addext basicConstraints=critical,CA:FALSE$/,
    );
    doesNotMatch(result.stderr, /OtherError|CaUsedAsEndEntity/);
    match(
      await within(log.waitFor(/ ended: /), {
        ms: 10_000,
        what: "the server's line",
      }),
      /ended: TLS handshake failed: the peer could not accept our certificate \(is it a CA certificate used as a server's own\?\)$/,
    );
  } finally {
    await server.close();
  }
});

Deno.test("tls recipes: a certificate with a Common Name and no subjectAltName is not said to want --tls-server-name", async () => {
  const server = serveEcho({
    endpoint: tlsServerEndpoint(`${dir}/cn.pem`, `${dir}/cn.key`),
    reporter: captureReporter().reporter,
  });
  try {
    const result = await runCli([
      ...["client", "hello", "--port", String(server.addr.port)],
      ...["--tls-ca", certs.ca, "--tls-server-name", "localhost"],
      ...["--timeout", "10"],
    ]);
    assertOneLineFailure(
      result,
      /its certificate names no host in a subjectAltName extension \(a Common Name alone is not read: make it with -addext subjectAltName=DNS:NAME,IP:ADDRESS\)$/,
    );
  } finally {
    await server.close();
  }
});

Deno.test("tls recipes: a server given a version 1 certificate says so and exits 1", async () => {
  const result = await runCli([
    ...["server", "echo", "--port", "0"],
    ...["--tls-cert", `${dir}/v1.pem`, "--tls-key", `${dir}/cn.key`],
  ]);
  equal(result.code, 1, result.stderr);
  equal(
    result.stderr,
    "error: cannot serve TLS on 127.0.0.1:0: the --tls-cert certificate is an X.509 version 1 certificate, which the TLS library refuses; make a version 3 one (openssl x509 -req with -extfile naming its subjectAltName)\n",
  );
});
