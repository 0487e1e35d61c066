/**
 * Reading Linux's socket tables, `/proc/net/tcp` and `/proc/net/tcp6`, into
 * records: pure functions on the text, so they can be tested on fixed lines.
 *
 * One line of the file describes one socket:
 *
 * ```text
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
 *    0: 0100007F:FF98 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 ...
 * ```
 *
 * The kernel prints each address as the raw 32-bit words it stores in
 * network byte order, formatted with `%08X` in the CPU's own byte order. On a
 * little-endian CPU (x86, arm64 and nearly every machine Linux runs on) the
 * bytes therefore come out reversed: `0100007F` is 127.0.0.1. An IPv6 address
 * is four such words, each reversed on its own. Ports, in contrast, are
 * converted to host order first, so `FF98` is simply port 65432. The decoders
 * below take the byte order as an option and default to this machine's,
 * which is the order of the kernel that wrote the file.
 *
 * @module
 */

import { HOST_BYTE_ORDER } from "../system/byte_order.ts";
import { NetError } from "../protocol/errors.ts";

/** Which table a record came from: `tcp` (IPv4) or `tcp6` (IPv6). */
export type TcpProtocol = "tcp" | "tcp6";

/**
 * The kernel's TCP states, in the order of their codes: index 0 is code 01
 * (ESTABLISHED), index 11 is code 0C (NEW_SYN_RECV). Names as `netstat`
 * prints them.
 */
export const TCP_STATES: readonly string[] = [
  "ESTABLISHED",
  "SYN_SENT",
  "SYN_RECV",
  "FIN_WAIT1",
  "FIN_WAIT2",
  "TIME_WAIT",
  "CLOSE",
  "CLOSE_WAIT",
  "LAST_ACK",
  "LISTEN",
  "CLOSING",
  "NEW_SYN_RECV",
];

/** One TCP socket as the kernel lists it. */
export interface SocketRecord {
  /** `tcp` for IPv4, `tcp6` for IPv6 (which includes IPv4-mapped peers). */
  protocol: TcpProtocol;
  /** This end's address, e.g. `127.0.0.1`, `::1` or `::ffff:127.0.0.1`. */
  localAddress: string;
  /** This end's port; 0 when not bound yet. */
  localPort: number;
  /** The other end's address; all zeros when there is none (LISTEN). */
  remoteAddress: string;
  /** The other end's port; 0 when there is none (LISTEN). */
  remotePort: number;
  /** The state's name, e.g. `LISTEN`; `UNKNOWN(0D)` for a code this program does not know. */
  state: string;
  /**
   * Netstat's Recv-Q: bytes received but not yet read by the program. For a
   * LISTEN socket, the connections that completed the handshake and wait to
   * be accepted.
   */
  receiveQueue: number;
  /**
   * Netstat's Send-Q: bytes sent but not yet acknowledged by the peer. Always
   * 0 for a LISTEN socket (/proc does not show the backlog limit).
   */
  sendQueue: number;
  /**
   * The user id that owns the socket; 0 for TIME_WAIT entries too, which
   * the kernel keeps without an owner (0 there is not root).
   */
  uid: number;
  /** The socket's inode number (0 for TIME_WAIT entries, which have no file). */
  inode: number;
}

/** Options for the decoders. */
export interface ByteOrderOptions {
  /**
   * The byte order of the kernel that wrote the text. Default: this
   * machine's (little-endian on x86 and arm64).
   */
  littleEndian?: boolean;
}

/** True when this machine stores numbers little-endian, as x86 and arm64 do. */
const HOST_LITTLE_ENDIAN: boolean = HOST_BYTE_ORDER === "little";

/**
 * Names a state code as printed in the `st` column (`0A` → `LISTEN`).
 *
 * @example
 * ```ts
 * import { stateName } from "./proc_net.ts";
 * stateName("06"); // "TIME_WAIT"
 * ```
 */
export function stateName(code: string): string {
  const value = /^[0-9A-Fa-f]{1,2}$/.test(code) ? parseInt(code, 16) : NaN;
  return TCP_STATES[value - 1] ??
    `UNKNOWN(${code.toUpperCase().padStart(2, "0")})`;
}

/**
 * Reads a state as a person may type it: any case, `-` or `_` or nothing
 * between the words (`time_wait`, `TIME-WAIT`, `fin-wait-1`). Returns the
 * canonical name, or undefined when no state has that name.
 *
 * @example
 * ```ts
 * import { parseStateName } from "./proc_net.ts";
 * parseStateName("time-wait"); // "TIME_WAIT"
 * ```
 */
export function parseStateName(text: string): string | undefined {
  const key = squash(text);
  if (key === "") return undefined;
  return TCP_STATES.find((name) => squash(name) === key);
}

function squash(text: string): string {
  return text.toUpperCase().replace(/[\s_-]/g, "");
}

/**
 * Decodes one 8-hex-digit word of /proc into its four bytes in network
 * order, undoing the byte order the kernel printed it in.
 */
function wordBytes(hex: string, littleEndian: boolean): number[] {
  const value = parseInt(hex, 16);
  const view = new DataView(new ArrayBuffer(4));
  // The kernel printed the in-memory word as a number; writing the number
  // back in the same byte order restores the bytes as they were in memory,
  // which is network order.
  view.setUint32(0, value, littleEndian);
  return [
    view.getUint8(0),
    view.getUint8(1),
    view.getUint8(2),
    view.getUint8(3),
  ];
}

