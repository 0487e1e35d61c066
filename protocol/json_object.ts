/**
 * The one test every JSON format here starts with (the app protocol's
 * header and messages, a load report, a `--table` file): that a parsed
 * value is an object, not `null`, an array or a scalar.
 *
 * @module
 */

/**
 * True when `value`, as `JSON.parse` gave it, is a JSON object.
 *
 * @example
 * ```ts
 * import { isJsonObject } from "./json_object.ts";
 * isJsonObject(JSON.parse('{"a": 1}')); // true
 * isJsonObject(JSON.parse("[1]")); // false
 * isJsonObject(null); // false
 * ```
 */
export function isJsonObject(
  value: unknown,
): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
