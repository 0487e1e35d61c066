/**
 * Timers as the programs use them: the longest wait a timer takes, and a
 * sleep that an abort signal ends early.
 *
 * @module
 */

/**
 * The longest a timer waits, in ms: 2^31 - 1, about 24.8 days. A longer
 * one fires at once, with a runtime warning, instead of waiting.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Resolves after `ms` (at most {@linkcode MAX_TIMER_MS}), or at once when
 * `signal` aborts, whichever is first; never rejects, so the caller says
 * what an abort means.
 *
 * @example
 * ```ts
 * import { sleep } from "./timers.ts";
 * const controller = new AbortController();
 * const slept = sleep(60_000, controller.signal);
 * controller.abort();
 * await slept; // at once
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS));
    signal?.addEventListener("abort", done, { once: true });
  });
}
