/**
 * This process's open-file limit and how many files it has open, read from
 * Linux's /proc/self, so that a run asking for more connections than the
 * limit allows can say so in one sentence before it starts.
 *
 * @module
 */

import { readProcFileSync } from "./proc_files.ts";

/**
 * The soft limit on open files (`ulimit -n`): Infinity when unlimited,
 * undefined when it cannot be read. It is read through `cat` when Deno
 * may not open /proc itself; `cat` inherits the limit, but this process's
 * own file is named, as `cat`'s /proc/self would be `cat`.
 *
 * @example
 * ```ts
 * import { openFileLimit } from "./open_files.ts";
 * openFileLimit(); // e.g. 1024
 * ```
 */
export function openFileLimit(): number | undefined {
  const text = readProcFileSync(`/proc/${Deno.pid}/limits`);
  const match = /^Max open files\s+(\S+)/m.exec(text ?? "");
  if (match === null) return undefined;
  return match[1] === "unlimited" ? Infinity : Number(match[1]);
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
  // A directory, which cat cannot list: without --allow-all it is unknown.
  const path = "/proc/self/fd";
  try {
    if (
      Deno.permissions.querySync({ name: "read", path }).state !== "granted"
    ) {
      return undefined;
    }
    let open = 0;
    for (const _ of Deno.readDirSync(path)) open++;
    return open;
  } catch {
    return undefined;
  }
}
