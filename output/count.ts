/**
 * Counted nouns as people write them: `1 byte`, `2 bytes`, `1 entry`.
 *
 * @module
 */

/**
 * Writes `count noun`, with the plural when the count is not exactly 1.
 *
 * @example
 * ```ts
 * import { counted } from "./count.ts";
 * counted(1, "byte"); // "1 byte"
 * counted(5, "entry", { plural: "entries" }); // "5 entries"
 * ```
 */
export function counted(
  count: number | bigint,
  noun: string,
  options: { plural?: string } = {},
): string {
  const plural = options.plural ?? `${noun}s`;
  return `${count} ${count === 1 || count === 1n ? noun : plural}`;
}

/**
 * A span of `ms` milliseconds as the seconds a user typed, without the
 * float noise of the round trip through milliseconds (1e-9 s is
 * 1.0000000000000002e-6 ms).
 *
 * @example
 * ```ts
 * import { seconds } from "./count.ts";
 * seconds(1e-9 * 1000); // "1e-9 s"
 * seconds(2500); // "2.5 s"
 * ```
 */
export function seconds(ms: number): string {
  // 15 significant digits: all a double holds exactly, none of the noise.
  return `${Number((ms / 1000).toPrecision(15))} s`;
}
