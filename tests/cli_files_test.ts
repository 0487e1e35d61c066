/**
 * Files named on the command line, through the real CLI: a certificate
 * option given a file with no certificate, and every file read under
 * `deno run` without `--allow-read`, which names that grant.
 *
 * @module
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import {
  assertOneLineFailure,
  runCli,
  runWithGrants,
  spawnQuietEcho,
} from "./_helpers.ts";
import { testCerts } from "./certs.ts";

const certs = await testCerts();
const keyFile = certs.serverKey.replaceAll(".", "\\.");

Deno.test("files: a --tls-ca or --tls-cert file with no certificate in it, or a --tls-key file with no key, is one line naming it, exit 1", async () => {
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
  // A certificate given as the key: Deno's own words name no file.
  const certAsKey = await runCli([
    ...["server", "echo", "-p", "0"],
    ...["--tls-cert", certs.serverCert, "--tls-key", certs.serverCert],
  ]);
  assertOneLineFailure(
    certAsKey,
    new RegExp(
      `^error: --tls-key file "${
        certs.serverCert.replaceAll(".", "\\.")
      }" holds no private key netdemo can use \\(no unencrypted BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block; found CERTIFICATE\\)$`,
    ),
  );
  equal(keyAsCa.stdout + keyAsCert.stdout + certAsKey.stdout, "");
});

Deno.test("files: report merge's config.percentiles is the union of the reports', as README says", async () => {
  const server = await spawnQuietEcho();
  const dir = await Deno.makeTempDir();
  try {
    const files = [`${dir}/a.json`, `${dir}/b.json`];
    for (const [i, list] of ["50,99", "75,99,99.9"].entries()) {
      const run = await runCli([
        ...["client", "multi", "-p", `${server.port}`, "--rounds", "20"],
        ...["--percentiles", list, "--json"],
      ]);
      equal(run.code, 0, run.stderr);
      await Deno.writeTextFile(files[i], run.stdout);
    }
    const merged = await runCli(["report", "merge", ...files, "--json"]);
    equal(merged.code, 0, merged.stderr);
    const report = JSON.parse(merged.stdout);
    deepEqual(report.config.percentiles, [50, 75, 99, 99.9]);
    for (const key of ["p50", "p75", "p99", "p99.9"]) {
      equal(typeof report.latencyMs[key], "number", key);
    }
    const readme = await Deno.readTextFile(
      new URL("../README.md", import.meta.url),
    );
    ok(
      readme.replace(/\s+/g, " ").includes(
        "`config` is the first report's with `connections` (and `rate`, when every run had one) summed and `percentiles` the union of the reports' lists",
      ),
      "README says how config.percentiles merges",
    );
  } finally {
    await server.process.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "files: under deno run without --allow-read, every file named says that grant is missing, exit 1",
  // The compiled binary carries its grants; only deno run can lack one.
  ignore: Deno.env.get("NETDEMO_BIN") !== undefined,
  async fn(): Promise<void> {
    const cases: [string[], string][] = [
      [
        ["client", "multi", "-p", "1", "--payload-file", certs.ca],
        `cannot read --payload-file "${certs.ca}"`,
      ],
      [
        ["client", "hello", "-p", "1", "--tls-ca", certs.ca],
        `cannot read --tls-ca file "${certs.ca}"`,
      ],
      [
        [
          ...["server", "echo", "-p", "0"],
          ...["--tls-cert", certs.serverCert, "--tls-key", certs.serverKey],
        ],
        `cannot read --tls-cert file "${certs.serverCert}"`,
      ],
      [["report", "merge", certs.ca], `cannot read "${certs.ca}"`],
    ];
    for (const [args, what] of cases) {
      const output = await runWithGrants(args, ["--allow-net"]);
      const stderr = new TextDecoder().decode(output.stderr);
      equal(output.code, 1, `${args.join(" ")}: ${stderr}`);
      equal(
        stderr,
        `error: ${what}: netdemo was started without --allow-read\n`,
      );
      match(new TextDecoder().decode(output.stdout), /^$/);
    }
  },
});
