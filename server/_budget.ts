/**
 * A server-wide budget of bytes, shared by connections that hold data on a
 * peer's word (an app request's buffers while it arrives), so that what all
 * peers together can make a server hold is bounded, however many connect.
 *
 * @module
 */

/**
 * Bytes every connection may hold without asking the budget: a small
 * request never waits on the budget, and 10,000 connections hold at most
 * 40 MiB this way.
 */
const FREE_BYTES_PER_CONNECTION = 4096;

/**
 * The budget: a limit, and what all claims hold beyond their free bytes.
 *
 * @example
 * ```ts
 * import { ByteBudget } from "./_budget.ts";
 * const budget = new ByteBudget(1 << 20);
 * const claim = budget.claim();
 * claim.take(100_000); // true: within the budget
 * claim.release();
 * ```
 */
export class ByteBudget {
  /** The most bytes claims may hold beyond their free bytes. */
  readonly limit: number;
  /** What claims hold beyond their free bytes right now. */
  used = 0;

  /** Creates a budget of `limit` bytes. */
  constructor(limit: number) {
    this.limit = limit;
  }

  /** A new claim on the budget, holding nothing, for one connection. */
  claim(): Claim {
    return new Claim(this);
  }
}

/**
 * What one connection holds of a {@linkcode ByteBudget}.
 *
 * @example
 * ```ts
 * import { ByteBudget } from "./_budget.ts";
 * const claim = new ByteBudget(1024 * 1024).claim();
 * claim.take(4096); // true
 * claim.release();
 * ```
 */
export class Claim {
  #budget: ByteBudget;
  #held = 0;

  /** Creates an empty claim; see {@linkcode ByteBudget.claim}. */
  constructor(budget: ByteBudget) {
    this.#budget = budget;
  }

  /** Bytes this claim holds, its free bytes included. */
  get held(): number {
    return this.#held;
  }

  /** Takes `bytes` more, unless that would go over the budget: then false. */
  take(bytes: number): boolean {
    const more = charged(this.#held + bytes) - charged(this.#held);
    if (this.#budget.used + more > this.#budget.limit) return false;
    this.#budget.used += more;
    this.#held += bytes;
    return true;
  }

  /** Gives back what it holds beyond `bytes` (when its holder shrank). */
  shrinkTo(bytes: number): void {
    if (bytes >= this.#held) return;
    this.#budget.used -= charged(this.#held) - charged(bytes);
    this.#held = bytes;
  }

  /** Gives back everything it holds. */
  release(): void {
    this.shrinkTo(0);
  }
}

function charged(held: number): number {
  return Math.max(0, held - FREE_BYTES_PER_CONNECTION);
}
