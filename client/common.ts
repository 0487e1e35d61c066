/**
 * What every netdemo client shares: its connection options, and connecting
 * with the line that shows which local port the OS assigned.
 *
 * @module
 */

import {
  type Endpoint,
  endpointOf,
  formatEndpoint,
} from "../protocol/endpoint.ts";
import { NetError } from "../protocol/errors.ts";
import { checkPositive } from "../protocol/option_checks.ts";
import { connectSocket } from "../protocol/dial.ts";
import type { StreamSocket } from "../protocol/socket.ts";
import { type Reporter, SILENT } from "../output/reporter.ts";
import { escapeBytes } from "../output/escape.ts";
import { counted } from "../output/count.ts";
import { plainTlsRecord } from "../protocol/tls_record.ts";

/** Options every client takes. */
export interface ClientOptions {
  /** The server's host. Default `127.0.0.1`. */
  host?: string;
  /** The server's port. Default 65432. */
  port?: number;
  /** TCP, TLS or a Unix socket; wins over `host` and `port`. */
  endpoint?: Endpoint;
  /** Longest wait for connect or any one read or write, in ms. Default: none. */
  timeoutMs?: number;
  /** Aborting stops the client; its promise rejects as "interrupted". */
  signal?: AbortSignal;
  /** Where the client's lines go. Default: nowhere. */
  reporter?: Reporter;
  /**
   * Without `timeoutMs`, after this long still connecting (or waiting for a
   * whole reply, in `client count`) one line on stderr says what the client
   * waits for; it keeps waiting. In ms. Default
   * {@linkcode SILENCE_NOTICE_MS}.
   */
  silenceNoticeMs?: number;
}

/** How long a lesson client waits in silence before saying what it awaits. */
export const SILENCE_NOTICE_MS = 5_000;

/**
 * Waiting for ever is the lessons' way, but not in silence: unless the
 * client has a `timeoutMs`, after `silenceNoticeMs` one line on stderr,
 * made by `line` from the seconds waited, says what it waits for. Returns
 * the timer to clear once the wait is over (undefined when none is set).
 *
 * @example
 * ```ts
 * import { silenceNotice } from "./common.ts";
 * const timer = silenceNotice({}, (seconds) => `No reply after ${seconds} s`);
 * clearTimeout(timer);
 * ```
 */
export function silenceNotice(
  options: ClientOptions,
  line: (seconds: number) => string,
): ReturnType<typeof setTimeout> | undefined {
  if (options.timeoutMs !== undefined) return undefined;
  checkPositive(options.silenceNoticeMs, "silenceNoticeMs");
  const ms = options.silenceNoticeMs ?? SILENCE_NOTICE_MS;
  const reporter = options.reporter ?? SILENT;
  return setTimeout(() => reporter.note(line(ms / 1000)), ms);
}

/**
 * Connects as a client and prints `Connected to SERVER from LOCAL`.
 *
 * @example
 * ```ts
 * import { connectClient } from "./common.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const socket = await connectClient({ port: listener.addr.port });
 * socket.close();
 * listener.close();
 * ```
 */
export async function connectClient(
  options: ClientOptions,
): Promise<StreamSocket> {
  const reporter = options.reporter ?? SILENT;
  const endpoint = endpointOf(options);
  // A TLS handshake waits in the backlog until the server accepts, which a
  // bork server busy with another client does not; a TCP connect there
  // completes at once, so one that waits got no answer at all.
  const notice = silenceNotice(
    options,
    (seconds) =>
      endpoint.transport === "tls"
        ? `Still in the TLS handshake with ${
          formatEndpoint(endpoint)
        } after ${seconds} s; still waiting (is the server busy with another client? Ctrl-C stops)`
        : `Still connecting to ${
          formatEndpoint(endpoint)
        } after ${seconds} s; still waiting (is the address right, and does nothing on the way drop the packets? Ctrl-C stops)`,
  );
  try {
    const socket = await connectSocket(endpoint, {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      reporter,
    });
    reporter.info(`Connected to ${socket.peer} from ${socket.local}`);
    return socket;
  } finally {
    clearTimeout(notice);
  }
}

