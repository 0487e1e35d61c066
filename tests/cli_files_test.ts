/**
 * Files named on the command line, through the real CLI: a certificate
 * option given a file with no certificate, and every file read under
 * `deno run` without `--allow-read`, which names that grant.
 *
 * @module
 */

import { equal } from "node:assert/strict";
import { assertOneLineFailure, runCli } from "./_helpers.ts";
import { testCerts } from "./certs.ts";

const certs = await testCerts();
const keyFile = certs.serverKey.replaceAll(".", "\\.");

Deno.test("files: a --tls-ca or --tls-cert file with no certificate in it is one line naming it, exit 1", async () => {
  const keyAsCa = await runCli([
    ...["client", "hello", "-p", "1", "--tls-ca", certs.serverKey],
  ]);
  assertOneLineFailure(
    keyAsCa,
    new RegExp(
      `^error: --tls-ca file "${keyFile}" holds no certificate \\(no BEGIN CERTIFICATE block; found PRIVATE KEY\\)$`,
    ),
  );
  // The server's side was refused already, by the TLS library's words.
  const keyAsCert = await runCli([
    ...["server", "echo", "-p", "0"],
    ...["--tls-cert", certs.serverKey, "--tls-key", certs.serverKey],
  ]);
  assertOneLineFailure(
    keyAsCert,
    new RegExp(
      `^error: --tls-cert file "${keyFile}" holds no certificate \\(no BEGIN CERTIFICATE block; found PRIVATE KEY\\)$`,
    ),
  );
  equal(keyAsCa.stdout + keyAsCert.stdout, "");
});
