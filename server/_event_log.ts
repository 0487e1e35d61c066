/**
 * The throttle every per-connection line of a server goes through: lines
 * are printed until they come faster than a person can read, then counted
 * and summed up in one line a second while the rush lasts. A reset storm or
 * a flood of refused connections therefore costs the log one line a second,
 * however many connections it involves.
 *
 * @module
 */

import { counted } from "../output/count.ts";
import type { Reporter } from "../output/reporter.ts";
import { sentVerb, type ServerKind } from "./summary.ts";

/** Per-connection lines allowed in one second before they collapse. */
export const LINES_PER_SECOND = 20;

/** Options for {@linkcode EventLog}. */
export interface EventLogOptions {
  /** How many connections are open, for the summary line. */
  open: () => number;
  /** Whose log it is: the summary names data lines as this server does. */
  kind: ServerKind;
  /** The clock, in ms (for tests). Default: `performance.now`. */
  now?: () => number;
}

/**
 * Prints per-connection lines through one throttle: beyond
 * {@linkcode LINES_PER_SECOND} in a second it counts instead, and prints one
 * `Last second: ...` line a second while the rush lasts. Its timer runs only
 * while it has something to sum up. With a quiet reporter it prints nothing
 * and costs a branch per call.
 *
 * @example
 * ```ts
 * import { EventLog } from "./_event_log.ts";
 * import { Reporter } from "../output/reporter.ts";
 * const log = new EventLog(new Reporter(), { open: () => 0, kind: "echo" });
 * log.event("Accepted connection from 127.0.0.1:50000");
 * log.close();
 * ```
 */
export class EventLog {
  #reporter: Reporter;
  #open: () => number;
  #kind: ServerKind;
  #now: () => number;
  // When the last LINES_PER_SECOND lines were printed, oldest at #next: a
  // sliding second, so no second holds more of them, however it is cut
  // (fixed windows let 20 at the end of one and 20 at the start of the
  // next through).
  #shownAt = new Float64Array(LINES_PER_SECOND).fill(-Infinity);
  #next = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #reads = 0;
  #bytes = 0;
  #events = 0;

  /** Creates a log printing through `reporter`'s info lines. */
  constructor(reporter: Reporter, options: EventLogOptions) {
    this.#reporter = reporter;
    this.#open = options.open;
    this.#kind = options.kind;
    this.#now = options.now ?? (() => performance.now());
  }

  /** True when lines may be printed (the reporter is not quiet). */
  get verbose(): boolean {
    return this.#reporter.verbose;
  }

  /**
   * A connection's event (accepted, refused, ended, reset, closed) or a
   * request's line.
   */
  event(line: string): void {
    if (!this.#reporter.verbose) return;
    if (this.#allow()) this.#reporter.info(line);
    else this.#events++;
  }

  /**
   * A connection's failure that is the server's own fault (a bug): printed
   * as an error even when quiet, within the same throttle.
   */
  problem(line: string): void {
    if (this.#allow()) this.#reporter.error(line);
    else this.#events++;
  }

  /** One read's worth of data handled; `line` is only made when printed. */
  data(bytes: number, line: () => string): void {
    if (!this.#reporter.verbose) return;
    if (this.#allow()) {
      this.#reporter.info(line());
    } else {
      this.#reads++;
      this.#bytes += bytes;
    }
  }

  /** Prints what is still counted and stops the timer. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flush();
  }

  #allow(): boolean {
    if (this.#timer !== undefined) return false;
    const now = this.#now();
    if (now - this.#shownAt[this.#next] >= 1000) {
      this.#shownAt[this.#next] = now;
      this.#next = (this.#next + 1) % LINES_PER_SECOND;
      return true;
    }
    this.#timer = setTimeout(() => this.#tick(), 1000);
    return false;
  }

  #tick(): void {
    if (this.#flush()) {
      this.#timer = setTimeout(() => this.#tick(), 1000);
    } else {
      // A quiet second: back to one line per event (every line shown
      // before it is over a second old by now).
      this.#timer = undefined;
    }
  }

  #flush(): boolean {
    if (this.#reads === 0 && this.#events === 0) return false;
    const parts: string[] = [];
    if (this.#reads > 0) {
      parts.push(
        `${sentVerb(this.#kind)} ${counted(this.#reads, "read")} (${
          counted(this.#bytes, "byte")
        })`,
      );
    }
    if (this.#events > 0) {
      // A server's other lines are its connections' and requests' events.
      const noun = this.#reads > 0 ? "other line" : "line";
      parts.push(`${counted(this.#events, noun)} not shown`);
    }
    this.#reporter.info(
      `Last second: ${parts.join(", ")}; ${
        counted(this.#open(), "connection")
      } open`,
    );
    this.#reads = 0;
    this.#bytes = 0;
    this.#events = 0;
    return true;
  }
}
