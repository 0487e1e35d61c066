/**
 * Checks of the numbers a library caller passes to netdemo's servers and
 * clients. The command line checks its own options before it calls them;
 * code that calls `runLoad({ size: 0 })` directly gets the same kind of
 * sentence here, rather than a loop that never yields, a timer that fires
 * at once, or an error from deep inside a dependency.
 *
 * @module
 */

/**
 * Throws a RangeError unless `value` (when given) is a whole number from
 * `bounds.min` to `bounds.max` (default: the largest safe integer).
 *
 * @example
 * ```ts
 * import { checkWhole } from "./option_checks.ts";
 * checkWhole(3, "connections", { min: 1 }); // fine
 * // checkWhole(2.5, "rounds", { min: 1 }) throws:
 * // "rounds must be a whole number from 1 to 9007199254740991, got 2.5."
 * ```
 */
export function checkWhole(
  value: number | undefined,
  name: string,
  bounds: { min: number; max?: number },
): void {
  if (value === undefined) return;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(value) || value < bounds.min || value > max) {
    throw new RangeError(
      `${name} must be a whole number from ${bounds.min} to ${max}, got ${value}`,
    );
  }
}

/**
 * Throws a RangeError unless `value` (when given) is a finite number above
 * 0, or at least 0 with `options.orZero`; with `options.orInfinity`,
 * Infinity passes too (where it means "never").
 *
 * @example
 * ```ts
 * import { checkPositive } from "./option_checks.ts";
 * checkPositive(1500, "durationMs"); // fine
 * // checkPositive(NaN, "rate") throws: "rate must be a number above 0, got NaN."
 * ```
 */
export function checkPositive(
  value: number | undefined,
  name: string,
  options: { orZero?: boolean; orInfinity?: boolean } = {},
): void {
  if (value === undefined) return;
  if (value === Infinity && options.orInfinity) return;
  const low = options.orZero ? value >= 0 : value > 0;
  if (!Number.isFinite(value) || !low) {
    throw new RangeError(
      `${name} must be a number ${options.orZero ? "of 0 or more" : "above 0"}${
        options.orInfinity ? " (or Infinity: never)" : ""
      }, got ${value}`,
    );
  }
}
