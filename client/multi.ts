/**
 * The multi-connection lesson's client: it opens several connections at
 * once, sends each one's messages while reading the echoes as they come,
 * and checks that every connection got back exactly what it sent.
 *
 * @module
 */

import { endpointOf, formatEndpoint } from "../protocol/endpoint.ts";
import { concatBytes } from "../protocol/bytes.ts";
import { NetError } from "../protocol/errors.ts";
import { connectSocket, type Socket } from "../protocol/socket.ts";
import { SILENT } from "../output/reporter.ts";
import { quoted } from "../output/escape.ts";
import { counted } from "../output/count.ts";
import type { ClientOptions } from "./common.ts";
import {
  checkOpenFileLimit,
  connectionFailure,
  FailureTally,
  firstFailure,
  Gate,
  MAX_CONNECTS_IN_FLIGHT,
  openFileLimitError,
} from "./_many.ts";

/** The lesson's messages, sent on every connection. */
export const DEFAULT_MULTI_MESSAGES: readonly string[] = [
  "Message 1 from client.",
  "Message 2 from client.",
];

/** The lesson's number of connections. */
export const DEFAULT_MULTI_CONNECTIONS = 2;

/**
 * How long a connection waits, after its whole echo and its half-close, for
 * the server to close in turn (unless a --timeout says otherwise), in ms.
 */
export const END_WAIT_MS = 5_000;

/** Options for {@linkcode runMulti}. */
export interface MultiOptions extends ClientOptions {
  /** How many connections to open at once. Default 2. */
  connections?: number;
  /** The messages each connection sends, in order. Default: the lesson's two. */
  messages?: readonly string[];
}

/** What {@linkcode runMulti} saw. */
export interface MultiResult {
  /** Connections asked for. */
  connections: number;
  /** Connections that got back exactly what they sent. */
  completed: number;
  /** Bytes each connection sends (and expects back). */
  bytesPerConnection: number;
  /** The failures, by kind, with the first one's message. */
  failures: FailureTally;
}

const encoder = new TextEncoder();

/**
 * Opens the connections concurrently (at most 128 connects in flight); each
 * sends its messages in order, each written in full; once as many bytes
 * came back as it sent, it half-closes and reads on until the server closes
 * too, so that bytes beyond the echo are seen. A refused, reset or
 * early-closed connection, one that gets different or extra bytes back, or
 * one the server does not close within 5 s (or the timeout) after the echo,
 * counts as failed with its reason; the others carry on. Rejects only when interrupted or when the
 * open-file limit is too low for the request.
 *
 * @example
 * ```ts
 * import { runMulti } from "./multi.ts";
 * import { serveEcho } from "../server/echo.ts";
 * const server = serveEcho({ port: 0 });
 * const result = await runMulti({ port: server.addr.port, connections: 3 });
 * result.completed; // 3
 * await server.close();
 * ```
 */
