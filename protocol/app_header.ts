/**
 * The application lesson's header and message rules: what a received header
 * must hold and what a whole message becomes, with the reasons a peer's bytes
 * are refused, and how a message's JSON fields read as text. The stream
 * decoder (`app_decoder.ts`) applies them to bytes as they arrive.
 *
 * @module
 */

import { quotedExcerpt } from "../output/excerpt.ts";
import { isJsonObject } from "./json_object.ts";

/** Why a message was rejected; tests and logs tell the cases apart by it. */
export type ProtocolReason =
  | "empty-header"
  | "header-too-long"
  | "header-not-utf8"
  | "header-not-json"
  | "header-not-object"
  | "missing-key"
  | "bad-byteorder"
  | "bad-content-type"
  | "bad-content-encoding"
  | "bad-content-length"
  | "content-too-long"
  | "bad-json-encoding"
  | "content-not-utf8"
  | "content-not-json"
  | "bad-request"
  | "truncated"
  | "over-budget"
  | "undecodable";

/**
 * A message that breaks the app protocol, with a sentence saying how.
 *
 * @example
 * ```ts
 * import { ProtocolError } from "./app_header.ts";
 * const error = new ProtocolError("empty-header", "the header length is 0");
 * error.reason; // "empty-header"
 * ```
 */
export class ProtocolError extends Error {
  /** Which rule the message broke. */
  readonly reason: ProtocolReason;

  /** Creates an error for `reason` with a one-line explanation. */
  constructor(reason: ProtocolReason, message: string) {
    super(message);
    this.name = "ProtocolError";
    this.reason = reason;
  }
}

/** The content type of JSON messages (search requests, all responses to them). */
export const JSON_CONTENT_TYPE = "text/json";
/** Default for {@linkcode AppDecoderOptions.maxContentLength}: 1 MiB. */
export const DEFAULT_MAX_CONTENT = 1024 * 1024;

/** A decoded header's required fields. */
export interface AppHeader {
  /** The sender's byte order: `little` or `big`. */
  byteorder: "little" | "big";
  /** E.g. `text/json` or `binary/custom-client-binary-type`. */
  contentType: string;
  /** E.g. `utf-8` or `binary`. */
  contentEncoding: string;
  /** The content's length in bytes. */
  contentLength: number;
}

/** A complete message from {@linkcode AppDecoder}. */
export type AppMessage =
  | {
    /** A `text/json` message; `value` is its parsed content. */
    kind: "json";
    header: AppHeader;
    content: Uint8Array;
    value: unknown;
  }
  | {
    /** Any other content type; the content is opaque bytes. */
    kind: "binary";
    header: AppHeader;
    content: Uint8Array;
  };

// fatal: reject invalid UTF-8 as Python does; ignoreBOM: keep a BOM so that
// JSON parsing rejects it, as Python's json module does.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const REQUIRED_KEYS = [
  "byteorder",
  "content-length",
  "content-type",
  "content-encoding",
] as const;

/**
 * Checks a received header against the format's rules and returns its
 * required fields; anything else throws a {@linkcode ProtocolError} naming
 * the broken rule.
 *
 * @example
 * ```ts
 * import { parseAppHeader } from "./app_header.ts";
 * const header = parseAppHeader(
 *   new TextEncoder().encode(
 *     '{"byteorder": "little", "content-type": "text/json", "content-encoding": "utf-8", "content-length": 2}',
 *   ),
 *   1024,
 * );
 * header.contentLength; // 2
 * ```
 */
export function parseAppHeader(
  bytes: Uint8Array,
  maxContent: number,
): AppHeader {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new ProtocolError("header-not-utf8", "the header is not valid UTF-8");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ProtocolError("header-not-json", "the header is not valid JSON");
  }
  if (!isJsonObject(parsed)) {
    throw new ProtocolError(
      "header-not-object",
      "the header is JSON but not an object",
    );
  }
  const fields = parsed as Record<string, unknown>;
  for (const key of REQUIRED_KEYS) {
    if (!Object.hasOwn(fields, key)) {
      throw new ProtocolError(
        "missing-key",
        `the header has no "${key}" key`,
      );
    }
  }
  const byteorder = fields["byteorder"];
  if (byteorder !== "little" && byteorder !== "big") {
    throw new ProtocolError(
      "bad-byteorder",
      `the header's "byteorder" must be "little" or "big"`,
    );
  }
  const contentType = fields["content-type"];
  if (typeof contentType !== "string") {
    throw new ProtocolError(
      "bad-content-type",
      `the header's "content-type" must be a string`,
    );
  }
  const contentEncoding = fields["content-encoding"];
  if (typeof contentEncoding !== "string") {
    throw new ProtocolError(
      "bad-content-encoding",
      `the header's "content-encoding" must be a string`,
    );
  }
  const contentLength = fields["content-length"];
  if (
    typeof contentLength !== "number" || !Number.isSafeInteger(contentLength) ||
    contentLength < 0
  ) {
    throw new ProtocolError(
      "bad-content-length",
      `the header's "content-length" must be a non-negative integer`,
    );
  }
  if (contentLength > maxContent) {
    throw new ProtocolError(
      "content-too-long",
      `the content-length ${contentLength} is above the limit of ${maxContent} bytes`,
    );
  }
  if (contentType === JSON_CONTENT_TYPE && !isUtf8Name(contentEncoding)) {
    throw new ProtocolError(
      "bad-json-encoding",
      `text/json content must be utf-8 encoded, got ${
        quotedExcerpt(contentEncoding, 40)
      }`,
    );
  }
  return { byteorder, contentType, contentEncoding, contentLength };
}

