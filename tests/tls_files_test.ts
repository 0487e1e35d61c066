/**
 * TLS files through the real CLI: a certificate option given a file with
 * no certificate in it, a certificate or key that does not decode, a key of
 * another certificate, and each key format openssl writes.
 *
 * @module
 */

import { equal } from "node:assert/strict";
import {
  assertOneLineFailure,
  type CliResult,
  lines,
  runCli,
  spawnServer,
} from "./_helpers.ts";
import { testCerts } from "./_certs.ts";

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

Deno.test("files: a certificate or key that is not DER, or a key of another certificate, is one line naming the file or option, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const block = (label: string, base64: string) =>
      `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
    const badCert = `${dir}/bad-cert.pem`;
    const badKey = `${dir}/bad-key.pem`;
    await Deno.writeTextFile(badCert, block("CERTIFICATE", "AAAA"));
    // DER, but a SEQUENCE of one empty SEQUENCE: no certificate's shape.
    const notCert = `${dir}/not-cert.pem`;
    await Deno.writeTextFile(notCert, block("CERTIFICATE", "MAIwAA=="));
    const encrypted = `${dir}/encrypted.pem`;
    await Deno.writeTextFile(
      encrypted,
      "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
    );
    await Deno.writeTextFile(badKey, block("PRIVATE KEY", "AAAA"));
    const badEcKey = `${dir}/bad-ec-key.pem`;
    await Deno.writeTextFile(badEcKey, block("EC PRIVATE KEY", "AAAA"));
    // The certificate's own DER with two bytes after it, and a key's DER
    // labelled as a certificate: each fails a check of its own.
    const certDer = derOf(await Deno.readTextFile(certs.serverCert));
    const trailing = `${dir}/trailing.pem`;
    await Deno.writeTextFile(
      trailing,
      block("CERTIFICATE", btoa(String.fromCharCode(...certDer, 0, 0))),
    );
    const keyAsCert = `${dir}/key-as-cert.pem`;
    await Deno.writeTextFile(
      keyAsCert,
      block(
        "CERTIFICATE",
        btoa(
          String.fromCharCode(
            ...derOf(await Deno.readTextFile(certs.serverKey)),
          ),
        ),
      ),
    );
    // A key whose DER holds together but whose contents do not.
    const der = derOf(await Deno.readTextFile(certs.serverKey));
    // PKCS #8: SEQUENCE { INTEGER, SEQUENCE (algorithm), OCTET STRING }.
    // The file check walks the outer elements only; the key inside the
    // OCTET STRING loses its own SEQUENCE tag.
    let at = der[1] < 0x80 ? 2 : 2 + (der[1] & 0x7f);
    at += 2 + der[at + 1];
    at += 2 + der[at + 1];
    equal(der[at], 0x04, "the key's OCTET STRING");
    der[at + 2] ^= 0xff;
    const corruptKey = `${dir}/corrupt-key.pem`;
    await Deno.writeTextFile(
      corruptKey,
      block("PRIVATE KEY", btoa(String.fromCharCode(...der))),
    );
    const server = (cert: string, key: string) =>
      runCli([
        "server",
        "echo",
        "-p",
        "0",
        "--tls-cert",
        cert,
        "--tls-key",
        key,
      ]);
    const escaped = (path: string) => path.replaceAll(".", "\\.");
    const cases: [Promise<CliResult>, RegExp][] = [
      [
        runCli(["client", "hello", "-p", "1", "--tls-ca", badCert]),
        new RegExp(
          `^error: --tls-ca file "${
            escaped(badCert)
          }" is not valid PEM: its CERTIFICATE block does not hold a DER-encoded certificate$`,
        ),
      ],
      [
        runCli(["client", "hello", "-p", "1", "--tls-ca", notCert]),
        new RegExp(
          `^error: --tls-ca file "${
            escaped(notCert)
          }" is not valid PEM: its CERTIFICATE block does not hold a DER-encoded certificate$`,
        ),
      ],
      ...[trailing, keyAsCert].map((file): [Promise<CliResult>, RegExp] => [
        runCli(["client", "hello", "-p", "1", "--tls-ca", file]),
        new RegExp(
          `^error: --tls-ca file "${
            escaped(file)
          }" is not valid PEM: its CERTIFICATE block does not hold a DER-encoded certificate$`,
        ),
      ]),
      [
        server(certs.serverCert, badEcKey),
        /its EC PRIVATE KEY block does not hold a DER-encoded key$/,
      ],
      [
        server(certs.serverCert, encrypted),
        new RegExp(
          `^error: --tls-key file "${
            escaped(encrypted)
          }" holds an encrypted private key, which netdemo cannot use: decrypt it first \\(openssl pkey -in KEY -out PLAIN\\)$`,
        ),
      ],
      [
        server(badCert, certs.serverKey),
        new RegExp(
          `^error: --tls-cert file "${escaped(badCert)}" is not valid`,
        ),
      ],
      [
        server(certs.serverCert, badKey),
        new RegExp(
          `^error: --tls-key file "${
            escaped(badKey)
          }" is not valid PEM: its PRIVATE KEY block does not hold a DER-encoded key$`,
        ),
      ],
      [
        server(certs.serverCert, corruptKey),
        /^error: cannot serve TLS on 127\.0\.0\.1:0: the --tls-key does not decode as an RSA, ECDSA or EdDSA private key$/,
      ],
      [
        server(certs.serverCert, certs.wrongKey),
        /^error: cannot serve TLS on 127\.0\.0\.1:0: the --tls-key is not the private key of the --tls-cert certificate$/,
      ],
    ];
    for (const [run, expected] of cases) {
      const result = await run;
      assertOneLineFailure(result, expected);
      equal(result.stdout, "");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The DER bytes of a PEM text's one block. */
function derOf(pem: string): Uint8Array {
  return Uint8Array.from(
    atob(pem.replace(/-----[^-]+-----|\s/g, "")),
    (char) => char.charCodeAt(0),
  );
}

Deno.test("files: the key formats openssl writes are served: SEC1 EC, PKCS #1 RSA and ed25519 keys", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const openssl = async (args: string[]) => {
      const { code, stderr } = await new Deno.Command("openssl", {
        args,
        stdout: "null",
        stderr: "piped",
      }).output();
      equal(code, 0, new TextDecoder().decode(stderr));
    };
    // genrsa takes its bit count last, after -out.
    const keys: [string, (key: string) => string[]][] = [
      [
        "ec",
        (
          key,
        ) => [
          "ecparam",
          "-name",
          "prime256v1",
          "-genkey",
          "-noout",
          "-out",
          key,
        ],
      ],
      ["rsa", (key) => ["genrsa", "-traditional", "-out", key, "2048"]],
      ["ed25519", (key) => ["genpkey", "-algorithm", "ed25519", "-out", key]],
    ];
    for (const [name, make] of keys) {
      const key = `${dir}/${name}.key`;
      const cert = `${dir}/${name}.pem`;
      await openssl(make(key));
      // Signed by the tests' CA: a self-signed server certificate is a
      // CA used as an end entity, which rustls refuses.
      await openssl([
        ...["req", "-new", "-key", key, "-out", `${dir}/${name}.csr`],
        ...["-subj", "/CN=localhost"],
      ]);
      await Deno.writeTextFile(
        `${dir}/${name}.ext`,
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n",
      );
      await openssl([
        ...["x509", "-req", "-in", `${dir}/${name}.csr`, "-days", "1"],
        ...["-CA", certs.ca, "-CAkey", `${certs.dir}/ca.key`],
        ...["-CAcreateserial", "-CAserial", `${dir}/ca.srl`],
        ...["-extfile", `${dir}/${name}.ext`, "-out", cert],
      ]);
      const server = await spawnServer([
        ...["server", "echo", "--port", "0", "--quiet"],
        ...["--tls-cert", cert, "--tls-key", key],
      ]);
      try {
        const result = await runCli([
          ...["client", "hello", "--port", `${server.port}`],
          ...["--tls-ca", certs.ca, "--tls-server-name", "localhost"],
        ]);
        equal(result.code, 0, `${name}: ${result.stderr}`);
        equal(lines(result.stdout).at(-1), "Received: Hello, World!", name);
      } finally {
        await server.process.stop();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