/**
 * Decodes an IPv4 address as /proc prints it (8 hex digits, host byte order).
 *
 * @example
 * ```ts
 * import { decodeIpv4 } from "./proc_net.ts";
 * decodeIpv4("0100007F", { littleEndian: true }); // "127.0.0.1"
 * ```
 */
export function decodeIpv4(
  hex: string,
  options: ByteOrderOptions = {},
): string {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) {
    throw new NetError(
      "protocol",
      `an IPv4 address in /proc/net/tcp must be 8 hex digits, got "${hex}"`,
    );
  }
  return wordBytes(hex, options.littleEndian ?? HOST_LITTLE_ENDIAN).join(".");
}

/**
 * Decodes an IPv6 address as /proc prints it (32 hex digits: four 32-bit
 * words, each in host byte order) into its usual short text form, with
 * IPv4-mapped addresses shown as `::ffff:127.0.0.1`.
 *
 * @example
 * ```ts
 * import { decodeIpv6 } from "./proc_net.ts";
 * decodeIpv6("00000000000000000000000001000000", { littleEndian: true }); // "::1"
 * ```
 */
export function decodeIpv6(
  hex: string,
  options: ByteOrderOptions = {},
): string {
  if (!/^[0-9A-Fa-f]{32}$/.test(hex)) {
    throw new NetError(
      "protocol",
      `an IPv6 address in /proc/net/tcp6 must be 32 hex digits, got "${hex}"`,
    );
  }
  const littleEndian = options.littleEndian ?? HOST_LITTLE_ENDIAN;
  const bytes: number[] = [];
  for (let word = 0; word < 4; word++) {
    bytes.push(...wordBytes(hex.slice(word * 8, word * 8 + 8), littleEndian));
  }
  return formatIpv6(bytes);
}

/** Formats 16 bytes the way RFC 5952 recommends (lowercase, `::` once). */
function formatIpv6(bytes: number[]): string {
  const mapped = bytes.slice(0, 10).every((byte) => byte === 0) &&
    bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return `::ffff:${bytes.slice(12).join(".")}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes[i] * 256 + bytes[i + 1]);
  // The longest run of two or more zero groups becomes "::" (the first one
  // when two runs are as long).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const text = groups.map((group) => group.toString(16));
  if (bestStart < 0) return text.join(":");
  const head = text.slice(0, bestStart).join(":");
  const tail = text.slice(bestStart + bestLength).join(":");
  return `${head}::${tail}`;
}

/**
 * Parses one line of /proc/net/tcp or /proc/net/tcp6. Returns null for the
 * header line and blank lines; throws a NetError for a line it cannot read.
 *
 * @example
 * ```ts
 * import { parseProcNetLine } from "./proc_net.ts";
 * const record = parseProcNetLine(
 *   "   0: 0100007F:FF98 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0",
 *   "tcp",
 *   { littleEndian: true },
 * );
 * record?.state; // "LISTEN"
 * ```
 */
export function parseProcNetLine(
  line: string,
  protocol: TcpProtocol,
  options: ByteOrderOptions = {},
): SocketRecord | null {
  const fields = line.trim().split(/\s+/);
  if (fields[0] === "" || fields[0] === "sl") return null;
  const [, local, remote, state, queues, , , uid, , inode] = fields;
  const file = protocol === "tcp" ? "/proc/net/tcp" : "/proc/net/tcp6";
  const addressPattern = protocol === "tcp"
    ? /^[0-9A-Fa-f]{8}:[0-9A-Fa-f]{4}$/
    : /^[0-9A-Fa-f]{32}:[0-9A-Fa-f]{4}$/;
  if (
    fields.length < 10 || !addressPattern.test(local) ||
    !addressPattern.test(remote) || !/^[0-9A-Fa-f]{2}$/.test(state) ||
    !/^[0-9A-Fa-f]{8}:[0-9A-Fa-f]{8}$/.test(queues) ||
    !/^\d+$/.test(uid) || !/^\d+$/.test(inode)
  ) {
    throw new NetError(
      "protocol",
      `a line of ${file} is not in the format this program reads: "${line.trim()}"`,
    );
  }
  const decode = protocol === "tcp" ? decodeIpv4 : decodeIpv6;
  const [localHex, localPort] = local.split(":");
  const [remoteHex, remotePort] = remote.split(":");
  const [sendQueue, receiveQueue] = queues.split(":");
  return {
    protocol,
    localAddress: decode(localHex, options),
    localPort: parseInt(localPort, 16),
    remoteAddress: decode(remoteHex, options),
    remotePort: parseInt(remotePort, 16),
    state: stateName(state),
    receiveQueue: parseInt(receiveQueue, 16),
    sendQueue: parseInt(sendQueue, 16),
    uid: Number(uid),
    inode: Number(inode),
  };
}

/**
 * Parses the whole text of /proc/net/tcp or /proc/net/tcp6, header included.
 *
 * @example
 * ```ts
 * import { parseProcNet } from "./proc_net.ts";
 * parseProcNet("  sl  local_address rem_address   st\n", "tcp"); // []
 * ```
 */
export function parseProcNet(
  text: string,
  protocol: TcpProtocol,
  options: ByteOrderOptions = {},
): SocketRecord[] {
  const records: SocketRecord[] = [];
  for (const line of text.split("\n")) {
    const record = parseProcNetLine(line, protocol, options);
    if (record !== null) records.push(record);
  }
  return records;
}
