/**
 * A wait that someone else may end early: a server's pause before it
 * accepts again, or the grace it gives open connections, both of which a
 * close must be able to cut short.
 *
 * @module
 */

/**
 * A timer to await that {@linkcode Delay.end} resolves at once.
 *
 * @example
 * ```ts
 * import { Delay } from "./_delay.ts";
 * const grace = new Delay();
 * const waited = grace.wait(5_000);
 * grace.end(); // a second Ctrl-C: no more waiting
 * await waited;
 * ```
 */
export class Delay {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #resolve: (() => void) | undefined;

  /** Resolves after `ms`, or when {@linkcode Delay.end} is called first. */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#resolve = resolve;
      this.#timer = setTimeout(resolve, ms);
    });
  }

  /**
   * Ends the wait in progress, if any, and stops its timer, so that nothing
   * is left to keep the process alive; safe to call at any time.
   */
  end(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#resolve?.();
    this.#resolve = undefined;
  }
}
