/**
 * Seeded randomness for the tests that draw random frames,
 * chunkings and payloads: one PRNG, so that every such test can be
 * repeated exactly from its seed.
 *
 * @module
 */

/**
 * A small PRNG (mulberry32): the same seed gives the same numbers.
 *
 * @example
 * ```ts
 * import { seededRandom } from "./_random.ts";
 * const random = seededRandom(1);
 * random(); // a number in [0, 1), the same on every run
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options for {@linkcode randomChunks}. */
export interface RandomChunksOptions {
  /** The largest chunk, in bytes (at least 1). */
  maxChunk: number;
}

/**
 * Splits `bytes` into consecutive chunks of 1..`maxChunk` bytes (views, not
 * copies), drawing each size from `random`.
 *
 * @example
 * ```ts
 * import { randomChunks, seededRandom } from "./_random.ts";
 * const chunks = randomChunks(new Uint8Array(100), seededRandom(7), {
 *   maxChunk: 10,
 * });
 * ```
 */
export function randomChunks(
  bytes: Uint8Array,
  random: () => number,
  options: RandomChunksOptions,
): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const size = 1 + Math.floor(random() * options.maxChunk);
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

/**
 * `length` bytes drawn from `random`, each 0..255.
 *
 * @example
 * ```ts
 * import { randomBytes, seededRandom } from "./_random.ts";
 * const payload = randomBytes(seededRandom(3), 1024);
 * ```
 */
export function randomBytes(random: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}
