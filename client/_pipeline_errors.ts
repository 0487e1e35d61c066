/**
 * What a pipelined load connection says when the server's answer is not
 * the echo: it closed early, sent more than it was sent, or different
 * bytes. Out of the connection's read path, which runs on every read, to
 * keep that small.
 *
 * @module
 */

import { NetError } from "../protocol/errors.ts";
import type { StreamSocket } from "../protocol/socket.ts";
import { tlsAnswerError } from "./common.ts";

/**
 * The server closed before every byte sent came back: `echoed` of `sent`
 * bytes, or all of them while more was still to be sent.
 *
 * @example
 * ```ts
 * import { closedEarly } from "./_pipeline_errors.ts";
 * closedEarly("127.0.0.1:9", { echoed: 10, sent: 64 }).message;
 * // "127.0.0.1:9 closed the connection after echoing 10 of 64 bytes sent"
 * ```
 */
export function closedEarly(
  peer: string,
  bytes: { echoed: number; sent: number },
): NetError {
  const { echoed, sent } = bytes;
  // Every byte back, but more was to be sent: the server quit first.
  const how = echoed === sent
    ? `before the run was over, after echoing all ${sent} bytes sent`
    : `after echoing ${echoed} of ${sent} bytes sent`;
  return new NetError("closed-early", `${peer} closed the connection ${how}`);
}

/**
 * The server sent bytes with no message in flight, after `echoed` whole
 * echoes.
 *
 * @example
 * ```ts
 * import { extraBytes } from "./_pipeline_errors.ts";
 * extraBytes("127.0.0.1:9", 0).kind; // "mismatch"
 * ```
 */
export function extraBytes(peer: string, echoed: number): NetError {
  return new NetError(
    "mismatch",
    `${peer} sent more bytes than were sent to it (${
      echoed === 0
        ? "before any message was sent"
        : `after the echo of message ${echoed}`
    })`,
  );
}

/**
 * Byte `byte` of message `message` (from 1) came back different. With the
 * connection's `firstBytes`, a TLS server answering plain TCP (or the
 * reverse) is named as such.
 *
 * @example
 * ```ts ignore
 * throw echoMismatch(socket, { byte: 3, message: 1 });
 * ```
 */
export function echoMismatch(
  socket: StreamSocket,
  at: { byte: number; message: number; firstBytes?: Uint8Array },
): NetError {
  const tls = at.firstBytes && tlsAnswerError(socket, at.firstBytes);
  return tls ?? new NetError(
    "mismatch",
    `${socket.peer} returned different bytes than were sent (byte ${at.byte} of message ${at.message})`,
  );
}
