/**
 * The first lesson's client: connect, send one message in full, read the
 * whole reply, print it.
 *
 * @module
 */

import { SILENT } from "../output/reporter.ts";
import { quoted } from "../output/escape.ts";
import { maxBorkReply } from "../protocol/bork.ts";
import {
  asText,
  type ClientOptions,
  connectClient,
  readReply,
} from "./common.ts";

/** The lesson's message. */
export const DEFAULT_HELLO_MESSAGE = "Hello, World!";

/** Options for {@linkcode runHello}. */
export interface HelloOptions extends ClientOptions {
  /** The text to send. Default `Hello, World!`. */
  message?: string;
}

/** What {@linkcode runHello} saw. */
export interface HelloResult {
  /** The local `HOST:PORT` the OS assigned. */
  local: string;
  /** The reply exactly as received. */
  reply: Uint8Array;
}

/**
 * Sends the message, half-closes (so the server knows it has everything),
 * and reads the reply until the server closes, however it is chunked.
 *
 * @example
 * ```ts
 * import { runHello } from "./hello.ts";
 * import { serveBork } from "../server/bork.ts";
 * const server = serveBork({ port: 0 });
 * const result = await runHello({ port: server.addr.port });
 * await server.closed;
 * ```
 */
export async function runHello(
  options: HelloOptions = {},
): Promise<HelloResult> {
  const reporter = options.reporter ?? SILENT;
  const message = options.message ?? DEFAULT_HELLO_MESSAGE;
  if (message === "") {
    // Nothing sent would be answered by nothing: say so rather than wait.
    throw new RangeError("message must not be empty");
  }
  const socket = await connectClient(options);
  try {
    const bytes = new TextEncoder().encode(message);
    await socket.writeAll(bytes);
    reporter.info(`Sent ${quoted(message)}`);
    await socket.closeWrite();
    const reply = await readReply(socket, {
      maxLength: maxBorkReply(bytes.length),
    });
    reporter.always(`Received: ${asText(reply)}`);
    return { local: socket.local, reply };
  } finally {
    socket.close();
  }
}
