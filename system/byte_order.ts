/**
 * The byte order of the machine netdemo runs on, which the app protocol's
 * header names and /proc/net's addresses are written in.
 *
 * @module
 */

/**
 * `"little"` or `"big"`: how this machine stores a 16-bit integer.
 *
 * @example
 * ```ts
 * import { HOST_BYTE_ORDER } from "./byte_order.ts";
 * HOST_BYTE_ORDER; // "little" on x86 and most ARM machines
 * ```
 */
export const HOST_BYTE_ORDER: "little" | "big" =
  new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? "little" : "big";
