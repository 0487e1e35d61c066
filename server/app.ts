/**
 * The application lesson's server: one request per connection in the app
 * protocol (see `protocol/app_codec.ts`), answered from a search table, then
 * the connection is closed. Built on the shared concurrent accept loop.
 *
 * A peer cannot hurt it: a malformed request closes that connection only, a
 * content above the limit is refused before any of it is kept, a request
 * that does not arrive in full within the request deadline is cut off, however
 * slowly its bytes trickle in, and what all unfinished requests together hold
 * (a request's buffers while it arrives, then its response until written)
 * stays within one server-wide budget, however many peers send them and
 * leave their responses unread. A reply quotes a bounded excerpt of a
 * peer's field, so no response is a multiple of its request.
 *
 * @module
 */

import { checkPositive, checkWhole } from "../protocol/option_checks.ts";
import {
  AppDecoder,
  type AppMessage,
  type AppMessageInit,
  binaryResponse,
  DEFAULT_MAX_CONTENT,
  encodeAppMessage,
  fieldExcerpt,
  JSON_CONTENT_TYPE,
  ProtocolError,
  requestFields,
  resultFrameLength,
  resultMessage,
} from "../protocol/app_codec.ts";
import { NetError } from "../protocol/errors.ts";
import type { StreamSocket } from "../protocol/socket.ts";
import { type Reporter, SILENT } from "../output/reporter.ts";
import { counted, seconds } from "../output/count.ts";
import { ByteBudget, type Claim } from "./_budget.ts";
import type { EventLog } from "./_event_log.ts";
import { closingNote } from "./_connections.ts";
import {
  type Connection,
  type ConnectionServer,
  type ConnectionServerOptions,
  serveConnections,
} from "./serve.ts";
import { describeRequest, readRequest } from "./_app_request.ts";

/**
 * How long an answered connection is kept, reading and dropping what its
 * peer still sends, while it waits for the peer's end of stream.
 */
const LINGER_MS = 2_000;

/**
 * The built-in search table: a few entries, with non-ASCII and emoji keys
 * and values so that learners see UTF-8 cross the wire intact.
 */
export const DEFAULT_SEARCH_TABLE: ReadonlyMap<string, string> = new Map([
  ["socket", "One end of a two-way connection, named by address and port."],
  ["port", "A 16-bit number that picks one program on a host."],
  ["café", "Un café noir, s'il vous plaît. ☕"],
  ["東京", "日本の首都です。"],
  ["🐢", "🐢 Slow and steady: TCP delivers every byte, in order."],
]);

/** Default for {@linkcode AppServerOptions.requestTimeoutMs}. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The idle timeout `netdemo server app` gives its connections unless told
 * otherwise, in ms (in-process, {@linkcode serveApp} has none by default).
 */
export const DEFAULT_APP_IDLE_TIMEOUT_MS = 30_000;

/** Default for {@linkcode AppServerOptions.maxPendingBytes}: 64 MiB. */
export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;

/** Options for {@linkcode serveApp}. */
export interface AppServerOptions extends ConnectionServerOptions {
  /** What `search` looks up. Default {@linkcode DEFAULT_SEARCH_TABLE}. */
  table?: ReadonlyMap<string, string>;
  /** The largest request content accepted, in bytes. Default 1 MiB. */
  maxContentLength?: number;
  /**
   * Longest time from accepting a connection to having its whole request,
   * in ms; a slower client is cut off. Infinity: never. Default 30000.
   */
  requestTimeoutMs?: number;
  /**
   * Most bytes all unfinished requests together may hold (their buffers,
   * then their responses until written, beyond 4 KiB each). A connection
   * whose request or response would take more is closed with a log line;
   * the requests already held go on. Default 64 MiB.
   */
  maxPendingBytes?: number;
}

/**
 * Makes the response to one decoded request, as the course's server does:
 * `search` looks the value up; another action inside JSON is an error
 * result; a binary request gets its first 10 bytes back. A reply quotes
 * at most 60 characters of the peer's field (`REPLY_EXCERPT`). A JSON
 * request that is not an object throws a {@linkcode ProtocolError}.
 *
 * @example
 * ```ts
 * import { answerRequest, DEFAULT_SEARCH_TABLE } from "./app.ts";
 * import { AppDecoder, appRequest, encodeAppMessage } from "../protocol/app_codec.ts";
 * const [request] = new AppDecoder().push(
 *   encodeAppMessage(appRequest("search", "port")),
 * );
 * answerRequest(request, DEFAULT_SEARCH_TABLE); // a text/json response
 * ```
 */
