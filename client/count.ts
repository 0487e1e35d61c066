/**
 * The first lesson's counting client: one connection, a number at a time,
 * each reply printed, a pause between numbers.
 *
 * @module
 */

import { counted } from "../output/count.ts";
import { sleep } from "../system/timers.ts";
import { checkPositive, checkWhole } from "../protocol/option_checks.ts";
import {
  BORK_SUFFIX,
  isCompleteBorkReply,
  maxBorkReply,
} from "../protocol/bork.ts";
import { NetError } from "../protocol/errors.ts";
import { SILENT } from "../output/reporter.ts";
import {
  asText,
  type ClientOptions,
  connectClient,
  readReply,
  silenceNotice,
} from "./common.ts";

/** Options for {@linkcode runCount}. */
export interface CountOptions extends ClientOptions {
  /** How many numbers to send. Default 5. */
  times?: number;
  /** Pause between numbers (not after the last), in ms. Default 1000. */
  intervalMs?: number;
}

/** How many numbers `client count` sends by default. */
export const DEFAULT_COUNT_TIMES = 5;

/** The default pause between numbers, in ms. */
export const DEFAULT_COUNT_INTERVAL_MS = 1000;

/**
 * Sends the decimal text of `start`, `start + 1`, ... (exact integers of any
 * size) and reads each bork reply in full (however the server chunked it)
 * before the pause; resolves the replies as received.
 *
 * @example
 * ```ts
 * import { runCount } from "./count.ts";
 * import { serveBork } from "../server/bork.ts";
 * const server = serveBork({ port: 0 });
 * await runCount(1, { port: server.addr.port, times: 2, intervalMs: 0 });
 * await server.closed;
 * ```
 */
export async function runCount(
  start: number | bigint,
  options: CountOptions = {},
): Promise<Uint8Array[]> {
  if (typeof start === "number") {
    checkWhole(start, "start", { min: Number.MIN_SAFE_INTEGER });
  }
  checkWhole(options.times, "times", { min: 1 });
  checkPositive(options.intervalMs, "intervalMs", { orZero: true });
  const first = BigInt(start);
  const reporter = options.reporter ?? SILENT;
  const times = options.times ?? DEFAULT_COUNT_TIMES;
  const intervalMs = options.intervalMs ?? DEFAULT_COUNT_INTERVAL_MS;
  const socket = await connectClient(options);
  const replies: Uint8Array[] = [];
  try {
    for (let i = 0; i < times; i++) {
      if (i > 0) await pause(intervalMs, options.signal);
      const text = String(first + BigInt(i));
      const bytes = new TextEncoder().encode(text);
      await socket.writeAll(bytes);
      reporter.info(`Sent ${text}`);
      const readBefore = socket.bytesRead;
      const notice = silenceNotice(options, (seconds) => {
        // An echo server, say, sends back part of what is awaited.
        const got = socket.bytesRead - readBefore;
        const what = got === 0
          ? "No reply"
          : `No complete reply (${counted(got, "byte")} so far)`;
        return `${what} from ${socket.peer} after ${seconds} s; still waiting for "${text}${BORK_SUFFIX}" (is it a bork server, and not busy with another client? Ctrl-C stops)`;
      });
      let reply: Uint8Array;
      try {
        reply = await readReply(socket, {
          isComplete: (received) => isCompleteBorkReply(received, bytes.length),
          maxLength: maxBorkReply(bytes.length),
        });
      } finally {
        clearTimeout(notice);
      }
      replies.push(reply);
      reporter.always(`Received: ${asText(reply)}`);
    }
    return replies;
  } finally {
    socket.close();
  }
}

async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  await sleep(ms, signal);
  if (signal?.aborted) {
    throw new NetError("interrupted", "interrupted while pausing");
  }
}
