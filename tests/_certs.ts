/**
 * Test certificates made with the `openssl` command when a test file loads:
 * a CA, a server certificate for `localhost`, `127.0.0.1` and `::1`, one for
 * another name, and an expired one, all signed by the CA. Nothing private is
 * committed; the directory is removed when the test process ends.
 *
 * @module
 */

/** Paths of the generated PEM files. */
export interface TestCerts {
  /** The directory holding them. */
  dir: string;
  /** The test CA's certificate. */
  ca: string;
  /** Certificate valid for localhost, 127.0.0.1 and ::1. */
  serverCert: string;
  /** Its key. */
  serverKey: string;
  /** Certificate valid only for `wrong.example`. */
  wrongCert: string;
  /** Its key. */
  wrongKey: string;
  /** Certificate for localhost that expired on 2020-01-02. */
  expiredCert: string;
  /** Its key. */
  expiredKey: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `openssl ${args[0]} failed: ${new TextDecoder().decode(stderr)}`,
    );
  }
}

const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

async function request(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    "req",
    ...KEY,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${name}`,
  ]);
}

// Each certificate gets its serial number from its caller: two signings at
// once sharing `-CAcreateserial`'s file can read it half written.
async function signed(
  dir: string,
  name: string,
  options: { san: string; serial: number },
): Promise<void> {
  await request(dir, name);
  await Deno.writeTextFile(
    `${dir}/${name}.ext`,
    `subjectAltName=${options.san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-set_serial",
    `${options.serial}`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.pem`,
  ]);
}

// `openssl x509` cannot date a certificate in the past; `openssl ca` can.
const CA_CONFIG = `[ca]
default_ca = test
[test]
database = index.txt
serial = serial
new_certs_dir = .
default_md = sha256
policy = any
[any]
commonName = supplied
[server]
subjectAltName = DNS:localhost,IP:127.0.0.1
extendedKeyUsage = serverAuth
`;

async function expired(dir: string): Promise<void> {
  await request(dir, "expired");
  await Deno.writeTextFile(`${dir}/ca.cnf`, CA_CONFIG);
  await Deno.writeTextFile(`${dir}/index.txt`, "");
  await Deno.writeTextFile(`${dir}/serial`, "01\n");
  await openssl(dir, [
    "ca",
    "-batch",
    "-notext",
    "-config",
    "ca.cnf",
    "-cert",
    "ca.pem",
    "-keyfile",
    "ca.key",
    "-in",
    "expired.csr",
    "-out",
    "expired.pem",
    "-extensions",
    "server",
    "-startdate",
    "20200101000000Z",
    "-enddate",
    "20200102000000Z",
  ]);
}

let made: Promise<TestCerts> | undefined;

/**
 * Makes the certificates once per test process and resolves their paths.
 *
 * @example
 * ```ts
 * import { testCerts } from "./_certs.ts";
 * const { ca } = await testCerts();
 * ```
 */
export function testCerts(): Promise<TestCerts> {
  made ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "netdemo-certs-" });
    globalThis.addEventListener("unload", () => {
      Deno.removeSync(dir, { recursive: true });
    });
    await openssl(dir, [
      "req",
      "-x509",
      ...KEY,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=netdemo test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign",
    ]);
    await Promise.all([
      signed(dir, "server", {
        san: "DNS:localhost,IP:127.0.0.1,IP:::1",
        serial: 2,
      }),
      signed(dir, "wrong", { san: "DNS:wrong.example", serial: 3 }),
      expired(dir),
    ]);
    return {
      dir,
      ca: `${dir}/ca.pem`,
      serverCert: `${dir}/server.pem`,
      serverKey: `${dir}/server.key`,
      wrongCert: `${dir}/wrong.pem`,
      wrongKey: `${dir}/wrong.key`,
      expiredCert: `${dir}/expired.pem`,
      expiredKey: `${dir}/expired.key`,
    };
  })();
  return made;
}

/**
 * The TLS server endpoint for a certificate and key file, on 127.0.0.1 (or
 * `host`) and a free port.
 *
 * @example
 * ```ts
 * import { testCerts, tlsServerEndpoint } from "./_certs.ts";
 * const certs = await testCerts();
 * tlsServerEndpoint(certs.serverCert, certs.serverKey);
 * ```
 */
export function tlsServerEndpoint(
  cert: string,
  key: string,
  host = "127.0.0.1",
): {
  transport: "tls";
  host: string;
  port: number;
  cert: string;
  key: string;
} {
  return {
    transport: "tls",
    host,
    port: 0,
    cert: Deno.readTextFileSync(cert),
    key: Deno.readTextFileSync(key),
  };
}
