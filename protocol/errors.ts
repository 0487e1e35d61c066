/**
 * Socket failures as typed errors with one-line explanations, so that the CLI
 * can print a sentence a person understands and tests can assert the kind.
 *
 * @module
 */

import { MAX_UNIX_PATH_BYTES } from "./address.ts";
import { tlsReason } from "./tls_reasons.ts";

/** The kinds of failure netdemo tells apart. */
export type FailureKind =
  | "refused"
  | "reset"
  | "timeout"
  | "host-not-found"
  | "address-in-use"
  | "address-unavailable"
  | "permission-denied"
  | "too-many-open-files"
  | "closed-early"
  | "mismatch"
  | "protocol"
  | "tls"
  | "interrupted"
  | "other";

/**
 * A network failure with its kind and a one-line, user-facing message.
 *
 * @example
 * ```ts
 * import { NetError } from "./errors.ts";
 * const error = new NetError("timeout", "no reply from 127.0.0.1:65432 within 2 s");
 * error.kind; // "timeout"
 * ```
 */
export class NetError extends Error {
  /** What went wrong, for summaries and tests. */
  readonly kind: FailureKind;

  /** Creates an error of the given kind with a one-line message. */
  constructor(kind: FailureKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NetError";
    this.kind = kind;
  }
}

/**
 * The message of anything thrown: an Error's message, or the value as
 * text, for the one-line errors the CLI prints.
 *
 * @example
 * ```ts
 * import { errorMessage } from "./errors.ts";
 * errorMessage(new Error("no route")); // "no route"
 * ```
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The name of anything thrown (`ConnectionReset`), for trace lines that
 * show which runtime error lay behind a failure's kind.
 *
 * @example
 * ```ts
 * import { errorName } from "./errors.ts";
 * errorName(new Deno.errors.ConnectionReset("x")); // "ConnectionReset"
 * ```
 */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}

/**
 * Tells which kind of failure an error thrown by a Deno socket call is.
 *
 * @example
 * ```ts
 * import { classifyError } from "./errors.ts";
 * classifyError(new Deno.errors.ConnectionRefused("x")); // "refused"
 * ```
 */
export function classifyError(error: unknown): FailureKind {
  if (error instanceof NetError) return error.kind;
  // A Unix socket path with no file behind it: nobody listens there either.
  if (
    error instanceof Deno.errors.ConnectionRefused ||
    error instanceof Deno.errors.NotFound
  ) return "refused";
  if (error instanceof TlsError || isTlsFailure(error)) return "tls";
  if (
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.BrokenPipe
  ) return "reset";
  if (error instanceof Deno.errors.TimedOut) return "timeout";
  if (error instanceof Deno.errors.AddrInUse) return "address-in-use";
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return "address-unavailable";
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return "permission-denied";
  }
  if (error instanceof Deno.errors.NotCapable) return "permission-denied";
  const message = errorMessage(error);
  if (/lookup address|Name or service not known|nodename/i.test(message)) {
    return "host-not-found";
  }
  if (/too many open files|os error 24/i.test(message)) {
    return "too-many-open-files";
  }
  return "other";
}

/**
 * A failed TLS handshake, raised where the handshake is known to be under
 * way so that its message can say so; the cause is the runtime's error.
 *
 * @example
 * ```ts
 * import { TlsError } from "./errors.ts";
 * new TlsError(new Deno.errors.InvalidData("invalid peer certificate: UnknownIssuer"));
 * ```
 */
export class TlsError extends Error {
  /** Wraps the runtime's handshake error. */
  constructor(cause: unknown) {
    super(errorMessage(cause), { cause });
    this.name = "TlsError";
  }
}

/**
 * Tells whether an error from reading or writing a TLS connection is the
 * handshake failing (a certificate rejected, an alert, a peer that does not
 * speak TLS) rather than the stream breaking later.
 */
function isTlsFailure(error: unknown): boolean {
  return error instanceof Deno.errors.InvalidData &&
    /certificate|alert|corrupt|handshake|incompatible|misbehaved|InvalidContentType|InvalidMessage|message/i
      .test(error.message);
}

/** Where a failure happened, for {@linkcode toNetError}'s message. */
export interface FailureContext {
  /** The remote or local address involved, as `HOST:PORT`. */
  address: string;
  /** The host name as the user typed it, for lookup failures. */
  host?: string;
  /** What the program was doing, e.g. "before replying". */
  during?: string;
  /**
   * True once bytes have crossed the connection, so a TLS failure is not
   * its handshake's (which Deno may run inside the first read). Default
   * false.
   */
  established?: boolean;
}

