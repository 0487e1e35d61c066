/**
 * Socket failures as typed errors with one-line explanations, so that the CLI
 * can print a sentence a person understands and tests can assert the kind.
 *
 * @module
 */

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
  | "interrupted"
  | "other";

/**
 * A network failure with its kind and a one-line, user-facing message.
 *
 * @example
 * ```ts
 * import { NetError } from "./errors.ts";
 * throw new NetError("timeout", "no reply from 127.0.0.1:65432 within 2 s");
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
  if (error instanceof Deno.errors.ConnectionRefused) return "refused";
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
  const message = error instanceof Error ? error.message : String(error);
  if (/lookup address|Name or service not known|nodename/i.test(message)) {
    return "host-not-found";
  }
  if (/too many open files|os error 24/i.test(message)) {
    return "too-many-open-files";
  }
  return "other";
}

/** Where a failure happened, for {@linkcode toNetError}'s message. */
export interface FailureContext {
  /** The remote or local address involved, as `HOST:PORT`. */
  address: string;
  /** The host name as the user typed it, for lookup failures. */
  host?: string;
  /** What the program was doing, e.g. "before replying". */
  during?: string;
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
  const detail = error instanceof Error ? error.message : String(error);
  const messages: Record<FailureKind, string> = {
    "refused": `connection to ${address} refused: no server is listening there`,
    "reset": `${address} reset the connection${during}`,
    "timeout": `${address} timed out${during}`,
    "host-not-found": `host "${context.host ?? address}" was not found`,
    "address-in-use":
      `${address} is already in use: another program is listening there`,
    "address-unavailable":
      `cannot use ${address}: that address does not belong to this machine`,
    "permission-denied": `permission denied for ${address}`,
    "too-many-open-files":
      `too many open files (the open-file limit is reached) at ${address}`,
    "closed-early": `${address} closed the connection${during}`,
    "mismatch": `${address} returned different bytes${during}`,
    "protocol": `${address} broke the protocol${during}: ${detail}`,
    "interrupted": `interrupted${during}`,
    "other": `${address}${during}: ${detail}`,
  };
  return new NetError(kind, messages[kind], { cause: error });
}
