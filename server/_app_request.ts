/**
 * The app server's side of a request: reading one off a connection, with
 * read buffers grown only as the budget allows, and the log's words for it.
 *
 * @module
 */

import {
  AppDecoder,
  type AppMessage,
  fieldText,
  requestFields,
} from "../protocol/app_codec.ts";
import type { StreamSocket } from "../protocol/socket.ts";
import { quotedExcerpt } from "../output/excerpt.ts";
import { counted } from "../output/count.ts";
import type { Claim } from "./_budget.ts";
import type { EventLog } from "./_event_log.ts";
import { noteTlsClient } from "./_tls_client_line.ts";

/** A connection's read buffer while its request is small, or none yet. */
const SMALL_READ = 1024;
/** Its read buffer once the request proves to be big, budget allowing. */
const LARGE_READ = 65536;

/** Longest excerpt of a peer's value shown in a log line. */
const LOG_EXCERPT = 60;

/**
 * How much of a value is taken before it is cut to the excerpt: enough
 * past it that the character the cut falls in (an emoji of several code
 * points) arrives whole, and excerpt() can end before it.
 */
const LOG_TAKEN = LOG_EXCERPT + 64;

/** A request read off a connection. */
export interface ReadRequest {
  /** The request. */
  request: AppMessage;
  /**
   * True when more bytes came in the same read (another request, or part
   * of one): one request per connection, so they are never answered.
   */
  followed: boolean;
}

/**
 * Reads until the decoder has a whole request; undefined when the peer
 * closed without one. The claim holds the decoder's buffers and the read
 * buffer's growth.
 *
 * @example
 * ```ts ignore
 * const read = await readRequest(socket, decoder, { claim, log });
 * if (read !== undefined) answer(read.request);
 * ```
 */
export async function readRequest(
  socket: StreamSocket,
  decoder: AppDecoder,
  { claim, log }: { claim: Claim; log: EventLog },
): Promise<ReadRequest | undefined> {
  // Small while idle; larger once a request proves to be big and the
  // budget has room for it.
  let buffer = new Uint8Array(SMALL_READ);
  while (true) {
    const count = await socket.read(buffer, "while reading the request");
    if (count === null) {
      if (socket.bytesRead === 0) {
        log.event(`Connection from ${socket.peer} closed without a request`);
        return undefined;
      }
      decoder.end();
      return undefined;
    }
    const chunk = buffer.subarray(0, count);
    if (socket.bytesRead === count) {
      noteTlsClient(log, { socket, first: chunk });
    }
    const requests = decoder.push(chunk);
    if (requests.length > 0) {
      return {
        request: requests[0],
        followed: requests.length > 1 || decoder.buffered > 0,
      };
    }
    const grown = buffer.length - SMALL_READ;
    claim.shrinkTo(decoder.held + grown);
    if (
      count === buffer.length && grown === 0 &&
      claim.take(LARGE_READ - SMALL_READ)
    ) {
      buffer = new Uint8Array(LARGE_READ);
    }
  }
}

/**
 * A request as the log shows it: its content type (or `text/json`), and
 * bounded, escaped excerpts of what the peer sent.
 *
 * @example
 * ```ts
 * import { describeRequest } from "./_app_request.ts";
 * import { AppDecoder, appRequest, encodeAppMessage } from "../protocol/app_codec.ts";
 * const [request] = new AppDecoder().push(
 *   encodeAppMessage(appRequest("search", "port")),
 * );
 * describeRequest(request); // 'text/json, action "search", value "port"'
 * ```
 */
export function describeRequest(request: AppMessage): string {
  if (request.kind === "binary") {
    // The content type is the peer's text too: quoted, escaped and cut like
    // the rest, so that it cannot pass for the line's own words.
    return `${quotedExcerpt(request.header.contentType, LOG_EXCERPT)}, ${
      counted(request.content.length, "byte")
    } ${quotedExcerpt(request.content, LOG_EXCERPT)}`;
  }
  const { action, value } = requestFields(request.value);
  return `text/json, action ${
    quotedExcerpt(fieldText(action, LOG_TAKEN), LOG_EXCERPT)
  }, value ${quotedExcerpt(fieldText(value, LOG_TAKEN), LOG_EXCERPT)}`;
}
