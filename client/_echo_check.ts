/**
 * One connection of the multi-connection lesson: it sends its messages
 * while reading the echo as it comes, then half-closes and reads on until
 * the server closes too, and tells whether it got back exactly what it
 * sent.
 *
 * @module
 */

import { NetError } from "../protocol/errors.ts";
import type { StreamSocket } from "../protocol/socket.ts";
import type { Reporter } from "../output/reporter.ts";
import { quoted } from "../output/escape.ts";
import { incompleteTail } from "../protocol/utf8.ts";
import { concatBytes } from "../protocol/bytes.ts";
import { counted, seconds } from "../output/count.ts";
import { connectionFailure, firstFailure } from "./_many.ts";
import { tlsAnswerError } from "./common.ts";

/** One message of the lesson, as typed and as sent. */
export interface Message {
  /** The message as text, for the lines that show it. */
  text: string;
  /** The message's bytes on the wire. */
  bytes: Uint8Array;
}

/** What {@linkcode EchoCheck} sends and expects. */
export interface EchoCheckOptions {
  /** The messages to send, in order. */
  messages: readonly Message[];
  /** Every message's bytes in a row: the echo expected. */
  expected: Uint8Array;
  /** How long to wait, after the echo and the half-close, for the server's end. */
  endWaitMs: number;
  /** Where the connection's lines go. */
  reporter: Reporter;
}

/**
 * Checks one connection's echo. The socket is the caller's to close.
 *
 * @example
 * ```ts
 * import { EchoCheck } from "./_echo_check.ts";
 * import { connectSocket } from "../protocol/dial.ts";
 * import { SILENT } from "../output/reporter.ts";
 * import { serveEcho } from "../server/echo.ts";
 * const server = serveEcho({ port: 0 });
 * const socket = await connectSocket(server.addr.port);
 * const bytes = new TextEncoder().encode("hi");
 * await new EchoCheck(socket, 1, {
 *   messages: [{ text: "hi", bytes }],
 *   expected: bytes,
 *   endWaitMs: 5000,
 *   reporter: SILENT,
 * }).run(); // undefined: the echo matched
 * socket.close();
 * await server.close();
 * ```
 */
export class EchoCheck {
  #socket: StreamSocket;
  #index: number;
  #options: EchoCheckOptions;
  #seen: NetError[] = [];

  /** Prepares the check of connection number `index` over `socket`. */
  constructor(socket: StreamSocket, index: number, options: EchoCheckOptions) {
    this.#socket = socket;
    this.#index = index;
    this.#options = options;
  }

  /**
   * Runs the exchange; resolves the failure that explains the connection,
   * or undefined when the echo matched and the server closed in time.
   */
  async run(): Promise<NetError | undefined> {
    // Writing and reading run side by side, as a selector-based client
    // does: a large message may echo back before it has all been sent.
    await Promise.all([
      this.#send().catch(this.#stop),
      this.#receive().catch(this.#stop),
    ]);
    if (this.#seen.length === 0) await this.#awaitEnd().catch(this.#stop);
    return firstFailure(this.#seen);
  }

  #stop = (error: unknown): void => {
    this.#seen.push(connectionFailure(error, this.#socket.peer));
    this.#socket.close();
  };

  async #send(): Promise<void> {
    const { messages, reporter } = this.#options;
    for (const message of messages) {
      if (reporter.verbose) {
        reporter.info(
          `Sending ${quoted(message.text)} to connection ${this.#index}`,
        );
      }
      await this.#socket.writeAll(message.bytes, "while sending");
    }
  }

  async #receive(): Promise<void> {
    const { expected, reporter } = this.#options;
    const socket = this.#socket;
    const index = this.#index;
    const buffer = new Uint8Array(Math.max(1, Math.min(expected.length, 4096)));
    // The start of a character cut off at a chunk's end, shown with the next.
    let carried = new Uint8Array(0);
    let received = 0;
    while (received < expected.length) {
      const got = await socket.read(buffer, "while waiting for the echo");
      if (got === null) {
        throw new NetError(
          "closed-early",
          `${socket.peer} closed connection ${index} after echoing ${received} of ${
            counted(expected.length, "byte")
          }`,
        );
      }
      if (reporter.verbose) {
        // As bytes, so that what is not UTF-8 shows as \xNN, as elsewhere.
        const chunk = concatBytes([carried, buffer.subarray(0, got)]);
        const last = received + got >= expected.length;
        const cut = last ? chunk.length : incompleteTail(chunk);
        carried = chunk.slice(cut);
        if (cut > 0) {
          reporter.info(
            `Received ${
              quoted(chunk.subarray(0, cut))
            } from connection ${index}`,
          );
        }
      }
      const wrong = firstDifference(buffer, got, expected, received);
      if (wrong >= 0) {
        const tls = received === 0
          ? tlsAnswerError(socket, buffer.subarray(0, got))
          : undefined;
        if (tls !== undefined) throw tls;
        throw new NetError(
          "mismatch",
          wrong >= expected.length
            ? `${socket.peer} sent more bytes than connection ${index} sent (${
              received + got
            } for ${expected.length})`
            : `${socket.peer} returned different bytes on connection ${index} from its byte ${
              wrong + 1
            } on`,
        );
      }
      received += got;
    }
  }

  // Stopping at the expected length would take "abcEXTRA" for the echo of
  // "abc": the end of the stream is the only proof that nothing follows.
  async #awaitEnd(): Promise<void> {
    const { expected, endWaitMs, reporter } = this.#options;
    const socket = this.#socket;
    const index = this.#index;
    await socket.closeWrite();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.close();
    }, endWaitMs);
    try {
      const buffer = new Uint8Array(256);
      const got = await socket.read(buffer, "while waiting for the end");
      if (got !== null) {
        if (reporter.verbose) {
          reporter.info(
            `Received ${
              quoted(buffer.subarray(0, got))
            } from connection ${index}`,
          );
        }
        throw new NetError(
          "mismatch",
          `${socket.peer} sent more bytes than connection ${index} sent (at least ${
            expected.length + got
          } for ${expected.length})`,
        );
      }
    } catch (error) {
      if (!timedOut) throw error;
      throw new NetError(
        "timeout",
        `${socket.peer} did not close connection ${index} within ${
          seconds(endWaitMs)
        } after echoing it in full`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Where `got` bytes of `buffer` first differ from `expected` at `offset`;
 * -1 when they match. Bytes past the end of `expected` differ.
 */
function firstDifference(
  buffer: Uint8Array,
  got: number,
  expected: Uint8Array,
  offset: number,
): number {
  for (let i = 0; i < got; i++) {
    if (offset + i >= expected.length || buffer[i] !== expected[offset + i]) {
      return offset + i;
    }
  }
  return -1;
}
