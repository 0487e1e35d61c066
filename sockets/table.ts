/**
 * Choosing and showing socket records: the `--port` and `--state` filters,
 * the order, and the two outputs of `netdemo sockets` (columns like
 * `netstat -an`, or JSON).
 *
 * @module
 */

import { formatHostPort } from "../protocol/address.ts";
import type { SocketRecord } from "./proc_net.ts";

/** Which sockets to keep; every given condition must hold. */
export interface SocketFilter {
  /** Keep sockets whose local or remote port is this one. */
  port?: number;
  /** Keep sockets in this state (a canonical name, e.g. `TIME_WAIT`). */
  state?: string;
}

/**
 * Keeps the records that match the filter, sorted for reading: IPv4 before
 * IPv6, then by local port, then by remote port.
 *
 * @example
 * ```ts
 * import { selectSockets } from "./table.ts";
 * selectSockets([], { port: 65432, state: "LISTEN" }); // []
 * ```
 */
export function selectSockets(
  records: readonly SocketRecord[],
  filter: SocketFilter = {},
): SocketRecord[] {
  return records
    .filter((record) =>
      (filter.port === undefined || record.localPort === filter.port ||
        record.remotePort === filter.port) &&
      (filter.state === undefined || record.state === filter.state)
    )
    .sort((a, b) =>
      a.protocol.localeCompare(b.protocol) || a.localPort - b.localPort ||
      a.remotePort - b.remotePort ||
      a.localAddress.localeCompare(b.localAddress) ||
      a.remoteAddress.localeCompare(b.remoteAddress)
    );
}

/**
 * Formats one end as `HOST:PORT` (IPv6 in brackets); port 0, meaning "none
 * yet" or "any", shows as `*` the way netstat shows it.
 *
 * @example
 * ```ts
 * import { formatEnd } from "./table.ts";
 * formatEnd("0.0.0.0", 0); // "0.0.0.0:*"
 * ```
 */
export function formatEnd(address: string, port: number): string {
  const host = formatHostPort(address, 0).slice(0, -2);
  return `${host}:${port === 0 ? "*" : port}`;
}

const HEADERS = [
  "Proto",
  "Recv-Q",
  "Send-Q",
  "Local Address",
  "Foreign Address",
  "State",
] as const;

/**
 * Formats records as `netstat -an` columns, header first; one string per
 * line. Recv-Q and Send-Q are the kernel's queues in bytes; for a LISTEN
 * socket Recv-Q counts connections waiting to be accepted.
 *
 * @example
 * ```ts
 * import { formatTable } from "./table.ts";
 * formatTable([]); // ["Proto Recv-Q Send-Q Local Address Foreign Address State"] (padded)
 * ```
 */
export function formatTable(records: readonly SocketRecord[]): string[] {
  const rows = records.map((record) => [
    record.protocol,
    String(record.receiveQueue),
    String(record.sendQueue),
    formatEnd(record.localAddress, record.localPort),
    formatEnd(record.remoteAddress, record.remotePort),
    record.state,
  ]);
  const widths = HEADERS.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => row[column].length))
  );
  // Addresses get at least netstat's width so a short table does not look
  // cramped and columns move less while --watch redraws.
  widths[3] = Math.max(widths[3], 23);
  widths[4] = Math.max(widths[4], 23);
  const numeric = [false, true, true, false, false, false];
  return [[...HEADERS], ...rows].map((row) =>
    row.map((cell, column) =>
      column === row.length - 1
        ? cell
        : numeric[column]
        ? cell.padStart(widths[column])
        : cell.padEnd(widths[column])
    ).join(" ")
  );
}

/**
 * Formats records as one line of JSON: an array of objects with the fields
 * of {@linkcode SocketRecord}.
 *
 * @example
 * ```ts
 * import { formatJson } from "./table.ts";
 * formatJson([]); // "[]"
 * ```
 */
export function formatJson(records: readonly SocketRecord[]): string {
  return JSON.stringify(records);
}
