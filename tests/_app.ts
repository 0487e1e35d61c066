/**
 * Helpers shared by the app lesson's tests.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { AppMessage } from "../protocol/app_codec.ts";

/** The app server may reset a peer it rejects: for these reads that is EOF. */
export const RESET_IS_END = { resetIsEnd: true };

/** The `result` of a JSON response; fails the test for any other kind. */
export function resultOf(message: AppMessage): unknown {
  assert.equal(message.kind, "json");
  return message.kind === "json"
    ? (message.value as Record<string, unknown>).result
    : undefined;
}
