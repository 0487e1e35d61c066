/**
 * Which Unix socket paths something listens on, from Linux's
 * /proc/net/unix. A server finding a socket file at its path must know
 * whether it is live before removing it; a connect would tell too, but it
 * is a connection, and the lesson's bork server serves exactly one before
 * it exits.
 *
 * @module
 */

import { directoryOf } from "../protocol/address.ts";
import { readProcFile } from "../system/proc_files.ts";

/** `__SO_ACCEPTCON` in the Flags column: the socket listens. */
const ACCEPTS = 0x10000;

/**
 * Whether a socket of this network namespace listens on `path`, however
 * either is spelled (a relative one in the table is taken from this
 * process's directory); undefined when the table cannot be read. A false
 * is no proof: a listener in another network namespace is not listed.
 *
 * @example
 * ```ts
 * import { listensOnUnixPath } from "./unix_listeners.ts";
 * await listensOnUnixPath("/tmp/echo.sock"); // false when nothing listens
 * ```
 */
export async function listensOnUnixPath(
  path: string,
): Promise<boolean | undefined> {
  if (Deno.build.os !== "linux") return undefined;
  let text: string | null;
  try {
    text = await readProcFile("/proc/net/unix");
  } catch {
    return undefined;
  }
  if (text === null) return undefined;
  const wanted = canonical(path);
  for (const line of text.split("\n").slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path (which may hold spaces)
    const match = /^\S+\s+\S+\s+\S+\s+([0-9A-Fa-f]+)\s+\S+\s+\S+\s+\d+ (.+)$/
      .exec(line);
    if (match === null || (parseInt(match[1], 16) & ACCEPTS) === 0) continue;
    if (canonical(match[2]) === wanted) return true;
  }
  return false;
}

/**
 * The path with its directory resolved (`..`, `//`, symbolic links) and a
 * relative one taken from this process's directory, so that two spellings
 * of one socket compare equal. An abstract name (`@`) is left as it is.
 */
function canonical(path: string): string {
  if (path.startsWith("@")) return path;
  const name = path.slice(path.lastIndexOf("/") + 1);
  try {
    const real = Deno.realPathSync(directoryOf(path));
    return real === "/" ? `/${name}` : `${real}/${name}`;
  } catch {
    return path;
  }
}
