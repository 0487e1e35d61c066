/**
 * One step of a server's accept loop, shared by every server so that each
 * survives the same failures the same way: out of file descriptors, it
 * says so once (see `_descriptor_log.ts`) and tries again after a pause,
 * the waiting client left in the backlog; any other failure is a log line,
 * and a run of them pauses too, so that an error that keeps coming cannot
 * spin the CPU.
 *
 * @module
 */

import type { Reporter } from "../output/reporter.ts";
import { Delay } from "./_delay.ts";
import { DescriptorLog } from "./_descriptor_log.ts";
import type { EventLog } from "./_event_log.ts";
import {
  describeAcceptFailure,
  endsAccepting,
  type ServerListener,
} from "./listener.ts";

/** How long to wait before accepting again when out of file descriptors. */
const EMFILE_RETRY_MS = 100;

/**
 * Failed accepts in a row after which the loop pauses for
 * {@linkcode EMFILE_RETRY_MS} before trying again; a storm of resets stays
 * far below it because every accepted connection resets the count.
 */
const FAILED_ACCEPTS_BEFORE_PAUSE = 100;

/** What an {@linkcode Acceptor} needs of its server. */
export interface AcceptorOptions {
  /** Where the descriptor lines go. */
  reporter: Reporter;
  /** Where a failed accept's line goes. */
  log: EventLog;
  /** The connections open now, for the descriptor lines. */
  open(): number;
}

/**
 * True for the accept failures that a lack of file descriptors causes
 * (EMFILE, ENFILE): they pass once some connections close.
 */
function isOutOfDescriptors(error: unknown): boolean {
  return error instanceof Error &&
    /os error 2[34]|too many open files/i.test(error.message);
}

/**
 * Accepts the next connection of a listener, riding out the failures that
 * pass.
 *
 * @example
 * ```ts
 * import { Acceptor } from "./_accept.ts";
 * import { EventLog } from "./_event_log.ts";
 * import { SILENT } from "../output/reporter.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const log = new EventLog(SILENT, { open: () => 0, kind: "echo" });
 * const acceptor = new Acceptor(listener, { reporter: SILENT, log, open: () => 0 });
 * const client = Deno.connect({ port: listener.addr.port });
 * (await acceptor.next())?.close();
 * (await client).close();
 * acceptor.end(); // the server stops: a pending next() gives undefined
 * listener.close();
 * ```
 */
export class Acceptor {
  #listener: ServerListener;
  #options: AcceptorOptions;
  #descriptors: DescriptorLog;
  #retry = new Delay();
  #ended = false;
  #failedInARow = 0;

  /** Accepts from `listener`; its server calls `end` as it stops. */
  constructor(listener: ServerListener, options: AcceptorOptions) {
    this.#listener = listener;
    this.#options = options;
    this.#descriptors = new DescriptorLog(options.reporter);
  }

  /**
   * The next connection; undefined once {@linkcode Acceptor.end} was
   * called. Rejects when the listener can accept no more (see
   * `endsAccepting`), as when it was closed without `end`.
   */
  async next(): Promise<Deno.Conn | undefined> {
    while (!this.#ended) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#ended) return undefined;
        if (endsAccepting(error)) throw error;
        await this.#failed(error);
        continue;
      }
      this.#failedInARow = 0;
      this.#descriptors.recovered(this.#options.open());
      return conn;
    }
    return undefined;
  }

  /** Ends a pause in progress and says what the descriptor log left unsaid. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#retry.end();
    this.#descriptors.end();
  }

  async #failed(error: unknown): Promise<void> {
    if (isOutOfDescriptors(error)) {
      // The waiting client stays in the backlog.
      this.#descriptors.ranOut(this.#options.open(), performance.now());
      await this.#retry.wait(EMFILE_RETRY_MS);
      return;
    }
    this.#options.log.event(describeAcceptFailure(error));
    if (++this.#failedInARow >= FAILED_ACCEPTS_BEFORE_PAUSE) {
      this.#failedInARow = 0;
      await this.#retry.wait(EMFILE_RETRY_MS);
    }
  }
}
