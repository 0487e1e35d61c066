/**
 * Recognising TLS on a connection that was opened as plain TCP: a TLS
 * server that is sent bytes that are not TLS answers with a TLS alert
 * record and closes, and a client that prints that answer as text or
 * calls it an echo mismatch would hide what went wrong.
 *
 * @module
 */

/** TLS record content types a server sends first: alert, handshake. */
const ALERT = 0x15;
const HANDSHAKE = 0x16;

/** TLS records carry at most 2^14 bytes, plus 2048 of expansion. */
const MAX_RECORD = 16_384 + 2_048;

/**
 * What a TLS record at the start of `bytes` is (`"alert"` or
 * `"handshake"`), judged by its 5-byte header (type, version 3.0 to 3.4,
 * a length a record can have); undefined when the bytes are not one.
 */
function tlsRecordAt(
  bytes: Uint8Array,
): "alert" | "handshake" | undefined {
  if (bytes.length < 5 || bytes[1] !== 3 || bytes[2] > 4) return undefined;
  const length = (bytes[3] << 8) | bytes[4];
  if (length === 0 || length > MAX_RECORD) return undefined;
  return bytes[0] === ALERT
    ? "alert"
    : bytes[0] === HANDSHAKE
    ? "handshake"
    : undefined;
}

/**
 * {@linkcode tlsRecordAt} for the first bytes read on `conn`, when `conn`
 * is plain TCP (or a Unix socket); undefined on a TLS connection, whose
 * bytes are already decrypted, so that a record there is only payload.
 *
 * @example
 * ```ts ignore
 * if (plainTlsRecord(socket.conn, firstBytes) === "alert") refused();
 * ```
 */
export function plainTlsRecord(
  conn: Deno.Conn,
  bytes: Uint8Array,
): "alert" | "handshake" | undefined {
  return "handshake" in conn ? undefined : tlsRecordAt(bytes);
}
