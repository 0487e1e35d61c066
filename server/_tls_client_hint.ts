/**
 * A plain TCP server that is sent a TLS ClientHello: the client was started
 * with `--tls` (or is a browser, or `openssl s_client`), and the bytes the
 * log shows escaped mean nothing to a learner until they are named.
 *
 * @module
 */

import { tlsRecordAt } from "../protocol/tls_record.ts";
import type { StreamSocket } from "../protocol/socket.ts";

/**
 * The log line for a connection whose first bytes, `first`, are a TLS
 * handshake record on a plain TCP connection; undefined for anything else.
 *
 * @example
 * ```ts ignore
 * const line = tlsClientLine(socket, firstChunk);
 * if (line !== undefined) log.event(line);
 * ```
 */
export function tlsClientLine(
  socket: StreamSocket,
  first: Uint8Array,
): string | undefined {
  // Over TLS the bytes are already decrypted: a record there is payload.
  if ("handshake" in socket.conn) return undefined;
  if (tlsRecordAt(first) !== "handshake") return undefined;
  return `${socket.peer} sent a TLS handshake record: it is a TLS client, and this server speaks plain TCP (serve with --tls-cert and --tls-key to speak TLS to it)`;
}
