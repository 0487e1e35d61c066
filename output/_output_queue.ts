/**
 * Output that never stops the program: bytes for stdout and stderr wait
 * in one queue, in the order they were printed, and are written by
 * asynchronous writes. A synchronous write to a pipe nobody reads (a
 * `| less` left at its prompt, a terminal paused with Ctrl-S) blocks the
 * whole event loop: a server stops serving, and its signal listeners,
 * which run on that loop, never see Ctrl-C. The queue is bounded: past
 * {@linkcode QUEUE_LIMIT_BYTES}, per-event lines are dropped and counted,
 * and one line on stderr says how many once the output moves again; the
 * lines a user ran the program for (results, summaries, errors) are kept
 * up to {@linkcode ESSENTIAL_LIMIT_BYTES}.
 *
 * @module
 */

import { concatBytes } from "../protocol/bytes.ts";

/** The most bytes waiting before per-event lines are dropped. */
const QUEUE_LIMIT_BYTES = 4 * 1024 * 1024;

/** The most bytes waiting before even essential lines are dropped. */
const ESSENTIAL_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * The most bytes one write takes (a pipe's buffer): a write to a pipe
 * returns only once the reader has taken it all, and a write that waits
 * long must mean a reader that stopped, not a large batch.
 */
const WRITE_BATCH_BYTES = 64 * 1024;

/** Where a queued chunk goes. */
export type Stream = "stdout" | "stderr";

/** What the queue calls when writing fails. */
export interface QueueHandlers {
  /** The reader of stdout or stderr has gone (EPIPE). */
  onClosed?: () => void;
  /** Writing to stdout failed otherwise (a full disk). */
  onFailed?: (error: unknown) => void;
}

/**
 * The process's queue of output.
 *
 * @example
 * ```ts
 * import { OutputQueue } from "./_output_queue.ts";
 * const queue = new OutputQueue();
 * queue.push("stdout", new TextEncoder().encode("hello\n"));
 * await queue.flush();
 * ```
 */
export class OutputQueue {
  /** What the queue calls when writing fails; set by the program. */
  handlers: QueueHandlers = {};
  #chunks: { stream: Stream; bytes: Uint8Array }[] = [];
  #bytes = 0;
  #dropped = 0;
  #writing: Promise<void> | undefined;
  #writeStartedAt: number | undefined;

  /**
   * Queues `bytes` for `stream`; drops them, and counts the drop, when the
   * queue already holds its limit (the larger one for `options.essential`
   * bytes; a single chunk larger than that still goes, alone).
   */
  push(
    stream: Stream,
    bytes: Uint8Array,
    options: { essential?: boolean } = {},
  ): void {
    const limit = options.essential ? ESSENTIAL_LIMIT_BYTES : QUEUE_LIMIT_BYTES;
    if (this.#chunks.length > 0 && this.#bytes + bytes.length > limit) {
      this.#dropped++;
      return;
    }
    this.#chunks.push({ stream, bytes });
    this.#bytes += bytes.length;
    this.#writing ??= this.#drain();
  }

  /**
   * How long the write in flight has waited, in ms (0 with none): a
   * reader that reads takes it in microseconds, one that stopped never.
   */
  get stalledMs(): number {
    const since = this.#writeStartedAt;
    return since === undefined ? 0 : performance.now() - since;
  }

  /** Resolves once everything queued so far is written (or given up). */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  async #drain(): Promise<void> {
    while (this.#chunks.length > 0) {
      // Neighbouring chunks for the same stream go in one write.
      const { stream } = this.#chunks[0];
      let count = 1;
      let size = this.#chunks[0].bytes.length;
      while (
        count < this.#chunks.length && this.#chunks[count].stream === stream &&
        size + this.#chunks[count].bytes.length <= WRITE_BATCH_BYTES
      ) size += this.#chunks[count++].bytes.length;
      const batch = this.#chunks.splice(0, count);
      const bytes = concatBytes(batch.map((chunk) => chunk.bytes));
      this.#bytes -= bytes.length;
      if (!await this.#write(stream, bytes)) {
        this.#chunks = [];
        this.#bytes = 0;
        break;
      }
      if (this.#dropped > 0 && this.#bytes === 0) {
        const dropped = this.#dropped;
        this.#dropped = 0;
        // Counted as any chunk, or the queue's size would end below zero
        // and never read empty again: later drops would go unsaid.
        const notice = new TextEncoder().encode(
          `netdemo: ${dropped} line${
            dropped === 1 ? " was" : "s were"
          } dropped while the output was blocked\n`,
        );
        this.#chunks.push({ stream: "stderr", bytes: notice });
        this.#bytes += notice.length;
      }
    }
    this.#writing = undefined;
  }

  // False once the output cannot be written any more.
  async #write(stream: Stream, bytes: Uint8Array): Promise<boolean> {
    const target = stream === "stdout" ? Deno.stdout : Deno.stderr;
    try {
      let rest = bytes;
      while (rest.length > 0) {
        this.#writeStartedAt = performance.now();
        rest = rest.subarray(await target.write(rest));
        this.#writeStartedAt = undefined;
      }
      return true;
    } catch (error) {
      this.#writeStartedAt = undefined;
      if (error instanceof Deno.errors.BrokenPipe) {
        this.handlers.onClosed?.();
      } else if (stream === "stdout") {
        this.handlers.onFailed?.(error);
      } else {
        // A failing stderr cannot be told anywhere; go on without it.
        return true;
      }
      return false;
    }
  }
}
