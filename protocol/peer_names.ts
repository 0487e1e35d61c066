/**
 * How a connection's ends are named in what the programs print: an
 * accepted Unix connection, which has no peer address, by the number its
 * listener gave it; a connection this program opened itself also by its
 * local port, since every connection of a client has the same peer.
 *
 * @module
 */

import { formatAddr } from "./address.ts";

/**
 * The connections this program opened itself (through connectSocket). A
 * TLS one has had its handshake done and traced already; and trace lines
 * name it by its local port as well, because its peer is the same server
 * for every connection of a client. Accepted connections are named by
 * their peer.
 */
const dialed = new WeakSet<Deno.Conn>();

/**
 * Accepted Unix connections have no peer name, so their listener numbers
 * them (1, 2, ... per listener) and the StreamSocket shows `unix client N`.
 */
const unixClientNumbers = new WeakMap<Deno.Conn, number>();

// How formatAddr shows a Unix peer without a path.
const UNNAMED = "unix:(unnamed)";

/**
 * Marks `conn` as opened by this program (see {@linkcode isDialed}).
 *
 * @example
 * ```ts ignore
 * markDialed(await Deno.connect({ port }));
 * ```
 */
export function markDialed(conn: Deno.Conn): void {
  dialed.add(conn);
}

/**
 * True for a connection this program opened itself, false for one it
 * accepted.
 *
 * @example
 * ```ts ignore
 * isDialed(conn); // false for a connection a listener accepted
 * ```
 */
export function isDialed(conn: Deno.Conn): boolean {
  return dialed.has(conn);
}

/**
 * Records the number a Unix listener gave the connection it accepted, so
 * that its StreamSocket names the peer `unix client N`.
 *
 * @example
 * ```ts ignore
 * // In a Unix listener's accept:
 * numberUnixClient(conn, ++accepted);
 * ```
 */
export function numberUnixClient(conn: Deno.Conn, number: number): void {
  unixClientNumbers.set(conn, number);
}

/**
 * True for an accepted Unix connection whose client end has no path: the
 * ones a listener numbers (a client bound to a path is named by it).
 *
 * @example
 * ```ts ignore
 * if (isUnnamedUnixClient(conn)) numberUnixClient(conn, ++unnamed);
 * ```
 */
export function isUnnamedUnixClient(conn: Deno.Conn): boolean {
  return formatAddr(conn.remoteAddr) === UNNAMED;
}

/**
 * How an accepted connection's peer is shown: its address, or
 * `unix client N` for a Unix client whose end has no name.
 *
 * @example
 * ```ts ignore
 * peerName(conn); // "127.0.0.1:50000"
 * ```
 */
export function peerName(conn: Deno.Conn): string {
  const peer = formatAddr(conn.remoteAddr);
  return peer === UNNAMED
    ? `unix client ${unixClientNumbers.get(conn) ?? "(unnumbered)"}`
    : peer;
}
