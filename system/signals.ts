/**
 * What this process inherited about SIGHUP. A hangup (the terminal closed)
 * should end a run as Ctrl-C does, with its report and summary, but a
 * program started under `nohup` inherits SIGHUP ignored and must stay so:
 * a listener would replace that disposition. Linux shows the ignored
 * signals in /proc/PID/status (`SigIgn`, a hexadecimal mask).
 *
 * @module
 */

import { readProcFile } from "./proc_files.ts";

let hangup: Promise<boolean | undefined> | undefined;

/**
 * Whether SIGHUP is ignored in this process: undefined when that cannot be
 * read (not Linux, or no grant for /proc), which callers take as "leave
 * SIGHUP alone". Read once per process.
 *
 * @example
 * ```ts
 * import { hangupIgnored } from "./signals.ts";
 * if ((await hangupIgnored()) === false) {
 *   // a SIGHUP listener changes nothing nohup asked for
 * }
 * ```
 */
export function hangupIgnored(): Promise<boolean | undefined> {
  hangup ??= readHangup();
  return hangup;
}

async function readHangup(): Promise<boolean | undefined> {
  if (Deno.build.os !== "linux") return undefined;
  try {
    const status = await readProcFile(`/proc/${Deno.pid}/status`);
    const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(status ?? "")?.[1];
    if (mask === undefined) return undefined;
    // SIGHUP is signal 1: the mask's lowest bit.
    return (parseInt(mask.slice(-1), 16) & 1) === 1;
  } catch {
    return undefined;
  }
}
