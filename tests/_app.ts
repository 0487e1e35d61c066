/**
 * Helpers shared by the app lesson's tests.
 *
 * @module
 */

import assert from "node:assert/strict";
import { AppDecoder, type AppMessage } from "../protocol/app_codec.ts";
import { serveApp } from "../server/app.ts";
import { connectLocal, readToEnd, writeAll } from "./_net.ts";

/** The app server may reset a peer it rejects: for these reads that is EOF. */
export const RESET_IS_END = { resetIsEnd: true };

/** The `result` of a JSON response; fails the test for any other kind. */
export function resultOf(message: AppMessage): unknown {
  assert.equal(message.kind, "json");
  return message.kind === "json"
    ? (message.value as Record<string, unknown>).result
    : undefined;
}

/** Sends raw bytes (optionally half-closing), returns every byte read back. */
export async function exchangeRaw(
  port: number,
  bytes: Uint8Array,
  options: { halfClose?: boolean } = {},
): Promise<Uint8Array> {
  const conn = await connectLocal(port);
  try {
    await writeAll(conn, bytes);
    if (options.halfClose) await conn.closeWrite();
    return await readToEnd(conn, RESET_IS_END);
  } finally {
    conn.close();
  }
}

/**
 * Runs `body` against an in-process app server on a free port (`options`
 * as `serveApp` takes them, but for the port), and closes the server
 * afterwards whether `body` passed or failed.
 */
export async function withAppServer(
  options: Omit<Parameters<typeof serveApp>[0], "port">,
  body: (port: number) => Promise<void>,
): Promise<void> {
  const server = serveApp({ port: 0, ...options });
  try {
    await body(server.addr.port);
  } finally {
    await server.close();
  }
}

/** The one message in `bytes`; fails the test for none or several. */
export function decodeOne(bytes: Uint8Array): AppMessage {
  const messages = new AppDecoder().push(bytes);
  assert.equal(
    messages.length,
    1,
    `expected one message in ${bytes.length} bytes`,
  );
  return messages[0];
}
