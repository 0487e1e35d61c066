/**
 * A plain TCP server that is sent a TLS ClientHello: the client was started
 * with `--tls` (or is a browser, or `openssl s_client`), and the bytes the
 * log shows escaped mean nothing to a learner until they are named.
 *
 * @module
 */

import { plainTlsRecord } from "../protocol/tls_record.ts";
import type { StreamSocket } from "../protocol/socket.ts";
import type { EventLog } from "./_event_log.ts";

/**
 * Logs one line when `first`, the first bytes a connection brought, is a
 * TLS handshake record on a plain connection; else does nothing.
 *
 * @example
 * ```ts ignore
 * if (socket.bytesRead === count) noteTlsClient(log, { socket, first: chunk });
 * ```
 */
export function noteTlsClient(
  log: EventLog,
  { socket, first }: { socket: StreamSocket; first: Uint8Array },
): void {
  if (plainTlsRecord(socket.conn, first) !== "handshake") return;
  log.event(
    `Connection from ${socket.peer} began with a TLS handshake record: it is a TLS client, and this server speaks plain TCP (serve with --tls-cert and --tls-key to speak TLS to it)`,
  );
}
