/**
 * The transport options as the CLI reads them: `--unix`, `--tls-cert` /
 * `--tls-key` (servers), `--tls` / `--tls-ca` / `--tls-server-name`
 * (clients), turned with the checked host and port into one
 * {@linkcode Endpoint}; certificate files are read here, once.
 *
 * @module
 */

import type { Endpoint } from "../protocol/endpoint.ts";
import type { OptionValues } from "./_args.ts";
import { UsageError } from "./_usage.ts";

/**
 * Builds the endpoint from the transport options and the checked address;
 * a combination that cannot work is a UsageError, an unreadable or non-PEM
 * certificate file a one-line Error naming the option and the file.
 *
 * @example
 * ```ts
 * import { endpointValue } from "./_endpoint.ts";
 * endpointValue({ unix: "/tmp/echo.sock" }, { host: "127.0.0.1", port: 65432 }, "server echo");
 * // { transport: "unix", path: "/tmp/echo.sock" }
 * ```
 */
export function endpointValue(
  values: OptionValues,
  address: { host: string; port: number },
  command: string,
): Endpoint {
  const text = (name: string): string | undefined =>
    typeof values[name] === "string" ? values[name] as string : undefined;
  const tlsNames = ["tls", "tls-cert", "tls-key", "tls-ca", "tls-server-name"]
    .filter((name) => values[name] !== undefined && values[name] !== false);
  const path = text("unix");
  if (path !== undefined) {
    if (path === "") {
      throw new UsageError("--unix must name a path", command);
    }
    const clash = ["host", "port"].find((name) => values[name] !== undefined);
    if (clash !== undefined) {
      throw new UsageError(
        `--unix replaces --host and --port: give one or the other, not --${clash} too`,
        command,
      );
    }
    if (tlsNames.length > 0) {
      throw new UsageError(
        `--${tlsNames[0]} works over TCP only, not with --unix`,
        command,
      );
    }
    return { transport: "unix", path };
  }
  if (tlsNames.length === 0) return { transport: "tcp", ...address };
  const cert = text("tls-cert");
  const key = text("tls-key");
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError(
      "--tls-cert and --tls-key go together: give both",
      command,
    );
  }
  const ca = text("tls-ca");
  return {
    transport: "tls",
    ...address,
    cert: cert === undefined ? undefined : readPem(cert, "--tls-cert"),
    key: key === undefined ? undefined : readPem(key, "--tls-key"),
    caCerts: ca === undefined ? undefined : [readPem(ca, "--tls-ca")],
    serverName: text("tls-server-name"),
  };
}

function readPem(path: string, option: string): string {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.NotCapable ||
          error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new Error(`cannot read ${option} file "${path}": ${reason}`);
  }
  if (!text.includes("-----BEGIN ")) {
    throw new Error(`${option} file "${path}" is not in PEM format`);
  }
  return text;
}