export function answerRequest(
  request: AppMessage,
  table: ReadonlyMap<string, string>,
): AppMessageInit {
  if (request.kind === "binary") return binaryResponse(request.content);
  return resultMessage(resultFor(request.value, table));
}

/** The `result` that answers a JSON request. */
function resultFor(json: unknown, table: ReadonlyMap<string, string>): string {
  const { action, value } = requestFields(json);
  if (action !== "search") {
    return `Error: invalid action "${fieldExcerpt(action)}".`;
  }
  const answer = typeof value === "string" ? table.get(value) : undefined;
  return answer ?? `No match for "${fieldExcerpt(value)}".`;
}

/** A response to send, its size known before its frame is made. */
interface Reply {
  contentType: string;
  /** The frame's length in bytes. */
  length: number;
  /** Makes the frame. */
  frame(): Uint8Array;
}

/**
 * The reply to `request`. A table's entry can be large, so its frame (and
 * the copies on the way to it) is made only once the budget holds it.
 */
function replyTo(
  request: AppMessage,
  table: ReadonlyMap<string, string>,
): Reply {
  if (request.kind === "binary") {
    const response = binaryResponse(request.content);
    const frame = encodeAppMessage(response);
    const { contentType } = response;
    return { contentType, length: frame.length, frame: () => frame };
  }
  const result = resultFor(request.value, table);
  return {
    contentType: JSON_CONTENT_TYPE,
    length: resultFrameLength(result),
    frame: () => encodeAppMessage(resultMessage(result)),
  };
}

/**
 * Starts the app server. Each connection gets one request read (within the
 * request deadline), one response written, then it is closed.
 *
 * @example
 * ```ts
 * import { serveApp } from "./app.ts";
 * import { requestApp } from "../client/app.ts";
 * const server = serveApp({ port: 0 });
 * await requestApp("search", "port", { port: server.addr.port });
 * await server.close();
 * ```
 */
export function serveApp(options: AppServerOptions = {}): ConnectionServer {
  const requests = new RequestHandler(options);
  return serveConnections(
    { ...options, kind: "app" },
    (connection) => requests.serve(connection),
  );
}

/**
 * The app server's work for one connection, with the settings and the
 * byte budget that every connection shares.
 */
class RequestHandler {
  #reporter: Reporter;
  #table: ReadonlyMap<string, string>;
  #maxContentLength: number;
  #requestTimeoutMs: number;
  #budget: ByteBudget;