/** Options for {@linkcode readReply}. */
export interface ReadReplyOptions {
  /** Stop as soon as this says the reply is whole. Default: read to EOF. */
  isComplete?: (received: Uint8Array) => boolean;
  /**
   * The most bytes a reply may have: past it the server is not giving the
   * reply this client waits for, and it is a NetError of kind `protocol`.
   * Default: no limit.
   */
  maxLength?: number;
}

/**
 * Reads a reply however it is chunked: until `isComplete` accepts what has
 * arrived, or to EOF when no test is given. An EOF or reset before the reply
 * is whole is a NetError saying the server stopped before replying.
 *
 * @example
 * ```ts
 * import { connectClient, readReply } from "./common.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const socket = await connectClient({ port: listener.addr.port });
 * const server = await listener.accept();
 * await server.write(new TextEncoder().encode("hi"));
 * await readReply(socket, { isComplete: (bytes) => bytes.length === 2 });
 * server.close();
 * socket.close();
 * listener.close();
 * ```
 */
export async function readReply(
  socket: StreamSocket,
  options: ReadReplyOptions = {},
): Promise<Uint8Array> {
  const { isComplete } = options;
  // A doubling buffer keeps a large reply linear to collect.
  let store = new Uint8Array(64 * 1024);
  let length = 0;
  while (isComplete === undefined || !isComplete(store.subarray(0, length))) {
    if (length === store.length) {
      const larger = new Uint8Array(store.length * 2);
      larger.set(store);
      store = larger;
    }
    // A reset, like a close, says how much of the reply had come.
    const during = length === 0
      ? "before replying"
      : `before the reply was complete (${counted(length, "byte")} received)`;
    const count = await socket.read(store.subarray(length), during);
    if (count === null) {
      // A server that closes without a word has not replied at all.
      if (isComplete === undefined && length > 0) break;
      throw new NetError(
        "closed-early",
        `${socket.peer} closed the connection ${during}${
          length === 0 ? " (0 bytes received)" : ""
        }`,
      );
    }
    length += count;
    // A TLS server's alert is in the first bytes (one record, 7 bytes).
    if (length - count < 5 && length >= 5) {
      const tls = tlsAnswerError(socket, store.subarray(0, length));
      if (tls !== undefined) throw tls;
    }
    if (options.maxLength !== undefined && length > options.maxLength) {
      throw new NetError(
        "protocol",
        `${socket.peer} sent more than ${
          counted(options.maxLength, "byte")
        }, more than a reply to this message can be`,
      );
    }
  }
  return store.slice(0, length);
}

/**
 * Shows received bytes as text, escaped as every printed peer text is (see
 * `output/escape.ts`); one trailing newline is dropped because the line
 * printer adds its own.
 *
 * @example
 * ```ts
 * import { asText } from "./common.ts";
 * asText(new TextEncoder().encode("hi\n")); // "hi"
 * ```
 */
export function asText(bytes: Uint8Array): string {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0a) {
    end--;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
  }
  return escapeBytes(bytes.subarray(0, end));
}

/**
 * The error to give when a plain TCP connection's first bytes from the
 * server are a TLS record: the server speaks TLS and refused what it was
 * sent, so the reply is no reply at all. Undefined when the connection is
 * TLS itself or the bytes are not a TLS record.
 *
 * @example
 * ```ts
 * import { tlsAnswerError } from "./common.ts";
 * // In a client, on the first bytes read:
 * // const error = tlsAnswerError(socket, firstBytes); if (error) throw error;
 * ```
 */
export function tlsAnswerError(
  socket: StreamSocket,
  received: Uint8Array,
): NetError | undefined {
  const record = plainTlsRecord(socket.conn, received);
  if (record === undefined) return undefined;
  return new NetError(
    "tls",
    `${socket.peer} answered with a TLS ${record} record: it is a TLS server, so connect with --tls`,
  );
}
