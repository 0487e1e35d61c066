/**
 * Address formatting shared by every server and client, so that a learner
 * sees one spelling everywhere: `127.0.0.1:65432`, `[::1]:65432`.
 *
 * @module
 */

import { escapeText } from "../output/escape.ts";

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
 * Formats a socket address as `HOST:PORT`, or `unix:PATH`. An IPv4 peer of
 * a dual-stack `::` listener shows as its IPv4 address, not `::ffff:...`;
 * an unnamed Unix socket (a client's own end) shows as `unix:(unnamed)`,
 * and a path is escaped as text a peer sent.
 *
 * @example
 * ```ts
 * import { formatAddr } from "./address.ts";
 * formatAddr({ transport: "tcp", hostname: "::ffff:127.0.0.1", port: 9 }); // "127.0.0.1:9"
 * ```
 */
export function formatAddr(addr: Deno.Addr): string {
  // A connection from Deno.startTls reports its addresses without the
  // transport field, so the host name is what marks a network address.
  if ("hostname" in addr) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr.hostname);
    return formatHostPort(mapped ? mapped[1] : addr.hostname, addr.port);
  }
  // Deno types the path as a string, but an unbound end reports null.
  const path = (addr as { path?: string | null }).path;
  // A client may bind its end to any path, newlines and escapes included,
  // and the server prints it.
  return path ? `unix:${escapeText(path)}` : "unix:(unnamed)";
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
 * True for an IPv6 address as RFC 4291 writes it: eight groups of one to
 * four hex digits, one run of them shortened to `::`, the last two perhaps
 * an IPv4 address, and a zone (`%eth0`) after.
 */
function isIPv6(text: string): boolean {
  return ipv6Groups(text) !== undefined;
}

/**
 * The eight 16-bit groups of an IPv6 address (see {@linkcode isIPv6}), or
 * undefined when `text` is not one.
 */
