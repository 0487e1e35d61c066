/**
 * What every netdemo server shares: opening its listener (with the
 * `Listening on HOST:PORT` line and friendly errors), and what an accept
 * failure means. The summary and the handle a server returns are in
 * `summary.ts`.
 *
 * @module
 */

import {
  bareHost,
  directoryOf,
  formatAddr,
  isWildcardHost,
} from "../protocol/address.ts";
import {
  type Endpoint,
  endpointOf,
  formatEndpoint,
} from "../protocol/endpoint.ts";
import {
  errorMessage,
  keyPairReason,
  NetError,
  toNetError,
} from "../protocol/errors.ts";
import { listensOnUnixPath } from "../sockets/unix_listeners.ts";
import { numberUnixClient } from "../protocol/peer_names.ts";
import type { Reporter } from "../output/reporter.ts";
import { quoted } from "../output/escape.ts";
import type { ServerKind, ServerSummary } from "./summary.ts";

/** Options every server takes. */
export interface ListenOptions {
  /** The address to bind. Default `127.0.0.1`. */
  host?: string;
  /** The port to bind; 0 picks a free one. Default 65432. */
  port?: number;
  /** TCP, TLS or a Unix socket; wins over `host` and `port`. */
  endpoint?: Endpoint;
}

/**
 * What the servers use of a listener, whatever its transport. `addr` is a
 * `Deno.NetAddr` for TCP and TLS; a Unix listener's is its `Deno.UnixAddr`
 * (`formatAddr` prints both), typed alike so that the many callers reading
 * a TCP port keep their types.
 */
export interface ServerListener {
  /** The bound address. */
  readonly addr: Deno.NetAddr;
  /**
   * The next connection; rejects once closed, and with a NetError (which
   * ends the server) when the listener could not bind after all.
   */
  accept(): Promise<Deno.Conn>;
  /** Stops listening; a Unix listener's socket file goes with it. */
  close(): void;
}

/**
 * Binds the listener an endpoint names (TCP, TLS or Unix), prints
 * `Listening on ADDRESS` (always, as the first line) and warns when every
 * interface is bound. Failures (address in use, not this machine's address,
 * unknown host, unreadable certificate) throw a NetError.
 */
function openListener(
  options: ListenOptions,
  reporter: Reporter,
): ServerListener {
  const endpoint = endpointOf(options);
  if (endpoint.transport === "unix") return listenUnix(endpoint.path, reporter);
  let listener: Deno.Listener<Deno.Conn, Deno.NetAddr>;
  try {
    const hostname = bareHost(endpoint.host);
    const { port } = endpoint;
    if (endpoint.transport === "tcp") {
      listener = Deno.listen({ hostname, port });
    } else {
      if (endpoint.cert === undefined || endpoint.key === undefined) {
        throw new NetError(
          "other",
          "a TLS server needs a certificate and its key",
        );
      }
      listener = Deno.listenTls({
        hostname,
        port,
        cert: endpoint.cert,
        key: endpoint.key,
      });
    }
  } catch (error) {
    const address = formatEndpoint(endpoint);
    if (endpoint.transport === "tls" && isUnusableKeyPair(error)) {
      throw new NetError(
        "other",
        `cannot serve TLS on ${address}: ${keyPairReason(error as Error)}`,
        { cause: error },
      );
    }
    throw toNetError(error, { address, host: endpoint.host });
  }
  announceOrClose(listener, reporter);
  if (isWildcardHost(endpoint.host)) {
    reporter.warn(
      `listening on every interface (${
        formatAddr(listener.addr)
      }): other machines can connect`,
    );
  }
  return listener;
}

/** A certificate or key that Deno.listenTls could not use. */
function isUnusableKeyPair(error: unknown): boolean {
  return error instanceof Error && !(error instanceof NetError) &&
    /certificate|key/i.test(error.message);
}

// A server that cannot print its first line (stdout on a full disk) does
// not go on listening: its socket is closed, a Unix one's file with it.
function announceOrClose(listener: Deno.Listener, reporter: Reporter): void {
  const address = formatAddr(listener.addr);
  try {
    reporter.always(`Listening on ${address}`);
  } catch (error) {
    listener.close();
    throw error;
  }
  reporter.trace(`listen on ${address}`);
}

