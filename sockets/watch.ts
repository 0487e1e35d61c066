/**
 * The `--watch` loop of `netdemo sockets`: run a step, wait, run it again,
 * until the abort signal fires (Ctrl-C).
 *
 * @module
 */

/** Options for {@linkcode repeatUntilAborted}. */
export interface RepeatOptions {
  /** Pause between the end of one step and the start of the next, in ms. Default 1000. */
  intervalMs?: number;
  /** Stops the loop: during a pause at once, during a step after it. */
  signal: AbortSignal;
}

/**
 * Runs `step` at once and then after every pause until `signal` aborts;
 * resolves when stopped. A step's error ends the loop and rejects.
 *
 * @example
 * ```ts
 * import { repeatUntilAborted } from "./watch.ts";
 * const controller = new AbortController();
 * let runs = 0;
 * await repeatUntilAborted(() => {
 *   if (++runs === 3) controller.abort();
 * }, { intervalMs: 0, signal: controller.signal });
 * ```
 */
export async function repeatUntilAborted(
  step: (round: number) => void | Promise<void>,
  options: RepeatOptions,
): Promise<void> {
  const { signal } = options;
  const intervalMs = options.intervalMs ?? 1000;
  for (let round = 0; !signal.aborted; round++) {
    await step(round);
    await pause(intervalMs, signal);
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
