/**
 * What a running server is to its caller: its kind, the summary it prints
 * when it stops, and the handle every `serve*` function returns.
 *
 * @module
 */

import { counted } from "../output/count.ts";

/** Which of netdemo's servers is running: `server bork`, `echo` or `app`. */
export type ServerKind = "bork" | "echo" | "app";

/**
 * How each kind of server names the bytes it sends, in its summary and in
 * its `Last second:` log line: the echo server sends nothing of its own.
 */
const SENT_VERBS: Readonly<Record<ServerKind, string>> = {
  bork: "sent",
  echo: "echoed",
  app: "sent",
};

/**
 * The word a server's lines use for what it sent, e.g. "echoed".
 *
 * @example
 * ```ts
 * import { sentVerb } from "./summary.ts";
 * sentVerb("echo"); // "echoed"
 * ```
 */
export function sentVerb(kind: ServerKind): string {
  return SENT_VERBS[kind];
}

/** What a server reports when it stops. */
export interface ServerSummary {
  /** Which server it was. */
  kind: ServerKind;
  /** Connections accepted over the server's life. */
  connections: number;
  /**
   * Connections accepted only to be closed at once, beyond `--max-conns`:
   * not among `connections`, which were served.
   */
  refused: number;
  /** Bytes the server sent to clients (for the echo server, the echoes). */
  bytesSent: number;
  /** Seconds from listening to stopping. */
  uptimeSeconds: number;
}

/** Options for {@linkcode ServerHandle.close}. */
export interface CloseOptions {
  /**
   * Close every open connection now, without the grace a server may give
   * them (also when the grace has already begun). Default false.
   */
  now?: boolean;
}

/** A running server, as returned by every `serve*` function. */
export interface ServerHandle {
  /**
   * The bound address; its port is the real one when port 0 was asked. A
   * Unix server's is its `Deno.UnixAddr` (see `ServerListener` in `listener.ts`).
   */
  readonly addr: Deno.NetAddr;
  /** Settles when the server has stopped and released every socket. */
  readonly closed: Promise<ServerSummary>;
  /** Stops accepting and ends the server; resolves when it has stopped. */
  close(options?: CloseOptions): Promise<ServerSummary>;
}

/**
 * Formats a server's final summary line.
 *
 * @example
 * ```ts
 * import { formatSummary } from "./summary.ts";
 * formatSummary({
 *   kind: "echo",
 *   connections: 2,
 *   refused: 0,
 *   bytesSent: 10,
 *   uptimeSeconds: 1.5,
 * });
 * // "Served 2 connections, echoed 10 bytes, up 1.5 s"
 * ```
 */
export function formatSummary(summary: ServerSummary): string {
  const refused = summary.refused > 0
    ? ` (and refused ${summary.refused} beyond --max-conns)`
    : "";
  return `Served ${counted(summary.connections, "connection")}${refused}, ${
    sentVerb(summary.kind)
  } ${counted(summary.bytesSent, "byte")}, up ${
    summary.uptimeSeconds.toFixed(1)
  } s`;
}