  constructor(options: AppServerOptions) {
    checkWhole(options.maxContentLength, "maxContentLength", { min: 0 });
    checkWhole(options.maxPendingBytes, "maxPendingBytes", { min: 0 });
    checkPositive(options.requestTimeoutMs, "requestTimeoutMs", {
      orInfinity: true,
    });
    this.#reporter = options.reporter ?? SILENT;
    this.#table = options.table ?? DEFAULT_SEARCH_TABLE;
    this.#maxContentLength = options.maxContentLength ?? DEFAULT_MAX_CONTENT;
    this.#requestTimeoutMs = options.requestTimeoutMs ??
      DEFAULT_REQUEST_TIMEOUT_MS;
    this.#budget = new ByteBudget(
      options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES,
    );
  }

  /** Reads one request, answers it, and is done with the connection. */
  async serve({ socket, log, settle }: Connection): Promise<void> {
    const claim = this.#budget.claim();
    const decoder: AppDecoder = new AppDecoder({
      maxContentLength: this.#maxContentLength,
      // A part's room takes the place of the part before it, which the
      // decoder has dropped by now (the claim holds that part and the read
      // buffer's growth): a header is not charged again while its content
      // arrives.
      reserve: (bytes) => {
        claim.shrinkTo(claim.held - decoder.held);
        return claim.take(bytes);
      },
    });
    const deadline = new RequestDeadline(this.#requestTimeoutMs, () => {
      socket.close();
      log.event(
        `Cut off ${socket.peer}: no complete request within ${
          seconds(this.#requestTimeoutMs)
        } (--request-timeout), ${counted(socket.bytesRead, "byte")} received${
          closingNote(socket)
        }`,
      );
    });
    try {
      const reply = await this.#reply(socket, decoder, { claim, log });
      deadline.clear();
      if (reply === undefined) return;
      // The request is garbage now (only its reply is left); the reply is
      // held until written, which a peer that never reads puts off until
      // the idle timeout.
      claim.release();
      if (!claim.take(reply.length)) {
        log.event(this.#overBudget(socket, "response", reply.length));
        return;
      }
      await socket.writeAll(reply.frame(), "while sending the response");
      if (this.#reporter.verbose) {
        log.event(
          `Sent ${reply.contentType} response to ${socket.peer} (${reply.length} bytes), closing`,
        );
      }
      // The response is written: its bytes are no longer held, however
      // long the peer takes to end.
      claim.release();
      settle();
      await lingerAfter(socket);
    } catch (error) {
      if (error instanceof ProtocolError) {
        log.event(
          error.reason === "over-budget"
            ? this.#overBudget(socket, "request", socket.bytesRead)
            : `Rejected request from ${socket.peer}: ${error.message}`,
        );
        return;
      }
      if (deadline.passed && error instanceof NetError) return;
      throw error;
    } finally {
      deadline.clear();
      claim.release();
    }
  }

  /**
   * Reads the request and plans its reply, or undefined when the peer
   * closed without a request. Apart, so that the request is out of scope
   * (and garbage) while the reply is written.
   */
  async #reply(
    socket: StreamSocket,
    decoder: AppDecoder,
    { claim, log }: { claim: Claim; log: EventLog },
  ): Promise<Reply | undefined> {
    const read = await readRequest(socket, decoder, { claim, log });
    if (read === undefined) return undefined;
    const { request, followed } = read;
    const reply = replyTo(request, this.#table);
    if (this.#reporter.verbose) {
      log.event(`Request from ${socket.peer}: ${describeRequest(request)}`);
      if (followed) {
        log.event(
          `Request from ${socket.peer} was followed by more bytes, which are read and dropped, not answered: one request per connection`,
        );
      }
    }
    return reply;
  }

  /** The line for a connection closed because its `part` is over budget. */
  #overBudget(
    socket: StreamSocket,
    part: "request" | "response",
    bytes: number,
  ): string {
    const size = part === "request"
      ? `${counted(bytes, "byte")} so far`
      : counted(bytes, "byte");
    return `Closed connection from ${socket.peer}: its ${part} (${size}) would take unfinished requests past ${this.#budget.limit} bytes (--max-pending-bytes)`;
  }
}

/** One connection's request deadline: past it, the connection is cut off. */
class RequestDeadline {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #passed = false;

  /** Starts the clock; `cutOff` runs if `ms` pass before a clear. */
  constructor(ms: number, cutOff: () => void) {
    // An infinite deadline needs no timer (setTimeout would fire at once).
    if (!Number.isFinite(ms)) return;
    this.#timer = setTimeout(() => {
      this.#passed = true;
      cutOff();
    }, ms);
  }

  /** True once the deadline passed and the connection was cut off. */
  get passed(): boolean {
    return this.#passed;
  }

  /** Stops the clock: the request is in (or the connection is over). */
  clear(): void {
    clearTimeout(this.#timer);
  }
}

/**
 * Half-closes an answered connection and reads, dropping them, the bytes
 * its peer still sends, until its end of stream or `LINGER_MS`. A socket
 * closed with bytes unread in its receive queue makes the OS send a reset,
 * which discards the part of the response the peer has not read yet: so a
 * peer that sent more after its request would lose the end of its answer
 * (a web server's lingering close avoids the same).
 */
async function lingerAfter(socket: StreamSocket): Promise<void> {
  const closing = setTimeout(() => socket.close(), LINGER_MS);
  try {
    await socket.closeWrite();
    const sink = new Uint8Array(4096);
    while (await socket.read(sink, "after the response") !== null) {
      // Dropped: one request per connection.
    }
  } catch {
    // A reset, or the close at LINGER_MS: the connection is done either way.
  } finally {
    clearTimeout(closing);
  }
}
