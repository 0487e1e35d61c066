/**
 * Frames of the app protocol built by hand, and how the codec tests read
 * what the decoder makes of them.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  AppDecoder,
  type AppMessage,
  ProtocolError,
  type ProtocolReason,
} from "../protocol/app_codec.ts";
import { concatBytes } from "../protocol/bytes.ts";

const utf8 = new TextEncoder();

/** Bytes written out by hand: a length prefix, then literal text. */
export function handBuilt(prefix: [number, number], text: string): Uint8Array {
  return concatBytes([new Uint8Array(prefix), utf8.encode(text)]);
}

/** What Python's libclient sends for `search morpheus` (0x67 = 103 header bytes). */
export const PYTHON_SEARCH_REQUEST: Uint8Array = handBuilt(
  [0x00, 0x67],
  '{"byteorder": "little", "content-type": "text/json", "content-encoding": "utf-8", "content-length": 41}' +
    '{"action": "search", "value": "morpheus"}',
);

/** The ProtocolError `action` throws; fails when it throws nothing. */
export function protocolErrorFrom(action: () => unknown): ProtocolError {
  try {
    action();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error("expected a ProtocolError, but nothing was thrown");
}

/** Decodes `bytes` as one whole stream (pushed, then ended). */
export function decodeAll(
  bytes: Uint8Array,
  options = {},
): readonly AppMessage[] {
  const decoder = new AppDecoder(options);
  const messages = decoder.push(bytes);
  decoder.end();
  return messages;
}

/** The ProtocolError decoding `bytes` gives, checked to be for `reason`. */
export function rejection(
  bytes: Uint8Array,
  reason: ProtocolReason,
  options: { maxContentLength?: number } = {},
): ProtocolError {
  let caught: unknown;
  try {
    decodeAll(bytes, options);
  } catch (error) {
    caught = error;
  }
  if (!(caught instanceof ProtocolError)) {
    throw new Error(`expected a ProtocolError (${reason}), got ${caught}`);
  }
  assert.deepEqual(caught.reason, reason, caught.message);
  return caught;
}

/** A frame whose header is `header` (any text) and content `content`. */
export function frameWithHeader(header: string, content = ""): Uint8Array {
  const headerBytes = utf8.encode(header);
  return concatBytes([
    new Uint8Array([headerBytes.length >> 8, headerBytes.length & 0xff]),
    headerBytes,
    utf8.encode(content),
  ]);
}

/** A valid binary header's JSON with `fields` added or replaced. */
export function headerText(fields: Record<string, unknown>): string {
  return JSON.stringify({
    "byteorder": "little",
    "content-type": "binary/custom-client-binary-type",
    "content-encoding": "binary",
    "content-length": 0,
    ...fields,
  });
}
