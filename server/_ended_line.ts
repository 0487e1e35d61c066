/**
 * The log line for a connection that ended on an error. The error's words
 * are shared with the clients, where naming the server's address matters;
 * in a server's line the peer is already named once, at its start.
 *
 * @module
 */

/**
 * `Connection from PEER ended: ...`, with the peer's address taken out of
 * the error's own words.
 *
 * @example
 * ```ts
 * import { endedLine } from "./_ended_line.ts";
 * endedLine("127.0.0.1:5000", "127.0.0.1:5000 reset the connection while reading");
 * // "Connection from 127.0.0.1:5000 ended: the client reset the connection while reading"
 * ```
 */
export function endedLine(peer: string, message: string): string {
  const said = message.startsWith(`${peer} `)
    ? `the client ${message.slice(peer.length + 1)}`
    : message.replace(` with ${peer}`, "");
  return `Connection from ${peer} ended: ${said}`;
}
