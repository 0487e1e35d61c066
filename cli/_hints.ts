/**
 * What to try next, after a runtime error a learner meets first: a
 * refused connection (no server yet, or another port or address), a port
 * another server holds, and TLS spoken to a plain TCP server. The error's
 * own sentence says what happened; the hint, after a semicolon, what
 * usually fixes it.
 *
 * @module
 */

import { NetError } from "../protocol/errors.ts";

/**
 * The hint for `error`, with its leading space, or empty when there is no
 * usual fix to point to.
 *
 * @example
 * ```ts
 * import { runtimeHint } from "./_hints.ts";
 * import { NetError } from "../protocol/errors.ts";
 * runtimeHint(new NetError("refused", "connection to 127.0.0.1:1 refused"));
 * // '; start the server first, and give the host and port its "Listening on" line shows'
 * ```
 */
export function runtimeHint(error: unknown): string {
  if (!(error instanceof NetError)) return "";
  const unix = /\bunix:/.test(error.message);
  switch (error.kind) {
    case "refused":
      return unix
        ? `; start the server first, and give --unix the path that its "Listening on unix:PATH" line shows`
        : '; start the server first, and give the host and port its "Listening on" line shows';
    case "address-in-use":
      // Not for a path held by a file that is no socket: its own words say.
      if (!/ is already in use/.test(error.message)) return "";
      return unix
        ? "; give another path, or stop the server that holds it"
        : "; give another --port, or --port 0 for a free one";
    case "tls":
      // A handshake sent to a plain server is answered with its own bytes
      // (a bork reply, an echo of the ClientHello), which are no TLS.
      return /handshake .* failed: the peer (does not speak TLS|closed the connection mid-handshake)/
          .test(error.message)
        ? "; if it is a plain TCP server, connect without --tls"
        : "";
    default:
      return "";
  }
}