/**
 * The grant a NotCapable error lacks, as Deno's own message names it
 * (`Requires net access to "unix:/tmp/x.sock", ...`): a Unix socket needs
 * read, write and net, and Deno asks for them one at a time, so the address
 * alone cannot tell which is missing.
 */
function missingGrant(message: string, address: string): string {
  const named = /\bRequires (\w+) access\b/.exec(message)?.[1];
  const unix = address.startsWith("unix:");
  const all = "--allow-read, --allow-write and --allow-net";
  if (named === undefined) return unix ? all : "--allow-net";
  // Deno asks for a Unix socket's grants one at a time: naming all three
  // spares the learner two more failed runs.
  return unix
    ? `--allow-${named} (a Unix socket needs ${all})`
    : `--allow-${named}`;
}

/**
 * Converts any error from a socket call into a {@linkcode NetError} whose
 * message names the address and says what happened in plain words.
 *
 * @example
 * ```ts
 * import { toNetError } from "./errors.ts";
 * const error = toNetError(new Deno.errors.ConnectionRefused("x"), {
 *   address: "127.0.0.1:1",
 * });
 * error.message; // "connection to 127.0.0.1:1 refused: no server is listening there"
 * ```
 */
export function toNetError(error: unknown, context: FailureContext): NetError {
  if (error instanceof NetError) return error;
  const kind = classifyError(error);
  const { address } = context;
  const during = context.during ? ` ${context.during}` : "";
  const detail = errorMessage(error);
  const messages: Record<FailureKind, string> = {
    // A Unix socket path with no file at all: most likely a typo in it.
    "refused": error instanceof Deno.errors.NotFound
      ? `connection to ${address} refused: there is no socket file at that path`
      : `connection to ${address} refused: no server is listening there`,
    "reset": `${address} reset the connection${during}`,
    "timeout": `${address} timed out${during}`,
    "host-not-found": `host "${context.host ?? address}" was not found`,
    "address-in-use":
      `${address} is already in use: another program is listening there`,
    "address-unavailable":
      `cannot use ${address}: that address does not belong to this machine`,
    // Deno's own check, not the OS's: `deno run` without the grants meets
    // it (the compiled binary carries them), and so does a Unix socket
    // under /dev, /proc or /sys, which Deno allows only under --allow-all.
    "permission-denied": !(error instanceof Deno.errors.NotCapable)
      ? `permission denied for ${address}`
      : /\bRequires all access\b/.test(detail) && address.startsWith("unix:")
      ? `cannot use ${address}: Deno allows a Unix socket under /dev, /proc or /sys only with --allow-all, which netdemo does not ask for; use a path in another directory, such as /tmp`
      : `Deno's permissions do not allow ${address}: run it with ${
        missingGrant(detail, address)
      }`,
    "too-many-open-files":
      `too many open files for ${address}: the process reached its open-file limit; raise it with 'ulimit -n'`,
    "closed-early": `${address} closed the connection${during}`,
    "mismatch": `${address} returned different bytes${during}`,
    "protocol": `${address} broke the protocol${during}: ${detail}`,
    "tls": context.established
      ? `TLS with ${address} failed${during}: ${
        tlsReason(detail).replace(
          "does not speak TLS",
          "sent bytes that are not TLS records",
        )
      }`
      : `TLS handshake with ${address} failed: ${tlsReason(detail)}`,
    "interrupted": `interrupted${during}`,
    "other": otherReason(address, during, detail),
  };
  return new NetError(kind, messages[kind], { cause: error });
}

// The OS's bare words for the address mistakes that have a plain cause.
function otherReason(address: string, during: string, detail: string): string {
  // A link-local address (fe80::/10) exists once per interface: without
  // one named (fe80::1%eth0) the OS cannot tell which is meant.
  const linkLocal = /^\[fe[89ab][0-9a-f]:[^%]*\]/i.test(address);
  if (linkLocal && /os error 22\b/.test(detail)) {
    return `cannot use ${address}: a link-local address needs its interface after a %, as in fe80::1%eth0 (${detail})`;
  }
  // Deno binds and connects to a relative path made absolute (under
  // explicit grants, as the binary has): a short name in a deep directory
  // is then too long, which Deno's words do not say.
  if (/shorter than SUN_LEN/.test(detail)) {
    return `cannot use ${address}: a Unix socket's path can have at most ${MAX_UNIX_PATH_BYTES} bytes, and this one has more once made absolute from the working directory; use a shorter one (e.g. in /tmp)`;
  }
  if (/os error 101\b/.test(detail)) {
    return `cannot reach ${address}${during}: this machine has no route to that network (${detail})`;
  }
  if (/os error 113\b/.test(detail)) {
    return `cannot reach ${address}${during}: no host answered at that address on its network (${detail})`;
  }
  return `${address}${during}: ${detail}`;
}
