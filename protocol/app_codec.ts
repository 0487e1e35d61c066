/**
 * The application lesson's wire format, byte-compatible with the course's
 * Python `libclient` / `libserver`: a 2-byte big-endian header length, a
 * UTF-8 JSON header (`byteorder`, `content-type`, `content-encoding`,
 * `content-length`), then the content. This module writes messages; the
 * decoder that reads them is in `app_decoder.ts`, and is exported from
 * here too, so that the format has one entry point for both sides.
 *
 * @module
 */

import { JSON_CONTENT_TYPE, ProtocolError } from "./app_decoder.ts";

export {
  AppDecoder,
  type AppDecoderOptions,
  type AppHeader,
  type AppMessage,
  DEFAULT_MAX_CONTENT,
  JSON_CONTENT_TYPE,
  ProtocolError,
  type ProtocolReason,
} from "./app_decoder.ts";

/** The content type of the client's binary requests. */
export const CLIENT_BINARY_TYPE = "binary/custom-client-binary-type";
/** The content type of the server's binary responses. */
export const SERVER_BINARY_TYPE = "binary/custom-server-binary-type";

/** The header length field is 2 bytes, so no header can be longer. */
export const MAX_HEADER_LENGTH = 0xffff;

/** The byte order this machine reports, as Python's `sys.byteorder` does. */
export const NATIVE_BYTEORDER: "little" | "big" =
  new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? "little" : "big";

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
  // The keys in Python's order, written out directly: this is the hot path.
  const header = textEncoder.encode(
    `{"byteorder": ${
      JSON.stringify(message.byteorder ?? NATIVE_BYTEORDER)
    }, "content-type": ${
      JSON.stringify(message.contentType)
    }, "content-encoding": ${
      JSON.stringify(message.contentEncoding)
    }, "content-length": ${message.content.length}}`,
  );
  if (header.length > MAX_HEADER_LENGTH) {
    throw new ProtocolError(
      "header-too-long",
      `the header is ${header.length} bytes, above the format's limit of ${MAX_HEADER_LENGTH}`,
    );
  }
  const frame = new Uint8Array(2 + header.length + message.content.length);
  frame[0] = header.length >> 8;
  frame[1] = header.length & 0xff;
  frame.set(header, 2);
  frame.set(message.content, 2 + header.length);
  return frame;
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
  return {
    contentType: JSON_CONTENT_TYPE,
    contentEncoding: "utf-8",
    content: textEncoder.encode(pythonJson(value)),
  };
}

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

/**
 * A JSON field as a person reads it: a string as it is, any other value as
 * its JSON text. Both the client's `Got result:` line and the server's
 * replies and log lines show fields this way.
 *
 * @example
 * ```ts
 * import { fieldText } from "./app_codec.ts";
 * fieldText("port"); // "port"
 * fieldText({ a: 1 }); // '{"a":1}'
 * ```
 */
export function fieldText(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    // Too deeply nested to write back: say what it is instead.
    return Array.isArray(value) ? "[...]" : "{...}";
  }
}
