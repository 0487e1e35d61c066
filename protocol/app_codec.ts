/**
 * The application lesson's wire format, byte-compatible with the course's
 * Python `libclient` / `libserver`: a 2-byte big-endian header length, a
 * UTF-8 JSON header (`byteorder`, `content-type`, `content-encoding`,
 * `content-length`), then the content. This module writes messages; the
 * decoder that reads them is in `app_decoder.ts` (its header rules in
 * `app_header.ts`), and both are exported from here too, so that the
 * format has one entry point for both sides.
 *
 * @module
 */

import { HOST_BYTE_ORDER } from "../system/byte_order.ts";
import { JSON_CONTENT_TYPE, ProtocolError } from "./app_header.ts";

export { AppDecoder, type AppDecoderOptions } from "./app_decoder.ts";
export {
  type AppHeader,
  type AppMessage,
  DEFAULT_MAX_CONTENT,
  fieldExcerpt,
  fieldText,
  JSON_CONTENT_TYPE,
  ProtocolError,
  type ProtocolReason,
  REPLY_EXCERPT,
} from "./app_header.ts";
import { isJsonObject } from "./json_object.ts";

/** The content type of the client's binary requests. */
export const CLIENT_BINARY_TYPE = "binary/custom-client-binary-type";
/** The content type of the server's binary responses. */
const SERVER_BINARY_TYPE = "binary/custom-server-binary-type";

/** The header length field is 2 bytes, so no header can be longer. */
const MAX_HEADER_LENGTH = 0xffff;

/** The byte order this machine reports, as Python's `sys.byteorder` does. */
const NATIVE_BYTEORDER: "little" | "big" = HOST_BYTE_ORDER;

/** What {@linkcode encodeAppMessage} needs. */
export interface AppMessageInit {
  /** The content type, e.g. `text/json`. */
  contentType: string;
  /** The content encoding, e.g. `utf-8` or `binary`. */
  contentEncoding: string;
  /** The content bytes. */
  content: Uint8Array;
  /** The byte order to declare. Default: this machine's, as Python does. */
  byteorder?: "little" | "big";
}

const textEncoder = new TextEncoder();

/**
 * Writes a JSON value as Python's `json.dumps(value, ensure_ascii=False)`
 * does: `", "` and `": "` separators, non-ASCII text as is.
 *
 * @example
 * ```ts
 * import { pythonJson } from "./app_codec.ts";
 * pythonJson({ action: "search", value: "ring" });
 * // '{"action": "search", "value": "ring"}'
 * ```
 */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((item) => pythonJson(item ?? null)).join(", ")}]`;
  }
  if (value !== null && typeof value === "object") {
    const fields = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => `${JSON.stringify(key)}: ${pythonJson(item)}`);
    return `{${fields.join(", ")}}`;
  }
  // Strings, integers, booleans and null are written alike by both.
  return JSON.stringify(value) ?? "null";
}

/**
 * Frames one message: header length, JSON header, content. Throws a
 * {@linkcode ProtocolError} if the header would not fit in 65535 bytes.
 *
 * @example
 * ```ts
 * import { encodeAppMessage } from "./app_codec.ts";
 * const bytes = encodeAppMessage({
 *   contentType: "binary/custom-client-binary-type",
 *   contentEncoding: "binary",
 *   content: new TextEncoder().encode("pingvalue"),
 * });
 * ```
 */
export function encodeAppMessage(message: AppMessageInit): Uint8Array {
  const header = encodeHeader(message, message.content.length);
  const frame = new Uint8Array(2 + header.length + message.content.length);
  frame[0] = header.length >> 8;
  frame[1] = header.length & 0xff;
  frame.set(header, 2);
  frame.set(message.content, 2 + header.length);
  return frame;
}

/**
 * The length of the frame {@linkcode encodeAppMessage} would write for a
 * message with `contentLength` bytes of content, found without the
 * content: a server can ask its budget for a response before making it.
 */
function appFrameLength(
  message: Omit<AppMessageInit, "content">,
  contentLength: number,
): number {
  return 2 + encodeHeader(message, contentLength).length + contentLength;
}

function encodeHeader(
  message: Omit<AppMessageInit, "content">,
  contentLength: number,
): Uint8Array {
  // The keys in Python's order, written out directly: this is the hot path.
  const header = textEncoder.encode(
    `{"byteorder": ${
      JSON.stringify(message.byteorder ?? NATIVE_BYTEORDER)
    }, "content-type": ${
      JSON.stringify(message.contentType)
    }, "content-encoding": ${
      JSON.stringify(message.contentEncoding)
    }, "content-length": ${contentLength}}`,
  );
  if (header.length > MAX_HEADER_LENGTH) {
    throw new ProtocolError(
      "header-too-long",
      `the header is ${header.length} bytes, above the format's limit of ${MAX_HEADER_LENGTH}`,
    );
  }
  return header;
}

/**
 * A `text/json` message with `value` as its content, e.g. a response
 * `{"result": ...}`.
 *
 * @example
 * ```ts
 * import { encodeAppMessage, jsonMessage } from "./app_codec.ts";
 * encodeAppMessage(jsonMessage({ result: "ok" }));
 * ```
 */
