/**
 * Reading files under /proc. Deno 2.9 guards every one of them behind
 * `--allow-all`: `--allow-read=/proc/net` alone is refused. So a file is
 * read directly when that is allowed, and otherwise through `cat` when the
 * program may run it (`--allow-run=/bin/cat`), which grants far less than
 * `--allow-all`. With neither, the error says which permission to give.
 *
 * @module
 */

import { errorMessage, NetError } from "../protocol/errors.ts";

/**
 * Reads a file under /proc with the grants netdemo's binary has; resolves
 * null when the file does not exist. Throws a NetError when neither grant
 * allows it.
 *
 * @example
 * ```ts
 * import { readProcFile } from "./proc_files.ts";
 * const text = await readProcFile("/proc/net/tcp");
 * ```
 */
export async function readProcFile(path: string): Promise<string | null> {
  if (mayReadDirectly(path)) {
    try {
      return await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      if (!(error instanceof Deno.errors.NotCapable)) {
        throw new NetError(
          "other",
          `cannot read ${path}: ${errorMessage(error)}`,
          {
            cause: error,
          },
        );
      }
      // Read access alone is not enough for /proc: try cat below.
    }
  }
  if (mayRunCat()) return await readWithCat(path);
  throw new NetError(
    "permission-denied",
    `cannot read ${path}: Deno opens files under /proc only with --allow-all, or netdemo reads them through cat with --allow-run=/bin/cat`,
  );
}

/**
 * Reads a file under /proc as {@linkcode readProcFile} does, but blocking,
 * for a check made once before anything starts; undefined when no grant
 * allows it or it cannot be read, as the check is then skipped.
 *
 * @example
 * ```ts
 * import { readProcFileSync } from "./proc_files.ts";
 * readProcFileSync(`/proc/${Deno.pid}/limits`)?.includes("Max open files");
 * ```
 */
export function readProcFileSync(path: string): string | undefined {
  try {
    if (mayReadDirectly(path)) return Deno.readTextFileSync(path);
  } catch {
    // Read access alone is not enough for /proc: try cat below.
  }
  if (!mayRunCat()) return undefined;
  try {
    const output = catOf(path).outputSync();
    return output.success ? new TextDecoder().decode(output.stdout) : undefined;
  } catch {
    return undefined;
  }
}

// Asking first avoids Deno's interactive permission prompt in a terminal.
function mayReadDirectly(path: string): boolean {
  return Deno.permissions.querySync({ name: "read", path }).state ===
    "granted";
}

function mayRunCat(): boolean {
  return Deno.permissions.querySync({ name: "run", command: CAT }).state ===
    "granted";
}

/**
 * An absolute path, so that `--allow-run=/bin/cat` grants exactly this
 * program and a PATH entry cannot stand in for it.
 */
const CAT = "/bin/cat";

/**
 * `cat PATH`, its output and complaint piped back, in a session of its own:
 * a terminal's Ctrl-C goes to its whole foreground process group, and
 * would otherwise end a cat mid-read, which would read as a failed file
 * rather than as the stop the program itself hears. (Only `spawn()` honours
 * `detached`; `outputSync()`, at startup, keeps cat in the group.)
 */
function catOf(path: string): Deno.Command {
  return new Deno.Command(CAT, {
    args: [path],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
    // Deno refuses to start a program under a path-limited --allow-run
    // whose environment holds LD_LIBRARY_PATH or LD_PRELOAD (common under
    // conda, CUDA or Nix), and cat needs none: an empty one also gives its
    // error messages in the C locale, which readWithCat matches.
    clearEnv: true,
  });
}

async function readWithCat(path: string): Promise<string | null> {
  let output: Deno.CommandOutput;
  try {
    // spawn(), as output() would leave it in this process's group.
    output = await catOf(path).spawn().output();
  } catch (error) {
    throw new NetError(
      "other",
      `cannot run cat to read ${path}: ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
  const decoder = new TextDecoder();
  if (output.success) return decoder.decode(output.stdout);
  const complaint = decoder.decode(output.stderr).trim();
  if (/No such file/i.test(complaint)) return null;
  throw new NetError(
    "other",
    `cannot read ${path}: ${complaint || `cat exited with ${output.code}`}`,
  );
}
