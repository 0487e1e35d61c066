/**
 * Lines from a test's sources (a child's pipes, a reporter), and waits
 * for the first that matches a pattern, each bounded by the output's end.
 *
 * @module
 */

import { readLines } from "./_children.ts";

/**
 * Lines arriving from one or more sources (a child's pipes, a reporter),
 * and promises for the first line that matches a pattern.
 */
export class LineLog {
  #seen: string[] = [];
  #waiters: {
    pattern: RegExp;
    resolve: (line: string) => void;
    reject: (error: Error) => void;
  }[] = [];
  #ended = false;

  /** Records `line` in `into` and hands it to every waiter it matches. */
  add(line: string, into: string[]): void {
    into.push(line);
    this.#seen.push(line);
    const matched = this.#waiters.filter((waiter) => waiter.pattern.test(line));
    this.#waiters = this.#waiters.filter((waiter) => !matched.includes(waiter));
    for (const waiter of matched) waiter.resolve(line);
  }

  /** Resolves the first line (past or future, from any source) matching. */
  waitFor(pattern: RegExp): Promise<string> {
    return this.waitForCount(pattern, 1);
  }

  /**
   * Resolves once `count` lines (past or future) have matched `pattern`;
   * rejects, with the last lines seen, once every source has ended
   * ({@linkcode LineLog.end}) short of them.
   */
  waitForCount(pattern: RegExp, count: number): Promise<string> {
    const seen = this.#seen.filter((line) => pattern.test(line));
    if (seen.length >= count) return Promise.resolve(seen[count - 1]);
    let missing = count - seen.length;
    return new Promise((resolve, reject) => {
      const waiter = {
        pattern,
        resolve: (line: string): void => {
          if (--missing === 0) resolve(line);
          else this.#waiters.push(waiter);
        },
        reject,
      };
      this.#waiters.push(waiter);
      if (this.#ended) this.end();
    });
  }

  /** Says no more lines will come: every waiter left is rejected. */
  end(): void {
    this.#ended = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    const last = this.#seen.slice(-10).join("\n");
    for (const waiter of waiters) {
      waiter.reject(
        new Error(
          `the output ended without a line matching ${waiter.pattern}; its last lines:\n${last}`,
        ),
      );
    }
  }

  /** Reads `stream` to its end, adding each line (and a last unended one). */
  async read(
    stream: ReadableStream<Uint8Array>,
    into: string[],
  ): Promise<void> {
    await readLines(stream, (line) => this.add(line, into));
  }
}