export function jsonMessage(value: unknown): AppMessageInit {
  return { ...JSON_FIELDS, content: textEncoder.encode(pythonJson(value)) };
}

/** The header fields of every `text/json` message. */
const JSON_FIELDS = {
  contentType: JSON_CONTENT_TYPE,
  contentEncoding: "utf-8",
} as const;

/**
 * The request the course's client sends for `ACTION VALUE`: `search` as
 * JSON `{"action": "search", "value": VALUE}`, any other action as the
 * binary content `ACTION` + `VALUE` in UTF-8.
 *
 * @example
 * ```ts
 * import { appRequest, encodeAppMessage } from "./app_codec.ts";
 * encodeAppMessage(appRequest("search", "morpheus"));
 * ```
 */
export function appRequest(action: string, value: string): AppMessageInit {
  if (action === "search") return jsonMessage({ action, value });
  return {
    contentType: CLIENT_BINARY_TYPE,
    contentEncoding: "binary",
    content: textEncoder.encode(action + value),
  };
}

/** The text before the echoed bytes in the server's binary response. */
export const BINARY_RESPONSE_PREFIX = "First 10 bytes of request: ";

const PREFIX_BYTES = textEncoder.encode(BINARY_RESPONSE_PREFIX);

/**
 * A text/json request's `action` and `value`, each null when absent (own
 * keys only, so `__proto__` or `toString` in the JSON are plain keys).
 * Throws a {@linkcode ProtocolError} when the JSON is not an object.
 *
 * @example
 * ```ts
 * import { requestFields } from "./app_codec.ts";
 * requestFields({ action: "search", value: "port" }).value; // "port"
 * ```
 */
export function requestFields(
  value: unknown,
): { action: unknown; value: unknown } {
  if (!isJsonObject(value)) {
    throw new ProtocolError(
      "bad-request",
      "the text/json request is not a JSON object",
    );
  }
  const fields = value as Record<string, unknown>;
  return {
    action: Object.hasOwn(fields, "action") ? fields.action : null,
    value: Object.hasOwn(fields, "value") ? fields.value : null,
  };
}

/**
 * The server's text/json response: `{"result": RESULT}`.
 *
 * @example
 * ```ts
 * import { encodeAppMessage, resultMessage } from "./app_codec.ts";
 * encodeAppMessage(resultMessage("Follow the white rabbit."));
 * ```
 */
export function resultMessage(result: string): AppMessageInit {
  return jsonMessage({ result });
}

/** The control characters JSON writes with a two-character escape. */
const SHORT_ESCAPES = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

/**
 * The length of the frame {@linkcode encodeAppMessage} writes for
 * `resultMessage(result)`, counted without writing either.
 *
 * @example
 * ```ts
 * import { encodeAppMessage, resultFrameLength, resultMessage } from "./app_codec.ts";
 * resultFrameLength("café") === encodeAppMessage(resultMessage("café")).length; // true
 * ```
 */
export function resultFrameLength(result: string): number {
  return appFrameLength(JSON_FIELDS, resultContentLength(result));
}

/** The length in bytes of {@linkcode resultMessage}'s content. */
function resultContentLength(result: string): number {
  // `{"result": "` and `"}` around the string's JSON escapes, in UTF-8.
  let bytes = 14;
  for (let i = 0; i < result.length; i++) {
    const code = result.charCodeAt(i);
    if (code === 0x22 || code === 0x5c) bytes += 2;
    else if (code < 0x20) bytes += SHORT_ESCAPES.has(code) ? 2 : 6;
    else if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code < 0xd800 || code > 0xdfff) bytes += 3;
    else if (code <= 0xdbff && isLowSurrogate(result.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else {
      // A lone surrogate is written as a \uXXXX escape.
      bytes += 6;
    }
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * The `result` of a text/json response, or undefined when the JSON is not
 * an object holding one (a malformed response).
 *
 * @example
 * ```ts
 * import { responseResult } from "./app_codec.ts";
 * responseResult({ result: "ok" }); // "ok"
 * responseResult([1]); // undefined
 * ```
 */
export function responseResult(value: unknown): unknown {
  if (!isJsonObject(value) || !Object.hasOwn(value, "result")) {
    return undefined;
  }
  return value.result;
}

/**
 * The server's binary response to a binary request: the prefix, then the
 * request's first 10 bytes.
 *
 * @example
 * ```ts
 * import { binaryResponse } from "./app_codec.ts";
 * binaryResponse(new TextEncoder().encode("hello")).contentType;
 * // "binary/custom-server-binary-type"
 * ```
 */
export function binaryResponse(request: Uint8Array): AppMessageInit {
  const first = request.subarray(0, 10);
  const content = new Uint8Array(PREFIX_BYTES.length + first.length);
  content.set(PREFIX_BYTES);
  content.set(first, PREFIX_BYTES.length);
  return {
    contentType: SERVER_BINARY_TYPE,
    contentEncoding: "binary",
    content,
  };
}
