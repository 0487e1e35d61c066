/**
 * What the benchmark needs to know about the machine: its CPU, the versions
 * of the runtimes it compares, whether processes can be pinned, and how much
 * other work shared it. Each function returns a figure; nothing here keeps
 * state between calls.
 *
 * @module
 */

import { capture } from "./_children.ts";
import { machineBusySeconds } from "./_procfs.ts";

/** The CPU the server is pinned to. */
export const SERVER_CPU = 0;
/** The CPU the load generator is pinned to. */
export const LOAD_CPU = 1;

/**
 * Other work above this many CPUs during a run makes its figure suspect;
 * below it, a moment between runs counts as quiet.
 */
const NOISY_CPUS = 0.15;

/**
 * The CPU's model name from /proc/cpuinfo.
 *
 * @example
 * ```ts
 * import { cpuModel } from "./_machine.ts";
 * cpuModel(); // e.g. "AMD EPYC 7B13"
 * ```
 */
export function cpuModel(): string {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    return info.match(/^model name\s*:\s*(.+)$/m)?.[1].trim() ?? "unknown CPU";
  } catch {
    return "unknown CPU";
  }
}

/**
 * A program's version as it prints it, or `not found`.
 *
 * @example
 * ```ts
 * import { versionOf } from "./_machine.ts";
 * await versionOf(["node", "--version"]); // e.g. "20.20.2"
 * ```
 */
export async function versionOf(argv: string[]): Promise<string> {
  try {
    return (await capture(argv)).replace(/^(v|Python )/, "");
  } catch {
    return "not found";
  }
}

/**
 * Why server and load cannot be pinned to separate CPUs, or undefined when
 * they can.
 *
 * @example
 * ```ts
 * import { whyUnpinned } from "./_machine.ts";
 * await whyUnpinned(); // undefined on a 2-core machine with taskset
 * ```
 */
export async function whyUnpinned(): Promise<string | undefined> {
  if (navigator.hardwareConcurrency < 2) {
    return `only ${navigator.hardwareConcurrency} CPU`;
  }
  try {
    await capture(["taskset", "-c", String(LOAD_CPU), "true"]);
    return undefined;
  } catch {
    return "taskset is not available";
  }
}

/** How a wait for a quiet machine ended. */
export interface QuietWait {
  /** Seconds waited. */
  seconds: number;
  /** False when `limitMs` passed with the machine still busy. */
  quiet: boolean;
}

/**
 * Waits until the machine has been quiet (other work under
 * {@linkcode NOISY_CPUS}) for half a second, or `limitMs` has passed, so
 * that other programs' bursts fall between runs rather than in them.
 *
 * @example
 * ```ts
 * import { awaitQuiet } from "./_machine.ts";
 * const { seconds, quiet } = await awaitQuiet(15_000);
 * ```
 */
export async function awaitQuiet(limitMs: number): Promise<QuietWait> {
  const started = performance.now();
  let quiet = false;
  while (!quiet && performance.now() - started < limitMs) {
    const before = machineBusySeconds();
    await new Promise((resolve) => setTimeout(resolve, 500));
    quiet = (machineBusySeconds() - before) / 0.5 < NOISY_CPUS;
  }
  return { seconds: (performance.now() - started) / 1000, quiet };
}

/**
 * One line on how much other work shared the machine during the measured
 * runs, from each run's share of other work in CPUs.
 *
 * @example
 * ```ts
 * import { describeQuietness } from "./_machine.ts";
 * describeQuietness([0.01, 0.02], { waitedSeconds: 3, busyStarts: 0 });
 * ```
 */
export function describeQuietness(
  otherWork: number[],
  waits: { waitedSeconds: number; busyStarts: number },
): string {
  const { waitedSeconds, busyStarts } = waits;
  const waited = `after waiting ${waitedSeconds.toFixed(0)} s in all${
    busyStarts === 0
      ? ""
      : `; ${busyStarts} run${
        busyStarts === 1 ? "" : "s"
      } started on a machine still busy after the longest wait`
  }`;
  if (otherWork.length === 0) {
    return `other work on the machine: not sampled (${waited} for quiet moments)`;
  }
  const mean = otherWork.reduce((sum, share) => sum + share, 0) /
    otherWork.length;
  const disturbed = otherWork.filter((share) => share > NOISY_CPUS).length;
  const verdict = disturbed === 0
    ? "the machine was otherwise quiet"
    : `MEASURED WHILE OTHER WORK RAN: ${disturbed} of ${otherWork.length} runs had other work above ${NOISY_CPUS} CPUs`;
  return `other work during measured runs: ${
    mean.toFixed(2)
  } CPUs on average, ${
    Math.max(...otherWork).toFixed(2)
  } at most, ${waited} for quiet moments (${verdict})`;
}
