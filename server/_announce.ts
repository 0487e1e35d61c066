/**
 * A server's first line, `Listening on ADDRESS`, printed as soon as its
 * listener is bound, whatever the transport.
 *
 * @module
 */

import { formatAddr } from "../protocol/address.ts";
import type { Reporter } from "../output/reporter.ts";

/**
 * Prints `Listening on ADDRESS` for a listener just bound. A server that
 * cannot print its first line (stdout on a full disk) does not go on
 * listening: the listener is closed, a Unix one's socket file with it, and
 * the write's error is thrown.
 */
export function announceOrClose(
  listener: Deno.Listener,
  reporter: Reporter,
): void {
  const address = formatAddr(listener.addr);
  try {
    // The socket step first, as every other trace line comes before what
    // it leads to.
    reporter.trace(`listen on ${address}`);
    reporter.always(`Listening on ${address}`);
  } catch (error) {
    listener.close();
    throw error;
  }
}
