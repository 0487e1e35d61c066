/**
 * The failures of a run of many connections, counted by kind: what
 * `runMulti` and `runLoad` return, and the words each kind is shown with.
 *
 * @module
 */

import type { FailureKind, NetError } from "../protocol/errors.ts";

/**
 * How a failure kind reads in a summary: `2 reset by server`. Every kind
 * has its words; a kind this version does not know (from another's
 * report) shows as written.
 */
const KIND_LABELS: Record<FailureKind, string> = {
  "refused": "refused",
  "reset": "reset by server",
  "closed-early": "closed early by server",
  "mismatch": "returned different bytes",
  "timeout": "timed out",
  "host-not-found": "host not found",
  "address-unavailable": "no local address or port free",
  "address-in-use": "local address already in use",
  "permission-denied": "permission denied",
  "too-many-open-files": "over the open-file limit",
  "protocol": "broke the protocol",
  "tls": "TLS failures",
  "interrupted": "interrupted",
  "other": "other errors",
};

/**
 * Failure counts by kind as text, most frequent first:
 * `2 reset by server, 1 refused`.
 *
 * @example
 * ```ts
 * import { describeFailureCounts } from "./failures.ts";
 * describeFailureCounts({ refused: 2 }); // "2 refused"
 * ```
 */
export function describeFailureCounts(
  counts: Partial<Record<string, number>>,
): string {
  return Object.entries(counts)
    .sort(([, a], [, b]) => (b ?? 0) - (a ?? 0))
    .map(([kind, count]) =>
      `${count} ${
        Object.hasOwn(KIND_LABELS, kind)
          ? KIND_LABELS[kind as FailureKind]
          : kind
      }`
    )
    .join(", ");
}

/**
 * Counts failures by kind and remembers the first one, so a summary can
 * name both the tally and one concrete reason.
 *
 * @example
 * ```ts
 * import { FailureTally } from "./failures.ts";
 * import { NetError } from "../protocol/errors.ts";
 * const tally = new FailureTally();
 * tally.add(new NetError("reset", "127.0.0.1:1 reset the connection"));
 * tally.describe(); // "1 reset by server"
 * ```
 */
export class FailureTally {
  /** Failures so far by kind. */
  readonly counts: Partial<Record<FailureKind, number>> = {};
  /** The first failure, for its full message. */
  first: NetError | undefined;
  /** How many failures in all. */
  total = 0;
  /** When the last failure was counted (`performance.now()`), or -Infinity. */
  lastAt: number = -Infinity;

  /** Counts one failure. */
  add(failure: NetError): void {
    this.counts[failure.kind] = (this.counts[failure.kind] ?? 0) + 1;
    this.first ??= failure;
    this.total++;
    this.lastAt = performance.now();
  }

  /** The tally as text, most frequent kind first: `2 reset by server, 1 refused`. */
  describe(): string {
    return describeFailureCounts(this.counts);
  }

  /** The tally and the first failure's message, for a one-line error. */
  describeWithFirst(): string {
    const first = this.first ? ` (first: ${this.first.message})` : "";
    return `${this.describe()}${first}`;
  }

  /** The most frequent kind, for the NetError a failed run throws. */
  mainKind(): FailureKind {
    let best: FailureKind = "other";
    let most = 0;
    for (const [kind, count] of Object.entries(this.counts)) {
      if ((count ?? 0) > most) {
        most = count ?? 0;
        best = kind as FailureKind;
      }
    }
    return best;
  }
}