export async function runMulti(
  options: MultiOptions = {},
): Promise<MultiResult> {
  const reporter = options.reporter ?? SILENT;
  const endpoint = endpointOf(options);
  const count = options.connections ?? DEFAULT_MULTI_CONNECTIONS;
  const messages = (options.messages ?? DEFAULT_MULTI_MESSAGES).map((text) => ({
    text,
    bytes: encoder.encode(text),
  }));
  const expected = concatBytes(messages.map((message) => message.bytes));
  const address = formatEndpoint(endpoint);
  checkOpenFileLimit(count);

  // One controller stops every connection: on the caller's abort, and when
  // the open-file limit makes the run pointless.
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const gate = new Gate(MAX_CONNECTS_IN_FLIGHT);
  const failures = new FailureTally();
  let completed = 0;
  let limitError: NetError | undefined;

  async function connection(index: number): Promise<void> {
    let socket: Socket;
    try {
      socket = await gate.run(() => {
        if (controller.signal.aborted) {
          throw new NetError("interrupted", "interrupted before connecting");
        }
        reporter.info(`Starting connection ${index} to ${address}`);
        return connectSocket(endpoint, {
          timeoutMs: options.timeoutMs,
          signal: controller.signal,
          reporter,
        });
      });
    } catch (error) {
      const failure = connectionFailure(error, address);
      if (failure.kind === "too-many-open-files") {
        limitError ??= openFileLimitError(count);
        controller.abort();
      } else if (!controller.signal.aborted) {
        fail(index, failure);
      }
      return;
    }
    try {
      const failure = await exchange(index, socket);
      if (controller.signal.aborted) return;
      if (failure) {
        fail(index, failure);
      } else {
        reporter.info(`Closing connection ${index}`);
        completed++;
      }
    } finally {
      socket.close();
    }
  }

  function fail(index: number, failure: NetError): void {
    failures.add(failure);
    reporter.problem(`Connection ${index} failed: ${failure.message}`);
  }

  // Writing and reading run side by side, as a selector-based client does:
  // a large message may echo back before it has all been sent.
  async function exchange(
    index: number,
    socket: Socket,
  ): Promise<NetError | undefined> {
    const seen: NetError[] = [];
    function stop(error: unknown): void {
      seen.push(connectionFailure(error, socket.peer));
      socket.close();
    }
    await Promise.all([
      send(index, socket).catch(stop),
      receive(index, socket).catch(stop),
    ]);
    if (seen.length === 0) await awaitEnd(index, socket).catch(stop);
    return firstFailure(seen);
  }

  // Stopping at the expected length would take "abcEXTRA" for the echo of
  // "abc": the end of the stream is the only proof that nothing follows.
  async function awaitEnd(index: number, socket: Socket): Promise<void> {
    await socket.closeWrite();
    const waitMs = options.timeoutMs ?? END_WAIT_MS;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.close();
    }, waitMs);
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
          waitMs / 1000
        } s after echoing it in full`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async function send(index: number, socket: Socket): Promise<void> {
    for (const message of messages) {
      if (reporter.verbose) {
        reporter.info(
          `Sending ${quoted(message.text)} to connection ${index}`,
        );
      }
      await socket.writeAll(message.bytes, "while sending");
    }
  }

  async function receive(index: number, socket: Socket): Promise<void> {
    const buffer = new Uint8Array(Math.max(1, Math.min(expected.length, 4096)));
    const decoder = new TextDecoder();
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
        const text = decoder.decode(buffer.subarray(0, got), { stream: true });
        reporter.info(
          `Received ${quoted(text)} from connection ${index}`,
        );
      }
      const wrong = firstDifference(buffer, got, expected, received);
      if (wrong >= 0) {
        throw new NetError(
          "mismatch",
          wrong >= expected.length
            ? `${socket.peer} sent more bytes than connection ${index} sent (${
              received + got
            } for ${expected.length})`
            : `${socket.peer} returned different bytes on connection ${index} from byte ${wrong}`,
        );
      }
      received += got;
    }
  }

  try {
    const all: Promise<void>[] = [];
    for (let index = 1; index <= count; index++) all.push(connection(index));
    await Promise.all(all);
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  if (limitError) throw limitError;
  if (options.signal?.aborted) {
    throw new NetError("interrupted", "interrupted while the connections ran");
  }
  return {
    connections: count,
    completed,
    bytesPerConnection: expected.length,
    failures,
  };
}

/**
 * The one-line summary of a run: success, or how many failed and why.
 *
 * @example
 * ```ts
 * import { formatMultiSummary, runMulti } from "./multi.ts";
 * import { serveEcho } from "../server/echo.ts";
 * const server = serveEcho({ port: 0 });
 * formatMultiSummary(await runMulti({ port: server.addr.port }));
 * // "All 2 connections completed; every echo matched (44 bytes each)"
 * await server.close();
 * ```
 */
export function formatMultiSummary(result: MultiResult): string {
  const { connections, failures } = result;
  if (failures.total === 0) {
    const all = connections === 1
      ? "The connection"
      : `All ${connections} connections`;
    return `${all} completed; every echo matched (${
      counted(result.bytesPerConnection, "byte")
    } each)`;
  }
  const noun = connections === 1 ? "connection" : "connections";
  return `${failures.total} of ${connections} ${noun} failed: ${failures.describeWithFirst()}`;
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
