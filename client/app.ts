/**
 * The application lesson's client: one request in the app protocol (see
 * `protocol/app_codec.ts`), one response read and printed, then close.
 *
 * @module
 */

import { checkWhole } from "../protocol/option_checks.ts";
import {
  AppDecoder,
  type AppMessage,
  appRequest,
  DEFAULT_MAX_CONTENT,
  encodeAppMessage,
  fieldText,
  ProtocolError,
  responseResult,
} from "../protocol/app_codec.ts";
import { NetError } from "../protocol/errors.ts";
import type { StreamSocket } from "../protocol/socket.ts";
import { SILENT } from "../output/reporter.ts";
import { escapeBytes, escapeText } from "../output/escape.ts";
import { type ClientOptions, connectClient, tlsAnswerError } from "./common.ts";

/** Options for {@linkcode requestApp}. */
export interface AppClientOptions extends ClientOptions {
  /** The largest response content accepted, in bytes. Default 1 MiB. */
  maxContentLength?: number;
}

/**
 * Sends `ACTION VALUE` as the course's client does, reads the one response
 * and prints it: `Got result: TEXT` for JSON, `Got response: BYTES` for
 * binary (text where printable, `\xNN` elsewhere). A malformed or truncated
 * response rejects with a NetError of kind "protocol".
 *
 * @example
 * ```ts
 * import { requestApp } from "./app.ts";
 * import { serveApp } from "../server/app.ts";
 * const server = serveApp({ port: 0 });
 * const response = await requestApp("search", "port", { port: server.addr.port });
 * response.kind; // "json"
 * await server.close();
 * ```
 */
export async function requestApp(
  action: string,
  value: string,
  options: AppClientOptions = {},
): Promise<AppMessage> {
  checkWhole(options.maxContentLength, "maxContentLength", { min: 0 });
  const reporter = options.reporter ?? SILENT;
  const request = appRequest(action, value);
  const frame = encodeAppMessage(request);
  const socket = await connectClient(options);
  try {
    await socket.writeAll(frame, "while sending the request");
    if (reporter.verbose) {
      reporter.info(
        `Sent ${request.contentType} request (${frame.length} bytes) to ${socket.peer}`,
      );
    }
    const response = await readResponse(socket, options);
    reporter.always(showResponse(response, socket.peer));
    return response;
  } finally {
    socket.close();
  }
}

async function readResponse(
  socket: StreamSocket,
  options: AppClientOptions,
): Promise<AppMessage> {
  const decoder = new AppDecoder({
    maxContentLength: options.maxContentLength ?? DEFAULT_MAX_CONTENT,
  });
  const buffer = new Uint8Array(64 * 1024);
  try {
    while (true) {
      const during = socket.bytesRead === 0
        ? "before responding"
        : "before the response was complete";
      const count = await socket.read(buffer, during);
      if (count === null) {
        if (socket.bytesRead === 0) {
          throw new NetError(
            "closed-early",
            `${socket.peer} closed the connection without responding`,
          );
        }
        // Throws for a response cut short; with nothing pending, the
        // stream ended where no response had begun.
        decoder.end();
        throw new NetError(
          "closed-early",
          `${socket.peer} closed the connection without a whole response`,
        );
      } else {
        if (socket.bytesRead === count) {
          const tls = tlsAnswerError(socket, buffer.subarray(0, count));
          if (tls !== undefined) throw tls;
        }
        const [response] = decoder.push(buffer.subarray(0, count));
        if (response !== undefined) return response;
      }
    }
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    // Well formed, only larger than this side takes: no server's fault.
    if (error.reason === "content-too-long") {
      throw new NetError(
        "protocol",
        `${socket.peer} sent a response larger than this client takes: ${error.message} (--max-content); raise --max-content to take it`,
        { cause: error },
      );
    }
    throw new NetError(
      "protocol",
      `${socket.peer} sent a malformed response: ${error.message}${NOT_APP}`,
      { cause: error },
    );
  }
}

/**
 * What a malformed response usually means for a learner: another lesson's
 * server on that port (an echo server sends the request back, which has
 * no "result").
 */
const NOT_APP = "; is it an app server?";

function showResponse(response: AppMessage, peer: string): string {
  if (response.kind === "binary") {
    return `Got response: ${escapeBytes(response.content)}`;
  }
  const result = responseResult(response.value);
  if (result === undefined) {
    throw new NetError(
      "protocol",
      `${peer} sent a malformed response: the text/json response has no "result"${NOT_APP}`,
    );
  }
  return `Got result: ${escapeText(fieldText(result))}`;
}