/**
 * Binds a Unix socket. A socket file already at the path is either live
 * (someone accepts on it: "already in use") or stale (left by a server that
 * died): only a stale one is removed. Telling them apart takes reading
 * /proc/net/unix (or, where that cannot be read, a connect), which is
 * asynchronous, so in that case the listener binds (and prints its line) a
 * moment later, and its first accept reports "in use".
 */
function listenUnix(path: string, reporter: Reporter): ServerListener {
  const address = `unix:${path}`;
  let bound: Bound | undefined;
  try {
    bound = bindUnix(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      // A bind's NotFound is the path's directory, not a missing server.
      throw new NetError(
        "other",
        `cannot listen on ${address}: the directory ${
          quoted(directoryOf(path))
        } does not exist`,
        { cause: error },
      );
    }
    if (!(error instanceof Deno.errors.AddrInUse)) {
      throw toNetError(error, { address });
    }
    if (!isSocketFile(path)) {
      throw new NetError(
        "address-in-use",
        `cannot listen on ${address}: the file exists and is not a socket (not removing it)`,
        { cause: error },
      );
    }
  }
  if (bound === undefined) {
    return new NumberingListener(replaceStale(path, reporter), path);
  }
  announceOrClose(bound.listener, reporter);
  return new NumberingListener(Promise.resolve(bound), path);
}

/** A Unix listener (perhaps still binding) that numbers its clients. */
/** A bound Unix listener and its socket file's identity, taken at once. */
interface Bound {
  listener: Deno.UnixListener;
  own: string | undefined;
}

/** Binds `path`; its file's identity is taken before anyone can see it. */
function bindUnix(path: string): Bound {
  const listener = Deno.listen({ transport: "unix", path });
  return { listener, own: fileIdentity(path) };
}

class NumberingListener implements ServerListener {
  readonly addr: Deno.NetAddr;
  #ready: Promise<Deno.UnixListener>;
  #path: string;
  #own: string | undefined;
  #closed = false;
  #accepted = 0;
  #accepting: Promise<unknown> = Promise.resolve();

  constructor(binding: Promise<Bound>, path: string) {
    this.addr = { transport: "unix", path } as unknown as Deno.NetAddr;
    this.#path = path;
    this.#ready = binding.then(({ listener, own }) => {
      this.#own = own;
      if (this.#closed) this.#closeListener(listener);
      return listener;
    });
  }

  async accept(): Promise<Deno.Conn> {
    const accepting = (await this.#ready).accept();
    this.#accepting = accepting.catch(() => {});
    const conn = await accepting;
    numberUnixClient(conn, ++this.#accepted);
    return conn;
  }

  close(): void {
    this.#closed = true;
    this.#ready.then((listener) => this.#closeListener(listener), () => {});
  }

  // Deno 2.9.6 removes the path when a Unix listener's resource goes,
  // whatever is there by then: a newer server's socket (after someone
  // removed this one's) or a plain file. Such a file is moved aside until
  // the resource is gone, which is once a pending accept has failed.
  #closeListener(listener: Deno.UnixListener): void {
    const path = this.#path;
    const now = fileIdentity(path);
    if (now === undefined || now === this.#own) return listener.close();
    const aside = `${path}.${Deno.pid}.kept`;
    try {
      Deno.renameSync(path, aside);
    } catch {
      return listener.close();
    }
    // Put back once Deno has unlinked the path, or at the latest when the
    // program exits (a closed stdout ends it at once).
    let back = false;
    const putBack = (): void => {
      if (back) return;
      back = true;
      globalThis.removeEventListener("unload", putBack);
      try {
        Deno.renameSync(aside, path);
      } catch {
        // Nothing more can be done for it here.
      }
    };
    globalThis.addEventListener("unload", putBack);
    listener.close();
    this.#accepting.finally(putBack);
  }
}

/**
 * A file's device, inode, kind and birth time, or undefined when there is
 * none: a file made where one was just removed may get its inode number.
 * Not its change time, which a chmod or a rename moves.
 */
function fileIdentity(path: string): string | undefined {
  try {
    const { dev, ino, isSocket, birthtime } = Deno.lstatSync(path);
    return `${dev}:${ino}:${isSocket}:${birthtime?.getTime()}`;
  } catch {
    return undefined;
  }
}

async function replaceStale(
  path: string,
  reporter: Reporter,
): Promise<Bound> {
  const address = `unix:${path}`;
  const inUse = new NetError(
    "address-in-use",
    `${address} is already in use: another program is listening there`,
  );
  // The table first: a probe connect would be a connection to whoever
  // listens, and a one-connection server (the bork lesson) would end on it.
  if (await listensOnUnixPath(path)) throw inUse;
  // Not listed (or no table): only a refused connect proves it stale, and
  // a listener the table could not show (another network namespace) is
  // worth the connection.
  try {
    (await Deno.connect({ transport: "unix", path })).close();
    throw inUse;
  } catch (error) {
    if (error === inUse) throw error;
    // A full backlog is someone listening, too busy to accept.
    if (error instanceof Deno.errors.WouldBlock) throw inUse;
    if (!(error instanceof Deno.errors.ConnectionRefused)) {
      throw toNetError(error, { address });
    }
  }
  reporter.note(`Removing stale socket file ${path} (nothing listens on it)`);
  try {
    Deno.removeSync(path);
  } catch (error) {
    // Another server starting at the same moment removed it first.
    if (!(error instanceof Deno.errors.NotFound)) {
      throw toNetError(error, { address });
    }
  }
  let bound: Bound;
  try {
    bound = bindUnix(path);
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) throw inUse;
    throw toNetError(error, { address });
  }
  announceOrClose(bound.listener, reporter);
  return bound;
}