function ipv6Groups(text: string): number[] | undefined {
  const address = text.replace(/%[\w.-]+$/, "");
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const parts = halves.map((half) => half === "" ? [] : half.split(":"));
  const last = parts.flat().at(-1) ?? "";
  const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(last);
  if (ipv4 && ipv4.slice(1).some((part) => Number(part) > 255)) {
    return undefined;
  }
  const [a, b, c, d] = ipv4 ? ipv4.slice(1).map(Number) : [];
  const tail = ipv4 ? [a * 256 + b, c * 256 + d] : [];
  const groups = parts.map((half, i) =>
    ipv4 && i === parts.length - 1 ? half.slice(0, -1) : half
  );
  const hex = groups.flat();
  if (!hex.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return undefined;
  const count = hex.length + tail.length;
  if (halves.length === 2 ? count >= 8 : count !== 8) return undefined;
  const numbers = groups.map((half) =>
    half.map((group) => parseInt(group, 16))
  );
  const zeros = Array(8 - count).fill(0);
  return halves.length === 2
    ? [...numbers[0], ...zeros, ...numbers[1], ...tail]
    : [...numbers[0], ...tail];
}

/**
 * Tells whether a host binds every interface, which deserves a warning.
 *
 * @example
 * ```ts
 * import { isWildcardHost } from "./address.ts";
 * isWildcardHost("0.0.0.0"); // true
 * isWildcardHost("[0::0]"); // true
 * isWildcardHost("::ffff:0.0.0.0"); // true
 * isWildcardHost("::1"); // false
 * ```
 */
export function isWildcardHost(host: string): boolean {
  const bare = bareHost(host);
  if (bare === "0.0.0.0" || bare === "") return true;
  const groups = ipv6Groups(bare);
  if (groups === undefined) return false;
  // The unspecified IPv6 address in any spelling, or IPv4's mapped into
  // IPv6 (::ffff:0.0.0.0), which binds every IPv4 interface.
  const others = groups.filter((_, i) => i !== 5);
  return others.every((group) => group === 0) &&
    (groups[5] === 0 || groups[5] === 0xffff);
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
 * hostProblem(":80"); // 'must not include a port: use --port 80'
 * hostProblem("::1"); // undefined
 * ```
 */
export function hostProblem(host: string): string | undefined {
  if (host === "") return "must not be empty";
  const withPort = /^\[([^\]]*)\]:(\d*)$/.exec(host) ??
    /^([^:\[\]]*):(\d*)$/.exec(host);
  if (withPort) {
    const port = withPort[2] === "" ? "PORT" : withPort[2];
    // `:65432` names no host: an empty --host would be refused in turn.
    const host = withPort[1] === "" ? "" : `--host ${withPort[1]} `;
    return `must not include a port: use ${host}--port ${port}`;
  }
  const bare = bareHost(host);
  if (/\s/.test(host)) {
    return `must be a host name or IP address, without spaces, got "${host}"`;
  }
  if (bare.includes(":") && !isIPv6(bare)) {
    return `must be a host name or an IP address, got "${host}", which is not an IPv6 address (with a port, give --host ADDRESS --port PORT)`;
  }
  // A zone picks the interface of a link-local address, which exists on
  // every link; the runtime's resolver takes no zone on any other.
  const zone = bare.indexOf("%");
  if (zone >= 0 && !/^fe[89ab][0-9a-f]:/i.test(bare)) {
    return `must have a zone (%...) only on a link-local address (fe80::/10), got "${host}": give ${
      bare.slice(0, zone)
    }`;
  }
  const valid = bare.includes(":") ||
    (/^[A-Za-z0-9_]([A-Za-z0-9._-]*[A-Za-z0-9_])?\.?$/.test(bare) &&
      !host.startsWith("["));
  if (!valid) {
    return `must be a host name (letters, digits, dots, hyphens) or an IP address, got "${host}"`;
  }
  if (!bare.includes(":")) return nameProblem(host);
  return undefined;
}

/**
 * What is wrong with a host that is no IPv6 address: an all-numeric one
 * that is no plain IPv4 address, or a name past DNS's limits (RFC 1035:
 * labels of 1 to 63 characters, 253 in all).
 */
function nameProblem(host: string): string | undefined {
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  // All numbers is an IPv4 address, never a name: the resolver would read
  // the old short forms ("127.1", "0x7f.1", "2130706433") as some other
  // address, off this machine perhaps.
  const parts = name.split(".");
  if (parts.every((part) => /^(\d+|0x[\da-f]*)$/i.test(part))) {
    const quad = parts.length === 4 &&
      parts.every((part) =>
        /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255
      );
    if (!quad) {
      return `must be a host name or an IPv4 address of four numbers from 0 to 255 (as 127.0.0.1), got "${host}"`;
    }
    if (name !== host) {
      return `must be a host name or IP address, got "${host}": an IP address takes no trailing dot`;
    }
  }
  if (name.length > 253) {
    return `must be a host name of at most 253 characters, got one of ${name.length}`;
  }
  const labels = name.split(".");
  if (labels.includes("")) {
    return `must be a host name or IP address, got "${host}", which has two dots in a row`;
  }
  const long = labels.find((label) => label.length > 63);
  if (long !== undefined) {
    return `must be a host name whose parts between dots have at most 63 characters, got one of ${long.length}`;
  }
  return undefined;
}

/**
 * The longest path a Unix socket can be bound to or reached at, in bytes:
 * the kernel's `sun_path` holds 108 bytes on Linux (104 on the BSDs and
 * macOS) with the terminating zero. Deno's own error for a longer one,
 * "path must be shorter than SUN_LEN", comes only at the connect or bind.
 */
export const MAX_UNIX_PATH_BYTES: number = Deno.build.os === "linux"
  ? 107
  : 103;

/**
 * Says what is wrong with a Unix socket path a user typed, or undefined.
 * The sentence continues `--unix ...`.
 *
 * @example
 * ```ts
 * import { unixPathProblem } from "./address.ts";
 * unixPathProblem(""); // "must name a path"
 * unixPathProblem("/tmp/echo.sock"); // undefined
 * ```
 */
export function unixPathProblem(path: string): string | undefined {
  if (path === "") return "must name a path";
  // Pasted from a "Listening on unix:PATH" line: the prefix names the
  // transport there, and is no part of the path.
  if (/^unix:./.test(path)) {
    return `takes the path alone, without "unix:"; did you mean --unix ${
      path.slice(5)
    }?`;
  }
  const bytes = new TextEncoder().encode(path).length;
  if (bytes <= MAX_UNIX_PATH_BYTES) return undefined;
  return `must be a path of at most ${MAX_UNIX_PATH_BYTES} bytes, the longest a Unix socket can have; this one has ${bytes}: use a shorter one (e.g. in /tmp)`;
}

/**
 * The directory part of a socket path: "." for a bare name, "/" for one
 * at the root.
 *
 * @example
 * ```ts
 * import { directoryOf } from "./address.ts";
 * directoryOf("/tmp/echo.sock"); // "/tmp"
 * directoryOf("echo.sock"); // "."
 * ```
 */
export function directoryOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
}
