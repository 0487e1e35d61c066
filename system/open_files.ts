/**
 * This process's open-file limit and how many files it has open, read from
 * Linux's /proc/self, so that a run asking for more connections than the
 * limit allows can say so in one sentence before it starts.
 *
 * @module
 */

/**
 * What `read` finds at `path`, or undefined when it cannot be read. Only
 * what the permissions already allow is read: a permission prompt would
 * stall a run, and the compiled binary is not given /proc/self at all.
 */
function readIfAllowed<T>(
  path: string,
  read: () => T | undefined,
): T | undefined {
  try {
    const state = Deno.permissions.querySync({ name: "read", path }).state;
    return state === "granted" ? read() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The soft limit on open files (`ulimit -n`): Infinity when unlimited,
 * undefined when it cannot be read.
 *
 * @example
 * ```ts
 * import { openFileLimit } from "./open_files.ts";
 * openFileLimit(); // e.g. 1024
 * ```
 */
export function openFileLimit(): number | undefined {
  const path = "/proc/self/limits";
  return readIfAllowed(path, () => {
    const match = /^Max open files\s+(\S+)/m.exec(Deno.readTextFileSync(path));
    if (match === null) return undefined;
    return match[1] === "unlimited" ? Infinity : Number(match[1]);
  });
}

/**
 * How many files this process has open, or undefined when that cannot be
 * read.
 *
 * @example
 * ```ts
 * import { openFileCount } from "./open_files.ts";
 * openFileCount(); // e.g. 12
 * ```
 */
export function openFileCount(): number | undefined {
  const path = "/proc/self/fd";
  return readIfAllowed(path, () => {
    let open = 0;
    for (const _ of Deno.readDirSync(path)) open++;
    return open;
  });
}
