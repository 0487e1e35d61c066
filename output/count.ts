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
