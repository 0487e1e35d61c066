/**
 * A server's Unix socket listener: binding the path, telling a live socket
 * file from a stale one, numbering clients (a Unix peer has no address of
 * its own), and leaving the path as it found it when the server stops.
 *
 * @module
 */

import { directoryOf } from "../protocol/address.ts";
import { NetError, toNetError } from "../protocol/errors.ts";
import { listensOnUnixPath } from "../sockets/unix_listeners.ts";
import {
  isUnnamedUnixClient,
  numberUnixClient,
} from "../protocol/peer_names.ts";
import type { Reporter } from "../output/reporter.ts";
import { quoted } from "../output/escape.ts";
import { announceOrClose } from "./_announce.ts";
import type { ServerListener } from "./listener.ts";

/**
 * Binds a Unix socket. A socket file already at the path is either live
 * (someone accepts on it: "already in use") or stale (left by a server that
 * died): only a stale one is removed. Telling them apart takes reading
 * /proc/net/unix (or, where that cannot be read, a connect), which is
 * asynchronous, so in that case the listener binds (and prints its line) a
 * moment later, and its first accept reports "in use".
 */
export function listenUnix(
  path: string,
  reporter: Reporter,
): ServerListener {
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

/** A bound Unix listener and its socket file's identity, taken at once. */
interface Bound {
  listener: Deno.UnixListener;
  own: string | undefined;
  /** The exit's removal of the file (an "unload" listener). */
  removeOwn: () => void;
}

/** Binds `path`; its file's identity is taken before anyone can see it. */
function bindUnix(path: string): Bound {
  const listener = Deno.listen({ transport: "unix", path });
  const own = fileIdentity(path);
  // Deno unlinks the path as the listener's resource goes, which an exit
  // on a closed or full stdout comes before: the exit removes it then, if
  // it is still this server's own.
  const removeOwn = (): void => {
    if (own === undefined || fileIdentity(path) !== own) return;
    try {
      Deno.removeSync(path);
    } catch {
      // Removed by now after all.
    }
  };
  globalThis.addEventListener("unload", removeOwn);
  return { listener, own, removeOwn };
}

/** A Unix listener (perhaps still binding) that numbers its clients. */
class NumberingListener implements ServerListener {
  readonly addr: Deno.NetAddr;
  #ready: Promise<Deno.UnixListener>;
  #path: string;
  #own: string | undefined;
  #removeOwn = (): void => {};
  #closed = false;
  #unnamed = 0;
  #accepting: Promise<unknown> = Promise.resolve();

  constructor(binding: Promise<Bound>, path: string) {
    this.addr = { transport: "unix", path } as unknown as Deno.NetAddr;
    this.#path = path;
    this.#ready = binding.then(({ listener, own, removeOwn }) => {
      this.#own = own;
      this.#removeOwn = removeOwn;
      if (this.#closed) this.#closeListener(listener);
      return listener;
    });
  }

  async accept(): Promise<Deno.Conn> {
    const accepting = (await this.#ready).accept();
    this.#accepting = accepting.catch(() => {});
    const conn = await accepting;
    // Only unnamed clients are numbered, so that the first is 1 whatever
    // came before it.
    if (isUnnamedUnixClient(conn)) numberUnixClient(conn, ++this.#unnamed);
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
    // Once the resource is gone Deno has unlinked the path itself.
    const removeOwn = this.#removeOwn;
    this.#accepting.finally(() =>
      globalThis.removeEventListener("unload", removeOwn)
    );
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

// Runs when the bind found a socket file at the path: it is replaced only
// when nothing listens on it.
async function replaceStale(
  path: string,
  reporter: Reporter,
): Promise<Bound> {
  const address = `unix:${path}`;
  const inUse = toNetError(new Deno.errors.AddrInUse(address), { address });
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
