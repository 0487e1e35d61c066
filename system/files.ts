/**
 * Files the user names on the command line (certificates, a payload, load
 * reports, the app server's table): read with a size limit, never from a FIFO or a device (which
 * could block or never end), and why one could not be read, in the same few
 * words everywhere.
 *
 * @module
 */

import { concatBytes, readBytes } from "../protocol/bytes.ts";
import { errorMessage } from "../protocol/errors.ts";

/** A path that names a FIFO, a device or a socket rather than a file. */
class NotRegularFile extends Error {}

/** Each read of {@linkcode readFileBoundedSync} takes at most this much. */
const SYNC_CHUNK = 64 * 1024;

/** Whether stdin was a terminal at the start: one that hung up says it no longer is. */
const STDIN_IS_TERMINAL = Deno.stdin.isTerminal();

/**
 * How long a failed read of a terminal that hung up waits for the SIGHUP
 * the closing terminal sends as well.
 */
const HANGUP_WAIT_MS = 1000;

/**
 * True for EIO: what reads and writes of a terminal that has hung up (a
 * closed terminal window) fail with.
 *
 * @example
 * ```ts
 * import { isInputOutputError } from "./files.ts";
 * isInputOutputError(new Error("Input/output error (os error 5)")); // true
 * ```
 */
export function isInputOutputError(error: unknown): boolean {
  return error instanceof Error && /\(os error 5\)$/.test(error.message);
}

/**
 * Reads stdin to its end, up to `limit` bytes (more back means it was
 * larger). A terminal that was closed fails the read with EIO and sends a
 * SIGHUP too, which ends the program as a hangup does: the read waits a
 * moment for it, so that a closed terminal is not told as a failed read.
 *
 * @example
 * ```ts ignore
 * import { readStdin } from "./files.ts";
 * const bytes = await readStdin(1024 * 1024);
 * ```
 */
export async function readStdin(limit: number): Promise<Uint8Array> {
  try {
    return await readBytes(Deno.stdin.readable, limit);
  } catch (error) {
    if (STDIN_IS_TERMINAL && isInputOutputError(error)) {
      await new Promise((resolve) => setTimeout(resolve, HANGUP_WAIT_MS));
    }
    throw error;
  }
}

/**
 * Reads what a user named as `path` (`-` for stdin), up to `limit` bytes,
 * as {@linkcode readFileBounded} does: more than `limit` back means it was
 * larger.
 *
 * @example
 * ```ts
 * import { readNamed } from "./files.ts";
 * const bytes = await readNamed("deno.json", 1024 * 1024);
 * ```
 */
export async function readNamed(
  path: string,
  limit: number,
): Promise<Uint8Array> {
  return path === "-"
    ? await readStdin(limit)
    : await readFileBounded(path, limit);
}

/**
 * Reads the regular file at `path`, up to `limit` bytes: as
 * {@linkcode readBytes} does, a file larger than that gives back more than
 * `limit` bytes (and no more than a chunk beyond), for the caller to say so.
 * The path is checked before it is opened, because opening a FIFO blocks
 * until someone writes to it, and `/dev/zero` never ends. Errors are the
 * runtime's, or one that {@linkcode fileProblem} words.
 *
 * @example
 * ```ts
 * import { readFileBounded } from "./files.ts";
 * const bytes = await readFileBounded("deno.json", 1024 * 1024);
 * bytes.length > 0; // true
 * ```
 */
export async function readFileBounded(
  path: string,
  limit: number,
): Promise<Uint8Array> {
  checkRegular(await Deno.stat(path), path);
  const file = await Deno.open(path);
  try {
    return await readBytes(file.readable, limit);
  } finally {
    try {
      file.close();
    } catch {
      // The readable closed it at its end.
    }
  }
}

/**
 * {@linkcode readFileBounded}, synchronously, for options read while the
 * command line is mapped onto a mode's options (TLS certificates).
 *
 * @example
 * ```ts
 * import { readFileBoundedSync } from "./files.ts";
 * readFileBoundedSync("deno.json", 1024 * 1024).length > 0; // true
 * ```
 */
export function readFileBoundedSync(path: string, limit: number): Uint8Array {
  checkRegular(Deno.statSync(path), path);
  using file = Deno.openSync(path);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buffer = new Uint8Array(SYNC_CHUNK);
  while (total <= limit) {
    const count = file.readSync(buffer);
    if (count === null) break;
    chunks.push(buffer.slice(0, count));
    total += count;
  }
  return concatBytes(chunks);
}

function checkRegular(info: Deno.FileInfo, path: string): void {
  if (info.isDirectory) throw new Deno.errors.IsADirectory(path);
  if (!info.isFile) throw new NotRegularFile(path);
}

/**
 * Why a file could not be read: `no such file`, `permission denied by the
 * file system`, `netdemo was started without --allow-read`, `it is a
 * directory`, or the runtime's message. `options.stdin: false` is for an
 * option that does not take `-`, which the advice then leaves out.
 *
 * @example
 * ```ts
 * import { fileProblem } from "./files.ts";
 * fileProblem(new Deno.errors.NotFound("x")); // "no such file"
 * ```
 */
export function fileProblem(
  error: unknown,
  options: { stdin?: boolean } = {},
): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  if (error instanceof NotRegularFile) {
    return "it is not a regular file (a FIFO, a device or a socket)";
  }
  if (lacksFullAccess(error)) {
    return `Deno opens a path under /dev, /proc or /sys (such as /dev/stdin) only under --allow-all; ${
      options.stdin === false
        ? "give the file's own path"
        : "give - for standard input, or the file's own path"
    }`;
  }
  // Deno's own check, not the file's mode: only `deno run` without the
  // grant meets it (the compiled binary carries it), and chmod cannot help.
  if (error instanceof Deno.errors.NotCapable) {
    return "netdemo was started without --allow-read";
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return "permission denied by the file system";
  }
  return errorMessage(error);
}

/**
 * True for Deno's refusal of a path that only `--allow-all` opens (such
 * as `/dev/stdin` or `/proc/self/fd/0`), which `--allow-read` does not
 * grant.
 *
 * @example
 * ```ts
 * import { lacksFullAccess } from "./files.ts";
 * lacksFullAccess(new Deno.errors.NotCapable("x")); // false
 * ```
 */
export function lacksFullAccess(error: unknown): boolean {
  return error instanceof Deno.errors.NotCapable &&
    /--allow-all/.test(error.message);
}
