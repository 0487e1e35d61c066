/**
 * What a failed call on a stream connection means, in one
 * {@linkcode NetError}: a timeout, an interruption, a connection closed
 * under the call, an accepted TLS peer that left mid-handshake, or what
 * the OS said. No socket here: the socket wrapper supplies the facts.
 *
 * @module
 */

import { NetError, toNetError } from "./errors.ts";
import { seconds } from "../output/count.ts";

/** What the socket knew when its call failed. */
export interface FailureFacts {
  /** The peer's name. */
  peer: string;
  /** What the call was doing: `while sending`. */
  during: string;
  /** Set when the per-wait timeout fired: its length, in ms. */
  timeoutMs?: number;
  /** True when the run's signal aborted. */
  aborted: boolean;
  /** True for an accepted TLS connection whose handshake had not ended. */
  handshakeCut: boolean;
  /** True once any byte crossed. */
  established: boolean;
}

/**
 * The error for a failed call, from the runtime's `error` and the facts.
 *
 * @example
 * ```ts
 * import { socketFailure } from "./socket_failure.ts";
 * socketFailure(new Deno.errors.ConnectionReset("os error 104"), {
 *   peer: "127.0.0.1:7", during: "while reading", aborted: false,
 *   handshakeCut: false, established: true,
 * }).kind; // "reset"
 * ```
 */
export function socketFailure(error: unknown, facts: FailureFacts): NetError {
  const { peer, during } = facts;
  if (facts.timeoutMs !== undefined) {
    return new NetError(
      "timeout",
      `${peer} made no progress for ${
        seconds(facts.timeoutMs)
      } (--timeout) ${during}`,
      { cause: error },
    );
  }
  if (facts.aborted) {
    return new NetError("interrupted", `interrupted ${during}`, {
      cause: error,
    });
  }
  if (
    error instanceof Deno.errors.BadResource ||
    error instanceof Deno.errors.Interrupted
  ) {
    return new NetError(
      "closed-early",
      `connection to ${peer} was closed ${during}`,
      { cause: error },
    );
  }
  if (error instanceof Deno.errors.UnexpectedEof && facts.handshakeCut) {
    return new NetError(
      "tls",
      `TLS handshake with ${peer} failed: the peer closed the connection before the handshake ended`,
      { cause: error },
    );
  }
  return toNetError(error, {
    address: peer,
    during,
    established: facts.established,
  });
}

/**
 * True for a TLS peer's end of stream without a close_notify alert, which
 * many peers (Deno's own close() among them) send: like most TLS tools,
 * the socket reads it as EOF.
 *
 * @example
 * ```ts
 * import { isEndWithoutCloseNotify } from "./socket_failure.ts";
 * isEndWithoutCloseNotify(new Error("x")); // false
 * ```
 */
export function isEndWithoutCloseNotify(error: unknown): boolean {
  return error instanceof Deno.errors.UnexpectedEof &&
    /close_notify/.test(error.message);
}
