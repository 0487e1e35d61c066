/**
 * Address formatting shared by every server and client, so that a learner
 * sees one spelling everywhere: `127.0.0.1:65432`, `[::1]:65432`.
 *
 * @module
 */

/** The host servers bind and clients reach when none is given. */
export const DEFAULT_HOST = "127.0.0.1";

/** The port of the course's examples. */
export const DEFAULT_PORT = 65432;

/**
 * Formats a host and port as `HOST:PORT`, with IPv6 hosts in brackets.
 *
 * @example
 * ```ts
 * import { formatHostPort } from "./address.ts";
 * formatHostPort("::1", 80); // "[::1]:80"
 * ```
 */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[")
    ? `[${host}]:${port}`
    : `${host}:${port}`;
}

/**
 * Formats a socket address as `HOST:PORT`.
 *
 * @example
 * ```ts
 * import { formatAddr } from "./address.ts";
 * formatAddr({ transport: "tcp", hostname: "127.0.0.1", port: 9 }); // "127.0.0.1:9"
 * ```
 */
export function formatAddr(addr: Deno.Addr): string {
  if (addr.transport === "tcp" || addr.transport === "udp") {
    return formatHostPort(addr.hostname, addr.port);
  }
  return "path" in addr ? addr.path : addr.transport;
}

/**
 * Removes the brackets a user may put around an IPv6 host (`[::1]`).
 *
 * @example
 * ```ts
 * import { bareHost } from "./address.ts";
 * bareHost("[::1]"); // "::1"
 * ```
 */
export function bareHost(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/**
 * Tells whether a host binds every interface, which deserves a warning.
 *
 * @example
 * ```ts
 * import { isWildcardHost } from "./address.ts";
 * isWildcardHost("0.0.0.0"); // true
 * ```
 */
export function isWildcardHost(host: string): boolean {
  const bare = bareHost(host);
  return bare === "0.0.0.0" || bare === "::" || bare === "";
}

/**
 * Says what is wrong with a host a user typed, or undefined when it can be
 * a host name, an IPv4 address or an IPv6 address (bare or in brackets).
 * The sentence continues `--host ...`.
 *
 * @example
 * ```ts
 * import { hostProblem } from "./address.ts";
 * hostProblem("127.0.0.1:80"); // 'must not include a port: use --host 127.0.0.1 --port 80'
 * hostProblem("::1"); // undefined
 * ```
 */
export function hostProblem(host: string): string | undefined {
  if (host === "") return "must not be empty";
  const withPort = /^\[([^\]]*)\]:(\d*)$/.exec(host) ??
    /^([^:\[\]]*):(\d*)$/.exec(host);
  if (withPort) {
    const port = withPort[2] === "" ? "PORT" : withPort[2];
    return `must not include a port: use --host ${withPort[1]} --port ${port}`;
  }
  const bare = bareHost(host);
  if (/\s/.test(host)) {
    return `must be a host name or IP address, without spaces, got "${host}"`;
  }
  const valid = bare.includes(":")
    ? /^[0-9A-Fa-f:.]+(%[\w.-]+)?$/.test(bare)
    : /^[A-Za-z0-9_]([A-Za-z0-9._-]*[A-Za-z0-9_])?\.?$/.test(bare) &&
      !host.startsWith("[");
  if (!valid) {
    return `must be a host name (letters, digits, dots, hyphens) or an IP address, got "${host}"`;
  }
  return undefined;
}