function isSocketFile(path: string): boolean {
  try {
    return Deno.lstatSync(path).isSocket === true;
  } catch {
    return false;
  }
}

/** A server's listener and the summary it fills in while it runs. */
export interface Listening {
  /** The bound listener, its `Listening on` line already printed. */
  listener: ServerListener;
  /** Counts start at 0; the server adds to them as it serves. */
  summary: ServerSummary;
  /** Sets the summary's uptime (from listening until now) and returns it. */
  stopClock(): ServerSummary;
}

/**
 * The first steps of every server: opens the listener with
 * {@linkcode openListener} and starts the summary of a `kind` server, whose
 * uptime counts from this moment.
 *
 * @example
 * ```ts
 * import { startListening } from "./listener.ts";
 * import { SILENT } from "../output/reporter.ts";
 * const { listener, stopClock } = startListening("echo", SILENT, { port: 0 });
 * listener.close();
 * stopClock().uptimeSeconds; // about 0
 * ```
 */
export function startListening(
  kind: ServerKind,
  reporter: Reporter,
  options: ListenOptions,
): Listening {
  const listener = openListener(options, reporter);
  const started = performance.now();
  const summary: ServerSummary = {
    kind,
    connections: 0,
    bytesSent: 0,
    uptimeSeconds: 0,
  };
  return {
    listener,
    summary,
    stopClock(): ServerSummary {
      summary.uptimeSeconds = (performance.now() - started) / 1000;
      return summary;
    },
  };
}

/**
 * True for the accept failures that end a server: a closed listener, or one
 * that never bound (a Unix socket path already in use). Every other failure
 * belongs to one connection, or to a passing shortage, and the server goes
 * on accepting.
 *
 * @example
 * ```ts
 * import { endsAccepting } from "./listener.ts";
 * endsAccepting(new Deno.errors.BadResource("closed")); // true
 * endsAccepting(new Deno.errors.NotConnected("os error 107")); // false
 * ```
 */
export function endsAccepting(error: unknown): boolean {
  return error instanceof Deno.errors.BadResource || error instanceof NetError;
}

/**
 * The log line for an accept that failed; the listener goes on. A
 * connection reset or aborted while it waited in the backlog makes
 * `accept` (or the `getpeername` the runtime calls inside it) fail with
 * ENOTCONN or ECONNABORTED.
 *
 * @example
 * ```ts
 * import { describeAcceptFailure } from "./listener.ts";
 * describeAcceptFailure(new Deno.errors.NotConnected("os error 107"));
 * // "A connection was reset before it could be accepted: os error 107; still listening"
 * ```
 */
export function describeAcceptFailure(error: unknown): string {
  const detail = errorMessage(error);
  if (
    error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.ConnectionReset
  ) {
    return `A connection was reset before it could be accepted: ${detail}; still listening`;
  }
  return `Could not accept a connection: ${detail}; still listening`;
}