function isUtf8Name(name: string): boolean {
  // Python's codec lookup accepts these spellings of the same encoding.
  return /^utf[-_]?8$/i.test(name);
}

/**
 * Makes a message of a header and its whole content: `text/json` content must
 * be UTF-8 JSON, any other type is kept as opaque bytes.
 *
 * @example
 * ```ts
 * import { finishAppMessage, parseAppHeader } from "./app_header.ts";
 * const header = parseAppHeader(
 *   new TextEncoder().encode(
 *     '{"byteorder": "little", "content-type": "text/json", "content-encoding": "utf-8", "content-length": 2}',
 *   ),
 *   1024,
 * );
 * finishAppMessage(header, new TextEncoder().encode("{}")).kind; // "json"
 * ```
 */
export function finishAppMessage(
  header: AppHeader,
  content: Uint8Array,
): AppMessage {
  if (header.contentType !== JSON_CONTENT_TYPE) {
    return { kind: "binary", header, content };
  }
  let text: string;
  try {
    text = strictUtf8.decode(content);
  } catch {
    throw new ProtocolError(
      "content-not-utf8",
      "the text/json content is not valid UTF-8",
    );
  }
  try {
    return { kind: "json", header, content, value: JSON.parse(text) };
  } catch {
    throw new ProtocolError(
      "content-not-json",
      "the text/json content is not valid JSON",
    );
  }
}

/**
 * The most characters of a peer's field that the server quotes in a reply
 * (`Error: invalid action "..."`, `No match for "..."`), before `...`: a
 * reply then stays small, however long the field it quotes.
 */
export const REPLY_EXCERPT = 60;

/**
 * A JSON field as a person reads it: a string as it is, any other value as
 * its JSON text. Both the client's `Got result:` line and the server's
 * replies and log lines show fields this way. With a `limit`, only the
 * first `limit` characters of that text, and no more than those are ever
 * built: a field can be far longer as text than as JSON (`1e20` is written
 * back as 21 digits), so its whole text would be a multiple of the request.
 *
 * @example
 * ```ts
 * import { fieldText } from "./app_header.ts";
 * fieldText("port"); // "port"
 * fieldText({ a: 1 }); // '{"a":1}'
 * fieldText([1e20, 1e20], 5); // "[1000"
 * ```
 */
export function fieldText(value: unknown, limit = Infinity): string {
  if (typeof value === "string") return value.slice(0, limit);
  if (limit !== Infinity) return new JsonPrefix(limit).of(value);
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    // Too deeply nested to write back: say what it is instead.
    return Array.isArray(value) ? "[...]" : "{...}";
  }
}

/**
 * A field as the server quotes it in a reply: its first `limit` characters
 * (see {@linkcode fieldText}), then `...` when it has more. A surrogate
 * pair is never cut in half.
 *
 * @example
 * ```ts
 * import { fieldExcerpt } from "./app_header.ts";
 * fieldExcerpt("port"); // "port"
 * fieldExcerpt("x".repeat(100), 3); // "xxx..."
 * ```
 */
export function fieldExcerpt(value: unknown, limit = REPLY_EXCERPT): string {
  const text = fieldText(value, limit + 1);
  if (text.length <= limit) return text;
  const end = isHighSurrogate(text.charCodeAt(limit - 1)) ? limit - 1 : limit;
  return `${text.slice(0, end)}...`;
}

/**
 * Writes the start of a value's `JSON.stringify` text, stopping once it has
 * `limit` characters; every array or object opened adds one, so the depth
 * it recurses to is bounded by the limit too.
 */
class JsonPrefix {
  #limit: number;
  #text = "";

  constructor(limit: number) {
    this.#limit = limit;
  }

  of(value: unknown): string {
    this.#write(value);
    return this.#text.slice(0, this.#limit);
  }

  /** Adds `value`'s JSON text; false once the limit is reached. */
  #write(value: unknown): boolean {
    if (this.#text.length >= this.#limit) return false;
    if (Array.isArray(value)) {
      this.#text += "[";
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.#text += ",";
        if (!this.#write(value[i] ?? null)) return false;
      }
      this.#text += "]";
    } else if (value !== null && typeof value === "object") {
      this.#text += "{";
      let first = true;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined) continue;
        if (!first) this.#text += ",";
        first = false;
        this.#string(key);
        this.#text += ":";
        if (!this.#write(item)) return false;
      }
      this.#text += "}";
    } else if (typeof value === "string") {
      this.#string(value);
    } else {
      this.#text += JSON.stringify(value) ?? "null";
    }
    return this.#text.length < this.#limit;
  }

  /** Adds a string's JSON text, of no more of it than the limit can show. */
  #string(value: string): void {
    const room = this.#limit - this.#text.length;
    this.#text += JSON.stringify(
      value.length > room ? value.slice(0, room) : value,
    );
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
